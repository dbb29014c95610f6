"""Live, as a student in Binder sees it: every chapter in real JupyterLab, driven by headless Chromium.

One JupyterLab for the module, started from the cached Binder environment plus the pinned JupyterLab
(tests/binder_env.py; Binder's base image brings its own JupyterLab) on 127.0.0.1 with a random free
port and a token, serving a temporary copy of chapters/ (nothing is saved into the repository), and
always stopped afterwards, its whole process group, even when a test fails. In one headless Chromium
(Playwright, the system Chromium), for each chapters/*.ipynb:

- open it, run all cells: every cell finishes, none shows an error or stderr output;
- drag one slider of each demo with the real mouse (press, 2 s of moves, release) and check that the
  figure changes, that the frame shown after release is the frame ipsplib renders for the slider's
  final value, that it follows the slider during the drag (at least 3 redraws before release), and
  measure the redraws during the drag and the delay from release to the final frame (goals, reported
  in _build/jupyterlab-drag.txt and not asserted: at least 10 redraws, final frame within 300 ms);
- the browser console stays clean (no error or warning; only JupyterLab's own "plugin took N ms to
  activate" timing warnings of a slow machine are ignored) and no request leaves 127.0.0.1.

The chapters open in one browser, one context (storage) each, and run concurrently; the drags come after
all have finished, one at a time. A drag that misses the goals is repeated once (load spikes on a shared
machine) and the better attempt counts; every attempt is printed, with the load average, at the end of
the module and in _build/jupyterlab-drag.txt. On failure a screenshot goes to
_build/jupyterlab-failure-<chapter>.png.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from binder_env import ROOT, binder_python, kernel_env
from conftest import CHROMIUM
from lab_page import IDLE_JS, expand_all_code, run_all

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: IPSP_LAB_CHAPTERS=03 runs only the chapters whose name contains it (an author checking one chapter)
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").glob("*.ipynb") if os.environ.get("IPSP_LAB_CHAPTERS", "") in p.stem)
DRAG_S = 2.0
DRAG_MOVES = 40
MIN_REDRAWS = 10  # goal, reported
LIVE_REDRAWS = 3  # asserted: the figure follows the drag, not only the release
MAX_FINAL_DELAY_MS = 300.0
RUN_ALL_TIMEOUT_MS = int(os.environ.get('IPSP_LAB_RUN_TIMEOUT_MS', 180_000))
#: opening nine chapters at once on a loaded 2-core machine took over 90 s for the first tabs (load 40)
OPEN_TIMEOUT_MS = 240_000
#: JupyterLab settings for the test: every cell in the DOM (no windowing), no autosave, nothing fetched
#: from the internet (news, update checks, the extension manager's PyPI search).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"checkForUpdates": False,
                                                                        "fetchNews": "false"},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}
#: Drag measurements of every demo, printed at the end of the module: (chapter, demo, control, redraws, ms).
DRAGS: list[tuple[str, str, str, int, float]] = []
TIMINGS: list[str] = []
#: The test's jupyter_server configuration (JUPYTER_CONFIG_DIR). The one change to the server: GET /api/kernels
#: leaves out a kernel that is still starting. jupyter_server 2.21 registers a new kernel, yields to the event
#: loop, and only then sets its last_activity; a listing in between fails with 500 (TraitError: "The
#: 'last_activity' trait of a ServerKernelManager instance expected a datetime, not the NoneType None").
#: JupyterLab polls that URL from every tab, so with nine kernels starting at once a poll now and then fell in
#: the gap: "Failed to load resource: ... 500" on the console, the flaky failure of issue 15 (reproduced: 18
#: such 500s in three rounds of nine concurrent session starts against four pollers; none with this class).
#: A student's single kernel is never listed by another tab while it starts; nothing else changes.
SERVER_CONFIG = '''
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web


class KernelsListedOnceStarted(AsyncMappingKernelManager):
    """GET /api/kernels lists a kernel once its start has set last_activity (jupyter_server race)."""

    def list_kernels(self):
        kernels = []
        for kernel_id in self.list_kernel_ids():
            try:
                if self.get_kernel(kernel_id).trait_has_value("last_activity"):
                    kernels.append(self.kernel_model(kernel_id))
            except (KeyError, web.HTTPError):  # gone meanwhile, as upstream tolerates
                pass
        return kernels


c.ServerApp.kernel_manager_class = KernelsListedOnceStarted
'''
#: The JupyterLab server's stdout and stderr, kept after the run (beside _build/jupyterlab-failure-*.png).
SERVER_LOG = ROOT / "_build" / "jupyterlab-server.log"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, method: str = "GET"):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab():
    """(base URL, token) of a JupyterLab serving a copy of chapters/; stopped (process group) afterwards."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    python = binder_python(lab=True)
    work = Path(tempfile.mkdtemp(prefix="ipsp-lab-"))
    root = work / "root"
    shutil.copytree(ROOT / "chapters", root / "chapters", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in LAB_SETTINGS.items():
        path = work / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    (work / "config").mkdir()
    (work / "config" / "jupyter_server_config.py").write_text(SERVER_CONFIG, encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(24)
    env = kernel_env(python, JUPYTERLAB_SETTINGS_DIR=str(work / "settings"),
                     JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"), JUPYTER_CONFIG_DIR=str(work / "config"),
                     JUPYTER_RUNTIME_DIR=str(work / "runtime"))
    cmd = [str(python), "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=False"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # Jupyter refuses root otherwise (containers)
    # the server's log, beside the failure screenshots: a 500 is explained (with its traceback) only there
    log_path = SERVER_LOG
    log_path.parent.mkdir(exist_ok=True)
    log = log_path.open("wb")
    start = time.monotonic()
    process = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within 90 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        print(f"\nJupyterLab started in {time.monotonic() - start:.1f} s on port {port}")
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):  # kernels it started, if any outlived it
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's headless Chromium (conftest.py): Playwright's sync API allows one driver per process."""
    return browser


@pytest.fixture(scope="module", autouse=True)
def _report_drags(request):
    """Print the drag figures at the end of the module (to the terminal, past pytest's capture), and
    write them to _build/jupyterlab-drag.txt, with each chapter's timings."""
    yield
    lines = TIMINGS + [f"Live drag in JupyterLab (goal: >= {MIN_REDRAWS} redraws in a {DRAG_S:.0f} s drag, final frame "
             f"<= {MAX_FINAL_DELAY_MS:.0f} ms after release):"]
    lines += [f"  {chapter:16s} {demo:22s} {control:22s} {redraws:3d} redraws  final frame +{delay:4.0f} ms"
              + ("" if redraws >= MIN_REDRAWS and delay <= MAX_FINAL_DELAY_MS else "  BELOW GOAL")
              for chapter, demo, control, redraws, delay in DRAGS]
    if GAPS:
        lines += ["Prose in JupyterLab (jupyterlab-myst), per chapter:", *GAPS]
    lines.append(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    out = ROOT / "_build" / "jupyterlab-drag.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    for line in ["", *lines]:
        reporter.write_line(line) if reporter else print(line)


# -- the demos as ipsplib renders them, to check the final frame ----------------------------------------
_BUILT: dict[str, tuple[str, object]] = {}


def _demo_for_title(title: str):
    """(name, demo) of the registered demo with this title (each demo built at most once per module)."""
    from ipsplib import demos

    if title not in _BUILT:
        for name, factory in demos.ALL.items():
            if any(n == name for n, _ in _BUILT.values()):
                continue
            demo = factory()
            _BUILT[demo.title] = (name, demo)
            if demo.title == title:
                break
    if title not in _BUILT:
        raise AssertionError(f"no registered demo has the title {title!r}")
    return _BUILT[title]


def _number(text: str) -> float:
    return float(text.strip().replace("\N{MINUS SIGN}", "-"))


# Records every frame the demo shows (its <img> is replaced on each redraw) and the pointer press and
# release, all on the page's clock.
OBSERVE_JS = """
(box) => {
  const rec = {frames: [], down: null, up: null};
  const src = () => { const img = box.querySelector('img'); return img ? img.src : null; };
  let last = src();
  new MutationObserver(() => {
    const now = src();
    if (now !== last) { last = now; rec.frames.push(performance.now()); }
  }).observe(box, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  document.addEventListener('pointerdown', () => { rec.down = performance.now(); }, true);
  document.addEventListener('pointerup', () => { rec.up = performance.now(); }, true);
  window.__ipspDrag = rec;
}
"""


def _settle(page, quiet_ms: float = 700, timeout_s: float = 10) -> None:
    """Wait until the demo has shown no new frame for ``quiet_ms``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        idle = page.evaluate("() => { const f = window.__ipspDrag.frames;"
                             " return performance.now() - (f.length ? f[f.length - 1] : 0); }")
        if idle >= quiet_ms:
            return
        page.wait_for_timeout(100)


def _pixels_differing(png_a: bytes, png_b: bytes) -> float:
    """Fraction of pixels that differ between two frames (their palettes may be ordered differently)."""
    import io

    import numpy as np
    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB"), dtype=int) for p in (png_a, png_b))
    if a.shape != b.shape:
        return 1.0
    return float(np.mean(np.abs(a - b).max(axis=2) > 8))


def _shown_values(box, demo) -> dict:
    """The values the demo's controls show in JupyterLab (slider readouts, the pressed button).

    A readout is rounded; the value is the nearest point of the slider's step grid (for a log slider,
    of its exponent grid), which is where the front end keeps it.
    """
    values = {}
    for name in demo.controls:
        spec = demo._specs[name]
        rows = box.locator(".widget-inline-hbox, .widget-toggle-buttons").filter(
            has=box.page.locator(".widget-label", has_text=spec.label))
        assert rows.count() >= 1, f"{demo.title}: no control labelled {spec.label!r} in JupyterLab"
        # the label that reads exactly spec.label, if any: "Synapse" also matches "Synapse distance …"
        exact = [i for i in range(rows.count())
                 if rows.nth(i).locator(".widget-label").first.inner_text().strip() == spec.label]
        row = rows.nth(exact[0]) if exact else rows
        if not spec.numeric:
            pressed = row.first.locator("button.mod-active").inner_text().strip()
            values[name] = dict(spec.options)[pressed]
            continue
        shown = _number(row.first.locator(".widget-readout").inner_text())
        if spec.scale == "log":
            low = math.log10(spec.min)
            exponent = low + round((math.log10(shown) - low) / spec.step) * spec.step
            values[name] = 10.0 ** exponent
        else:
            values[name] = spec.min + round((shown - spec.min) / spec.step) * spec.step
    return values


def _drag_one_slider(page, box, chapter: str) -> tuple[str, str, int, float]:
    """Drag the demo's first slider across its track, check the frames it shows; (name, control, redraws,
    ms from release to the final frame)."""
    title = box.locator("strong").first.inner_text().strip()
    name, demo = _demo_for_title(title)
    sliders = [c for c in demo.controls if demo._specs[c].numeric]
    assert sliders, f"{name}: no slider to drag"
    control = sliders[0]
    label = demo._specs[control].label
    sliders = box.locator(".widget-slider")
    index = next((k for k in range(sliders.count())
                  if sliders.nth(k).locator(".widget-label").inner_text().strip() == label), None)
    assert index is not None, f"{name}: no slider labelled {label!r} in JupyterLab"
    slider = sliders.nth(index)
    handle = slider.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    box.evaluate(OBSERVE_JS)
    before = box.locator("img").first.get_attribute("src")
    track = slider.locator(".noUi-target").bounding_box()
    knob = handle.bounding_box()
    x0, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    # across 60 % of the track, towards the side with more room
    span = 0.6 * track["width"] * (1 if x0 < track["x"] + track["width"] / 2 else -1)
    page.mouse.move(x0, y)
    page.mouse.down()
    for k in range(1, DRAG_MOVES + 1):
        page.wait_for_timeout(1000 * DRAG_S / DRAG_MOVES)
        page.mouse.move(x0 + span * k / DRAG_MOVES, y)
    page.mouse.up()
    _settle(page)
    rec = page.evaluate("() => window.__ipspDrag")
    assert rec["down"] is not None and rec["up"] is not None, "the pointer press/release did not reach the page"
    frames = rec["frames"]
    redraws = sum(rec["down"] < t <= rec["up"] for t in frames)
    delay = max(0.0, frames[-1] - rec["up"]) if frames else float("inf")
    readout = slider.locator(".widget-readout").inner_text()
    after_img = box.locator("img").first
    after = after_img.get_attribute("src")
    assert after != before, f"{chapter} {name}: dragging {label} did not change the figure"
    # The frame left on screen is the one ipsplib renders for the controls' final values.
    demo.update(**_shown_values(box, demo))
    shown = base64.b64decode(after.split(",", 1)[1])
    assert after_img.get_attribute("alt") == demo.alt_text, \
        f"{chapter} {name}: after release the figure does not show {label} = {readout}"
    # Pixels too when every readout gives its value exactly (linear sliders, choices); a log slider's
    # 3-digit readout does not pin its exponent, so there the alt text (values at display precision) decides.
    if all(spec.scale == "linear" or not spec.numeric for spec in demo._specs.values()):
        differ = _pixels_differing(shown, demo.png())
        assert differ <= 0.005, \
            f"{chapter} {name}: {differ:.1%} of the final frame's pixels differ from ipsplib's frame for {readout}"
    return name, control, redraws, delay


def _drag_and_measure(page, box, chapter: str) -> None:
    """Drag, check, and measure. Asserted is what makes the drag live: the figure follows the slider while
    it moves (at least LIVE_REDRAWS redraws before release) and the final frame is right. The speed goals
    (MIN_REDRAWS, MAX_FINAL_DELAY_MS) are measured and reported, not asserted: speed is a benchmark's
    business, and it depends on the load of a shared machine. A drag that misses the goals is repeated
    once; every attempt is reported."""
    for _attempt in range(2):
        name, control, redraws, delay = _drag_one_slider(page, box, chapter)
        DRAGS.append((chapter, name, control, redraws, delay))
        assert redraws >= LIVE_REDRAWS, (
            f"{chapter} {name}: {redraws} redraws during a {DRAG_S:.0f} s drag: the figure does not follow the "
            f"slider (load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
        if redraws >= MIN_REDRAWS and delay <= MAX_FINAL_DELAY_MS:
            return


def _displayed_demos(notebook: Path) -> int:
    """How many cells of the notebook end by displaying a demo (``demos.x()`` or ``demos.ALL["x"]()``)."""
    shown = re.compile(r"^demos\.(ALL\[[^\]]+\]|\w+)\(\)\s*$")
    count = 0
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
        count += cell["cell_type"] == "code" and bool(lines) and bool(shown.match(lines[-1]))
    return count


def _redact(text: str) -> str:
    """The text without the server's token (URLs carry it as ?token=...)."""
    return re.sub(r"(token=)[0-9a-f]+", r"\1…", text)


def _shutdown_kernels(base: str, token: str) -> None:
    for session in _get(f"{base}/api/sessions", token) or []:
        with contextlib.suppress(OSError):
            _get(f"{base}/api/sessions/{session['id']}", token, method="DELETE")


#: JupyterLab's own start-up timing warnings ("Plugin ... is taking too long to activate", "... took 5067ms
#: to activate"): printed when the machine is slow, whatever the notebook; the only console text ignored.
SLOW_PLUGIN = re.compile(r"^Plugin \S+ (is taking too long to activate\.|\(with \d+ dependants\) took [\d.]+ ?ms "
                         r"to activate\.)$")
#: jupyterlab-myst renders each notebook alone, so a {term} whose definition is in glossary.md and a {numref}
#: to a figure that myst-nb names in a code cell's metadata have no target there; it says so on the console
#: ("Cross reference target was not found: term-ipsp", one line per reference). The chapters therefore write
#: them as links (tools/lab_links.py); messages made only of such lines, for terms and figures, are kept off
#: the console check and counted instead: the prose test fails on any of them.
UNRESOLVED = re.compile(r"^Cross reference target was not found: (term-|fig-)\S.*$")


class _Console(list):
    """The console messages a chapter's test fails on, and the unresolved references set aside."""

    def __init__(self):
        super().__init__()
        self.unresolved: list[str] = []


def _unresolved_reference(text: str, unresolved: list[str]) -> bool:
    """True (and the references noted) if the message only lists jupyterlab-myst's unresolved terms/figures."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and all(UNRESOLVED.match(line) for line in lines):
        unresolved.extend(line.rsplit(": ", 1)[1] for line in lines)
        return True
    return False


ALL_DONE_JS = """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                         return p.length > 0 && p.every(e => /^\\[\\d+\\]:$/.test(e.textContent.trim())); }"""


@pytest.fixture(scope="module")
def chapters(lab, chromium):
    """Every chapter open in its own tab (one browser), all run at once; then each test checks its own.

    The notebooks run concurrently (the slowest part: kernel start and execution); the drags come after
    every notebook has finished, one at a time, so that no other kernel competes with them.
    A chapter that fails here fails only its own test.
    """
    base, token = lab
    outside: list[str] = []

    def route(r):
        if urllib.parse.urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost") \
                or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    state = {}
    start = time.monotonic()

    def step(stem, action):
        if state[stem]["error"] is None:
            try:
                action(state[stem])
            except Exception as error:  # noqa: BLE001 - reported by this chapter's test
                state[stem]["error"] = error

    contexts = []
    for notebook in NOTEBOOKS:
        # a context (storage) per chapter, as separate students would have: JupyterLab's tabs of one
        # origin negotiate window names through shared storage
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        console = _Console()
        page.on("console", lambda m, c=console: c.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") and not SLOW_PLUGIN.search(m.text)
                and not _unresolved_reference(m.text, c.unresolved) else None)
        page.on("pageerror", lambda e, c=console: c.append(f"pageerror: {e}"))
        # every failed response and request, with its URL and status: the console says only "Failed to load
        # resource: ... 500", not which request failed
        failed: list[str] = []
        page.on("response", lambda r, f=failed: f.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400 else None)
        page.on("requestfailed", lambda r, f=failed: f.append(f"failed {r.method} {r.url}: {r.failure}"))
        state[notebook.stem] = {"page": page, "console": console, "failed": failed, "error": None,
                                "notebook": notebook}
        # a workspace of its own per chapter: JupyterLab does not reopen another tab's notebook
        step(notebook.stem, lambda s, n=notebook: s["page"].goto(
            f"{base}/lab/workspaces/{n.stem}/tree/chapters/{n.name}?reset&token={token}",
            wait_until="commit", timeout=60_000))

    def run(s):
        s["page"].wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell", timeout=OPEN_TIMEOUT_MS)
        assert s["page"].locator(".jp-NotebookPanel").count() == 1, "JupyterLab opened more than this notebook"
        # every cell in the page before Expand All Code: JupyterLab adds a long notebook's cells in batches, and a
        # hidden cell added after the expansion keeps its placeholder (no [n]: prompt; seen under load)
        n_cells = len(json.loads(s["notebook"].read_text(encoding="utf-8"))["cells"])
        s["page"].wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length >= {n_cells}",
                                    timeout=OPEN_TIMEOUT_MS)
        expand_all_code(s["page"])
        run_all(s["page"])

    def finish(s):
        s["page"].wait_for_function(ALL_DONE_JS, timeout=RUN_ALL_TIMEOUT_MS)
        s["page"].wait_for_function(IDLE_JS, timeout=60_000)

    for stem in state:
        step(stem, run)
    for stem in state:
        step(stem, finish)
    TIMINGS.append(f"{len(state)} chapters opened and run (concurrently) in {time.monotonic() - start:.1f} s")
    try:
        yield state, outside
    finally:
        for context in contexts:
            context.close()
        _shutdown_kernels(base, token)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_live_in_jupyterlab(chapters, notebook):
    state, outside = chapters
    s = state[notebook.stem]
    page, console, failed = s["page"], s["console"], s["failed"]
    start = time.monotonic()
    try:
        if s["error"] is not None:
            raise s["error"]
        page.bring_to_front()
        n_code = page.locator(".jp-CodeCell").count()
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        shown = [errors.nth(k).inner_text()[:400] for k in range(errors.count())]
        assert not shown, f"{notebook.name}: cells show errors or stderr in JupyterLab:\n" + "\n".join(shown)
        boxes = page.locator(".ipsp-demo-live")
        expected = _displayed_demos(notebook)
        assert boxes.count() == expected, f"{notebook.name}: {boxes.count()} live demos shown, {expected} displayed"
        for k in range(boxes.count()):
            _drag_and_measure(page, boxes.nth(k), notebook.stem)
        assert not failed, f"{notebook.name}: requests failed:\n" + "\n".join(map(_redact, failed))
        assert not console, f"{notebook.name}: the browser console is not clean:\n" + "\n".join(console)
        mine = [u for u in outside if notebook.stem in u] or outside
        assert not mine, f"{notebook.name}: requests left 127.0.0.1: {mine[:5]}"
        TIMINGS.append(f"{notebook.name}: {n_code} code cells, {boxes.count()} demo(s) dragged in "
                       f"{time.monotonic() - start:.1f} s")
    except BaseException:
        with contextlib.suppress(Exception):
            shot = ROOT / "_build" / f"jupyterlab-failure-{notebook.stem}.png"
            page.screenshot(path=str(shot), full_page=False)
            prompts = page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt", "ps => ps.map(p => p.textContent)")
            print(f"{notebook.name}: failed; screenshot {shot}; server log {SERVER_LOG}; prompts {prompts}; "
                  f"console {console}; failed requests {[_redact(f) for f in failed]}")
        raise


# -- the prose as the reader sees it -----------------------------------------------------------------------
#: The rendered text of every markdown cell, each cell's text on its own.
#: (innerText: laid out in lines, folded content left out; textContent: every text, folded solutions included)
#: (the hidden editor, which holds the cell's source, left out)
MARKDOWN_TEXT_JS = """() => [...document.querySelectorAll('.jp-MarkdownCell')].map(c => {
    const rendered = c.cloneNode(true);
    rendered.querySelectorAll('.jp-InputArea-editor, .cm-editor').forEach(e => e.remove());
    return [c.innerText, rendered.textContent];
})"""
#: the links of the rendered markdown cells (href as written in the source: jupyterlab-myst leaves external ones)
MARKDOWN_LINKS_JS = """() => [...document.querySelectorAll('.jp-MarkdownCell a[href]')]
    .map(a => a.getAttribute('href'))"""
#: inline expressions ({eval}) that failed in the kernel: jupyterlab-myst shows the exception in the prose
EXPRESSION_ERRORS_JS = """() => [...document.querySelectorAll(
    '.jp-MarkdownCell [data-mime-type="application/vnd.jupyter.stderr"],'
    + ' .jp-MarkdownCell .myst-RenderedExpressionError')]
    .map(e => e.textContent.trim()).filter(t => t)"""
GLUED_ROLE = re.compile(r"\{glue:md\}`(\w+)`|\{eval\}`glued\.(\w+)`")
#: a glued number in context: the prose just before it and just after it, plain words only
_PLAIN = re.compile(r"[^{}`$*_\[\]<>|\\'\"]+")  # no markup, maths, or quotes (the site typesets them)
SAMPLES_PER_CHAPTER = 6
#: a Markdown link, its text (escapes allowed) as group 1
_LINK = re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\([^()\s]*\)")
#: per chapter: what the prose test found, printed with the drag report
GAPS: list[str] = []


#: what the chapter's source cites and refers to, as roles or as the links tools/lab_links.py writes for them
_CITE_ROLE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
_CITE_LINK = re.compile(r"\]\(https?://[^()\s]*/chapters/bibliography\.html#cite:[pt]=([\w.:,-]+)\)")
_TERM = re.compile(r"\{term\}`[^`]+`|\]\(https?://[^()\s]*/chapters/glossary\.html#term-[^()\s]+\)")
_FIGURE_REF = re.compile(r"\{numref\}`[^`]+`|\]\(https?://[^()\s]*/chapters/[\w.-]+\.html#fig-[^()\s]+\)")
_PAGE_REF = re.compile(r"\{doc\}`[^`]+`|\]\([\w-]+\.ipynb\)|\]\(https?://[^()\s]*/chapters/[\w-]+\.html\)")


def cited_and_referred(notebook: Path) -> tuple[set[str], int, int, int, int]:
    """(cited keys, citations, terms, figure references, page references) in the chapter's markdown cells."""
    text = "\n".join("".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                     if c["cell_type"] == "markdown")
    groups = _CITE_ROLE.findall(text) + _CITE_LINK.findall(text)
    keys = {key.strip() for group in groups for key in group.split(",") if key.strip()}
    return (keys, len(groups), len(_TERM.findall(text)), len(_FIGURE_REF.findall(text)),
            len(_PAGE_REF.findall(text)))


def _squash(text: str) -> str:
    return " ".join(text.split())


def glued_samples(notebook: Path) -> list[tuple[str, str, str]]:
    """(text before, glue name, text after) of glued numbers whose neighbouring prose is plain words,
    at most SAMPLES_PER_CHAPTER, spread over the chapter."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        # a link without its address (the chapters' citations, terms and cross-references are links); its
        # brackets end the context, as a role's backticks did (the website's text may space a link off)
        source = _LINK.sub(lambda m: f"[{m.group(1)}]", "".join(cell["source"]))
        for match in GLUED_ROLE.finditer(source):
            # on the same line of the source (a heading or a list item ends the context)
            before = source[max(0, match.start() - 40):match.start()].rsplit("\n", 1)[-1]
            after = source[match.end():match.end() + 12].split("\n", 1)[0]
            before = before.split(". ")[-1]
            # the plain words right before and after (no markup, maths or another role)
            before = (_PLAIN.findall(before + "\u0000")[-1][:-1] if before else "").lstrip()
            after_words = _PLAIN.match(after)
            after = after_words.group(0).rstrip() if after_words else ""
            if len(before) >= 12 and re.match(r"^ [^\s.,;:)]", after):
                found.append((before, match.group(1) or match.group(2), after))
    step = max(1, len(found) // SAMPLES_PER_CHAPTER)
    return found[::step][:SAMPLES_PER_CHAPTER]


def _value_in(text: str, before: str, after: str) -> list[str]:
    """Every value that reads between ``before`` and ``after`` in ``text`` (whitespace squashed)."""
    pattern = re.escape(before) + r"\s?(\S+?)\s?" + re.escape(after.lstrip())
    return re.findall(pattern, _squash(text))


def _site_text(site_dir: Path, notebook: Path) -> str:
    from bs4 import BeautifulSoup

    page = site_dir / "chapters" / f"{notebook.stem}.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article") or soup.body
    return article.get_text(" ")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_prose_reads_in_jupyterlab(chapters, notebook, site_dir):
    """Every markdown cell, rendered by JupyterLab as Binder builds it (jupyterlab-myst), reads as prose: no
    role, directive, option or "unknown role" notice left raw, no failed inline expression; and a sample of
    glued numbers reads exactly as on the website."""
    from raw_myst import raw_myst_fragments

    state, _ = chapters
    s = state[notebook.stem]
    page = s["page"]
    try:
        if s["error"] is not None:
            raise s["error"]
        page.bring_to_front()
        shown_texts = page.evaluate(MARKDOWN_TEXT_JS)
        texts = [inner for inner, _ in shown_texts]
        all_texts = [every for _, every in shown_texts]
        n_markdown = sum(c["cell_type"] == "markdown"
                         for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"])
        assert len(texts) == n_markdown, f"{notebook.name}: {len(texts)} markdown cells shown, {n_markdown} in the file"
        raw = [(k, fragment) for k in range(len(texts))
               for fragment in dict.fromkeys(raw_myst_fragments(texts[k]) + raw_myst_fragments(all_texts[k]))]
        # citations as author-year (no bibtex key shown), terms and figure references as links with a target
        # (tools/lab_links.py writes the roles as links to the website; jupyterlab-myst has no bibliography and
        # no glossary or figure label to resolve them against)
        keys, n_cites, n_terms, n_figures, n_pages = cited_and_referred(notebook)
        lab_text = "\n".join(all_texts)
        cited_as_keys = sorted(k for k in keys if k in lab_text)
        unresolved = sorted(set(s["console"].unresolved))  # jupyterlab-myst repeats them at every re-render
        links = page.evaluate(MARKDOWN_LINKS_JS)
        cite_links = sum("/chapters/bibliography.html#cite:" in h for h in links)
        term_links = sum("/chapters/glossary.html#term-" in h for h in links)
        figure_links = sum(bool(re.search(r"/chapters/[\w.-]+\.html#fig-", h)) for h in links)
        # a chapter notebook's link is resolved by JupyterLab (to open it there); another page's goes to the website
        page_links = sum(bool(re.search(r"\.ipynb(?:[?#]|$)|/chapters/[\w-]+\.html$", h)) for h in links)
        GAPS.append(f"  {notebook.stem:22s} raw MyST {len(raw):3d}  citation keys shown {len(cited_as_keys):3d}/"
                    f"{len(keys):3d}  citations linked {cite_links:3d}/{n_cites:3d}  terms linked {term_links:3d}/"
                    f"{n_terms:3d}  figure refs linked {figure_links:3d}/{n_figures:3d}  pages linked "
                    f"{page_links:3d}/{n_pages:3d}  unresolved {len(unresolved):3d}")
        out = ROOT / "_build" / f"jupyterlab-prose-{notebook.stem}.txt"
        out.write_text("\n\n---- cell ----\n".join(texts), encoding="utf-8")
        assert not raw, (f"{notebook.name}: {len(raw)} MyST fragments shown raw in JupyterLab (text in {out}):\n"
                         + "\n".join(f"  markdown cell {k}: {f}" for k, f in raw[:30]))
        assert not cited_as_keys, (f"{notebook.name}: {len(cited_as_keys)} citations show their bibtex key in "
                                   f"JupyterLab, not author-year (run tools/lab_links.py): {cited_as_keys[:10]}")
        assert not unresolved, (f"{notebook.name}: references without a target in JupyterLab (run "
                                f"tools/lab_links.py): {unresolved[:10]}")
        assert (cite_links, term_links, figure_links, page_links) == (n_cites, n_terms, n_figures, n_pages), (
            f"{notebook.name}: JupyterLab shows {cite_links}/{n_cites} citations, {term_links}/{n_terms} terms, "
            f"{figure_links}/{n_figures} figure references and {page_links}/{n_pages} page references as links")
        # a role the renderer does not know shows its content as plain text ("resting at rest_mV mV"), and an
        # inline expression not evaluated shows as code: neither may show a glued name in the visible text (the
        # hidden text holds maths sources such as r_m; names of 3 characters or more:
        # a name like "L" is also a word of the prose)
        cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "markdown"]
        names = [(k, m.group(1) or m.group(2)) for k, c in enumerate(cells)
                 for m in GLUED_ROLE.finditer("".join(c["source"]))]
        shown = [(k, name) for k, name in names
                 if len(name) >= 3 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", texts[k])]
        assert not shown, (f"{notebook.name}: {len(shown)} glued names shown instead of their values:\n"
                           + "\n".join(f"  markdown cell {k}: {name}" for k, name in shown[:20]))
        errors = page.evaluate(EXPRESSION_ERRORS_JS)
        assert not errors, f"{notebook.name}: inline expressions failed in JupyterLab:\n" + "\n".join(errors[:10])
        samples = glued_samples(notebook)
        if not any(GLUED_ROLE.search("".join(c["source"])) for c in json.loads(notebook.read_text())["cells"]
                   if c["cell_type"] == "markdown"):
            return
        assert samples, f"{notebook.name}: no glued number with plain prose around it to compare"
        site_text = _site_text(site_dir, notebook)
        for before, name, after in samples:
            on_site = _value_in(site_text, before, after)
            in_lab = _value_in(lab_text, before, after)
            assert on_site, f"{notebook.name}: {name}: {before!r} … {after!r} not found on the website"
            assert in_lab == on_site, (f"{notebook.name}: glued {name} reads {in_lab} in JupyterLab, {on_site} on the "
                                       f"website ({before!r} … {after!r})")
    except BaseException:
        with contextlib.suppress(Exception):
            shot = ROOT / "_build" / f"jupyterlab-failure-prose-{notebook.stem}.png"
            page.screenshot(path=str(shot), full_page=False)
            print(f"{notebook.name}: failed; screenshot {shot}")
        raise
