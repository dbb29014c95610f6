"""tools/vendor_assets.py: pinned npm tarballs are checksum-verified, and the site config uses what it unpacks.

Offline: a throwaway "registry" of file:// URLs in a temporary folder stands in for npm.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "tools" / "vendor_assets.py")
va = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(va)

LOCK = json.loads((ROOT / "tools" / "vendor_assets.json").read_text())


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A file:// registry in tmp_path and a fresh cache; returns a function publishing a tarball."""
    reg = tmp_path / "registry"
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", reg.as_uri())
    monkeypatch.setattr(va, "CACHE", tmp_path / "cache")

    def publish(name: str, version: str, data: bytes) -> None:
        path = reg / name / "-" / f"{name.split('/')[-1]}-{version}.tgz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return publish


def test_integrity_matches_the_subresource_integrity_format():
    # SHA-512 of the empty string, as npm and browsers write it.
    assert va.integrity(b"") == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")


def test_tarball_url_handles_scoped_packages(monkeypatch):
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    assert va.tarball_url("@jupyter-widgets/html-manager", "1.0.6") == (
        "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.6.tgz")


def test_verified_tarball_is_fetched_cached_and_unpacked(registry, tmp_path):
    data = _tarball({"package/dist/a.js": b"A", "package/dist/f.woff2": b"F", "package/x/y/z.js": b"Z"})
    registry("@scope/pkg", "1.2.3", data)
    pkg = {"name": "@scope/pkg", "version": "1.2.3", "integrity": va.integrity(data),
           "files": {"package/dist/a.js": "v/a.js", "package/dist/*.woff2": "v/fonts/", "package/x/": "v/x/"}}
    tgz = va.fetch(pkg)
    assert tgz.read_bytes() == data
    out = tmp_path / "out"
    assert va.unpack(pkg, tgz, out) == 3
    assert (out / "v/a.js").read_bytes() == b"A"
    assert (out / "v/fonts/f.woff2").read_bytes() == b"F"
    assert (out / "v/x/y/z.js").read_bytes() == b"Z"
    # A second fetch uses the cache: it works with the registry gone.
    for f in (tmp_path / "registry").rglob("*.tgz"):
        f.unlink()
    assert va.fetch(pkg) == tgz


def test_checksum_mismatch_is_refused_and_nothing_is_kept(registry, tmp_path):
    good = _tarball({"package/a.js": b"good"})
    registry("pkg", "1.0.0", _tarball({"package/a.js": b"tampered"}))
    pkg = {"name": "pkg", "version": "1.0.0", "integrity": va.integrity(good), "files": {"package/a.js": "a.js"}}
    with pytest.raises(va.ChecksumError, match="CHECKSUM MISMATCH for pkg@1.0.0"):
        va.fetch(pkg)
    assert not list((tmp_path / "cache").glob("*.tgz"))


def test_corrupt_cached_tarball_is_fetched_again(registry, tmp_path):
    data = _tarball({"package/a.js": b"A"})
    registry("pkg", "2.0.0", data)
    pkg = {"name": "pkg", "version": "2.0.0", "integrity": va.integrity(data), "files": {}}
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "pkg-2.0.0.tgz").write_bytes(b"truncated")
    assert va.fetch(pkg).read_bytes() == data


def test_unpack_fails_when_a_listed_file_is_absent(tmp_path):
    tgz = tmp_path / "p.tgz"
    tgz.write_bytes(_tarball({"package/a.js": b"A"}))
    pkg = {"name": "p", "version": "1", "files": {"package/missing.js": "m.js"}}
    with pytest.raises(RuntimeError, match="nothing in the tarball matches"):
        va.unpack(pkg, tgz, tmp_path / "out")


def test_lock_pins_exact_versions_with_sha512():
    for pkg in LOCK["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", pkg["version"]), pkg
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", pkg["integrity"]), pkg
        assert pkg["target"] in va.TARGETS, pkg


def test_site_config_points_at_vendored_files():
    """Every vendor/ path that _config.yml loads (MathJax, require.js, embed-amd.js) is unpacked by the lock."""
    config = (ROOT / "_config.yml").read_text()
    used = set(re.findall(r"\bvendor/[\w./@-]+\.js\b", config))
    assert {"vendor/mathjax/tex-chtml.js", "vendor/require.js", "vendor/html-manager/dist/embed-amd.js"} <= used
    destinations = {d for p in LOCK["packages"] if p["target"] == "site" for d in p["files"].values()}
    assert used <= destinations, used - destinations
    assert "- _vendor" in config  # html_static_path
