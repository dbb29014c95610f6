"""Fetch the book's pinned JavaScript from the npm registry, verify it, unpack it.

The static site must work with no network and no CDN, so the widget renderer
(require.js, @jupyter-widgets/html-manager), MathJax, and the test-only
axe-core are served from local copies. tools/vendor_assets.json pins each npm
tarball by version and sha512 ("integrity", as npm reports it). This script:

1. downloads each tarball to ``_vendor_cache/`` unless a verified copy is there;
2. checks its sha512 against the pinned value and stops with an error on any
   mismatch (nothing is unpacked from an unverified tarball);
3. unpacks the listed files: site assets into ``_vendor/`` (named in
   ``html_static_path`` in _config.yml, so Sphinx copies them to
   ``_build/html/_static/``), test assets into ``_vendor_cache/test/``.

Unpacking is skipped when ``_vendor/`` already matches the lock file, so
repeated builds cost nothing. Run: ``python tools/vendor_assets.py`` from the
repository root (``make book`` does). Set NPM_CONFIG_REGISTRY to use a mirror.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path(__file__).with_suffix(".json")
CACHE = ROOT / "_vendor_cache"
TARGETS = {"site": ROOT / "_vendor", "test": CACHE / "test"}
STAMP = ".vendor-stamp"


class ChecksumError(RuntimeError):
    """A tarball's sha512 differs from the pinned value."""


def integrity(data: bytes) -> str:
    """npm's Subresource-Integrity string for ``data``: ``sha512-<base64>``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def tarball_url(name: str, version: str) -> str:
    """Registry URL of an npm tarball, e.g. ``.../@scope/pkg/-/pkg-1.0.0.tgz``."""
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    return f"{registry}/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def fetch(pkg: dict) -> Path:
    """Return the path of the verified tarball of ``pkg``, downloading it if needed."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{pkg['name'].replace('/', '__')}-{pkg['version']}.tgz"
    if path.exists():
        if integrity(path.read_bytes()) == pkg["integrity"]:
            return path
        print(f"vendor: cached {path.name} fails its checksum; downloading again", file=sys.stderr)
        path.unlink()
    url = tarball_url(pkg["name"], pkg["version"])
    print(f"vendor: fetching {url}", file=sys.stderr)
    with urllib.request.urlopen(url, timeout=120) as response:
        data = response.read()
    got = integrity(data)
    if got != pkg["integrity"]:
        raise ChecksumError(
            f"CHECKSUM MISMATCH for {pkg['name']}@{pkg['version']} from {url}:\n"
            f"  expected {pkg['integrity']}\n  got      {got}\n"
            "The tarball was not used. If the pin in tools/vendor_assets.json is right, the download is corrupt "
            "or tampered with; do not just replace the checksum."
        )
    path.write_bytes(data)
    return path


def _members(tar: tarfile.TarFile, pattern: str) -> list[tarfile.TarInfo]:
    """Regular files of ``tar`` matching ``pattern`` (a glob, or a folder ending in /)."""
    files = [m for m in tar.getmembers() if m.isfile()]
    if pattern.endswith("/"):
        return [m for m in files if m.name.startswith(pattern)]
    return [m for m in files if fnmatch.fnmatchcase(m.name, pattern)]


def unpack(pkg: dict, tgz: Path, root: Path) -> int:
    """Copy the files listed in ``pkg['files']`` from ``tgz`` to ``root``; return how many."""
    count = 0
    with tarfile.open(tgz) as tar:
        for pattern, dest in pkg["files"].items():
            members = _members(tar, pattern)
            if not members:
                raise RuntimeError(f"{pkg['name']}@{pkg['version']}: nothing in the tarball matches {pattern!r}")
            for m in members:
                if pattern.endswith("/"):
                    out = root / dest / m.name[len(pattern):]
                elif dest.endswith("/"):
                    out = root / dest / Path(m.name).name
                else:
                    out = root / dest
                if ".." in Path(m.name).parts or not out.resolve().is_relative_to(root.resolve()):
                    raise RuntimeError(f"refusing to unpack {m.name!r} outside {root}")
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(m).read())
                count += 1
    return count


def main() -> int:
    lock_bytes = LOCK.read_bytes()
    lock = json.loads(lock_bytes)
    stamp = hashlib.sha256(lock_bytes).hexdigest()
    for target, root in TARGETS.items():
        pkgs = [p for p in lock["packages"] if p["target"] == target]
        if (root / STAMP).is_file() and (root / STAMP).read_text() == stamp:
            continue  # already unpacked from exactly these pins
        try:
            tarballs = [(p, fetch(p)) for p in pkgs]
        except ChecksumError as err:
            print(f"vendor: ERROR: {err}", file=sys.stderr)
            return 1
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=root.name + ".", dir=root.parent))
        try:
            n = sum(unpack(p, tgz, tmp) for p, tgz in tarballs)
            (tmp / STAMP).write_text(stamp)
            shutil.rmtree(root, ignore_errors=True)
            tmp.rename(root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        names = ", ".join(f"{p['name']}@{p['version']}" for p in pkgs)
        print(f"vendor: {n} files from {names} (sha512 verified) -> {root.relative_to(ROOT)}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
