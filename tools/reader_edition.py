"""The reader's edition of each chapter for Colab: MyST rendered to the Markdown and HTML Colab shows.

Colab loads no JupyterLab extension, so a chapter notebook opened there shows its MyST markup raw
(``{glue:md}`rest_mV```, ``{term}``, ``:class: tip``). This tool writes ``colab/NN-name.ipynb`` for each
``chapters/NN-name.ipynb``, generated from it (the chapter stays the only source; never edit an edition):

- glued numbers filled in from the executed chapter (the ``.glue.json`` myst-nb writes beside each
  executed notebook in ``_build/jupyter_execute/``, or a fresh execution when that is missing or stale);
- ``{term}``, ``{doc}``, ``{ref}``, ``{numref}`` and ``{eq}`` as links to the website (``html.baseurl`` in
  _config.yml, the one place its address lives), with the website's numbers ("Fig. 4.2", "(3.1)");
- ``{cite}`` as author-year, as the website cites (references.bib); ``{sub}``/``{sup}`` as ``<sub>``/``<sup>``;
- admonitions as block quotes (``dropdown`` ones folded in ``<details>``), each ``{exercise}`` as a quote
  and its ``{solution}`` folded in ``<details>``; dollar maths kept (Colab renders it);
- code cells unchanged and in order, the install cell (tools/colab_cell.py) first among them; cells hidden
  on the website get Colab's form view (code folded under a title); figure captions follow their figure.

Usage::

    python tools/reader_edition.py            # write colab/*.ipynb (make editions)
    python tools/reader_edition.py --check    # exit 1 when an edition is not what the chapter gives

tests/test_colab_edition.py fails when a chapter changed and its edition was not regenerated.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from bib_author_year import authors_as_cited, years_as_cited  # noqa: E402 - the website's citation labels
from role_links import links_to_roles  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_rewrite import dumps  # noqa: E402 - the editions are written as the chapters are

CHAPTERS = ROOT / "chapters"
EDITIONS = ROOT / "colab"
EXECUTED = ROOT / "_build" / "jupyter_execute"
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
BIB = ROOT / "references.bib"
GLOSSARY = CHAPTERS / "glossary.md"
INSTALL_MARKER = "ipsp_colab_install"  # tools/colab_cell.py's cell metadata
EDITION_KEY = "ipsp_reader_edition"
ADMONITIONS = ("note", "tip", "important", "warning", "caution", "attention", "danger", "error", "hint",
               "seealso")
CELL_TIMEOUT_S = 600


# --- the book around a chapter: site address, numbering, glossary, bibliography -------------------------
def site_url(config: Path = CONFIG) -> str:
    """The website's address, ``html.baseurl`` in _config.yml, ending in "/".

    Examples
    --------
    >>> site_url().startswith("https://") and site_url().endswith("/")
    True
    """
    url = str((yaml.safe_load(config.read_text(encoding="utf-8")).get("html") or {}).get("baseurl") or "")
    if not re.match(r"^https?://[\w.-]+(/\S*)?$", url):
        raise ValueError(f"html.baseurl in {config.name} must be the website's address (https://host/path/), "
                         f"got {url!r}: the reader's editions link to it")
    return url.rstrip("/") + "/"


def chapter_numbers(toc: Path = TOC) -> dict[str, str]:
    """Docname -> chapter number for the numbered parts of _toc.yml ("chapters/03-ipsps" -> "4")."""
    numbers, count = {}, 0
    for part in yaml.safe_load(toc.read_text(encoding="utf-8")).get("parts", []):
        if not part.get("numbered"):
            continue
        for entry in part.get("chapters", []):
            count += 1
            numbers[entry["file"]] = str(count)
    return numbers


def document_title(docname: str) -> str:
    """The first level-1 heading of ``chapters/x.ipynb`` or ``chapters/x.md``."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{docname}{suffix}"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown")
        match = re.search(r"^# (.+)$", text, re.M)
        if match:
            return match.group(1).strip()
    raise ValueError(f"{docname} has no page with a '# title' (for a {{doc}} link)")


def glossary_terms(glossary: Path = GLOSSARY) -> dict[str, str]:
    """Lower-cased term -> the term as the glossary spells it (Sphinx finds terms case-insensitively)."""
    text = glossary.read_text(encoding="utf-8")
    block = re.search(r"^(`{3,}|:{3,})\{glossary\}.*?$(.*?)^\1\s*$", text, re.M | re.S)
    if not block:
        raise ValueError(f"{glossary} has no {{glossary}} block")
    terms = {}
    for line in block.group(2).splitlines():
        if line and not line[0].isspace() and not line.startswith(":"):
            term = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", line.strip())  # as Sphinx reads it: GABA{sub}`A` -> GABAA
            terms[term.lower()] = term
    return terms


def term_anchor(term: str) -> str:
    """The HTML id Sphinx gives a glossary term ("GABAA receptor" -> "term-GABAA-receptor")."""
    from sphinx.util.nodes import _make_id

    return _make_id(f"term-{term}")


@dataclass
class Reference:
    authors: str  # as the website cites them: "Hodgkin and Katz", "Coombs et al."
    year: str  # with the letter the website's list gives it: "1955a"


def bibliography(bib: Path = BIB) -> dict[str, Reference]:
    """Citation key -> authors and year as the website cites them (_ext/bib_author_year.py)."""
    from pybtex.database import parse_file

    entries = parse_file(str(bib)).entries
    years = years_as_cited(entries.values())
    return {key: Reference(_latex_to_text(authors_as_cited(entry, conjunction="and")), years[key])
            for key, entry in entries.items()}


def _latex_to_text(text: str) -> str:
    from pybtex.richtext import Text

    return Text.from_latex(text).render_as("text") if "\\" in text or "{" in text else text


# --- one chapter -----------------------------------------------------------------------------------------
@dataclass
class Book:
    """What an edition needs from the rest of the book."""

    site: str
    numbers: dict[str, str]
    terms: dict[str, str]
    refs: dict[str, Reference]
    #: label -> (docname, kind, number); for a section (a "(label)=" target before a heading) its title
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Book:
        book = cls(site_url(), chapter_numbers(), glossary_terms(), bibliography())
        for path in sorted(CHAPTERS.glob("*.ipynb")):
            book.labels.update(_labels(f"chapters/{path.stem}", json.loads(path.read_text(encoding="utf-8")),
                                       book.numbers.get(f"chapters/{path.stem}")))
        return book

    def page(self, docname: str, anchor: str = "") -> str:
        return f"{self.site}{docname}.html" + (f"#{anchor}" if anchor else "")


_DIRECTIVE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*?)\s*$")
_EQ_LABEL = re.compile(r"^(?P<before>.*)\$\$\s*\((?P<label>[\w:.-]+)\)\s*$")


def _labels(docname: str, nb: dict, chapter: str | None) -> dict[str, tuple[str, str, str]]:
    """Figures, equations and exercises of one chapter, numbered as the website numbers them; section targets."""
    found, count = {}, {"figure": 0, "equation": 0, "exercise": 0}

    def add(kind, label):
        count[kind] += 1
        number = f"{chapter}.{count[kind]}" if chapter else str(count[kind])
        if label:
            found[label] = (docname, kind, number)
        return number

    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure:
                add("figure", figure.get("name"))
            continue
        if cell["cell_type"] != "markdown":
            continue
        lines = source.splitlines()
        for k, line in enumerate(lines):
            target = re.match(r"^\(([\w:.-]+)\)=\s*$", line)
            heading = next((re.match(r"^#+\s+(.+)$", x) for x in lines[k + 1:k + 3] if x.strip()), None)
            if target and heading:
                found[target.group(1)] = (docname, "section", heading.group(1).strip())
            eq = _EQ_LABEL.match(line)
            if eq:
                add("equation", eq["label"])
            d = _DIRECTIVE.match(line)
            if d and d["name"] == "exercise":
                label = next((m.group(1) for m in (re.match(r"^\s*:label:\s*(\S+)", x) for x in lines[k + 1:k + 8])
                              if m), None)
                add("exercise", label)
    return found


@dataclass
class Chapter:
    """State while one chapter is rendered."""

    docname: str
    book: Book
    glue: dict[str, dict]
    exercises: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (number, title)
    exercise_count: int = 0
    equation_count: int = 0
    figure_count: int = 0

    @property
    def number(self) -> str | None:
        return self.book.numbers.get(self.docname)

    def numbered(self, n: int) -> str:
        return f"{self.number}.{n}" if self.number else str(n)


# --- inline markup ---------------------------------------------------------------------------------------
_INLINE = re.compile(r"\{(?P<name>[A-Za-z][\w:+.-]*)\}`(?P<content>[^`]*)`|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)",
                     re.S)  # a role, or a code span (left alone)
_TITLE_TARGET = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


def _split(content: str) -> tuple[str | None, str]:
    match = _TITLE_TARGET.match(content)
    text, target = (match["text"], match["target"]) if match else (None, content)
    return text, " ".join(target.split())


def _link(text: str, url: str) -> str:
    return f"[{text}]({url})"


def _cite(keys: str, kind: str, chapter: Chapter) -> str:
    parts = []
    for key in (k.strip() for k in keys.split(",")):
        ref = chapter.book.refs.get(key)
        if ref is None:
            raise ValueError(f"{chapter.docname}: {{cite}} key {key!r} is not in references.bib")
        who = ref.authors
        page = chapter.book.page("chapters/bibliography")
        # as sphinxcontrib-bibtex's author_year style on the site: "Hodgkin and Katz [1949]", "[Kaila, 1994]"
        parts.append(f"{who} \\[{_link(ref.year, page)}\\]" if kind == "t" else _link(f"{who}, {ref.year}", page))
    return ", ".join(parts) if kind == "t" else "\\[" + ", ".join(parts) + "\\]"


def _glue(name: str, role: str, chapter: Chapter) -> str:
    output = chapter.glue.get(name)
    if output is None:
        raise ValueError(f"{chapter.docname}: nothing glued as {name!r} ({{{role}}}) in the executed notebook")
    data = output.get("data", {})
    if role in ("glue:md", "glue") and "text/markdown" in data:
        return render_inline("".join(data["text/markdown"]).strip(), chapter)
    text = "".join(data.get("text/plain", ""))
    if role == "glue:text" and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if not text or text.startswith("<"):
        raise ValueError(f"{chapter.docname}: the glued {name!r} has no text for {{{role}}}")
    return html.escape(text, quote=False)


def _role(match: re.Match, chapter: Chapter) -> str:
    name, content = match["name"], match["content"]
    book = chapter.book
    if name in ("glue", "glue:md", "glue:text", "glue:any"):
        return _glue(content.strip(), name, chapter)
    if name == "eval":  # {eval}`glued.NAME`: the glued value NAME, as the website pastes it (_ext/glued_eval.py)
        glued = re.fullmatch(r"\s*glued\.([A-Za-z_]\w*)\s*", content)
        if glued is None:
            raise ValueError(f"{chapter.docname}: {{eval}} reads only glued.NAME in this book, got {content!r}")
        return _glue(glued.group(1), "glue:md", chapter)
    if name in ("sub", "sup"):
        return f"<{name}>{content}</{name}>"
    if name == "math":
        return f"${content}$"
    if name in ("cite", "cite:p", "cite:t"):
        return _cite(content, "t" if name == "cite:t" else "p", chapter)
    if name == "term":
        text, target = _split(content)
        term = book.terms.get(target.lower())
        if term is None:
            raise ValueError(f"{chapter.docname}: {{term}} {target!r} is not in the glossary")
        return _link(text or target, book.page("chapters/glossary", term_anchor(term)))
    if name == "doc":
        text, target = _split(content)
        docname = target.lstrip("/") if target.startswith("/") else \
            str(Path(chapter.docname).parent / target).replace("\\", "/")
        docname = re.sub(r"\.(ipynb|md)$", "", docname)
        return _link(text or document_title(docname), book.page(docname))
    if name in ("ref", "numref", "eq"):
        text, target = _split(content)
        if target not in book.labels:
            raise ValueError(f"{chapter.docname}: {{{name}}} target {target!r} is not a figure, equation, "
                             "exercise or section label of any chapter")
        docname, kind, number = book.labels[target]
        anchor = f"equation-{target}" if kind == "equation" else target
        if kind == "section":  # a (label)= target before a heading: its title, as Sphinx shows it
            shown = text or re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", render_inline(number, chapter))  # no nested links
        elif name == "eq":
            shown = f"({number})"
        elif name == "numref":
            prefix = {"figure": "Fig.", "exercise": "Exercise", "equation": "Equation"}[kind]
            shown = text.replace("%s", number).replace("{number}", number) if text else f"{prefix} {number}"
        else:
            shown = text or f"{kind.capitalize()} {number}"
        return _link(shown, book.page(docname, anchor))
    raise ValueError(f"{chapter.docname}: the role {{{name}}} has no plain-Markdown rendering in "
                     f"tools/reader_edition.py (used as {match.group(0)!r})")


def render_inline(text: str, chapter: Chapter) -> str:
    """Roles rendered in one run of Markdown text; code spans left alone."""
    # citations and page links the chapter writes as links for JupyterLab (tools/lab_links.py): as the website
    text = links_to_roles(text, chapter.book.site)
    return _INLINE.sub(lambda m: _role(m, chapter) if m["name"] else m.group(0), text)


# --- blocks ----------------------------------------------------------------------------------------------
def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip("\n").splitlines())


def _details(summary: str, body: str) -> str:
    return f"<details>\n<summary><b>{summary}</b></summary>\n\n{body.strip()}\n\n</details>"


@dataclass
class Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str


def _read_directive(lines: list[str], start: int) -> tuple[Directive, int]:
    """The directive opening at ``lines[start]`` and the index after its closing fence."""
    head = _DIRECTIVE.match(lines[start])
    fence = head["fence"]
    end = start + 1
    while end < len(lines) and not (lines[end].strip() == fence or
                                    (lines[end].strip().startswith(fence[0] * len(fence)) and
                                     not lines[end].strip().strip(fence[0]))):
        end += 1
    if end == len(lines):
        raise ValueError(f"unclosed directive {lines[start]!r}")
    body_lines, options = lines[start + 1:end], {}
    while body_lines and re.match(r"^\s*:[\w-]+:", body_lines[0]):
        key, _, value = body_lines.pop(0).strip()[1:].partition(":")
        options[key] = value.strip()
    return Directive(head["name"], head["arg"], options, "\n".join(body_lines)), end + 1


def _render_directive(d: Directive, chapter: Chapter, state: dict) -> str:
    classes = d.options.get("class", "").split()
    if d.name == "exercise":
        chapter.exercise_count += 1
        number = chapter.numbered(chapter.exercise_count)
        title = render_inline(d.arg, chapter)
        label = d.options.get("label")
        if label:
            chapter.exercises[label] = (number, title)
        heading = f"**Exercise {number}**" + (f" ({title})" if title else "")
        return _quote(f"{heading}\n\n{render_blocks(d.body, chapter, state)}")
    if d.name in ("solution", "solution-start"):
        number, title = chapter.exercises.get(d.arg.strip(), (None, ""))
        if number is None:
            raise ValueError(f"{chapter.docname}: {{{d.name}}} {d.arg!r} follows no exercise with that label")
        summary = f"Solution to Exercise {number}" + (f" ({title})" if title else "")
        if d.name == "solution-start":
            state["solution"], state["solution_parts"] = summary, 0
            return ""
        return _details(summary, render_blocks(d.body, chapter, state))
    if d.name == "solution-end":
        state["solution"] = None
        return ""
    if d.name == "admonition" or d.name in ADMONITIONS:
        title = render_inline(d.arg, chapter) if d.name == "admonition" else (d.arg or d.name.capitalize())
        body = render_blocks(d.body, chapter, state)
        if "dropdown" in classes:
            return _details(title, body)
        return _quote(f"**{title}**\n\n{body}")
    raise ValueError(f"{chapter.docname}: the directive {{{d.name}}} has no plain-Markdown rendering in "
                     "tools/reader_edition.py")


def render_blocks(text: str, chapter: Chapter, state: dict | None = None) -> str:
    """A Markdown text with its directives, labelled equations, targets and roles rendered.

    ``state["solution"]`` carries an open gated solution (``{solution-start}``) from cell to cell:
    text inside one is folded in ``<details>``.
    """
    state = {"solution": None} if state is None else state
    lines, out, k = text.splitlines(), [], 0
    plain: list[str] = []       # the current run of ordinary Markdown lines
    in_code: str | None = None  # the closing fence of a plain code block
    in_math = False

    def flush():
        if plain:
            out.append(("text", "\n".join(plain), state["solution"]))
            plain.clear()

    while k < len(lines):
        line = lines[k]
        if in_code is not None:
            plain.append(line)
            if line.strip().startswith(in_code) and not line.strip().strip(in_code[0]):
                in_code = None
            k += 1
            continue
        fence = re.match(r"^\s*(`{3,}|~{3,})(?![`~])(?!\s*\{)", line)
        if fence and not in_math:
            in_code = fence.group(1)
            plain.append(line)
            k += 1
            continue
        if _DIRECTIVE.match(line) and not in_math:
            flush()
            directive, k = _read_directive(lines, k)
            was = state["solution"]
            rendered = _render_directive(directive, chapter, state)
            if rendered:
                out.append(("block", rendered, was))
            continue
        if re.match(r"^\([\w:.-]+\)=\s*$", line) or re.match(r"^%", line) or line.strip() == "+++":
            k += 1  # a target, a comment, a block break: nothing for the reader
            continue
        eq = _EQ_LABEL.match(line)
        if eq:
            chapter.equation_count += 1
            number = chapter.numbered(chapter.equation_count)
            if eq["before"].strip():
                plain.append(eq["before"].rstrip())
            plain.append(f"\\tag{{{number}}}")
            plain.append("$$")
            in_math = False
            k += 1
            continue
        if line.strip().startswith("$$"):
            opens_and_closes = line.strip() != "$$" and line.strip().endswith("$$") and len(line.strip()) > 4
            if not opens_and_closes:
                in_math = not in_math
        plain.append(line)
        k += 1
    flush()
    # render the inline roles of ordinary text (not inside display maths or code), fold solution text
    rendered = []
    for kind, chunk, solution in out:
        body = _render_text(chunk, chapter) if kind == "text" else chunk
        if solution and body.strip() and kind == "text":
            body = _details(solution + (" (continued)" if state.get("solution_parts") else ""), body)
            state["solution_parts"] = state.get("solution_parts", 0) + 1
        rendered.append(body)
    return "\n\n".join(part.strip("\n") for part in rendered if part.strip())


def _render_text(text: str, chapter: Chapter) -> str:
    """Inline roles rendered in ordinary lines; display maths and code blocks kept as they are."""
    out, run, closing = [], [], None

    def flush():
        if run:
            out.append(render_inline("\n".join(run), chapter))
            run.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if closing is None:
            fence = re.match(r"(`{3,}|~{3,})", stripped)
            if fence:
                closing = fence.group(1)
            elif stripped.startswith("$$") and not (len(stripped) >= 4 and stripped.endswith("$$")):
                closing = "$$"
            if closing is None:
                run.append(line)
            else:
                flush()
                out.append(line)
            continue
        out.append(line)
        if (closing == "$$" and stripped.endswith("$$")) or \
                (closing != "$$" and stripped.startswith(closing) and not stripped.strip(closing[0])):
            closing = None
    flush()
    return "\n".join(out).strip("\n")


# --- cells -----------------------------------------------------------------------------------------------
def _markdown_cell(source: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": source.splitlines(keepends=True)}


def _form_title(cell: dict, solution: str | None) -> str | None:
    """Colab's form view folds a cell's code under its ``# @title``: for what the website hides."""
    tags = cell.get("metadata", {}).get("tags", [])
    if cell.get("metadata", {}).get(INSTALL_MARKER):
        return "Install the book's package (on Colab only)"
    if solution:
        return f"{solution}: code"
    if "remove-cell" in tags:
        return "Setup (hidden on the website)"
    if {"remove-input", "hide-input", "hide-cell"} & set(tags):
        return "Show code"
    return None


def _code_cell(cell: dict, solution: str | None) -> dict:
    source = "".join(cell["source"])
    metadata = {k: v for k, v in cell.get("metadata", {}).items() if k != "mystnb"}
    title = _form_title(cell, solution)
    if title:
        source = f"# @title {title}\n{source}"
        metadata["cellView"] = "form"
    new = {"cell_type": "code", "execution_count": None, "metadata": metadata,
           "outputs": cell.get("outputs", []), "source": source.splitlines(keepends=True)}
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def _caption_cell(cell: dict, chapter: Chapter) -> dict | None:
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
    if not figure:
        return None
    chapter.figure_count += 1
    caption = render_inline(figure.get("caption", ""), chapter)
    return _markdown_cell(f"**Fig. {chapter.numbered(chapter.figure_count)}** {caption}",
                          f"{cell.get('id', 'figure')}-caption")


SELF_CHECK_CALL = re.compile(r"^self_check\(\"([\w-]+)\"\)\s*$", re.MULTILINE)


def _self_check_chapters(nb: dict) -> list[str]:
    """The chapters whose self-check questions a notebook asks (``self_check("NN-name")`` in a code cell)."""
    return sorted({name for cell in nb["cells"] if cell.get("cell_type") == "code"
                   for name in SELF_CHECK_CALL.findall("".join(cell["source"]))})


def source_digest(chapter_path: Path) -> str:
    """SHA-256 of what an edition is made from: the chapter notebook's bytes and the files of the
    self-check questions it asks (chapters/self-check/<chapter>.yml): recorded in the edition, to tell a
    stale edition."""
    digest = hashlib.sha256(chapter_path.read_bytes())
    for name in _self_check_chapters(json.loads(chapter_path.read_text(encoding="utf-8"))):
        digest.update((CHAPTERS / "self-check" / f"{name}.yml").read_bytes())
    return digest.hexdigest()


def _self_check_cell(cell: dict, chapter: Chapter) -> dict | None:
    """The chapter's self-check questions as text, each answer folded: Colab installs ipsplib without the
    question files, so the code cell there can only point to the website; this cell asks the questions."""
    match = SELF_CHECK_CALL.search("".join(cell["source"]))
    if not match:
        return None
    from ipsplib.selfcheck import load, render

    text = render.markdown(load(match.group(1)))
    return _markdown_cell(render_blocks(text, chapter), f"{cell.get('id', 'self-check')}-questions")


def make_edition(chapter_path: Path, glue: dict[str, dict], book: Book | None = None) -> dict:
    """The reader's edition of ``chapter_path`` (a notebook dict), glued values from ``glue``."""
    book = Book.load() if book is None else book
    nb = json.loads(chapter_path.read_text(encoding="utf-8"))
    docname = f"chapters/{chapter_path.stem}"
    chapter = Chapter(docname, book, glue)
    state = {"solution": None}
    cells, first_markdown_done = [], False
    for cell in nb["cells"]:
        kind = cell.get("cell_type")
        if kind == "markdown":
            text = render_blocks("".join(cell["source"]), chapter, state)
            if text.strip():
                new = _markdown_cell(text, cell.get("id", f"md-{len(cells)}"))
                if cell.get("attachments"):
                    new["attachments"] = cell["attachments"]
                cells.append(new)
            if not first_markdown_done:
                first_markdown_done = True
                cells.append(_markdown_cell(_edition_note(chapter_path, book), "reader-edition-note"))
        elif kind == "code":
            cells.append(_code_cell(cell, state["solution"]))
            extra = _caption_cell(cell, chapter) or _self_check_cell(cell, chapter)
            if extra:
                cells.append(extra)
        else:
            cells.append(dict(cell))  # raw and unknown cells pass through unchanged
    if state["solution"]:
        raise ValueError(f"{docname}: a {{solution-start}} has no {{solution-end}}")
    _install_cell_first(cells, docname)
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True},
        EDITION_KEY: {"source": f"{docname}.ipynb", "source_sha256": source_digest(chapter_path),
                      "generator": "tools/reader_edition.py"},
    }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def _edition_note(chapter_path: Path, book: Book) -> str:
    page = book.page(f"chapters/{chapter_path.stem}")
    title = document_title(f"chapters/{chapter_path.stem}")
    return (f"*The Colab edition of this chapter, generated from `chapters/{chapter_path.name}` by "
            f"`tools/reader_edition.py` (do not edit it by hand). The website has the same text with "
            f"working demos: [{title}]({page}). Run the cells from the top (Runtime → Run all).*")


def _install_cell_first(cells: list[dict], docname: str) -> None:
    code = [c for c in cells if c["cell_type"] == "code"]
    if not code or not code[0]["metadata"].get(INSTALL_MARKER):
        raise ValueError(f"{docname}: the first code cell is not the install cell (run tools/colab_cell.py)")




# --- glued values: from the book build, or a fresh execution ---------------------------------------------
def _sources(nb: dict) -> list[tuple[str, str]]:
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def built_glue(chapter_path: Path, executed: Path = EXECUTED) -> dict[str, dict] | None:
    """The glued outputs the book build recorded for this chapter, or None if it is missing or stale."""
    built = executed / "chapters" / chapter_path.name
    glue = built.with_suffix(".glue.json")
    if not (built.is_file() and glue.is_file()):
        return None
    if _sources(json.loads(built.read_text(encoding="utf-8"))) != \
            _sources(json.loads(chapter_path.read_text(encoding="utf-8"))):
        return None  # built from another version of the chapter
    return json.loads(glue.read_text(encoding="utf-8"))


def executed_glue(chapter_path: Path) -> dict[str, dict]:
    """Execute the chapter (this Python's kernel) and collect what it glues."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(chapter_path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(chapter_path.parent)}}).execute()
    glue = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                prefix = out["metadata"]["scrapbook"].get("mime_prefix", "")
                glue[name] = {"data": {k[len(prefix):]: v for k, v in out.get("data", {}).items()}}
    return glue


def glue_for(chapter_path: Path, execute: bool = False) -> tuple[dict[str, dict], str]:
    """The chapter's glued outputs and where they came from ("book build" or "executed")."""
    glue = None if execute else built_glue(chapter_path)
    if glue is not None:
        return glue, "book build"
    return executed_glue(chapter_path), "executed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if an edition is stale")
    parser.add_argument("--execute", action="store_true",
                        help="execute the chapters here even when the book build has their glued values")
    parser.add_argument("chapters", nargs="*", type=Path, help="default: chapters/*.ipynb")
    args = parser.parse_args(argv)
    book = Book.load()
    EDITIONS.mkdir(exist_ok=True)
    stale = []
    for path in args.chapters or sorted(CHAPTERS.glob("*.ipynb")):
        start = time.monotonic()
        glue, origin = glue_for(path, args.execute)
        text = dumps(make_edition(path, glue, book))
        target = EDITIONS / path.name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(target)
            if not args.check:
                target.write_text(text, encoding="utf-8")
        print(f"reader_edition: {target.relative_to(ROOT)} (glue from {origin}, {time.monotonic() - start:.1f} s)")
    verb = "stale" if args.check else "rewritten"
    print(f"reader_edition: {len(stale)} edition(s) {verb}" + "".join(f"\n  {p.relative_to(ROOT)}" for p in stale))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
