"""What a reader's browser downloads for each page of the built site, gzipped: the page-weight budget.

A page is opened in a fresh headless Chromium context (empty cache) with every request to another host
blocked and no interaction; every file it loads from the site (HTML, scripts, styles, fonts, images,
demo frames, whatever a script fetches) is counted at its gzip -6 size, as a server compressing its
responses sends it (WebP frames and fonts barely shrink; that is counted as it is). Sizes are
deterministic: the same site gives the same table.

- first visit: everything the page loads;
- second chapter: in the same context right after the previous page of the table of contents, what
  the chapter loads that the first page did not (the browser cache holds the rest).

Budgets (issue 17): a chapter's first visit at most 1.6 MB, a second chapter adds at most 0.6 MB
(MB = 10**6 bytes). ``tests/test_page_weight.py`` asserts them and writes the table to
``_build/page-weights.txt``.

Usage: ``python tools/page_weight.py [SITE_DIR]`` (default ``_build/html``) prints the table.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import posixpath
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FIRST_VISIT_BUDGET = 1_600_000
SECOND_CHAPTER_BUDGET = 600_000
MB = 1e6


@functools.lru_cache(maxsize=4096)
def gzip_size(path: Path) -> int:
    """Bytes of ``path`` compressed by gzip at level 6 (a server's usual on-the-fly compression)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


@dataclass
class Visit:
    """The site files one page view loaded (site-relative path -> gzip bytes)."""

    page: str
    files: dict[str, int] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.files.values())

    def by_kind(self) -> dict[str, int]:
        """Bytes per kind of file: html, js, css, font, image, other."""
        kinds = {".html": "html", ".js": "js", ".css": "css", ".woff": "font", ".woff2": "font", ".ttf": "font",
                 ".png": "image", ".webp": "image", ".svg": "image", ".jpg": "image", ".gif": "image"}
        out = dict.fromkeys(("html", "js", "css", "font", "image", "other"), 0)
        for path, size in self.files.items():
            out[kinds.get(posixpath.splitext(path)[1], "other")] += size
        return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a browser closing a connection early (a page closed while loading) is not an error here


@contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """The built site on a loopback HTTP server; yields its base URL (ending in /)."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def visit(context, site_dir: Path, base_url: str, page_path: str, seen: set[str] | None = None) -> Visit:
    """Open ``page_path`` in ``context`` without interacting; the site files it loaded that are not in
    ``seen`` (the files an earlier page of this context loaded), which is updated."""
    seen = set() if seen is None else seen
    result = Visit(page_path)
    loaded: list[str] = []
    page = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(base_url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            result.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfinished", lambda r: loaded.append(r.url))
    page.goto(base_url + page_path, wait_until="load")
    _settle(page)
    page.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise) "
                  "await MathJax.startup.promise; await document.fonts.ready; }")
    _settle(page)
    page.close()
    for url in loaded:
        if not url.startswith(base_url):
            continue
        rel = unquote(urlsplit(url).path).lstrip("/") or "index.html"
        path = site_dir / rel
        if path.is_dir():
            rel, path = posixpath.join(rel, "index.html"), path / "index.html"
        if rel in seen or not path.is_file():
            continue
        seen.add(rel)
        result.files[rel] = gzip_size(path)
    return result


def _settle(page, timeout_ms: int = 20_000) -> None:
    """Wait until nothing has been loading for 500 ms (scripts load more scripts and fonts after ``load``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightTimeout:
        pass  # a busy machine: what has loaded by now is counted


def toc_pages(site_dir: Path) -> list[str]:
    """The chapter pages (``chapters/*.html``) of the built site, in file-name order (the reading order)."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.glob("chapters/*.html"))


def measure(browser, site_dir: Path, pages: list[str]) -> list[tuple[Visit, Visit | None]]:
    """Per page: its first visit, and (after the page before it in ``pages``) what it adds to the cache."""
    rows = []
    with serve(site_dir) as base_url:
        for k, page_path in enumerate(pages):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            try:
                first = visit(context, site_dir, base_url, page_path)
            finally:
                context.close()
            second = None
            if k > 0:
                context = browser.new_context(viewport={"width": 390, "height": 844})
                try:
                    seen: set[str] = set()
                    visit(context, site_dir, base_url, pages[k - 1], seen)
                    second = visit(context, site_dir, base_url, page_path, seen)
                finally:
                    context.close()
            rows.append((first, second))
    return rows


def table(rows: list[tuple[Visit, Visit | None]]) -> str:
    """The page-weight table, MB gzipped: first visit (and its parts) and the second-chapter increment."""
    kinds = ("html", "js", "css", "font", "image", "other")
    head = f"{'first':>7}{'+second':>9}" + "".join(f"{k:>7}" for k in kinds) + "  page"
    lines = [f"MB (10^6 bytes) gzip -6, fresh context, no interaction; budgets: first visit "
             f"{FIRST_VISIT_BUDGET / MB:.1f}, second chapter +{SECOND_CHAPTER_BUDGET / MB:.1f}", head]
    for first, second in rows:
        parts = first.by_kind()
        plus = f"{second.total / MB:9.2f}" if second is not None else f"{'-':>9}"
        lines.append(f"{first.total / MB:7.2f}{plus}" + "".join(f"{parts[k] / MB:7.2f}" for k in kinds)
                     + f"  {first.page}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    site_dir = Path(argv[0] if argv else ROOT / "_build" / "html").resolve()
    pages = toc_pages(site_dir)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            rows = measure(browser, site_dir, pages)
        finally:
            browser.close()
    sys.stdout.write(table(rows))
    over = [f.page for f, s in rows if f.total > FIRST_VISIT_BUDGET or (s and s.total > SECOND_CHAPTER_BUDGET)]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
