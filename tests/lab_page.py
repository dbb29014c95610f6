"""Driving a notebook in JupyterLab from Playwright: run every cell, as a student does with Run > Run All Cells.

Shared by tests/test_jupyterlab.py (the chapters) and tests/test_selfcheck_lab.py (the self-check questions).
"""

from __future__ import annotations

import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

IDLE_JS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                   .some(e => / \\| Idle$/.test(e.textContent.trim()))"""
STARTED_JS = """() => { const p = document.querySelector('.jp-CodeCell .jp-InputPrompt');
                       return p !== null && !/^\\[ \\]:$/.test(p.textContent.trim()); }"""


def expand_all_code(page) -> None:
    """View > Expand All Code: a cell whose source is hidden (the self-check cells) shows a placeholder with an
    empty prompt, so only with every source shown can the test see that every cell ran ([n]: prompts)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^View$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Expand All Code$")).click()
    page.wait_for_function("() => !document.querySelector('.jp-InputPlaceholder')", timeout=10_000)


def run_all(page) -> None:
    """Run > Run All Cells, once the kernel is idle (a click while it still connects is lost: retry)."""
    for _attempt in range(3):
        page.wait_for_function(IDLE_JS, timeout=90_000)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(STARTED_JS, timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("Run All Cells did not start the notebook (3 attempts)")
