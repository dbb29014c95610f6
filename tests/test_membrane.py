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


def test_steady_state_is_where_a_long_simulation_with_those_tonic_conductances_settles():
    # Independent of the formula: the membrane equation itself, integrated for 20 tau_m.
    pairs = [(3.0, 0.0), (7.0, -80.0), (2.0, -55.0)]
    trace = ip.simulate(CELL, [], duration_ms=400.0, dt_ms=0.1, conductances=pairs, v0_mV=-20.0)
    assert trace.v_mV[-1] == pytest.approx(ip.steady_state(CELL, pairs), abs=1e-6)
    assert ip.steady_state(CELL, []) == -70.0
    # Shunting at rest: V stays put; and at steady state the currents cancel.
    assert trace.i_leak_pA[-1] + trace.i_tonic_pA[:, -1].sum() == pytest.approx(0.0, abs=1e-4)


def test_input_resistance_obeys_ohms_law_in_a_long_simulation():
    """A constant current I settles V at E_L + I R_in (1 pA x 1 MOhm = 1 uV)."""
    for cell, i_pA in ((CELL, 50.0), (ip.Cell(c_m_pF=30.0, g_leak_nS=2.0, e_leak_mV=-65.0), -12.0)):
        trace = ip.simulate(cell, [], duration_ms=40 * cell.tau_m_ms, dt_ms=0.1, i_inject_pA=i_pA)
        assert trace.v_mV[-1] == pytest.approx(cell.e_leak_mV + i_pA * cell.r_in_MOhm / 1000.0, abs=1e-6)
    assert CELL.r_in_MOhm == pytest.approx(200.0)  # 5 nS


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


@pytest.mark.parametrize("refractory_ms", [2.0, 2.013, 0.0])
@pytest.mark.parametrize("dt_ms", [0.1, 0.025, 0.3])
def test_integrate_and_fire_spike_times_are_exact_at_any_step(refractory_ms, dt_ms):
    """With a constant current the LIF intervals have a closed form; spikes, reset and release are exact.

    The tolerance is a millionth of a step: a reset on the grid or a refractory release rounded to
    it (errors of up to one step) fail, at every dt.
    """
    lif = ip.Cell(
        c_m_pF=100.0,
        g_leak_nS=5.0,
        e_leak_mV=-70.0,
        v_threshold_mV=-50.0,
        v_reset_mV=-65.0,
        refractory_ms=refractory_ms,
    )
    i_pA = 150.0  # steady state -40 mV, above threshold
    trace = ip.simulate(lif, [], duration_ms=300.0, dt_ms=dt_ms, i_inject_pA=i_pA)
    v_inf = -70.0 + i_pA / 5.0
    tau = lif.tau_m_ms
    first = tau * math.log((v_inf - (-70.0)) / (v_inf - (-50.0)))
    isi = refractory_ms + tau * math.log((v_inf - (-65.0)) / (v_inf - (-50.0)))
    expected = first + isi * np.arange(trace.spikes_ms.size)
    assert trace.spikes_ms.size == math.floor((300.0 - first) / isi) + 1
    np.testing.assert_allclose(trace.spikes_ms, expected, rtol=0, atol=1e-6 * dt_ms)
    assert trace.v_mV.max() < -50.0  # reset happens at the crossing
    held = np.zeros(trace.t_ms.size, bool)
    for t_spike in trace.spikes_ms:
        held |= (trace.t_ms >= t_spike) & (trace.t_ms <= t_spike + refractory_ms)
    np.testing.assert_array_equal(trace.v_mV[held], -65.0)  # held through the refractory period
    # Between spikes V is the exact exponential from reset at the release time.
    k = np.flatnonzero(~held & (trace.t_ms > trace.spikes_ms[0]))[:5]
    release = trace.spikes_ms[0] + refractory_ms
    exact = v_inf + (-65.0 - v_inf) * np.exp(-(trace.t_ms[k] - release) / tau)
    np.testing.assert_allclose(trace.v_mV[k], exact, atol=1e-9)


@pytest.mark.parametrize("g_leak_nS", [5.0, 1e4])
def test_a_cell_started_at_or_above_threshold_fires_at_time_zero(g_leak_nS):
    """The rule is the same for a slow and a very fast membrane (tau 20 ms and 0.01 ms)."""
    lif = ip.Cell(c_m_pF=100.0, g_leak_nS=g_leak_nS, e_leak_mV=-70.0, v_threshold_mV=-50.0, refractory_ms=1.0)
    for v0 in (-40.0, -50.0):
        trace = ip.simulate(lif, [], duration_ms=10.0, dt_ms=0.1, v0_mV=v0)
        np.testing.assert_array_equal(trace.spikes_ms, [0.0])
        assert trace.v_mV[0] == v0  # the initial condition, as given
        np.testing.assert_array_equal(trace.v_mV[1:11], -70.0)  # reset and held for 1 ms
    assert ip.simulate(lif, [], duration_ms=10.0, dt_ms=0.1, v0_mV=-50.001).spikes_ms.size == 0


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


def membrane_equation_residual(trace):
    """C dV/dt + I_leak + sum I_syn + sum I_tonic - I_inject, by the trapezoid rule over each step, pA.

    Built only from the recorded currents: if any of them (the Mg2+-blocked g_nS, say) were not
    what drove V, the charge would not balance. Second order in dt.
    """
    outward = trace.i_leak_pA + trace.i_pA.sum(axis=0) + trace.i_tonic_pA.sum(axis=0) - trace.i_inject_pA
    dv_dt = np.diff(trace.v_mV) / trace.dt_ms
    return trace.cell.c_m_pF * dv_dt + 0.5 * (outward[:-1] + outward[1:])


def test_mg_block_shrinks_nmda_epsp_at_rest_and_the_recorded_currents_balance_the_charge():
    free = ip.simulate(CELL, [(synapses.nmda(g_max_nS=2.0, mg_out_mM=0.0), [5.0])], 300.0, dt_ms=0.05)
    coarse = ip.simulate(CELL, [(synapses.nmda(g_max_nS=2.0), [5.0])], 300.0, dt_ms=0.05)
    assert coarse.v_mV.max() - (-70.0) < 0.2 * (free.v_mV.max() - (-70.0))
    inputs = [(synapses.nmda(g_max_nS=20.0), [5.0, 17.3]), (synapses.ampa(g_max_nS=4.0), [5.0])]
    trace = ip.simulate(CELL, inputs, 80.0, dt_ms=0.01, i_inject_pA=20.0, conductances=[(2.0, -75.0)])
    peak_current = np.abs(trace.i_pA).max()
    residual = membrane_equation_residual(trace)[600:]  # after the onsets (a kink inside a step)
    assert np.abs(residual).max() < 1e-3 * peak_current
    # The recorded NMDA conductance is the blocked one: with the unblocked g the charge would not balance.
    unblocked = synapses.nmda(g_max_nS=20.0).conductance(trace.t_ms, [5.0, 17.3])
    assert np.abs(trace.g_nS[0] - unblocked).max() > 0.1 * unblocked.max()


def test_nmda_integrator_is_second_order_without_neuron():
    """Halving dt divides the change by 4 (the Mg2+ block at the midpoint of the step).

    Taking the block at the start of the step, or at the end-of-step guess, is first order: the
    ratio is then 2 (checked by hand when this test was written). The change over 80 ms is the
    whole-trace maximum, so no cancellation hides an error.
    """
    inputs = [(synapses.nmda(g_max_nS=20.0), [5.0, 17.3]), (synapses.ampa(g_max_nS=4.0), [5.0])]
    v = {dt: ip.simulate(CELL, inputs, 80.0, dt_ms=dt).v_mV for dt in (0.1, 0.05, 0.025)}
    coarse = np.abs(v[0.1] - v[0.05][::2]).max()
    fine = np.abs(v[0.05][::2] - v[0.025][::4]).max()
    assert np.ptp(v[0.025]) > 20.0  # the block really moves: V spans tens of mV
    assert 3.7 < coarse / fine < 4.3, (coarse, fine)
    assert fine < 1e-3


def test_nmda_drives_a_spiking_cell_and_its_spike_times_converge_as_dt_squared():
    lif = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0, v_threshold_mV=-50.0, refractory_ms=2.0)
    ampa = (synapses.ampa(g_max_nS=10.0), [5.0])
    assert ip.simulate(lif, [ampa], 200.0, dt_ms=0.05).spikes_ms.size == 0  # AMPA alone stays below threshold
    spikes = {
        dt: ip.simulate(lif, [(synapses.nmda(g_max_nS=30.0), [5.0]), ampa], 200.0, dt_ms=dt).spikes_ms
        for dt in (0.1, 0.05, 0.025)
    }
    assert all(s.size == 2 for s in spikes.values())  # the slow NMDA current fires the cell twice
    coarse = np.abs(spikes[0.1] - spikes[0.05]).max()
    fine = np.abs(spikes[0.05] - spikes[0.025]).max()
    assert 3.0 < coarse / fine < 5.0 and fine < 1e-3, (coarse, fine)


def test_high_conductance_stays_accurate_over_long_runs():
    # Very leaky cell (tau 0.1 ms) for 2 s: the recurrence must not under/overflow.
    leaky = ip.Cell(c_m_pF=10.0, g_leak_nS=100.0, e_leak_mV=-70.0)
    trace = ip.simulate(leaky, [], 2000.0, dt_ms=0.025, i_inject_pA=500.0, v0_mV=-90.0)
    assert np.all(np.isfinite(trace.v_mV))
    assert trace.v_mV[-1] == pytest.approx(-65.0, abs=1e-9)


def test_tonic_and_prescribed_conductances_and_the_recorded_currents():
    # A constant array is the same tonic conductance as the number.
    n = 1001
    tonic = ip.simulate(CELL, [], 100.0, dt_ms=0.1, v0_mV=-50.0, conductances=[(4.0, -80.0)])
    as_array = ip.simulate(CELL, [], 100.0, dt_ms=0.1, v0_mV=-50.0, conductances=[(np.full(n, 4.0), -80.0)])
    np.testing.assert_array_equal(tonic.v_mV, as_array.v_mV)
    # Relaxation with the tonic conductance is exponential with tau = C / (g_L + g) toward the weighted mean.
    v_inf = ip.steady_state(CELL, [(4.0, -80.0)])
    exact = v_inf + (-50.0 - v_inf) * np.exp(-tonic.t_ms * (CELL.g_leak_nS + 4.0) / CELL.c_m_pF)
    np.testing.assert_allclose(tonic.v_mV, exact, atol=1e-10)
    np.testing.assert_allclose(tonic.g_tonic_nS, 4.0)
    np.testing.assert_allclose(tonic.i_tonic_pA[0], 4.0 * (tonic.v_mV + 80.0))
    np.testing.assert_allclose(tonic.i_leak_pA, CELL.g_leak_nS * (tonic.v_mV + 70.0))
    np.testing.assert_array_equal(tonic.i_inject_pA, 0.0)
    # A prescribed g(t), linear between grid points, converges as dt^2 to the same ramp on a fine grid.
    errors = []
    fine_dt = 0.0025
    t_fine = np.arange(round(60.0 / fine_dt) + 1) * fine_dt
    ramp = lambda t: 10.0 * np.clip(1.0 - np.abs(t - 20.0) / 10.0, 0.0, None) ** 2  # noqa: E731
    fine = ip.simulate(CELL, [], 60.0, dt_ms=fine_dt, conductances=[(ramp(t_fine), 0.0)])
    for dt in (0.2, 0.1):
        t = np.arange(round(60.0 / dt) + 1) * dt
        trace = ip.simulate(CELL, [], 60.0, dt_ms=dt, conductances=[(ramp(t), 0.0)], i_inject_pA=0.0)
        errors.append(np.abs(trace.v_mV - fine.v_mV[:: round(dt / fine_dt)]).max())
    assert 3.0 < errors[0] / errors[1] < 5.0 and errors[1] < 2e-3, errors
    assert fine.v_mV.max() > -60.0  # the ramp really depolarizes


def test_injected_current_is_recorded_on_the_grid():
    i = np.linspace(0.0, 40.0, 101)
    trace = ip.simulate(CELL, [], 10.0, dt_ms=0.1, i_inject_pA=i)
    np.testing.assert_array_equal(trace.i_inject_pA, i)
    assert np.abs(membrane_equation_residual(trace)).max() < 1e-3


def test_duration_must_be_a_whole_number_of_steps():
    with pytest.raises(ValueError, match="duration_ms must be a whole number of steps"):
        ip.simulate(CELL, [], duration_ms=1.0, dt_ms=0.3)
    trace = ip.simulate(CELL, [], duration_ms=0.9, dt_ms=0.3)
    assert trace.t_ms[-1] == pytest.approx(0.9) and trace.t_ms.size == 4
    # Rounding in duration / dt (0.3 / 0.1 = 2.9999999999999996) is not an error.
    assert ip.simulate(CELL, [], duration_ms=0.3, dt_ms=0.1).t_ms.size == 4


def test_huge_conductance_steps_are_exact_without_overflow_or_warnings():
    """g dt / C of 1e3 to 1e9: the step update V = a V0 + b, no e^{g dt / C} anywhere."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = ip.Cell(c_m_pF=1.0, g_leak_nS=1e4, e_leak_mV=-70.0)
        trace = ip.simulate(fast, [], 10.0, dt_ms=0.1, v0_mV=-20.0, i_inject_pA=1e4)
        np.testing.assert_allclose(trace.v_mV[1:], -70.0 + 1e4 / 1e4, atol=1e-12)
        huge = ip.simulate(CELL, [(synapses.ampa(g_max_nS=1e7), [1.0])], 60.0, dt_ms=0.1)
        assert np.all(np.isfinite(huge.v_mV))
        assert huge.v_mV.max() == pytest.approx(0.0, abs=0.01)  # clamped at E_AMPA by 1e7 nS
