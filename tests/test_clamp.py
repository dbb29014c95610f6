"""Tests of ipsplib.clamp: ideal and series-resistance voltage clamp, I-V curves, space-clamp error."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip
from ipsplib import clamp
from ipsplib.synapses import ampa, gaba_a, nmda

V_HOLD = np.arange(-110.0, 41.0, 10.0)


def test_ideal_clamp_point_cell_is_g_times_driving_force():
    syn = ampa(g_max_nS=3.0)
    i = ip.voltage_clamp(syn, -60.0, [2.0, 7.3], 30.0)
    t = np.arange(i.size) * 0.025
    assert np.allclose(i, syn.conductance(t, [2.0, 7.3]) * (-60.0 - 0.0), atol=1e-9)
    assert np.all(i[t < 2.0] == 0.0)  # baseline-subtracted: nothing before the first event
    assert i.min() < -150.0  # an EPSC is inward (negative)


def test_ideal_clamp_soma_synapse_on_ball_and_stick_sees_only_the_soma():
    cell = ip.ball_and_stick()
    syn = gaba_a(g_max_nS=4.0)
    i = ip.voltage_clamp(syn, -50.0, [1.0], 20.0, cell=cell, distance_um=0.0)
    t = np.arange(i.size) * 0.025
    assert np.allclose(i, syn.conductance(t, [1.0]) * (-50.0 + 80.0), atol=1e-9)


@pytest.mark.parametrize("cell", [None, ip.ball_and_stick()], ids=["point", "ball-and-stick"])
def test_gaba_iv_is_a_line_of_slope_gmax_through_erev(cell):
    syn = gaba_a(g_max_nS=2.5, e_rev_mV=-75.0)
    i = ip.iv_curve(syn, V_HOLD, cell=cell)
    assert np.allclose(i, 2.5 * (V_HOLD + 75.0), rtol=1e-9, atol=1e-9)
    assert ip.reversal_from_iv(V_HOLD, i) == pytest.approx(-75.0, abs=1e-9)


@pytest.mark.parametrize("x_um", [200.0, 400.0, 800.0])
def test_space_clamp_apparent_reversal_from_cable_theory(x_um):
    """Soma clamped at V: the sealed cable's steady state puts the synapse at E_L + (V - E_L) cosh(L - X) / cosh L.

    Its current reverses when that equals E_rev, at V = E_L + (E_rev - E_L) cosh L / cosh(L - X).
    """
    cell = ip.ball_and_stick()
    lam, length = cell.lambda_um, cell.electrotonic_length
    e_l, e_rev = cell.e_leak_mV, -80.0
    predicted = e_l + (e_rev - e_l) * math.cosh(length) / math.cosh(length - x_um / lam)
    i = ip.iv_curve(gaba_a(e_rev_mV=e_rev), V_HOLD, cell=cell, distance_um=x_um)
    apparent = ip.reversal_from_iv(V_HOLD, i)
    assert apparent == pytest.approx(predicted, abs=0.01)
    assert apparent < e_rev - 1.0  # the error is real: a distal IPSC reverses well below E_GABA
    # and the distal current is smaller than the somatic one (g_max (V - E))
    assert abs(i[0]) < abs(2.0 * 0.5 * (V_HOLD[0] - e_rev))


def test_series_resistance_shifts_reversal_of_point_cell():
    # Holding current through R_s: the soma sits at (g_L E_L + V/R_s) / (g_L + 1/R_s), not at V.
    rs, g_l, e_l, e_rev = 20.0, 5.0, -70.0, -80.0
    g_p = 1000.0 / rs
    predicted = e_rev + (e_rev - e_l) * g_l / g_p
    i = ip.iv_curve(gaba_a(e_rev_mV=e_rev), V_HOLD, series_resistance_MOhm=rs)
    assert ip.reversal_from_iv(V_HOLD, i) == pytest.approx(predicted, abs=1e-6)


def test_series_resistance_attenuates_and_slows_the_epsc():
    peaks, times = [], []
    for rs in (0.0, 5.0, 20.0):
        i = ip.voltage_clamp(ampa(g_max_nS=10.0), -70.0, [1.0], 20.0, series_resistance_MOhm=rs)
        peaks.append(i.min())
        times.append(np.argmin(i))
    assert peaks[0] == pytest.approx(-700.0, rel=1e-3)
    assert peaks[0] < peaks[1] < peaks[2] < 0
    assert times[0] <= times[1] < times[2]


def test_rs_tiny_approaches_ideal():
    cell = ip.ball_and_stick()
    ideal = ip.voltage_clamp(ampa(g_max_nS=2.0), -70.0, [1.0], 15.0, cell=cell, distance_um=300.0)
    near = ip.voltage_clamp(
        ampa(g_max_nS=2.0), -70.0, [1.0], 15.0, cell=cell, distance_um=300.0, series_resistance_MOhm=1e-3
    )
    assert np.max(np.abs(near - ideal)) < 1e-2 * np.max(np.abs(ideal))


def test_nmda_iv_point_cell_matches_block_formula_and_has_negative_slope():
    syn = nmda(g_max_nS=2.0)
    v = np.arange(-100.0, 41.0, 5.0)
    i = ip.iv_curve(syn, v)
    assert np.allclose(i, 2.0 * ip.mg_block(v, 1.0) * v, rtol=1e-6, atol=1e-9)
    slope = np.diff(i) / np.diff(v)
    assert np.any(slope[v[1:] < -20.0] < 0)  # the region of negative slope
    assert ip.reversal_from_iv(v, i) == pytest.approx(0.0, abs=1e-6)


def test_nmda_on_dendrite_blocked_by_local_potential():
    # Clamped from the soma, a distal NMDA synapse sits nearer rest than the command: at a depolarized
    # command it is more blocked than the command alone would say.
    cell = ip.ball_and_stick()
    syn = nmda(g_max_nS=2.0)
    v = np.array([-30.0, -10.0])
    distal = ip.iv_curve(syn, v, cell=cell, distance_um=700.0)
    unblocked = ip.iv_curve(nmda(g_max_nS=2.0, mg_out_mM=0.0), v, cell=cell, distance_um=700.0)
    ratio = distal / unblocked
    site = cell.e_leak_mV + (v - cell.e_leak_mV) * math.cosh(
        cell.electrotonic_length - 700.0 / cell.lambda_um
    ) / math.cosh(cell.electrotonic_length)
    assert np.all(ratio < ip.mg_block(v, 1.0))
    assert np.all(ratio > 0.5 * ip.mg_block(site, 1.0))


@settings(max_examples=25, deadline=None)
@given(
    g=st.floats(0.1, 20.0),
    e_rev=st.floats(-100.0, 20.0),
    rs=st.sampled_from([0.0, 10.0]),
)
def test_point_cell_reversal_recovered(g, e_rev, rs):
    syn = gaba_a(g_max_nS=g, e_rev_mV=e_rev)
    v = np.array([-130.0, 50.0])
    i = ip.iv_curve(syn, v, series_resistance_MOhm=rs)
    expected = e_rev + (e_rev - (-70.0)) * 5.0 / (1000.0 / rs) if rs else e_rev
    assert ip.reversal_from_iv(v, i) == pytest.approx(expected, abs=1e-6)


def test_reversal_from_iv():
    assert ip.reversal_from_iv([-90.0, -70.0, -50.0], [-30.0, 10.0, 50.0]) == pytest.approx(-75.0)
    assert ip.reversal_from_iv([-50.0, -90.0, -70.0], [50.0, -30.0, 10.0]) == pytest.approx(-75.0)  # any order
    assert ip.reversal_from_iv([-80.0, -60.0], [0.0, 5.0]) == -80.0
    with pytest.raises(ValueError, match="does not change sign"):
        ip.reversal_from_iv([-90.0, -70.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        ip.reversal_from_iv([-90.0, -70.0, -50.0], [1.0, -2.0])
    with pytest.raises(ValueError, match="at least 2"):
        ip.reversal_from_iv([-90.0], [1.0])
    with pytest.raises(ValueError, match="v_mV must be finite"):
        ip.reversal_from_iv([-90.0, np.nan], [1.0, -1.0])


def test_default_clamp_cell():
    assert clamp.DEFAULT_CLAMP_CELL == ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)


def test_spiking_cell_does_not_spike_under_clamp():
    lif = ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0, v_threshold_mV=-55.0)
    syn = ampa(g_max_nS=5.0)
    assert np.allclose(ip.voltage_clamp(syn, -20.0, [1.0], 10.0, cell=lif), ip.voltage_clamp(syn, -20.0, [1.0], 10.0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"synapse": "AMPA"}, "synapse must be an ipsplib Synapse"),
        ({"holding_mV": np.nan}, "holding_mV must be finite"),
        ({"holding_mV": "-70"}, "holding_mV must be a number"),
        ({"onsets_ms": [-1.0]}, "onsets_ms must be >= 0 ms"),
        ({"duration_ms": 0.0}, "duration_ms must be > 0 ms"),
        ({"dt_ms": -0.1}, "dt_ms must be > 0 ms"),
        ({"duration_ms": 10.01}, "whole number of steps"),
        ({"series_resistance_MOhm": -1.0}, "series_resistance_MOhm must be >= 0 MOhm"),
        ({"cell": "cell"}, "cell must be None"),
        ({"distance_um": 10.0}, "distance_um must be 0 um for a one-compartment Cell"),
        ({"cell": ip.ball_and_stick(), "distance_um": 900.0}, "distance_um must be between 0 and"),
        ({"cell": ip.ball_and_stick(), "distance_um": -1.0}, "distance_um must be between 0 and"),
    ],
)
def test_voltage_clamp_bad_input(kwargs, match):
    args = {"synapse": ampa(), "holding_mV": -70.0, "onsets_ms": [1.0], "duration_ms": 10.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        ip.voltage_clamp(**args)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"synapse": None}, "synapse must be an ipsplib Synapse"),
        ({"holding_mV": [-70.0, np.inf]}, "holding_mV must be finite"),
        ({"holding_mV": []}, "holding_mV must be a number or a 1-D array"),
        ({"holding_mV": [[-70.0, -60.0]]}, "holding_mV must be a number or a 1-D array"),
        ({"series_resistance_MOhm": np.nan}, "series_resistance_MOhm must be finite"),
        ({"cell": 3}, "cell must be None"),
        ({"distance_um": 5.0}, "distance_um must be 0 um"),
        ({"cell": ip.ball_and_stick(), "distance_um": 801.0}, "distance_um must be between 0 and"),
    ],
)
def test_iv_curve_bad_input(kwargs, match):
    args = {"synapse": gaba_a(), "holding_mV": [-70.0, -60.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        ip.iv_curve(**args)
