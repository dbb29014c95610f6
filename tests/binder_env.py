"""The Binder environment, rebuilt here the way Binder builds it, and cached between test runs.

Binder (repo2docker) installs ``binder/requirements.txt`` into a fresh Python of the version in
``binder/runtime.txt``, with ``-e .`` resolved against the repository root; its base image brings
JupyterLab and ipykernel itself. `binder_python` makes the same environment with nothing from
requirements-dev.txt (installed by uv, as in tests/fresh_env.py, which says what that changes from pip):

- ``lab=False``: binder/requirements.txt alone (what the notebooks get; the kernel, ipykernel, comes
  with it through myst-nb). tests/test_binder_env.py executes every chapter notebook in it.
- ``lab=True``: the same plus the pinned JupyterLab of requirements-dev.txt (Binder's base image
  brings its own). tests/test_jupyterlab.py starts JupyterLab from it.

Each environment lives in ``~/.cache/ipsp-textbook/binder-env-<key>`` (``IPSP_CACHE_DIR`` moves the
cache), where ``<key>`` hashes binder/requirements.txt, binder/runtime.txt and pyproject.toml (and the
JupyterLab pin): changing any of them builds a new one. A build goes into a temporary folder that is
renamed into place only once the installer has succeeded, so a killed or failed build never leaves a
half-made environment to be reused, and two test runs building at once do not collide.

The environment's editable ipsplib points at whichever checkout built it first; the tests therefore
run its Python with ``PYTHONPATH`` set to this checkout (`kernel_env`), so they test this checkout's
ipsplib against that environment's packages.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
REQUIREMENTS = BINDER / "requirements.txt"
RUNTIME = BINDER / "runtime.txt"
PYPROJECT = ROOT / "pyproject.toml"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
CACHE = Path(os.environ.get("IPSP_CACHE_DIR", Path.home() / ".cache" / "ipsp-textbook"))
PIP_TIMEOUT_S = 1800


def python_version() -> tuple[int, int]:
    """The Python version binder/runtime.txt asks for (``python-3.11`` -> (3, 11))."""
    text = RUNTIME.read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    if not match:
        raise ValueError(f"{RUNTIME} must read 'python-X.Y', got {text!r}")
    return int(match.group(1)), int(match.group(2))


def jupyterlab_pin() -> str:
    """The ``jupyterlab==X.Y.Z`` line of requirements-dev.txt (the one place the pin lives)."""
    for line in DEV_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if re.match(r"^jupyterlab==\S+$", line.strip()):
            return line.strip()
    raise ValueError(f"{DEV_REQUIREMENTS} pins no jupyterlab==X.Y.Z")


def env_key(lab: bool = False) -> str:
    """Hash of everything the environment is built from."""
    digest = hashlib.sha256()
    for path in (REQUIREMENTS, RUNTIME, PYPROJECT):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if lab:
        digest.update(jupyterlab_pin().encode())
    return digest.hexdigest()[:16]


def env_dir(lab: bool = False) -> Path:
    return CACHE / f"binder-{'lab-' if lab else ''}env-{env_key(lab)}"


def _base_python() -> str:
    """A Python of the version binder/runtime.txt names, outside any virtualenv."""
    want = python_version()
    candidates = [getattr(sys, "_base_executable", None), shutil.which(f"python{want[0]}.{want[1]}"),
                  shutil.which("python3")]
    for exe in candidates:
        if not exe:
            continue
        probe = subprocess.run([exe, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and tuple(map(int, probe.stdout.split())) == want:
            return exe
    raise RuntimeError(f"no Python {want[0]}.{want[1]} found for the Binder environment ({RUNTIME.name})")


def _log(message: str) -> None:
    print(f"[binder env] {message}", file=sys.stderr, flush=True)


def python_in(env: Path) -> Path:
    return env / "bin" / "python"


def _installer_commands(venv: Path) -> tuple[list[str], list[str]]:
    """Make the virtualenv ``venv``; return (its install command, its freeze command).

    uv by default, as the route tests use it (tests/fresh_env.py says what changes from Binder's pip); the
    environment still gets pip (``--seed``), as Binder's has. ``IPSP_ROUTE_INSTALLER=pip``: venv and pip.
    """
    from fresh_env import installer, uv_executable

    python = str(python_in(venv))
    if installer() == "pip":
        subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True)
        return ([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"],
                [python, "-m", "pip", "freeze"])
    uv = uv_executable()
    subprocess.run([uv, "venv", "--quiet", "--allow-existing", "--seed", "--system-certs", "--python",
                    _base_python(), str(venv)], check=True)
    return ([uv, "pip", "install", "--quiet", "--system-certs", "--python", python],
            [uv, "pip", "freeze", "--python", python])


def binder_python(lab: bool = False) -> Path:
    """The Python of the cached Binder environment, built first if needed (see the module docstring)."""
    final = env_dir(lab)
    if (final / ".complete").is_file():
        return python_in(final)
    CACHE.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    _log(f"building {final} (first run for these requirements; later runs reuse it)")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.build-", dir=CACHE))
    try:
        # Binder runs pip from the repository root: "-e ." in binder/requirements.txt means the root (for uv too).
        # A clean environment: no user site, no PYTHONPATH (the installer would see this checkout's packages).
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
        env["PYTHONNOUSERSITE"] = "1"
        install, freeze_cmd = _installer_commands(tmp)
        subprocess.run(install + ["-r", str(REQUIREMENTS.relative_to(ROOT))], cwd=ROOT, env=env, check=True,
                       timeout=PIP_TIMEOUT_S)
        if lab:
            subprocess.run(install + [jupyterlab_pin()], cwd=ROOT, env=env, check=True, timeout=PIP_TIMEOUT_S)
        freeze = subprocess.run(freeze_cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
        (tmp / "pip-freeze.txt").write_text(freeze, encoding="utf-8")
        (tmp / ".complete").write_text(f"built from {ROOT} in {time.monotonic() - start:.0f} s\n")
        try:
            tmp.rename(final)
        except OSError:
            if not (final / ".complete").is_file():  # not a concurrent build that won the race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _log(f"built {final} in {time.monotonic() - start:.0f} s")
    return python_in(final)


def kernel_env(python: Path, **extra: str) -> dict[str, str]:
    """A clean process environment for that Python: its bin/ first, this checkout's ipsplib, no user site.

    Nothing of the test runner's virtualenv leaks in (its PATH entry, PYTHONPATH, IPSP_BOOK_STATIC).
    """
    keep = ("HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "TERM")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(PATH=f"{python.parent}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
               PYTHONPATH=str(ROOT), PYTHONNOUSERSITE="1", VIRTUAL_ENV=str(python.parent.parent))
    env.update(extra)
    return env
