"""Insert or update the Colab install cell at the top of every chapter notebook (idempotent).

Colab starts from a bare Python with no ipsplib. The first code cell of each chapter
installs it from the book's repository when it cannot be imported, and does nothing
anywhere else (the website build, Binder, a JupyterHub, ``make lab``): there ipsplib is
already installed. On the website the cell sits behind a toggle (tag ``hide-input``).

The repository URL comes from ``repository.url`` in _config.yml, the one place it lives.
Run after adding a chapter or changing that URL::

    python tools/colab_cell.py           # rewrite chapters/*.ipynb where needed
    python tools/colab_cell.py --check   # exit 1 if a notebook lacks the current cell

tests/test_launch.py checks that every chapter notebook starts with exactly this cell.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chapter_rewrite import dumps, rewrite_chapters, rewrite_file  # noqa: E402, F401 - dumps: part of this tool's API

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
#: The cell's id and its metadata marker: how the tool finds the cell again to update it.
CELL_ID = "colab-install"
MARKER = "ipsp_colab_install"
FIRST_LINE = "# On Colab: install ipsplib, the book's package, if it is missing (elsewhere this does nothing)."


def repository_url(config: Path = CONFIG) -> str:
    """``repository.url`` from _config.yml (a plain scan: the tool needs no YAML library).

    Examples
    --------
    >>> repository_url().startswith("https://")
    True
    """
    in_repository = False
    for line in config.read_text(encoding="utf-8").splitlines():
        if re.match(r"^repository:\s*(#.*)?$", line):
            in_repository = True
            continue
        if in_repository:
            if line and not line[0].isspace() and not line.startswith("#"):
                break  # the next top-level key
            match = re.match(r"^\s+url:\s*(\S+)", line)
            if match:
                url = match.group(1).strip("'\"").rstrip("/")
                if not re.match(r"^https://[\w.-]+/[\w.-]+/[\w.-]+$", url):
                    raise ValueError(f"repository.url in {config.name} must be https://host/owner/name, got {url!r}")
                return url
    raise ValueError(f"{config} has no repository.url")


def cell_source(url: str | None = None) -> str:
    """The install cell's code for the repository at ``url`` (default: _config.yml's).

    Examples
    --------
    >>> print(cell_source("https://github.com/o/r"))  # doctest: +NORMALIZE_WHITESPACE
    # On Colab: install ipsplib, the book's package, if it is missing (elsewhere this does nothing).
    import importlib.util
    <BLANKLINE>
    if importlib.util.find_spec("ipsplib") is None:
        %pip install --quiet git+https://github.com/o/r
    """
    url = repository_url() if url is None else url
    return (f"{FIRST_LINE}\n"
            "import importlib.util\n"
            "\n"
            'if importlib.util.find_spec("ipsplib") is None:\n'
            f"    %pip install --quiet git+{url}")


def make_cell(url: str | None = None) -> dict:
    """The whole notebook cell (nbformat 4.5): hidden input, no outputs, a marker to find it again."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": CELL_ID,
        "metadata": {MARKER: True, "tags": ["hide-input"]},
        "outputs": [],
        "source": cell_source(url).splitlines(keepends=True),
    }


def _is_install_cell(cell: dict) -> bool:
    source = "".join(cell.get("source", ""))
    return cell.get("cell_type") == "code" and (
        cell.get("metadata", {}).get(MARKER) is True or cell.get("id") == CELL_ID
        or source.startswith(FIRST_LINE))


def apply(notebook: dict, url: str | None = None) -> dict:
    """``notebook`` with the install cell as its first code cell (old copies of it removed).

    The cell goes right after the title cell (or earlier, before the first other code cell), so it
    runs before any code that imports ipsplib and its toggle stays out of the chapter's prose.
    """
    cell = make_cell(url)
    cells = [c for c in notebook["cells"] if not _is_install_cell(c)]
    first_code = next((k for k, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    at = min(first_code, 1)
    return {**notebook, "cells": cells[:at] + [cell] + cells[at:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if any notebook would change")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters/*.ipynb")
    args = parser.parse_args(argv)
    url = repository_url()
    stale = rewrite_chapters(lambda path, write: rewrite_file(path, lambda nb: apply(nb, url), write), args.check,
                             args.notebooks)
    verb = "lack the current install cell" if args.check else "updated"
    print(f"colab_cell: {len(stale)} notebook(s) {verb}" + "".join(f"\n  {p.relative_to(ROOT)}" for p in stale))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
