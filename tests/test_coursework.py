"""Problem sets through the real autograder (otter assign + otter run, no Docker).

One session fixture builds every set into a temporary folder and grades, per set, four submissions in
parallel: the reference solutions; the blank student notebook; every question answered with its first
listed wrong answer; every question answered with its second wrong answer, the first question's answer
cell also raising after it assigns; and, for the first set, the reference solutions with the first answer
cell raising. The tests then read the results.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import problem_sets  # noqa: E402

SETS = problem_sets.set_names()
RAISING = 'raise RuntimeError("a student bug in this cell")'


def misconceptions(name: str) -> list[dict]:
    return yaml.safe_load((ROOT / "coursework" / name / "misconceptions.yml").read_text())["questions"]


def with_answers(nb: dict, answers: dict[str, str]) -> dict:
    """A copy of ``nb`` with the answer cell of each question replaced by ``answers[question]``."""
    nb = copy.deepcopy(nb)
    cells = problem_sets.answer_cells(nb)
    for q, src in answers.items():
        nb["cells"][cells[q]]["source"] = src
    return nb


def wrong_answers(name: str, which: int) -> dict[str, str]:
    return {
        q["question"]: f"{q['variable']} = {q['misconceptions'][which]['wrong_answer']!r}" for q in misconceptions(name)
    }


@pytest.fixture(scope="session")
def built(coursework_build):
    zips = coursework_build
    out = next(iter(zips.values())).parent.parent
    jobs = []
    for name, zip_path in zips.items():
        student = json.loads((zip_path.parent / "student" / f"{name}.ipynb").read_text())
        reference = zip_path.parent / "autograder" / f"{name}.ipynb"
        subs = out / name / "submissions"
        subs.mkdir()
        jobs.append((name, "solution", reference))
        (subs / "blank.ipynb").write_text(json.dumps(student))
        jobs.append((name, "blank", subs / "blank.ipynb"))
        (subs / "wrong0.ipynb").write_text(json.dumps(with_answers(student, wrong_answers(name, 0))))
        jobs.append((name, "wrong0", subs / "wrong0.ipynb"))
        second = wrong_answers(name, 1)
        first_q = next(iter(second))
        second[first_q] += "\n" + RAISING
        (subs / "wrong1.ipynb").write_text(json.dumps(with_answers(student, second)))
        jobs.append((name, "wrong1_raising", subs / "wrong1.ipynb"))
        if name == SETS[0]:
            # a submission that is otherwise right, with its first answer cell raising
            solved = json.loads(reference.read_text())
            (subs / "raising.ipynb").write_text(json.dumps(with_answers(solved, {first_q: RAISING})))
            jobs.append((name, "raising", subs / "raising.ipynb"))

    def run(job):
        name, kind, path = job
        try:
            results = problem_sets.grade(path, zips[name])
        except Exception as error:  # noqa: BLE001 - one submission that cannot be graded fails its own tests only
            return (name, kind), error
        (out / name / f"{kind}.results.json").write_text(json.dumps(results))  # kept for a failing test's reader
        return (name, kind), results

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(run, jobs))
    return {"out": out, "zips": zips, "results": results}


def graded(built: dict, name: str, kind: str) -> dict:
    """otter's results for one submission of the ``built`` fixture; fails (only the asking test) if it
    could not be graded."""
    results = built["results"][(name, kind)]
    if isinstance(results, Exception):
        pytest.fail(f"{name}/{kind} could not be graded: {type(results).__name__}: {str(results)[:1500]}")
    return results


def _output(results: dict, question: str) -> str:
    return "\n".join(t.get("output", "") for t in results["tests"] if t["name"] == question)


@pytest.mark.parametrize("name", SETS)
def test_set_has_4_to_8_questions_of_three_kinds(name):
    qs = misconceptions(name)
    assert 4 <= len(qs) <= 8
    nb = json.loads((ROOT / "coursework" / name / f"{name}.ipynb").read_text())
    raw = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "raw")
    names = re.findall(r"^name: (q\d+)$", raw, re.M)
    assert names == [q["question"] for q in qs], "misconceptions.yml must list every question of the master"
    assert all(len(q["misconceptions"]) == 2 for q in qs)


def test_sets_cover_all_three_kinds():
    kinds = {q["kind"] for name in SETS for q in misconceptions(name)}
    assert kinds == {"computation", "simulation", "conceptual"}


def test_every_chapter_has_its_set_numbered_as_the_chapter():
    """Set NN belongs to chapter NN (chapters/NN-*.ipynb); every chapter from 1 on has one."""
    chapters = {p.stem[:2]: p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]-*.ipynb")}
    numbers = [name[:2] for name in SETS]
    assert len(set(numbers)) == len(numbers)
    assert set(numbers) == set(chapters) - {"00"}, (sorted(numbers), sorted(chapters))
    for name in SETS:
        assert name == chapters[name[:2]], f"set {name} should be named after its chapter {chapters[name[:2]]}"


@pytest.mark.parametrize("name", SETS)
def test_reference_solutions_score_full_marks(built, name):
    res = graded(built, name, "solution")
    got = problem_sets.scores(res)
    maximum = {t["name"]: t["max_score"] for t in res["tests"] if "max_score" in t}
    assert set(got) == {q["question"] for q in misconceptions(name)}
    assert got == maximum, {q: _output(res, q)[:500] for q in got if got[q] != maximum[q]}


@pytest.mark.parametrize("name", SETS)
def test_blank_student_notebook_grades_to_zero(built, name):
    got = problem_sets.scores(graded(built, name, "blank"))
    assert set(got) == {q["question"] for q in misconceptions(name)}
    assert all(v == 0 for v in got.values()), got


def test_raising_answer_cell_does_not_stop_grading(built):
    """An otherwise right submission whose first answer cell raises: the other answers keep their marks."""
    name = SETS[0]
    got = problem_sets.scores(graded(built, name, "raising"))
    first, *rest = [q["question"] for q in misconceptions(name)]
    assert got[first] == 0
    assert all(got[q] > 0 for q in rest), got


@pytest.mark.parametrize("name", SETS)
def test_raising_answer_cell_in_every_set_leaves_the_rest_graded(built, name):
    """In every set's second wrong-answer submission the first answer cell raises (after assigning):
    every later question is still graded against its own answer (its targeted message shows)."""
    res = graded(built, name, "wrong1_raising")
    first, *rest = misconceptions(name)
    assert set(problem_sets.scores(res)) == {q["question"] for q in [first, *rest]}
    for q in rest:
        assert q["misconceptions"][1]["message"] in _output(res, q["question"]), q["question"]


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("which", [0, 1])
def test_each_misconception_gets_its_message(built, name, which):
    res = graded(built, name, "wrong0" if which == 0 else "wrong1_raising")
    got = problem_sets.scores(res)
    for q in misconceptions(name):
        m = q["misconceptions"][which]
        out = _output(res, q["question"])
        assert got[q["question"]] == 0, (q["question"], m["wrong_answer"])
        assert f"message: {m['message']}" in out, (q["question"], m["wrong_answer"], out[:800])
        # the other misconception's message is not shown for this wrong answer
        other = q["misconceptions"][1 - which]["message"]
        assert other not in out, (q["question"], m["wrong_answer"], "shows the message of the other wrong answer")


@pytest.mark.parametrize("name", SETS)
def test_misconception_messages_are_typeset(name):
    for q in misconceptions(name):
        for m in q["misconceptions"]:
            text = m["message"]
            assert not re.search(r"(?<![\w(])-\d", text), f"hyphen-minus before a number in {text!r}"
            assert not re.search(r"\bE_(K|Cl|Na|GABA|AMPA)\b|\[Cl-\]", text), text


def _solution_fragments(nb: dict) -> list[str]:
    """Solution code lines and hidden test code of a master notebook."""
    frags, in_solution, in_tests = [], False, False
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            in_solution = src.startswith("# BEGIN SOLUTION") or (in_solution and not src.startswith("# END SOLUTION"))
            in_tests = src.startswith("# BEGIN TESTS") or (in_tests and not src.startswith("# END TESTS"))
            continue
        if in_solution and cell["cell_type"] == "code":
            for line in src.splitlines():
                line = line.split("# SOLUTION")[0].strip()
                if line and not line.startswith("#"):
                    frags.append(line.split("=", 1)[1].strip() if "=" in line.split("(")[0] else line)
        if in_tests and "hidden: true" in src:
            body = src.split("# END TEST CONFIG")[1]
            frags += [ln.strip() for ln in body.splitlines() if ln.strip()]
    return [f for f in frags if len(f) > 6]


@pytest.mark.parametrize("name", SETS)
def test_student_notebook_leaks_no_solution_or_hidden_test(built, name):
    master = json.loads((ROOT / "coursework" / name / f"{name}.ipynb").read_text())
    # what the prompts already show students (the options of a multiple choice, given data) is no leak
    prompts = "\n".join("".join(c["source"]) for c in master["cells"] if c["cell_type"] == "markdown")
    frags = [f for f in _solution_fragments(master) if f not in prompts and f.strip('"') not in prompts]
    assert len(frags) >= 2 * len(misconceptions(name))  # at least a solution line and a hidden test per question
    student_text = (built["zips"][name].parent / "student" / f"{name}.ipynb").read_text()
    decoded = json.dumps(json.loads(student_text), ensure_ascii=False)
    leaks = [f for f in frags if json.dumps(f)[1:-1] in student_text or f in decoded]
    assert not leaks, leaks[:5]


@pytest.mark.parametrize("name", SETS)
def test_student_notebook_runs_until_first_unanswered_question(built, name):
    n = problem_sets.run_until_unanswered(built["zips"][name].parent / "student" / f"{name}.ipynb", sys.executable)
    assert n >= 2  # otter's init cell and the set's setup cell


STUDENT_SITE = ROOT / "_build" / "student" / "html"
CHAPTERS = ROOT / "chapters"


def _chapter_solution_sentences() -> list[str]:
    """Plain-prose lines of the chapters' exercise solutions (gated and plain), as they appear on a page."""
    found = []
    for path in sorted(CHAPTERS.glob("*.ipynb")) + sorted(CHAPTERS.glob("*.md")):
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text())["cells"]
            text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        else:
            text = path.read_text()
        blocks = re.findall(r"\{solution-start\}.*?\{solution-end\}", text, re.S)
        blocks += re.findall(r"[`:]{3,}\{solution\}.*?\n[`:]{3,}\n", text, re.S)
        for block in blocks:
            for line in block.splitlines()[2:]:
                line = line.strip()
                if len(line) > 40 and not re.search(r"[{}$`*_\\|<>#&]|^[-:]", line):
                    found.append(line[:40])
    return found


def test_leak_check_finds_chapter_solutions():
    assert len(_chapter_solution_sentences()) > 10


@pytest.mark.skipif(not STUDENT_SITE.is_dir(), reason="no student site: run make book-student (make test does)")
def test_student_site_has_no_solutions():
    pages = sorted(STUDENT_SITE.rglob("*.html")) + sorted(STUDENT_SITE.rglob("*.js"))
    assert len(pages) > 5
    assert not (STUDENT_SITE / "_sources").exists(), "the page sources hold the solutions"
    sentences = _chapter_solution_sentences()
    for page in pages:
        html = page.read_text(errors="replace")
        assert 'class="solution' not in html and "solution-start" not in html, page
        leaked = [s for s in sentences if s in html]
        assert not leaked, (page, leaked[:3])
    # the exercises themselves stay
    assert "exercise" in (STUDENT_SITE / "chapters" / "01-ions.html").read_text()
    # the full site (make book) shows the same sentences: the check can fail
    full = ROOT / "_build" / "html" / "chapters" / "01-ions.html"
    if full.is_file():
        assert any(s in full.read_text(errors="replace") for s in sentences)


def master_tests(nb: dict) -> list[dict]:
    """Every test of a master notebook: {question, config (its TEST CONFIG as a dict), body (its code)}."""
    found, question, in_tests = [], None, False
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            if src.startswith("# BEGIN QUESTION"):
                question = re.search(r"^name: (\S+)$", src, re.M).group(1)
            in_tests = src.startswith("# BEGIN TESTS") or (in_tests and not src.startswith("# END TESTS"))
            continue
        if in_tests and cell["cell_type"] == "code":
            config, _, body = src.partition('""" # END TEST CONFIG')
            config = yaml.safe_load(config.replace('""" # BEGIN TEST CONFIG', "")) if body else {}
            found.append({"question": question, "config": config or {}, "body": body if body else src})
    return found


def correctness_tests(nb: dict) -> list[dict]:
    """The tests that check an answer's value: those with no failure message (a misconception check or a
    type check always names what went wrong)."""
    return [t for t in master_tests(nb) if "failure_message" not in t["config"]]


@pytest.mark.parametrize("name", SETS)
def test_every_correctness_test_is_hidden_and_absent_from_every_student_notebook(coursework_build, name):
    """Not trusting the master's own ``hidden`` flags: the correctness test of every question is hidden,
    and none of its code lines appears in any student notebook (of any set)."""
    master = json.loads((ROOT / "coursework" / name / f"{name}.ipynb").read_text())
    tests = correctness_tests(master)
    questions = {q["question"] for q in misconceptions(name)}
    assert {t["question"] for t in tests} == questions, "every question needs a correctness test"
    students = []
    for zip_path in coursework_build.values():
        text = (zip_path.parent / "student" / f"{zip_path.parent.name}.ipynb").read_text()
        students.append(text + json.dumps(json.loads(text), ensure_ascii=False))
    for t in tests:
        assert t["config"].get("hidden") is True, f"{name} {t['question']}: its correctness test is public"
        lines = [ln.strip() for ln in t["body"].splitlines() if len(ln.strip()) > 6]
        assert any(ln.startswith("assert") for ln in lines), t
        leaked = [ln for ln in lines if any(ln in s or json.dumps(ln)[1:-1] in s for s in students)]
        assert not leaked, f"{name} {t['question']}: correctness test text in a student notebook: {leaked}"


#: Misconception checks kept hidden on purpose, with the reason: {(set, question, wrong answer): why}.
MULTIPLE_CHOICE = "multiple choice: public, both wrong options would be ruled out and the answer shown"
HIDDEN_ON_PURPOSE = {
    ("01-ions", "q4", "inward"): MULTIPLE_CHOICE,
    ("02-epsps", "q4", "outward"): MULTIPLE_CHOICE,
    ("03-ipsps", "q3", "no change"): MULTIPLE_CHOICE,
    ("04-chloride", "q4", "Na/K pump"): MULTIPLE_CHOICE,
    ("05-temporal-summation", "q3", "same"): MULTIPLE_CHOICE,
    ("06-spatial-summation", "q3", "earlier"): MULTIPLE_CHOICE,
    ("06-spatial-summation", "q4", "between"): MULTIPLE_CHOICE,
    ("06-spatial-summation", "q5", "same"): MULTIPLE_CHOICE,
    ("07-threshold", "q4", "no effect"): MULTIPLE_CHOICE,
    ("08-measuring", "q3", "sharp KCl"): MULTIPLE_CHOICE,
    ("02-epsps", "q5", 24): "the check simulates the threshold count, the answer itself",
    ("07-threshold", "q3", 5): "the check simulates the spikes lost, the answer itself",
    ("06-spatial-summation", "q2", 0.198): "1 − 0.198 is the answer",
    ("04-chloride", "q5", -41.892): "the check computes question 2's answer, ip.gaba_reversal(25, 130)",
}


def _setup_namespace(nb: dict) -> dict:
    """The master's setup code (code cells outside questions) run in a fresh namespace."""
    ns, in_question = {}, False
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "raw":
            in_question = src.startswith("# BEGIN QUESTION") or (in_question and not src.startswith("# END QUESTION"))
        elif cell["cell_type"] == "code" and not in_question:
            exec(compile(src, "setup", "exec"), ns)  # noqa: S102 - the project's own master notebook
    return ns


def misconception_counts() -> dict[str, int]:
    counts = {"public": 0, "hidden": 0}
    for name in SETS:
        nb = json.loads((ROOT / "coursework" / name / f"{name}.ipynb").read_text())
        messages = {m["message"] for q in misconceptions(name) for m in q["misconceptions"]}
        for t in master_tests(nb):
            if t["config"].get("failure_message") in messages:
                counts["hidden" if t["config"].get("hidden") else "public"] += 1
    return counts


@pytest.mark.parametrize("name", SETS)
def test_misconception_checks_are_public_unless_they_give_the_answer_away(name):
    """Students see a misconception's message while they work: its check is public, and run on that wrong
    answer it fails. Only the checks in HIDDEN_ON_PURPOSE stay hidden."""
    nb = json.loads((ROOT / "coursework" / name / f"{name}.ipynb").read_text())
    setup = _setup_namespace(nb)
    tests = master_tests(nb)
    for q in misconceptions(name):
        for m in q["misconceptions"]:
            [check] = [t for t in tests if t["config"].get("failure_message") == m["message"]]
            assert check["question"] == q["question"]
            hidden = check["config"].get("hidden") is True
            key = (name, q["question"], m["wrong_answer"])
            assert hidden == (key in HIDDEN_ON_PURPOSE), key
            if not hidden:
                ns = {**setup, q["variable"]: m["wrong_answer"]}
                with pytest.raises(AssertionError):
                    exec(compile(check["body"], q["question"], "exec"), ns)  # noqa: S102


def test_most_misconception_messages_are_public():
    counts = misconception_counts()
    print(f"misconception messages: {counts['public']} public, {counts['hidden']} hidden")
    assert counts["hidden"] == len(HIDDEN_ON_PURPOSE)
    assert counts["public"] >= 4 * counts["hidden"]
