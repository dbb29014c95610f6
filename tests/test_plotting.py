"""The house style: figures made with plotting.new_figure are shown in a notebook, every one of them."""

import nbformat
import pytest
from nbclient import NotebookClient

from ipsplib import plotting


def test_every_pyplot_figure_is_displayed_in_a_notebook():
    # Regression: the first figure loaded the inline backend inside rc_context, which then switched
    # interactive mode off again, so the second and later figures of a chapter were silently not shown.
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from ipsplib import plotting\nplotting.use_style()"),
        *[nbformat.v4.new_code_cell(f"fig, ax = plotting.new_figure(); ax.plot([0, {k}])") for k in range(3)],
    ]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    for cell in nb.cells[1:]:
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), cell.source


def test_standalone_figures_do_not_touch_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, ax = plotting.new_figure(pyplot=False)
    assert plt.get_fignums() == before
    assert fig.get_size_inches() == pytest.approx((7.0, 3.5))
    assert not ax.spines["top"].get_visible()
