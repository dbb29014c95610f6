"""The raw-MyST detector (tests/raw_myst.py): finds every kind of markup the chapters use, and
nothing in ordinary prose or maths."""

from __future__ import annotations

import doctest
import json

import pytest
import raw_myst
from binder_env import ROOT
from raw_myst import raw_myst_fragments


@pytest.mark.parametrize("text, fragments", [
    ("resting at {glue:md}`rest_mV` mV", ["{glue:md}`rest_mV`"]),
    ("{glue:text}`n_cells` cells", ["{glue:text}`n_cells`"]),
    ("an {term}`integrate-and-fire <integrate-and-fire neuron>` cell",
     ["{term}`integrate-and-fire <integrate-and-fire neuron>`"]),
    ("about 0.2 {cite}`BormannHamillSakmann1987,Kaila1994`", ["{cite}`BormannHamillSakmann1987,Kaila1994`"]),
    ("{cite:p}`Kaila1994`", ["{cite:p}`Kaila1994`"]),
    ("GABA{sub}`A` receptors", ["{sub}`A`"]),
    ("as {doc}`04-chloride` shows, {numref}`fig-ipsp-sum`",
     ["{doc}`04-chloride`", "{numref}`fig-ipsp-sum`"]),
    ("x = {eval}`glued.rest_mV` mV", ["{eval}`glued.rest_mV`"]),
    ("```{admonition} Learning goals\n:class: tip\n\nText\n```", ["```{admonition} Learning goals", ":class: tip"]),
    (":::{exercise}\n:label: ex-ipsp-1\nQ\n:::", [":::{exercise}", ":label: ex-ipsp-1"]),
    ("````{solution} ex-ipsp-1\n:class: dropdown\n````", ["````{solution} ex-ipsp-1", ":class: dropdown"]),
    ("(fig-ipsp-sum)=\n# Heading", ["(fig-ipsp-sum)="]),
    ("the value {{ rest_mV }} here", ["{{ rest_mV }}"]),
    ("Unknown role glue:md", ["Unknown role glue:md"]),
    ("unknown directive: exercise", ["unknown directive: exercise"]),
])
def test_finds_each_kind_of_markup(text, fragments):
    assert raw_myst_fragments(text) == fragments


@pytest.mark.parametrize("text", [
    "A cell resting at −70 mV fires when depolarized by 15 mV.",
    r"$C \frac{dV}{dt} = -g_L (V - E_L)$ and $E_\text{Cl}$ = −65 mV",
    r"$$\begin{aligned} V_\infty &= \frac{g_L E_L}{g_L} \end{aligned}$$",
    "GABAA receptors (Kaila, 1994; Farrant & Kaila, 2007): see Chapter 4.",
    "Membrane time constant\n: the time it takes the potential to relax by 1/e.",
    "Ratio 1:2:3 at 10:30: fine. Note: text after a colon.",
    "code `x = {1: 2}` and a dict {a} with a brace",
    "(in parentheses)= not alone? no: (this is prose) = fine",
])
def test_ordinary_prose_and_maths_are_not_markup(text):
    assert raw_myst_fragments(text) == []


def test_rejects_what_is_not_text():
    with pytest.raises(ValueError, match="text must be a str"):
        raw_myst_fragments(None)


def test_docstring_examples_run():
    result = doctest.testmod(raw_myst, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0


def test_counts_the_chapters_markup():
    """Every chapter's markdown source holds markup (the book is written in MyST): the detector sees it."""
    for path in sorted((ROOT / "chapters").glob("0*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert raw_myst_fragments(text), f"{path.name}: no MyST markup found in its markdown"
