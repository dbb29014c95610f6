"""The self-check questions as data (chapters/self-check/*.yml, ipsplib.selfcheck): every question valid,
every misconception it references present in the coursework catalogue, every physics number in agreement with
ipsplib, and the cells in the chapters that show them. The same questions in the browser:
tests/test_selfcheck_site.py."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml

from ipsplib import selfcheck
from ipsplib.selfcheck import data, render

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("0[1-8]-*.ipynb"))
QUESTIONS = [(ch, q) for ch in CHAPTERS for q in data.load(ch)]
IDS = [f"{ch}/{q.id}" for ch, q in QUESTIONS]
NUMBERS = [(ch, q) for ch, q in QUESTIONS if q.kind == "number"]
CHOICES = [(ch, q) for ch, q in QUESTIONS if q.kind == "choice"]


def _raw(chapter: str) -> dict:
    return yaml.safe_load((data.QUESTIONS_DIR / f"{chapter}.yml").read_text(encoding="utf-8"))


def test_every_chapter_has_a_question_file():
    assert data.chapters() == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_at_least_four_questions_of_both_kinds(chapter):
    qs = data.load(chapter)
    assert len(qs) >= 4, f"{chapter}: {len(qs)} questions, need at least 4"
    assert {q.kind for q in qs} == {"choice", "number"}, f"{chapter}: needs multiple choice and numbers"
    assert len({q.id for q in qs}) == len(qs), f"{chapter}: question ids must be unique"


def test_most_chapters_ask_to_predict_then_move_a_demo():
    from ipsplib import demos

    with_demo = {ch for ch, q in QUESTIONS if q.demo}
    assert len(with_demo) >= 6, with_demo
    for ch, q in QUESTIONS:
        if q.demo:
            assert q.demo in demos.ALL, f"{ch}/{q.id}: no demo {q.demo!r}"
            assert q.prompt.startswith("Predict first"), f"{ch}/{q.id}: a demo question asks for a prediction first"


DEMO_QUESTIONS = [(ch, q) for ch, q in QUESTIONS if q.demo]


@pytest.mark.parametrize(("chapter", "q"), DEMO_QUESTIONS, ids=[f"{c}/{q.id}" for c, q in DEMO_QUESTIONS])
def test_demo_question_moves_controls_that_are_live_on_the_website(chapter, q, monkeypatch):
    """Every control a question asks the reader to move has frames on the static site, at those values."""
    from ipsplib import demos

    monkeypatch.setenv("IPSP_BOOK_STATIC", "1")
    demo = demos.ALL[q.demo]()
    grids = demo.static_grids()
    assert q.moves, f"{chapter}/{q.id}: name the controls the reader moves (moves:)"
    for control, values in q.moves.items():
        assert control in grids, f"{chapter}/{q.id}: {control} is not live on the website (static: {list(grids)})"
        for v in values:
            assert any(v == g or (isinstance(g, float) and abs(g - float(v)) < 1e-9) for g in grids[control]), \
                f"{chapter}/{q.id}: {control} = {v} has no frame on the website (grid {grids[control]})"


@pytest.mark.parametrize(("chapter", "q"), CHOICES, ids=[f"{c}/{q.id}" for c, q in CHOICES])
def test_choice_has_one_right_answer_and_wrong_ones_with_feedback(chapter, q):
    right = [c for c in q.choices if c.feedback.verdict == "right"]
    assert len(right) == 1, f"{chapter}/{q.id}: exactly one choice must be correct"
    wrong = [c for c in q.choices if c.feedback.verdict != "right"]
    assert len(wrong) >= 2
    assert any(c.feedback.verdict == "misconception" for c in wrong), "at least one misconception message"
    assert len({c.id for c in q.choices}) == len(q.choices)
    for c in wrong:
        assert q.why not in c.feedback.text, f"{chapter}/{q.id}: a wrong choice must not reveal the why"


VERIFIED = [(ch, q) for ch, q in CHOICES if q.verify]


@pytest.mark.parametrize(("chapter", "q"), VERIFIED, ids=[f"{c}/{q.id}" for c, q in VERIFIED])
def test_choice_predictions_agree_with_ipsplib(chapter, q):
    """Where a prediction can be computed (``verify``), ipsplib picks the choice the file marks correct."""
    assert q.verified_choice() == q.correct_choice.id


@pytest.mark.parametrize(("chapter", "q"), NUMBERS, ids=[f"{c}/{q.id}" for c, q in NUMBERS])
def test_number_answer_is_distinct_from_every_misconception(chapter, q):
    assert q.tolerance > 0 and q.unit
    assert q.misconceptions, f"{chapter}/{q.id}: a number question lists its known wrong answers"
    values = [q.answer] + [m.value for m in q.misconceptions]
    for i, a in enumerate(values):
        for b in values[i + 1:]:
            assert abs(a - b) > 2 * q.tolerance, f"{chapter}/{q.id}: answers {a} and {b} overlap within ±{q.tolerance}"
    assert q.check_number(q.answer).verdict == "right"
    for m in q.misconceptions:
        assert q.check_number(m.value) == m.feedback
    assert q.check_number(far_off(q)).verdict == "hint"


def far_off(q) -> float:
    """A number far from the answer and from every listed misconception (the tests' 'other wrong answer')."""
    x = q.answer + 37.0 * q.tolerance + 100.0 * max(1.0, abs(q.answer))
    assert all(abs(x - m.value) > 10 * q.tolerance for m in q.misconceptions)
    return x


CHECKED = [(ch, q) for ch, q in NUMBERS if q.check]


@pytest.mark.parametrize(("chapter", "q"), CHECKED, ids=[f"{c}/{q.id}" for c, q in CHECKED])
def test_number_checks_hold(chapter, q):
    """An optional ``check`` expression (e.g. the answer put back into ip.steady_state) holds."""
    assert eval(q.check, {**data._namespace(q.check), "answer": q.answer})  # noqa: S307


def _catalogue_refs():
    for ch in CHAPTERS:
        for raw in _raw(ch)["questions"]:
            for item in (raw.get("choices") or []) + (raw.get("misconceptions") or []):
                if "catalogue" in item:
                    yield ch, raw, item


REFS = list(_catalogue_refs())


@pytest.mark.parametrize(("chapter", "raw", "item"), REFS,
                         ids=[f"{c}/{r['id']}/{i['catalogue']}" for c, r, i in REFS])
def test_catalogue_reference_exists_and_agrees_with_ipsplib(chapter, raw, item):
    """Each referenced misconception is in coursework/<set>/misconceptions.yml; for a number, the question's
    computed wrong value is the catalogue's wrong answer (so both describe the same mistake)."""
    message, wrong = data.catalogue_entry(item["catalogue"])
    assert message
    if raw["kind"] == "number":
        value = data.evaluate(item["value"], item["catalogue"])
        assert isinstance(wrong, float), f"{item['catalogue']}: a number question needs a numeric wrong answer"
        assert abs(value - wrong) <= raw["tolerance"], f"{item['catalogue']}: ipsplib gives {value}, catalogue {wrong}"


def test_catalogue_is_referenced_not_copied():
    """One source: no catalogue message is typed again in the question files."""
    messages = [m for path in (ROOT / "coursework").glob("*/misconceptions.yml")
                for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"] for m in q["misconceptions"]]
    text = "\n".join(p.read_text(encoding="utf-8") for p in data.QUESTIONS_DIR.glob("*.yml"))
    copied = [m["message"] for m in messages if m["message"][:60] in text]
    assert not copied, copied
    assert len(REFS) >= 20


def test_bad_catalogue_key_and_bad_file_are_reported():
    with pytest.raises(data.QuestionError, match="wrong_answer '12345'"):
        data.catalogue_entry("01-ions/q1/12345")
    with pytest.raises(data.QuestionError, match="<set>/<question>/<wrong_answer>"):
        data.catalogue_entry("01-ions")
    with pytest.raises(ValueError, match="chapter must name a file"):
        data.load("99-nothing")
    with pytest.raises(data.QuestionError, match="missing answer, tolerance, unit"):
        data._question("x", {"id": "a", "kind": "number", "title": "t", "prompt": "p", "section": "s", "why": "w"})
    with pytest.raises(data.QuestionError, match="uses \\['nope'\\]"):
        data._question("x", {"id": "a", "kind": "choice", "title": "t", "prompt": "{nope}", "section": "s", "why": "w"})


def _headings(chapter: str) -> list[str]:
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    return [line.lstrip("#").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize(("chapter", "q"), QUESTIONS, ids=IDS)
def test_hint_points_to_a_section_of_the_chapter(chapter, q):
    assert q.section in _headings(chapter), f"{chapter}/{q.id}: no heading {q.section!r} in the chapter"
    assert f"“{q.section}”" in q.hint, "the page script turns the quoted section name into a link"


TYPESET_FIELDS = ("prompt", "why", "hint", "title")


@pytest.mark.parametrize(("chapter", "q"), QUESTIONS, ids=IDS)
def test_question_text_is_typeset(chapter, q):
    """A true minus sign before numbers and no literal underscores or TeX in what readers see (the catalogue's
    messages, which may name ipsplib functions, are checked by tests/test_coursework.py)."""
    own = [f.feedback for f in q.choices + q.misconceptions if not f.feedback.source]
    texts = [getattr(q, f) for f in TYPESET_FIELDS] + [c.text for c in q.choices] + [
        f.text for f in own] + [q.answer_text()]
    for t in texts:
        assert not re.search(r"(^|[\s(=])-\d", t), f"{chapter}/{q.id}: ASCII hyphen as minus in {t!r}"
        assert "_" not in t and "\\" not in t and "$" not in t, f"{chapter}/{q.id}: raw markup in {t!r}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_shows_its_questions_and_answers(chapter):
    """The chapter has a 'Check your understanding' section with the hidden self_check cell, and its last
    cell lists the answers for the print edition."""
    nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    cells = nb["cells"]
    ids = [c.get("id") for c in cells]
    i = ids.index("self-check-questions")
    assert "".join(cells[i - 1]["source"]).startswith("## Check your understanding")
    assert f'self_check("{chapter}")' in "".join(cells[i]["source"])
    assert "remove-input" in cells[i]["metadata"]["tags"]
    assert ids[-1] == "self-check-answers" and f'self_check_answers("{chapter}")' in "".join(cells[-1]["source"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_front_end_gets_a_form(chapter, monkeypatch):
    """Website/JupyterLab: interactive HTML; Markdown fallback with each answer folded; print: questions without
    controls, then every answer at the chapter's end."""
    qs = data.load(chapter)
    monkeypatch.delenv("IPSP_BOOK_STATIC", raising=False)
    bundle = selfcheck.self_check(chapter)._repr_mimebundle_()
    assert bundle["text/html"].count("<fieldset class=\"ipsp-sc\" id=") == len(qs)
    assert "http://" not in bundle["text/html"] and "https://" not in bundle["text/html"], "no network"
    assert bundle["text/markdown"].count("<details><summary>Show answer</summary>") == len(qs)
    assert selfcheck.self_check_answers(chapter) is None
    monkeypatch.setenv("IPSP_BOOK_STATIC", "print")
    printed = selfcheck.self_check(chapter)._repr_mimebundle_()["text/html"]
    assert "<input" not in printed and "<button" not in printed and "<script" not in printed
    answers = selfcheck.self_check_answers(chapter)._repr_mimebundle_()["text/html"]
    for q in qs:
        assert render.typeset(q.answer_text()) in answers and render.typeset(q.why) in answers
        assert render.typeset(q.why) not in printed


def test_plain_text_subscripts_are_typeset(monkeypatch):
    """No "E(GABA)" or "GABA(A)" left in what a page shows: every question's text, choices and messages."""
    monkeypatch.delenv("IPSP_BOOK_STATIC", raising=False)
    for chapter in CHAPTERS:
        page = html.unescape(selfcheck.self_check(chapter)._repr_mimebundle_()["text/html"])
        left = re.findall(r"\b(?:E\((?:GABA|Cl⁻|K⁺)\)|GABA\([AB]\)|g\(leak\))", page)
        assert not left, f"{chapter}: plain-text subscripts on the page: {sorted(set(left))}"
    assert render.typeset("E(Cl⁻) of GABA(A); g(t)") == "E<sub>Cl⁻</sub> of GABA<sub>A</sub>; g(t)"


def test_typeset_number():
    assert data.typeset_number(-0.04, 1) == "0.0"
    assert f"{data._Typeset(-3.25):.1f}" == "−3.2"


def test_without_the_repository_a_note_replaces_the_questions(monkeypatch, tmp_path):
    """Colab installs ipsplib alone: the cell then says where to answer, instead of failing."""
    monkeypatch.setattr(data, "QUESTIONS_DIR", tmp_path / "missing")
    bundle = selfcheck.self_check("01-ions")._repr_mimebundle_()
    assert "website" in bundle["text/markdown"] and "text/html" not in bundle
