"""Headless tests of the demo machinery and of every demo in ipsplib.demos.ALL.

Generic tests run over ALL (every registered demo); the
demo-specific tests at the end check that the ion and IPSP demos plot exactly what
ipsplib computes.
"""

from __future__ import annotations

import html
import io
import math
import re

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

import ipsplib as ip
from ipsplib import demos
from ipsplib.constants import MAMMALIAN_IN_MM, MAMMALIAN_OUT_MM, VALENCE
from ipsplib.demos import ions as ion_demos
from ipsplib.demos import ipsp as ipsp_demo
from ipsplib.demos._base import ALL, Control, Demo, register

DEMO_NAMES = sorted(ALL)


# -- helpers ----------------------------------------------------------------------------------------------
def artist_data(artist):
    """The data an artist draws, as a list of float arrays and strings."""
    if isinstance(artist, Legend):
        return [str(artist.get_visible()), *(t.get_text() for t in artist.get_texts())]
    if isinstance(artist, Line2D):
        return [np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)]
    if isinstance(artist, Text):
        anchor = np.asarray(getattr(artist, "xy", artist.get_position()), float)  # an Annotation's target
        return [np.asarray(artist.get_position(), float), anchor, artist.get_text()]
    if isinstance(artist, Collection):
        offsets = np.asarray(artist.get_offsets(), float)
        paths = [np.asarray(p.vertices, float) for p in artist.get_paths()]
        return [offsets, *paths]
    if isinstance(artist, Patch):
        return [np.asarray(artist.get_path().vertices, float), np.asarray(artist.get_patch_transform().get_matrix())]
    if hasattr(artist, "patches"):  # BarContainer
        return [d for p in artist.patches for d in artist_data(p)]
    if hasattr(artist, "get_array"):
        return [np.asarray(artist.get_array(), float)]
    raise TypeError(f"test does not know how to read {type(artist).__name__}")


def snapshot(d):
    return {name: artist_data(a) for name, a in d.artists.items()}


def same(a, b) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        if len(a[k]) != len(b[k]):
            return False
        for x, y in zip(a[k], b[k], strict=True):
            if isinstance(x, str) or isinstance(y, str):
                if x != y:
                    return False
            elif np.shape(x) != np.shape(y) or not np.array_equal(x, y):
                return False
    return True


def values_to_try(spec: Control):
    """min, middle, max of a slider; first, middle, last option of a choice."""
    if spec.options is not None:
        values = [v for _, v in spec.options]
        return [values[0], values[len(values) // 2], values[-1]]
    middle = math.sqrt(spec.min * spec.max) if spec.scale == "log" else 0.5 * (spec.min + spec.max)
    return [spec.min, middle, spec.max]


def widgets_in(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets_in(child)


IMG = re.compile(r'<img alt="([^"]*)" width="(\d+)" height="(\d+)"[^>]* src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def built():
    """One instance of each registered demo, shared by the generic tests."""
    return {name: ALL[name]() for name in DEMO_NAMES}


# -- every registered demo --------------------------------------------------------------------------------
def test_registry_has_the_first_demos():
    for name in ("nernst_explorer", "ghk_resting", "ipsp_reversal"):
        assert name in ALL
        assert getattr(demos, name) is ALL[name]


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_factory_makes_a_demo_with_labelled_controls(name, built):
    d = built[name]
    assert isinstance(d, Demo)
    assert isinstance(d.figure, mpl.figure.Figure)
    assert d.artists, "build() must keep its artists in self.artists"
    assert d.controls and set(d.values) == set(d.controls)
    for control in d.controls.values():
        assert isinstance(control, widgets.ValueWidget)
        # quantity and unit: a unit in parentheses, or a dimensionless choice
        assert control.description.strip()
        assert not control.disabled
    assert d.alt_text.strip()


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_every_control_at_min_middle_max(name, built):
    d = built[name]
    figure = d.figure
    for control_name, spec in d._specs.items():
        for value in values_to_try(spec):
            before, alt_before = snapshot(d), d.alt_text
            d.update(**{control_name: value})
            assert d.figure is figure
            after = snapshot(d)
            for artist_name, data in after.items():
                for x in data:
                    if not isinstance(x, str):
                        assert np.all(np.isfinite(x)), f"{name}: {artist_name} has non-finite data at " \
                                                       f"{control_name}={value}"
            assert d.alt_text.strip()
            if not same(before, after):
                assert d.alt_text != alt_before, f"{name}: data changed at {control_name}={value}, alt text did not"
            assert d.png()[:8] == b"\x89PNG\r\n\x1a\n"
        d.update(**{control_name: spec.value})


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_bad_control_name_and_clamping(name, built):
    d = built[name]
    with pytest.raises(ValueError, match="no_such_control") as info:
        d.update(no_such_control=1.0)
    for control_name in d.controls:
        assert control_name in str(info.value)
    for control_name, spec in d._specs.items():
        if spec.options is not None:
            with pytest.raises(ValueError, match=control_name):
                d.update(**{control_name: object()})
            continue
        d.update(**{control_name: spec.max + 10 * spec.step + 1.0})
        assert d.values[control_name] == spec.max
        d.update(**{control_name: spec.min - 10 * spec.step - 1.0})
        assert d.values[control_name] == spec.min
        with pytest.raises(ValueError, match=control_name):
            d.update(**{control_name: float("nan")})
        d.update(**{control_name: spec.value})


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_live_mode_recomputes_and_never_uses_frames(name, built, monkeypatch):
    monkeypatch.delenv("IPSP_BOOK_STATIC", raising=False)
    d = ALL[name]()
    monkeypatch.setattr(d, "static_frames", lambda: pytest.fail("live mode used precomputed frames"))
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    tree = list(widgets_in(d.widget()))
    assert not any(isinstance(w, (widgets.Stack, widgets.SelectionSlider)) for w in tree)
    for control in d.controls.values():
        assert control in tree
    image = [w for w in tree if isinstance(w, widgets.HTML) and "<img" in w.value]
    assert len(image) == 1
    shown = image[0].value
    # a control moved by the reader (widget value) recomputes, as update() does
    control_name, spec = next(iter(d._specs.items()))
    widget = d.controls[control_name]
    new = values_to_try(spec)[2] if widget.value != values_to_try(spec)[2] else values_to_try(spec)[0]
    widget.value = new
    assert image[0].value != shown
    alt = IMG.search(image[0].value).group(1)
    assert alt and alt == html.escape(d.alt_text, quote=True)


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_blitted_frames_equal_a_full_redraw(name):
    """The cached-background redraw must show exactly what a full draw shows (else the demo sets blit=False)."""
    from PIL import Image

    d = ALL[name]()
    if not d.blit:
        pytest.skip("demo draws the whole figure each frame")
    for control_name, spec in d._specs.items():
        for value in values_to_try(spec)[::2]:
            d.update(**{control_name: value})
            blitted = np.asarray(Image.open(io.BytesIO(d.png())).convert("RGB"))
            d.blit = False
            full = np.asarray(Image.open(io.BytesIO(d._encode())).convert("RGB"))
            d.blit = True
            assert np.array_equal(blitted, full), f"{name}: {control_name}={value} differs from a full redraw"


def visits(d) -> list[dict]:
    """Settings as a reader reaches them: the defaults, then each control alone at its min and max (so one
    setting of the other controls is seen with three values of each: what a cache keys on)."""
    defaults = {name: spec.value for name, spec in d._specs.items()}
    settings = [dict(defaults)]
    for name, spec in d._specs.items():
        settings += [defaults | {name: value} for value in values_to_try(spec)[::2]]
    return settings


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_frame_does_not_depend_on_the_order_of_visits(name):
    """A demo's caches may save work, never change a frame: every setting, visited forwards on one demo and
    backwards on another, gives the same data in every artist (exactly), alt text and PNG."""
    forwards, backwards = ALL[name](), ALL[name]()
    settings = visits(forwards)
    seen = {}
    for k, values in enumerate(settings):
        forwards.update(**values)
        seen[k] = (snapshot(forwards), forwards.alt_text, forwards.png())
    for k in reversed(range(len(settings))):
        backwards.update(**settings[k])
        data, alt, png = seen[k]
        assert same(snapshot(backwards), data), f"{name}: the data at {settings[k]} depend on the order of visits"
        assert backwards.alt_text == alt and backwards.png() == png, f"{name}: the frame at {settings[k]} differs"


# -- the machinery, on a toy demo -------------------------------------------------------------------------
class Toy(Demo):
    title = "Toy"

    def build(self):
        ax = self.figure.subplots()
        ax.set(xlim=(0, 1), ylim=(-10, 10), xlabel="x (1)", ylabel="y (mV)")
        (self.artists["line"],) = ax.plot([0.0, 1.0], [0.0, 0.0])
        self.renders = 0

    def render(self, a_mV, b_mV=0.0, kind="up"):
        self.renders += 1
        sign = 1.0 if kind == "up" else -1.0
        self.artists["line"].set_ydata([b_mV, sign * a_mV])
        return f"A line from {b_mV:.1f} mV to {sign * a_mV:.1f} mV."


def toy(static=("a_mV",), **extra):
    controls = [Control("a_mV", "a (mV)", min=-5.0, max=5.0, step=0.5, value=1.0),
                Control("b_mV", "b (mV)", min=0.0, max=2.0, step=1.0, value=0.0),
                Control("kind", "Direction", options=[("up", "up"), ("down", "down")], value="up")]
    return Toy(controls=controls, static=static, **extra)


def test_update_is_synchronous_and_renders_once():
    d = toy()
    n = d.renders
    d.update(a_mV=2.0, b_mV=1.0, kind="down")
    assert d.renders == n + 1
    assert list(d.artists["line"].get_ydata()) == [1.0, -2.0]
    assert d.alt_text == "A line from 1.0 mV to -2.0 mV."
    d.controls["a_mV"].value = 3.0  # as the reader moving the slider
    assert d.renders == n + 2 and d.artists["line"].get_ydata()[1] == -3.0


def test_unknown_control_lists_valid_names():
    d = toy()
    with pytest.raises(ValueError, match=r"no control 'c_mV'; valid controls: a_mV, b_mV, kind"):
        d.update(c_mV=1.0)
    assert d.values == {"a_mV": 1.0, "b_mV": 0.0, "kind": "up"}  # nothing applied


def test_clamping_and_bad_values():
    d = toy()
    d.update(a_mV=99.0, b_mV=-3.0)
    assert d.values["a_mV"] == 5.0 and d.values["b_mV"] == 0.0
    with pytest.raises(ValueError, match="a_mV must be a number"):
        d.update(a_mV="big")
    with pytest.raises(ValueError, match="a_mV must be finite"):
        d.update(a_mV=float("inf"))
    with pytest.raises(ValueError, match=r"kind must be one of \['up', 'down'\]"):
        d.update(kind="sideways")


def test_control_validation():
    with pytest.raises(ValueError, match="min < max"):
        Control("x_mV", "x (mV)", min=1.0, max=1.0, step=0.1, value=1.0)
    with pytest.raises(ValueError, match=r"value must be in \[0.0, 1.0\]"):
        Control("x_mV", "x (mV)", min=0.0, max=1.0, step=0.1, value=2.0)
    with pytest.raises(ValueError, match="label"):
        Control("x_mV", " ", min=0.0, max=1.0, step=0.1)
    with pytest.raises(ValueError, match="log scale needs min > 0"):
        Control("x", "x (1)", min=0.0, max=1.0, step=0.1, scale="log")
    with pytest.raises(ValueError, match=r"x_mV must be in \[0, 1\]"):
        Control("x_mV", "x (mV)", min=0.0, max=1.0, step=0.1, static_values=(0.0, 3.0))


def test_static_declaration_is_checked():
    with pytest.raises(ValueError, match="unknown control"):
        toy(static=("c_mV",))
    with pytest.raises(ValueError, match="at most 3 different"):
        toy(static=("a_mV", "a_mV"))


def test_default_static_grid_includes_min_value_max_on_the_step():
    spec = Control("a_mV", "a (mV)", min=-5.0, max=5.0, step=0.5, value=1.0)
    grid = spec.static_grid(7)
    assert grid[0] == -5.0 and grid[-1] == 5.0 and 1.0 in grid
    assert all(abs(v / 0.5 - round(v / 0.5)) < 1e-9 for v in grid)
    log = Control("p", "P ratio (1)", min=0.01, max=100.0, step=0.1, value=0.05, scale="log")
    grid = log.static_grid(5)
    assert grid == (0.01, 0.05, 0.1, 1.0, 10.0, 100.0)


def test_render_must_return_alt_text():
    class Mute(Toy):
        def render(self, a_mV):
            return ""

    with pytest.raises(ValueError, match="alt text"):
        Mute(controls=[Control("a_mV", "a (mV)", min=0.0, max=1.0, step=0.5)])


def test_register_rejects_a_second_factory_under_one_name():
    with pytest.raises(ValueError, match="already registered"):
        register(DEMO_NAMES[0])(lambda: None)


# -- the ion and IPSP demos plot what ipsplib computes --------------------------------------------------------
def xy(artist):
    return np.asarray(artist.get_xdata(), float), np.asarray(artist.get_ydata(), float)


def minus(text: str) -> str:
    return text.replace("-", "−")


@pytest.mark.parametrize("values", [
    dict(c_out_mM=5.0, c_in_mM=140.0, z=1, temperature_c=37.0),
    dict(c_out_mM=0.1, c_in_mM=1000.0, z=-2, temperature_c=0.0),
    dict(c_out_mM=1000.0, c_in_mM=1e-4, z=2, temperature_c=45.0),
    dict(c_out_mM=110.0, c_in_mM=7.0, z=-1, temperature_c=22.5),
])
def test_nernst_explorer_plots_ipsplib_values(values):
    d = demos.nernst_explorer()
    d.update(**values)
    v = d.values
    e = ip.nernst(c_out_mM=v["c_out_mM"], c_in_mM=v["c_in_mM"], z=v["z"], temperature_c=v["temperature_c"])
    x, y = xy(d.artists["point"])
    assert x[0] == pytest.approx(v["c_in_mM"])  # the x-axis is what the [X]i slider moves
    assert y[0] == pytest.approx(e, abs=1e-9)
    x, y = xy(d.artists["curve"])
    assert x[0] == pytest.approx(1e-4) and x[-1] == pytest.approx(1000.0)
    np.testing.assert_allclose(y, [ip.nernst(c_out_mM=v["c_out_mM"], c_in_mM=c, z=v["z"],
                                             temperature_c=v["temperature_c"]) for c in x], atol=1e-9)
    assert xy(d.artists["c_out_mark"])[0][0] == pytest.approx(v["c_out_mM"])
    for ion in ("K", "Na", "Cl", "HCO3", "Ca"):
        x, y = xy(d.artists[f"ion_{ion}"])
        assert x[0] == pytest.approx(MAMMALIAN_IN_MM[ion])
        e_ion = ip.nernst(c_out_mM=MAMMALIAN_OUT_MM[ion], c_in_mM=MAMMALIAN_IN_MM[ion], z=VALENCE[ion],
                          temperature_c=v["temperature_c"])
        assert y[0] == pytest.approx(e_ion, abs=1e-9)
        assert minus(f"{e_ion:.1f}") in d.alt_text
    assert minus(f"E = {e:.1f} mV") in d.alt_text
    # the on-figure readout shows this value, in plain decimals (never "1e+03")
    readout = d.artists["readout"].get_text()
    assert minus(f"E = {e:.1f} mV") in readout
    assert "e+" not in readout and "e-" not in readout


def test_nernst_textbook_values_in_alt_text():
    d = demos.nernst_explorer()  # K+ by default
    assert d.alt_text.startswith("[X]ₒ = 5 mM, [X]ᵢ = 140 mM, z = +1, 37 °C: E = −89.1 mV")
    assert "(K⁺ lies on the curve)" in d.alt_text  # Na⁺ has another [X]ₒ, so it sits off this curve
    d.update(z=-1, c_out_mM=110.0, c_in_mM=7.0)
    assert "E = −73.6 mV" in d.alt_text and "Cl⁻ lies on the curve" in d.alt_text
    d.update(c_in_mM=1000.0)
    assert "[X]ᵢ = 1000 mM" in d.artists["readout"].get_text()


def test_log_slider_readout_never_shows_an_exponent():
    spec = demos.nernst_explorer()._specs["c_in_mM"]
    assert [spec.format(v) for v in (1e-4, 1000.0, 140.0, 0.5)] == ["0.0001", "1000", "140", "0.5"]
    assert demos.nernst_explorer().controls["c_in_mM"].readout_format == ".3r"


@pytest.mark.parametrize("p_na, p_cl", [(0.05, 0.1), (0.001, 0.0), (30.0, 2.0), (1.0, 0.45)])
def test_ghk_resting_plots_ipsplib_values(p_na, p_cl):
    d = demos.ghk_resting()
    d.update(p_na_over_p_k=p_na, p_cl_over_p_k=p_cl)

    def ghk(na, cl):
        return ip.ghk_potential(permeability={"K": 1.0, "Na": na, "Cl": cl}, c_out_mM=MAMMALIAN_OUT_MM,
                                c_in_mM=MAMMALIAN_IN_MM, temperature_c=37.0)

    v_rest = ghk(p_na, p_cl)
    assert xy(d.artists["point_na"])[1][0] == pytest.approx(v_rest, abs=1e-9)
    assert xy(d.artists["point_cl"])[1][0] == pytest.approx(v_rest, abs=1e-9)
    assert xy(d.artists["point_na"])[0][0] == pytest.approx(p_na)
    assert xy(d.artists["point_cl"])[0][0] == pytest.approx(p_cl)
    x, y = xy(d.artists["curve_na"])
    assert x[0] == pytest.approx(1e-3) and x[-1] == pytest.approx(30.0)
    np.testing.assert_allclose(y, [ghk(p, p_cl) for p in x], atol=1e-9)
    x, y = xy(d.artists["curve_cl"])
    assert x[0] == 0.0 and x[-1] == pytest.approx(2.0)
    np.testing.assert_allclose(y, [ghk(p_na, p) for p in x], atol=1e-9)
    for ion in ("K", "Na", "Cl"):
        e = ip.nernst(c_out_mM=MAMMALIAN_OUT_MM[ion], c_in_mM=MAMMALIAN_IN_MM[ion], z=VALENCE[ion])
        for side in ("na", "cl"):
            assert xy(d.artists[f"e_{ion}_{side}"])[1][0] == pytest.approx(e, abs=1e-9)
    assert minus(f"resting potential {v_rest:.1f} mV") in d.alt_text
    readout = d.artists["readout"].get_text()
    assert readout.endswith(minus(f"= {v_rest:.1f} mV")) and f": {p_na:.3g} : {p_cl:.3g}" in readout


IPSP_CELL = dict(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-50.0, refractory_ms=2.0)


@pytest.mark.parametrize("cl_in, cl_out", [(7.0, 130.0), (2.0, 100.0), (60.0, 140.0), (15.0, 110.0)])
def test_ipsp_reversal_plots_ipsplib_values(cl_in, cl_out):
    d = demos.ipsp_reversal()
    d.update(cl_in_mM=cl_in, cl_out_mM=cl_out)
    e_cl = ip.nernst(c_out_mM=cl_out, c_in_mM=cl_in, z=-1)
    e_gaba = ip.gaba_reversal(cl_in_mM=cl_in, cl_out_mM=cl_out)
    assert xy(d.artists["e_cl_point"]) == (pytest.approx([cl_in]), pytest.approx([e_cl], abs=1e-9))
    assert xy(d.artists["e_gaba_point"])[1][0] == pytest.approx(e_gaba, abs=1e-9)
    assert xy(d.artists["e_cl_line"])[1][0] == pytest.approx(e_cl, abs=1e-9)
    assert xy(d.artists["e_gaba_line"])[1][0] == pytest.approx(e_gaba, abs=1e-9)
    x, y = xy(d.artists["e_cl_curve"])
    np.testing.assert_allclose(y, ip.nernst(c_out_mM=cl_out, c_in_mM=x, z=-1), atol=1e-9)
    x, y = xy(d.artists["e_gaba_curve"])
    np.testing.assert_allclose(y, ip.gaba_reversal(cl_in_mM=x, cl_out_mM=cl_out), atol=1e-9)
    # the simulations, rebuilt here from ipsplib with the chapter's cell (rest -70 mV, threshold -50 mV)
    cell = ip.Cell(**IPSP_CELL)
    epsp = ip.synapses.ampa(g_max_nS=31.0)
    gaba = ip.synapses.gaba_a(g_max_nS=20.0, e_rev_mV=e_gaba)
    alone = ip.simulate(cell, [(gaba, [15.0])], duration_ms=80.0, dt_ms=0.1)
    both = ip.simulate(cell, [(epsp, [15.0]), (gaba, [15.0])], duration_ms=80.0, dt_ms=0.1)
    epsp_alone = ip.simulate(cell, [(epsp, [15.0])], duration_ms=80.0, dt_ms=0.1)
    for name, trace in (("v_ipsp", alone), ("v_both", both), ("v_epsp", epsp_alone)):
        t, v = xy(d.artists[name])
        np.testing.assert_allclose(t, trace.t_ms)
        np.testing.assert_allclose(v, trace.v_mV, atol=1e-9)
    np.testing.assert_allclose(xy(d.artists["spikes"])[0], both.spikes_ms)
    assert xy(d.artists["rest_line"])[1][0] == -70.0 and xy(d.artists["threshold_line"])[1][0] == -50.0
    assert minus(f"the chloride reversal potential, {e_cl:.1f} mV") in d.alt_text
    assert "the GABA-A reversal potential, " + minus(f"{e_gaba:.1f} mV") in d.alt_text
    readout = d.artists["readout"].get_text()
    assert minus(f"$E_\\mathrm{{Cl}}$ = {e_cl:.1f} mV") in readout
    assert minus(f"$E_\\mathrm{{GABA}}$ = {e_gaba:.1f} mV") in readout


def test_ipsp_reversal_tells_the_story():
    d = demos.ipsp_reversal()
    assert "rest −70 mV" in d.model and "threshold −50 mV" in d.model  # the chapter's cell, stated on the demo
    d.update(cl_in_mM=4.0)
    assert "hyperpolarizes" in d.alt_text and "no spike" in d.alt_text  # a mature neuron's low chloride
    d.update(cl_in_mM=60.0)
    assert "depolarizes" in d.alt_text and "fires a spike" in d.alt_text  # E_GABA far above threshold
    assert ipsp_demo.CELL.v_threshold_mV == -50.0 and ipsp_demo.CELL.e_leak_mV == -70.0
    assert ion_demos.ION_NAMES.keys() == {"K", "Na", "Cl", "HCO3", "Ca"}


def test_ipsp_reversal_sliders_give_a_drag_fifteen_values():
    """A slider sends a value only when it changes: with at least 25 steps on its track, a mouse drag across 60 %
    of it (the JupyterLab test's drag, from anywhere) crosses at least 15 values; the website keeps its grid."""
    d = demos.ipsp_reversal()
    for name, spec in d._specs.items():
        assert (spec.max - spec.min) / spec.step >= 25 - 1e-9, f"{name}: step {spec.step} is too coarse"
        assert spec.static_values is not None, f"{name}: static grid not explicit"
