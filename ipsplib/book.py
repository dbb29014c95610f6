"""Helpers the book's chapter pages share: numbers pasted into prose, tables, and simple measures of a PSP.

A chapter computes a number and pastes it into its prose as ``{eval}`glued.NAME```;
the reader must see it typeset: a true minus sign (U+2212) and never "−0.0".
JupyterLab's MyST renderer (jupyterlab-myst) evaluates that expression in the
kernel, and the website pastes the value that :func:`glue` stored under NAME
(``_ext/glued_eval.py``), so both show the same text. One import line sets a
chapter up::

    from ipsplib.book import glue, glued, typeset_minus

Nothing here is physics; the functions only format and measure.

Examples
--------
>>> format_number(-70.04, ".1f"), format_number(-0.01, ".1f"), format_number(7.0, "+.1f")
('−70.0', '0.0', '+7.0')
>>> typeset_minus("| GABA_B | -95.0 | 2-3 |")
'| GABA_B | −95.0 | 2-3 |'
"""

import math
import re
from types import SimpleNamespace

import numpy as np

from . import _checks

__all__ = ["format_number", "glue", "glued", "half_width_ms", "typeset_minus"]

#: Every text :func:`glue` stored, by name: the prose reads ``{eval}`glued.NAME```.
glued = SimpleNamespace()

# an ASCII hyphen before a digit that is not joined to a word or a number before it ("4-7" is a range)
_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=\d)")


def format_number(value, spec: str = ".1f") -> str:
    """A number as a reader sees it in prose: formatted by ``spec``, true minus sign, never "−0".

    Parameters
    ----------
    value : float
        The number, finite.
    spec : str
        A Python format spec, such as ``".1f"``, ``"+.0f"`` (always signed) or ``",.0f"``.

    Returns
    -------
    str
        The formatted number; a value that rounds to zero loses its sign.

    Examples
    --------
    >>> format_number(-2.4999, ".2f"), format_number(-0.004, "+.2f"), format_number(12345.6, ",.0f")
    ('−2.50', '0.00', '12,346')
    >>> format_number(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: value must be a finite number, got nan
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"value must be a finite number, got {value!r}")
    text = format(number, spec)
    if float(text.replace(",", "")) == 0.0:
        text = text.lstrip("+-")
    return text.replace("-", "\u2212")


def typeset_minus(text: str) -> str:
    """``text`` with a true minus sign (U+2212) for every ASCII hyphen that starts a number.

    For tables and lines a chapter builds from formatted numbers. A hyphen
    joined to a word or a number before it ("2-3", "CA3-5") is left alone.

    Examples
    --------
    >>> typeset_minus("(-70 mV, -0.5 nS)")
    '(−70 mV, −0.5 nS)'
    """
    return _HYPHEN_MINUS.sub("\u2212", str(text))


def glue(name: str, value, spec: str = ".1f") -> str:
    """Store a number (or text) under ``name`` for the chapter's prose, typeset; return the text.

    Prose pastes it with ``{eval}`glued.name```: it appears as plain text,
    with a true minus sign; :data:`glued` holds it in the kernel for
    JupyterLab, and myst-nb's glue store holds it for the website. Strings are
    stored as they are (Markdown allowed). Outside a myst-nb build or kernel
    with myst-nb installed (say, on Colab) nothing is stored and only the
    text is returned, so a notebook still runs.

    Parameters
    ----------
    name : str
        The key the prose refers to.
    value : float or str
        A number, formatted with ``spec`` by :func:`format_number`; or ready text.
    spec : str
        Format spec for a number, e.g. ``".0f"``, ``"+.2f"``.

    Returns
    -------
    str
        The text the reader will see.

    Examples
    --------
    >>> glue("rest_mV", -70.0, ".0f")
    '−70'
    >>> glued.rest_mV
    '−70'
    >>> glue("receptor", "GABA{sub}`A`")
    'GABA{sub}`A`'
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string (the glue key), got {name!r}")
    text = value if isinstance(value, str) else format_number(value, spec)
    setattr(glued, name, text)
    try:
        from IPython.display import Markdown
        from myst_nb import glue as myst_glue
    except ImportError:  # no myst-nb: a plain kernel, where there is no prose to paste into
        return text
    myst_glue(name, Markdown(text), display=False)
    return text


def half_width_ms(t_ms, dv) -> float:
    """Full width at half maximum of a response, ms: the time its magnitude spends at or above half its peak.

    Works for either sign (an EPSP, an IPSP, an inward or outward current).

    Parameters
    ----------
    t_ms : array, shape (n,)
        Increasing times, ms.
    dv : array, shape (n,)
        The response on those times (deviation from baseline, any unit), not all zero.

    Examples
    --------
    >>> t = np.arange(0.0, 10.0, 1.0)
    >>> half_width_ms(t, [0, 1, 3, 4, 3, 2, 1, 0, 0, 0])
    3.0
    >>> half_width_ms(t, -np.array([0, 1, 3, 4, 3, 2, 1, 0, 0, 0]))
    3.0
    """
    t = _checks.as_finite("t_ms", t_ms, "ms").ravel()
    y = np.abs(_checks.as_finite("dv", dv).ravel())
    if t.shape != y.shape:
        raise ValueError(f"t_ms and dv must have the same length, got {t.size} and {y.size}")
    if y.size == 0 or y.max() == 0.0:
        raise ValueError("dv must have a nonzero value (a response to measure), got all zeros")
    above = np.flatnonzero(y >= 0.5 * y.max())
    return float(t[above[-1]] - t[above[0]])
