"""The print edition, _build/pdf/book.pdf (``make pdf``; ``make test`` builds it).

Every page of the table of contents is in it, in order, each chapter title findable in its text; links
between pages work inside the PDF; figures are at print resolution; every demo appears as its default
frame with a caption saying where to find it live.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import print_book  # noqa: E402

PDF = ROOT / "_build" / "pdf" / "book.pdf"
PRINT_SITE = ROOT / "_build" / "print" / "_build" / "html"
PRINT_DPI = 300
CAPTION = "Interactive demo, shown at its default settings."


@pytest.fixture(scope="module")
def reader():
    pypdf = pytest.importorskip("pypdf")
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: build it with `make pdf` (`make test` does).")
    return pypdf.PdfReader(str(PDF))


@pytest.fixture(scope="module")
def text(reader):
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _titles() -> list[str]:
    """The <h1> of each page of the table of contents, as the print site shows it."""
    titles = []
    for page in print_book.toc_pages(ROOT):
        html = (PRINT_SITE / page).read_text(encoding="utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
        titles.append(re.sub(r"\s+", " ", re.sub(r"<[^>]+>|¶|#", "", h1)).strip())
    return titles


def _normalise(s: str) -> str:
    """Text for comparison: ligatures such as "ﬁ" unfolded (NFKC), soft hyphens dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s).replace("\u00ad", "")).strip()


def test_page_count(reader):
    assert 40 <= len(reader.pages) <= 400, f"{len(reader.pages)} pages"


def test_every_page_of_the_toc_is_there_in_order(text):
    """Each page's title appears, each after the one before it (earlier pages may mention later titles,
    as the introduction's outline does, so each is looked for after the previous one)."""
    flat = _normalise(text)
    where = -1
    for title in _titles():
        found = flat.find(_normalise(title), where + 1)
        assert found >= 0, (f"chapter title {title!r} not found in the PDF's text after the previous chapter"
                            f" (anywhere: {flat.find(_normalise(title)) >= 0})")
        where = found


def test_internal_links_work(reader):
    """Links between pages (cross-references, citations, glossary terms) are links inside the PDF."""
    internal = external_to_site = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if annot.get("/Dest") is not None or (action and action.get("/S") == "/GoTo"):
                internal += 1
            elif action and action.get("/S") == "/URI" and str(action.get("/URI")).startswith("file:"):
                external_to_site += 1
    assert internal >= 100, f"only {internal} internal links"
    assert external_to_site == 0, f"{external_to_site} links point at the build's files, not into the PDF"


def test_figures_at_print_resolution(reader):
    """The book's figures are drawn at 300 dpi: a 7-inch figure is about 2100 pixels wide."""
    widths = []
    for page in reader.pages:
        for image in page.images:
            widths.append(image.image.width)
    wide = [w for w in widths if w >= 6 * PRINT_DPI]
    assert len(wide) >= 10, f"only {len(wide)} images at print resolution; widths seen: {sorted(widths)[-10:]}"


def test_demos_as_default_frames_with_caption(text):
    n_demos = sum(
        (PRINT_SITE / page).read_text(encoding="utf-8").count("ipsp-demo-static")
        for page in print_book.toc_pages(ROOT)
    )
    assert n_demos > 0
    assert _normalise(text).count(CAPTION) == n_demos
