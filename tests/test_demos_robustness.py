"""Issue 11 and 9 for the demos: label units, blitting that cannot lie, readouts that follow, live drag.

- every control's label names its unit (or is a choice);
- a blitted frame equals a full redraw at random mid-range settings, not only at min and max;
- the blit's draw order is matplotlib's own (pinned), and `Demo` refuses what it cannot blit;
- each demo's on-figure readout shows what ipsplib computes for the current values;
- coalesced live updates: many rapid slider changes give few renders, and the last frame is the last value.
"""

from __future__ import annotations

import io
import re
import threading
import time

import numpy as np
import pytest
from PIL import Image

import ipsplib as ip
from ipsplib.demos import _base
from ipsplib.demos import epsp as epsp_demos
from ipsplib.demos._base import ALL, Control, Demo, draw_order

DEMO_NAMES = sorted(ALL)
#: A unit in parentheses at the end of a numeric control's label.
UNIT = re.compile(r"\((mV|mM|nS|ms|pA|pF|°C|%|ratio|× [^)]+|charge number|count|µm|kHz|Hz|MΩ)\)$")


def random_values(d, rng):
    values = {}
    for name, spec in d._specs.items():
        if not spec.numeric:
            options = [v for _, v in spec.options]
            values[name] = options[rng.integers(len(options))]
        elif spec.scale == "log":
            values[name] = float(np.exp(rng.uniform(np.log(spec.min), np.log(spec.max))))
        else:
            values[name] = float(rng.uniform(spec.min, spec.max))
    return values


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_every_numeric_control_label_names_its_unit(name):
    d = ALL[name]()
    for control_name, spec in d._specs.items():
        label = d.controls[control_name].description
        if spec.numeric:
            assert UNIT.search(label), f"{name}.{control_name}: label {label!r} names no unit in parentheses"
        else:
            assert label.strip(), f"{name}.{control_name}: a choice needs a label"


def test_unit_check_catches_a_label_without_unit():
    assert not UNIT.search("Peak conductance")
    assert UNIT.search("Peak conductance (nS)")


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_blitted_frames_equal_a_full_redraw_at_random_settings(name):
    d = ALL[name]()
    if not d.blit:
        pytest.skip("demo draws the whole figure each frame")
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(4):
        values = random_values(d, rng)
        d.update(**values)
        blitted = rgb(d.png())
        d.blit = False
        full = rgb(d._encode())
        d.blit = True
        assert np.array_equal(blitted, full), f"{name}: {values} differs from a full redraw"


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_draw_order_is_the_order_matplotlib_draws_in(name):
    """Pins the one assumption of the blit: `draw_order` lists artists as Agg paints them."""
    d = ALL[name]()
    order = draw_order(d.figure)
    painted = []
    originals = {}
    for artist in order:
        originals[id(artist)] = artist.draw

        def record(renderer, *args, _artist=artist, **kwargs):
            painted.append(id(_artist))
            return originals[id(_artist)](renderer, *args, **kwargs)

        artist.draw = record
    try:
        d.blit = False
        d._encode()
    finally:
        for artist in order:
            del artist.draw
    assert painted == [id(a) for a in order if a.get_visible() or id(a) in painted][:len(painted)]
    assert set(painted) <= {id(a) for a in order}
    assert len(painted) >= len([a for a in order if a.get_visible()]) - 0


class Twin(Demo):
    """A moving line in the first axes under a static line of a twin axes drawn later."""

    title = "Twin"

    def build(self):
        ax = self.figure.subplots()
        ax.set(xlim=(0, 1), ylim=(-1, 1))
        (self.artists["moving"],) = ax.plot([0, 1], [0, 0], color="red", linewidth=8)
        twin = ax.twinx()
        twin.set_ylim(-1, 1)
        twin.plot([0, 1], [0.2, -0.2], color="blue", linewidth=8)  # static, above the moving line

    def render(self, y_mV):
        self.artists["moving"].set_ydata([y_mV / 10, y_mV / 10])
        return f"A line at {y_mV:.1f} mV."


def _assert_blit_equals_full_redraw(d, where: str) -> None:
    """The frame the demo shows (blitted) is pixel for pixel the frame a full redraw gives."""
    blitted = rgb(d.png())
    d.blit = False
    full = rgb(d._encode())
    d.blit = True
    assert np.array_equal(blitted, full), f"{where}: blitted frame differs from a full redraw"


def test_a_static_artist_of_a_later_twin_axes_stays_on_top():
    d = Twin(controls=[Control("y_mV", "y (mV)", min=-5.0, max=5.0, step=0.5, value=0.0)])
    for y in (-2.0, 0.0, 3.5):
        d.update(y_mV=y)
        _assert_blit_equals_full_redraw(d, f"twin axes at y = {y}")


def test_nested_containers_such_as_error_bars_are_blitted():
    class Bars(Twin):
        def build(self):
            ax = self.figure.subplots()
            ax.set(xlim=(-1, 3), ylim=(-10, 10))
            self.artists["bars"] = ax.errorbar([0, 1, 2], [0, 0, 0], yerr=[1, 1, 1], capsize=4)

        def render(self, y_mV):
            line, caps, (bars,) = self.artists["bars"]
            line.set_ydata([y_mV] * 3)
            for cap in caps:
                cap.set_ydata(np.asarray(cap.get_ydata()) * 0 + y_mV)
            return f"Bars at {y_mV:.1f} mV."

    d = Bars(controls=[Control("y_mV", "y (mV)", min=-5.0, max=5.0, step=0.5, value=0.0)])
    line, caps, bars = d.artists["bars"]
    moving = {id(a) for a in d._dynamic()}
    assert id(line) in moving and all(id(c) in moving for c in caps) and all(id(b) in moving for b in bars)
    d.update(y_mV=4.0)
    blitted = rgb(d.png())
    d.blit = False
    assert np.array_equal(blitted, rgb(d._encode()))


class Crossing(Demo):
    """A line that swings through a label (no vertex inside it) and a label it never reaches."""

    title = "Crossing"

    def build(self):
        ax = self.figure.subplots()
        ax.set(xlim=(0, 1), ylim=(-1, 1))
        (self.artists["line"],) = ax.plot([0.0, 1.0], [0.0, 0.0], linewidth=2.0)
        # both labels are painted after the line: without the layer each frame would redraw them
        self.crossed = ax.text(0.5, 0.0, "crossed label", ha="center", va="center", zorder=5)
        self.far = ax.text(0.02, 0.95, "far label", va="top", zorder=5)

    def render(self, slope):
        self.artists["line"].set_ydata([-0.5 * slope, 0.5 * slope])  # always through the middle label
        return f"A line of slope {slope:.1f}."


def test_static_labels_nothing_moving_reaches_come_from_the_layer_and_the_rest_are_redrawn():
    d = Crossing(controls=[Control("slope", "Slope (1)", min=-1.5, max=1.5, step=0.1, value=0.5)])
    for slope in (-1.5, 0.0, 0.7, 1.5):
        d.update(slope=slope)
        skipped = d._untouched_statics(d._canvas.get_renderer())
        # the segment crosses the middle label with both ends far outside it: still counted as touching
        assert id(d.crossed) not in skipped and id(d.far) in skipped
        _assert_blit_equals_full_redraw(d, f"slope {slope}")


def test_line_footprint_finds_a_segment_through_a_box_without_vertices_in_it():
    d = Crossing(controls=[Control("slope", "Slope (1)", min=-1.5, max=1.5, step=0.1, value=1.0)])
    renderer = d._canvas.get_renderer()
    footprint = _base._LineFootprint(d.artists["line"], renderer)
    (x0, y0), (x1, y1) = footprint.points
    mid = (0.5 * (x0 + x1), 0.5 * (y0 + y1))
    assert footprint.touches((int(mid[0]) - 3, int(mid[1]) - 3, int(mid[0]) + 3, int(mid[1]) + 3))
    # a box beside the middle of the segment, off the line by far more than its width
    assert not footprint.touches((int(mid[0]) + 40, int(mid[1]) - 60, int(mid[0]) + 50, int(mid[1]) - 50))


def test_a_render_that_adds_artists_is_refused():
    class Grows(Twin):
        def render(self, y_mV):
            self.figure.axes[0].plot([0, 1], [y_mV / 10, 0])
            return "grows"

    with pytest.raises(ValueError, match="added or removed artists"):
        Grows(controls=[Control("y_mV", "y (mV)", min=-5.0, max=5.0, step=0.5, value=0.0)]).update(y_mV=1.0)


def test_an_artist_inside_a_legend_is_refused():
    class Hidden(Twin):
        def build(self):
            super().build()
            legend = self.figure.axes[0].legend(["x"])
            self.artists["hidden"] = legend.get_texts()[0]

    with pytest.raises(ValueError, match="cannot blit"):
        Hidden(controls=[Control("y_mV", "y (mV)", min=-5.0, max=5.0, step=0.5, value=0.0)])


# -- readouts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [dict(receptor="ampa", g_max_nS=2.0, v_rest_mV=-70.0),
                                    dict(receptor="nmda", g_max_nS=4.0, kinetics=1.5, v_rest_mV=-40.0)])
def test_epsp_readout_follows_the_simulated_peak(values):
    d = epsp_demos.epsp()
    d.update(**values)
    v = d.values
    syn = epsp_demos.epsp_synapse(v["receptor"], v["g_max_nS"], v["kinetics"])
    cell = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=v["v_rest_mV"])
    trace = ip.simulate(cell, [(syn, [10.0])], duration_ms=300.0, dt_ms=0.1)
    dv = trace.v_mV - v["v_rest_mV"]
    k = int(np.argmax(dv))
    assert d.artists["readout"].get_text() == f"peak +{dv[k]:.2f} mV, {trace.t_ms[k] - 10.0:.1f} ms after release"
    assert d.artists["legend_blocked"].get_visible() == (v["receptor"] == "nmda")
    assert d.artists["legend_plain"].get_visible() == (v["receptor"] != "nmda")


@pytest.mark.parametrize("rise, decay", [(0.5, 5.0), (3.0, 7.0)])
def test_conductance_shapes_readout_follows_the_peak_time(rise, decay):
    d = epsp_demos.conductance_shapes()
    d.update(tau_rise_ms=rise, tau_decay_ms=decay)
    dual = ip.Synapse(g_max_nS=1.0, tau_rise_ms=rise, tau_decay_ms=decay, e_rev_mV=0.0)
    assert d.artists["readout"].get_text() == f"peak at {dual.peak_time_ms:.2f} ms"


# -- live drag: coalescing --------------------------------------------------------------------------------
class Slow(Demo):
    title = "Slow"

    def build(self):
        ax = self.figure.subplots()
        ax.set(xlim=(0, 1), ylim=(-10, 10))
        (self.artists["line"],) = ax.plot([0.0, 1.0], [0.0, 0.0])
        self.rendered: list[float] = []

    def render(self, a_mV):
        time.sleep(0.02)  # a slow kernel: 20 ms per frame
        self.rendered.append(a_mV)
        self.artists["line"].set_ydata([0.0, a_mV])
        return f"A line to {a_mV:.2f} mV."


def test_rapid_slider_changes_coalesce_and_the_last_frame_is_the_last_value():
    d = Slow(controls=[Control("a_mV", "a (mV)", min=-10.0, max=10.0, step=0.01, value=0.0)])
    d.coalesce = True
    image = d.live_widget().children[-1]
    before = len(d.rendered)
    values = np.linspace(-9.0, 9.0, 200)
    start = time.perf_counter()
    for v in values:  # as a drag sends them: far faster than the demo renders
        d.controls["a_mV"].value = float(v)
    sending_s = time.perf_counter() - start
    assert sending_s < 0.5, "the observer must only record values, not render"
    assert d.wait(10.0)
    renders = d.rendered[before:]
    assert 1 <= len(renders) < 20, f"{len(renders)} renders for 200 changes: not coalesced"
    assert renders[-1] == pytest.approx(9.0)
    assert d.artists["line"].get_ydata()[1] == pytest.approx(9.0)
    assert d.alt_text == "A line to 9.00 mV." and "A line to 9.00 mV." in image.value
    # the frame shown equals a fresh render of the final value
    fresh = Slow(controls=[Control("a_mV", "a (mV)", min=-10.0, max=10.0, step=0.01, value=9.0)])
    assert d.png() == fresh.png()


def test_coalescing_worker_renders_the_newest_pending_item_only():
    seen, gate = [], threading.Event()

    def work(item):
        gate.wait(5.0)
        seen.append(item)

    worker = _base._LatestWins(work, idle_s=1.0)
    worker.submit(0)  # the worker takes 0 and blocks on the gate
    time.sleep(0.05)
    for k in range(1, 50):
        worker.submit(k)
    gate.set()
    assert worker.wait(5.0)
    assert seen == [0, 49]


def test_update_stays_synchronous_with_coalescing_on():
    d = Slow(controls=[Control("a_mV", "a (mV)", min=-10.0, max=10.0, step=0.01, value=0.0)])
    d.coalesce = True
    d.update(a_mV=3.0)
    assert d.rendered[-1] == 3.0 and d.alt_text == "A line to 3.00 mV."


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_live_sliders_update_while_dragged(name):
    d = ALL[name]()
    for control_name, spec in d._specs.items():
        if spec.numeric:
            assert d.controls[control_name].continuous_update, f"{name}.{control_name} updates only on release"
