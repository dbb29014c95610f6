"""tools/lab_links.py and _ext/role_links.py: citations, glossary terms, figure and page references written as links
that JupyterLab (jupyterlab-myst) renders, and read back on the website as the roles they stand for (issue 15).
The built site's reading is checked by tests/test_jupyterlab.py (prose) and the book build (-W -n)."""

from __future__ import annotations

import doctest
import sys

import pytest
from binder_env import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import lab_links  # noqa: E402
import role_links  # noqa: E402


@pytest.fixture(scope="module")
def book():
    return lab_links.edition.Book.load()


def test_chapters_are_up_to_date():
    """No {cite}, {term} or {numref} left in a chapter's prose, and every link's text is what the book gives now
    (a chapter edited, a reference corrected or a figure renumbered since: run the tool)."""
    assert lab_links.main(["--check"]) == 0, "run: python tools/lab_links.py"


def test_roles_become_links_with_the_websites_text(book):
    site = book.site
    doc = "chapters/03-ipsps"
    assert lab_links.rewrite_markdown("as {cite:t}`HodgkinKatz1949` showed", doc, book) == (
        f"as [Hodgkin and Katz \\[1949\\]]({site}chapters/bibliography.html#cite:t=HodgkinKatz1949) showed")
    assert lab_links.rewrite_markdown("{cite}`Goldman1943, HodgkinKatz1949`", doc, book) == (
        f"[\\[Goldman, 1943, Hodgkin and Katz, 1949\\]]({site}chapters/bibliography.html"
        "#cite:p=Goldman1943,HodgkinKatz1949)")
    assert lab_links.rewrite_markdown("a {term}`time constant <membrane time constant>`", doc, book) == (
        f"a [time constant]({site}chapters/glossary.html#term-membrane-time-constant)")
    assert lab_links.rewrite_markdown("{numref}`fig-ipsp-sum`", doc, book) == (
        f"[Fig. 4.1]({site}chapters/03-ipsps.html#fig-ipsp-sum)")
    assert lab_links.rewrite_markdown("{doc}`04-chloride`, {doc}`bibliography`", doc, book) == (
        f"[The chloride driving force](04-chloride.ipynb), [References]({site}chapters/bibliography.html)")


def test_rewrite_is_idempotent_and_updates_stale_text(book):
    doc = "chapters/03-ipsps"
    text = ("{cite:t}`CoombsEcclesFatt1955`, {term}`IPSP`, {numref}`fig-ipsp-sum`, {doc}`01-ions` and "
            "[a DOI](https://doi.org/10.1)")
    once = lab_links.rewrite_markdown(text, doc, book)
    assert lab_links.rewrite_markdown(once, doc, book) == once
    assert "[a DOI](https://doi.org/10.1)" in once
    stale = once.replace("Coombs et al. \\[1955a\\]", "Coombs \\[1954\\]").replace("Fig. 4.1", "Fig. 9.9") \
        .replace("Ions and the membrane potential", "Ions")
    assert stale != once and lab_links.rewrite_markdown(stale, doc, book) == once


def test_unknown_targets_are_errors(book):
    for bad in ("{cite}`NoSuchKey2000`", "{term}`no such term`", "{numref}`fig-no-such-figure`",
                "{numref}`Figure %s <fig-ipsp-sum>`", "{doc}`the ions <01-ions>`", "{doc}`no-such-page`"):
        with pytest.raises(ValueError):
            lab_links.rewrite_markdown(bad, "chapters/03-ipsps", book)


def test_the_website_reads_only_its_own_role_links(book):
    site = book.site
    assert role_links.link_target(f"{site}chapters/bibliography.html#cite:p=A1,B2", site) == ("cite:p", "A1,B2")
    assert role_links.link_target(f"{site}chapters/bibliography.html", site) == ("doc", "bibliography")
    for other in (f"{site}chapters/bibliography.html#cite:x=A1", f"{site}index.html",
                  f"{site}chapters/glossary.html#x", f"{site}chapters/03-ipsps.html#worked-example",
                  "https://example.org/chapters/glossary.html#term-IPSP"):
        assert role_links.link_target(other, site) is None, other


def test_docstring_examples_run():
    for module in (lab_links, role_links):
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, module.__name__
