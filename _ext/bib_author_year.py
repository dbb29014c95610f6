"""Author-year labels for the reference list, matching the author-year citations.

sphinxcontrib-bibtex cites author-year in the text (``bibtex_reference_style:
author_year``), but the list itself takes its labels from the pybtex
formatting style, whose default (alpha) prints "[BA02]". This registers a
pybtex style, ``author_year_plain``: the "plain" entry formatting with labels
such as "Hodgkin & Katz, 1949" or "Coombs et al., 1955a", so a reader finds
in the list the same words the text cites.
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _names(entry):
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    return [" ".join(p.prelast_names + p.last_names) for p in persons]


def author_year_label(entry):
    """'Nernst, 1889', 'Hodgkin & Katz, 1949', 'Coombs et al., 1955a'.

    Examples
    --------
    >>> from pybtex.database import Entry, Person
    >>> e = Entry("article", fields={"year": "1949"})
    >>> e.persons["author"] = [Person("Hodgkin, A. L."), Person("Katz, B.")]
    >>> author_year_label(e)
    'Hodgkin & Katz, 1949'
    """
    names = _names(entry)
    year = entry.fields.get("year", "n.d.")
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {year}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year_label(entry)


class AuthorYearPlainStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year_plain", AuthorYearPlainStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
