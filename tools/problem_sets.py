"""Problem sets: build the student notebooks and autograder zips, grade submissions, run notebooks.

The masters live in coursework/<set>/<set>.ipynb in otter-grader's assign format (v1). `otter assign`
(no Docker) writes, per set, ``<out>/<set>/student/<set>.ipynb`` (what students get: solutions replaced by
``...``, public tests inside the notebook's metadata) and ``<out>/<set>/autograder/`` (the reference
notebook and the zip Gradescope or ``otter run`` grade with); this module copies that zip to the stable name
``<out>/<set>/<set>-autograder.zip``.

Usage: ``python tools/problem_sets.py build [--out _build/coursework] [--jobs 2] [SET ...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSEWORK = ROOT / "coursework"
BIN = Path(sys.executable).parent
ANSWER_TAG = "otter_answer_cell"
SOLUTION_TAG = "otter_assign_solution_cell"


def set_names() -> list[str]:
    """Names of the problem sets: the folders of coursework/ that hold a master notebook of the same name."""
    return sorted(p.name for p in COURSEWORK.iterdir() if (p / f"{p.name}.ipynb").is_file())


def build_set(name: str, out_dir: Path) -> Path:
    """Run ``otter assign`` on one master into ``out_dir/name``; return the autograder zip path."""
    master = COURSEWORK / name / f"{name}.ipynb"
    if not master.is_file():
        raise ValueError(f"name must be a problem set in {COURSEWORK} (one of {set_names()}), got {name!r}")
    dest = Path(out_dir) / name
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([str(BIN / "otter"), "assign", str(master), str(dest)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    zips = sorted((dest / "autograder").glob("*.zip"))
    if proc.returncode != 0 or len(zips) != 1:
        raise RuntimeError(f"otter assign failed for {name} (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    stable = dest / f"{name}-autograder.zip"
    shutil.copyfile(zips[0], stable)
    return stable


def build_all(out_dir: Path, names=None, jobs: int = 2) -> dict[str, Path]:
    """Build several sets in parallel; returns {set name: autograder zip}."""
    names = list(names or set_names())
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        zips = list(pool.map(lambda n: build_set(n, out_dir), names))
    return dict(zip(names, zips, strict=True))


def grade(submission: Path, autograder_zip: Path, timeout_s: float = 600.0) -> dict:
    """Grade one notebook with ``otter run`` (no Docker); returns otter's results.json as a dict.

    Raises RuntimeError (with otter's output) if otter writes no results.
    """
    with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.run(
            [str(BIN / "otter"), "run", "--no-logo", "-a", str(autograder_zip), "-o", tmp, str(submission)],
            capture_output=True, text=True, env=env, timeout=timeout_s, cwd=tmp,
        )
        results = Path(tmp) / "results.json"
        if not results.is_file():
            raise RuntimeError(f"otter run wrote no results for {submission} (exit {proc.returncode}):\n"
                               f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        return json.loads(results.read_text())


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
    from jupyter_client.manager import KernelManager
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
    km = KernelManager(kernel_cmd=[str(python_executable), "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    client = NotebookClient(nb, km=km, timeout=timeout_s, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(cwd=str(path.parent))
    except CellExecutionError as err:
        raise RuntimeError(f"{path.name}: a cell before the first unanswered question failed:\n{err}") from err
    return sum(cell.cell_type == "code" for cell in keep)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="otter assign every set (student notebook + autograder zip)")
    b.add_argument("sets", nargs="*", help=f"default: all ({', '.join(set_names())})")
    b.add_argument("--out", type=Path, default=ROOT / "_build" / "coursework")
    b.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    zips = build_all(args.out, args.sets or None, args.jobs)
    for name, z in zips.items():
        print(f"{name}: {z.parent / 'student' / (name + '.ipynb')}  {z}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
