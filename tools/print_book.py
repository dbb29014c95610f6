"""The print edition: every page of a built site, in the table of contents' order, as one PDF.

``make pdf`` builds the site with figures at print resolution (``IPSP_FIGURE_DPI=300``) into
``_build/print/``, then runs this script, which

1. takes the article of each page listed in ``_toc.yml`` (root first, then each part's chapters),
2. replaces every demo (a widget view, dead on paper) by its default frame and a caption saying where
   to move it live, and drops the code cells the website hides behind a toggle,
3. makes the pages' ids unique (``<page>--<id>``) and turns links between pages into links within the
   document, so cross-references, citations and glossary terms work in the PDF,
4. typesets the maths with the vendored MathJax, and prints the result with headless Chromium
   (Playwright with the system Chromium, no network) to ``_build/pdf/book.pdf``.

Usage: ``python tools/print_book.py SITE_DIR OUT_PDF``.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
WIDGET_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
# A demo of the print build (IPSP_BOOK_STATIC=print, ipsplib/demos/_base.py static_html): title and default frame.
STATIC_DEMO = re.compile(r'<div class="ipsp-demo ipsp-demo-static" id="[^"]*"><p class="ipsp-demo-title">(.*?)</p>'
                         r'(<div class="ipsp-demo-frame".*?</div>)</div>', re.S)
ARTICLE = re.compile(r'<article class="bd-article">(.*?)</article>', re.S)
HIDDEN_INPUT = re.compile(r'<details class="[^"]*\bhide above-input\b[^"]*">.*?</details>', re.S)
ATTR = re.compile(r'\b(id|href|src)="([^"]*)"')

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
body { font: 10.5pt/1.45 "DejaVu Serif", Georgia, serif; color: #111; }
h1 { font: bold 20pt/1.2 "DejaVu Sans", sans-serif; break-before: page; margin-top: 0; }
h2, h3, h4 { font-family: "DejaVu Sans", sans-serif; break-after: avoid; }
a { color: #0f56bd; text-decoration: none; }
a.headerlink, .headerlink, button, .copybtn, .toggle-button, .dropdown-toggle, .bd-toc { display: none !important; }
img { max-width: 100%; height: auto; }
figure, .cell_output, table, .admonition, pre { break-inside: avoid; }
pre { font: 8.5pt/1.35 "DejaVu Sans Mono", monospace; background: #f5f5f5; padding: 6px; white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 2px 6px; }
.admonition, div.solution, div.exercise { border-left: 3px solid #0f56bd; padding: 4px 10px; margin: 0.8em 0;
  background: #f6f8fc; }
.admonition-title { font-weight: bold; }
.print-demo { border: 1px solid #999; padding: 6px; margin: 1em 0; }
.print-demo figcaption { font-style: italic; font-size: 9.5pt; }
mjx-container[display="true"] { margin: 0.6em 0 !important; }
"""


def toc_pages(book_dir: Path) -> list[str]:
    """Site-relative HTML paths of the pages in ``_toc.yml``, in reading order."""
    toc = yaml.safe_load((book_dir / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [posixpath.splitext(f)[0] + ".html" for f in files]


def anchor(page: str, fragment: str = "") -> str:
    """The document-wide id of ``fragment`` on ``page`` (the page's own anchor when empty)."""
    stem = page.removesuffix(".html").replace("/", "-")
    return f"{stem}--{fragment}" if fragment else stem


def _models(page_html: str) -> dict:
    found = WIDGET_STATE.search(page_html)
    return json.loads(found.group(1))["state"] if found else {}


def _default_frame(models: dict, model_id: str) -> tuple[str, str]:
    """(title HTML, frame HTML) a static demo shows first: its title, and the selected child of its
    (nested) Stacks of frames."""
    box = models[model_id]["state"]
    children = [c.removeprefix("IPY_MODEL_") for c in box.get("children", [])]
    title = ""
    if children and models[children[0]]["model_name"] == "HTMLModel":
        title = models[children[0]]["state"]["value"]
    node = next((c for c in children if models[c]["model_name"] == "StackModel"), None)
    while node is not None and models[node]["model_name"] == "StackModel":
        state = models[node]["state"]
        node = state["children"][state.get("selected_index") or 0].removeprefix("IPY_MODEL_")
    frame = models[node]["state"].get("value", "") if node else ""
    return title, frame


def print_demo(models: dict, view_json: str, page_url: str) -> str:
    """A demo on paper: its title, its default frame and where to move its controls."""
    model_id = json.loads(html.unescape(view_json))["model_id"]
    try:
        title, frame = _default_frame(models, model_id)
    except (KeyError, IndexError):
        return ""  # not a demo of ours: nothing printable
    return _figure(title, frame, page_url)


def _figure(title: str, frame: str, page_url: str) -> str:
    where = f"on the website ({html.escape(page_url)})" if page_url.startswith("http") else "on the website"
    return (f'<figure class="print-demo">{title}{frame}<figcaption>Interactive demo, shown at its default '
            f"settings. Move its controls {where}, or run this chapter in Binder to recompute it live."
            "</figcaption></figure>")


def print_static_demo(match: re.Match, page_url: str) -> str:
    """A demo of the print build on paper: its title, its default frame and where to move its controls."""
    return _figure(f"<p>{match.group(1)}</p>", match.group(2), page_url)


def relink(page: str, body: str, pages: set[str]) -> str:
    """Unique ids, and links between the book's pages turned into links within the document."""

    def one(match):
        attr, value = match.group(1), match.group(2)
        if attr == "id":
            return f'id="{anchor(page, value)}"'
        parts = urlsplit(html.unescape(value))
        if parts.scheme or parts.netloc:
            return match.group(0)
        if attr == "src":  # images and the like: relative to the site root, where book.html is written
            return f'src="{posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))}"'
        target = page if not parts.path else posixpath.normpath(
            posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if target in pages:
            return f'href="#{anchor(target, parts.fragment)}"'
        return match.group(0)

    return ATTR.sub(one, body)


def combined_html(site_dir: Path, book_dir: Path, site_url: str) -> str:
    """One HTML document with every page of the table of contents."""
    pages = toc_pages(book_dir)
    missing = [p for p in pages if not (site_dir / p).is_file()]
    if missing:
        raise SystemExit(f"print_book: pages missing from {site_dir}: {missing} (build the book first)")
    parts = []
    for page in pages:
        text = (site_dir / page).read_text(encoding="utf-8")
        article = ARTICLE.search(text)
        if not article:
            raise SystemExit(f"print_book: no <article class=\"bd-article\"> in {page}")
        models = _models(text)
        body = HIDDEN_INPUT.sub("", article.group(1))
        body = WIDGET_VIEW.sub(lambda m, p=page, ms=models: print_demo(ms, m.group(1), site_url + p), body)
        body = STATIC_DEMO.sub(lambda m, p=page: print_static_demo(m, site_url + p), body)
        body = re.sub(r'<script type="application/vnd\.jupyter\.widget-[^"]*">.*?</script>', "", body, flags=re.S)
        parts.append(f'<section class="print-page" id="{anchor(page)}">{relink(page, body, set(pages))}</section>')
    title = yaml.safe_load((book_dir / "_config.yml").read_text(encoding="utf-8")).get("title", "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<link rel="stylesheet" href="_static/pygments.css">
<style>{PRINT_CSS}</style>
<script>window.MathJax = {{tex: {{inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']],
  processEscapes: true, tags: 'ams'}}, svg: {{fontCache: 'global'}},
  // as on the site: myst-nb marks notebook content mathjax_ignore and opts its maths back in
  options: {{processHtmlClass: 'tex2jax_process|mathjax_process|math|output_area'}}}};</script>
<script src="_static/vendor/mathjax/tex-svg.js"></script>
</head><body>
{''.join(parts)}
</body></html>
"""


def print_pdf(html_path: Path, out_pdf: Path, title: str) -> None:
    """Chromium prints ``html_path`` (every non-local request refused) once MathJax has typeset it."""
    from playwright.sync_api import sync_playwright

    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                       else r.abort())
            page.goto(html_path.as_uri(), wait_until="load")
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=60_000)
            page.evaluate("async () => { await MathJax.startup.promise; await document.fonts.ready; }")
            page.pdf(path=str(out_pdf), format="A4", print_background=True, display_header_footer=True,
                     header_template="<span></span>",
                     footer_template=('<div style="font-size:8px;width:100%;text-align:center;">'
                                      f'{html.escape(title)} · <span class="pageNumber"></span></div>'),
                     margin={"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"})
        finally:
            browser.close()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    site_dir, out_pdf = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    site_url = config.get("html", {}).get("baseurl") or "the book's website"
    if not site_url.endswith("/") and site_url.startswith("http"):
        site_url += "/"
    book_html = site_dir / "book-print.html"
    book_html.write_text(combined_html(site_dir, ROOT, site_url if site_url.startswith("http") else ""),
                         encoding="utf-8")
    print_pdf(book_html, out_pdf, config.get("title", ""))
    print(f"print_book: wrote {out_pdf} ({out_pdf.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
