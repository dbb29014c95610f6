"""Citations: references.bib and the author-year labels of _ext/bib_author_year.py.

The reference list, the website's in-text citations and the Colab editions (tools/reader_edition.py) show
one label per work, "Coombs et al., 1955a", with the letter the style adds where one author label and
year name two works. Checked three ways: the labelling function alone, a tiny Sphinx project (list and
citations on one page), and the built book (_build/html, skipped until `make book` has run).
"""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from binder_env import ROOT
from conftest import SITE
from pybtex.database import Entry, Person, parse_file

sys.path.insert(0, str(ROOT / "_ext"))
import bib_author_year  # noqa: E402
from bib_author_year import author_year_label, years_as_cited  # noqa: E402

BIB = ROOT / "references.bib"
COOMBS_IPSP, COOMBS_EPSP = "CoombsEcclesFatt1955", "CoombsEcclesFatt1955EPSP"


def _entry(key: str, authors: list[str], year: str, title: str) -> Entry:
    entry = Entry("article", fields={"year": year, "title": title},
                  persons={"author": [Person(a) for a in authors]})
    entry.key = key
    return entry


COOMBS = ["Coombs, J. S.", "Eccles, J. C.", "Fatt, P."]


# --- the labelling function -----------------------------------------------------------------------------
def test_two_works_of_one_year_are_lettered_by_title():
    years = years_as_cited([
        _entry("ipsp", COOMBS, "1955", "The specific ionic conductances"),
        _entry("epsp", COOMBS, "1955", "Excitatory synaptic action in motoneurones"),
        _entry("alone", ["Hodgkin, A. L.", "Katz, B."], "1949", "The effect of sodium ions"),
    ])
    assert years == {"epsp": "1955a", "ipsp": "1955b", "alone": "1949"}


def test_works_that_cite_alike_are_lettered_though_their_author_lists_differ():
    """"Smith et al., 2000" names two papers whatever their second authors: a reader needs the letter, and
    finds 2000a first in the list, which sorts by all authors (Jones before Lee), then by title."""
    years = years_as_cited([_entry("one", ["Smith, A.", "Jones, B.", "Brown, C."], "2000", "B title"),
                            _entry("two", ["Smith, A.", "Lee, D.", "Wu, E."], "2000", "A title"),
                            _entry("pair", ["Smith, A.", "Lee, D."], "2000", "C title")])
    assert years == {"one": "2000a", "two": "2000b", "pair": "2000"}


def test_same_authors_in_other_years_get_no_letter():
    years = years_as_cited([_entry("a", COOMBS, "1955", "X"), _entry("b", COOMBS, "1956", "Y")])
    assert years == {"a": "1955", "b": "1956"}


@pytest.mark.parametrize("year", ["1955a", "55", "in press"])
def test_a_year_field_that_is_not_four_digits_is_refused(year):
    with pytest.raises(ValueError, match=r"year = \{.*four digits"):
        years_as_cited([_entry("x", COOMBS, year, "T")])


def test_references_bib_gives_plain_years_and_every_citation_reads_once():
    entries = parse_file(str(BIB)).entries
    years = years_as_cited(entries.values())  # raises on a year such as {1955a}
    labels = {author_year_label(e, years[k]) for k, e in entries.items()}
    assert len(labels) == len(entries), "two works share a label"
    assert (years[COOMBS_EPSP], years[COOMBS_IPSP]) == ("1955a", "1955b")


def test_the_list_labels_of_the_pybtex_style_carry_the_letters(monkeypatch):
    """Outside Sphinx (no book years recorded) the style letters the entries it is given."""
    monkeypatch.setattr(bib_author_year, "_book_years", {})
    entries = parse_file(str(BIB)).entries
    formatted = bib_author_year.AuthorYearPlainStyle().format_entries(entries.values())
    labels = {f.key: f.label for f in formatted}
    assert labels[COOMBS_EPSP] == "Coombs et al., 1955a"
    assert labels[COOMBS_IPSP] == "Coombs et al., 1955b"
    assert labels["HodgkinKatz1949"] == "Hodgkin & Katz, 1949"


def test_colab_editions_cite_with_the_same_function():
    spec = importlib.util.spec_from_file_location("reader_edition_refs", ROOT / "tools" / "reader_edition.py")
    reader_edition = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = reader_edition  # dataclasses look their module up there
    spec.loader.exec_module(reader_edition)
    refs = reader_edition.bibliography()
    assert (refs[COOMBS_EPSP].authors, refs[COOMBS_EPSP].year) == ("Coombs et al.", "1955a")
    assert refs[COOMBS_IPSP].year == "1955b"
    assert refs["HodgkinKatz1949"].authors == "Hodgkin and Katz"


# --- a tiny Sphinx project: list and citations on one page ----------------------------------------------
TINY_BIB = """
@article{Ipsp, author = {Coombs, J. S. and Eccles, J. C. and Fatt, P.}, year = {1955},
  title = {The specific ionic conductances}, journal = {J Physiol}}
@article{Epsp, author = {Coombs, J. S. and Eccles, J. C. and Fatt, P.}, year = {1955},
  title = {Excitatory synaptic action in motoneurones}, journal = {J Physiol}}
@article{Uncited, author = {Coombs, J. S. and Eccles, J. C. and Fatt, P.}, year = {1955},
  title = {An uncited third paper}, journal = {J Physiol}}
"""


def _text(page: Path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))).split())


def test_a_tiny_book_cites_and_lists_both_papers_with_the_same_letters(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "refs.bib").write_text(TINY_BIB, encoding="utf-8")
    (src / "index.rst").write_text(
        "Book\n====\n\nReversal :cite:t:`Ipsp`; excitation :cite:p:`Epsp`.\n\n.. bibliography::\n",
        encoding="utf-8")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['sphinxcontrib.bibtex', 'bib_author_year']\nbibtex_bibfiles = ['refs.bib']\n"
        "bibtex_reference_style = 'author_year_lettered'\nbibtex_default_style = 'author_year_plain'\n",
        encoding="utf-8")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", str(src), str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    text = _text(out / "index.html")
    # the letters count every entry of the bib file (the uncited one is "An ...": 1955a), as the Colab
    # editions, which read the whole file, count them
    assert "Reversal Coombs et al. [1955c]" in text
    assert "excitation [Coombs et al., 1955b]" in text
    assert "[Coombs et al., 1955b] J. S. Coombs" in text and "[Coombs et al., 1955c] J. S. Coombs" in text


# --- the built book -------------------------------------------------------------------------------------
_CITATION = re.compile(r'<a[^>]*href="[^"]*bibliography\.html#(?P<id>[^"]+)"[^>]*>(?P<text>.*?)</a>', re.S)


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def test_the_built_book_cites_both_coombs_papers_as_its_list_labels_them():
    bibliography = SITE / "chapters" / "bibliography.html"
    if not bibliography.is_file():
        pytest.skip(f"{bibliography} is missing: build the book first (`make book`)")
    raw = bibliography.read_text(encoding="utf-8")
    # sphinxcontrib-bibtex lists each work as <div class="citation" id="..."> with its label in a span
    listed = {m["id"]: _plain(m["label"]) for m in re.finditer(
        r'id="(?P<id>id\d+)"[^>]*>\s*<span class="label"><span class="fn-bracket">\[</span>(?P<label>.*?)'
        r'<span class="fn-bracket">\]</span>', raw, re.S)}
    coombs = {label: anchor for anchor, label in listed.items() if label.startswith("Coombs et al., 1955")}
    assert sorted(coombs) == ["Coombs et al., 1955a", "Coombs et al., 1955b"], sorted(listed.values())
    entry_text = {label: _plain(raw[raw.find(f'id="{anchor}"'):][:1500]) for label, anchor in coombs.items()}
    assert "Excitatory synaptic action" in entry_text["Coombs et al., 1955a"]
    assert "specific ionic conductances" in entry_text["Coombs et al., 1955b"]

    cited = {}  # shown text -> the list anchors it links to
    for page in sorted((SITE / "chapters").glob("*.html")):
        for m in _CITATION.finditer(page.read_text(encoding="utf-8")):
            if m["id"] in coombs.values():
                cited.setdefault(_plain(m["text"]), set()).add(m["id"])
    letters = {text[-1]: ids for text, ids in cited.items()}
    assert set(letters) == {"a", "b"}, f"the chapters cite the Coombs papers as {sorted(cited)}"
    for text, ids in cited.items():
        label = next(lbl for lbl in coombs if lbl.endswith(text[-5:]))
        assert ids == {coombs[label]}, f"{text!r} links to {ids}, the list labels it {label!r}"
