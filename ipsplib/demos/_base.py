"""The demo machinery: controls, in-place redraw to PNG, live widgets and static frames.

A demo subclasses `Demo`, draws its artists once in ``build`` and moves them in
``render``; `Demo` does the rest:

- live (a kernel is running): every control change calls ``render`` through
  ipsplib, redraws the same Figure on an Agg canvas and shows the PNG in an
  ``HTML`` widget (``<img alt=...>``, so each frame carries alt text). The
  layout is computed once (constrained layout on the first frame, then
  frozen) and, with ``blit = True`` (the default), only the artists in
  ``self.artists`` are redrawn over a cached background: a demo whose
  ``render`` changes anything else (titles, limits, ticks) sets ``blit = False``
  (tests/test_demos.py checks that blitted frames equal full redraws);
- static (``IPSP_BOOK_STATIC=1``, set by ``make book``): when displayed, the
  demo renders frames over a grid of its ``static`` controls (at most two),
  puts them in ``Stack`` widgets and ``jslink``s ``SelectionSlider.index`` to
  ``Stack.selected_index``, so the website switches frames with no kernel.

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
import html
import io
import itertools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .. import plotting

#: Environment variable that `make book` sets to build the static website.
STATIC_ENV = "IPSP_BOOK_STATIC"
#: At most this many controls get frames on the static website.
MAX_STATIC_CONTROLS = 2
#: At most this many frames per demo (page size: ~25-40 KB of base64 each).
MAX_FRAMES = 64
#: Default number of grid points for one static control / for each of two.
DEFAULT_POINTS = {1: 21, 2: 7}

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
    """True when building the static website (``IPSP_BOOK_STATIC=1``)."""
    return os.environ.get(STATIC_ENV, "") == "1"


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
        """The value as the slider shows it (numbers to the step's precision; option labels)."""
        if not self.numeric:
            return next(label for label, v in self.options if v == value)
        if self.scale == "log":
            return f"{value:.3g}"
        decimals = max(0, -math.floor(math.log10(self.step) + 1e-9))
        return f"{value:.{decimals}f}"

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
        """The live control: a labelled, keyboard-operable FloatSlider, FloatLogSlider or Dropdown."""
        common = dict(description=self.label, style={"description_width": "initial"},
                      layout=widgets.Layout(width="min(28rem, 100%)"))
        if not self.numeric:
            return widgets.Dropdown(options=list(self.options), value=self.value, **common)
        if self.scale == "log":
            return widgets.FloatLogSlider(value=self.value, base=10.0, min=math.log10(self.min),
                                          max=math.log10(self.max), step=self.step, readout_format=".3g",
                                          continuous_update=False, **common)
        decimals = max(0, -math.floor(math.log10(self.step) + 1e-9))
        return widgets.FloatSlider(value=self.value, min=self.min, max=self.max, step=self.step,
                                   readout_format=f".{decimals}f", continuous_update=False, **common)


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
    """An ``<img>`` tag with the PNG inline (data URL) and its alt text."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img alt="{html.escape(alt, quote=True)}" width="{width_px}" height="{height_px}" '
            f'style="max-width:100%;height:auto" src="data:image/png;base64,{data}">')


class Demo:
    """Base class of every demo (the contract is in the module docstring).

    Parameters
    ----------
    controls : sequence of Control
    static : sequence of str
        Names of the controls (at most two) that move on the static website;
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
        self.controls = {name: spec.widget() for name, spec in specs.items()}
        self.artists: dict[str, Any] = {}
        with mpl.rc_context(plotting.STYLE):
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
        self._static_view: widgets.Widget | None = None
        self.static_links: list = []
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
        """Set controls by name (numbers clamped to their range), recompute, redraw, refresh the PNG."""
        unknown = [k for k in values if k not in self.controls]
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {unknown[0]!r}; "
                             f"valid controls: {', '.join(self.controls)}")
        checked = {k: self._specs[k].clamp(v) for k, v in values.items()}
        self._set_silently(checked)
        self.refresh()

    def refresh(self) -> None:
        """Render the current values, redraw and show the new PNG."""
        with mpl.rc_context(plotting.STYLE):
            self.alt_text = self._render()
        self._png = self._encode()
        if self._live_image is not None:
            self._live_image.value = self._img_html()

    def png(self) -> bytes:
        """PNG bytes of the current frame."""
        return self._png

    def _render(self) -> str:
        alt = self.render(**self.values)
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

    def _on_control_change(self, change) -> None:
        if not self._silent:
            self.refresh()

    def redraw_background(self) -> None:
        """Forget the cached background (for a ``render`` that changed something outside ``self.artists``)."""
        self._background = None

    def _dynamic(self) -> list:
        """The artists ``render`` moves: the values of ``self.artists`` (containers flattened)."""
        found = []
        for artist in self.artists.values():
            parts = artist.patches if hasattr(artist, "patches") else getattr(artist, "lines", None)
            if parts is not None and not hasattr(artist, "draw"):
                found.extend(a for a in parts if a is not None and hasattr(a, "draw"))
            elif hasattr(artist, "draw"):
                found.append(artist)
        return found

    def _draw(self) -> None:
        """Draw the current frame onto the Agg canvas."""
        if not self.blit:
            self._canvas.draw()
            return
        with mpl.rc_context(plotting.STYLE):
            if self._background is None:
                # Per axes: the moving artists and every other artist stacked at or above the lowest of them;
                # the cached background holds the rest.
                dynamic = self._dynamic()
                ids = {id(a) for a in dynamic}
                order = []
                for ax in sorted(self.figure.axes, key=lambda a: a.get_zorder()):
                    skip = {id(ax.patch), *(id(axis) for axis in ax._axis_map.values())}
                    children = [c for c in ax.get_children() if id(c) not in skip]
                    moving = [c.get_zorder() for c in children if id(c) in ids]
                    if moving:
                        lowest = min(moving)
                        order.extend(sorted((c for c in children if c.get_zorder() >= lowest),
                                            key=lambda c: c.get_zorder()))
                placed = {id(a) for a in order}
                order.extend(a for a in dynamic if id(a) not in placed)
                animated = [a.get_animated() for a in order]
                for artist in order:
                    artist.set_animated(True)
                try:
                    self._canvas.draw()
                finally:
                    for artist, flag in zip(order, animated, strict=True):
                        artist.set_animated(flag)
                self._background = self._canvas.copy_from_bbox(self.figure.bbox)
                self._blit_order = order
            self._canvas.restore_region(self._background)
            renderer = self._canvas.get_renderer()
            for artist in self._blit_order:
                artist.draw(renderer)

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
        """name -> the values each static control takes on the website."""
        return {s: self._specs[s].static_grid(DEFAULT_POINTS[len(self.static)]) for s in self.static}

    def static_frames(self) -> list[tuple[dict, str, bytes]]:
        """Render every frame of the static grid: (values, alt text, PNG), first static control outermost.

        The demo returns to its current values afterwards.
        """
        grids = self.static_grids()
        saved = self.values
        frames = []
        try:
            for combo in itertools.product(*grids.values()):
                values = dict(zip(grids, combo, strict=True))
                self._set_silently(values)
                with mpl.rc_context(plotting.STYLE):
                    alt = self._render()
                frames.append((values, alt, self._encode()))
        finally:
            self._set_silently(saved)
            self.refresh()
        return frames

    def _title_html(self) -> widgets.HTML:
        return widgets.HTML(f"<strong>{html.escape(self.title)}</strong>")

    def static_widget(self) -> widgets.Widget:
        """The kernel-free version: frames in (nested) Stacks switched by jslinked SelectionSliders."""
        if self._static_view is not None:
            return self._static_view
        grids = self.static_grids()
        frames = self.static_frames()
        width, height = self._canvas.get_width_height()
        images = [widgets.HTML(img_html(png, alt, width, height)) for _, alt, png in frames]
        current = self.values
        sliders, start = [], []
        for name, grid in grids.items():
            spec = self._specs[name]
            labels = [spec.format(v) for v in grid]
            if spec.numeric:
                index = int(np.argmin([abs(v - current[name]) for v in grid]))
            else:
                index = grid.index(current[name]) if current[name] in grid else 0
            start.append(index)
            sliders.append(widgets.SelectionSlider(
                options=labels, index=index, description=spec.label, continuous_update=True,
                style={"description_width": "initial"}, layout=widgets.Layout(width="min(28rem, 100%)")))
        links = []
        if not grids:
            stack = widgets.Stack(children=images, selected_index=0)
        elif len(grids) == 1:
            stack = widgets.Stack(children=images, selected_index=start[0])
            links.append(widgets.jslink((sliders[0], "index"), (stack, "selected_index")))
        else:
            n_inner = len(list(grids.values())[1])
            inner = [widgets.Stack(children=images[i:i + n_inner], selected_index=start[1])
                     for i in range(0, len(images), n_inner)]
            stack = widgets.Stack(children=inner, selected_index=start[0])
            links.append(widgets.jslink((sliders[0], "index"), (stack, "selected_index")))
            links.extend(widgets.jslink((sliders[1], "index"), (s, "selected_index")) for s in inner)
        children = [self._title_html()]
        fixed = [n for n in self.controls if n not in grids]
        if fixed:
            moving = " and ".join(self._specs[n].label for n in grids) or "nothing"
            held = "; ".join(f"{self._specs[n].label} = {self._specs[n].format(current[n])}" for n in fixed)
            children.append(widgets.HTML(
                f"<p><em>On the website only {html.escape(moving)} move{'s' if len(grids) == 1 else ''} "
                f"(fixed here: {html.escape(held)}); run the notebook (Binder) for all controls.</em></p>"))
        children += sliders + [stack]
        box = widgets.VBox(children)
        box.add_class("ipsp-demo")
        box.add_class("ipsp-demo-static")
        self.static_links = links
        self._static_view = box
        return box

    # -- live -----------------------------------------------------------------------------------------
    def live_widget(self) -> widgets.Widget:
        """The kernel version: the controls and the current PNG, recomputed on every change."""
        if self._live_view is None:
            self._live_image = widgets.HTML(self._img_html())
            box = widgets.VBox([self._title_html(), widgets.VBox(list(self.controls.values())), self._live_image])
            box.add_class("ipsp-demo")
            box.add_class("ipsp-demo-live")
            self._live_view = box
        return self._live_view

    def widget(self) -> widgets.Widget:
        """What displaying the demo shows: static frames when building the website, else live."""
        return self.static_widget() if static_mode() else self.live_widget()

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"<{type(self).__name__} demo: {values}>"
