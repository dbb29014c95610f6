"""Rewrite the chapters' glued numbers from ``{glue:md}`NAME``` to ``{eval}`glued.NAME``` (issue 15).

Why: JupyterLab's MyST renderer (jupyterlab-myst, installed by binder/requirements.txt) does not know
myst-nb's ``{glue:md}`` role and shows it raw, but it evaluates ``{eval}`expression``` in the kernel
when the markdown cell runs. The website reads the same role through _ext/glued_eval.py, which pastes
the glued value NAME exactly as ``{glue:md}`NAME``` did. One source, the same number in both readings.

What it changes in every chapters/*.ipynb, mechanically:

- in markdown cells, each ``{glue:md}`NAME``` becomes ``{eval}`glued.NAME``` (figure captions in code-cell
  metadata keep ``{glue:md}``: only the website renders captions);
- the chapter's one-line setup ``from ipsplib.book import glue, ...`` also imports ``glued``, the
  namespace in which :func:`ipsplib.book.glue` records every text it glues.

Idempotent: a second run changes nothing. The notebooks keep their JSON layout (indent 1, unescaped
Unicode, cell ids), so the diff is the rewrite alone. Usage: ``python tools/glue_to_eval.py [--check]``
(``--check`` exits 1 if a chapter still needs the rewrite, writing nothing).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_rewrite import rewrite_chapters, rewrite_file, set_source, source  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GLUE_MD = re.compile(r"\{glue:md\}`([A-Za-z_]\w*)`")
#: the chapters' setup line: ``from ipsplib.book import glue, half_width_ms`` (names in any order)
BOOK_IMPORT = re.compile(r"^from ipsplib\.book import (?P<names>[\w, ]+?)(?P<comment> *#.*)?$", re.MULTILINE)
#: ruff would call ``glued`` unused: only the prose reads it
NOQA = "  # noqa: F401 - the prose reads glued.NAME"


def rewrite_markdown(source: str) -> str:
    """``{glue:md}`NAME``` -> ``{eval}`glued.NAME```.

    Examples
    --------
    >>> rewrite_markdown("resting at {glue:md}`rest_mV` mV")
    'resting at {eval}`glued.rest_mV` mV'
    """
    return GLUE_MD.sub(r"{eval}`glued.\1`", source)


def rewrite_setup(source: str) -> str:
    """The chapter's ``from ipsplib.book import glue, ...`` line, also importing ``glued`` (sorted).

    Examples
    --------
    >>> print(rewrite_setup("from ipsplib.book import glue, typeset_minus\\nglue('x', 1.0)"))
    from ipsplib.book import glue, glued, typeset_minus  # noqa: F401 - the prose reads glued.NAME
    glue('x', 1.0)
    >>> rewrite_setup("from ipsplib.book import half_width_ms")
    'from ipsplib.book import half_width_ms'
    """
    def add_glued(match: re.Match) -> str:
        names = {name.strip() for name in match.group("names").split(",") if name.strip()}
        if "glue" not in names:
            return match.group(0)
        return "from ipsplib.book import " + ", ".join(sorted(names | {"glued"})) + NOQA

    return BOOK_IMPORT.sub(add_glued, source)


def rewrite_notebook(path: Path, write: bool = True) -> bool:
    """Rewrite one notebook; True if it changed (written only if ``write``)."""

    def rewrite(nb: dict) -> None:
        helpers = 0
        for cell in nb["cells"]:
            text = source(cell)
            if cell["cell_type"] == "markdown":
                set_source(cell, rewrite_markdown(text))
            elif cell["cell_type"] == "code" and BOOK_IMPORT.search(text):
                set_source(cell, rewrite_setup(text))
                helpers += "glued" in source(cell)
        uses = any("{eval}`glued." in source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
        if uses and helpers < 1:
            raise ValueError(f"{path.name}: prose reads glued values but no cell imports glued from ipsplib.book")

    return rewrite_file(path, rewrite, write)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter needs the rewrite")
    args = parser.parse_args(argv)
    stale = rewrite_chapters(rewrite_notebook, args.check)
    if args.check and stale:
        print("still needs tools/glue_to_eval.py ({glue:md} in prose, or the setup line without glued): "
              + ", ".join(p.name for p in stale), file=sys.stderr)
        return 1
    for path in stale:
        print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
