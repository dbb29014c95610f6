"""ipsplib.book: the helpers every chapter page imports (glue with a true minus, typeset tables, half-width)."""

import json
from pathlib import Path

import myst_nb.ext.glue as myst_glue_module
import numpy as np
import pytest

from ipsplib import book

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("0*.ipynb"))


@pytest.mark.parametrize(("value", "spec", "text"), [
    (-70.0, ".0f", "\u221270"),
    (-0.04, ".1f", "0.0"),           # never "−0.0"
    (0.004, "+.2f", "0.00"),         # nor "+0.00"
    (7.04, "+.1f", "+7.0"),
    (-85.24, ".1f", "\u221285.2"),
    (-12345.6, ",.0f", "\u221212,346"),
])
def test_format_number_typesets_a_true_minus_and_no_signed_zero(value, spec, text):
    assert book.format_number(value, spec) == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "seventy"])
def test_format_number_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises(ValueError, match="value must be a finite number"):
        book.format_number(bad)


def test_typeset_minus_changes_minus_signs_only():
    assert book.typeset_minus("| -70 | -0.5 | 2-3 | CA3-5 | x-1 |") == "| \u221270 | \u22120.5 | 2-3 | CA3-5 | x-1 |"
    assert "-" not in book.typeset_minus("(-89.1 mV)")


def test_glue_stores_the_typeset_markdown_for_the_prose(monkeypatch):
    shown = []
    monkeypatch.setattr(myst_glue_module, "ipy_display", lambda data, raw, metadata: shown.append((data, metadata)))
    assert book.glue("rest_mV", -70.0, ".0f") == "\u221270"
    (data, metadata), = shown
    assert metadata["scrapbook"]["name"] == "rest_mV"
    assert data["application/papermill.record/text/markdown"] == "\u221270"   # stored, not displayed
    book.glue("label", "GABA{sub}`A`")
    assert shown[-1][0]["application/papermill.record/text/markdown"] == "GABA{sub}`A`"


def test_glue_refuses_a_missing_name():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        book.glue("", 1.0)


def test_half_width_of_a_known_triangle_and_its_mirror():
    t = np.arange(0.0, 10.0, 0.5)
    y = np.clip(4.0 - np.abs(t - 4.0), 0.0, None)      # peak 4 at 4 ms; >= 2 from 2 to 6 ms
    assert book.half_width_ms(t, y) == pytest.approx(4.0)
    assert book.half_width_ms(t, -y) == pytest.approx(4.0)


@pytest.mark.parametrize(("t", "y", "match"), [
    ([0.0, 1.0], [0.0, 0.0], "dv must have a nonzero value"),
    ([0.0, 1.0], [1.0], "same length"),
    ([0.0, np.nan], [1.0, 2.0], "t_ms must be finite"),
])
def test_half_width_refuses_bad_input(t, y, match):
    with pytest.raises(ValueError, match=match):
        book.half_width_ms(t, y)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_defines_its_own_copy_of_a_shared_helper(path):
    shared = ("def glue(", "def typeset_minus(", "def half_width_ms(", "def signed_peak(")
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            assert not any(d in source for d in shared), f"{path.name} cell {cell.get('id')} redefines a helper"
