"""The Colab editions (colab/*.ipynb, tools/reader_edition.py): prose without MyST, fresh, runnable.

- Every chapter has an edition, and it is what the chapter gives today: the edition records the chapter's
  SHA-256 (cheap, no build needed), and regenerated from the book build's executed notebooks
  (``_build/jupyter_execute``, written by ``make book``) it is byte for byte the committed one, so a
  changed number in ipsplib also shows. Fix either with ``make editions``.
- No markdown cell shows MyST syntax (tests/raw_myst.py); cross-references carry the website's numbers
  and anchors, citations the website's author-year text.
- The code is the chapter's, in order, the install cell first; every edition runs top to bottom in the
  Binder environment (tests/binder_env.py), as a student's Colab session runs it.
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import test_binder_env
from binder_env import ROOT
from raw_myst import raw_myst_fragments
from test_binder_env import kernel_dir, python  # noqa: F401 - the Binder environment's fixtures


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


reader_edition = _load("reader_edition", ROOT / "tools" / "reader_edition.py")
colab_cell = _load("colab_cell", ROOT / "tools" / "colab_cell.py")
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
IDS = [p.stem for p in CHAPTERS]
FIX = "run `make editions` (after `make book`) and commit colab/"


def _edition(chapter: Path) -> dict:
    path = reader_edition.EDITIONS / chapter.name
    assert path.is_file(), f"{chapter.name} has no Colab edition {path.relative_to(ROOT)}: {FIX}"
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _code(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _without_form_title(source: str) -> str:
    return re.sub(r"\A# @title [^\n]*\n", "", source)


@pytest.fixture(scope="module")
def book():
    return reader_edition.Book.load()


def test_every_chapter_and_only_chapters_have_an_edition():
    editions = sorted(p.name for p in reader_edition.EDITIONS.glob("*.ipynb"))
    assert editions == [p.name for p in CHAPTERS], f"colab/ does not match chapters/: {FIX}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_edition_was_made_from_the_current_chapter(chapter):
    recorded = _edition(chapter)["metadata"][reader_edition.EDITION_KEY]
    assert recorded["source"] == f"chapters/{chapter.name}"
    assert recorded["source_sha256"] == reader_edition.source_digest(chapter), \
        f"chapters/{chapter.name} changed after its Colab edition was made: {FIX}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_edition_is_what_the_book_build_gives(chapter, book):
    glue = reader_edition.built_glue(chapter)
    if glue is None:
        pytest.fail(f"_build/jupyter_execute has no executed copy of this version of {chapter.name}: "
                    "build the book first with `make book` (`make test` does)")
    expected = reader_edition.dumps(reader_edition.make_edition(chapter, glue, book))
    committed = (reader_edition.EDITIONS / chapter.name).read_text(encoding="utf-8")
    assert committed == expected, f"colab/{chapter.name} differs from what the chapter and its glued values give: {FIX}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_edition_shows_no_myst(chapter):
    nb = _edition(chapter)
    fragments = [f for text in _markdown(nb) for f in raw_myst_fragments(text)]
    assert not fragments, f"colab/{chapter.name} shows MyST raw: {fragments[:10]}"
    assert not any("{glue" in text or "{term}" in text for text in _markdown(nb))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_edition_runs_the_chapters_code_with_the_install_cell_first(chapter):
    nb, source = _edition(chapter), json.loads(chapter.read_text(encoding="utf-8"))
    code = _code(nb)
    assert code[0]["metadata"].get(colab_cell.MARKER) is True, "the first code cell is not the install cell"
    assert _without_form_title("".join(code[0]["source"])) == colab_cell.cell_source()
    assert [_without_form_title("".join(c["source"])) for c in code] == \
        ["".join(c["source"]) for c in _code(source)], f"colab/{chapter.name}: code differs from the chapter's"


def _site_text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_links_and_citations_read_as_on_the_website(chapter, site_dir, book):
    """Every link into the site names an anchor that exists there; numbered references ("Fig. 5.2",
    "(3.1)", "Exercise 2.4") carry the number the website prints at that anchor; citations and exercise
    headings are the website's words."""
    nb = _edition(chapter)
    text = "\n".join(_markdown(nb))
    problems = []
    for shown, url in re.findall(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", text):
        if not url.startswith(book.site):
            continue
        path, _, anchor = url[len(book.site):].partition("#")
        page = site_dir / path
        if not page.is_file():
            problems.append(f"{url}: no page {path}")
            continue
        if not anchor:
            continue
        raw = page.read_text(encoding="utf-8")
        at = raw.find(f'id="{anchor}"')
        if at < 0:
            problems.append(f"{url}: no id {anchor!r} on {path}")
            continue
        number = re.match(r"^(?:Fig\. |Exercise |\()([\d.]+)\)?$", shown)
        if number and number.group(1) not in _site_text_window(raw, at):
            problems.append(f"{shown!r} -> {anchor}: the website numbers it otherwise")
    site = _site_text(site_dir / f"chapters/{chapter.stem}.html")
    site_flat = " ".join(site.split())
    for cited in re.findall(r"\[([^\[\]]+, \d{4}[a-z]?)\]\(", text):
        if cited not in site_flat:
            problems.append(f"citation {cited!r} is not on the website's page")
    for heading in re.findall(r"\*\*(Exercise [\d.]+)\*\*(?: \(([^)]*)\))?", text):
        if heading[0] not in site_flat:
            problems.append(f"{heading[0]} is not on the website's page")
    assert not problems, f"colab/{chapter.name}:\n  " + "\n  ".join(problems)


def _site_text_window(raw: str, at: int) -> str:
    """The text near an element id: where Sphinx prints its number (caption, equation number, title)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", raw[max(0, at - 400):at + 1500]))


# --- the renderer on markup the chapters may grow -------------------------------------------------------
def _chapter_state(book) -> object:
    return reader_edition.Chapter("chapters/03-ipsps", book, {"x_mV": {"data": {"text/markdown": "−70"}}})


def test_renderer_folds_dropdowns_and_solutions_and_fails_loudly_on_unknown_markup(book):
    chapter = _chapter_state(book)
    text = ("```{admonition} Answer\n:class: dropdown\n\nAt {glue:md}`x_mV` mV.\n```\n\n"
            "```{exercise} Try\n:label: t-ex\n\nDo it.\n```\n\n```{solution} t-ex\n:class: dropdown\n\nDone.\n```")
    out = reader_edition.render_blocks(text, chapter)
    assert "<details>\n<summary><b>Answer</b></summary>\n\nAt −70 mV.\n\n</details>" in out
    assert re.search(r"> \*\*Exercise 4\.1\*\* \(Try\)", out)
    assert "<summary><b>Solution to Exercise 4.1 (Try)</b></summary>" in out
    assert raw_myst_fragments(out) == []
    assert reader_edition.render_blocks("Rest: {eval}`glued.x_mV` mV.", chapter) == "Rest: −70 mV."
    section = ("chapters/03-ipsps", "section", "The {term}`IPSP` part")
    chapter.book = dataclasses.replace(book, labels={"sec-x": section})
    assert reader_edition.render_blocks("See {ref}`sec-x`.", chapter) == (
        f"See [The IPSP part]({book.site}chapters/03-ipsps.html#sec-x).")
    with pytest.raises(ValueError, match=r"glued\.NAME"):
        reader_edition.render_blocks("{eval}`x_mV + 1`", chapter)
    with pytest.raises(ValueError, match=r"\{kbd\}"):
        reader_edition.render_blocks("Press {kbd}`Ctrl`.", chapter)
    with pytest.raises(ValueError, match="nothing glued"):
        reader_edition.render_blocks("{glue:md}`missing`", chapter)


def test_unknown_cells_and_html_outputs_pass_through(tmp_path, book):
    """A self-check question cell (HTML/JavaScript output) and a raw cell survive unchanged."""
    install = colab_cell.make_cell()
    quiz_output = {"output_type": "display_data", "metadata": {},
                   "data": {"text/html": "<div class='quiz'>?</div>", "text/plain": "<quiz>"}}
    quiz = {"cell_type": "code", "execution_count": None, "id": "quiz", "metadata": {"tags": ["remove-input"]},
            "outputs": [quiz_output], "source": ["display_quiz('q.json')"]}
    raw = {"cell_type": "raw", "id": "raw", "metadata": {"format": "text/html"}, "source": ["<b>raw</b>"]}
    nb = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# Title"]}, install, quiz, raw],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "03-ipsps.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    edition = reader_edition.make_edition(path, {}, book)
    cells = {c.get("id"): c for c in edition["cells"]}
    assert cells["quiz"]["outputs"] == [quiz_output]
    assert cells["raw"] == raw
    assert _code(edition)[0]["metadata"][colab_cell.MARKER] is True


# --- every edition runs where a student runs it ---------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_edition_runs_in_the_binder_environment(python, kernel_dir, chapter):  # noqa: F811 - fixtures
    """Exactly as tests/test_binder_env.py runs a chapter, in the edition's own folder (Colab has no chapters/)."""
    run_like_a_chapter = test_binder_env.test_chapter_runs_in_the_binder_environment
    run_like_a_chapter(python, kernel_dir, reader_edition.EDITIONS / chapter.name)
