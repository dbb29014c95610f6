"""The one-compartment membrane against analytic solutions and its own convergence."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses

CELL = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)  # tau_m = 20 ms


def test_rest_without_input_and_trace_shape():
    trace = ip.simulate(CELL, [], duration_ms=100.0, dt_ms=0.1)
    assert trace.t_ms.shape == trace.v_mV.shape == (1001,)
    assert trace.t_ms[-1] == pytest.approx(100.0)
    np.testing.assert_allclose(trace.v_mV, -70.0, atol=1e-12)
    assert trace.g_nS.shape == (0, 1001) and trace.spikes_ms.size == 0


def test_relaxation_from_v0_is_exponential_with_tau_m():
    trace = ip.simulate(CELL, [], duration_ms=100.0, dt_ms=0.1, v0_mV=-50.0)
    np.testing.assert_allclose(trace.v_mV, -70.0 + 20.0 * np.exp(-trace.t_ms / CELL.tau_m_ms), atol=1e-10)


def test_steady_state_is_conductance_weighted_mean_of_reversals():
    pairs = [(3.0, 0.0), (7.0, -80.0), (2.0, -55.0)]
    g = [CELL.g_leak_nS] + [p[0] for p in pairs]
    e = [CELL.e_leak_mV] + [p[1] for p in pairs]
    assert ip.steady_state(CELL, pairs) == pytest.approx(np.dot(g, e) / np.sum(g), abs=1e-12)
    assert ip.steady_state(CELL, []) == -70.0


def test_constant_current_reaches_ohmic_steady_state():
    trace = ip.simulate(CELL, [], duration_ms=300.0, dt_ms=0.1, i_inject_pA=50.0)
    assert trace.v_mV[-1] == pytest.approx(-70.0 + 50.0 / CELL.g_leak_nS, abs=1e-4)  # 10 mV across 200 MOhm


def test_rc_response_to_an_exponential_current():
    tau_i, i0 = 5.0, 100.0
    dt = 0.025
    t = np.arange(round(100.0 / dt) + 1) * dt
    trace = ip.simulate(CELL, [], duration_ms=100.0, dt_ms=dt, i_inject_pA=i0 * np.exp(-t / tau_i))
    tau_m = CELL.tau_m_ms
    exact = -70.0 + i0 / CELL.c_m_pF * (np.exp(-t / tau_i) - np.exp(-t / tau_m)) / (1 / tau_m - 1 / tau_i)
    assert np.max(np.abs(trace.v_mV - exact)) < 1e-3


def test_epsp_converges_with_dt_and_reports_conductance_and_current():
    syn = synapses.ampa(g_max_nS=3.0)
    coarse = ip.simulate(CELL, [(syn, [10.0113])], duration_ms=60.0, dt_ms=0.025)
    fine = ip.simulate(CELL, [(syn, [10.0113])], duration_ms=60.0, dt_ms=0.0025)
    assert np.max(np.abs(coarse.v_mV - fine.v_mV[::10])) < 1e-3
    np.testing.assert_allclose(coarse.g_nS[0], syn.conductance(coarse.t_ms, [10.0113]), atol=1e-12)
    np.testing.assert_allclose(coarse.i_pA[0], coarse.g_nS[0] * (coarse.v_mV - 0.0), atol=1e-12)
    assert coarse.names == ("AMPA",)
    assert 0.5 < coarse.v_mV.max() + 70.0 < 10.0


def test_coombs_eccles_fatt_reversal_of_the_ipsp():
    ipsp = synapses.gaba_a(g_max_nS=5.0, e_rev_mV=-80.0)
    changes = []
    for hold_mV in (-60.0, -70.0, -80.0, -90.0):
        # Hold the cell with the current that keeps V at hold_mV, as with the double-barrelled electrode.
        i_hold = CELL.g_leak_nS * (hold_mV - CELL.e_leak_mV)
        tr = ip.simulate(CELL, [(ipsp, [5.0])], 60.0, dt_ms=0.05, i_inject_pA=i_hold, v0_mV=hold_mV)
        changes.append(tr.v_mV[np.argmax(np.abs(tr.v_mV - hold_mV))] - hold_mV)
    assert changes[0] < changes[1] < 0  # hyperpolarizing, more so further from E
    assert abs(changes[2]) < 1e-9  # null at the reversal potential
    assert changes[3] > 0  # depolarizing below it


def test_integrate_and_fire_time_to_first_spike_and_regular_firing():
    lif = ip.Cell(
        c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0, v_threshold_mV=-50.0, v_reset_mV=-65.0, refractory_ms=2.0
    )
    i_pA = 150.0  # steady state -40 mV, above threshold
    trace = ip.simulate(lif, [], duration_ms=200.0, dt_ms=0.01, i_inject_pA=i_pA)
    v_inf = -70.0 + i_pA / 5.0
    tau = lif.tau_m_ms
    first = tau * math.log((v_inf - (-70.0)) / (v_inf - (-50.0)))
    isi = 2.0 + tau * math.log((v_inf - (-65.0)) / (v_inf - (-50.0)))
    assert trace.spikes_ms[0] == pytest.approx(first, abs=1e-3)
    np.testing.assert_allclose(np.diff(trace.spikes_ms), isi, atol=0.011)
    assert trace.v_mV.max() < -50.0  # reset happens at the crossing
    after = (trace.t_ms > trace.spikes_ms[0]) & (trace.t_ms <= trace.spikes_ms[0] + 2.0)
    np.testing.assert_array_equal(trace.v_mV[after], -65.0)  # held through the refractory period


def test_subthreshold_input_does_not_fire():
    lif = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0, v_threshold_mV=-50.0)
    trace = ip.simulate(lif, [], duration_ms=200.0, i_inject_pA=99.0)  # steady state -50.2 mV
    assert trace.spikes_ms.size == 0


def test_nmda_stepwise_path_matches_linear_path_when_block_vanishes():
    # A negligible Mg2+ concentration takes the per-step (voltage-dependent) path but changes nothing.
    plain = synapses.nmda(g_max_nS=2.0, mg_out_mM=0.0)
    nearly = synapses.nmda(g_max_nS=2.0, mg_out_mM=1e-12)
    a = ip.simulate(CELL, [(plain, [5.0, 25.0])], 200.0, dt_ms=0.05)
    b = ip.simulate(CELL, [(nearly, [5.0, 25.0])], 200.0, dt_ms=0.05)
    np.testing.assert_allclose(a.v_mV, b.v_mV, atol=1e-9)


def test_mg_block_shrinks_nmda_epsp_at_rest_and_converges():
    free = ip.simulate(CELL, [(synapses.nmda(g_max_nS=2.0, mg_out_mM=0.0), [5.0])], 300.0, dt_ms=0.05)
    coarse = ip.simulate(CELL, [(synapses.nmda(g_max_nS=2.0), [5.0])], 300.0, dt_ms=0.05)
    fine = ip.simulate(CELL, [(synapses.nmda(g_max_nS=2.0), [5.0])], 300.0, dt_ms=0.005)
    assert coarse.v_mV.max() - (-70.0) < 0.2 * (free.v_mV.max() - (-70.0))
    assert np.max(np.abs(coarse.v_mV - fine.v_mV[::10])) < 1e-3
    unblocked = synapses.nmda(g_max_nS=2.0).conductance(coarse.t_ms, [5.0])
    np.testing.assert_allclose(coarse.g_nS[0], unblocked * ip.mg_block(coarse.v_mV, 1.0), rtol=1e-12, atol=1e-12)


def test_nmda_drives_a_spiking_cell_through_the_stepwise_path():
    lif = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0, v_threshold_mV=-50.0, refractory_ms=2.0)
    trace = ip.simulate(
        lif, [(synapses.nmda(g_max_nS=30.0), [5.0]), (synapses.ampa(g_max_nS=10.0), [5.0])], 200.0, dt_ms=0.05
    )
    assert trace.spikes_ms.size >= 1 and np.all(np.isfinite(trace.v_mV))
    assert trace.v_mV.max() < -50.0


def test_high_conductance_stays_accurate_over_long_runs():
    # Very leaky cell (tau 0.1 ms) for 2 s: the recurrence must not under/overflow.
    leaky = ip.Cell(c_m_pF=10.0, g_leak_nS=100.0, e_leak_mV=-70.0)
    trace = ip.simulate(leaky, [], 2000.0, dt_ms=0.025, i_inject_pA=500.0, v0_mV=-90.0)
    assert np.all(np.isfinite(trace.v_mV))
    assert trace.v_mV[-1] == pytest.approx(-65.0, abs=1e-9)
