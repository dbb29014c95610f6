"""Synaptic conductance waveforms: shapes, peaks, normalisation and the grid representation used by simulate."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses

KINDS = {
    "exponential": ip.Synapse(2.0, 0.0, 5.0, 0.0),
    "alpha": ip.Synapse(2.0, 3.0, 3.0, 0.0),
    "dual exponential": ip.Synapse(2.0, 0.5, 5.0, 0.0),
}


@pytest.mark.parametrize("kind", KINDS)
def test_kind_and_peak_is_g_max_at_peak_time(kind):
    syn = KINDS[kind]
    assert syn.kind == kind
    t = np.linspace(0.0, 30.0, 300001)
    g = syn.conductance(t, [0.0])
    assert g.max() == pytest.approx(syn.g_max_nS, rel=1e-9)
    assert t[np.argmax(g)] == pytest.approx(syn.peak_time_ms, abs=1e-4)


def test_alpha_function_peaks_at_tau_with_the_textbook_shape():
    tau = 3.0
    syn = ip.Synapse(1.5, tau, tau, 0.0)
    assert syn.peak_time_ms == tau
    t = np.array([0.0, 1.0, 3.0, 9.0])
    np.testing.assert_allclose(syn.conductance(t, [0.0]), 1.5 * t / tau * np.exp(1 - t / tau), rtol=1e-12)


def test_dual_exponential_peak_time_formula():
    tau_r, tau_d = 0.5, 5.0
    expected = tau_r * tau_d / (tau_d - tau_r) * math.log(tau_d / tau_r)
    assert KINDS["dual exponential"].peak_time_ms == pytest.approx(expected, rel=1e-12)
    # The dual exponential approaches the alpha function as tau_rise -> tau_decay.
    near = ip.Synapse(1.0, 2.999, 3.0, 0.0)
    t = np.linspace(0, 20, 201)
    np.testing.assert_allclose(near.conductance(t, [0.0]), KINDS["alpha"].conductance(t, [0.0]) / 2, atol=1e-3)


def test_events_sum_linearly_and_nothing_before_onset():
    syn = KINDS["dual exponential"]
    t = np.linspace(0, 40, 801)
    both = syn.conductance(t, [5.0, 12.3])
    np.testing.assert_allclose(both, syn.conductance(t, [5.0]) + syn.conductance(t, [12.3]), rtol=1e-12)
    assert np.all(both[t < 5.0] == 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_grid_conductance_equals_the_waveform_and_its_exact_step_integrals(kind):
    syn = KINDS[kind]
    dt, n = 0.025, 2000
    # On and off the 0.025 ms grid (but on the quadrature grid below), one after the end.
    onsets = [0.0, 3.0, 3.01125, 17.48, 49.99, 60.0]
    g, integral = syn.grid_conductance(n, dt, onsets)
    t = np.arange(n + 1) * dt
    np.testing.assert_allclose(g, syn.conductance(t, onsets), atol=1e-12)
    # Step integrals by midpoint quadrature of the analytic waveform (exact across the onset jumps).
    h = dt / 400
    midpoints = (np.arange(n * 400) + 0.5) * h
    quadrature = syn.conductance(midpoints, onsets).reshape(n, 400).sum(axis=1) * h
    np.testing.assert_allclose(integral, quadrature, atol=1e-8)


def test_presets_cite_literature_defaults_and_accept_overrides():
    assert synapses.ampa().e_rev_mV == 0.0
    assert synapses.nmda().mg_out_mM == 1.0
    assert synapses.gaba_a().e_rev_mV == -80.0
    assert synapses.gaba_b().e_rev_mV == -95.0
    assert 80.0 < synapses.gaba_b().peak_time_ms < 110.0  # GABA_B peaks near 100 ms
    assert synapses.glycine(e_rev_mV=-70.0).e_rev_mV == -70.0
    for factory in synapses.PRESETS.values():
        assert "References" in factory.__doc__
        syn = factory(g_max_nS=3.0)
        assert syn.g_max_nS == 3.0 and syn.name


def test_synapse_is_frozen():
    with pytest.raises(AttributeError):
        synapses.ampa().g_max_nS = 5.0


@pytest.mark.parametrize("tau_rise_ms", [1.9999999999999996, 2.0 - 3e-16, 2.0 * (1 - 1e-12), 2.0 * (1 - 1e-6), 1.99])
def test_near_alpha_dual_exponential_is_normalised_and_simulates_like_the_alpha_function(tau_rise_ms):
    """The review's cases: a one-ulp gap gave a 2 nS peak, 3e-16 ms gave NaN, 1e-12 an 0.011 mV error."""
    syn = ip.Synapse(1.0, tau_rise_ms, 2.0, 0.0)
    assert syn.kind == "dual exponential"
    assert syn.conductance([2.0], [0.0])[0] == pytest.approx(1.0, abs=1e-4)
    assert syn.conductance([syn.peak_time_ms], [0.0])[0] == pytest.approx(1.0, rel=1e-13)
    assert syn.peak_time_ms == pytest.approx(2.0, rel=2 * (2.0 - tau_rise_ms) / 2.0 + 1e-15)
    cell = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    near = ip.simulate(cell, [(ip.Synapse(3.0, tau_rise_ms, 2.0, 0.0), [1.0])], 50.0, dt_ms=0.025)
    alpha = ip.simulate(cell, [(ip.Synapse(3.0, 2.0, 2.0, 0.0), [1.0])], 50.0, dt_ms=0.025)
    gap = (2.0 - tau_rise_ms) / tau_rise_ms
    assert np.all(np.isfinite(near.v_mV))
    assert np.abs(near.v_mV - alpha.v_mV).max() <= 2.0 * gap * 8.0 + 1e-12  # 8 mV EPSP


def test_nmda_conductance_is_the_unblocked_waveform_and_says_so():
    syn = synapses.nmda()
    assert "Mg2+ block" in ip.Synapse.conductance.__doc__ and "not applied" in ip.Synapse.conductance.__doc__
    free = synapses.nmda(mg_out_mM=0.0)
    t = np.linspace(0.0, 300.0, 31)
    np.testing.assert_array_equal(syn.conductance(t, [0.0]), free.conductance(t, [0.0]))
