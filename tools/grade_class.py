"""Grade a folder of submitted notebooks locally with ``otter run`` into one CSV.

Usage::

    python tools/grade_class.py SUBMISSIONS_DIR --set 02-epsps [--out grades.csv] [--jobs 2]

Each ``*.ipynb`` in SUBMISSIONS_DIR (the file name, without .ipynb, is the student id) is graded with the
set's autograder zip from ``make coursework`` (``_build/coursework/<set>/<set>-autograder.zip``, or
``--autograder ZIP``). The CSV has one row per student: ``student, <q1>, <q2>, ..., total, max, error``.
A notebook that cannot be graded at all (not JSON, otter crashes, timeout) gets empty scores and its
error in the ``error`` column; grading goes on with the next one. A progress bar on stderr counts the
notebooks done.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import problem_sets  # noqa: E402


def progress(done: int, total: int, started: float, stream=sys.stderr) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    elapsed = time.monotonic() - started
    eta = elapsed / done * (total - done) if done else 0.0
    bar = "#" * filled + "." * (width - filled)
    stream.write(f"\rgrading [{bar}] {done}/{total}  {elapsed:.0f} s, ~{eta:.0f} s left")
    if done == total:
        stream.write("\n")
    stream.flush()


def grade_one(path: Path, autograder: Path, timeout_s: float) -> tuple[dict, str]:
    try:
        return problem_sets.scores(problem_sets.grade(path, autograder, timeout_s)), ""
    except Exception as err:  # one bad notebook must not stop a class's grading
        return {}, f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"[:300]


def grade_folder(submissions: Path, autograder: Path, out_csv: Path, jobs: int = 2, timeout_s: float = 600.0,
                 show_progress: bool = True) -> list[dict]:
    """Grade every notebook in ``submissions``; write ``out_csv``; return the rows."""
    submissions, autograder = Path(submissions), Path(autograder)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of .ipynb files, got {submissions}")
    if not autograder.is_file():
        raise ValueError(f"autograder must be an otter autograder zip (run make coursework first), got {autograder}")
    paths = sorted(submissions.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"submissions folder {submissions} holds no .ipynb files")
    results: dict[Path, tuple[dict, str]] = {}
    started = time.monotonic()
    if show_progress:
        progress(0, len(paths), started)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, p, autograder, timeout_s): p for p in paths}
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            if show_progress:
                progress(len(results), len(paths), started)
    questions = sorted({q for s, _ in results.values() for q in s}, key=lambda q: (len(q), q))
    rows = []
    for p in paths:
        s, error = results[p]
        row = {"student": p.stem, **{q: s.get(q, "") for q in questions}}
        row["total"] = sum(s.values()) if s else ""
        row["error"] = error
        rows.append(row)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["student", *questions, "total", "error"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--set", dest="set_name", help=f"problem set, one of {problem_sets.set_names()}")
    parser.add_argument("--autograder", type=Path, help="autograder zip (default: the set's zip from make coursework)")
    parser.add_argument("--out", type=Path, help="CSV (default: _build/grades/<set>.csv)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per notebook (default 600)")
    args = parser.parse_args(argv)
    if args.autograder is None:
        if not args.set_name:
            parser.error("give --set NAME or --autograder ZIP")
        built = problem_sets.ROOT / "_build" / "coursework" / args.set_name
        args.autograder = built / f"{args.set_name}-autograder.zip"
    name = args.set_name or args.autograder.stem
    out = args.out or problem_sets.ROOT / "_build" / "grades" / f"{name}.csv"
    rows = grade_folder(args.submissions, args.autograder, out, args.jobs, args.timeout)
    failed = sum(bool(r["error"]) for r in rows)
    print(f"graded {len(rows)} notebooks ({failed} could not be graded) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
