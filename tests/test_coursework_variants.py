"""Private answers: problem sets whose numbers a teacher's seed draws (``make coursework SEED=...``).

Two seeds are checked in-process (tools/set_variants.py runs every test cell of the master, hidden ones
included, on the reference answers and on every listed wrong answer of each variant). The first seed is also
built with otter (the session fixture ``coursework_variant``, conftest.py) and graded end to end: its
reference solutions score full marks under its own autograder, the published set's reference solutions
(the answers anyone can read) are graded wrong under it, and each listed wrong answer gets its own message.
"""

from __future__ import annotations

import doctest
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import VARIANT_SEEDS
from test_coursework import _output, _solution_fragments, graded, misconceptions, with_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import problem_sets  # noqa: E402
import set_variants  # noqa: E402

VARIABLE = [n for n in problem_sets.set_names() if set_variants.is_variable(n)]
FIXED = [n for n in problem_sets.set_names() if n not in VARIABLE]  # built as published, seed or not
SEED_A, SEED_B = VARIANT_SEEDS
#: the submissions otter grades under seed A's autograder: its own reference, the published reference and
#: each listed wrong answer
KINDS = ("reference", "published", "wrong0", "wrong1")


def built_misconceptions(zip_path: Path) -> list[dict]:
    """The questions of the misconceptions.yml that a build wrote beside the set's zip (the variant's)."""
    return set_variants.built_misconceptions(zip_path.parent)


def wrong_submission(zip_path: Path, which: int) -> dict:
    """The set's student notebook with every question answered by its listed wrong answer ``which``."""
    name = zip_path.parent.name
    student = json.loads((zip_path.parent / "student" / f"{name}.ipynb").read_text())
    return with_answers(student, {q["question"]: f"{q['variable']} = {q['misconceptions'][which]['wrong_answer']!r}"
                                  for q in built_misconceptions(zip_path)})


@pytest.fixture(scope="module")
def graded_variant(coursework_variant, coursework_build, tmp_path_factory):
    """otter's results under seed A's autograder, keyed (set, kind) as test_coursework's ``graded`` reads
    them, for each of `KINDS`."""
    out = tmp_path_factory.mktemp("variant-submissions")
    jobs = []
    for name in VARIABLE:
        zip_path = coursework_variant[name]
        jobs.append(((name, "reference"), zip_path.parent / "autograder" / f"{name}.ipynb", zip_path))
        jobs.append(((name, "published"), coursework_build[name].parent / "autograder" / f"{name}.ipynb", zip_path))
        for which in (0, 1):
            path = out / f"{name}-wrong{which}.ipynb"
            path.write_text(json.dumps(wrong_submission(zip_path, which)))
            jobs.append(((name, f"wrong{which}"), path, zip_path))

    def run(job):
        key, path, zip_path = job
        try:
            return key, problem_sets.grade(path, zip_path)
        except Exception as error:  # noqa: BLE001 - one submission that cannot be graded fails its own tests only
            return key, error

    with ThreadPoolExecutor(max_workers=3) as pool:
        return {"results": dict(pool.map(run, jobs))}


def test_some_sets_are_variable():
    print(f"variable sets: {', '.join(VARIABLE)}; published numbers only: {', '.join(FIXED) or 'none'}")
    assert VARIABLE


def test_set_variants_doctests():
    assert doctest.testmod(set_variants).failed == 0


@pytest.mark.parametrize("name", VARIABLE)
def test_master_is_the_default_variant(name):
    """parameters.yml and the master agree: rendering the defaults gives the master back, every phrase of
    ``text`` is found, and each wrong answer's expression gives the value listed in misconceptions.yml."""
    defaults = set_variants.draw(name, None)
    nb, listed = set_variants.render(name, defaults, inline=False)
    assert nb == json.loads(set_variants.master_path(name).read_text())
    published = misconceptions(name)
    computed = set_variants.misconceptions(name, defaults)
    assert any("wrong_answer_expr" in m for q in published for m in q["misconceptions"])
    for old, new in zip(published, computed, strict=True):
        for m_old, m_new in zip(old["misconceptions"], new["misconceptions"], strict=True):
            assert m_new["message"] == m_old["message"]
            if isinstance(m_old["wrong_answer"], str):
                assert m_new["wrong_answer"] == m_old["wrong_answer"]
            else:
                assert np.isclose(m_new["wrong_answer"], m_old["wrong_answer"], rtol=1e-3, atol=2e-3), m_old


@pytest.mark.parametrize("name", VARIABLE)
def test_every_parameter_is_stated_and_recomputed_by_the_tests(name):
    """Each parameter reaches the student (a phrase of the prose) and the autograder (a test cell uses it)."""
    params, templates = set_variants.parameters(name)
    bodies = "\n".join(t.body for t in set_variants.tests(json.loads(set_variants.master_path(name).read_text())))
    for p in params:
        assert any("{" + p + "}" in t or "{" + p + ":" in t for t in templates), f"{name}: {p} is in no phrase"
        assert p in bodies, f"{name}: no test recomputes with {p}"


@pytest.mark.parametrize("name", VARIABLE)
def test_default_and_seeded_variants_are_sound(name):
    """Every misconception message fires in every variant tested, and only its own (in-process, all test
    cells of the master, hidden ones included); in a seeded variant no published numeric answer passes."""
    default_answers = set_variants.reference_answers(set_variants.render(name, set_variants.draw(name, None))[0])
    assert set_variants.problems(name, set_variants.draw(name, None)) == []
    for seed in VARIANT_SEEDS:
        assert set_variants.problems(name, set_variants.draw(name, seed), default_answers) == [], seed


def test_a_variant_that_breaks_a_misconception_is_caught():
    """The check behind every draw can fail: 03-ipsps q5 with a tonic conductance equal to the leak makes
    the weighted mean the plain mean, so the 'plain mean' wrong answer is graded right."""
    values = {**set_variants.draw("03-ipsps", None), "g_tonic_nS": 10.0}
    found = set_variants.problems("03-ipsps", values)
    assert any(f.startswith("q5: the wrong answer -75.0") for f in found), found


@pytest.mark.parametrize("name", VARIABLE)
def test_two_seeds_draw_different_numbers(name, coursework_variant):
    """Two seeds draw different numbers and question texts, the same seed the same; the build records its
    seed and numbers beside the zip (the teacher's private record)."""
    a, b = (set_variants.draw(name, s) for s in VARIANT_SEEDS)
    assert a != b and set_variants.draw(name, SEED_A) == a
    defaults = set_variants.draw(name, None)
    assert a != defaults and b != defaults
    prompts = [[c["source"] for c in set_variants.render(name, values)[0]["cells"] if c["cell_type"] == "markdown"]
               for values in (a, b)]
    assert prompts[0] != prompts[1], "the two seeds' question texts are the same"
    # each phrase the seed redrew reaches the student (prose, or a public check's message embedded in the
    # notebook) or the teacher's misconceptions.yml (a hidden check's message)
    folder = coursework_variant[name].parent
    cells = json.loads((folder / "student" / f"{name}.ipynb").read_text())["cells"]
    student = "\n".join(set_variants._source(c) for c in cells)
    written = student + yaml.safe_dump(built_misconceptions(coursework_variant[name]), allow_unicode=True, width=10**6)
    for published, drawn in set_variants._phrases(name, a).items():
        assert drawn in written, (published, drawn)
    record = yaml.safe_load((coursework_variant[name].parent / "variant.yml").read_text())
    assert record == {"set": name, "seed": SEED_A, "parameters": a}


def test_draws_keep_the_physics_the_constraints_ask_for():
    """08 q1's four I–V currents stay near one line in every draw (a bent one is drawn again); the
    default is such a line, and a bent I–V is caught."""
    assert set_variants.broken_constraints("08-measuring", set_variants.draw("08-measuring", None)) == []
    for seed in (*VARIANT_SEEDS, 1, 2, 3):
        values = set_variants.draw("08-measuring", seed)
        currents = [values[k] for k in ("i_m90_pA", "i_m70_pA", "i_m50_pA", "i_m30_pA")]
        line = np.polyval(np.polyfit([-90, -70, -50, -30], currents, 1), [-90, -70, -50, -30])
        assert np.abs(line - currents).max() <= 2.0, (seed, currents)
    bent = {**set_variants.draw("08-measuring", None), "i_m50_pA": 16.0}
    assert set_variants.broken_constraints("08-measuring", bent), "a bent I–V passes the constraint"


def test_seed_must_be_a_whole_number():
    with pytest.raises(ValueError, match="seed must be a whole number ≥ 0, got -1"):
        set_variants.draw(VARIABLE[0], -1)


def test_parameter_default_must_be_allowed():
    with pytest.raises(ValueError, match="g_nS default must be one of its allowed values"):
        set_variants._parameter("g_nS", {"unit": "nS", "default": 7.0, "range": [1.0, 4.0], "step": 1.0})


@pytest.mark.parametrize("name", VARIABLE)
def test_a_seed_grades_its_own_answers_full_and_the_published_ones_wrong(graded_variant, name):
    """otter, under seed A's autograder: seed A's reference solutions score full marks; the published set's
    (anyone can read them) score zero on every question whose answer the seed changed (a multiple choice
    whose right option stays, or a count that happens to be the same, keeps its mark, as predicted by
    running the variant's tests in-process)."""
    masters = {seed: set_variants.render(name, set_variants.draw(name, seed))[0] for seed in (SEED_A, None)}
    answers = {seed: set_variants.reference_answers(nb) for seed, nb in masters.items()}
    questions = misconceptions(name)
    own = graded(graded_variant, name, "reference")
    got = problem_sets.scores(own)
    assert set(got) == {q["question"] for q in questions}
    assert all(v > 0 for v in got.values()), {q: _output(own, q)[:400] for q in got if not got[q]}
    published = problem_sets.scores(graded(graded_variant, name, "published"))
    tests = set_variants.tests(masters[SEED_A])
    for q in questions:
        var = q["variable"]
        answer = answers[None][var]
        same = all(set_variants.passes(t, answers[SEED_A], var, answer) for t in tests if t.question == q["question"])
        assert (published[q["question"]] > 0) == same, (q["question"], answer, answers[SEED_A][var])
        if isinstance(answer, float):  # every number the seed changed is graded wrong
            assert not same, (q["question"], "the published answer", answer, "passes in seed", SEED_A)
    assert any(v == 0 for v in published.values()), published


@pytest.mark.parametrize("name", VARIABLE)
@pytest.mark.parametrize("which", [0, 1])
def test_each_misconception_gets_its_message_in_a_seeded_variant(graded_variant, coursework_variant, name, which):
    """otter, under seed A's autograder: every listed wrong answer (as recomputed for the variant) scores
    zero with its own message (as written for the variant) and not the other's. Seed B: in-process, in
    test_default_and_seeded_variants_are_sound."""
    res = graded(graded_variant, name, f"wrong{which}")
    got = problem_sets.scores(res)
    for q in built_misconceptions(coursework_variant[name]):
        m, other = q["misconceptions"][which], q["misconceptions"][1 - which]
        out = _output(res, q["question"])
        assert got[q["question"]] == 0, (q["question"], m["wrong_answer"])
        assert f"message: {m['message']}" in out, (q["question"], m["wrong_answer"], out[:800])
        assert other["message"] not in out, (q["question"], "shows the message of the other wrong answer")


@pytest.mark.parametrize("name", VARIABLE)
def test_seeded_student_notebook_leaks_no_solution_or_hidden_test(coursework_variant, name):
    """The leak rule of test_coursework, applied to the seeded master (hidden tests with their numbers)."""
    master = set_variants.render(name, set_variants.draw(name, SEED_A))[0]
    prompts = "\n".join("".join(c["source"]) for c in master["cells"] if c["cell_type"] == "markdown")
    frags = [f for f in _solution_fragments(master) if f not in prompts and f.strip('"') not in prompts]
    zip_path = coursework_variant[name]
    assert not (zip_path.parent / "variant").exists(), "the seeded master is left beside the build"
    student_text = (zip_path.parent / "student" / f"{name}.ipynb").read_text()
    decoded = json.dumps(json.loads(student_text), ensure_ascii=False)
    leaks = [f for f in frags if json.dumps(f)[1:-1] in student_text or f in decoded]
    assert not leaks, leaks[:5]
    assert str(SEED_A) not in student_text
