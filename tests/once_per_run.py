"""A session fixture's costly build done once per test run, also when pytest-xdist runs several workers.

Each xdist worker has its own session, so a session fixture would build once in every worker that needs it.
`once_per_run` builds it in the first worker that asks, under a lock in the run's temporary folder (shared by
the workers), records the result there, and gives the other workers that record. Without xdist it simply
builds. If the build fails, nothing is recorded and the next worker tries (and reports) its own build.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path


def once_per_run(tmp_path_factory, name: str, build: Callable[[Path], dict[str, Path]]) -> dict[str, Path]:
    """``build(folder)`` (an empty folder; it returns {key: path}) once per run, its result shared by the workers.

    Examples
    --------
    >>> class Factory:  # what pytest-xdist's tmp_path_factory gives a worker (basetemp/popen-gw0)
    ...     def __init__(self, root): self.root = root
    ...     def getbasetemp(self): return self.root / "popen-gw0"
    >>> import tempfile; from unittest import mock
    >>> root, calls = Path(tempfile.mkdtemp()), []
    >>> def build(folder): calls.append(folder); return {"a": folder / "a.zip"}
    >>> with mock.patch.dict(os.environ, PYTEST_XDIST_WORKER="gw0"):
    ...     first, second = once_per_run(Factory(root), "x", build), once_per_run(Factory(root), "x", build)
    >>> first == second == {"a": root / "x" / "a.zip"}, len(calls)
    (True, 1)
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder; each worker's basetemp is in it
    record = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the build raises
        if record.is_file():
            return {key: Path(value) for key, value in json.loads(record.read_text(encoding="utf-8")).items()}
        folder = shared / name
        folder.mkdir(exist_ok=True)
        result = build(folder)
        record.write_text(json.dumps({key: str(value) for key, value in result.items()}), encoding="utf-8")
        return result
