"""tools/grade_class.py on a real class folder through otter run: the gradebook, the file report,
the feedback files and the class misconception report.

The folder holds what an LMS download holds: a right notebook, a truncated one (not JSON), another
set's notebook, an HTML export, a system file, and a Moodle-style folder for one student with a
renamed notebook whose every answer is the first listed wrong answer, a blank notebook (nothing answered),
and the reference worked with another version's numbers (its parameter cell edited).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest
from test_coursework import misconceptions, with_answers, wrong_answers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import grade_class  # noqa: E402
import problem_sets  # noqa: E402

SET = "05-temporal-summation"
MOODLE = "Carol Lee_123456_assignsubmission_file_"


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded_folder(coursework_build, tmp_path_factory):
    zip_path = coursework_build[SET]
    subs = tmp_path_factory.mktemp("class")
    reference = zip_path.parent / "autograder" / f"{SET}.ipynb"
    student = json.loads((zip_path.parent / "student" / f"{SET}.ipynb").read_text())
    (subs / "alice.ipynb").write_text(reference.read_text())
    (subs / "bob.ipynb").write_text('{"cells": [')  # a truncated upload: not JSON
    (subs / "frank.ipynb").write_text(json.dumps(student))  # handed in blank
    # worked on another version of the set (e.g. the published one, not the teacher's seeded build)
    (subs / "grace.ipynb").write_text(reference.read_text().replace("g_pair_nS = 2.0", "g_pair_nS = 3.0"))
    other = coursework_build["04-chloride"]
    (subs / "dave.ipynb").write_text((other.parent / "student" / "04-chloride.ipynb").read_text())
    (subs / "erin_notebook.html").write_text("<html></html>")
    (subs / ".DS_Store").write_bytes(b"\0\0")
    (subs / MOODLE).mkdir()
    (subs / MOODLE / f"{SET} (1).ipynb").write_text(json.dumps(with_answers(student, wrong_answers(SET, 0))))
    roster = subs.parent / f"{subs.name}-roster.csv"
    roster.write_text(f"file,student_id\nalice,s001\n{MOODLE},s003\n")
    out = subs.parent / f"{subs.name}-grades" / f"{SET}.csv"
    rows = grade_class.grade_folder(subs, zip_path, out, jobs=2, show_progress=False,
                                    roster=grade_class.read_roster(roster))
    return {"rows": rows, "csv": out, "points": problem_sets.question_points(zip_path)}


def _row(graded_folder, student: str) -> dict:
    return next(r for r in _read(graded_folder["csv"]) if r["student"] == student)


def test_csv_header_has_every_question_total_max_error_and_note(graded_folder):
    points = graded_folder["points"]
    assert list(points) == ["q1", "q2", "q3", "q4", "q5"]
    with graded_folder["csv"].open(newline="") as f:
        assert next(csv.reader(f)) == ["student", "file", *points, "total", "max", "error", "note"]


def test_a_notebook_with_other_numbers_is_flagged(graded_folder):
    """A notebook whose parameter cell is not the one handed out is graded and flagged in the gradebook,
    the file report and its feedback; the right notebook is not flagged."""
    grace = _row(graded_folder, "grace")
    assert grace["error"] == "" and grace["total"] != ""
    assert "g_pair_nS = 3.0 (handed out: 2.0)" in grace["note"], grace["note"]
    assert "c_q1_pF" not in grace["note"]
    assert _row(graded_folder, "s001")["note"] == "" and _row(graded_folder, "frank")["note"] == ""
    files = {r["file"]: r["outcome"] for r in _read(graded_folder["csv"].with_name(f"{SET}-files.csv"))}
    assert files["grace.ipynb"].startswith("graded; its numbers are not those of the set handed out")
    feedback = (graded_folder["csv"].parent / SET / "feedback" / "grace.md").read_text()
    assert "**Note:** Its numbers are not those of the set handed out" in feedback


def test_good_notebook_scores_full_marks_under_its_roster_id(graded_folder):
    alice = _row(graded_folder, "s001")
    assert alice["file"] == "alice.ipynb"
    assert all(float(alice[q]) == p for q, p in graded_folder["points"].items()), alice
    assert float(alice["total"]) == sum(graded_folder["points"].values()) == float(alice["max"])
    assert alice["error"] == ""


def test_corrupt_notebook_row_names_its_error(graded_folder):
    bob = _row(graded_folder, "bob")
    assert all(bob[q] == "" for q in graded_folder["points"]) and bob["total"] == ""
    assert float(bob["max"]) == sum(graded_folder["points"].values())
    assert bob["error"].startswith("RuntimeError: NotJSONError"), bob["error"]


def test_every_file_is_accounted_for_with_otters_reason(graded_folder):
    assert "Received submission for assignment '04-chloride' (this is assignment '05-temporal-summation')" in \
        _row(graded_folder, "dave")["error"]
    assert "not a notebook (.html)" in _row(graded_folder, "erin_notebook")["error"]
    files = {r["file"]: r["outcome"] for r in _read(graded_folder["csv"].with_name(f"{SET}-files.csv"))}
    assert set(files) == {"alice.ipynb", "bob.ipynb", "dave.ipynb", "erin_notebook.html", ".DS_Store", "frank.ipynb",
                          "grace.ipynb", f"{MOODLE}/{SET} (1).ipynb"}
    assert files["alice.ipynb"] == "graded" and files[f"{MOODLE}/{SET} (1).ipynb"] == "graded"
    assert files[".DS_Store"].startswith("skipped: a system file")
    assert files["bob.ipynb"].startswith("not graded: RuntimeError: NotJSONError")


def test_moodle_folder_is_one_student_and_feedback_names_each_mistake(graded_folder):
    carol = _row(graded_folder, "s003")
    assert float(carol["total"]) == 0 and carol["error"] == ""
    feedback = (graded_folder["csv"].parent / SET / "feedback" / "s003.md").read_text()
    assert "**Score: 0 / 5**" in feedback
    for q in misconceptions(SET):
        assert q["misconceptions"][0]["message"] in feedback, q["question"]
    alice = (graded_folder["csv"].parent / SET / "feedback" / "s001.md").read_text()
    assert "**Score: 5 / 5**" in alice and "What to look at again" not in alice
    assert "Not graded" in (graded_folder["csv"].parent / SET / "feedback" / "bob.md").read_text()
    frank = (graded_folder["csv"].parent / SET / "feedback" / "frank.md").read_text()
    assert "**Score: 0 / 5**" in frank
    assert not [m["message"] for q in misconceptions(SET) for m in q["misconceptions"] if m["message"] in frank], \
        "a blank answer is told a misconception"


def test_class_misconception_report(graded_folder):
    folder = graded_folder["csv"].parent
    rows = _read(folder / f"{SET}-misconceptions.csv")
    assert list(rows[0]) == ["question", "message", "students"]
    counted = {(r["question"], r["message"]): int(r["students"]) for r in rows}
    for q in misconceptions(SET):
        # carol's; frank's blank answers fail every check too, but are not misconceptions (first failure only)
        assert counted[(q["question"], q["misconceptions"][0]["message"])] == 1
        assert (q["question"], q["misconceptions"][1]["message"]) not in counted
    assert (folder / f"{SET}-misconceptions.png").stat().st_size > 5000
    page = (folder / f"{SET}-misconceptions.html").read_text()
    assert f"{SET}-misconceptions.png" in page and misconceptions(SET)[0]["misconceptions"][0]["message"] in page
