"""Physical properties that must hold for any parameters (property-based, hypothesis)."""

import numpy as np
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
