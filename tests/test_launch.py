"""Launching a chapter: the launch buttons on the website and the Colab install cell.

- Every chapter page of the built site (one per chapters/*.ipynb) links to Binder (the chapter notebook)
  and Colab (its reader's edition, colab/NN-name.ipynb, see tools/reader_edition.py), each in the
  repository of ``repository.url``, the one place that URL lives; and to a JupyterHub through nbgitpuller
  only when ``launch_buttons.jupyterhub_url`` names a real hub (the public build sets none: no dead button).
  A tiny Sphinx project, built with and without a hub, checks _ext/launch_links.py both ways.
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

sys.path.insert(0, str(ROOT / "_ext"))
import launch_links  # noqa: E402

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


def test_configuration_names_the_launchers_and_one_repository():
    for key in ("binderhub_url", "colab_url"):
        assert str(LAUNCH.get(key, "")).startswith("https://"), f"_config.yml launch_buttons.{key} must be set"
    # a hub only if it is a real one: the placeholder this book once shipped is refused
    assert launch_links.hub_url_problem(str(LAUNCH.get("jupyterhub_url") or "")) is None
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
        generated_from_chapters = name.startswith(("chapters/", "colab/")) and name.endswith(".ipynb")
        if name in ("_config.yml", "CITATION.cff") or generated_from_chapters or not path.is_file():
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


def _launch_links(links: list[str], rel: str, launch: dict, repo_url: str, branch: str) -> dict[str, bool]:
    """Which launchers ``links`` reach, each mapped to whether its link opens the right notebook."""
    owner, repo = urlsplit(repo_url).path.strip("/").split("/")
    edition = f"{launch_links.EDITIONS_DIR}/{Path(rel).name}"
    found = {}
    for link in links:
        parts = urlsplit(link)
        query = parse_qs(parts.query)
        base = f"{parts.scheme}://{parts.netloc}"
        if base == launch["binderhub_url"].rstrip("/") and parts.path == f"/v2/gh/{owner}/{repo}/{branch}":
            found["Binder"] = query.get("urlpath") == [f"lab/tree/{rel}"]
        elif link.startswith(launch["colab_url"].rstrip("/") + "/"):
            found["Colab"] = parts.path == f"/github/{owner}/{repo}/blob/{branch}/{edition}"
        elif parts.path.endswith("/hub/user-redirect/git-pull"):
            # nbgitpuller clones the repository into a folder named after it, then opens the notebook
            found["JupyterHub"] = (bool(launch.get("jupyterhub_url"))
                                   and link.startswith(launch["jupyterhub_url"].rstrip("/") + "/")
                                   and query.get("repo") == [repo_url] and query.get("branch") == [branch]
                                   and query.get("urlpath") == [f"lab/tree/{repo}/{rel}"])
    return found


def _check_launch_links(page: Path, rel: str, launch: dict, repo_url: str, branch: str) -> None:
    links = _links(page)
    found = _launch_links(links, rel, launch, repo_url, branch)
    expected = ["Binder", "Colab"] + (["JupyterHub"] if launch.get("jupyterhub_url") else [])
    missing = [name for name in expected if name not in found]
    assert not missing, f"{page.name} has no {missing} launch link; its external links: " + \
        str([u for u in links if u.startswith("https://")])
    extra = sorted(set(found) - set(expected))
    assert not extra, f"{page.name} has a {extra} launch link, but no hub is configured (a dead button)"
    wrong = [name for name, ok in found.items() if not ok]
    assert not wrong, (f"{page.name}: the {wrong} launch link does not open {rel} (Colab: its edition) "
                       f"of {repo_url}@{branch}")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_chapter_page_has_the_launch_links(site_dir, notebook):
    page = site_dir / "chapters" / f"{notebook.stem}.html"
    assert page.is_file(), f"{page} is missing: is {notebook.name} in _toc.yml?"
    _check_launch_links(page, notebook.relative_to(ROOT).as_posix(), LAUNCH, REPO_URL, BRANCH)
    if not LAUNCH.get("jupyterhub_url"):
        assert "JupyterHub" not in page.read_text(encoding="utf-8"), f"{page.name} shows a JupyterHub button"


# -- _ext/launch_links.py in a tiny Sphinx project, with and without a hub ---------------------------------
TINY_REPO = "https://github.com/some-owner/some-book"


def _tiny_build(tmp_path: Path, launch: dict, with_edition: bool = True) -> tuple[subprocess.CompletedProcess, Path]:
    src = tmp_path / "src"
    (src / "chapters").mkdir(parents=True)
    nb = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# A chapter"]}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (src / "chapters" / "01-x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    if with_edition:
        (src / launch_links.EDITIONS_DIR).mkdir()
        (src / launch_links.EDITIONS_DIR / "01-x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (src / "index.md").write_text("# Book\n\n```{toctree}\nchapters/01-x\n```\n", encoding="utf-8")
    options = {"repository_url": TINY_REPO, "repository_branch": "main", "launch_buttons": launch}
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'launch_links']\nhtml_theme = 'sphinx_book_theme'\n"
        f"html_theme_options = {options!r}\nnb_execution_mode = 'off'\n"
        "exclude_patterns = ['colab/**', '_build']\n", encoding="utf-8")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", str(src), str(out)],
                         capture_output=True, text=True, timeout=300)
    return run, out / "chapters" / "01-x.html"


TINY_LAUNCH = {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com",
               "notebook_interface": "jupyterlab"}


@pytest.mark.slow
def test_tiny_build_without_a_hub_has_no_hub_button(tmp_path):
    run, page = _tiny_build(tmp_path, TINY_LAUNCH)
    assert run.returncode == 0, run.stderr
    _check_launch_links(page, "chapters/01-x.ipynb", TINY_LAUNCH, TINY_REPO, "main")
    assert "git-pull" not in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_tiny_build_with_a_hub_links_it_through_nbgitpuller(tmp_path):
    launch = {**TINY_LAUNCH, "jupyterhub_url": "https://hub.some-university.edu"}
    run, page = _tiny_build(tmp_path, launch)
    assert run.returncode == 0, run.stderr
    _check_launch_links(page, "chapters/01-x.ipynb", launch, TINY_REPO, "main")
    hub = [u for u in _links(page) if "git-pull" in u]
    assert hub == ["https://hub.some-university.edu/hub/user-redirect/git-pull?repo=https%3A//github.com/some-owner/"
                   "some-book&urlpath=lab/tree/some-book/chapters/01-x.ipynb&branch=main"]


@pytest.mark.slow
def test_tiny_build_refuses_a_placeholder_hub_and_a_missing_edition(tmp_path):
    run, page = _tiny_build(tmp_path, {**TINY_LAUNCH, "jupyterhub_url": "https://hub.example.org"},
                            with_edition=False)
    assert run.returncode != 0, "a placeholder hub and a chapter without a Colab edition built without warnings"
    assert "placeholder 'https://hub.example.org'" in run.stderr and "make editions" in run.stderr, run.stderr
    assert "git-pull" not in page.read_text(encoding="utf-8")  # the placeholder never reaches the page


@pytest.mark.parametrize(("url", "ok"), [
    ("", True), ("https://jupyter.university.edu", True), ("https://hub.example.org", False),
    ("https://example.com/hub", False), ("http://localhost:8000", False), ("https://hub.test", False),
    ("hub.university.edu", False)])
def test_hub_url_problem(url, ok):
    assert (launch_links.hub_url_problem(url) is None) == ok


def test_editions_folder_is_the_one_the_generator_writes():
    spec = importlib.util.spec_from_file_location("reader_edition_paths", ROOT / "tools" / "reader_edition.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.EDITIONS == ROOT / launch_links.EDITIONS_DIR


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
