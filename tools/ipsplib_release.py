"""The pinned release of ipsplib that course repositories, student notebooks and autograders install.

A course repository cannot use ``binder/requirements.txt`` as it is: its ``-e .`` means "this
repository", and a course repository is not this one. It installs ipsplib instead from a release of
this repository: the git tag ``v<version>`` (the version in pyproject.toml), or a wheel built from it.

- `requirement` is the one line that installs ipsplib at that release (``ipsplib @ git+URL@vX.Y.Z``),
  or from a given wheel file (the tests use a wheel of this checkout: they have no GitHub).
- `course_requirements` is a whole ``requirements.txt`` for a course repository (Binder, a hub, a
  laptop): binder/requirements.txt's pinned runtime with that line in place of ``-e .``.
- `build_wheel` builds the wheel of this checkout (what an autograder zip bundles).

Usage: ``python tools/ipsplib_release.py requirements`` prints the course requirements;
``python tools/ipsplib_release.py wheel OUT_DIR`` builds the wheel there.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402  (repository_url: _config.yml holds the URL once)

BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"


def version() -> str:
    """ipsplib's version, from pyproject.toml.

    Examples
    --------
    >>> bool(re.fullmatch(r"\\d+\\.\\d+\\.\\d+", version()))
    True
    """
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def requirement(wheel: Path | None = None) -> str:
    """The requirement line for ipsplib at the pinned release, or from ``wheel`` (a built .whl file).

    Examples
    --------
    >>> requirement().startswith("ipsplib @ git+https://") and requirement().endswith("@v" + version())
    True
    >>> requirement(Path("/w/ipsplib-0.1.0-py3-none-any.whl"))
    'ipsplib @ file:///w/ipsplib-0.1.0-py3-none-any.whl'
    """
    if wheel is not None:
        if Path(wheel).suffix != ".whl":
            raise ValueError(f"wheel must be a .whl file, got {wheel}")
        return f"ipsplib @ {Path(wheel).absolute().as_uri()}"
    return f"ipsplib @ git+{colab_cell.repository_url()}@v{version()}"


def runtime_pins() -> list[str]:
    """The pinned packages of binder/requirements.txt, without ``-e .`` and comments.

    Examples
    --------
    >>> any(line.startswith("otter-grader==") for line in runtime_pins())
    True
    >>> "-e ." in runtime_pins()
    False
    """
    lines = []
    for line in BINDER_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-e"):
            lines.append(line)
    return lines


def pin(package: str) -> str:
    """The ``package==X`` line of binder/requirements.txt.

    Examples
    --------
    >>> pin("otter-grader").startswith("otter-grader==")
    True
    """
    found = [ln for ln in runtime_pins() if re.split(r"[=<>\[ ]", ln)[0] == package]
    if len(found) != 1:
        raise ValueError(f"package must be pinned once in {BINDER_REQUIREMENTS.name}, got {package!r}")
    return found[0]


def course_requirements(wheel: Path | None = None) -> str:
    """A requirements.txt for a course repository: the book's pinned runtime plus ipsplib's release."""
    return ("# The IPSP textbook's runtime for a course repository (Binder, a JupyterHub, a laptop):\n"
            f"# the pinned packages the book is tested with, and ipsplib at release v{version()}.\n"
            + "\n".join([*runtime_pins(), requirement(wheel)]) + "\n")


def build_wheel(out_dir: Path) -> Path:
    """Build ipsplib's wheel from this checkout into ``out_dir``; returns its path.

    The sources are copied to a temporary folder first, so the build leaves nothing in the checkout.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ipsplib-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(ROOT / "ipsplib", src / "ipsplib", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, src / name)
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                               "--wheel-dir", str(out_dir), str(src)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building the ipsplib wheel failed:\n{proc.stdout}\n{proc.stderr}")
    wheels = sorted(out_dir.glob(f"ipsplib-{version()}-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one ipsplib {version()} wheel in {out_dir}, found {wheels}")
    return wheels[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("requirements", help="print a requirements.txt for a course repository")
    w = sub.add_parser("wheel", help="build ipsplib's wheel")
    w.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.command == "requirements":
        print(course_requirements(), end="")
    else:
        print(build_wheel(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
