"""The chapter 5 demo (temporal summation) plots what ipsplib computes for its control values."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses
from ipsplib.currents import synaptic_current_pA
from ipsplib.demos import summation as summation_demo


@pytest.fixture(scope="module")
def demo():
    return summation_demo.temporal_summation()


def expected(interval, n, tau, receptor):
    """The demo's case computed directly with ipsplib (its cell, synapse, grid and window)."""
    syn = {"ampa": synapses.ampa(g_max_nS=4.0), "nmda": synapses.nmda(g_max_nS=5.0, mg_out_mM=1.0)}[receptor]
    cell = ip.Cell(c_m_pF=10.0 * tau, g_leak_nS=10.0, e_leak_mV=-70.0)
    s = ip.train_summation(cell, syn, n, interval, duration_ms=400.0, dt_ms=0.2, first_onset_ms=10.0)
    return s, syn


def test_demo_is_registered():
    from ipsplib import demos

    assert demos.ALL["temporal_summation"] is summation_demo.temporal_summation
    assert demos.temporal_summation is summation_demo.temporal_summation


@pytest.mark.parametrize("interval, n, tau, receptor", [
    (5.0, 5, 20.0, "ampa"),
    (1.0, 10, 5.0, "ampa"),
    (40.0, 3, 50.0, "ampa"),
    (5.0, 5, 20.0, "nmda"),
    (17.0, 8, 35.0, "nmda"),
    (3.0, 1, 10.0, "nmda"),
])
def test_figure_shows_the_train_the_single_epsp_and_their_linear_sum(demo, interval, n, tau, receptor):
    demo.update(interval_ms=interval, n_inputs=float(n), tau_m_ms=tau, receptor=receptor)
    s, syn = expected(interval, n, tau, receptor)
    t, v = demo.artists["train"].get_data()
    np.testing.assert_allclose(t, s.t_ms)
    np.testing.assert_allclose(v, s.dv_mV - 70.0, atol=1e-9)
    np.testing.assert_allclose(demo.artists["single"].get_data()[1], s.single_dv_mV - 70.0, atol=1e-9)
    np.testing.assert_allclose(demo.artists["linear"].get_data()[1], s.linear_dv_mV - 70.0, atol=1e-9)
    np.testing.assert_allclose(demo.artists["i"].get_data()[1], s.train.i_pA[0], atol=1e-9)
    frozen = synaptic_current_pA(syn, s.t_ms, s.onsets_ms, v_fixed_mV=-70.0)
    np.testing.assert_allclose(demo.artists["i_frozen"].get_data()[1], frozen, atol=1e-9)
    readout = demo.artists["readout"].get_text()
    assert f"ratio {s.summation_ratio:.2f}: {s.summation}" in readout
    assert f"summation ratio of {s.summation_ratio:.2f}, {s.summation}" in demo.alt_text
    assert f"{s.peak_mV:.2f} mV above rest" in demo.alt_text


def test_ampa_sums_sublinearly_and_nmda_supralinearly(demo):
    for receptor, word in (("ampa", "sublinear"), ("nmda", "supralinear")):
        demo.update(interval_ms=5.0, n_inputs=5.0, tau_m_ms=20.0, receptor=receptor)
        assert f", {word};" in demo.alt_text


def test_the_train_sums_less_when_inputs_are_far_apart_compared_with_tau_m(demo):
    peaks = {}
    for interval in (2.0, 40.0):
        demo.update(interval_ms=interval, n_inputs=5.0, tau_m_ms=10.0, receptor="ampa")
        peaks[interval] = float(np.max(demo.artists["train"].get_data()[1]))
    single = float(np.max(demo.artists["single"].get_data()[1]))
    assert peaks[2.0] - (-70.0) > 2.5 * (single + 70.0)
    assert peaks[40.0] - (-70.0) < 1.05 * (single + 70.0)  # 40 ms = 4 tau_m: e^-4 of each EPSP is left


def test_bad_values_clamp_and_unknown_receptor_raises(demo):
    demo.update(interval_ms=1000.0, n_inputs=0.0, tau_m_ms=-3.0, receptor="ampa")
    assert demo.values["interval_ms"] == 40.0
    assert demo.values["n_inputs"] == 1.0
    assert demo.values["tau_m_ms"] == 5.0
    s, _ = expected(40.0, 1, 5.0, "ampa")
    np.testing.assert_allclose(demo.artists["train"].get_data()[1], s.dv_mV - 70.0, atol=1e-9)
    assert "One input" in demo.alt_text
    with pytest.raises(ValueError, match="receptor must be one of"):
        demo.update(receptor="kainate")
    with pytest.raises(ValueError, match="interval_ms must be a number"):
        demo.update(interval_ms="fast")
    with pytest.raises(ValueError, match="receptor must be one of"):
        summation_demo.receptor_synapse("gaba")


def test_a_fractional_count_plots_the_nearest_whole_number_of_inputs(demo):
    demo.update(interval_ms=5.0, n_inputs=3.4, tau_m_ms=20.0, receptor="ampa")
    s, _ = expected(5.0, 3, 20.0, "ampa")
    np.testing.assert_allclose(demo.artists["train"].get_data()[1], s.dv_mV - 70.0, atol=1e-9)


@pytest.mark.parametrize("receptor", ["ampa", "nmda"])
def test_extreme_controls_stay_inside_the_fixed_axes(demo, receptor):
    for tau in (5.0, 50.0):
        demo.update(interval_ms=1.0, n_inputs=10.0, tau_m_ms=tau, receptor=receptor)
        for name in ("train", "linear", "single"):
            y = demo.artists[name].get_data()[1]
            low, high = demo.artists[name].axes.get_ylim()
            assert low < np.min(y) and np.max(y) < high
        for name in ("i", "i_frozen"):
            y = demo.artists[name].get_data()[1]
            low, high = demo.artists[name].axes.get_ylim()
            assert low < np.min(y) and np.max(y) < high


def test_title_states_the_model_cell(demo):
    assert "rest −70 mV" in demo.title and "threshold −55 mV" in demo.title
    assert "passive" in demo.model and "−55 mV" in demo.model
    assert demo.static == ("interval_ms", "tau_m_ms", "receptor")


def test_every_slider_but_the_count_gives_a_drag_fifteen_values(demo):
    """A slider sends a value only when it changes: with at least 25 steps on its track, a mouse drag across 60 %
    of it (the JupyterLab test's drag, from anywhere) crosses at least 15 values. The number of inputs is a whole
    count from 1 to 10: its drag crosses at most 6 values, and a finer step would only invent fractional inputs."""
    for name, spec in demo._specs.items():
        if name == "n_inputs":
            assert (spec.min, spec.max, spec.step) == (1.0, 10.0, 1.0)
        elif spec.numeric:
            assert (spec.max - spec.min) / spec.step >= 25 - 1e-9, f"{name}: step {spec.step} is too coarse"
            assert name not in demo.static or spec.static_values is not None, f"{name}: static grid not explicit"


def test_a_tau_m_drag_keeps_every_single_epsp_cached():
    summation_demo._single_dv.cache_clear()
    spec = summation_demo.temporal_summation()._specs["tau_m_ms"]
    taus = np.arange(spec.min, spec.max + spec.step / 2, spec.step)
    for receptor in summation_demo.RECEPTORS:
        for tau in taus:
            summation_demo._single_dv(receptor, float(tau))
    assert summation_demo._single_dv.cache_info().currsize == 2 * taus.size


def test_axis_limits_that_come_back_reuse_their_background_with_the_same_pixels():
    """A jump that rescales the axes redraws the background once per set of limits: when the limits come
    back, the cached background is used (no full draw), and the frame equals a full redraw."""
    d = summation_demo.temporal_summation()
    one = dict(n_inputs=1.0, interval_ms=40.0, receptor="ampa")
    many = dict(n_inputs=10.0, interval_ms=2.0, receptor="nmda")
    full_draws = []
    draw = d._canvas.draw
    d._canvas.draw = lambda: (full_draws.append(1), draw())[1]
    d.update(**one)
    limits_one, first = d._limits, d.png()
    d.update(**many)
    assert d._limits != limits_one
    drawn = len(full_draws)
    d.update(**one)
    assert len(full_draws) == drawn, "the limits came back but the background was drawn again"
    assert d.png() == first
    d.blit = False
    assert d._encode() == first, "the frame on a cached background differs from a full redraw"
