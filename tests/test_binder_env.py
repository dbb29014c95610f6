"""binder/ alone runs the book: every chapter notebook executes in the Binder environment.

`binder_env.binder_python` builds (once, then cached by the requirements' hash) a fresh
virtualenv from binder/requirements.txt alone, as Binder does; nothing of requirements-dev.txt is
in it. Each chapters/*.ipynb (new chapters are picked up by the glob) runs top to bottom in a
kernel of that environment, live (no IPSP_BOOK_STATIC), as a student in Binder runs it. A cell that
raises, or writes to stderr (a warning a student would see), fails the test; so does an install cell
that did anything (ipsplib must already import there).

Student coursework notebooks: each student notebook, as ``otter assign`` makes it (the session's
``coursework_build`` fixture), runs up to its first unanswered question
(``problem_sets.run_until_unanswered(notebook_path, python_executable)``) in the same environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from binder_env import ROOT, binder_python, env_dir, kernel_env
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
CELL_TIMEOUT_S = 300
KERNEL = "ipsp-binder"


@pytest.fixture(scope="module")
def python() -> Path:
    return binder_python(lab=False)


@pytest.fixture(scope="module")
def kernel_dir(python):
    """A kernelspec for the Binder environment's Python (the test runner's own kernel is not used)."""
    root = Path(tempfile.mkdtemp(prefix="ipsp-binder-kernels-"))
    spec = root / KERNEL
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Binder environment)", "language": "python",
    }), encoding="utf-8")
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_environment_is_binder_requirements_alone(python):
    """No package of requirements-dev.txt only (jupyter-book, pytest, ...) is in the environment."""
    freeze = (env_dir(lab=False) / "pip-freeze.txt").read_text(encoding="utf-8").lower()
    names = {line.split("==")[0].split(" @ ")[0].strip() for line in freeze.splitlines() if line.strip()}
    # (not playwright: otter-grader 7, which students need for grader.check, pulls it in through nbconvert)
    dev_only = {"jupyter-book", "pytest", "hypothesis", "neuron", "ruff", "jupyterlab", "nbmake"}
    assert not names & dev_only, f"the Binder environment has dev-only packages: {sorted(names & dev_only)}"
    probe = subprocess.run([str(python), "-c", "import ipsplib, sys; print(ipsplib.__file__); print(sys.prefix)"],
                           env=kernel_env(python), capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    module_file, prefix = probe.stdout.split()
    assert Path(module_file).is_relative_to(ROOT), f"the kernel imports another checkout's ipsplib: {module_file}"
    assert Path(prefix) == env_dir(lab=False)


def _problems(nb) -> list[str]:
    """Error outputs and stderr text of an executed notebook, one line per cell."""
    found = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        head = "".join(cell.source).strip().splitlines()[:1]
        where = f"cell {k} ({head[0][:60] if head else 'empty'!r})"
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"{where}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and out.text.strip():
                found.append(f"{where}: stderr: {out.text.strip()[:300]}")
        if cell.get("id") == "colab-install" and cell.get("outputs"):
            found.append(f"{where}: the Colab install cell did something in the Binder environment")
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_runs_in_the_binder_environment(python, kernel_dir, notebook):
    nb = nbformat.read(notebook, as_version=4)
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, allow_errors=True, record_timing=False,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.monotonic()
    try:
        client.execute(env=kernel_env(python))
    finally:  # nbclient leaves a kernel manager it was given running
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    print(f"{notebook.name}: executed in the Binder environment in {time.monotonic() - start:.1f} s")
    problems = _problems(nb)
    assert not problems, f"{notebook.name} in the Binder environment:\n  " + "\n  ".join(problems)


def test_student_coursework_runs_until_the_first_unanswered_question(python, coursework_build):
    sys.path.insert(0, str(ROOT / "tools"))
    import problem_sets

    students = [zip_path.parent / "student" / f"{name}.ipynb" for name, zip_path in coursework_build.items()]
    assert students and all(p.is_file() for p in students), f"otter assign wrote no student notebook: {students}"
    failures = []
    for notebook in students:
        try:
            problem_sets.run_until_unanswered(notebook, python)
        except Exception as error:  # noqa: BLE001 - collect every notebook's failure, then fail once
            failures.append(f"{notebook.name}: {type(error).__name__}: {error}")
    assert not failures, "student notebooks fail in the Binder environment:\n  " + "\n  ".join(failures)
