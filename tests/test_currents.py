"""Current-based synapses: exact linearity, the analytic RC response, agreement with conductances for small inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip
from ipsplib import synapses
from ipsplib.currents import simulate_current_based, synaptic_current_pA

CELL = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0)  # tau_m = 20 ms, R_in = 100 MOhm


def test_current_is_conductance_times_frozen_driving_force():
    syn = synapses.ampa(g_max_nS=2.0)
    t = np.linspace(0.0, 20.0, 201)
    i = synaptic_current_pA(syn, t, [1.0], v_fixed_mV=-65.0)
    np.testing.assert_allclose(i, syn.conductance(t, [1.0]) * (-65.0 - 0.0), atol=1e-12)
    assert i.min() == pytest.approx(-130.0, rel=1e-3)  # 2 nS x 65 mV at the peak, inward


def test_nmda_current_uses_the_block_at_the_frozen_potential():
    syn = synapses.nmda(g_max_nS=1.0)
    t = np.array([syn.peak_time_ms])
    i = synaptic_current_pA(syn, t, [0.0], v_fixed_mV=-65.0)
    # Jahr & Stevens: B(-65 mV, 1 mM Mg) = 0.0597 (neuroscience.md section 2)
    assert i[0] == pytest.approx(1.0 * 0.0597 * -65.0, rel=1e-3)
    free = synaptic_current_pA(synapses.nmda(g_max_nS=1.0, mg_out_mM=0.0), t, [0.0], v_fixed_mV=-65.0)
    assert free[0] == pytest.approx(-65.0, rel=1e-9)


def test_rc_response_to_an_exponential_synaptic_current_is_analytic():
    tau_s, g0, onset = 5.0, 3.0, 2.0
    syn = ip.Synapse(g_max_nS=g0, tau_rise_ms=0.0, tau_decay_ms=tau_s, e_rev_mV=0.0)
    errors = []
    for dt in (0.1, 0.05, 0.025):
        trace = simulate_current_based(CELL, [(syn, [onset])], duration_ms=100.0, dt_ms=dt)
        tau_m = CELL.tau_m_ms
        i0 = g0 * (-70.0 - 0.0)  # pA, outward positive: inward here
        s = np.clip(trace.t_ms - onset, 0.0, None)
        exact = -70.0 - i0 / CELL.c_m_pF * (np.exp(-s / tau_m) - np.exp(-s / tau_s)) / (1 / tau_s - 1 / tau_m)
        errors.append(np.max(np.abs(trace.v_mV - exact)))
    assert errors[0] < 1e-4  # mV, on a 3.3 mV PSP
    assert errors[2] < errors[1] < errors[0]


def test_off_grid_onsets_converge_with_dt():
    syn = synapses.ampa(g_max_nS=4.0)
    coarse = simulate_current_based(CELL, [(syn, [3.0137])], duration_ms=40.0, dt_ms=0.1)
    fine = simulate_current_based(CELL, [(syn, [3.0137])], duration_ms=40.0, dt_ms=0.001)
    assert np.max(np.abs(coarse.v_mV - fine.v_mV[::100])) < 1e-3 * np.max(fine.v_mV + 70.0)


@settings(max_examples=30, deadline=None)
@given(
    g_a=st.floats(0.0, 50.0),
    g_b=st.floats(0.0, 50.0),
    t_a=st.floats(0.0, 30.0),
    t_b=st.floats(0.0, 30.0),
    e_b=st.floats(-100.0, 50.0),
)
def test_current_based_psps_superpose_exactly(g_a, g_b, t_a, t_b, e_b):
    a = synapses.ampa(g_max_nS=g_a)
    b = synapses.gaba_a(g_max_nS=g_b, e_rev_mV=e_b)
    both = simulate_current_based(CELL, [(a, [t_a]), (b, [t_b])], duration_ms=60.0, dt_ms=0.1)
    only_a = simulate_current_based(CELL, [(a, [t_a])], duration_ms=60.0, dt_ms=0.1)
    only_b = simulate_current_based(CELL, [(b, [t_b])], duration_ms=60.0, dt_ms=0.1)
    rest = CELL.e_leak_mV
    np.testing.assert_allclose(both.v_mV - rest, (only_a.v_mV - rest) + (only_b.v_mV - rest), atol=1e-9)


def test_conductance_psps_sum_sublinearly_current_psps_linearly():
    syn = synapses.ampa(g_max_nS=10.0)
    peak = {}
    for n in (1, 2):
        onsets = [5.0] * n
        peak["g", n] = ip.simulate(CELL, [(syn, onsets)], 50.0, dt_ms=0.05).v_mV.max() + 70.0
        peak["i", n] = simulate_current_based(CELL, [(syn, onsets)], 50.0, dt_ms=0.05).v_mV.max() + 70.0
    assert peak["i", 2] == pytest.approx(2 * peak["i", 1], rel=1e-12)
    assert peak["g", 2] < 1.9 * peak["g", 1]  # the driving force shrinks as V rises toward 0 mV
    assert peak["g", 1] < peak["i", 1]  # even one large EPSP reduces its own driving force


def test_small_inputs_agree_with_the_conductance_model():
    syn = synapses.ampa(g_max_nS=0.01)
    g_trace = ip.simulate(CELL, [(syn, [5.0])], 50.0, dt_ms=0.05)
    i_trace = simulate_current_based(CELL, [(syn, [5.0])], 50.0, dt_ms=0.05)
    dv_g, dv_i = g_trace.v_mV - (-70.0), i_trace.v_mV - (-70.0)
    assert np.max(np.abs(dv_g - dv_i)) < 1e-3 * np.max(dv_i)
    np.testing.assert_allclose(i_trace.i_pA[0], i_trace.g_nS[0] * (-70.0), atol=1e-12)


def test_driving_force_frozen_elsewhere_and_v0():
    syn = synapses.ampa(g_max_nS=1.0)
    at_rest = simulate_current_based(CELL, [(syn, [1.0])], 30.0, dt_ms=0.1)
    at_minus_35 = simulate_current_based(CELL, [(syn, [1.0])], 30.0, dt_ms=0.1, v_fixed_mV=-35.0)
    np.testing.assert_allclose(at_minus_35.v_mV + 70.0, 0.5 * (at_rest.v_mV + 70.0), atol=1e-12)
    relax = simulate_current_based(CELL, [], 50.0, dt_ms=0.1, v0_mV=-50.0)
    np.testing.assert_allclose(relax.v_mV, -70.0 + 20.0 * np.exp(-relax.t_ms / CELL.tau_m_ms), atol=1e-10)
    assert relax.g_nS.shape == (0, relax.t_ms.size) and relax.names == ()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(cell="cell"), "cell must be an ipsplib Cell"),
        (dict(cell=ip.Cell(200.0, 10.0, -70.0, v_threshold_mV=-50.0)), "cell must be passive"),
        (dict(v_fixed_mV=float("nan")), "v_fixed_mV must be finite"),
        (dict(duration_ms=-1.0), "duration_ms must be > 0"),
        (dict(dt_ms=100.0), "dt_ms must be <="),
        (dict(inputs=[(1.0, [0.0])]), r"inputs\[0\] must be a \(Synapse, onsets_ms\) pair"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    args = dict(cell=CELL, inputs=[(synapses.ampa(), [1.0])], duration_ms=20.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate_current_based(**args)


def test_bad_synaptic_current_input():
    with pytest.raises(ValueError, match="synapse must be an ipsplib Synapse"):
        synaptic_current_pA("ampa", [0.0], [0.0], -70.0)
    with pytest.raises(ValueError, match="onsets_ms must be >= 0"):
        synaptic_current_pA(synapses.ampa(), [0.0], [-1.0], -70.0)
    with pytest.raises(ValueError, match="v_fixed_mV must be finite"):
        synaptic_current_pA(synapses.ampa(), [0.0], [0.0], float("inf"))


def test_current_trace_has_the_trace_interface_and_is_exported():
    assert ip.CurrentTrace is ip.currents.CurrentTrace
    syn = synapses.ampa(g_max_nS=2.0)
    current = simulate_current_based(CELL, [(syn, [1.0])], 30.0, dt_ms=0.1)
    conductance = ip.simulate(CELL, [(syn, [1.0])], 30.0, dt_ms=0.1)
    for name in (
        "t_ms",
        "v_mV",
        "spikes_ms",
        "inputs",
        "names",
        "g_nS",
        "i_pA",
        "dt_ms",
        "i_leak_pA",
        "i_inject_pA",
        "conductances",
        "cell",
    ):
        a, b = getattr(current, name), getattr(conductance, name)
        assert type(a) is type(b), name
        if isinstance(a, np.ndarray):
            assert a.shape == b.shape, name
    assert current.cell is CELL and current.spikes_ms.size == 0 and current.dt_ms == pytest.approx(0.1)
    np.testing.assert_allclose(current.i_leak_pA, CELL.g_leak_nS * (current.v_mV + 70.0))
    # The membrane equation balances with the recorded currents: C dV/dt = -(I_leak + I_syn).
    outward = current.i_leak_pA + current.i_pA.sum(axis=0)
    residual = CELL.c_m_pF * np.diff(current.v_mV) / 0.1 + 0.5 * (outward[:-1] + outward[1:])
    assert np.abs(residual[20:]).max() < 1e-2 * np.abs(current.i_pA).max()
