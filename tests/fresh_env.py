"""Fresh virtualenvs for the route tests (tests/test_coursework_routes.py), each from a route's own files.

Every environment is new: a virtualenv of the machine's Python of binder/runtime.txt, into which the route's
requirements alone are installed from the package index; nothing is shared with the test runner's environment
or reused from an earlier run. Only the package cache is shared, so a second run downloads nothing.

The installer is uv (pinned in requirements-dev.txt), not pip: with a warm cache it links the packages
instead of unpacking and byte-compiling them, which took the route tests minutes each. What changes with uv
(issue 19):

- uv resolves with its own resolver against PyPI; it does not read pip's configuration files, so a machine's
  extra indexes, find-links and constraints in pip.conf are not used (``UV_*`` variables are). Like pip it
  takes the newest release that fits, so the pinned packages are the same; an unpinned dependency could
  differ only where the two resolvers disagree (pip merges the releases of several indexes, uv takes a package
  from the first index that has it).
- The environment has no pip (uv's ``--seed`` adds it where a route runs pip itself: the Colab cell) and no
  bytecode until a module is first imported.

``IPSP_ROUTE_INSTALLER=pip`` builds with ``python -m venv`` and pip instead, as before (slower; for checking
that the routes also resolve with pip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from binder_env import _base_python

INSTALL_TIMEOUT_S = 1800
#: Environment variables kept in a route's clean process environment (besides the package installers' own):
#: the user's, and the machine's network settings (CA bundle, proxies).
KEEP = ("HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "TERM", "SSL_CERT_FILE", "SSL_CERT_DIR",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def installer() -> str:
    """``"uv"`` (default) or ``"pip"`` (``IPSP_ROUTE_INSTALLER``)."""
    name = os.environ.get("IPSP_ROUTE_INSTALLER", "uv")
    if name not in ("uv", "pip"):
        raise ValueError(f"IPSP_ROUTE_INSTALLER must be 'uv' or 'pip', got {name!r}")
    return name


def uv_executable() -> str:
    """The uv binary of the test runner's environment (the ``uv`` package of requirements-dev.txt)."""
    try:
        from uv import find_uv_bin
    except ImportError as error:
        raise RuntimeError("uv is missing from the test environment: `make venv` installs requirements-dev.txt "
                           "(or set IPSP_ROUTE_INSTALLER=pip)") from error
    return find_uv_bin()


def clean_env(venv: Path | None = None) -> dict[str, str]:
    """A process environment with nothing of this checkout or the test runner's venv: no PYTHONPATH, no
    user site; ``venv``'s bin/ first. The installers' configuration (``PIP_*``, ``UV_*``: package index,
    cache) and the machine's network settings (`KEEP`) are kept."""
    env = {k: v for k, v in os.environ.items() if k in KEEP or k.startswith(("PIP_", "UV_"))}
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    path = "/usr/local/bin:/usr/bin:/bin"
    env.update(PATH=f"{venv / 'bin'}:{path}" if venv else path, PYTHONNOUSERSITE="1")
    if venv:
        env["VIRTUAL_ENV"] = str(venv)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


def fresh_venv(venv: Path, install_args: list[str], cwd: Path, with_pip: bool = False) -> Path:
    """A new virtualenv at ``venv`` with ``install_args`` (pip install's arguments: requirement lines, paths,
    ``-r file``) installed, run in ``cwd`` so that relative paths are the route's own; returns its Python.

    ``with_pip``: the environment must have pip, because the route runs it (``python -m venv`` always adds it).
    """
    if installer() == "pip":
        _run([_base_python(), "-m", "venv", str(venv)], cwd, clean_env())
        if install_args:
            _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input", *install_args],
                 cwd, clean_env(venv))
        return venv / "bin" / "python"
    uv = uv_executable()
    # --system-certs: the machine's CA store, as pip uses it (a proxy's own CA is there, not in uv's bundle)
    _run([uv, "venv", "--quiet", "--system-certs", "--python", _base_python(), *(["--seed"] if with_pip else []),
          str(venv)], cwd, clean_env())
    if install_args:
        _run([uv, "pip", "install", "--quiet", "--system-certs", "--python", str(venv / "bin" / "python"),
              *install_args], cwd, clean_env(venv))
    return venv / "bin" / "python"


def remove(venv: Path) -> None:
    """Delete an environment once its test is done (gigabytes of files otherwise left for a later pytest
    session's clean-up of old temporary folders, which then takes minutes)."""
    shutil.rmtree(venv, ignore_errors=True)
