"""Author-year labels, the same in the reference list, the in-text citations and the Colab editions.

sphinxcontrib-bibtex cites author-year in the text, but the list takes its labels from the pybtex
formatting style, whose default (alpha) prints "[BA02]". This module registers

- a pybtex formatting style, ``author_year_plain`` (``bibtex_default_style``): the "plain" entry
  formatting with labels such as "Hodgkin & Katz, 1949" or "Coombs et al., 1955a";
- a sphinxcontrib-bibtex referencing style, ``author_year_lettered`` (``bibtex_reference_style``):
  its ``author_year`` style, citing the year with the same letter as the list.

references.bib gives plain years (``year = {1955}``); :func:`years_as_cited` adds the letter where one
author label and year name two or more entries, and tools/reader_edition.py calls it as well, so the
website's list, its citations and the Colab editions agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from string import ascii_lowercase

from pybtex.database import Entry
from pybtex.plugin import find_plugin, register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import Node

#: The list's order (author, year, then title): the letters follow it, so "1955a" is listed before "1955b".
SORTING_STYLE = "author_year_title"


def last_names(entry: Entry) -> list[str]:
    """The authors' (else the editors') last names, with their particles ("van Rossum")."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    return [" ".join(p.prelast_names + p.last_names) for p in persons]


def authors_as_cited(entry: Entry, conjunction: str = "&") -> str:
    """'Nernst', 'Hodgkin & Katz' (or 'Hodgkin and Katz'), 'Coombs et al.'; an organization or title
    where no person is named.

    Examples
    --------
    >>> from pybtex.database import Entry, Person
    >>> e = Entry("article", persons={"author": [Person("Hodgkin, A. L."), Person("Katz, B.")]})
    >>> authors_as_cited(e, conjunction="and")
    'Hodgkin and Katz'
    """
    names = last_names(entry)
    if not names:
        return entry.fields.get("organization") or entry.fields.get("title", entry.key)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} {conjunction} {names[1]}"
    return f"{names[0]} et al."


def years_as_cited(entries: Iterable[Entry]) -> dict[str, str]:
    """Citation key -> the year its citations and its list label show.

    Where one author label and year ("Coombs et al.", 1955) name two or more entries, each year gets a
    letter, in the reference list's order (:data:`SORTING_STYLE`: by title for the same authors), as in
    "1955a", "1955b". The bib file gives the plain year: a letter there would be doubled.

    Raises
    ------
    ValueError
        If a ``year`` field is not four digits (a letter in it, as "1955a", belongs to this function).

    Examples
    --------
    >>> from pybtex.database import Entry, Person
    >>> def coombs(key, title):
    ...     e = Entry("article", fields={"year": "1955", "title": title},
    ...               persons={"author": [Person(n) for n in ("Coombs, J. S.", "Eccles, J. C.", "Fatt, P.")]})
    ...     e.key = key
    ...     return e
    >>> years_as_cited([coombs("IPSP", "The specific ionic conductances"), coombs("EPSP", "Excitatory action")])
    {'EPSP': '1955a', 'IPSP': '1955b'}
    """
    sorting_key = find_plugin("pybtex.style.sorting", SORTING_STYLE)().sorting_key
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        year = entry.fields.get("year", "n.d.")
        if year != "n.d." and not re.fullmatch(r"\d{4}", year):
            raise ValueError(f"{entry.key}: year = {{{year}}}; a year field takes four digits (e.g. 1955), "
                             "the style adds the letter that tells two works of one year apart")
        groups[(authors_as_cited(entry), year)].append(entry)
    years = {}
    for (_, year), same in groups.items():
        if len(same) > len(ascii_lowercase):
            raise ValueError(f"{len(same)} entries cite as {same[0].key}'s author label and year {year}; "
                             f"the letters a-z tell at most {len(ascii_lowercase)} apart")
        lettered = len(same) > 1
        for letter, entry in zip(ascii_lowercase[:len(same)], sorted(same, key=sorting_key), strict=True):
            years[entry.key] = year + letter if lettered else year
    return years


def author_year_label(entry: Entry, year: str) -> str:
    """The reference list's label: 'Nernst, 1889', 'Hodgkin & Katz, 1949', 'Coombs et al., 1955a'.

    Examples
    --------
    >>> from pybtex.database import Entry, Person
    >>> e = Entry("article", persons={"author": [Person("Hodgkin, A. L."), Person("Katz, B.")]})
    >>> author_year_label(e, "1949")
    'Hodgkin & Katz, 1949'
    """
    return f"{authors_as_cited(entry)}, {year}"


#: Citation key -> year as cited, for every entry of the book's bib files; filled when the builder starts
#: (a citation sees its own entry only, and the list only the entries cited).
_book_years: dict[str, str] = {}


def _year_as_cited(entry: Entry) -> str:
    try:
        return _book_years[entry.key]
    except KeyError:
        raise ValueError(f"{entry.key}: not among the bib entries read when the build started") from None


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        # outside Sphinx (pybtex alone) the list's own entries are all there is
        years = _book_years or years_as_cited(entries)
        for entry in entries:
            yield author_year_label(entry, years[entry.key])


class AuthorYearPlainStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = SORTING_STYLE


def _with_year_as_cited(children, data):
    """Format the one child template with the entry's year as cited ("1955a")."""
    (template,) = children
    entry = data["entry"]
    shown = Entry(entry.type, fields={**entry.fields, "year": _year_as_cited(entry)}, persons=entry.persons)
    shown.key = entry.key
    return template.format_data({**data, "entry": shown})


with_year_as_cited = Node("with_year_as_cited", _with_year_as_cited)


def _lettered_reference_style():
    # imported here: pybtex alone (tools/reader_edition.py) needs no Sphinx
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

    @dataclass
    class AuthorYearLetteredReferenceStyle(AuthorYearReferenceStyle):
        """sphinxcontrib-bibtex's author-year citations, whose year takes the list's letter."""

        def inner(self, role_name):
            return with_year_as_cited[super().inner(role_name)]

    return AuthorYearLetteredReferenceStyle


def _record_book_years(app):
    domain = app.env.get_domain("cite")
    _book_years.clear()
    _book_years.update(years_as_cited(domain.bibdata.data.entries.values()))


def setup(app):
    from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin

    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year_plain", AuthorYearPlainStyle)
    register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_lettered",
                           _lettered_reference_style())
    # after sphinxcontrib-bibtex's own builder-inited (priority 500), which reads the bib files
    app.connect("builder-inited", _record_book_years, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
