"""The built website (_build/html), as a reader gets it.

Without a browser: every local link resolves, and every page stays within its
budget: its HTML and images under 5 MB, and all it loads under 5 MB gzipped
(_build/page-weights.txt lists them). In headless Chromium (marked ``browser``),
in light and dark mode, with every request to a host other than the local test
server aborted and recorded: each page loads
with no console error, no failed request and no raw TeX; axe-core finds no
serious or critical accessibility violation; on pages with static demos every
control (range input or radio group) is reachable with Tab, is named by its
label, and Home/ArrowRight/End (arrows for a choice) show, for each position,
the very frame and alt text that ipsplib renders for those values; the site's
search finds chapter content. Page weights in the browser: tests/test_page_weight.py.
Full-page screenshots go to _build/screenshots/ for review.

``make test`` builds the book before running this module.
"""

from __future__ import annotations

import functools
import html.parser
import json
import posixpath
import re
import time
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT, SITE
from playwright.sync_api import TimeoutError as PlaywrightTimeout

AXE_JS = ROOT / "_vendor_cache" / "test" / "axe-core" / "axe.min.js"
SCREENSHOTS = SITE.parent / "screenshots"  # _build/screenshots for the default build
MAX_PAGE_BYTES = 5 * 1024 * 1024
SKIP_DIRS = ("_static/", "_sources/", "_images/", "_panels_static/")


def _pages() -> list[str]:
    """Site-relative paths of the book's HTML pages (theme templates in _static/ excluded)."""
    if not SITE.is_dir():
        return ["<site not built>"]  # the site_dir fixture fails with instructions
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(SKIP_DIRS)
    )


PAGES = _pages()
DEMO_PAGES = [
    p for p in PAGES
    if (SITE / p).is_file() and "ipsp-demo-manifest" in (SITE / p).read_text(encoding="utf-8", errors="replace")
]


# -- static checks (no browser) --------------------------------------------------------------------------
class _Refs(html.parser.HTMLParser):
    """Collects href/src references and element ids of one HTML page."""

    ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src",
             "video": "src", "audio": "src", "embed": "src"}

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()
        self.loads: list[tuple[str, str]] = []  # (kind, url) the browser fetches to show the page

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = set((attrs.get("rel") or "").split())
        if tag in ("img", "script") and attrs.get("src"):
            self.loads.append((tag, attrs["src"]))
        elif tag == "link" and attrs.get("href") and rel & {"stylesheet", "preload", "icon"}:
            self.loads.append(("style" if "stylesheet" in rel else "other", attrs["href"]))
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        want = self.ATTRS.get(tag)
        if want and attrs.get(want):
            self.refs.append((tag, attrs[want]))
        if tag == "img" and attrs.get("srcset"):
            self.refs.extend(("img", s.strip().split()[0]) for s in attrs["srcset"].split(",") if s.strip())


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _local_target(page: str, url: str) -> tuple[str, str] | None:
    """(site-relative file, fragment) that ``url`` on ``page`` points to, or None if not a local file link."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("#", "//")) or not parts.path:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    return target, parts.fragment


def test_site_links_resolve(site_dir):
    """Every local href/src on every page names an existing file, and every #fragment into a page exists."""
    ids: dict[str, set[str]] = {}
    broken = []
    for page in PAGES:
        for tag, url in _parse(site_dir / page).refs:
            hit = _local_target(page, url)
            if hit is None:
                continue
            target, fragment = hit
            path = site_dir / target
            if path.is_dir():
                path = path / "index.html"
                target = posixpath.join(target, "index.html")
            if target.startswith("..") or not path.is_file():
                broken.append(f"{page}: <{tag}> {url} -> {target} (missing)")
                continue
            if fragment and tag == "a" and path.suffix == ".html":
                if target not in ids:
                    ids[target] = _parse(path).ids
                if fragment not in ids[target]:
                    broken.append(f"{page}: <a> {url} -> no id {fragment!r} in {target}")
    assert not broken, f"{len(broken)} broken local links:\n" + "\n".join(broken)


MAX_PAGE_TRANSFER_BYTES = 5 * 1024 * 1024


@functools.cache
def _file_bytes(path: Path) -> tuple[int, int]:
    """(size, size gzip-compressed at level 6, as a web server sends it) of one file."""
    data = path.read_bytes()
    return len(data), len(zlib.compress(data, 6))


def _page_weight(site_dir: Path, page: str) -> dict[str, int]:
    """Bytes a reader downloads for ``page`` with an empty cache, by kind: its HTML, and every local
    image, script, stylesheet and preloaded file it loads (each counted once); "own" is the HTML and
    images (the page's own content, demo frames included), "transfer" all of it gzip-compressed."""
    weight = dict.fromkeys(("html", "img", "script", "style", "other", "transfer"), 0)
    weight["html"], weight["transfer"] = _file_bytes(site_dir / page)
    seen = set()
    for kind, url in _parse(site_dir / page).loads:
        hit = _local_target(page, url)
        if hit and hit[0] not in seen and (site_dir / hit[0]).is_file():
            seen.add(hit[0])
            raw, compressed = _file_bytes(site_dir / hit[0])
            weight[kind] += raw
            weight["transfer"] += compressed
    weight["own"] = weight["html"] + weight["img"]
    return weight


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(site_dir, page):
    """Budget: a page's own HTML and images (demo frames are inlined in the HTML) stay under 5 MB, and all
    it loads with an empty cache (scripts, styles and fonts too) under 5 MB as a server sends it, gzipped."""
    w = _page_weight(site_dir, page)
    assert w["own"] < MAX_PAGE_BYTES, f"{page}: {w['own'] / 2**20:.2f} MB of HTML and images (limit 5 MB)"
    assert w["transfer"] < MAX_PAGE_TRANSFER_BYTES, (
        f"{page}: {w['transfer'] / 2**20:.2f} MB to download, gzipped, with scripts and styles (limit 5 MB)")


# -- in the browser --------------------------------------------------------------------------------------
_WAIT_FOR_WIDGETS = """() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  if (views === 0) return true;
  const areas = [...document.querySelectorAll('.widget-subarea')];
  return areas.length >= views && areas.every(a => a.childElementCount > 0);
}"""

_SETTLE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await document.fonts.ready;
}"""

# Text a reader sees: visible text nodes outside code, scripts and rendered maths.
_VISIBLE_TEXT = """() => {
  const skip = 'script, style, pre, code, textarea, mjx-container, .highlight, noscript';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    out.push(n.textContent);
  }
  return out.join(' ');
}"""

# $$, \frac, \( \), \begin{, or $...$ holding a backslash, _ or ^ (e.g. "GABA$_A$").
RAW_TEX = re.compile(r"\$\$|\\frac|\\\(|\\\)|\\begin\{|\$[^$\n]{0,80}?[\\_^][^$\n]{0,80}?\$")


MODES = ("light", "dark")


def _open(browser, site_url, page_path, mode="light"):
    """Open ``page_path`` in a fresh context in the theme's colour ``mode`` (as the reader's choice is
    stored by the theme's colour-mode button); return (page, problems) where problems collects
    console errors, page errors, failed or error responses, and aborted non-local requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page = context.new_page()
    problems: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(site_url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"request to another host blocked: {url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: r.url.startswith(site_url)
            and problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(site_url + page_path, wait_until="load")
    try:
        page.wait_for_function(_WAIT_FOR_WIDGETS, timeout=20_000)
    except PlaywrightTimeout:
        page.context.close()
        pytest.fail(f"{page_path}: the widgets did not render within 20 s (dead widgets on the static site)."
                    + "".join(f"\n  {p}" for p in problems))
    page.evaluate(_SETTLE)
    page.wait_for_timeout(300)  # a11y fixes and late renders run on the next animation frames
    shown = page.evaluate("() => document.documentElement.dataset.theme")
    if shown != mode:
        page.context.close()
        pytest.fail(f"{page_path}: asked for {mode} mode, the theme shows {shown!r}")
    return page, problems


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_offline_without_errors(browser, site_url, page_path, mode):
    """No console error, no failed request, nothing fetched from another host, no raw TeX, in light
    and dark mode; screenshots of both saved for review."""
    page, problems = _open(browser, site_url, page_path, mode)
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = page_path.replace("/", "__").removesuffix(".html") + ("" if mode == "light" else "-dark") + ".png"
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
        text = page.evaluate(_VISIBLE_TEXT)
        raw = sorted({m.group(0) for m in RAW_TEX.finditer(text)})
        if raw:
            problems.append(f"raw TeX visible after MathJax ran: {raw[:10]}")
        assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page_path", PAGES)
def test_page_accessibility(browser, site_url, page_path, mode):
    """axe-core (vendored, injected locally) finds no serious or critical violation, in light and dark mode."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: run `python tools/vendor_assets.py` (make book does).")
    page, _ = _open(browser, site_url, page_path, mode)
    try:
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
        violations = page.evaluate("""async () => {
          const r = await axe.run(document, {iframes: false, resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                                         count: v.nodes.length}));
        }""")
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{page_path} ({mode} mode): axe-core violations:\n" + "\n".join(
            f"  [{v['impact']}] {v['id']}: {v['help']} ({v['count']} nodes, e.g. {v['nodes']})" for v in bad)
    finally:
        page.context.close()


# The frame a static demo shows: its index in the manifest, the image's bytes (SHA-256) and alt text.
# All read at one instant, before the fetch: ipsp-demos.js may swap the frame while the fetch awaits (a
# loaded machine), and an index read after it would be paired with the previous frame's bytes.
_FRAME_STATE = """async (demo) => {
  const img = demo.querySelector('.ipsp-demo-frame img');
  const state = {index: demo.dataset.ipspFrame, src: img.getAttribute('src'), alt: img.getAttribute('alt'),
                 shown: img.checkVisibility() && img.naturalWidth > 0};
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const hash = await crypto.subtle.digest('SHA-256', bytes);
  return {...state, digest: [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('')};
}"""

_POSITION = """(demo) => JSON.parse(demo.querySelector('script.ipsp-demo-manifest').textContent).shape.map((_, a) => {
  const input = demo.querySelector(`input[type=range][data-ipsp-axis="${a}"]`) ||
                demo.querySelector(`input[type=radio][data-ipsp-axis="${a}"]:checked`);
  return Number(input.value);
})"""


@functools.cache
def _demo_by_title() -> dict:
    """Title -> a live ipsplib demo (IPSP_BOOK_STATIC unset in the test run) to render expected frames with."""
    from ipsplib.demos import ALL

    demos = [factory() for factory in ALL.values()]
    return {d.title: d for d in demos}


def _expected(demo, manifest: dict, position: list[int]) -> tuple[str, str]:
    """(SHA-256 of the frame file, alt text) ipsplib makes for the controls at ``position`` (others at default)."""
    import hashlib

    from ipsplib.demos._static import frame_bytes

    values = {spec.name: spec.value for spec in demo._specs.values()}
    values.update({c["name"]: c["values"][p] for c, p in zip(manifest["controls"], position, strict=True)})
    demo.update(**values)
    return hashlib.sha256(frame_bytes(demo.png())).hexdigest(), demo.alt_text


def _check_frame(page, box, demo, manifest, what: str, failures: list[str], timeout_s: float = 10.0) -> None:
    """The frame shown equals ipsplib's for the controls' position (waiting for the swap), with its alt text."""
    position = box.evaluate(_POSITION)
    flat = 0
    for n, p in zip(manifest["shape"], position, strict=True):
        flat = flat * n + p
    deadline = time.monotonic() + timeout_s
    state = box.evaluate(_FRAME_STATE)
    while (state["index"] != str(flat) or not state["shown"]) and time.monotonic() < deadline:
        time.sleep(0.05)
        state = box.evaluate(_FRAME_STATE)
    digest, alt = _expected(demo, manifest, position)
    if state["index"] != str(flat) or state["src"] != manifest["frames"][flat]:
        failures.append(f"{what}: position {position} should show frame {flat}, shows {state['index']} "
                        f"({state['src']})")
    elif state["digest"] != digest:
        failures.append(f"{what}: the frame shown at {position} is not the one ipsplib renders for it")
    if state["alt"] != alt:
        failures.append(f"{what}: alt text {state['alt']!r} is not ipsplib's {alt!r}")


@pytest.mark.browser
@pytest.mark.parametrize("page_path", DEMO_PAGES or ["<no page with demos yet>"])
def test_demo_controls_by_keyboard_show_ipsplib_frames(browser, site_url, page_path):
    """Every control of every static demo: reachable by Tab, named by its label, and each key press
    (Home, ArrowRight, End, Home on a slider; ArrowRight, ArrowLeft on a choice) shows the frame and the
    alt text ipsplib renders for the new values."""
    if page_path.startswith("<"):
        pytest.skip("no page of the built site has a static demo")
    from playwright.sync_api import expect

    page, problems = _open(browser, site_url, page_path)
    try:
        controls = page.locator(".ipsp-demo-static input[type=range], .ipsp-demo-static input[type=radio]:checked")
        n = controls.count()
        assert n > 0, f"{page_path} has a demo manifest but no control"
        # Tab from the top of the page until every control has had focus.
        page.evaluate("() => document.querySelectorAll('.ipsp-demo-static input[type=range], "
                      ".ipsp-demo-static input[type=radio]:checked').forEach((h, i) => h.dataset.ipspControl = i)")
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        reached: set[str] = set()
        for _ in range(2000):
            page.keyboard.press("Tab")
            idx = page.evaluate("() => document.activeElement && document.activeElement.dataset.ipspControl")
            if idx is not None:
                reached.add(idx)
            if len(reached) == n:
                break
        missing = sorted(set(map(str, range(n))) - reached, key=int)
        assert not missing, f"{page_path}: controls {missing} of {n} never receive focus by Tab"

        failures = []
        boxes = page.locator(".ipsp-demo-static")
        for b in range(boxes.count()):
            box = boxes.nth(b)
            manifest = json.loads(box.locator("script.ipsp-demo-manifest").text_content())
            title = box.locator(".ipsp-demo-title strong").inner_text().strip()
            demo = _demo_by_title().get(title)
            if demo is None:
                failures.append(f"demo {title!r}: no ipsplib demo has this title")
                continue
            _check_frame(page, box, demo, manifest, f"{title}: at load", failures)
            for axis, control in enumerate(manifest["controls"]):
                slider = box.locator(f'input[type=range][data-ipsp-axis="{axis}"]')
                if slider.count():
                    label = box.locator(f'label[for="{slider.get_attribute("id")}"]').inner_text().strip()
                    name = f"{title}: slider {label!r}"
                    try:
                        expect(slider).to_have_accessible_name(label, timeout=2000)
                    except AssertionError:
                        failures.append(f"{name}: not named by its label")
                    slider.focus()
                    for key in ("Home", "ArrowRight", "End", "Home"):
                        slider.press(key)
                        _check_frame(page, box, demo, manifest, f"{name} after {key}", failures)
                        text = control["valuetexts"][int(slider.input_value())]
                        if slider.get_attribute("aria-valuetext") != text:
                            failures.append(f"{name} after {key}: aria-valuetext "
                                            f"{slider.get_attribute('aria-valuetext')!r}, not {text!r}")
                        readout = box.locator(f'output[for="{slider.get_attribute("id")}"]').inner_text().strip()
                        if not text.startswith(readout) or not readout:
                            failures.append(f"{name} after {key}: readout {readout!r} does not show {text!r}")
                else:
                    group = box.locator("fieldset.ipsp-demo-choice").filter(
                        has=page.locator(f'input[data-ipsp-axis="{axis}"]'))
                    legend = group.locator("legend").inner_text().strip()
                    name = f"{title}: choice {legend!r}"
                    try:
                        expect(group).to_have_accessible_name(legend, timeout=2000)
                    except AssertionError:
                        failures.append(f"{name}: the group is not named by its legend")
                    group.locator("input:checked").focus()
                    for key in ("ArrowRight", "ArrowLeft"):
                        page.keyboard.press(key)
                        _check_frame(page, box, demo, manifest, f"{name} after {key}", failures)
        failures.extend(problems)
        assert not failures, f"{page_path}:\n  " + "\n  ".join(failures)
    finally:
        page.context.close()


# Terms a student looks up, and a page the search must list for each (the page that teaches it).
SEARCHES = {
    "reversal potential": "chapters/03-ipsps.html",
    "KCC2": "chapters/04-chloride.html",
    "Nernst": "chapters/01-ions.html",
}


@pytest.mark.browser
@pytest.mark.parametrize("term", sorted(SEARCHES))
def test_search_finds_chapter_content(browser, site_url, term):
    """The site's own search (Sphinx's index, offline) lists the chapter that teaches ``term``."""
    page, problems = _open(browser, site_url, "search.html?q=" + term.replace(" ", "+"))
    try:
        results = page.locator("#search-results ul.search li")
        try:
            results.first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            pytest.fail(f"search for {term!r} listed nothing within 15 s" + "".join(f"\n  {p}" for p in problems))
        page.wait_for_function("() => !document.querySelector('#search-progress') || "
                               "document.querySelector('#search-progress').textContent.trim() === ''"
                               " || document.querySelector('#search-results p.search-summary')", timeout=15_000)
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
        pages = {urlsplit(h).path.lstrip("/") for h in hrefs}
        assert SEARCHES[term] in pages, f"search for {term!r} found {sorted(pages)}, not {SEARCHES[term]}"
        assert not problems, "\n".join(problems)
    finally:
        page.context.close()
