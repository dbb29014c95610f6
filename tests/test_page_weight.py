"""Page weight of the built site as a phone downloads it (tools/page_weight.py), against issue 17's budgets.

Each chapter's first visit (fresh browser context, external requests blocked, no interaction, every
loaded file at gzip -6) is at most 1.6 MB; opening a chapter right after the page before it adds at
most 0.6 MB. The table goes to _build/page-weights.txt. ``make book`` first; marked ``browser``.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest
from conftest import ROOT, SITE

_spec = importlib.util.spec_from_file_location("page_weight", ROOT / "tools" / "page_weight.py")
page_weight = importlib.util.module_from_spec(_spec)
sys.modules["page_weight"] = page_weight
_spec.loader.exec_module(page_weight)


@pytest.fixture(scope="module")
def weights(browser, site_dir):
    pages = page_weight.toc_pages(site_dir)
    assert pages, f"no chapter pages in {site_dir}/chapters"
    rows = page_weight.measure(browser, site_dir, pages)
    (SITE.parent / "page-weights.txt").write_text(page_weight.table(rows), encoding="utf-8")
    return rows


@pytest.mark.browser
def test_every_chapter_loads_within_the_budget(weights):
    report = page_weight.table(weights)
    print(report)
    over = [f"{first.page}: first visit {first.total / 1e6:.2f} MB > {page_weight.FIRST_VISIT_BUDGET / 1e6} MB"
            for first, _ in weights if first.total > page_weight.FIRST_VISIT_BUDGET]
    over += [f"{second.page}: after the page before it, {second.total / 1e6:.2f} MB > "
             f"{page_weight.SECOND_CHAPTER_BUDGET / 1e6} MB"
             for _, second in weights if second is not None and second.total > page_weight.SECOND_CHAPTER_BUDGET]
    assert not over, "\n".join(over) + "\n" + report


@pytest.mark.browser
def test_nothing_is_fetched_from_another_host_and_everything_is_counted(weights):
    blocked = [f"{first.page}: {url}" for first, _ in weights for url in first.blocked]
    assert not blocked, "\n".join(blocked)
    for first, _ in weights:
        assert first.page in first.files, f"{first.page}: the page itself was not counted"
        assert first.files[first.page] > 0


def test_gzip_size_is_deterministic_and_compresses(tmp_path):
    text = tmp_path / "a.html"
    text.write_text("<p>postsynaptic</p>" * 1000)
    assert page_weight.gzip_size(text) == page_weight.gzip_size(text) < text.stat().st_size / 20


def test_the_table_flags_nothing_but_reports_every_page():
    first = page_weight.Visit("chapters/01-ions.html", {"chapters/01-ions.html": 50_000, "_static/a.js": 700_000,
                                                         "chapters/_frames/x.webp": 12_000})
    second = page_weight.Visit("chapters/01-ions.html", {"chapters/01-ions.html": 50_000})
    table = page_weight.table([(first, None), (first, second)])
    assert "   0.76        -   0.05   0.70" in table and "   0.76     0.05" in table
    assert first.by_kind()["image"] == 12_000
