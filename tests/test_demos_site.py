"""The demos on the built website, in headless Chromium: choices as radio groups, frames at full size.

A choice (the EPSP demo's receptor, the Nernst valence) is a group of radio buttons named by its legend:
clicking each button's label shows another frame, with alt text (tests/test_site.py checks every control
by keyboard against ipsplib's frames). At a 390 px phone width every frame is shown at its own pixel width
(its text stays at caption size; the frame scrolls sideways) and the page does not scroll sideways as a
whole. ``make book`` first; marked ``browser``.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from conftest import SITE
from test_site import _FRAME_STATE, _POSITION, _open

PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("chapters/*.html")
               if "ipsp-demo-choice" in p.read_text(encoding="utf-8", errors="replace")) if SITE.is_dir() else []


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES or ["<no page with a choice>"])
def test_choices_switch_frames_by_mouse(browser, site_url, page_path):
    if page_path.startswith("<"):
        pytest.skip("the site is not built or has no demo with a choice")
    page, problems = _open(browser, site_url, page_path)
    try:
        groups = page.locator(".ipsp-demo-static fieldset.ipsp-demo-choice")
        assert groups.count() > 0, f"{page_path}: a choice in the HTML but none rendered"
        failures = []
        for g in range(groups.count()):
            group = groups.nth(g)
            box = group.locator("xpath=ancestor::div[contains(@class, 'ipsp-demo-static')][1]")
            labels = group.locator("label")
            assert labels.count() >= 2
            digests = []
            for b in range(labels.count()):
                labels.nth(b).click()
                shape = json.loads(box.locator("script.ipsp-demo-manifest").text_content())["shape"]
                flat = 0
                for n, p in zip(shape, box.evaluate(_POSITION), strict=True):
                    flat = flat * n + p
                deadline = time.monotonic() + 10
                state = box.evaluate(_FRAME_STATE)
                while state["index"] != str(flat) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    state = box.evaluate(_FRAME_STATE)
                if not state["shown"] or not (state["alt"] or "").strip():
                    failures.append(f"group {g} button {b}: no frame with alt text")
                digests.append(state["digest"])
            if len(set(digests)) != len(digests):
                failures.append(f"group {g}: buttons {labels.all_inner_texts()} do not all show different frames")
        assert not failures and not problems, f"{page_path}:\n  " + "\n  ".join(failures + problems)
    finally:
        page.context.close()


# A loaded machine, simulated: decoding a frame (which ipsp-demos.js's swap waits for) takes 0.3 s and a fetch
# 1 s, so a frame swap lands while the test's fetch of the shown frame awaits.
_SLOW_BROWSER = """() => {
  const decode = HTMLImageElement.prototype.decode, fetch = window.fetch;
  HTMLImageElement.prototype.decode = function () {
    return new Promise(r => setTimeout(r, 300)).then(() => decode.call(this)); };
  window.fetch = (...args) => new Promise(r => setTimeout(r, 1000)).then(() => fetch(...args));
}"""


@pytest.mark.browser
def test_frame_state_is_one_frame_while_frames_swap(browser, site_url):
    """The frame state the site tests read (index, src, bytes) belongs to one frame even when ipsp-demos.js
    swaps the frame during the read: in a loaded full run it once paired the new index with the old frame's
    bytes, so two buttons seemed to show one frame (07) and a slider's frame seemed not ipsplib's (08)."""
    if not PAGES:
        pytest.skip("the site is not built or has no demo with a choice")
    page_path = PAGES[0]
    page, problems = _open(browser, site_url, page_path)
    try:
        page.evaluate(_SLOW_BROWSER)
        group = page.locator(".ipsp-demo-static fieldset.ipsp-demo-choice").first
        box = group.locator("xpath=ancestor::div[contains(@class, 'ipsp-demo-static')][1]")
        labels = group.locator("label")
        folder = (SITE / page_path).parent
        shape = json.loads(box.locator("script.ipsp-demo-manifest").text_content())["shape"]
        pending = 0
        for b in (1, 0, 1):
            labels.nth(b).click()
            state = box.evaluate(_FRAME_STATE)  # read while the swap is pending
            flat = 0
            for n, p in zip(shape, box.evaluate(_POSITION), strict=True):
                flat = flat * n + p
            pending += state["index"] != str(flat)
            on_disk = hashlib.sha256((folder / state["src"]).read_bytes()).hexdigest()
            assert state["digest"] == on_disk, f"{page_path} button {b}: the digest is not that of {state['src']}"
        assert pending, "no swap was pending during a read: the simulated load did not slow the page"
        assert not problems, problems
    finally:
        page.context.close()


@pytest.mark.browser
def test_frames_keep_their_size_on_a_phone(browser, site_url):
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("chapters/*.html")
                   if "ipsp-demo-frame" in p.read_text(encoding="utf-8", errors="replace"))
    if not pages:
        pytest.skip("the site is not built or shows no demo")
    for page_path in pages:
        page, _ = _open(browser, site_url, page_path)
        try:
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            sizes = page.evaluate("""() => [...document.querySelectorAll('.ipsp-demo-frame img')]
                .filter(i => i.checkVisibility())
                .map(i => [i.naturalWidth, i.getBoundingClientRect().width])""")
            assert sizes, f"{page_path}: no visible demo frame"
            for natural, shown in sizes:
                assert shown == pytest.approx(natural, abs=1), f"{page_path}: a frame is shown at {shown} px, " \
                                                               f"not its {natural} px: its text shrinks"
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{page_path}: the page scrolls sideways by {overflow} px at 390 px"
        finally:
            page.context.close()
