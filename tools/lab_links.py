"""Citations, glossary terms, figure and page references as links that JupyterLab renders (issue 15).

Why: JupyterLab's MyST renderer (jupyterlab-myst 2.7.0, what Binder shows) renders each notebook on its
own, with no bibliography and no other page: a ``{cite}`` shows its bibtex key (its renderer has no
citation data, ``references.cite.data`` is always empty, and it reads nothing from the notebook's
metadata), and a ``{term}`` or ``{numref}`` whose target is in glossary.md or in a code cell's myst-nb
metadata is "not found", and a ``{doc}`` reads as the page's file name and links to no file. A plain
Markdown link renders everywhere. So the prose writes these roles as links, with the text the website
shows, and the website turns each link back into the role it stands for (_ext/role_links.py), so that its
pages do not change:

- ``{cite:t}`CoombsEcclesFatt1955``` ->
  ``[Coombs et al. \\[1955a\\]](SITE/chapters/bibliography.html#cite:t=CoombsEcclesFatt1955)``
  (``{cite}`` and ``{cite:p}`` -> ``#cite:p=KEY1,KEY2``, parenthetical: ``\\[Kaila, 1994\\]``);
- ``{term}`time constant <membrane time constant>``` ->
  ``[time constant](SITE/chapters/glossary.html#term-membrane-time-constant)``;
- ``{numref}`fig-ipsp-sum``` -> ``[Fig. 4.1](SITE/chapters/03-ipsps.html#fig-ipsp-sum)``;
- ``{doc}`04-chloride``` -> ``[The chloride driving force](04-chloride.ipynb)`` (JupyterLab opens the notebook,
  the website links its page, myst-parser's own reading); a page that is not a notebook,
  ``{doc}`bibliography``` -> ``[References](SITE/chapters/bibliography.html)``,

where SITE is ``html.baseurl`` of _config.yml. The texts come from references.bib, the glossary and the
book's numbering (tools/reader_edition.py computes them as the website does), never by hand: write the
roles, run this tool; ``--check`` fails when a role is left or a link's text is no longer what the
book gives (a year corrected in references.bib, a figure renumbered). Idempotent; the notebooks keep
their JSON layout. Usage: ``python tools/lab_links.py [--check]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import reader_edition as edition  # noqa: E402
from chapter_rewrite import rewrite_chapters, rewrite_file, set_source, source  # noqa: E402
from role_links import CITE_PAGE, GLOSSARY_PAGE, NOTEBOOK_LINK, link_target  # noqa: E402

#: the roles this tool writes as links
ROLE = re.compile(r"\{(?P<name>cite|cite:p|cite:t|term|numref|doc)\}`(?P<content>[^`]+)`")
#: a Markdown link (text with escaped brackets allowed)
LINK = re.compile(r"\[(?P<text>(?:\\.|[^\[\]\\])+)\]\((?P<url>[^()\s]+)\)")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def cite_text(keys: list[str], kind: str, book: edition.Book) -> str:
    """The citation as the website prints it ("Coombs et al. [1955a]", "[Kaila, 1994]").

    Examples
    --------
    >>> book = edition.Book.load()
    >>> cite_text(["HodgkinKatz1949"], "t", book)
    'Hodgkin and Katz [1949]'
    >>> cite_text(["Goldman1943", "HodgkinKatz1949"], "p", book)
    '[Goldman, 1943, Hodgkin and Katz, 1949]'
    """
    chapter = edition.Chapter("chapters/bibliography", book, {})
    # the Colab edition's rendering, with its links to the website taken out: one text, one renderer
    linked = edition._cite(",".join(keys), kind, chapter)
    return _unescape(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", linked))


def role_link(name: str, content: str, docname: str, book: edition.Book) -> str:
    """The Markdown link that stands for ``{name}`content``` in chapter ``docname``."""
    site = book.site
    if name.startswith("cite"):
        keys = [k.strip() for k in content.split(",") if k.strip()]
        kind = "t" if name == "cite:t" else "p"
        for key in keys:
            if key not in book.refs:
                raise ValueError(f"{docname}: {{{name}}} key {key!r} is not in references.bib")
        return f"[{_escape(cite_text(keys, kind, book))}]({site}{CITE_PAGE}#cite:{kind}={','.join(keys)})"
    text, target = edition._split(content)
    if name == "doc":  # a chapter notebook: JupyterLab opens it; another page: the website's
        if text or not re.fullmatch(r"[\w-]+", target):
            raise ValueError(f"{docname}: {{doc}}`{content}` must name a page beside the chapter, alone "
                             "(its link reads as that page's title)")
        title = edition.document_title(f"chapters/{target}")
        if (edition.CHAPTERS / f"{target}.ipynb").is_file():
            return f"[{_escape(title)}]({target}.ipynb)"
        return f"[{_escape(title)}]({site}chapters/{target}.html)"
    if name == "term":
        term = book.terms.get(target.lower())
        if term is None:
            raise ValueError(f"{docname}: {{term}} {target!r} is not in the glossary")
        return f"[{_escape(text or target)}]({site}{GLOSSARY_PAGE}#{edition.term_anchor(term)})"
    # numref: the figure's number as the website prints it
    if text or target not in book.labels or book.labels[target][1] != "figure":
        raise ValueError(f"{docname}: {{numref}}`{content}` must name a figure label, alone")
    figure_doc, _, number = book.labels[target]
    return f"[Fig. {number}]({site}{figure_doc}.html#{target})"


def current_link(text: str, url: str, docname: str, book: edition.Book) -> str | None:
    """The link as the book gives it now, for a link this tool wrote (None for any other link)."""
    notebook = NOTEBOOK_LINK.match(url)
    target = ("doc", notebook["name"]) if notebook else link_target(url, book.site)
    if target is None:
        return None
    name, content = target
    if name == "term":
        terms = {edition.term_anchor(t): t for t in book.terms.values()}
        if content not in terms:
            raise ValueError(f"{docname}: {url}: no glossary term has the id {content!r}")
        return role_link("term", f"{_unescape(text)} <{terms[content]}>", docname, book)
    return role_link(name, content, docname, book)


def rewrite_markdown(source: str, docname: str, book: edition.Book) -> str:
    """Roles -> links, and this tool's links brought up to date."""
    source = ROLE.sub(lambda m: role_link(m["name"], m["content"], docname, book), source)
    return LINK.sub(lambda m: current_link(m["text"], m["url"], docname, book) or m.group(0), source)


def rewrite_notebook(path: Path, book: edition.Book, write: bool = True) -> bool:
    """Rewrite one chapter's markdown cells; True if anything changed (written only if ``write``)."""
    docname = f"chapters/{path.stem}"

    def rewrite(nb: dict) -> None:
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                set_source(cell, rewrite_markdown(source(cell), docname, book))

    return rewrite_file(path, rewrite, write)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter needs the rewrite")
    args = parser.parse_args(argv)
    book = edition.Book.load()
    stale = rewrite_chapters(lambda path, write: rewrite_notebook(path, book, write), args.check)
    if args.check and stale:
        print("run tools/lab_links.py: roles or stale links in " + ", ".join(p.name for p in stale), file=sys.stderr)
        return 1
    for path in stale:
        print(f"rewrote chapters/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
