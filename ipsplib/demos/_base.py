"""The demo machinery: controls, in-place redraw to PNG, live widgets and static frames.

A demo subclasses `Demo`, draws its artists once in ``build`` and moves them in
``render``; `Demo` does the rest:

- live (a kernel is running): every control change calls ``render`` through
  ipsplib, redraws the same Figure on an Agg canvas and shows the PNG in an
  ``HTML`` widget (``<img alt=...>``, so each frame carries alt text). Sliders
  send values while they are dragged (``continuous_update``); in a kernel the
  changes are coalesced: the observer only records the newest values and one
  worker thread renders the newest pending set, so a slow kernel skips stale
  values instead of queueing them, and the last frame is always the final
  value (``coalesce``; `update` stays synchronous). The
  layout is computed once (constrained layout on the first frame, then
  frozen) and, with ``blit = True`` (the default), only the artists in
  ``self.artists`` are redrawn over a cached background (static legends and labels that matplotlib
  paints after a moving artist are copied from a cached layer wherever nothing moving comes near them;
  the frame's linear algebra runs on one BLAS thread, `one_blas_thread`): a demo whose
  ``render`` changes anything else (titles, limits, ticks) sets ``blit = False``
  (tests/test_demos.py checks that blitted frames equal full redraws);
- static (``IPSP_BOOK_STATIC=1``, set by ``make book``): when displayed, the
  demo renders frames over a grid of its ``static`` controls (at most three)
  and shows them as HTML, no widgets (`._static`): frame files loaded on
  demand, switched by native range inputs and radio buttons, so the website
  moves with no kernel and no widget manager. In this mode the controls are
  plain values (`StaticValue`): an ipywidget would put its state, and the
  1 MB widget manager, on the page.

Text a reader must read is at least `MIN_TEXT_PX` pixels at display size:
frames never shrink below their natural width (on a phone they scroll
sideways instead) and every figure text is at least that size
(tests/test_demos_typography.py checks both).

Examples
--------
>>> from ipsplib.demos._base import Control, Demo
>>> class Line(Demo):
...     title = "A line"
...     def build(self):
...         ax = self.figure.subplots()
...         ax.set(xlim=(0, 1), ylim=(-2, 2), xlabel="x (1)", ylabel="y (1)")
...         (self.artists["line"],) = ax.plot([0, 1], [0, 0])
...     def render(self, slope):
...         self.artists["line"].set_ydata([0, slope])
...         return f"A line from 0 to {slope:.1f}."
>>> d = Line(controls=[Control("slope", "Slope (1)", min=-2.0, max=2.0, step=0.5, value=1.0)])
>>> d.update(slope=5.0)                     # clamped to the maximum
>>> d.values, d.alt_text
({'slope': 2.0}, 'A line from 0 to 2.0.')
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import itertools
import math
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import Container
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image as PILImage

from .. import plotting
from . import _static

try:  # BLAS thread control (optional: without it frames are right, only slower on a busy machine)
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl is pinned in binder/requirements.txt
    ThreadpoolController = None

#: Environment variable that `make book` sets to build the static website.
STATIC_ENV = "IPSP_BOOK_STATIC"
#: At most this many controls get frames on the static website.
MAX_STATIC_CONTROLS = 3
#: At most this many frames per demo: files loaded on demand (~7-19 KB each), so they cost build time and
#: disk, not page weight.
MAX_FRAMES = 300
#: Default number of grid points for one static control / for each of two / of three.
DEFAULT_POINTS = {1: 21, 2: 7, 3: 5}
#: The book's caption (and body) text size on the website, px: no demo text a reader must read is smaller.
MIN_TEXT_PX = 16.0
#: Cached backgrounds kept per demo, one per key of `Demo.redraw_background` (each about 1.5 MB at 630 x 600 px,
#: and the pixels of its static labels and legends).
BACKGROUND_CACHE_SIZE = 12

#: name -> zero-argument factory of every registered demo.
ALL: dict[str, Callable[[], Demo]] = {}


def register(name: str):
    """Decorator: add a zero-argument demo factory to `ALL` under ``name``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"demo name must be a Python identifier, got {name!r}")

    def decorate(factory):
        if name in ALL and ALL[name] is not factory:
            raise ValueError(f"demo name {name!r} is already registered (by {ALL[name].__module__})")
        ALL[name] = factory
        return factory

    return decorate


def static_mode() -> bool:
    """True when building the static website (``IPSP_BOOK_STATIC=1``) or the print edition
    (``IPSP_BOOK_STATIC=print``)."""
    return os.environ.get(STATIC_ENV, "") in ("1", "print")


def print_mode() -> bool:
    """True when building the print edition (``IPSP_BOOK_STATIC=print``, set by ``make pdf``): paper shows
    one frame per demo, at its default settings, so only that frame is rendered."""
    return os.environ.get(STATIC_ENV, "") == "print"


@dataclass(frozen=True)
class Control:
    """One control of a demo: a slider (numeric) or a dropdown (``options``).

    Parameters
    ----------
    name : str
        Keyword the demo's ``render`` receives, with its unit (``cl_in_mM``).
    label : str
        What the reader sees: quantity and unit, e.g. ``"[Cl⁻]ᵢ (mM)"``.
    min, max, step : float
        Numeric range and slider step (for ``scale="log"``: step in decades).
    value : float or option value
        Initial value (default: ``min``, or the first option).
    options : sequence of (label, value) pairs, optional
        A discrete choice instead of a number; ``min``/``max``/``step`` unused.
    static_values : sequence, optional
        The grid of this control on the static website (default: evenly spaced
        values including min, value and max; all options for a choice).
    scale : {"linear", "log"}
        Slider scale; a log slider moves in equal ratios (``min`` > 0).
    """

    name: str
    label: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    value: Any = None
    options: Sequence | None = None
    static_values: Sequence | None = None
    scale: str = "linear"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Control name must be a Python identifier, got {self.name!r}")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"Control {self.name!r} needs a label (quantity and unit)")
        if self.options is not None:
            pairs = tuple(tuple(p) for p in self.options)
            if not pairs or any(len(p) != 2 or not isinstance(p[0], str) for p in pairs):
                raise ValueError(f"Control {self.name!r}: options must be (label, value) pairs, got {self.options!r}")
            object.__setattr__(self, "options", pairs)
            values = [v for _, v in pairs]
            if self.value is None:
                object.__setattr__(self, "value", values[0])
            elif self.value not in values:
                raise ValueError(f"Control {self.name!r}: value {self.value!r} is not one of {values}")
        else:
            if self.scale not in ("linear", "log"):
                raise ValueError(f"Control {self.name!r}: scale must be 'linear' or 'log', got {self.scale!r}")
            for key in ("min", "max", "step"):
                v = getattr(self, key)
                if v is None or not math.isfinite(float(v)):
                    raise ValueError(f"Control {self.name!r} needs a finite {key}, got {v!r}")
                object.__setattr__(self, key, float(v))
            if not self.min < self.max or self.step <= 0:
                raise ValueError(f"Control {self.name!r}: need min < max and step > 0, "
                                 f"got min={self.min}, max={self.max}, step={self.step}")
            if self.scale == "log":
                if self.min <= 0:
                    raise ValueError(f"Control {self.name!r}: a log scale needs min > 0, got {self.min}")
                # the bounds a FloatLogSlider holds (10 ** log10(30) is 29.999999999999996)
                object.__setattr__(self, "min", 10.0 ** math.log10(self.min))
                object.__setattr__(self, "max", 10.0 ** math.log10(self.max))
            value = self.min if self.value is None else min(max(float(self.value), self.min), self.max)
            if self.value is not None and not math.isclose(value, float(self.value), rel_tol=1e-12):
                raise ValueError(f"Control {self.name!r}: value must be in [{self.min}, {self.max}], got {value}")
            object.__setattr__(self, "value", value)
        if self.static_values is not None:
            grid = tuple(self.clamp(v, strict=True) for v in self.static_values)
            if not grid:
                raise ValueError(f"Control {self.name!r}: static_values is empty")
            object.__setattr__(self, "static_values", grid)

    # -- values ---------------------------------------------------------------------------------------
    @property
    def numeric(self) -> bool:
        return self.options is None

    def clamp(self, value, strict: bool = False):
        """A valid value for this control: numbers clamped to [min, max] (``strict``: out of range raises)."""
        if not self.numeric:
            valid = [v for _, v in self.options]
            if value not in valid:
                raise ValueError(f"{self.name} must be one of {valid}, got {value!r}")
            return valid[valid.index(value)]
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be a number ({self.label}), got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{self.name} must be finite ({self.label}), got {value!r}")
        if strict and not (self.min <= number <= self.max or math.isclose(number, self.min, rel_tol=1e-12)
                           or math.isclose(number, self.max, rel_tol=1e-12)):
            raise ValueError(f"{self.name} must be in [{self.min:g}, {self.max:g}] ({self.label}), got {number:g}")
        return min(max(number, self.min), self.max)

    def format(self, value) -> str:
        """The value as the slider shows it: numbers to the step's precision (log: 3 significant digits,
        never an exponent) with a true minus sign; option labels as given."""
        if not self.numeric:
            return next(label for label, v in self.options if v == value)
        if self.scale == "log":
            text = np.format_float_positional(float(value), precision=3, unique=False, fractional=False, trim="-")
        else:
            decimals = max(0, -math.floor(math.log10(self.step) + 1e-9))
            text = f"{value:.{decimals}f}"
        if float(text) == 0.0:
            text = text.lstrip("-")
        return text.replace("-", "\N{MINUS SIGN}")

    def static_grid(self, n_points: int) -> tuple:
        """Values of this control on the static website."""
        if self.static_values is not None:
            return self.static_values
        if not self.numeric:
            return tuple(v for _, v in self.options)
        if self.scale == "log":
            raw = np.geomspace(self.min, self.max, n_points)
        else:
            raw = np.linspace(self.min, self.max, n_points)
            raw = self.min + np.round((raw - self.min) / self.step) * self.step
        values = sorted({float(self.clamp(v)) for v in raw} | {self.min, self.max, float(self.value)})
        # drop values that the readout cannot tell apart
        unique, seen = [], set()
        for v in values:
            if self.format(v) not in seen:
                seen.add(self.format(v))
                unique.append(v)
        return tuple(unique)

    # -- widgets --------------------------------------------------------------------------------------
    def widget(self) -> widgets.ValueWidget:
        """The live control: a labelled, keyboard-operable FloatSlider, FloatLogSlider or ToggleButtons.

        Sliders send their value while dragged (``continuous_update``): `Demo` coalesces the changes.
        """
        common = dict(description=self.label, style={"description_width": "initial"},
                      layout=widgets.Layout(width="min(28rem, 100%)"))
        if not self.numeric:
            return choice_buttons([label for label, _ in self.options], self.label,
                                  options=list(self.options), value=self.value)
        if self.scale == "log":
            # ".3r": three significant digits in decimal notation ("1000", "0.000100"), never "1e+03"
            return widgets.FloatLogSlider(value=self.value, base=10.0, min=math.log10(self.min),
                                          max=math.log10(self.max), step=self.step, readout_format=".3r",
                                          continuous_update=True, **common)
        decimals = max(0, -math.floor(math.log10(self.step) + 1e-9))
        return widgets.FloatSlider(value=self.value, min=self.min, max=self.max, step=self.step,
                                   readout_format=f".{decimals}f", continuous_update=True, **common)


def choice_buttons(labels: Sequence[str], description: str, **kwargs) -> widgets.ToggleButtons:
    """A labelled button set for a discrete choice (live: ``options``/``value``; static: jslinked ``index``)."""
    return widgets.ToggleButtons(description=description, tooltips=list(labels),
                                 style={"description_width": "initial", "button_width": "auto"}, **kwargs)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


#: Colours a frame must show exactly: white, black and the house palette.
_EXACT = np.array([(255, 255, 255), (0, 0, 0)] + [_hex_rgb(c) for c in (*plotting.COLORS.values(),
                                                                         *plotting.ION_COLORS.values())])


def _snap_palette(palette: list[int], tolerance: int = 8) -> list[int]:
    """Move palette entries within ``tolerance`` of a house colour onto it (the octree averages them)."""
    entries = np.array(palette, dtype=int).reshape(-1, 3)
    distance = np.abs(entries[:, None, :] - _EXACT[None, :, :]).max(axis=2)
    nearest = distance.argmin(axis=1)
    close = distance[np.arange(len(entries)), nearest] <= tolerance
    entries[close] = _EXACT[nearest[close]]
    return entries.ravel().tolist()


def img_html(png: bytes, alt: str, width_px: int, height_px: int) -> str:
    """An ``<img>`` tag with the PNG inline (data URL) and its alt text, never shown narrower than its pixels.

    The figure's text is sized for its natural width (`MIN_TEXT_PX`), so a narrow screen scrolls the
    frame sideways rather than shrinking its text below the caption size.
    """
    data = base64.b64encode(png).decode("ascii")
    return (f'<div class="ipsp-demo-frame" style="overflow-x:auto;max-width:100%;background:#fff">'
            f'<img alt="{html.escape(alt, quote=True)}" width="{width_px}" height="{height_px}" '
            f'style="width:{width_px}px;max-width:none;height:auto;display:block" '
            f'src="data:image/png;base64,{data}"></div>')


_BLAS: list = []


def one_blas_thread():
    """Context in which numpy's BLAS/LAPACK use one thread (threadpoolctl; a no-op without it).

    A demo frame's linear algebra is small (a cable matrix of a few hundred nodes). With two or more BLAS
    threads on a busy machine its eigendecomposition took 0.3-1.2 s instead of 15 ms (threads waiting for
    each other's cores): one thread is as fast when idle and never stalls.
    """
    if ThreadpoolController is None:
        return contextlib.nullcontext()
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


class _LatestWins:
    """One worker thread runs ``work`` on the newest submitted item; items it has not started are dropped.

    ipykernel handles comm messages (a slider's new value) one at a time on its main thread. If each
    message rendered a frame, a drag would queue a backlog of stale frames behind a slow kernel. Here a
    message only records its values (`submit`, microseconds) and the worker renders whatever is newest
    when it is free, so at most one render is ever stale and the last one is always the final value.
    """

    def __init__(self, work: Callable[[Any], None], idle_s: float = 30.0):
        self._work = work
        self._idle_s = idle_s
        self._cond = threading.Condition()
        self._pending: Any = None
        self._has_pending = False
        self._busy = False
        self._thread: threading.Thread | None = None

    def submit(self, item) -> None:
        """Make ``item`` the newest pending item (replacing any older one) and wake the worker."""
        with self._cond:
            self._pending, self._has_pending = item, True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ipsplib-demo-render", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until nothing is pending or running; False if ``timeout_s`` ran out first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._has_pending and not self._busy, timeout_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._cond.wait_for(lambda: self._has_pending, self._idle_s):
                    self._thread = None  # idle: end; the next submit starts a new worker
                    return
                item, self._pending, self._has_pending = self._pending, None, False
                self._busy = True
            try:
                self._work(item)
            except Exception:  # noqa: BLE001 - a failed frame must not kill the worker; show it on stderr
                traceback.print_exc(file=sys.stderr)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


def in_kernel() -> bool:
    """True inside a running IPython kernel (Jupyter, Binder), where widget changes arrive as comm messages."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return getattr(shell, "kernel", None) is not None


def draw_order(figure: Figure) -> list:
    """Every artist ``figure`` draws, in the order an Agg draw paints them (public API only).

    Matplotlib draws the figure's children (axes, figure texts, legends) sorted by zorder, and in each
    axes its children sorted by zorder, both stable sorts of ``get_children()``. Axes backgrounds and the
    axes' own x and y axis objects (ticks) are left out: they stay in the cached background.
    tests/test_demos.py pins this against the order matplotlib actually draws in.
    """
    order = []
    children = [c for c in figure.get_children() if c is not figure.patch]
    for child in sorted(children, key=lambda c: c.get_zorder()):
        if isinstance(child, Axes):
            skip = {id(child.patch), id(child.xaxis), id(child.yaxis)}
            kids = [c for c in child.get_children() if id(c) not in skip]
            order.extend(sorted(kids, key=lambda c: c.get_zorder()))
        else:
            order.append(child)
    return order


def _flatten_artists(item, owner: str) -> list:
    """The drawable artists in ``item``: an artist, or a (nested) container of them such as error bars."""
    if isinstance(item, (Container, tuple, list)):
        return [a for part in item for a in _flatten_artists(part, owner)]
    if item is None:
        return []
    if not hasattr(item, "draw"):
        raise ValueError(f"artists[{owner!r}] holds {type(item).__name__}, which is not a matplotlib artist")
    return [item]


#: Pixels around an artist's extent that its drawing may touch (antialiasing, line width, text box pad).
_BLIT_PAD_PX = 6


def _pixel_box(artist, renderer) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) in whole pixels, y up, that drawing ``artist`` may paint; None if it paints nothing.

    Conservative: the window extent (with a text's box and an annotation's arrow) padded by `_BLIT_PAD_PX`;
    an artist whose extent cannot be computed covers the whole figure.
    """
    if not artist.get_visible():
        return None
    try:
        boxes = [artist.get_window_extent(renderer)]
        for part in (getattr(artist, "get_bbox_patch", lambda: None)(), getattr(artist, "arrow_patch", None)):
            if part is not None:
                boxes.append(part.get_window_extent(renderer))
        corners = np.array([b.get_points() for b in boxes], dtype=float)
        if not np.all(np.isfinite(corners)):
            raise ValueError("no finite extent")
    except Exception:  # noqa: BLE001 - unknown artist: treat it as painting everywhere
        return (-(10**6), -(10**6), 10**6, 10**6)
    x0, y0 = corners[:, 0, :].min(axis=0)
    x1, y1 = corners[:, 1, :].max(axis=0)
    clip = artist.get_clip_box() if artist.get_clip_on() else None
    if clip is not None:  # a trace clipped to its axes paints nothing outside them
        x0, y0, x1, y1 = max(x0, clip.x0), max(y0, clip.y0), min(x1, clip.x1), min(y1, clip.y1)
        if x0 > x1 or y0 > y1:
            return None
    return (math.floor(x0) - _BLIT_PAD_PX, math.floor(y0) - _BLIT_PAD_PX,
            math.ceil(x1) + _BLIT_PAD_PX, math.ceil(y1) + _BLIT_PAD_PX)


def _overlap(a, b) -> bool:
    """True if two pixel boxes (or None = nothing) share a pixel."""
    return a is not None and b is not None and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _LineFootprint:
    """Where a moving Line2D paints: its polyline (and markers) in pixels, to test against static boxes.

    A trace's extent spans its axes, so a legend inside them would always count as touched; the polyline
    itself often passes far from it. ``touches`` is conservative: line width, markers and antialiasing
    widen the box tested.
    """

    def __init__(self, line, renderer):
        self.box = _pixel_box(line, renderer)
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        self.points = xy[np.all(np.isfinite(xy), axis=1)]
        self.segments = line.get_linestyle() not in ("None", " ", "", "none")
        self.markers = line.get_marker() not in (None, "None", " ", "", "none")
        px = line.figure.dpi / 72.0
        self.reach = 0.5 * px * (line.get_linewidth() + (line.get_markersize() + line.get_markeredgewidth()
                                                         if self.markers else 0.0)) + 2.0
        clip = line.get_clip_box() if line.get_clip_on() else None
        self.clip = None if clip is None else (clip.x0, clip.y0, clip.x1, clip.y1)

    def touches(self, box) -> bool:
        if not _overlap(self.box, box):
            return False
        x0, y0, x1, y1 = (box[0] - self.reach, box[1] - self.reach, box[2] + self.reach, box[3] + self.reach)
        p = self.points
        if len(p) == 0:
            return False
        inside = (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)
        if inside.any():
            return True
        if not self.segments or len(p) < 2:
            return False
        # Liang-Barsky: does any segment a + t (b - a), 0 <= t <= 1, enter the box?
        a, d = p[:-1], p[1:] - p[:-1]
        t0, t1 = np.zeros(len(a)), np.ones(len(a))
        with np.errstate(divide="ignore", invalid="ignore"):
            for axis, lo, hi in ((0, x0, x1), (1, y0, y1)):
                da, pa = d[:, axis], a[:, axis]
                ta, tb = (lo - pa) / da, (hi - pa) / da
                flat = da == 0.0
                within = (pa >= lo) & (pa <= hi)
                t0 = np.maximum(t0, np.where(flat, np.where(within, -np.inf, np.inf), np.minimum(ta, tb)))
                t1 = np.minimum(t1, np.where(flat, np.where(within, np.inf, -np.inf), np.maximum(ta, tb)))
        return bool(np.any(t0 <= t1))


class StaticValue:
    """A control's value while building the website: no widget (its state would go onto the page)."""

    def __init__(self, value):
        self.value = value

    def observe(self, handler, names=None) -> None:
        """Nothing observes a value on the website: it only changes while frames are rendered."""


class Demo:
    """Base class of every demo (the contract is in the module docstring).

    Parameters
    ----------
    controls : sequence of Control
    static : sequence of str
        Names of the controls (at most three) that move on the static website;
        the others stay at their initial value there, and the page says so.

    Attributes
    ----------
    controls : dict
        name -> ipywidgets value widget (label = quantity and unit).
    figure : matplotlib.figure.Figure
        The demo's figure, the same object for the life of the demo.
    artists : dict
        name -> matplotlib artist, filled by ``build``.
    values : dict
        Current control values.
    alt_text : str
        Alt text of the current frame (what ``render`` returned).
    """

    title = "Demo"
    #: One sentence stating the model the demo computes (its cell: rest and threshold where relevant).
    model = ""
    figsize_in = (7.0, 3.5)
    dpi = 90
    #: Colours in the PNG palette (quantized frames are ~3x smaller than RGB).
    png_colors = 128
    #: Redraw only what ``render`` can change: the figure without ``self.artists`` is drawn once and
    #: cached; each frame restores it and draws the artists (and anything stacked above them). A demo
    #: whose ``render`` changes something not in ``self.artists`` (titles, limits, ticks) sets False.
    blit = True

    def __init__(self, controls: Sequence[Control], static: Sequence[str] = ()):
        specs = {}
        for c in controls:
            if not isinstance(c, Control):
                raise ValueError(f"controls must be Control objects, got {c!r}")
            if c.name in specs:
                raise ValueError(f"two controls are named {c.name!r}")
            specs[c.name] = c
        static = tuple(static)
        unknown = [s for s in static if s not in specs]
        if unknown:
            raise ValueError(f"static names unknown control(s) {unknown}; valid controls: {list(specs)}")
        if len(static) > MAX_STATIC_CONTROLS or len(set(static)) != len(static):
            raise ValueError(f"static must name at most {MAX_STATIC_CONTROLS} different controls, got {static}")
        self._specs = specs
        self.static = static
        n_frames = math.prod(len(specs[s].static_grid(DEFAULT_POINTS[len(static)])) for s in static)
        if n_frames > MAX_FRAMES:
            raise ValueError(f"{type(self).__name__}: the static grid has {n_frames} frames, more than "
                             f"{MAX_FRAMES}; pass fewer static_values")
        self.controls = {name: StaticValue(spec.value) if static_mode() else spec.widget()
                         for name, spec in specs.items()}
        self.artists: dict[str, Any] = {}
        # One lock around the figure: the render worker and synchronous updates never draw at once.
        self._lock = threading.RLock()
        self._worker = _LatestWins(self._render_values)
        self.frames_rendered = 0  # render calls so far (tests count coalesced renders)
        self._background_key = None  # set by redraw_background, also from the first render
        self._backgrounds: dict = {}  # key -> (background, static layer, static boxes), see redraw_background
        with mpl.rc_context(plotting.DEMO_STYLE):
            self.figure = Figure(figsize=self.figsize_in, dpi=self.dpi, layout="constrained")
            self._canvas = FigureCanvasAgg(self.figure)
            self.build()
            self.alt_text = self._render()
            self._canvas.draw()  # constrained layout once, on the first frame ...
        self.figure.set_layout_engine("none")  # ... then frozen: axis limits are fixed, frames comparable
        self._background = None
        self._png = self._encode()
        self._silent = False
        self._live_image: widgets.HTML | None = None
        self._live_view: widgets.Widget | None = None
        self._static_view: str | None = None
        for widget in self.controls.values():
            widget.observe(self._on_control_change, names="value")

    # -- for subclasses -------------------------------------------------------------------------------
    def build(self) -> None:
        """Make axes and artists on ``self.figure``; keep the artists in ``self.artists``."""
        raise NotImplementedError

    def render(self, **values) -> str:
        """Update the artists in place for these control values; return the frame's alt text."""
        raise NotImplementedError

    # -- state ----------------------------------------------------------------------------------------
    @property
    def values(self) -> dict:
        return {name: widget.value for name, widget in self.controls.items()}

    def update(self, **values) -> None:
        """Set controls by name (numbers clamped to their range), recompute, redraw, refresh the PNG.

        Synchronous, also in a kernel: when it returns, `figure`, `png` and `alt_text` show these values.
        """
        unknown = [k for k in values if k not in self.controls]
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {unknown[0]!r}; "
                             f"valid controls: {', '.join(self.controls)}")
        checked = {k: self._specs[k].clamp(v) for k, v in values.items()}
        with self._lock:
            self._set_silently(checked)
            self.refresh()

    def refresh(self) -> None:
        """Render the current values, redraw and show the new PNG."""
        self._render_values(self.values)

    def _render_values(self, values: dict) -> None:
        """Render ``values`` (a snapshot of the controls), redraw, and show the PNG in the live view."""
        with self._lock:
            with mpl.rc_context(plotting.DEMO_STYLE):
                self.alt_text = self._render(values)
            self._png = self._encode()
            if self._live_image is not None:
                self._live_image.value = self._img_html()

    def png(self) -> bytes:
        """PNG bytes of the current frame."""
        return self._png

    def _render(self, values: dict | None = None) -> str:
        self.frames_rendered += 1
        with one_blas_thread():
            alt = self.render(**(self.values if values is None else values))
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError(f"{type(self).__name__}.render must return non-empty alt text, got {alt!r}")
        return alt.strip()

    def _set_silently(self, values: dict) -> None:
        self._silent = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._silent = False

    #: Coalesce control changes through the render worker: None = only in a running kernel (where a
    #: drag sends a stream of comm messages); True/False forces it (tests drive it headlessly).
    coalesce: bool | None = None

    def _on_control_change(self, change) -> None:
        if self._silent:
            return
        if self.coalesce or (self.coalesce is None and in_kernel()):
            self._worker.submit(self.values)  # the newest values win; the worker renders them
        else:
            self.refresh()

    def wait(self, timeout_s: float | None = 10.0) -> bool:
        """Wait until coalesced renders are done (True), or ``timeout_s`` passed (False)."""
        return self._worker.wait(timeout_s)

    def redraw_background(self, key=None) -> None:
        """Forget the cached background (for a ``render`` that changed something outside ``self.artists``).

        ``key``, if given, is hashable and names everything outside ``self.artists`` that the frame shows
        (such as the axis limits): the background drawn for a key is kept (the last `BACKGROUND_CACHE_SIZE`
        keys) and used again when that key comes back, instead of a full redraw. Equal keys must mean
        equal backgrounds; the demo's frames are then the same whichever keys came before.
        """
        self._background = None
        self._background_key = key

    def _dynamic(self) -> list:
        """The artists ``render`` moves: the values of ``self.artists``, (nested) containers flattened."""
        return [a for name, item in self.artists.items() for a in _flatten_artists(item, name)]

    def _draw(self) -> None:
        """Draw the current frame onto the Agg canvas (blitting: cached background + the moving artists)."""
        if not self.blit:
            with mpl.rc_context(plotting.DEMO_STYLE):  # ticks made at draw time take their size from rcParams
                self._canvas.draw()
            return
        with mpl.rc_context(plotting.DEMO_STYLE):
            scene = [id(a) for a in draw_order(self.figure)]
            if self._background is not None and scene != self._scene:
                raise ValueError(f"{type(self).__name__}: render added or removed artists, which a blitted frame "
                                 "would never show; create every artist in build, or set blit = False")
            if self._background is None and self._background_key in self._backgrounds:
                cached = self._backgrounds.pop(self._background_key)
                self._backgrounds[self._background_key] = cached  # most recently used last
                self._background, self._static_crops, self._static_boxes = cached
            if self._background is None:
                # The first moving artist in draw order and everything painted after it is redrawn each
                # frame (also static artists of later or twin axes that sit above it); the rest is cached.
                order = draw_order(self.figure)
                position = {id(a): k for k, a in enumerate(order)}
                dynamic = self._dynamic()
                lost = [a for a in dynamic if id(a) not in position]
                if lost:
                    raise ValueError(f"{type(self).__name__}: cannot blit {type(lost[0]).__name__} {lost[0]!r}: it "
                                     "is not drawn by the figure or an axes directly (inside a legend?); "
                                     "set blit = False")
                first = min((position[id(a)] for a in dynamic), default=len(order))
                redraw = order[first:]
                animated = [a.get_animated() for a in redraw]
                for artist in redraw:
                    artist.set_animated(True)
                try:
                    self._canvas.draw()
                finally:
                    for artist, flag in zip(redraw, animated, strict=True):
                        artist.set_animated(flag)
                # The whole pixel buffer, not copy_from_bbox(figure.bbox): a height such as 4.6 in x 90 dpi
                # is 413.99999999999994 px there, which would leave the top row unrestored.
                self._background = np.array(self._canvas.buffer_rgba(), copy=True)
                self._blit_order = redraw
                self._scene = scene
                self._cache_static_layer(self._canvas.get_renderer(), {id(a) for a in dynamic})
                if self._background_key is not None:
                    if len(self._backgrounds) >= BACKGROUND_CACHE_SIZE:
                        self._backgrounds.pop(next(iter(self._backgrounds)))  # the least recently used
                    self._backgrounds[self._background_key] = (self._background, self._static_crops,
                                                               self._static_boxes)
            renderer = self._canvas.get_renderer()
            buffer = np.asarray(renderer.buffer_rgba())
            buffer[...] = self._background
            skipped = self._untouched_statics(renderer)
            for artist in self._blit_order:
                if id(artist) not in skipped:
                    artist.draw(renderer)
            # a static artist that nothing drawn this frame comes near: its pixels from the cached full layer
            for key in skipped:
                rows, cols, crop = self._static_crops[key]
                buffer[rows, cols] = crop

    def _cache_static_layer(self, renderer, dynamic_ids: set) -> None:
        """Cache the static artists of the redraw set, drawn over the background: their pixel boxes, and
        the pixels of the layer in each box (crops, not the whole layer: a demo may keep several backgrounds).

        Legends and labels that matplotlib paints after a moving artist cost most of a frame (text). Where no
        moving artist comes within `_BLIT_PAD_PX` of one, its pixels are those of this layer, exactly.
        """
        buffer = np.asarray(renderer.buffer_rgba())
        self._statics = [a for a in self._blit_order if id(a) not in dynamic_ids]
        for artist in self._statics:
            artist.draw(renderer)
        self._static_boxes = {id(a): _pixel_box(a, renderer) for a in self._statics}
        height, width = buffer.shape[:2]
        self._static_crops = {}
        for key, box in self._static_boxes.items():
            if box is not None:
                x0, y0, x1, y1 = (max(0, min(v, limit)) for v, limit in zip(box, (width, height, width, height),
                                                                              strict=True))
                rows, cols = slice(height - y1, height - y0), slice(x0, x1)  # rows run top down
                self._static_crops[key] = (rows, cols, np.array(buffer[rows, cols], copy=True))

    def _untouched_statics(self, renderer) -> set:
        """ids of the static artists in the redraw set (with a pixel box) that no drawn artist comes near."""
        moving = [a for a in self._blit_order if id(a) not in self._static_boxes and a.get_visible()]
        footprints: dict = {}  # computed when first needed (an annotation's arrow extent costs milliseconds)

        def near(artist, box) -> bool:
            if id(artist) not in footprints:
                footprints[id(artist)] = (_LineFootprint(artist, renderer) if isinstance(artist, Line2D)
                                          else _pixel_box(artist, renderer))
            footprint = footprints[id(artist)]
            return footprint.touches(box) if isinstance(footprint, _LineFootprint) else _overlap(footprint, box)

        # Only moving artists matter: a static drawn this frame that overlaps a skipped one is overwritten
        # there by the layer, which holds both in draw order, as a full draw paints them (nothing moves there).
        touched = {id(a) for a in self._statics if self._static_boxes[id(a)] is None
                   or any(near(m, self._static_boxes[id(a)]) for m in moving)}
        return {key for key in self._static_crops if key not in touched}

    def _encode(self) -> bytes:
        self._draw()
        width, height = self._canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = image.convert("RGB").quantize(colors=self.png_colors, method=PILImage.Quantize.FASTOCTREE)
        image.putpalette(_snap_palette(image.getpalette()))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=6)
        return buffer.getvalue()

    def _img_html(self, png: bytes | None = None, alt: str | None = None) -> str:
        width, height = self._canvas.get_width_height()
        return img_html(self._png if png is None else png, self.alt_text if alt is None else alt, width, height)

    # -- static website -------------------------------------------------------------------------------
    def static_grids(self) -> dict[str, tuple]:
        """name -> the values each static control takes on the website (in print: its current value)."""
        if print_mode():
            return {s: (self.values[s],) for s in self.static}
        return {s: self._specs[s].static_grid(DEFAULT_POINTS[len(self.static)]) for s in self.static}

    def static_frames(self) -> list[tuple[dict, str, bytes]]:
        """Render every frame of the static grid: (values, alt text, PNG), first static control outermost.

        The demo returns to its current values afterwards.
        """
        grids = self.static_grids()
        self._lock.acquire()
        saved = self.values
        frames = []
        try:
            for combo in itertools.product(*grids.values()):
                values = dict(zip(grids, combo, strict=True))
                self._set_silently(values)
                with mpl.rc_context(plotting.DEMO_STYLE):
                    alt = self._render()
                frames.append((values, alt, self._encode()))
        finally:
            self._set_silently(saved)
            self.refresh()
            self._lock.release()
        return frames

    def _title_html(self) -> str:
        """The demo's title and, under it, the model it simulates (`model`), on the website and live."""
        model = f"<br><span>{html.escape(self.model)}</span>" if self.model else ""
        return f"<strong>{html.escape(self.title)}</strong>{model}"

    def static_note(self) -> str:
        """The website's note on the controls it holds fixed ("" when every control moves there)."""
        grids = self.static_grids()
        fixed = [n for n in self.controls if n not in grids]
        if not fixed:
            return ""
        current = self.values
        labels = [self._specs[n].label for n in grids]
        moving = (", ".join(labels[:-1]) + " and " + labels[-1]) if len(labels) > 1 else (labels or ["nothing"])[0]
        held = "; ".join(f"{self._specs[n].label} = {self._specs[n].format(current[n])}" for n in fixed)
        return (f"On the website only {moving} move{'s' if len(grids) == 1 else ''} (fixed here: {held}); "
                "run the notebook (Binder) for all controls.")

    #: Static demos shown so far in this process: keeps the ids of two demos on one page apart.
    _shown = itertools.count(1)

    def static_html(self) -> str:
        """The kernel-free version (see `._static`): frame files switched by native controls; in print
        (``IPSP_BOOK_STATIC=print``) the title and the default frame only, inlined."""
        if self._static_view is not None:
            return self._static_view
        width, height = self._canvas.get_width_height()
        title = f'<p class="ipsp-demo-title">{self._title_html()}</p>'
        key = f"ipsp-demo-{next(Demo._shown)}"
        if print_mode():
            self._static_view = (f'<div class="ipsp-demo ipsp-demo-static" id="{key}">{title}'
                                 f'{self._img_html()}</div>')
            return self._static_view
        grids = self.static_grids()
        current = self.values
        controls, start = [], []
        for name, grid in grids.items():
            spec = self._specs[name]
            if spec.numeric:
                start.append(int(np.argmin([abs(v - current[name]) for v in grid])))
            else:
                start.append(grid.index(current[name]) if current[name] in grid else 0)
            controls.append(dict(name=name, label=spec.label, numeric=spec.numeric, values=list(grid),
                                 readouts=[spec.format(v) for v in grid]))
        frames = [(_static.frame_src(png), alt) for _, alt, png in self.static_frames()]
        self._static_view = _static.demo_html(key, title, self.static_note(), controls, frames, start, width, height)
        return self._static_view

    # -- live -----------------------------------------------------------------------------------------
    def live_widget(self) -> widgets.Widget:
        """The kernel version: the controls and the current PNG, recomputed on every change."""
        if self._live_view is None:
            self._live_image = widgets.HTML(self._img_html())
            box = widgets.VBox([widgets.HTML(self._title_html()), widgets.VBox(list(self.controls.values())),
                                self._live_image])
            box.add_class("ipsp-demo")
            box.add_class("ipsp-demo-live")
            self._live_view = box
        return self._live_view

    def widget(self) -> widgets.Widget:
        """The live widget (in static mode: an HTML widget around `static_html`, for callers that want one)."""
        return widgets.HTML(self.static_html()) if static_mode() else self.live_widget()

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Live: the widget view. Building the website: plain HTML (no widget state, no widget manager)."""
        if static_mode():
            return {"text/html": self.static_html(), "text/plain": repr(self)}
        return self.live_widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"<{type(self).__name__} demo: {values}>"
