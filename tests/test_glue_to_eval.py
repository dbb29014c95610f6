"""tools/glue_to_eval.py and _ext/glued_eval.py: the chapters' glued numbers read as {eval}`glued.NAME`,
which JupyterLab (jupyterlab-myst) evaluates in the kernel and the website pastes as the glued value NAME."""

from __future__ import annotations

import doctest
import json
import re
import sys

from binder_env import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import glue_to_eval  # noqa: E402
import glued_eval  # noqa: E402


def test_chapters_are_rewritten():
    """No chapter's prose uses {glue:md} (a chapter added or edited since must be rewritten: run the tool)."""
    assert glue_to_eval.main(["--check"]) == 0, "run: python tools/glue_to_eval.py"


def test_every_chapter_that_reads_glued_values_imports_them():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if "{eval}`glued." in prose:
            assert re.search(r"^from ipsplib\.book import .*\bglued\b", code, re.MULTILINE), path.name


def test_setup_rewrite_is_idempotent_and_sorted():
    once = glue_to_eval.rewrite_setup("from ipsplib.book import typeset_minus, glue\n")
    assert once == "from ipsplib.book import glue, glued, typeset_minus" + glue_to_eval.NOQA + "\n"
    assert glue_to_eval.rewrite_setup(once) == once
    assert glue_to_eval.rewrite_setup("from ipsplib.book import half_width_ms\n") == \
        "from ipsplib.book import half_width_ms\n"


def test_markdown_rewrite_is_idempotent():
    text = "resting at {glue:md}`rest_mV` mV, threshold {glue:md}`threshold_mV` mV"
    once = glue_to_eval.rewrite_markdown(text)
    assert once == "resting at {eval}`glued.rest_mV` mV, threshold {eval}`glued.threshold_mV` mV"
    assert glue_to_eval.rewrite_markdown(once) == once


def test_the_website_role_reads_only_glued_names():
    assert glued_eval.glued_name("glued.rest_mV") == "rest_mV"
    assert glued_eval.glued_name(" glued.e_cl_mV ") == "e_cl_mV"
    for other in ("rest_mV", "glued.rest_mV + 1", "glued['x']", "os.system('x')", "glued."):
        assert glued_eval.glued_name(other) is None


def test_docstring_examples_run():
    for module in (glue_to_eval, glued_eval):
        result = doctest.testmod(module)
        assert result.attempted >= 1 and result.failed == 0, module.__name__
