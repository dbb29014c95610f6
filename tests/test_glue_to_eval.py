"""tools/glue_to_eval.py and _ext/glued_eval.py: the chapters' glued numbers read as {eval}`glued.NAME`,
which JupyterLab (jupyterlab-myst) evaluates in the kernel and the website pastes as the glued value NAME."""

from __future__ import annotations

import doctest
import json
import sys

from binder_env import ROOT

sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "_ext"))

import glue_to_eval  # noqa: E402
import glued_eval  # noqa: E402

HELPER = '''import re

from IPython.display import Markdown
from myst_nb import glue as myst_glue


def glue(name, value, spec=".1f"):
    # Prose pastes these with {glue:md}: the number is formatted here
    myst_glue(name, Markdown(value), display=False)


glue("rest_mV", -70.0)'''


def test_chapters_are_rewritten():
    """No chapter's prose uses {glue:md} (a chapter added or edited since must be rewritten: run the tool)."""
    assert glue_to_eval.main(["--check"]) == 0, "run: python tools/glue_to_eval.py"


def test_every_chapter_that_reads_glued_values_defines_them():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        if "{eval}`glued." in prose:
            assert "glued = SimpleNamespace()" in code and "setattr(glued, name, value)" in code, path.name


def test_helper_rewrite_is_idempotent_and_keeps_the_import_order():
    once = glue_to_eval.rewrite_helper(HELPER)
    assert glue_to_eval.rewrite_helper(once) == once
    assert once.startswith("import re\nfrom types import SimpleNamespace\n\nfrom IPython.display import Markdown\n")
    assert "glued = SimpleNamespace()\n\n\ndef glue(" in once
    assert "    myst_glue(name, Markdown(value), display=False)\n    setattr(glued, name, value)\n" in once
    namespace = {}
    exec(compile(once.replace("myst_glue(name, Markdown(value), display=False)", "pass"), "helper", "exec"),
         namespace)
    assert namespace["glued"].rest_mV == -70.0


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
