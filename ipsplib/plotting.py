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
    "excitation": "#D55E00",  # vermillion
    "inhibition": "#0072B2",  # blue
    "leak": "#7F7F7F",  # grey
    "membrane": "#000000",  # black: V(t)
    "shunting": "#009E73",  # bluish green: inhibition with E_rev at rest
    "slow": "#CC79A7",  # reddish purple: slow receptors (NMDA, GABA_B)
    "threshold": "#E69F00",  # orange
    "reference": "#56B4E9",  # sky blue: reference values, textbook marks
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

#: Demos: every text at 13 pt, which at the demos' 90 dpi is 16.25 px, the website's caption size
#: (`ipsplib.demos._base.MIN_TEXT_PX`); demo frames are never shown smaller than their pixels.
DEMO_FONT_PT = 13.0
DEMO_STYLE = {
    **STYLE,
    **{
        key: DEMO_FONT_PT
        for key in (
            "font.size",
            "axes.titlesize",
            "axes.labelsize",
            "xtick.labelsize",
            "ytick.labelsize",
            "legend.fontsize",
            "legend.title_fontsize",
            "figure.titlesize",
        )
    },
    # an opaque white figure: legible on the website's dark theme too
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.unicode_minus": True,
}


def use_style() -> None:
    """Apply the house style to matplotlib globally (notebooks call this once)."""
    mpl.rcParams.update(STYLE)


def new_figure(
    nrows: int = 1, ncols: int = 1, width_in: float = 7.0, height_in: float = 3.5, pyplot: bool = True, **subplot_kw
):
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
            # The first pyplot figure loads Jupyter's inline backend, which turns interactive mode on;
            # leaving rc_context would turn it off again and later figures would never be shown.
            interactive = mpl.is_interactive()
        else:
            fig = Figure(figsize=(width_in, height_in))
            axes = fig.subplots(nrows, ncols, **subplot_kw)
    if pyplot:
        mpl.interactive(interactive)
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
    ax.annotate(
        text,
        xy=(1.0, value),
        xycoords=("axes fraction", "data"),
        xytext=(-4, 3),
        textcoords="offset points",
        ha="right",
        va="bottom",
        color=color,
        fontsize=9,
    )


class MovingLevel:
    """A labelled horizontal reference line that a demo moves in place (reversal potentials, thresholds).

    ``set`` moves the line to a new value and rewrites the label (at ``fontsize``, points; default:
    the current rcParams font size). The label sits
    at the left or right end of the axes (or at ``x``, an axes fraction, aligned
    by ``side``); when the value lies outside the
    y-limits, the line is clipped away and the label stays at the nearest edge
    with an arrow (↑ or ↓) pointing to where the level is.

    Attributes
    ----------
    line : Line2D
        The dashed line; its y-data is ``[value, value]``.
    label : Text
        The label, in the line's colour.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = new_figure(pyplot=False)
    >>> ax.set_ylim(-90, -40)
    (-90.0, -40.0)
    >>> level = MovingLevel(ax, -65.0, "rest")
    >>> level.set(-120.0, "chloride reversal −120 mV")
    >>> level.label.get_text(), float(level.line.get_ydata()[0])
    ('chloride reversal −120 mV ↓', -120.0)
    """

    def __init__(
        self,
        ax,
        value: float,
        text: str,
        color: str = COLORS["reference"],
        side: str = "right",
        linestyle: str = "--",
        x: float | None = None,
        fontsize: float | None = None,
    ):
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self.ax = ax
        self.line = ax.axhline(value, color=color, linestyle=linestyle, linewidth=1.0)
        if x is None:
            x = 0.99 if side == "right" else 0.01
        self.label = ax.text(
            x,
            value,
            text,
            transform=ax.get_yaxis_transform(),
            color=color,
            fontsize=fontsize,
            ha=side,
            va="bottom",
            clip_on=False,
        )
        self.set(value, text)

    def set(self, value: float, text: str | None = None) -> None:
        """Move the line to ``value`` (data units) and optionally change the label text."""
        text = self.label.get_text().rstrip(" ↑↓") if text is None else text
        self.line.set_ydata([value, value])
        low, high = sorted(self.ax.get_ylim())
        if value < low:
            self.label.set_y(low)
            self.label.set_va("bottom")
            self.label.set_text(f"{text} ↓")
        elif value > high:
            self.label.set_y(high)
            self.label.set_va("top")
            self.label.set_text(f"{text} ↑")
        else:
            self.label.set_y(value)
            self.label.set_va("bottom")
            self.label.set_text(text)


def number_text(x: float, decimals: int = 1, signed: bool = False) -> str:
    """A number for labels and alt text: fixed decimals, a true minus sign (U+2212), never "−0.0".

    Examples
    --------
    >>> number_text(-70.04), number_text(-0.01), number_text(2.5, signed=True)
    ('−70.0', '0.0', '+2.5')
    """
    text = f"{x:+.{decimals}f}" if signed else f"{x:.{decimals}f}"
    if float(text) == 0.0:
        text = text.lstrip("+-")
    return text.replace("-", "−")
