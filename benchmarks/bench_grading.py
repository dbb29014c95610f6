"""Time grading a class: 50 generated submissions (mixed right and wrong answers) through otter run.

Builds one problem set (default 01-ions; ``--set``) with otter assign into a temporary folder, writes 50
submissions in which every answer is, at random (seeded), the reference solution, one of the two listed
wrong answers, or left blank, grades the folder with tools/grade_class.py and prints the wall time, the
time per notebook and the score distribution, then the class misconception report next to what was planted
(each wrong answer planted in n notebooks must be counted n times).
"""

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import grade_class  # noqa: E402
import problem_sets  # noqa: E402
import yaml  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="set_name", default="01-ions")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(8)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zip_path = problem_sets.build_set(args.set_name, tmp / "built")
        student = json.loads((zip_path.parent / "student" / f"{args.set_name}.ipynb").read_text())
        reference = json.loads((zip_path.parent / "autograder" / f"{args.set_name}.ipynb").read_text())
        listed = ROOT / "coursework" / args.set_name / "misconceptions.yml"
        questions = yaml.safe_load(listed.read_text())["questions"]
        cells = problem_sets.answer_cells(student)
        ref_cells = problem_sets.answer_cells(reference)
        subs = tmp / "submissions"
        subs.mkdir()
        planted = Counter()
        for k in range(args.n):
            nb = json.loads(json.dumps(student))
            for q in questions:
                choice = rng.choice(["right", "right", "wrong0", "wrong1", "blank"])
                i = cells[q["question"]]
                if choice == "right":
                    nb["cells"][i]["source"] = reference["cells"][ref_cells[q["question"]]]["source"]
                elif choice.startswith("wrong"):
                    wrong = q["misconceptions"][int(choice[-1])]["wrong_answer"]
                    planted[(q["question"], q["misconceptions"][int(choice[-1])]["message"])] += 1
                    nb["cells"][i]["source"] = f"{q['variable']} = {wrong!r}"
            (subs / f"student{k:03d}.ipynb").write_text(json.dumps(nb))
        start = time.monotonic()
        rows = grade_class.grade_folder(subs, zip_path, tmp / "grades.csv", jobs=args.jobs)
        wall = time.monotonic() - start
        with (tmp / f"{args.set_name}-misconceptions.csv").open(newline="", encoding="utf-8") as f:
            report = [(r["question"], r["message"], int(r["students"])) for r in csv.DictReader(f)]
    totals = [r["total"] for r in rows if r["total"] != ""]
    print(f"set {args.set_name}: graded {len(rows)} submissions in {wall:.0f} s with {args.jobs} jobs "
          f"({wall / len(rows):.1f} s per notebook); {len(rows) - len(totals)} could not be graded")
    if totals:
        print(f"total scores: mean {statistics.mean(totals):.2f}, min {min(totals)}, max {max(totals)}")
    print("class misconception report (students; planted in brackets):")
    for q, message, n in report:
        print(f"  {n:3d} [{planted.get((q, message), '-')}]  {q}: {message[:90]}")
    missed = {k: v for k, v in planted.items() if (k[0], k[1], v) not in set(report)}
    print("every planted misconception counted exactly: " + ("yes" if not missed else f"NO, {missed}"))


if __name__ == "__main__":
    main()
