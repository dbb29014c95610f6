"""The book's house style: one colour-blind-safe palette, unit labels, standard panels.

Excitation, inhibition and leak are always the same colour everywhere in the
book (Okabe & Ito palette), so a reader learns them once.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> fig, ax = new_figure()
>>> COLORS["excitation"]
'#D55E00'
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# Okabe & Ito (2008) colour-blind-safe palette, one role per colour.
COLORS = {
    "excitation": "#D55E00",   # vermillion
    "inhibition": "#0072B2",   # blue
    "leak": "#7F7F7F",         # grey
    "membrane": "#000000",     # black: V(t)
    "shunting": "#009E73",     # bluish green: inhibition with E_rev at rest
    "slow": "#CC79A7",         # reddish purple: slow receptors (NMDA, GABA_B)
    "threshold": "#E69F00",    # orange
    "reference": "#56B4E9",    # sky blue: reference values, textbook marks
}

#: Colour for each ion in the ion chapters.
ION_COLORS = {"K": "#009E73", "Na": "#D55E00", "Cl": "#0072B2", "HCO3": "#56B4E9", "Ca": "#CC79A7"}

#: Axis labels with units, so every figure says the same thing the same way.
LABELS = {
    "t": "Time (ms)",
    "v": "Membrane potential (mV)",
    "g": "Conductance (nS)",
    "i": "Current (pA)",
    "e": "Reversal potential (mV)",
    "c": "Concentration (mM)",
}

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "figure.constrained_layout.use": True,
}


def use_style() -> None:
    """Apply the house style to matplotlib globally (notebooks call this once)."""
    mpl.rcParams.update(STYLE)


def new_figure(nrows: int = 1, ncols: int = 1, width_in: float = 7.0, height_in: float = 3.5,
               pyplot: bool = True, **subplot_kw):
    """A figure and axes in the house style.

    Parameters
    ----------
    nrows, ncols : int
        Grid of axes.
    width_in, height_in : float
        Figure size, inches.
    pyplot : bool
        True registers the figure with pyplot (shown inline in notebooks);
        False makes a standalone Figure (for demos, which draw to PNG).

    Returns
    -------
    (Figure, Axes or array of Axes)
    """
    with mpl.rc_context(STYLE):
        if pyplot:
            fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, height_in), **subplot_kw)
        else:
            fig = Figure(figsize=(width_in, height_in))
            axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def label(ax, x: str | None = None, y: str | None = None) -> None:
    """Label axes with a key of `LABELS` ("t", "v", "g", "i", "e", "c") or a literal text."""
    if x is not None:
        ax.set_xlabel(LABELS.get(x, x))
    if y is not None:
        ax.set_ylabel(LABELS.get(y, y))


def mark_level(ax, value: float, text: str, color: str = COLORS["reference"]) -> None:
    """A dashed horizontal line at ``value`` labelled ``text`` at its right end (thresholds, reversals)."""
    ax.axhline(value, color=color, linestyle="--", linewidth=1.0)
    ax.annotate(text, xy=(1.0, value), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                textcoords="offset points", ha="right", va="bottom", color=color, fontsize=9)
