"""One variant per student: ``make coursework SEED=... VARIANTS=k ROSTER=roster.csv`` and ``make grade``.

A set is built in two variants for a small roster; each student gets the notebook of the variant their ID
draws, and grading uses each student's own variant: their reference answers score full marks, a
neighbour's answers (the other variant's notebook, copied) are flagged and graded wrong, and the class
report counts a misconception once whatever numbers each variant's message states (in variant 1's words).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import VARIANT_SEEDS
from test_coursework import with_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import grade_class  # noqa: E402
import problem_sets  # noqa: E402
import set_variants  # noqa: E402

SET = "03-ipsps"  # its misconception messages state numbers, which differ between variants
SEED = VARIANT_SEEDS[0]


def _students_in_each_variant() -> dict[int, list[str]]:
    """Student IDs: two in variant 1, three in variant 2 (the draw decides who is where)."""
    wanted = {1: 2, 2: 3}
    found: dict[int, list[str]] = {1: [], 2: []}
    for i in range(100):
        sid = f"s{i:03d}"
        bucket = found[set_variants.variant_of(SEED, 2, SET, sid)]
        if len(bucket) < wanted[set_variants.variant_of(SEED, 2, SET, sid)]:
            bucket.append(sid)
    assert {k: len(v) for k, v in found.items()} == wanted
    return found


@pytest.fixture(scope="module")
def per_student(tmp_path_factory):
    """The set built in two variants for four students, and a class folder graded with it."""
    by_variant = _students_in_each_variant()
    (a, c), (b, e, f) = by_variant[1], by_variant[2]
    out = tmp_path_factory.mktemp("per-student")
    zips = problem_sets.build_all(out, [SET], jobs=2, seed=SEED, variants=2, student_ids=[a, b, c, e, f])
    zip1 = zips[SET]
    subs = tmp_path_factory.mktemp("class")
    reference = {k: problem_sets.variant_zip(zip1, k).parent / "autograder" / f"{SET}.ipynb" for k in (1, 2)}
    shutil.copy(reference[1], subs / f"{a}.ipynb")  # a, variant 1: right
    shutil.copy(reference[2], subs / f"{b}.ipynb")  # b, variant 2: right
    shutil.copy(reference[1], subs / f"{e}.ipynb")  # e, variant 2: handed in a's notebook
    for sid in (c, f):  # c (variant 1) and f (variant 2): every first listed wrong answer of their variant
        k = set_variants.variant_of(SEED, 2, SET, sid)
        handout = json.loads((zip1.parent / "handout" / sid / f"{SET}.ipynb").read_text())
        wrong = {q["question"]: f"{q['variable']} = {q['misconceptions'][0]['wrong_answer']!r}"
                 for q in set_variants.built_misconceptions(problem_sets.variant_zip(zip1, k).parent)}
        (subs / f"{sid}.ipynb").write_text(json.dumps(with_answers(handout, wrong)))
    shutil.copy(reference[2], subs / "stranger.ipynb")  # not in the roster the variants were built for
    csv_out = subs.parent / f"{subs.name}-grades" / f"{SET}.csv"
    grade_class.grade_folder(subs, zip1, csv_out, jobs=2, show_progress=False)
    with csv_out.open(newline="", encoding="utf-8") as table:
        rows = {r["student"]: r for r in csv.DictReader(table)}
    return {"zip": zip1, "rows": rows, "csv": csv_out, "a": a, "b": b, "c": c, "e": e, "f": f}


def test_variants_need_a_seed_and_a_roster(tmp_path):
    with pytest.raises(ValueError, match="variants > 1 needs a seed and the students' IDs"):
        problem_sets.build_all(tmp_path, [SET], seed=SEED, variants=2)
    with pytest.raises(ValueError, match="variants must be a whole number ≥ 1, got 0"):
        problem_sets.build_all(tmp_path, [SET], seed=SEED, variants=0, student_ids=["s1"])


def test_students_spread_over_the_variants():
    counts = {k: 0 for k in range(1, 5)}
    for i in range(200):
        counts[set_variants.variant_of(SEED, 4, SET, f"student{i}")] += 1
    assert all(30 <= n <= 70 for n in counts.values()), counts
    assert set_variants.variant_of(SEED, 4, SET, "x") == set_variants.variant_of(SEED, 4, SET, " x ")


def test_each_student_gets_the_notebook_of_their_variant(per_student):
    folder = per_student["zip"].parent
    students = problem_sets.read_students(per_student["zip"])
    assert set(students) == {per_student[k] for k in "abcef"}
    numbers = {k: set_variants.draw(SET, set_variants.variant_seed(SEED, k)) for k in (1, 2)}
    assert numbers[1] != numbers[2]
    for sid, k in students.items():
        assert k == set_variants.variant_of(SEED, 2, SET, sid)
        handout = json.loads((folder / "handout" / sid / f"{SET}.ipynb").read_text())
        assert set_variants.parameter_values(handout) == numbers[k], sid
        assert "# SOLUTION" not in json.dumps(handout)


def test_each_student_is_graded_with_their_own_variant(per_student):
    rows, points = per_student["rows"], problem_sets.question_points(per_student["zip"])
    for sid in (per_student["a"], per_student["b"]):
        row = rows[sid]
        assert row["error"] == "" and row["note"] == "", row
        assert float(row["total"]) == sum(points.values()), row
    copied = rows[per_student["e"]]
    assert copied["error"] == "" and copied["note"].startswith("its numbers are not those of the set handed out")
    assert float(copied["total"]) < sum(points.values()), "another variant's answers scored full marks"
    assert "not in" in rows["stranger"]["error"] and "students.csv" in rows["stranger"]["error"]


def test_class_report_counts_a_misconception_once_across_variants(per_student):
    report = per_student["csv"].with_name(f"{SET}-misconceptions.csv")
    with report.open(newline="", encoding="utf-8") as f:
        counted = {(r["question"], r["message"]): int(r["students"]) for r in csv.DictReader(f)}
    first = set_variants.built_misconceptions(per_student["zip"].parent)
    second = set_variants.built_misconceptions(problem_sets.variant_zip(per_student["zip"], 2).parent)
    differ = 0
    for q1, q2 in zip(first, second, strict=True):
        message = q1["misconceptions"][0]["message"]  # c's (variant 1) and f's (variant 2, its own numbers)
        assert counted.get((q1["question"], message)) == 2, (q1["question"], message, counted)
        other = q2["misconceptions"][0]["message"]
        if other != message:
            differ += 1
            assert (q1["question"], other) not in counted, "a variant-2 message is counted apart"
    assert differ, "no message differs between the two variants: the test shows nothing"
