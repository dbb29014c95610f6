"""Problem sets: build the student notebooks and autograder zips, grade submissions, run notebooks.

The masters live in coursework/<set>/<set>.ipynb in otter-grader's assign format (v1). `otter assign`
(no Docker) writes, per set, ``<out>/<set>/student/<set>.ipynb`` (what students get: solutions replaced by
``...``, public tests inside the notebook's metadata) and ``<out>/<set>/autograder/`` (the reference
notebook and the zip Gradescope or ``otter run`` grade with). This module then makes both stand on their own:

- the student notebook works under any file name, in any folder and on Colab: its first cells install
  ipsplib and otter-grader where missing, and carry the public tests (`portable_student_notebook`);
- the zip, copied to the stable name ``<out>/<set>/<set>-autograder.zip``, bundles ipsplib's wheel and
  lists it with the pinned runtime in its environment.yml (`self_sufficient_zip`), so Gradescope can
  import ipsplib with nothing of this repository.

``build`` also writes ``<out>/course-requirements.txt``: a requirements.txt for a course repository
(tools/ipsplib_release.py).

With ``--seed`` (a number the teacher keeps private), every variable set (one with a parameters.yml) is
built with its numbers drawn from that seed (tools/set_variants.py): question text, solutions, hidden
tests and misconception messages all follow, and ``<out>/<set>/variant.yml`` records the numbers. Without
a seed the masters are built as published. Either way ``<out>/<set>/misconceptions.yml`` lists the wrong
answers and messages of what was built.

With ``--variants K --roster roster.csv`` as well, every variable set is built K times (variant 1 from the
seed itself, the others from seeds drawn from it), and each student gets the variant that their ID and the
seed draw: ``<out>/<set>/handout/<student_id>/<set>.ipynb``, listed in ``<out>/<set>/students.csv``, which
tools/grade_class.py reads to grade each student with their variant's autograder.

Usage: ``python tools/problem_sets.py build [--out _build/coursework] [--jobs 2] [--seed N]
[--variants K --roster roster.csv] [SET ...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ipsplib_release  # noqa: E402
import set_variants  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COURSEWORK = ROOT / "coursework"
BIN = Path(sys.executable).parent
ANSWER_TAG = "otter_answer_cell"
SOLUTION_TAG = "otter_assign_solution_cell"


def set_names() -> list[str]:
    """Names of the problem sets: the folders of coursework/ that hold a master notebook of the same name."""
    return sorted(p.name for p in COURSEWORK.iterdir() if (p / f"{p.name}.ipynb").is_file())


def build_set(name: str, out_dir: Path, wheel: Path | None = None, student_requirement: str | None = None,
              seed: int | None = None) -> Path:
    """Run ``otter assign`` on one master into ``out_dir/name``; return the autograder zip path.

    With ``seed``, a variable set is built as the variant that seed draws (`set_variants.write_variant`).

    Then make both outputs stand on their own (see `portable_student_notebook` and
    `self_sufficient_zip`): the zip bundles ``wheel`` (ipsplib's wheel; built here if not given), and
    the student notebook's install cell installs ``student_requirement`` (default: ipsplib's pinned
    release, `ipsplib_release.requirement`).
    """
    master = COURSEWORK / name / f"{name}.ipynb"
    if not master.is_file():
        raise ValueError(f"name must be a problem set in {COURSEWORK} (one of {set_names()}), got {name!r}")
    dest = Path(out_dir) / name
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    if wheel is None:
        wheel = ipsplib_release.build_wheel(dest / "wheel")
    if seed is not None and set_variants.is_variable(name):
        master = set_variants.write_variant(name, seed, dest / "variant", dest)
    else:
        shutil.copy(COURSEWORK / name / "misconceptions.yml", dest / "misconceptions.yml")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([str(BIN / "otter"), "assign", str(master), str(dest)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    zips = sorted((dest / "autograder").glob("*.zip"))
    if proc.returncode != 0 or len(zips) != 1:
        raise RuntimeError(f"otter assign failed for {name} (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    student = dest / "student" / f"{name}.ipynb"
    nb = json.loads(student.read_text(encoding="utf-8"))
    nb = portable_student_notebook(nb, student_requirement or ipsplib_release.requirement())
    student.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    stable = dest / f"{name}-autograder.zip"
    self_sufficient_zip(zips[0], stable, wheel)
    shutil.rmtree(dest / "variant", ignore_errors=True)  # the seeded master holds the solutions
    return stable


def build_all(out_dir: Path, names=None, jobs: int = 2, wheel: Path | None = None,
              student_requirement: str | None = None, seed: int | None = None, variants: int = 1,
              student_ids: list[str] | None = None) -> dict[str, Path]:
    """Build several sets in parallel (one ipsplib wheel for all; ``seed``: see `build_set`); returns
    {set name: autograder zip} (of variant 1).

    With ``variants`` > 1 (needs ``seed`` and ``student_ids``), every variable set is built that many
    times, variant k from `set_variants.variant_seed` (variant 1 in ``out/<set>/`` as usual, the others in
    ``out/variants/<k>/<set>/``), and each student gets the variant their ID draws: ``out/<set>/students.csv``
    (``student_id,variant,notebook``) and their notebook in ``out/<set>/handout/<student_id>/<set>.ipynb``.
    """
    names = list(names or set_names())
    out_dir = Path(out_dir)
    if variants != 1:
        if not (isinstance(variants, int) and variants > 1):
            raise ValueError(f"variants must be a whole number ≥ 1, got {variants!r}")
        if seed is None or not student_ids:
            raise ValueError("variants > 1 needs a seed and the students' IDs (a roster): the seed draws the "
                             "variants, and each student's ID draws which one they get")
    if wheel is None:
        wheel = ipsplib_release.build_wheel(out_dir / "ipsplib-wheel")
    varied = [n for n in names if variants > 1 and set_variants.is_variable(n)]
    for n in names:
        for old in (out_dir / "variants").glob(f"*/{n}"):
            shutil.rmtree(old)  # a previous build's other variants would outlive its students.csv
    jobs_list = [(n, out_dir, seed) for n in names]
    jobs_list += [(n, out_dir / "variants" / str(k), set_variants.variant_seed(seed, k))
                  for n in varied for k in range(2, variants + 1)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        zips = list(pool.map(lambda job: build_set(job[0], job[1], wheel, student_requirement, job[2]), jobs_list))
    for n in varied:
        hand_out(n, out_dir, seed, variants, student_ids)
    return dict(zip(names, zips[:len(names)], strict=True))


def student_notebook(zip_path: Path) -> Path:
    """The student notebook that `build_set` wrote beside a set's autograder zip (``student/<set>.ipynb``)."""
    zip_path = Path(zip_path)
    name = zip_path.stem.removesuffix("-autograder")
    return zip_path.parent / "student" / f"{name}.ipynb"


def variant_zip(zip_path: Path, variant: int) -> Path:
    """The autograder zip of variant ``variant`` of the set whose variant-1 zip is ``zip_path``."""
    zip_path = Path(zip_path)
    if variant == 1:
        return zip_path
    name = zip_path.stem.removesuffix("-autograder")
    return zip_path.parent.parent / "variants" / str(variant) / name / zip_path.name


def hand_out(name: str, out_dir: Path, seed: int, variants: int, student_ids: list[str]) -> Path:
    """Give each student the variant of set ``name`` their ID draws: their notebook in
    ``out/<set>/handout/<student_id>/<set>.ipynb``, and ``out/<set>/students.csv``; returns the CSV."""
    folder = Path(out_dir) / name
    rows = []
    for student in dict.fromkeys(str(s).strip() for s in student_ids):
        if not student or "/" in student or student.startswith("."):
            raise ValueError(f"student_id must be a non-empty name without '/' or a leading '.', got {student!r}")
        k = set_variants.variant_of(seed, variants, name, student)
        source = student_notebook(variant_zip(folder / f"{name}-autograder.zip", k))
        dest = folder / "handout" / student / f"{name}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, dest)
        rows.append((student, k, dest.relative_to(folder).as_posix()))
    path = folder / "students.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "variant", "notebook"])
        writer.writerows(rows)
    return path


def read_students(zip_path: Path) -> dict[str, int]:
    """{student ID: variant} from the ``students.csv`` beside a set's zip ({}: one variant for all)."""
    path = Path(zip_path).parent / "students.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        return {row["student_id"]: int(row["variant"]) for row in csv.DictReader(f)}


def roster_ids(path: Path) -> list[str]:
    """The ``student_id`` column of a roster CSV (the one ``make grade`` reads: ``file,student_id``)."""
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "student_id" not in reader.fieldnames:
            raise ValueError(f"roster must be a CSV with a student_id column, got {reader.fieldnames}")
        return [row["student_id"].strip() for row in reader if row["student_id"].strip()]


#: The first lines of the two cells every student notebook starts with (tests find the cells by them).
INSTALL_FIRST_LINE = "# Installs ipsplib and otter-grader where they are missing (Colab); elsewhere does nothing."
INIT_FIRST_LINE = "# Sets up grader.check. The public checks travel inside this cell, so they work whatever"


def _install_cell_source(requirement: str) -> str:
    return (f"{INSTALL_FIRST_LINE}\n"
            "import importlib.util\n\n"
            'if importlib.util.find_spec("ipsplib") is None or importlib.util.find_spec("otter") is None:\n'
            f'    %pip install --quiet "{requirement}" {ipsplib_release.pin("otter-grader")}\n'
            "    importlib.invalidate_caches()  # the running kernel must see the packages just installed")


def _init_cell_source(assignment: str, public_tests: dict[str, dict], answers: dict[str, list[str]]) -> str:
    """otter's init cell, made independent of the notebook's file name and folder: the public tests (OK
    format, as otter writes tests/qN.py) are written to a temporary folder that ``otter.Notebook`` reads.

    ``grader.check`` is wrapped: a question whose answer variables (``answers``) still hold ``...`` shows
    "not answered yet" instead of a failing test's traceback, and a passing check says that it is not a
    grade. (When otter grades, it runs its own tests, so the wrapper changes no score.)"""
    # one question per line: a test's code is never split across lines (the leak checks search for it)
    tests = "".join(f"    {q!r}: {t!r},\n" for q, t in public_tests.items())
    meta = {"metadata": {"otter": {"assignment_name": assignment}}, "nbformat": 4, "nbformat_minor": 5, "cells": []}
    return (f"{INIT_FIRST_LINE}\n"
            "# this notebook is called and wherever it runs: Binder, Colab, a JupyterHub, a laptop.\n"
            "import json\nimport pathlib\nimport sys\nimport tempfile\n\nimport otter\n\n"
            f"_public_checks = {{\n{tests}}}\n"
            f"_checks = pathlib.Path(tempfile.mkdtemp(prefix={assignment + '-checks-'!r}))\n"
            "for _question, _test in _public_checks.items():\n"
            '    _text = f"OK_FORMAT = True\\ntest = {_test!r}\\n"\n'
            '    (_checks / f"{_question}.py").write_text(_text, encoding="utf-8")\n'
            f'(_checks / "set.ipynb").write_text(json.dumps({meta!r}), encoding="utf-8")\n'
            'grader = otter.Notebook(nb_path=str(_checks / "set.ipynb"), tests_dir=str(_checks))\n'
            f"_answer_names = {answers!r}\n"
            + _CHECK_WRAPPER)


_CHECK_WRAPPER = '''_otter_check = grader.check


class _CheckNote:
    def __init__(self, text, result=None):
        self.text, self.result = text, result

    def __repr__(self):
        return self.text + ("" if self.result is None else "\\n" + repr(self.result))

    def _repr_html_(self):
        import html

        below = "" if self.result is None else self.result._repr_html_()
        return f"<p><strong>{html.escape(self.text)}</strong></p>{below}"


def _check(question, global_env=None):
    """otter's grader.check, with a plain "not answered yet" and a reminder that the checks are not a grade."""
    env = global_env if global_env is not None else sys._getframe(1).f_globals
    blank = [name for name in _answer_names.get(question, []) if env.get(name, ...) is ...]
    if blank:
        return _CheckNote(f"{question}: not answered yet. Replace the ... after {', '.join(blank)} with your "
                          "answer, run that cell, then run this check again.")
    result = _otter_check(question, env)
    if getattr(result, "passed_all", False):
        return _CheckNote(f"{question}: the public checks passed. They catch common mistakes only: this is "
                          "not a grade (your instructor's autograder runs more tests).", result)
    return result


grader.check = _check'''


def answer_names(nb: dict) -> dict[str, list[str]]:
    """{question: the variables its answer cell asks for (``name = ...``)} in a student notebook."""
    found = {}
    for q, k in answer_cells(nb).items():
        src = "".join(nb["cells"][k]["source"])
        found[q] = re.findall(r"^(\w+)\s*=\s*\.\.\.\s*(?:#.*)?$", src, re.M)
    return found


def portable_student_notebook(nb: dict, requirement: str) -> dict:
    """A student notebook from ``otter assign`` that works under any file name, in any folder, on Colab.

    otter's own first cell, ``otter.Notebook("<set>.ipynb")``, fails as soon as the file is renamed
    ("03-ipsps (1).ipynb" from an LMS) or moved, and on Colab, which keeps no notebook file and no
    tests/ folder. This replaces it with a cell that carries the public tests itself (from the
    notebook's ``otter.tests`` metadata), and puts before it an install cell for Colab that installs
    ``requirement`` (ipsplib) and otter-grader when either is missing.
    """
    import copy

    nb = copy.deepcopy(nb)
    otter_meta = nb["metadata"]["otter"]
    init = next(k for k, c in enumerate(nb["cells"])
                if c["cell_type"] == "code" and "otter.Notebook(" in "".join(c["source"]))
    hidden = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"], "cellView": "form"}
    nb["cells"][init] = {
        "cell_type": "code", "execution_count": None, "id": "otter-init", "outputs": [],
        "metadata": {"deletable": False, "editable": False, **hidden},
        "source": _init_cell_source(otter_meta["assignment_name"], otter_meta.get("tests", {}), answer_names(nb)),
    }
    nb["cells"].insert(init, {
        "cell_type": "code", "execution_count": None, "id": "install", "outputs": [],
        "metadata": {"deletable": False, "editable": False, **hidden},
        "source": _install_cell_source(requirement),
    })
    return nb


def self_sufficient_zip(source_zip: Path, out_zip: Path, wheel: Path) -> Path:
    """Copy otter's autograder zip to ``out_zip`` with what Gradescope needs to import ipsplib.

    otter writes an environment.yml with only Python and otter-grader. The copy bundles ``wheel``
    (ipsplib at this release) and lists it in environment.yml's pip section (a path relative to that
    file, as conda resolves it), with the book's pinned runtime and binder/runtime.txt's Python.
    """
    import zipfile

    import yaml

    python = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")
    with zipfile.ZipFile(source_zip) as src, zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "environment.yml":
                env = yaml.safe_load(data)
                deps = [d for d in env["dependencies"] if not (isinstance(d, str) and d.startswith("python="))]
                pip = next(d for d in deps if isinstance(d, dict))["pip"]
                pip += [ln for ln in ipsplib_release.runtime_pins()
                        if not ln.startswith(("otter-grader", "myst-nb"))] + [f"./{Path(wheel).name}"]
                env["dependencies"] = [f"python={python}", *deps]
                data = yaml.safe_dump(env, sort_keys=False).encode("utf-8")
            dst.writestr(item, data)
        dst.write(wheel, Path(wheel).name)
    return out_zip


#: Seconds otter's grading kernel may take to start (nbclient's default, 60 s, is too short on a loaded
#: 2-core machine: one slow start used to error a whole test session).
KERNEL_START_TIMEOUT_S = 300
#: otter's own command line, with the kernel start-up timeout raised first (otter builds its
#: ExecutePreprocessor from a fresh Config, so no Jupyter config file can reach it).
_OTTER_MAIN = (
    "import sys, nbclient; "
    "nbclient.NotebookClient.class_traits()['startup_timeout'].default_value = int(sys.argv.pop(1)); "
    "from otter.cli import cli; sys.argv[0] = 'otter'; sys.exit(cli())"
)
#: What a kernel that failed to start leaves in otter's output (jupyter_client's messages).
_KERNEL_START_FAILURES = ("Kernel didn't respond", "Kernel died before replying")


def _otter_run(submission: Path, autograder_zip: Path, out: Path, timeout_s: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-c", _OTTER_MAIN, str(KERNEL_START_TIMEOUT_S),
         "run", "--no-logo", "-a", str(autograder_zip), "-o", str(out), str(submission)],
        capture_output=True, text=True, env=env, timeout=timeout_s, cwd=out,
    )


def grade(submission: Path, autograder_zip: Path, timeout_s: float = 600.0, retries: int = 1) -> dict:
    """Grade one notebook with ``otter run`` (no Docker); returns otter's results.json as a dict.

    The grading kernel may take ``KERNEL_START_TIMEOUT_S`` to start, and a kernel that still fails to
    start is retried ``retries`` times (a busy machine, not the submission). Raises RuntimeError (with
    otter's output) if otter writes no results.
    """
    for attempt in range(retries + 1):
        with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
            proc = _otter_run(Path(submission).resolve(), Path(autograder_zip).resolve(), Path(tmp), timeout_s)
            results = Path(tmp) / "results.json"
            if results.is_file():
                return json.loads(results.read_text())
        output = proc.stdout + proc.stderr
        if attempt < retries and any(m in output for m in _KERNEL_START_FAILURES):
            continue
        raise RuntimeError(f"{otter_reason(output)} (otter run wrote no results for {Path(submission).name}, "
                           f"exit {proc.returncode})\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    raise AssertionError("unreachable")


def otter_reason(output: str) -> str:
    r"""The reason otter gave for not grading, from its output: the last ``SomeError: ...`` line of its
    traceback (module path dropped), else its last non-empty line.

    Examples
    --------
    >>> otter_reason("Traceback ...\nnbformat.reader.NotJSONError: Notebook does not appear to be JSON: ''")
    "NotJSONError: Notebook does not appear to be JSON: ''"
    >>> otter_reason("")
    'otter gave no reason'
    """
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"^([A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(Error|Exception): ", ln)]
    line = errors[-1] if errors else (lines[-1] if lines else "otter gave no reason")
    return re.sub(r"^([A-Za-z_]\w*\.)+(?=\w+(Error|Exception): )", "", line)


def question_points(autograder_zip: Path) -> dict[str, float]:
    """{question: points} of every graded question in an autograder zip (its tests/qN.py files).

    Examples
    --------
    >>> question_points(Path("no-such.zip"))
    Traceback (most recent call last):
    ...
    ValueError: autograder_zip must be an otter autograder zip, got no-such.zip
    """
    import ast
    import zipfile

    if not zipfile.is_zipfile(autograder_zip):
        raise ValueError(f"autograder_zip must be an otter autograder zip, got {autograder_zip}")
    points = {}
    with zipfile.ZipFile(autograder_zip) as zf:
        for name in zf.namelist():
            if name.startswith("tests/") and name.endswith(".py"):
                tree = ast.parse(zf.read(name).decode("utf-8"))
                test = next(ast.literal_eval(node.value) for node in tree.body
                            if isinstance(node, ast.Assign) and node.targets[0].id == "test")
                points[test["name"]] = float(test.get("points", 1))
    return dict(sorted(points.items(), key=lambda kv: (len(kv[0]), kv[0])))


def scores(results: dict) -> dict[str, float]:
    """{question: score} from otter's results.json (the 'Public Tests' summary entry is skipped)."""
    return {t["name"]: float(t["score"]) for t in results["tests"] if "score" in t and t.get("name") != "Public Tests"}


def answer_cells(nb: dict) -> dict[str, int]:
    """{question name: index of its answer cell} in a student or reference notebook.

    The answer cell is the tagged cell before the question's ``grader.check("qN")`` cell.
    """
    found, last = {}, None
    for i, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if ANSWER_TAG in tags or SOLUTION_TAG in tags:
            last = i
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and src.startswith("grader.check(") and last is not None:
            found[src.split('"')[1]] = last
            last = None
    return found


def run_until_unanswered(notebook_path, python_executable, timeout_s: float = 300.0) -> int:
    """Run a student notebook top to bottom in a fresh kernel up to its first unanswered question.

    Starts an IPython kernel with ``python_executable`` (so the environment under test is that
    interpreter's: the book's venv, a Binder image...), in the notebook's folder, and executes every
    code cell before the first answer cell that still holds ``...``. Any error in those cells (an
    import that fails, a broken setup cell, otter's ``grader`` failing to start) raises RuntimeError
    naming the cell. Returns the number of code cells run.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(notebook_path).resolve()
    nb = nbformat.read(path, as_version=4)
    keep = []
    for cell in nb.cells:
        if cell.cell_type == "code" and ANSWER_TAG in cell.metadata.get("tags", []) and "..." in cell.source:
            break
        keep.append(cell)
    nb.cells = keep
    with kernel_for(python_executable) as km:
        client = NotebookClient(nb, km=km, timeout=timeout_s, allow_errors=False,
                                startup_timeout=KERNEL_START_TIMEOUT_S,
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute(cwd=str(path.parent))
        except CellExecutionError as err:
            raise RuntimeError(f"{path.name}: a cell before the first unanswered question failed:\n{err}") from err
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return sum(cell.cell_type == "code" for cell in keep)


@contextlib.contextmanager
def kernel_for(python_executable):
    """A KernelManager whose kernel runs ``python_executable`` (through a temporary kernelspec).

    jupyter_client 8 ignores the old ``kernel_cmd`` argument and would start the default kernel, the
    test runner's own Python, instead: a test of another environment would silently test this one.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="ipsp-kernels-") as root:
        spec = Path(root) / "target"
        spec.mkdir()
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(python_executable), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"Python ({python_executable})", "language": "python"}), encoding="utf-8")
        yield KernelManager(kernel_name="target", kernel_spec_manager=KernelSpecManager(kernel_dirs=[root]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="otter assign every set (student notebook + autograder zip)")
    b.add_argument("sets", nargs="*", help=f"default: all ({', '.join(set_names())})")
    b.add_argument("--out", type=Path, default=ROOT / "_build" / "coursework")
    b.add_argument("--jobs", type=int, default=2)
    b.add_argument("--seed", type=int, default=None,
                   help="draw the numbers of every variable set from this private seed (default: as published)")
    b.add_argument("--variants", type=int, default=1,
                   help="variants of each variable set, one per student drawn from their ID (needs --seed, --roster)")
    b.add_argument("--roster", type=Path, help="CSV with a student_id column: who gets which variant")
    args = parser.parse_args(argv)
    students = roster_ids(args.roster) if args.roster else None
    zips = build_all(args.out, args.sets or None, args.jobs, seed=args.seed, variants=args.variants,
                     student_ids=students)
    for name, z in zips.items():
        numbers = "numbers from the seed" if (z.parent / "variant.yml").is_file() else "published numbers"
        handout = z.parent / "students.csv"
        where = (f"{args.variants} variants, one per student: {z.parent / 'handout'}/<student_id>/ ({handout})"
                 if handout.is_file() else student_notebook(z))
        print(f"{name} ({numbers}): {where}  {z}")
    requirements = args.out / "course-requirements.txt"
    requirements.write_text(ipsplib_release.course_requirements(), encoding="utf-8")
    print(f"requirements.txt for a course repository: {requirements}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
