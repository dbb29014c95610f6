"""Rewrite the chapters' glued numbers from ``{glue:md}`NAME``` to ``{eval}`glued.NAME``` (issue 15).

Why: JupyterLab's MyST renderer (jupyterlab-myst, installed by binder/requirements.txt) does not know
myst-nb's ``{glue:md}`` role and shows it raw, but it evaluates ``{eval}`expression``` in the kernel
when the markdown cell runs. The website reads the same role through _ext/glued_eval.py, which pastes
the glued value NAME exactly as ``{glue:md}`NAME``` did. One source, the same number in both readings.

What it changes in every chapters/*.ipynb, mechanically:

- in markdown cells, each ``{glue:md}`NAME``` becomes ``{eval}`glued.NAME``` (figure captions in code-cell
  metadata keep ``{glue:md}``: only the website renders captions);
- the chapter's ``glue(name, value, spec)`` helper (a hidden cell) also records the text it glues as
  ``glued.NAME``, on a ``glued = SimpleNamespace()`` defined beside it.

Idempotent: a second run changes nothing. The notebooks keep their JSON layout (indent 1, unescaped
Unicode, cell ids), so the diff is the rewrite alone. Usage: ``python tools/glue_to_eval.py [--check]``
(``--check`` exits 1 if a chapter still needs the rewrite, writing nothing).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLUE_MD = re.compile(r"\{glue:md\}`([A-Za-z_]\w*)`")
IMPORT_LINE = "from myst_nb import glue as myst_glue\n"
GLUE_CALL = "    myst_glue(name, Markdown(value), display=False)\n"
NAMESPACE = ("from types import SimpleNamespace\n",
             "# what glue() glued, by name: the prose reads {eval}`glued.NAME` (JupyterLab evaluates it in the\n"
             "# kernel; the website pastes the glued value NAME, _ext/glued_eval.py)\n"
             "glued = SimpleNamespace()\n")
RECORD = "    setattr(glued, name, value)\n"


def rewrite_markdown(source: str) -> str:
    """``{glue:md}`NAME``` -> ``{eval}`glued.NAME```.

    Examples
    --------
    >>> rewrite_markdown("resting at {glue:md}`rest_mV` mV")
    'resting at {eval}`glued.rest_mV` mV'
    """
    return GLUE_MD.sub(r"{eval}`glued.\1`", source)


def rewrite_helper(source: str) -> str:
    """The glue helper cell, also recording each glued text as ``glued.NAME`` (unchanged if it does)."""
    if "glued = SimpleNamespace()" in source or GLUE_CALL not in source:
        return source
    if source.count(GLUE_CALL) != 1 or source.count(IMPORT_LINE) != 1:
        raise ValueError("the glue helper cell must import myst_glue once and call it once")
    # the import in the standard-library block (isort order): after "import re" or as a block of its own
    if source.startswith("import re\n"):
        source = source.replace("import re\n", "import re\n" + NAMESPACE[0], 1)
    else:
        source = NAMESPACE[0] + "\n" + source
    # the namespace right before the helper's definition
    source = source.replace("\n\n\ndef glue(", "\n\n" + "".join(NAMESPACE[1:]) + "\n\ndef glue(", 1)
    source = source.replace("# Prose pastes these with {glue:md}:", "# Prose reads these as {eval}`glued.NAME`:")
    return source.replace(GLUE_CALL, GLUE_CALL + RECORD)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def rewrite_notebook(path: Path) -> bool:
    """Rewrite one notebook in place; True if it changed."""
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    helpers = 0
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            new = rewrite_markdown(source)
        elif cell["cell_type"] == "code" and "def glue(" in source:
            new = rewrite_helper(source)
            helpers += 1
        else:
            continue
        if new != source:  # a cell's source stays a string or a list of lines, as it was
            cell["source"] = new if isinstance(cell["source"], str) else _lines(new)
    uses = any("{eval}`glued." in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if uses and helpers != 1:
        raise ValueError(f"{path.name}: prose reads glued values but {helpers} cells define glue()")
    out = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if out == raw:
        return False
    path.write_text(out, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a chapter needs the rewrite")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        if args.check:
            raw = path.read_text(encoding="utf-8")
            nb = json.loads(raw)
            if any(GLUE_MD.search("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"):
                stale.append(path.name)
        elif rewrite_notebook(path):
            print(f"rewrote {path.relative_to(ROOT)}")
    if stale:
        print("still {glue:md} in prose: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
