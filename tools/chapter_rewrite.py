"""Rewrite the chapter notebooks mechanically, keeping their JSON layout: one helper for the tools that do.

tools/glue_to_eval.py, tools/lab_links.py and tools/colab_cell.py each rewrite chapters/*.ipynb (glued
numbers, roles as links, the install cell). They share what is not their own rule: read a notebook,
change its cells, write it back exactly as Jupyter would (1-space indent, Unicode kept, a trailing
newline) so that the diff is the rewrite alone, only when something changed, and, with ``--check``,
write nothing and report which notebooks would change.

Examples
--------
>>> cell = {"cell_type": "markdown", "source": ["a\\n", "b"]}
>>> set_source(cell, "A\\nb"); cell["source"]
['A\\n', 'b']
>>> dumps({"cells": []})
'{\\n "cells": []\\n}\\n'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"


def dumps(notebook: dict) -> str:
    """The notebook as Jupyter writes it (1-space indent, UTF-8 kept, trailing newline)."""
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def source(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a string or a list of lines)."""
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def set_source(cell: dict, new: str) -> None:
    """Give ``cell`` the source ``new``, kept a string or a list of lines as it was (a smaller diff)."""
    if new != source(cell):
        cell["source"] = new if isinstance(cell["source"], str) else new.splitlines(keepends=True)


def chapter_notebooks(chapters: Path = CHAPTERS) -> list[Path]:
    """Every chapter notebook (chapters/*.ipynb), sorted."""
    return sorted(Path(chapters).glob("*.ipynb"))


def rewrite_file(path: Path, rewrite: Callable[[dict], dict | None], write: bool = True) -> bool:
    """Apply ``rewrite`` to the notebook at ``path``; True if that changes the file (written only if ``write``).

    ``rewrite`` may change the notebook in place (and return None) or return a new one.
    """
    path = Path(path)
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    out = dumps(rewrite(nb) or nb)
    if out == raw:
        return False
    if write:
        path.write_text(out, encoding="utf-8")
    return True


def rewrite_chapters(rewrite: Callable[[Path], bool], check: bool, paths: Iterable[Path] | None = None,
                     ) -> list[Path]:
    """Run ``rewrite(path, write=not check)`` over the chapter notebooks (or ``paths``); returns those that
    changed (with ``check``: that would change)."""
    return [path for path in (paths or chapter_notebooks()) if rewrite(path, write=not check)]
