"""The chapters' links to the website's bibliography, glossary and figures, read back as the roles they stand for.

JupyterLab (jupyterlab-myst, what Binder shows) renders a notebook alone: a ``{cite}`` shows its bibtex
key, a ``{term}`` or ``{numref}`` has no target. So the chapters write these roles as Markdown links to
the website with the text it shows (tools/lab_links.py writes them from the roles, issue 15):

- ``[Coombs et al. \\[1955a\\]](SITE/chapters/bibliography.html#cite:t=CoombsEcclesFatt1955)``: ``{cite:t}``
  (``#cite:p=K1,K2``: ``{cite:p}``);
- ``[time constant](SITE/chapters/glossary.html#term-membrane-time-constant)``: ``{term}`` of the
  glossary term with that id, the link's text as the role's title;
- ``[Fig. 4.1](SITE/chapters/03-ipsps.html#fig-ipsp-sum)``: ``{numref}`fig-ipsp-sum```;
- ``[References](SITE/chapters/bibliography.html)``: ``{doc}`bibliography``` (a page that is not a notebook;
  a chapter notebook is linked as ``[title](04-chloride.ipynb)``, which myst-parser itself reads as a page link).

On the website this transform replaces each such link (SITE is ``html_baseurl``) with what the role
itself gives (a sphinxcontrib-bibtex citation, a glossary cross-reference, a numbered figure reference),
by running that very role, so the pages read, link and warn as before. A link to the site that matches
none of these shapes is left alone.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

CITE_PAGE = "chapters/bibliography.html"
GLOSSARY_PAGE = "chapters/glossary.html"
_CITE = re.compile(r"^cite:(?P<kind>[pt])=(?P<keys>[\w.:-]+(?:,[\w.:-]+)*)$")
_PAGE = re.compile(r"^chapters/(?P<name>[\w-]+)\.html$")
logger = logging.getLogger(__name__)


def link_target(url: str, site: str) -> tuple[str, str] | None:
    """(role, content) for a link to the website that stands for a role, else None.

    For ``term`` the content is the glossary term's HTML id (the link's text is the role's title).

    Examples
    --------
    >>> site = "https://x.org/book/"
    >>> link_target(site + "chapters/bibliography.html#cite:t=A1999,B2000", site)
    ('cite:t', 'A1999,B2000')
    >>> link_target(site + "chapters/glossary.html#term-IPSP", site)
    ('term', 'term-IPSP')
    >>> link_target(site + "chapters/03-ipsps.html#fig-ipsp-sum", site)
    ('numref', 'fig-ipsp-sum')
    >>> link_target(site + "chapters/bibliography.html", site)
    ('doc', 'bibliography')
    >>> link_target("https://doi.org/10.1113/jphysiol.1955.sp005412", site) is None
    True
    """
    if not site or not url.startswith(site):
        return None
    page, _, anchor = url[len(site):].partition("#")
    page_name = _PAGE.match(page)
    if page_name and not anchor:
        return ("doc", page_name["name"])
    if page == CITE_PAGE:
        match = _CITE.match(anchor)
        return (f"cite:{match['kind']}", match["keys"]) if match else None
    if page == GLOSSARY_PAGE:
        return ("term", anchor) if anchor.startswith("term-") else None
    if page_name and anchor.startswith("fig-"):
        return ("numref", anchor)
    return None


#: a Markdown link: [text](url)
_LINK = re.compile(r"\[(?:\\.|[^\[\]\\])+\]\((?P<url>[^()\s]+)\)")
#: a link to a chapter notebook beside this one (what a {doc} becomes: JupyterLab opens it)
NOTEBOOK_LINK = re.compile(r"^(?P<name>[\w-]+)\.ipynb$")


def links_to_roles(text: str, site: str) -> str:
    """The citation and document links of Markdown ``text`` as the ``{cite:t}``, ``{cite:p}``, ``{doc}`` roles
    they stand for (glossary and figure links are left: they are already what those roles render to).

    For a renderer of the roles (tools/reader_edition.py): it cites and names pages as the website does.

    Examples
    --------
    >>> site = "https://x.org/book/"
    >>> links_to_roles(f"as [A (1999)]({site}chapters/bibliography.html#cite:t=A1999) found", site)
    'as {cite:t}`A1999` found'
    >>> links_to_roles(f"see [Ions](01-ions.ipynb) and [the list]({site}chapters/bibliography.html)", site)
    'see {doc}`01-ions` and {doc}`bibliography`'
    """
    def role(match: re.Match) -> str:
        notebook = NOTEBOOK_LINK.match(match["url"])
        target = ("doc", notebook["name"]) if notebook else link_target(match["url"], site)
        if target is None or target[0] not in ("cite:t", "cite:p", "doc"):
            return match.group(0)
        return f"{{{target[0]}}}`{target[1]}`"

    return _LINK.sub(role, text)


def _glossary_ids() -> dict[str, str]:
    """Glossary term HTML id -> the term (as tools/reader_edition.py reads chapters/glossary.md)."""
    tools = str(Path(__file__).resolve().parent.parent / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    from reader_edition import glossary_terms, term_anchor

    return {term_anchor(term): term for term in glossary_terms().values()}


class _Reporter:
    """The document's reporter, placing messages at the link's line (roles ask ``get_source_and_line``)."""

    def __init__(self, reporter, source: str, line: int | None):
        self._reporter, self._where = reporter, (source, line)

    def get_source_and_line(self, lineno=None):
        return self._where

    def __getattr__(self, name):
        return getattr(self._reporter, name)


class _Inliner:
    """What a role reads of docutils' inline parser: the document and its reporter."""

    def __init__(self, document, source: str, line: int | None):
        self.document = document
        self.reporter = _Reporter(document.reporter, source, line)


class RoleLinks(SphinxTransform):
    """Replace the chapters' role links with the output of the roles they stand for."""

    # before smart quotes (750) and the events that collect the doctree (doctree-read)
    default_priority = 400

    def apply(self, **kwargs):
        site = self.config.html_baseurl.rstrip("/") + "/" if self.config.html_baseurl else ""
        if not site:
            if any(re.search(r"/chapters/(?:bibliography\.html#cite:|glossary\.html#term-)", ref.get("refuri", ""))
                   for ref in self.document.findall(nodes.reference)):
                logger.warning("html_baseurl (html.baseurl in _config.yml) is not set: the links that stand for "
                               "{cite} and {term} stay links to the website", location=self.document)
            return
        terms = None
        for ref in list(self.document.findall(nodes.reference)):
            target = link_target(ref.get("refuri", ""), site)
            if target is None:
                continue
            name, content = target
            text = content
            if name == "term":
                terms = terms if terms is not None else _glossary_ids()
                if content not in terms:
                    logger.warning(f"no glossary term has the id {content!r} ({ref['refuri']})", location=ref)
                    continue
                text = f"{ref.astext()} <{terms[content]}>"
            domain, _, role_name = ("std:" + name if ":" not in name else name).partition(":")
            role = self.env.get_domain(domain).role(role_name)
            source, line = ref.source or self.env.doc2path(self.env.docname), ref.line
            inliner = _Inliner(self.document, str(source), line)
            rawtext = f"{{{name}}}`{text}`"
            made, messages = role(f"{domain}:{role_name}", rawtext, text, line or 0, inliner, {}, [])
            ref.replace_self(made + messages)


def setup(app):
    app.setup_extension("sphinxcontrib.bibtex")
    app.add_transform(RoleLinks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
