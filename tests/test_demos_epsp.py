"""The chapter 2 demos plot what ipsplib computes for their control values."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses
from ipsplib.demos import epsp as epsp_demos


@pytest.fixture(scope="module")
def shapes():
    return epsp_demos.conductance_shapes()


@pytest.fixture(scope="module")
def epsp():
    return epsp_demos.epsp()


def test_both_demos_are_registered():
    from ipsplib import demos

    assert demos.ALL["conductance_shapes"] is epsp_demos.conductance_shapes
    assert demos.ALL["epsp"] is epsp_demos.epsp


@pytest.mark.parametrize("rise, decay", [(0.5, 5.0), (2.0, 10.0), (0.1, 1.0)])
def test_shapes_plot_the_synapse_waveforms(shapes, rise, decay):
    shapes.update(tau_rise_ms=rise, tau_decay_ms=decay)
    t = epsp_demos.SHAPES_T_MS
    dual = ip.Synapse(g_max_nS=1.0, tau_rise_ms=rise, tau_decay_ms=decay, e_rev_mV=0.0)
    expected = {
        "exponential": ip.Synapse(1.0, 0.0, decay, 0.0).conductance(t, [0.0]),
        "dual exponential": dual.conductance(t, [0.0]),
        "alpha": ip.Synapse(1.0, dual.peak_time_ms, dual.peak_time_ms, 0.0).conductance(t, [0.0]),
    }
    for name, g in expected.items():
        x, y = shapes.artists[name].get_data()
        np.testing.assert_allclose(x, t)
        np.testing.assert_allclose(y, g, atol=1e-12)
    # all three peak at 1 nS; alpha and dual exponential at the same time
    assert max(np.max(g) for g in expected.values()) <= 1.0 + 1e-9
    assert np.argmax(expected["alpha"]) == pytest.approx(np.argmax(expected["dual exponential"]), abs=1)
    assert shapes.artists["peak"].get_xdata()[0] == pytest.approx(dual.peak_time_ms)
    assert f"{dual.peak_time_ms:.2f} ms" in shapes.alt_text


def test_rise_longer_than_decay_is_capped_to_an_alpha_function(shapes):
    shapes.update(tau_rise_ms=5.0, tau_decay_ms=2.0)
    _, y_dual = shapes.artists["dual exponential"].get_data()
    _, y_alpha = shapes.artists["alpha"].get_data()
    np.testing.assert_allclose(y_dual, y_alpha, atol=1e-12)
    assert "capped" in shapes.artists["readout"].get_text()


def test_preset_panel_shows_every_receptor_with_a_1_nS_peak(shapes):
    for name, factory in synapses.PRESETS.items():
        x, y = shapes.artists[f"preset {name}"].get_data()
        np.testing.assert_allclose(y, factory(g_max_nS=1.0).conductance(x, [0.0]), atol=1e-12)
        assert np.max(y) == pytest.approx(1.0, abs=0.02)  # sampled near the peak on the log grid


@pytest.mark.parametrize("receptor, g_max, kinetics, v_rest", [
    ("ampa", 2.0, 1.0, -70.0),
    ("ampa", 5.0, 0.5, -50.0),
    ("nmda", 3.0, 1.0, -70.0),
    ("nmda", 3.0, 1.5, -30.0),
    ("nmda_mg_free", 1.0, 2.0, -90.0),
])
def test_epsp_plots_the_simulated_conductance_current_and_voltage(epsp, receptor, g_max, kinetics, v_rest):
    epsp.update(receptor=receptor, g_max_nS=g_max, kinetics=kinetics, v_rest_mV=v_rest)
    preset = {"ampa": synapses.ampa(), "nmda": synapses.nmda(), "nmda_mg_free": synapses.nmda(mg_out_mM=0.0)}[receptor]
    syn = ip.Synapse(g_max_nS=g_max, tau_rise_ms=preset.tau_rise_ms * kinetics,
                     tau_decay_ms=preset.tau_decay_ms * kinetics, e_rev_mV=0.0, name=preset.name,
                     mg_out_mM=preset.mg_out_mM)
    cell = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=v_rest)
    trace = ip.simulate(cell, [(syn, [10.0])], 300.0, dt_ms=0.1)
    _, g = epsp.artists["g"].get_data()
    _, i = epsp.artists["i"].get_data()
    t, dv = epsp.artists["dv"].get_data()
    np.testing.assert_allclose(t, trace.t_ms)
    np.testing.assert_allclose(dv, trace.v_mV - v_rest, atol=1e-9)
    np.testing.assert_allclose(g, trace.g_nS[0], atol=1e-9)
    np.testing.assert_allclose(i, trace.g_nS[0] * (trace.v_mV - 0.0), atol=1e-9)
    assert epsp.artists["g_unblocked"].get_visible() == (receptor == "nmda")
    peak = float(np.max(trace.v_mV - v_rest))
    assert f"{peak:.2f} mV above rest" in epsp.alt_text
    # the fixed axes hold every frame the controls can make
    assert np.max(dv) < epsp.artists["dv"].axes.get_ylim()[1]
    assert np.min(i) > epsp.artists["i"].axes.get_ylim()[0]


def test_mg_block_shrinks_the_nmda_epsp_at_rest_and_depolarization_relieves_it(epsp):
    peaks = {}
    for receptor in ("nmda", "nmda_mg_free"):
        for v_rest in (-70.0, -30.0):
            epsp.update(receptor=receptor, g_max_nS=2.0, kinetics=1.0, v_rest_mV=v_rest)
            _, g = epsp.artists["g"].get_data()
            peaks[receptor, v_rest] = float(np.max(g))
    open_at_rest = peaks["nmda", -70.0] / peaks["nmda_mg_free", -70.0]
    open_depolarized = peaks["nmda", -30.0] / peaks["nmda_mg_free", -30.0]
    assert open_at_rest < 0.15
    assert open_depolarized > 3 * open_at_rest


def test_extreme_controls_stay_inside_the_fixed_axes(epsp):
    epsp.update(receptor="nmda_mg_free", g_max_nS=5.0, kinetics=2.0, v_rest_mV=-90.0)
    _, dv = epsp.artists["dv"].get_data()
    _, i = epsp.artists["i"].get_data()
    assert np.max(dv) < epsp.artists["dv"].axes.get_ylim()[1]
    assert np.min(i) > epsp.artists["i"].axes.get_ylim()[0]


def test_unknown_receptor_is_rejected():
    with pytest.raises(ValueError, match="receptor must be one of"):
        epsp_demos.epsp_synapse("kainate", 1.0, 1.0)


def test_every_slider_gives_a_drag_fifteen_values(epsp):
    """A slider sends a value only when it changes: with at least 25 steps on its track, a mouse drag across 60 %
    of it (the JupyterLab test's drag, from anywhere) crosses at least 15 values, so it can give 15 redraws. The
    website's frames keep their explicit grid, so the finer step does not multiply them."""
    for name, spec in epsp._specs.items():
        if spec.numeric:
            assert (spec.max - spec.min) / spec.step >= 25 - 1e-9, f"{name}: step {spec.step} is too coarse"
            assert name not in epsp.static or spec.static_values is not None, f"{name}: static grid not explicit"
