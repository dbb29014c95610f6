"""The built website (_build/html), as a reader gets it.

Without a browser: every local link resolves, and every page stays within its
budget: its HTML and images under 5 MB, and all it loads under 5 MB gzipped
(_build/page-weights.txt lists them). In headless Chromium (marked ``browser``),
in light and dark mode, with every request to a host other than the local test
server aborted and recorded: each page loads
with no console error, no failed request and no raw TeX; axe-core finds no
serious or critical accessibility violation; and on pages with widget
sliders every slider handle is reachable with Tab, has an accessible name,
and ArrowRight/End/Home change the displayed frame, whose image has alt text;
the site's search finds chapter content.
Full-page screenshots go to _build/screenshots/ for review.

``make test`` builds the book before running this module.
"""

from __future__ import annotations

import functools
import html.parser
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
SLIDER_PAGES = [
    p for p in PAGES
    if (SITE / p).is_file() and "SliderModel" in (SITE / p).read_text(encoding="utf-8", errors="replace")
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


def test_page_weights_report(site_dir):
    """Writes _build/page-weights.txt, heaviest page first, for the budget's review."""
    rows = sorted(((_page_weight(site_dir, p), p) for p in PAGES), key=lambda r: r[0]["transfer"], reverse=True)
    kinds = ("transfer", "own", "html", "img", "script", "style", "other")
    lines = ["MB per page, empty cache. transfer: everything gzipped (budget 5); own: HTML + images (budget 5)",
             "".join(f"{k:>9}" for k in kinds) + "  page"]
    lines += ["".join(f"{w[k] / 2**20:9.2f}" for k in kinds) + f"  {page}" for w, page in rows]
    (SITE.parent / "page-weights.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert rows and rows[0][0]["transfer"] > 0


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


# Per slider: the nearest ancestor box holding visible images (the demo's frames),
# and a digest of what those images show (bytes of data: and blob: sources).
_FRAME_STATE = """async (handle) => {
  let box = handle.closest('.widget-slider');
  const visibleImgs = b => [...b.querySelectorAll('img')].filter(i => i.checkVisibility());
  while (box && visibleImgs(box).length === 0) box = box.parentElement;
  if (!box) return null;
  const imgs = visibleImgs(box);
  const digests = [];
  for (const img of imgs) {
    const bytes = img.src.startsWith('blob:')
      ? await (await fetch(img.src)).arrayBuffer()
      : new TextEncoder().encode(img.src);
    const hash = await crypto.subtle.digest('SHA-256', bytes);
    digests.push([...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join(''));
  }
  return {digest: digests.join(','), alts: imgs.map(i => (i.getAttribute('alt') || '').trim()),
          count: imgs.length, value: handle.getAttribute('aria-valuenow')};
}"""


def _frame_after(handle, key, before, want_change=True, timeout_s=5.0):
    """Press ``key`` on ``handle``; wait until the frame differs from ``before`` (or, if no change is
    expected, a moment for any change to show); return the new frame state."""
    handle.press(key)
    if not want_change:
        time.sleep(0.3)
        return handle.evaluate(_FRAME_STATE)
    deadline = time.monotonic() + timeout_s
    state = handle.evaluate(_FRAME_STATE)
    while state["digest"] == before["digest"] and time.monotonic() < deadline:
        time.sleep(0.05)
        state = handle.evaluate(_FRAME_STATE)
    return state


@pytest.mark.browser
@pytest.mark.parametrize("page_path", SLIDER_PAGES or ["<no page with widget sliders yet>"])
def test_sliders_keyboard_and_frames(browser, site_url, page_path):
    """Each slider handle: reachable by Tab, named, and ArrowRight/End/Home switch the frame, which has alt text."""
    if page_path.startswith("<"):
        pytest.skip("no page of the built site has widget sliders")
    page, problems = _open(browser, site_url, page_path)
    try:
        handles = page.locator(".widget-slider .noUi-handle")
        n = handles.count()
        assert n > 0, f"{page_path} carries slider widgets in its state but no slider rendered (dead widgets)"

        # Tab from the top of the page until every handle has had focus.
        page.evaluate("() => document.querySelectorAll('.widget-slider .noUi-handle')"
                      ".forEach((h, i) => h.dataset.ipspHandle = String(i))")
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
        reached: set[str] = set()
        for _ in range(2000):
            page.keyboard.press("Tab")
            idx = page.evaluate("() => document.activeElement && document.activeElement.dataset.ipspHandle")
            if idx is not None:
                reached.add(idx)
            if len(reached) == n:
                break
        missing = sorted(set(map(str, range(n))) - reached, key=int)
        assert not missing, f"{page_path}: slider handles {missing} of {n} never receive focus by Tab"

        from playwright.sync_api import expect

        failures = []
        for i in range(n):
            h = handles.nth(i)
            label = h.evaluate("h => (h.closest('.widget-slider').querySelector('.widget-label') || {}).textContent")
            name = f"slider {i} ({(label or '').strip() or 'no label'})"
            try:
                expect(h).to_have_accessible_name(re.compile(r"\S"), timeout=2000)
            except AssertionError:
                failures.append(f"{name}: no accessible name")
            if label and label.strip() and label.strip() not in (h.get_attribute("aria-label") or ""):
                failures.append(f"{name}: accessible name {h.get_attribute('aria-label')!r} lacks the label text")

            h.focus()
            start = _frame_after(h, "Home", None, want_change=False)
            if start is None:
                failures.append(f"{name}: no frame image next to this slider")
                continue
            right = _frame_after(h, "ArrowRight", start)
            at_max = float(right["value"]) >= float(h.get_attribute("aria-valuemax"))
            end = _frame_after(h, "End", right, want_change=not at_max)
            home = _frame_after(h, "Home", end)
            if right["digest"] == start["digest"]:
                failures.append(f"{name}: ArrowRight did not change the frame (value {start['value']} -> "
                                f"{right['value']})")
            if end["digest"] == start["digest"]:
                failures.append(f"{name}: End did not change the frame")
            if home["digest"] != start["digest"]:
                failures.append(f"{name}: Home did not bring back the first frame")
            readout = (h.evaluate("h => (h.closest('.widget-slider').querySelector('.widget-readout') || {})"
                                  ".textContent") or "").strip()
            try:  # the page's accessibility script updates it on the next animation frame
                expect(h).to_have_attribute("aria-valuetext", re.compile(re.escape(readout) if readout else r"\S"),
                                            timeout=2000)
            except AssertionError:
                failures.append(f"{name}: aria-valuetext {h.get_attribute('aria-valuetext')!r} does not speak "
                                f"the readout {readout!r}")
            for state, key in ((start, "Home"), (right, "ArrowRight"), (end, "End")):
                if not all(state["alts"]):
                    failures.append(f"{name}: after {key}, a displayed frame image has no alt text")
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
