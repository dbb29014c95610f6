"""Shared pytest fixtures.

Site tests (tests/test_site.py): the built book in _build/html served on
localhost from a thread, and headless Chromium driven by Playwright.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import settings
from once_per_run import once_per_run

# No per-example deadline for the property tests: speed is measured in benchmarks/, and a deadline only
# turns a busy machine (CI shares two cores) into a flaky failure (hypothesis's default is 200 ms).
settings.register_profile("book", deadline=None)
settings.load_profile("book")

ROOT = Path(__file__).resolve().parent.parent
# The built site; IPSP_SITE_DIR tests another build (e.g. a helper's --path-output build).
SITE = Path(os.environ.get("IPSP_SITE_DIR", ROOT / "_build" / "html")).resolve()
CHROMIUM = Path(os.environ.get("IPSP_CHROMIUM", "/usr/bin/chromium"))
BROWSER_SKIP = (
    f"BROWSER TESTS DID NOT RUN: no Chromium at {CHROMIUM}. "
    "Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this)."
)
_browser_skipped: list[str] = []


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built website; fails (does not skip) when it has not been built."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE}/index.html is missing: build the book first with `make book` (`make test` does).")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@pytest.fixture(scope="session")
def site_url(site_dir: Path):
    """Base URL (ending in /) of a local HTTP server for the built site."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium (no browser download is possible here); skips loudly if absent."""
    if not CHROMIUM.exists():
        _browser_skipped.append(BROWSER_SKIP)
        pytest.skip(BROWSER_SKIP)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # machine notes: no sandbox as root, no GPU, and no background traffic to hosts the network refuses
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


#: Reports that test modules write and print at their end (tests/test_jupyterlab.py); a pytest-xdist worker's
#: printing does not reach the terminal, so the main process prints the ones written during the session.
MODULE_REPORTS = [ROOT / "_build" / "jupyterlab-drag.txt"]


def pytest_sessionstart(session):
    session.config._ipsp_started = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.pluginmanager.has_plugin("dsession"):  # the pytest-xdist controller
        for report in MODULE_REPORTS:
            if report.is_file() and report.stat().st_mtime >= config._ipsp_started:
                terminalreporter.write_sep("-", report.relative_to(ROOT).as_posix())
                for line in report.read_text(encoding="utf-8").splitlines():
                    terminalreporter.write_line(line)
    # the skip reports, not _browser_skipped alone: under pytest-xdist the skips happen in the workers
    skipped = [str(report.longrepr) for report in terminalreporter.stats.get("skipped", [])]
    if _browser_skipped or any(BROWSER_SKIP in text for text in skipped):
        bar = "!" * 100
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(BROWSER_SKIP, red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: make test runs the suite in two workers
def pytest_xdist_make_scheduler(config, log):
    """Whole modules per worker; the modules sharing a costly session fixture together (tests/xdist_groups.py)."""
    import xdist_groups

    return xdist_groups.make_scheduler(config, log)


@pytest.fixture(scope="session")
def coursework_build(tmp_path_factory) -> dict:
    """Every problem set built once per session with ``otter assign`` (tools/problem_sets.py) into a
    temporary folder: {set name: its autograder zip}; the student notebook of set N is
    ``zip.parent / "student" / f"{N}.ipynb"``. Shared by the coursework and Binder-environment tests."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import problem_sets

    return once_per_run(tmp_path_factory, "coursework",
                        lambda out: problem_sets.build_all(out, problem_sets.set_names(), jobs=2))


#: Two teachers' seeds (tests/test_coursework_variants.py): the first is built with otter, both are checked
#: in-process.
VARIANT_SEEDS = (2026, 31337)


@pytest.fixture(scope="session")
def coursework_variant(tmp_path_factory) -> dict:
    """The variable problem sets (those with a parameters.yml) built once per session for the first of
    `VARIANT_SEEDS` (``make coursework SEED=...``), with one ipsplib wheel: {set: zip}. The published build
    (`coursework_build`) is the other variant that otter grades against it."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import ipsplib_release
    import problem_sets
    import set_variants

    def build(out: Path) -> dict:
        variable = [n for n in problem_sets.set_names() if set_variants.is_variable(n)]
        wheel = ipsplib_release.build_wheel(out / "ipsplib-wheel")
        return problem_sets.build_all(out / "sets", variable, jobs=2, wheel=wheel, seed=VARIANT_SEEDS[0])

    return once_per_run(tmp_path_factory, f"coursework-seed-{VARIANT_SEEDS[0]}", build)


@pytest.fixture(scope="session")
def nmda_mechanism(tmp_path_factory):
    """NEURON's Exp2NMDA (Exp2Syn with ipsplib's Mg2+ block), compiled once per session from
    tests/neuron_mod for the NEURON validation modules. With IPSP_REQUIRE_NEURON=1 (make test) a failed
    compilation is an error; otherwise those cases skip, loudly."""
    from neuron_reference import load_nmda_mechanism

    try:
        load_nmda_mechanism(tmp_path_factory.mktemp("nrnmech"))
    except RuntimeError as error:
        if os.environ.get("IPSP_REQUIRE_NEURON") == "1":
            raise
        pytest.skip(
            f"SKIPPED NMDA VALIDATION: nrnivmodl could not build tests/neuron_mod/exp2nmda.mod "
            f"(it needs a C++ compiler): {str(error)[-800:]}"
        )
