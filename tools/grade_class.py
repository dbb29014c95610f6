"""Grade a folder of submitted notebooks locally with ``otter run``: gradebook, feedback, class report.

Usage::

    python tools/grade_class.py SUBMISSIONS_DIR --set 02-epsps [--roster roster.csv] [--out-dir DIR] [--jobs 2]

SUBMISSIONS_DIR is what an LMS gives: notebooks side by side (the file name, without .ipynb, is the
student), or a folder per student (Moodle: the folder name is the student). ``--roster`` maps file or
folder names to student IDs: a CSV with the columns ``file,student_id`` (``file`` without .ipynb;
names missing from it keep their file name). Every notebook is graded with the set's autograder zip
from ``make coursework`` (``_build/coursework/<set>/<set>-autograder.zip``, or ``--autograder ZIP``), or,
for a set built with one variant per student (``students.csv`` beside the zip), with the autograder of the
student's own variant; the class report then counts each misconception once across the variants.

Written to ``--out-dir`` (default ``_build/grades``):

- ``<set>.csv``, the gradebook: one row per submission, ``student, file, <q1>, ..., total, max, error, note``.
  A file that cannot be graded (not JSON, the wrong set, not a notebook at all) gets empty scores and
  otter's reason in ``error``; grading goes on with the next one. ``note`` flags a graded notebook whose
  numbers (its parameter cell) are not those of the set handed out: a student who worked on the published
  set, or another course's version, instead of the seeded one the teacher built, or who edited the numbers.
- ``<set>-files.csv``: every file in the folder and what happened to it (graded, or the reason not).
- ``<set>/feedback/<student>.md``: each student's score and the message of every failed check.
- ``<set>-misconceptions.csv`` / ``.png`` / ``.html``: how many students triggered each message.

A progress bar on stderr counts the notebooks done.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import class_report  # noqa: E402
import problem_sets  # noqa: E402
import set_variants  # noqa: E402
from class_report import Graded  # noqa: E402


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


def _ignored(path: Path, root: Path) -> bool:
    """System files an LMS or an OS adds, never a submission (.DS_Store, Jupyter checkpoints, __MACOSX)."""
    parts = path.relative_to(root).parts
    return any(p.startswith(".") or p in ("__MACOSX", ".ipynb_checkpoints") for p in parts)


def read_roster(path: Path | None) -> dict[str, str]:
    """{file or folder name: student ID} from a CSV with the columns ``file,student_id``."""
    if path is None:
        return {}
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"file", "student_id"} <= set(reader.fieldnames):
            raise ValueError(f"roster must be a CSV with the columns file,student_id, got {reader.fieldnames}")
        return {row["file"].removesuffix(".ipynb").strip(): row["student_id"].strip() for row in reader}


def find_submissions(submissions: Path, roster: dict[str, str]) -> tuple[list[Graded], list[tuple[str, str]]]:
    """Every file of a class folder: ([the submissions to grade or to report as ungradable], [(file, why
    it was skipped)] for system files). A student folder (Moodle) names its student; a file directly in
    the folder is named by its stem."""
    entries, skipped = [], []
    for path in sorted(p for p in submissions.rglob("*") if p.is_file()):
        rel = path.relative_to(submissions).as_posix()
        if _ignored(path, submissions):
            skipped.append((rel, "skipped: a system file (hidden file, checkpoint or __MACOSX), not a submission"))
            continue
        parent = path.parent.relative_to(submissions).parts
        name = parent[0] if parent else path.stem
        entry = Graded(student=roster.get(name, name), file=rel)
        if path.suffix != ".ipynb":
            entry.error = f"not a notebook ({path.suffix or 'no extension'}): only .ipynb files can be graded"
        elif path.stat().st_size == 0:
            entry.error = "NotJSONError: the file is empty"
        entries.append(entry)
    # two notebooks of one student (a folder with two .ipynb): both graded, told apart by their file
    seen: dict[str, int] = {}
    for e in entries:
        seen[e.student] = seen.get(e.student, 0) + 1
    for e in entries:
        if seen[e.student] > 1:
            e.student = f"{e.student} ({Path(e.file).name})"
    return entries, skipped


def handed_out_numbers(autograder: Path) -> dict | None:
    """The numbers of the set that ``autograder`` grades, read from the student notebook that
    ``make coursework`` wrote beside it (``student/<set>.ipynb``); None when there is none to read."""
    student = problem_sets.student_notebook(autograder)
    if not student.is_file():
        return None
    return set_variants.parameter_values(json.loads(student.read_text(encoding="utf-8")))


def version_note(path: Path, handed_out: dict | None) -> str:
    """The gradebook's ``note`` for one notebook: whether its numbers are the ones handed out."""
    if not handed_out:
        return ""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""  # otter reports a file that is not a notebook
    return set_variants.version_mismatch(set_variants.parameter_values(nb), handed_out)


def assign_autograders(entries: list[Graded], autograder: Path) -> dict[str, Path]:
    """{file: the autograder zip that grades it}: ``autograder`` for every file, unless the set was built
    with one variant per student (``students.csv`` beside the zip, `problem_sets.hand_out`): then each
    student's variant. A student missing from students.csv gets an error (nothing to grade them with)."""
    students = problem_sets.read_students(autograder)
    zips = {}
    for e in entries:
        if not students:
            zips[e.file] = Path(autograder)
        elif e.student in students:
            zips[e.file] = problem_sets.variant_zip(autograder, students[e.student])
        else:
            e.error = (f"student {e.student!r} is not in {Path(autograder).parent / 'students.csv'} (the roster the "
                       "variants were handed out to): check the ROSTER, or rebuild with this student in it")
    return zips


def canonical_messages(autograder: Path) -> dict[str, str]:
    """{a variant's misconception message: variant 1's}, so that the class report counts one misconception
    once, whatever numbers each student's variant put in its message ({} with one variant)."""
    students = problem_sets.read_students(autograder)
    first = set_variants.built_misconceptions(Path(autograder).parent)
    same = {}
    for k in sorted(set(students.values()) - {1}):
        other = set_variants.built_misconceptions(problem_sets.variant_zip(autograder, k).parent)
        for q1, qk in zip(first, other, strict=True):
            for m1, mk in zip(q1["misconceptions"], qk["misconceptions"], strict=True):
                same[mk["message"]] = m1["message"]
    return same


def grade_one(path: Path, autograder: Path, timeout_s: float) -> tuple[dict, str, dict | None]:
    try:
        results = problem_sets.grade(path, autograder, timeout_s)
    except Exception as err:  # one bad notebook must not stop a class's grading
        return {}, f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"[:300], None
    return problem_sets.scores(results), "", results


def grade_entries(submissions: Path, autograder: Path, jobs: int = 2, timeout_s: float = 600.0,
                  show_progress: bool = True, roster: dict[str, str] | None = None
                  ) -> tuple[list[Graded], list[tuple[str, str]]]:
    """Grade every submission of a class folder; returns (entries, skipped system files)."""
    submissions, autograder = Path(submissions), Path(autograder)
    if not submissions.is_dir():
        raise ValueError(f"submissions must be a folder of .ipynb files, got {submissions}")
    if not autograder.is_file():
        raise ValueError(f"autograder must be an otter autograder zip (run make coursework first), got {autograder}")
    entries, skipped = find_submissions(submissions, roster or {})
    todo = [e for e in entries if not e.error]
    if not entries:
        raise ValueError(f"submissions folder {submissions} holds no files to grade")
    zips = assign_autograders(todo, autograder)
    todo = [e for e in todo if not e.error]
    handed_out = {z: handed_out_numbers(z) for z in set(zips.values())}
    if None in handed_out.values() and show_progress:
        print(f"note: no student notebook beside {autograder}: which version of the set each submission used "
              "is not checked", file=sys.stderr)
    for e in todo:
        e.note = version_note(submissions / e.file, handed_out[zips[e.file]])
    started = time.monotonic()
    if show_progress:
        progress(0, len(todo), started)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(grade_one, submissions / e.file, zips[e.file], timeout_s): e for e in todo}
        for done, fut in enumerate(as_completed(futures), 1):
            entry = futures[fut]
            entry.scores, entry.error, entry.results = fut.result()
            if show_progress:
                progress(done, len(todo), started)
    return entries, skipped


def write_gradebook(entries: list[Graded], points: dict[str, float], out_csv: Path) -> list[dict]:
    """The gradebook CSV (``student, file, <questions>, total, max, error, note``); returns its rows."""
    maximum = sum(points.values())
    rows = []
    for e in entries:
        row = {"student": e.student, "file": e.file, **{q: e.scores.get(q, "") for q in points}}
        row.update(total=sum(e.scores.values()) if e.scores else "", max=maximum, error=e.error,
                   note=e.note if not e.error else "")
        rows.append(row)
    out_csv = Path(out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "file", *points, "total", "max", "error", "note"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def write_files_report(entries: list[Graded], skipped: list[tuple[str, str]], out_csv: Path) -> None:
    """Every file of the class folder with what happened to it."""
    rows = [(e.file, e.student, f"not graded: {e.error}" if e.error else f"graded; {e.note}" if e.note else "graded")
            for e in entries]
    rows += [(f, "", why) for f, why in skipped]
    with Path(out_csv).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "student", "outcome"])
        writer.writerows(sorted(rows))


def grade_folder(submissions: Path, autograder: Path, out_csv: Path, jobs: int = 2, timeout_s: float = 600.0,
                 show_progress: bool = True, roster: dict[str, str] | None = None,
                 set_name: str | None = None) -> list[dict]:
    """Grade a class folder and write everything the module docstring lists next to ``out_csv`` (the
    gradebook); returns the gradebook's rows."""
    out_csv = Path(out_csv)
    set_name = set_name or Path(autograder).stem.removesuffix("-autograder")
    entries, skipped = grade_entries(submissions, autograder, jobs, timeout_s, show_progress, roster)
    points = problem_sets.question_points(autograder)
    rows = write_gradebook(entries, points, out_csv)
    write_files_report(entries, skipped, out_csv.with_name(f"{out_csv.stem}-files.csv"))
    class_report.write_feedback(entries, set_name, points, out_csv.parent / out_csv.stem / "feedback")
    class_report.write_misconception_report(entries, set_name, out_csv.parent, canonical_messages(autograder))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("submissions", type=Path)
    parser.add_argument("--set", dest="set_name", help=f"problem set, one of {problem_sets.set_names()}")
    parser.add_argument("--autograder", type=Path, help="autograder zip (default: the set's zip from make coursework)")
    parser.add_argument("--roster", type=Path, help="CSV with the columns file,student_id (file names to IDs)")
    parser.add_argument("--out-dir", type=Path, default=problem_sets.ROOT / "_build" / "grades")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per notebook (default 600)")
    args = parser.parse_args(argv)
    if args.autograder is None:
        if not args.set_name:
            parser.error("give --set NAME or --autograder ZIP")
        built = problem_sets.ROOT / "_build" / "coursework" / args.set_name
        args.autograder = built / f"{args.set_name}-autograder.zip"
    name = args.set_name or args.autograder.stem.removesuffix("-autograder")
    out = args.out_dir / f"{name}.csv"
    rows = grade_folder(args.submissions, args.autograder, out, args.jobs, args.timeout,
                        roster=read_roster(args.roster), set_name=name)
    failed = sum(bool(r["error"]) for r in rows)
    print(f"graded {len(rows)} submissions ({failed} could not be graded) -> {out}\n"
          f"  every file: {out.with_name(name + '-files.csv')}\n  feedback: {args.out_dir / name / 'feedback'}/\n"
          f"  class report: {args.out_dir / (name + '-misconceptions.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
