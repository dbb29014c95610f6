"""The routes a course uses, each run here the way it runs there.

- A laptop after an LMS download: the student notebook renamed ("03-ipsps (1).ipynb") in another folder.
- Colab: a bare Python with only a kernel, no notebook file on disk and no tests/ folder; the student
  notebook's own install cell installs ipsplib (here from this checkout's wheel instead of the git tag,
  which needs GitHub) and otter-grader, then grader.check runs.
- A course repository (Binder, a JupyterHub): a fresh environment from the course requirements
  (`ipsplib_release.course_requirements`) in a folder that is not this repository.
- Gradescope: the autograder zip unpacked into an empty folder, its environment built from its own
  environment.yml alone, and a submission graded with nothing of this checkout on the path.

Each fresh environment is a new virtualenv of the machine's Python 3.11, installed from the package index
by uv (tests/fresh_env.py says what that changes from pip; the Colab cell still runs pip itself) and
deleted after its test; nothing is shared with the test runner's environment.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from fresh_env import clean_env, fresh_venv, remove
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import ipsplib_release  # noqa: E402
import problem_sets  # noqa: E402

pytestmark = pytest.mark.slow

SET = "03-ipsps"


@pytest.fixture
def new_env(tmp_path):
    """``new_env(name, install_args, cwd, with_pip=False)``: a fresh environment in ``tmp_path / name``
    (`fresh_env.fresh_venv`); returns its Python. Every environment made is deleted after the test."""
    made = []

    def make(name: str, install_args: list[str], cwd: Path, with_pip: bool = False) -> Path:
        made.append(tmp_path / name)
        return fresh_venv(tmp_path / name, install_args, cwd, with_pip=with_pip)

    yield make
    for venv in made:
        remove(venv)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return ipsplib_release.build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, wheel) -> Path:
    """SET built with its student install cell pointing at this checkout's wheel; returns the zip."""
    return problem_sets.build_set(SET, tmp_path_factory.mktemp("routes"), wheel=wheel,
                                  student_requirement=ipsplib_release.requirement(wheel))


def answered(zip_path: Path, which: str) -> dict:
    """The student notebook with every answer ``which``: "reference", "wrong0" (first listed wrong answer) or
    "blank" (as handed out)."""
    student = json.loads((zip_path.parent / "student" / f"{SET}.ipynb").read_text())
    listed = yaml.safe_load((ROOT / "coursework" / SET / "misconceptions.yml").read_text())["questions"]
    reference = json.loads((zip_path.parent / "autograder" / f"{SET}.ipynb").read_text())
    nb, cells = copy.deepcopy(student), problem_sets.answer_cells(student)
    ref_cells = problem_sets.answer_cells(reference)
    for q in [] if which == "blank" else listed:
        if which == "reference":
            src = reference["cells"][ref_cells[q["question"]]]["source"]
        else:
            src = f"{q['variable']} = {q['misconceptions'][0]['wrong_answer']!r}"
        nb["cells"][cells[q["question"]]]["source"] = src
    return nb


def execute(nb: dict, python: Path, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """Run every cell in a kernel of ``python`` (working directory ``cwd``); returns {question: what its
    grader.check cell showed}. A cell that raises fails the test."""
    nb = nbformat.reads(json.dumps(nb), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))  # which environment ran it
    with problem_sets.kernel_for(python) as km:
        client = NotebookClient(nb, km=km, timeout=900, allow_errors=False, startup_timeout=300,
                                resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute(cwd=str(cwd), env=env)
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    ran_in = Path(nb.cells[-1].outputs[0]["text"].strip())
    assert ran_in.resolve() == python.parent.parent.resolve(), f"the kernel ran {ran_in}, not {python}"
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("grader.check("):
            text = []
            for out in cell.outputs:
                data = out.get("data", {})
                text.append(data.get("text/plain", "") + data.get("text/html", "") + out.get("text", ""))
            shown[cell.source.split('"')[1]] = "\n".join(text)
    return shown


def _misconceptions() -> list[dict]:
    return yaml.safe_load((ROOT / "coursework" / SET / "misconceptions.yml").read_text())["questions"]


def _assert_checks_work(shown_ref: dict[str, str], shown_wrong: dict[str, str]) -> None:
    questions = [q["question"] for q in _misconceptions()]
    assert list(shown_ref) == questions
    for q in questions:
        assert "passed" in shown_ref[q].lower(), (q, shown_ref[q][:500])
        assert "this is not a grade" in shown_ref[q], (q, shown_ref[q][:500])
    # a wrong answer caught by a public check shows that check's message
    public_messages = [m for q in _misconceptions() for m in [q["misconceptions"][0]["message"]]
                       if m in "".join(shown_wrong.values())]
    assert public_messages, "no public misconception message showed for the first wrong answers"


def test_renamed_copy_in_another_folder(built, tmp_path):
    """An LMS download, "03-ipsps (1).ipynb", in a folder of its own: the first cell and every check run."""
    folder = tmp_path / "Downloads" / "week 3"
    folder.mkdir(parents=True)
    env = {**clean_env(Path(sys.executable).parent.parent), "PYTHONPATH": str(ROOT)}
    shown = {}
    for which in ("reference", "wrong0", "blank"):
        path = folder / f"{SET} (1).ipynb"
        path.write_text(json.dumps(answered(built, which)))
        shown[which] = execute(json.loads(path.read_text()), Path(sys.executable), folder, env)
    _assert_checks_work(shown["reference"], shown["wrong0"])
    # a blank answer reads "not answered yet", with no failing test or traceback
    for q, text in shown["blank"].items():
        assert "not answered yet" in text and "Traceback" not in text and "failed" not in text, (q, text[:500])


def test_colab_fresh_python_install_cell(built, wheel, tmp_path, new_env):
    """Colab: a Python with only a kernel; the notebook is not on disk. Its install cell installs ipsplib
    (from the wheel, as Colab would from the git tag) and otter-grader; then every check runs."""
    # pip in it: the install cell runs %pip, as on Colab (only the kernel itself is installed by uv)
    python = new_env("colab-python", ["ipykernel"], tmp_path, with_pip=True)
    content = tmp_path / "content"  # Colab's working folder: no notebook file, no tests/
    content.mkdir()
    env = clean_env(python.parent.parent)
    shown_ref = execute(answered(built, "reference"), python, content, env)
    shown_wrong = execute(answered(built, "wrong0"), python, content, env)
    _assert_checks_work(shown_ref, shown_wrong)
    where = subprocess.run([str(python), "-c", "import ipsplib, otter; print(ipsplib.__file__)"], env=env, cwd=content,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(python.parent.parent), f"ipsplib not installed by the install cell: {where}"
    assert not list(content.glob("*.ipynb")) and not (content / "tests").exists()


def test_course_repository_requirements(built, wheel, tmp_path, new_env):
    """A course repository's requirements.txt (the pinned runtime and ipsplib's release line) installs in a
    fresh environment, in a folder that is not this repository, and runs a student notebook there."""
    repo = tmp_path / "course-repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text(ipsplib_release.course_requirements(wheel))
    python = new_env("hub-env", ["-r", "requirements.txt"], repo)
    env = clean_env(python.parent.parent)
    (repo / f"{SET}.ipynb").write_text(json.dumps(answered(built, "reference")))
    shown_ref = execute(answered(built, "reference"), python, repo, env)
    shown_wrong = execute(answered(built, "wrong0"), python, repo, env)
    _assert_checks_work(shown_ref, shown_wrong)
    # the line the teaching page gives is the same, with the git tag in place of the wheel
    assert ipsplib_release.course_requirements().replace(ipsplib_release.requirement(), "X") == \
        ipsplib_release.course_requirements(wheel).replace(ipsplib_release.requirement(wheel), "X")


def test_gradescope_zip_alone_grades(built, tmp_path, new_env):
    """The autograder zip unpacked into an empty folder; its environment from its environment.yml's pip list
    (conda resolves relative paths against that file's folder, as here); a submission graded there."""
    source = tmp_path / "autograder" / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(built) as zf:
        zf.extractall(source)
    environment = yaml.safe_load((source / "environment.yml").read_text())
    assert f"python={ipsplib_release.version() and '3.11'}" in environment["dependencies"]
    pip_lines = next(d for d in environment["dependencies"] if isinstance(d, dict))["pip"]
    assert any(line.endswith(".whl") and (source / line).is_file() for line in pip_lines), pip_lines
    python = new_env("otter-env", pip_lines, source)
    env = clean_env(python.parent.parent)
    subs = tmp_path / "submissions"
    subs.mkdir()
    scores = {}
    for which in ("reference", "wrong0"):
        (subs / f"{which}.ipynb").write_text(json.dumps(answered(built, which)))
        out = tmp_path / f"out-{which}"
        out.mkdir()
        zip_copy = tmp_path / "gradescope.zip"
        shutil.copy(built, zip_copy)
        proc = subprocess.run([str(python.parent / "otter"), "run", "--no-logo", "-a", str(zip_copy), "-o", str(out),
                               str(subs / f"{which}.ipynb")], cwd=out, env=env, capture_output=True, text=True,
                              timeout=900)
        assert (out / "results.json").is_file(), proc.stdout[-2000:] + proc.stderr[-3000:]
        scores[which] = problem_sets.scores(json.loads((out / "results.json").read_text()))
    questions = [q["question"] for q in _misconceptions()]
    assert scores["reference"] == dict.fromkeys(questions, 1.0)
    assert scores["wrong0"] == dict.fromkeys(questions, 0.0)
