"""Physical properties that must hold for any parameters (property-based, hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip

conductance = st.floats(0.0, 50.0)
reversal = st.floats(-100.0, 40.0)
tau = st.floats(0.05, 50.0)


@st.composite
def synapse(draw):
    tau_decay = draw(tau)
    tau_rise = draw(st.one_of(st.just(0.0), st.just(tau_decay), st.floats(0.01, 1.0).map(lambda f: f * tau_decay)))
    return ip.Synapse(draw(conductance), tau_rise, tau_decay, draw(reversal))


@st.composite
def cell(draw):
    return ip.Cell(
        c_m_pF=draw(st.floats(5.0, 500.0)),
        g_leak_nS=draw(st.floats(0.5, 100.0)),
        e_leak_mV=draw(st.floats(-90.0, -50.0)),
    )


onsets = st.lists(st.floats(0.0, 60.0), max_size=6)


@settings(max_examples=60, deadline=None)
@given(cell(), st.lists(st.tuples(synapse(), onsets), max_size=4), st.sampled_from([0.01, 0.025, 0.1]))
def test_voltage_stays_between_lowest_and_highest_reversal(cell, inputs, dt_ms):
    trace = ip.simulate(cell, inputs, duration_ms=80.0, dt_ms=dt_ms)
    reversals = [cell.e_leak_mV] + [syn.e_rev_mV for syn, _ in inputs]
    tolerance = 1e-9
    assert np.all(np.isfinite(trace.v_mV))
    assert trace.v_mV.min() >= min(reversals) - tolerance
    assert trace.v_mV.max() <= max(reversals) + tolerance


@settings(max_examples=40, deadline=None)
@given(cell(), synapse(), st.floats(0.0, 20.0))
def test_conductance_summation_is_sublinear(cell, syn, onset):
    """Two coincident events depolarize (or hyperpolarize) less than twice one event."""
    one = ip.simulate(cell, [(syn, [onset])], duration_ms=60.0, dt_ms=0.05)
    two = ip.simulate(cell, [(syn, [onset, onset])], duration_ms=60.0, dt_ms=0.05)
    dv_one = one.v_mV - cell.e_leak_mV
    dv_two = two.v_mV - cell.e_leak_mV
    # Same sign, never more than the linear sum (equality only when nothing happens).
    assert np.all(np.abs(dv_two) <= 2 * np.abs(dv_one) + 1e-9)
    assert np.all(dv_two * dv_one >= -1e-12)


@settings(max_examples=40, deadline=None)
@given(cell(), synapse(), onsets, st.floats(1.0, 10.0))
def test_conductance_at_leak_reversal_does_nothing_at_rest(cell, syn, times, factor):
    """A synapse whose reversal is the resting potential (pure shunt) leaves a resting cell at rest, whatever g_max."""
    shunt = ip.Synapse(syn.g_max_nS, syn.tau_rise_ms, syn.tau_decay_ms, cell.e_leak_mV)
    stronger = ip.Synapse(syn.g_max_nS * factor, syn.tau_rise_ms, syn.tau_decay_ms, cell.e_leak_mV)
    for s in (shunt, stronger):
        trace = ip.simulate(cell, [(s, times)], duration_ms=60.0, dt_ms=0.05)
        np.testing.assert_allclose(trace.v_mV, cell.e_leak_mV, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 500.0), st.floats(0.1, 500.0), st.sampled_from([-2, -1, 1, 2]), st.floats(-20.0, 45.0))
def test_nernst_antisymmetry(c_out, c_in, z, temperature_c):
    """Swapping the concentrations or the sign of the charge flips the sign of E."""
    e = ip.nernst(c_out, c_in, z, temperature_c)
    assert np.isclose(ip.nernst(c_in, c_out, z, temperature_c), -e, atol=1e-9)
    assert np.isclose(ip.nernst(c_out, c_in, -z, temperature_c), -e, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 80.0), st.floats(90.0, 150.0), st.floats(0.0, 1.0))
def test_gaba_reversal_lies_between_e_cl_and_e_hco3(cl_in, cl_out, ratio):
    e_cl = ip.nernst(cl_out, cl_in, -1)
    e_hco3 = ip.nernst(26.0, 16.0, -1)
    e_gaba = ip.gaba_reversal(cl_in, cl_out, p_hco3_over_p_cl=ratio)
    assert min(e_cl, e_hco3) - 1e-9 <= e_gaba <= max(e_cl, e_hco3) + 1e-9


# ---- Adversarial sweeps: a ValueError or a right answer, never NaN, an overflow warning or another exception.

near_alpha_gap = st.one_of(st.just(0.0), st.integers(1, 16).map(lambda k: 10.0**-k), st.floats(1e-16, 0.05))


@st.composite
def near_alpha_synapse(draw):
    """tau_rise drawn on purpose just below tau_decay: relative gaps 0, 1e-16 ... 5e-2 (and one ulp)."""
    tau_decay = draw(tau)
    gap = draw(st.one_of(near_alpha_gap, st.just("ulp")))
    tau_rise = float(np.nextafter(tau_decay, 0.0)) if gap == "ulp" else tau_decay * (1.0 - gap)
    return ip.Synapse(draw(st.floats(0.1, 50.0)), tau_rise, tau_decay, draw(reversal))


@settings(max_examples=80, deadline=None)
@given(near_alpha_synapse())
def test_near_alpha_synapse_peaks_at_g_max_and_tends_continuously_to_the_alpha_function(syn):
    tau_r, tau_d = syn.tau_rise_ms, syn.tau_decay_ms
    # Peak time and normalisation: g(t_peak) = g_max, and t_peak lies in (tau_r, tau_d] (the log-mean).
    assert tau_r <= syn.peak_time_ms <= tau_d * (1 + 1e-15)
    assert syn.conductance([syn.peak_time_ms], [0.0])[0] == pytest.approx(syn.g_max_nS, rel=1e-12)
    t = np.linspace(0.0, 10.0 * tau_d, 401)
    g = syn.conductance(t, [0.0])
    assert np.all(np.isfinite(g)) and g.max() <= syn.g_max_nS * (1 + 1e-12)
    # Continuity: within the relative gap (times a shape factor) of the alpha function with tau_d.
    alpha = ip.Synapse(syn.g_max_nS, tau_d, tau_d, 0.0).conductance(t, [0.0])
    gap = (tau_d - tau_r) / tau_r
    assert np.abs(g - alpha).max() <= syn.g_max_nS * (3.0 * gap + 1e-13)
    # The grid representation of simulate agrees with the closed form, values and step integrals.
    dt = tau_d / 40.0
    grid_g, integral = syn.grid_conductance(400, dt, [0.0, 1.3 * dt])
    t_grid = np.arange(401) * dt
    np.testing.assert_allclose(grid_g, syn.conductance(t_grid, [0.0, 1.3 * dt]), rtol=0, atol=1e-11 * syn.g_max_nS)
    trapezoid = 0.5 * (grid_g[:-1] + grid_g[1:]) * dt
    np.testing.assert_allclose(integral[2:], trapezoid[2:], rtol=0, atol=1e-3 * syn.g_max_nS * dt)


@settings(max_examples=40, deadline=None)
@given(near_alpha_synapse(), st.sampled_from([0.01, 0.025, 0.1]))
def test_near_alpha_epsp_is_continuous_in_tau_rise(syn, dt_ms):
    cell = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    near = ip.simulate(cell, [(syn, [1.0])], duration_ms=30.0, dt_ms=dt_ms)
    alpha = ip.Synapse(syn.g_max_nS, syn.tau_decay_ms, syn.tau_decay_ms, syn.e_rev_mV)
    exact_alpha = ip.simulate(cell, [(alpha, [1.0])], duration_ms=30.0, dt_ms=dt_ms)
    gap = (syn.tau_decay_ms - syn.tau_rise_ms) / syn.tau_rise_ms
    assert np.all(np.isfinite(near.v_mV))
    swing = np.abs(exact_alpha.v_mV - cell.e_leak_mV).max()
    assert np.abs(near.v_mV - exact_alpha.v_mV).max() <= 3.0 * gap * swing + 1e-10


@settings(max_examples=60, deadline=None)
@given(
    st.floats(1e-3, 1e3),  # c_m_pF
    st.floats(1e-3, 1e9),  # g_leak_nS
    st.floats(0.0, 1e9),  # g_max_nS
    st.sampled_from([0.001, 0.025, 0.1, 1.0]),
    st.booleans(),
)
def test_extreme_conductance_per_capacitance_gives_finite_bounded_voltages(c_m, g_leak, g_max, dt_ms, spiking):
    """g dt / C from 1e-9 to 1e15: no NaN, no overflow warning, V between the reversal potentials."""
    import warnings

    threshold = {"v_threshold_mV": -50.0, "refractory_ms": 1.0} if spiking else {}
    cell = ip.Cell(c_m_pF=c_m, g_leak_nS=g_leak, e_leak_mV=-70.0, **threshold)
    inputs = [(ip.synapses.ampa(g_max_nS=g_max), [0.5]), (ip.synapses.nmda(g_max_nS=g_max), [0.5])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = ip.simulate(cell, inputs, duration_ms=20.0 * dt_ms, dt_ms=dt_ms, i_inject_pA=100.0, v0_mV=-60.0)
    assert np.all(np.isfinite(trace.v_mV))
    v_inf_max = max(0.0, -70.0 + 100.0 / g_leak, -60.0)
    assert trace.v_mV.min() >= -70.0 - 1e-9 and trace.v_mV.max() <= v_inf_max + 1e-6


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-3, 500.0), st.floats(1e-4, 10.0))
def test_duration_off_the_grid_is_a_clear_error_and_on_the_grid_ends_exactly(duration_ms, dt_ms):
    cell = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    if dt_ms > duration_ms or duration_ms / dt_ms > 2e6:
        return
    steps = duration_ms / dt_ms
    try:
        trace = ip.simulate(cell, [(ip.synapses.ampa(), [0.0])], duration_ms, dt_ms=dt_ms)
    except ValueError as error:
        assert "whole number of steps" in str(error)
        assert abs(steps - round(steps)) > 1e-9 * round(steps)
        return
    assert trace.t_ms[-1] == pytest.approx(duration_ms, rel=1e-9)
    assert np.all(np.isfinite(trace.v_mV))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20_000), st.sampled_from([0.3, 0.1, 0.025, 0.01, 1 / 3, 0.0125, 0.07]))
def test_duration_a_whole_number_of_steps_ends_exactly_there(n_steps, dt_ms):
    cell = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    duration_ms = n_steps * dt_ms  # rounding in the product must not matter
    trace = ip.simulate(cell, [], duration_ms, dt_ms=dt_ms, i_inject_pA=10.0)
    assert trace.t_ms.size == n_steps + 1
    assert trace.t_ms[-1] == pytest.approx(duration_ms, rel=1e-12)
