"""Launching a chapter: the launch buttons on the website and the Colab install cell.

- Every chapter page of the built site (one per chapters/*.ipynb) links to Binder, Colab and the
  configured JupyterHub (through nbgitpuller), each pointing at this chapter's notebook in the
  repository of ``repository.url``, the one place that URL lives.
- Every chapter notebook starts (first code cell) with exactly the cell tools/colab_cell.py writes,
  hidden behind a toggle on the website; it pip-installs ``git+<repository.url>`` only when ipsplib
  cannot be imported.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("colab_cell", ROOT / "tools" / "colab_cell.py")
colab_cell = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(colab_cell)

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPO_URL = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"].get("branch", "main")
LAUNCH = CONFIG["launch_buttons"]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def _owner_repo() -> tuple[str, str]:
    parts = urlsplit(REPO_URL)
    owner, repo = parts.path.strip("/").split("/")
    assert parts.netloc == "github.com", f"Binder's /v2/gh/ and Colab's /github/ links need GitHub, got {REPO_URL}"
    return owner, repo


def _links(page: Path) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<a\s[^>]*href="([^"]+)"', page.read_text(encoding="utf-8"))]


def test_configuration_names_three_launchers_and_one_repository():
    for key in ("binderhub_url", "colab_url", "jupyterhub_url"):
        assert str(LAUNCH.get(key, "")).startswith("https://"), f"_config.yml launch_buttons.{key} must be set"
    assert LAUNCH.get("notebook_interface") == "jupyterlab"
    assert colab_cell.repository_url() == REPO_URL  # the tool reads the same value as Jupyter Book


def test_repository_url_lives_in_one_place():
    """Only _config.yml spells the URL out; chapter notebooks get it from tools/colab_cell.py."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    owner, repo = _owner_repo()
    pattern = re.compile(re.escape(f"{owner}/{repo}"), re.IGNORECASE)
    spelled = []
    for name in filter(None, tracked.decode().split("\0")):
        path = ROOT / name
        if name in ("_config.yml", "CITATION.cff") or name.startswith("chapters/") and name.endswith(".ipynb") \
                or not path.is_file():
            continue  # CITATION.cff's copy is checked against _config.yml below
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if pattern.search(text):
            spelled.append(name)
    assert not spelled, (f"{spelled} spell out the repository {owner}/{repo}: read it from _config.yml "
                         "repository.url instead (as tools/colab_cell.py does)")


def test_citation_names_the_repository_and_the_package_version():
    """CITATION.cff (read by GitHub, Zenodo) cannot read _config.yml: its copy of the URL must equal it."""
    import tomllib

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["repository-code"] == REPO_URL
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert str(citation["version"]) == version


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_chapter_page_has_the_three_launch_links(site_dir, notebook):
    page = site_dir / "chapters" / f"{notebook.stem}.html"
    assert page.is_file(), f"{page} is missing: is {notebook.name} in _toc.yml?"
    rel = notebook.relative_to(ROOT).as_posix()
    owner, repo = _owner_repo()
    links = _links(page)
    found = {}
    for link in links:
        parts = urlsplit(link)
        query = parse_qs(parts.query)
        base = f"{parts.scheme}://{parts.netloc}"
        if base == LAUNCH["binderhub_url"].rstrip("/") and parts.path == f"/v2/gh/{owner}/{repo}/{BRANCH}":
            found["Binder"] = query.get("urlpath") == [f"lab/tree/{rel}"]
        elif link.startswith(LAUNCH["colab_url"].rstrip("/") + "/"):
            found["Colab"] = parts.path == f"/github/{owner}/{repo}/blob/{BRANCH}/{rel}"
        elif link.startswith(LAUNCH["jupyterhub_url"].rstrip("/") + "/"):
            # nbgitpuller clones the repository into a folder named after it, then opens the notebook
            found["JupyterHub"] = (parts.path.endswith("/hub/user-redirect/git-pull")
                                   and query.get("repo") == [REPO_URL] and query.get("branch") == [BRANCH]
                                   and query.get("urlpath") == [f"lab/tree/{repo}/{rel}"])
    missing = [name for name in ("Binder", "Colab", "JupyterHub") if name not in found]
    assert not missing, f"{page.name} has no {missing} launch link; its external links: " + \
        str([u for u in links if u.startswith("https://")])
    wrong = [name for name, ok in found.items() if not ok]
    assert not wrong, f"{page.name}: the {wrong} launch link does not open {rel} of {REPO_URL}@{BRANCH}"


# -- the Colab install cell -----------------------------------------------------------------------------
def _code_cells(notebook: dict) -> list[dict]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_chapter_notebook_starts_with_the_install_cell(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = _code_cells(nb)
    expected = colab_cell.make_cell()
    assert code, f"{notebook.name} has no code cell"
    first = code[0]
    hint = f"run `python tools/colab_cell.py` to fix {notebook.name}"
    assert "".join(first["source"]) == colab_cell.cell_source(), f"first code cell is not the install cell: {hint}"
    assert "hide-input" in first["metadata"].get("tags", []), f"the install cell must be hidden: {hint}"
    assert not first.get("outputs"), f"the install cell is committed with outputs: {hint}"
    assert sum("".join(c["source"]) == "".join(expected["source"]) for c in code) == 1, f"two install cells: {hint}"
    assert f"git+{REPO_URL}" in "".join(first["source"])


def _run_install_cell(monkeypatch, ipsplib_importable: bool) -> list[tuple[str, str]]:
    """Run the cell's code as IPython would (magics transformed); return the magics it called."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls = []

    class Shell:
        def run_line_magic(self, name, line, _stack_depth=1):
            calls.append((name, line))

    code = TransformerManager().transform_cell(colab_cell.cell_source())
    if not ipsplib_importable:
        monkeypatch.setitem(sys.modules, "ipsplib", None)  # find_spec then reports it missing
    exec(compile(code, "<install cell>", "exec"), {"get_ipython": Shell})  # noqa: S102 - our own cell
    return calls


def test_install_cell_does_nothing_when_ipsplib_imports(monkeypatch):
    assert importlib.util.find_spec("ipsplib") is not None
    assert _run_install_cell(monkeypatch, ipsplib_importable=True) == []


def test_install_cell_pip_installs_the_repository_when_ipsplib_is_missing(monkeypatch):
    assert _run_install_cell(monkeypatch, ipsplib_importable=False) == [("pip", f"install --quiet git+{REPO_URL}")]


def test_install_cell_is_hidden_behind_a_toggle_on_the_website(site_dir):
    for notebook in NOTEBOOKS:
        text = (site_dir / "chapters" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        cells = re.split(r'(?=<div class="cell[ "])', text)
        install = [c for c in cells if "find_spec" in c and "git+" in c]
        assert len(install) == 1, f"{notebook.stem}.html: {len(install)} install cells on the page"
        assert install[0].startswith('<div class="cell tag_hide-input'), \
            f"{notebook.stem}.html: the install cell is not behind a 'Show code cell source' toggle"
        assert "<details" in install[0][:400]


def test_tool_is_idempotent_and_updates_a_stale_cell():
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    once = colab_cell.apply(nb)
    assert colab_cell.dumps(colab_cell.apply(once)) == colab_cell.dumps(once)
    # a cell written for another URL is replaced in place, not duplicated
    old = colab_cell.apply(nb, url="https://github.com/someone/old-name")
    updated = colab_cell.apply(old)
    assert colab_cell.dumps(updated) == colab_cell.dumps(once)
    # a notebook without it gets it before its first code cell, after the title
    bare = {**nb, "cells": [c for c in nb["cells"] if c.get("id") != colab_cell.CELL_ID]}
    fixed = colab_cell.apply(bare)
    assert fixed["cells"][0] == bare["cells"][0] and fixed["cells"][1]["id"] == colab_cell.CELL_ID
    assert len(fixed["cells"]) == len(bare["cells"]) + 1
