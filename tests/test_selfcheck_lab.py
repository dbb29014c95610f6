"""The self-check questions live in JupyterLab (as in Binder or `make lab`): the chapters' hidden cell
``self_check("<chapter>")`` runs, every question of every chapter appears as a named group, and each answer
gets its feedback there too (the page script runs in JupyterLab's trusted output); the hint's section link
finds the heading by its text, since JupyterLab gives headings other ids than the website.

One JupyterLab from this virtualenv (the kernel imports this checkout's ipsplib), on 127.0.0.1 with a
token, serving a temporary notebook made of the chapters' own self-check cells; stopped (its process group)
afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, ROOT
from lab_page import expand_all_code, run_all
from test_selfcheck_data import far_off

from ipsplib.selfcheck import data
from ipsplib.selfcheck.render import shown_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHAPTERS = data.chapters()


def _notebook() -> dict:
    """The first chapter's section headings (for the hint links), then every chapter's self-check cell as
    it stands in the chapter."""
    cells = []
    first = json.loads((ROOT / "chapters" / f"{CHAPTERS[0]}.ipynb").read_text(encoding="utf-8"))["cells"]
    headings = {q.section for q in data.load(CHAPTERS[0])}
    for section in sorted(headings):
        cells.append({"cell_type": "markdown", "id": f"h{len(cells)}", "metadata": {},
                      "source": [f"## {section}\n", "\n", "Some text.\n" * 40]})
    for chapter in CHAPTERS:
        nb = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if c.get("id") == "self-check-questions")
        cells.append({**cell, "id": f"sc-{chapter}"})
    assert first  # the chapter exists
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                          "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def lab_notebook(browser):
    """A page of JupyterLab with the self-check notebook run, and the problems seen (console, requests)."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}")
    work = Path(tempfile.mkdtemp(prefix="ipsp-selfcheck-lab-"))
    (work / "selfcheck.ipynb").write_text(json.dumps(_notebook(), indent=1, ensure_ascii=False), encoding="utf-8")
    settings = work / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTER_CONFIG_DIR": str(work / "config"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces")}
    env.pop("IPSP_BOOK_STATIC", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
           "--LabApp.news_url="] + (["--allow-root"] if os.geteuid() == 0 else [])
    log = (work / "lab.log").open("wb")
    process = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(work / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                   else (problems.append(f"request to another host: {r.request.url}"), r.abort()))
        page.goto(f"{base}/lab/tree/selfcheck.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        # the cells' sources are hidden, as in the chapters; Run All once the kernel is idle (a click while it
        # still starts is lost)
        expand_all_code(page)
        run_all(page)
        n_questions = sum(len(data.load(ch)) for ch in CHAPTERS)
        try:
            page.wait_for_function(f"() => document.querySelectorAll('fieldset.ipsp-sc[data-sc-ready]').length >= "
                                   f"{n_questions}", timeout=240_000)
        except Exception:
            page.screenshot(path=str(ROOT / "_build" / "selfcheck-lab-failure.png"))
            shown = page.locator("fieldset.ipsp-sc").count()
            stderr = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            errors = page.locator(stderr).all_inner_texts()
            pytest.fail(f"JupyterLab shows {shown} of {n_questions} questions; errors: {errors[:3]}")
        yield page, problems
        context.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _feedback(box, answer: str) -> str:
    """Give ``answer`` (a choice's text, or a number typed into the field) and return the feedback shown."""
    live = box.locator("[aria-live]")
    live.evaluate("el => { el.textContent = ''; }")
    if box.get_attribute("data-kind") == "choice":
        box.get_by_role("radio", name=answer, exact=True).check()
    else:
        box.get_by_role("textbox").fill(answer)
    box.get_by_role("button", name=re.compile(r"^Check")).click()
    live.locator("strong").wait_for(timeout=5000)
    return live.inner_text()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_questions_answer_in_jupyterlab(lab_notebook, chapter):
    page, problems = lab_notebook
    failures = []
    for number, q in enumerate(data.load(chapter), 1):
        box = page.locator(f"#sc-{chapter}-{q.id}")
        group = page.get_by_role("group", name=f"Check your understanding {number}: {shown_text(q.title)}", exact=True)
        if group.count() < 1:
            failures.append(f"{q.id}: no group named 'Check your understanding {number}: {q.title}'")
            continue
        if q.kind == "choice":
            cases = [(c.feedback, shown_text(c.text)) for c in q.choices]  # the label as typeset
        else:
            cases = [(data.Feedback("right", q.why), data.typeset_number(q.answer, q.decimals))]
            cases += [(m.feedback, f"{m.value:.6g}") for m in q.misconceptions]
            cases += [(data.Feedback("hint", q.hint), f"{far_off(q):.6g}")]
        for expected, answer in cases:
            text = _feedback(box, answer)
            lead = {"right": "Right.", "misconception": "Not quite.", "hint": "Not yet."}[expected.verdict]
            if not (text.startswith(lead) and shown_text(expected.text) in text):
                failures.append(f"{q.id}: expected {lead} {expected.text!r}, got {text!r}")
    assert not failures, "\n".join(failures)
    assert not problems, "\n".join(problems)


def test_hint_link_finds_the_section_in_jupyterlab(lab_notebook):
    page, _ = lab_notebook
    q = next(q for q in data.load(CHAPTERS[0]) if q.kind == "number")
    box = page.locator(f"#sc-{CHAPTERS[0]}-{q.id}")
    _feedback(box, f"{far_off(q):.6g}")
    heading = page.locator(".jp-MarkdownCell h2", has_text=q.section).first
    page.evaluate("() => document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollTop = 1e6")
    box.locator(".ipsp-sc-feedback a").click()
    page.wait_for_timeout(500)
    in_view = heading.evaluate("h => (t => t >= 0 && t < innerHeight)(h.getBoundingClientRect().top)")
    assert in_view, "the hint link did not bring its section into view"
