"""The demos on the built website, in headless Chromium: choices as button sets, frames at full size.

A choice (the EPSP demo's receptor, the Nernst valence) is a ToggleButtons whose ``index`` is jslinked
to the frames' ``Stack``: clicking each button shows another frame, with alt text. At a 390 px phone
width every frame is shown at its own pixel width (its text stays at caption size; the frame scrolls
sideways) and the page does not scroll sideways as a whole. ``make book`` first; marked ``browser``.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import SITE
from test_site import _FRAME_STATE, _open

# The frame state of test_site, starting from the demo box around a button instead of a slider.
_DEMO_FRAME_STATE = _FRAME_STATE.replace("handle.closest('.widget-slider')", "handle.closest('.ipsp-demo')")

_STATE = re.compile(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S)


def _has_static_button_set(html: str) -> bool:
    """A ToggleButtons jslinked to frames: a static button set. (A demo's live controls are in the widget
    state too, unlinked, when a choice is not one of its static controls; those are not shown on the site.)"""
    for block in _STATE.findall(html):
        state = json.loads(block)["state"]
        toggles = {f"IPY_MODEL_{k}" for k, v in state.items() if v["model_name"] == "ToggleButtonsModel"}
        for v in state.values():
            if v["model_name"] == "LinkModel" and {v["state"]["source"][0], v["state"]["target"][0]} & toggles:
                return True
    return False


PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("chapters/*.html")
               if _has_static_button_set(p.read_text(encoding="utf-8", errors="replace"))) if SITE.is_dir() else []


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES or ["<no page with button sets>"])
def test_button_sets_switch_frames(browser, site_url, page_path):
    if page_path.startswith("<"):
        pytest.skip("the site is not built or has no demo with a choice")
    page, problems = _open(browser, site_url, page_path)
    try:
        groups = page.locator(".ipsp-demo-static .widget-toggle-buttons")
        assert groups.count() > 0, f"{page_path}: button sets in the widget state but none rendered"
        failures = []
        for g in range(groups.count()):
            buttons = groups.nth(g).locator("button")
            assert buttons.count() >= 2
            states = []
            for b in range(buttons.count()):
                buttons.nth(b).click()
                page.wait_for_timeout(300)
                state = buttons.nth(b).evaluate(_DEMO_FRAME_STATE)
                if state is None or not all(state["alts"]):
                    failures.append(f"group {g} button {b}: no frame with alt text next to it")
                    continue
                states.append(state["digest"])
            if len(set(states)) != len(states):
                failures.append(f"group {g}: buttons {buttons.all_inner_texts()} do not all show different frames")
        assert not failures and not problems, f"{page_path}:\n  " + "\n  ".join(failures + problems)
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
