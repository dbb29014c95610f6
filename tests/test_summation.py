"""ipsplib.summation: trains of PSPs against the linear sum of single PSPs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip
from ipsplib import synapses
from ipsplib.currents import simulate_current_based
from ipsplib.summation import linear_sum_mV, signed_peak, train_onsets_ms, train_summation

CELL = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0)  # tau_m 20 ms, R_in 100 MOhm


def test_public_names_are_re_exported():
    assert ip.train_summation is train_summation
    assert ip.train_onsets_ms is train_onsets_ms
    assert ip.TrainSummation.__name__ == "TrainSummation"


def test_train_onsets_are_a_regular_train():
    np.testing.assert_array_equal(train_onsets_ms(3, 2.5, first_onset_ms=1.0), [1.0, 3.5, 6.0])
    np.testing.assert_array_equal(train_onsets_ms(4, 0.0), [10.0] * 4)  # all at once
    assert train_onsets_ms(np.int64(2), 1.0).size == 2
    assert train_onsets_ms(2.0, 1.0).size == 2  # a whole float counts


@pytest.mark.parametrize("n, match", [(0, "n_inputs"), (-1, "n_inputs"), (2.5, "n_inputs"), (True, "n_inputs"),
                                      ("3", "n_inputs"), (float("nan"), "n_inputs"), (None, "n_inputs")])
def test_bad_counts_are_rejected(n, match):
    with pytest.raises(ValueError, match=match):
        train_onsets_ms(n, 5.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"interval_ms": -1.0}, r"interval_ms must be >= 0 ms"),
    ({"interval_ms": float("inf")}, r"interval_ms must be finite ms"),
    ({"interval_ms": 1.0, "first_onset_ms": -2.0}, r"first_onset_ms must be >= 0 ms"),
])
def test_bad_times_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_onsets_ms(3, **kwargs)


def test_signed_peak_keeps_the_sign_of_the_largest_deviation():
    assert signed_peak([0.0, 2.0, -1.0]) == 2.0
    assert signed_peak([0.0, 1.0, -3.0]) == -3.0
    assert signed_peak([]) == 0.0
    with pytest.raises(ValueError, match="dv_mV must be finite mV"):
        signed_peak([0.0, np.nan])


def test_linear_sum_equals_separate_simulations_added():
    """The shifted single EPSP, added, is what n separate simulations (one input each) add up to."""
    syn = synapses.ampa(g_max_nS=3.0)
    onsets = [10.0, 13.0, 21.5]
    single = ip.simulate(CELL, [(syn, [10.0])], 100.0, dt_ms=0.05)
    predicted = linear_sum_mV(single.t_ms, single.v_mV + 70.0, np.array(onsets) - 10.0)
    separate = sum(ip.simulate(CELL, [(syn, [t0])], 100.0, dt_ms=0.05).v_mV + 70.0 for t0 in onsets)
    np.testing.assert_allclose(predicted, separate, atol=1e-9)


def test_linear_sum_off_grid_shift_interpolates():
    t = np.arange(0.0, 5.0, 1.0)
    dv = np.array([0.0, 2.0, 4.0, 2.0, 0.0])
    np.testing.assert_allclose(linear_sum_mV(t, dv, [0.5]), [0.0, 1.0, 3.0, 3.0, 1.0])


@pytest.mark.parametrize("args, match", [
    (([0.0, 1.0, 2.0], [0.0, 1.0], [0.0]), "same length"),
    (([0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [0.0]), "strictly increasing"),
    (([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], [-1.0]), r"shifts_ms must be >= 0 ms"),
    (([0.0, 1.0, 2.0], [0.0, np.inf, 0.0], [0.0]), r"single_dv_mV must be finite mV"),
])
def test_linear_sum_checks_its_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        linear_sum_mV(*args)


def test_current_based_trains_sum_exactly_linearly():
    syn = synapses.ampa(g_max_nS=8.0)
    s = train_summation(CELL, syn, n_inputs=6, interval_ms=3.0, model="current")
    assert s.summation_ratio == pytest.approx(1.0, abs=1e-9)
    assert s.summation == "linear"
    # the train itself is the current-based simulation of the same onsets
    direct = simulate_current_based(CELL, [(syn, s.onsets_ms)], s.t_ms[-1], dt_ms=0.025)
    np.testing.assert_allclose(s.dv_mV, direct.v_mV + 70.0, atol=1e-12)
    # simultaneous current-based inputs give exactly n times one PSP
    assert train_summation(CELL, syn, 4, 0.0, model="current").ratio_to_n_single == pytest.approx(1.0, abs=1e-9)


def test_conductance_trains_of_ampa_sum_sublinearly_more_so_when_larger():
    syn = synapses.ampa(g_max_nS=4.0)
    ratios = [train_summation(CELL, syn, n, 2.0, duration_ms=150.0).summation_ratio for n in (2, 5, 10)]
    assert ratios[0] < 1.0
    assert ratios[2] < ratios[1] < ratios[0]
    # the conductance-based train falls short of the current-based one by the lost driving force
    g = train_summation(CELL, syn, 10, 2.0, duration_ms=150.0)
    i = train_summation(CELL, syn, 10, 2.0, duration_ms=150.0, model="current")
    assert g.peak_mV < 0.9 * i.peak_mV


def test_small_inputs_sum_almost_linearly():
    s = train_summation(CELL, synapses.ampa(g_max_nS=0.01), 5, 2.0, duration_ms=150.0)
    assert abs(s.summation_ratio - 1.0) < 1e-3
    assert s.summation_ratio < 1.0


def test_nmda_with_mg_sums_supralinearly_and_without_mg_sublinearly():
    with_mg = train_summation(CELL, synapses.nmda(g_max_nS=5.0), 5, 5.0, duration_ms=500.0, dt_ms=0.1)
    without = train_summation(CELL, synapses.nmda(g_max_nS=0.3, mg_out_mM=0.0), 5, 5.0, duration_ms=500.0,
                              dt_ms=0.1)
    assert with_mg.summation == "supralinear" and with_mg.summation_ratio > 1.1
    assert without.summation == "sublinear"  # the block, not NMDA kinetics, makes it supralinear
    # relief of the block: the train's peak conductance per input exceeds the single input's
    g_train = with_mg.train.g_nS[0].max()
    g_single = with_mg.single.g_nS[0].max()
    assert g_train > 5 * g_single


def test_the_membrane_time_constant_sets_the_window():
    """At a fixed interval a slower membrane keeps more of each PSP for the next (ratio to n x single)."""
    syn = synapses.ampa(g_max_nS=1.0)
    ratios = []
    for tau in (5.0, 20.0, 80.0):
        cell = ip.Cell(c_m_pF=10.0 * tau, g_leak_nS=10.0, e_leak_mV=-70.0)
        ratios.append(train_summation(cell, syn, 5, 10.0, model="current").ratio_to_n_single)
    assert ratios[0] < ratios[1] < ratios[2] < 1.0
    # inputs far apart compared with tau_m do not sum: the train peaks at one PSP
    far = train_summation(ip.Cell(c_m_pF=50.0, g_leak_nS=10.0, e_leak_mV=-70.0), syn, 5, 100.0, model="current")
    assert far.peak_mV == pytest.approx(far.single_peak_mV, rel=1e-3)


def test_current_based_train_of_brief_pulses_matches_the_geometric_series():
    """Near-instant current pulses into an RC membrane: after n pulses, V = v1 (1 - r^n) / (1 - r), r = e^(-dt/tau)."""
    syn = ip.Synapse(g_max_nS=5.0, tau_rise_ms=0.0, tau_decay_ms=0.01, e_rev_mV=0.0)
    interval, n = 7.0, 6
    s = train_summation(CELL, syn, n, interval, dt_ms=0.005, model="current")
    r = np.exp(-interval / CELL.tau_m_ms)
    assert s.ratio_to_n_single == pytest.approx((1 - r**n) / (1 - r) / n, rel=2e-3)


def test_ipsp_trains_have_negative_peaks_and_sum_sublinearly():
    s = train_summation(CELL, synapses.gaba_a(g_max_nS=10.0, e_rev_mV=-80.0), 5, 3.0, duration_ms=200.0)
    assert s.peak_mV < s.single_peak_mV < 0.0
    assert 0.0 < s.summation_ratio < 1.0


def test_default_duration_lets_the_train_decay():
    s = train_summation(CELL, synapses.ampa(g_max_nS=4.0), 3, 5.0)
    assert s.t_ms[-1] > s.onsets_ms[-1] + 5 * CELL.tau_m_ms
    assert abs(s.dv_mV[-1]) < 0.01 * s.peak_mV


@pytest.mark.parametrize("kwargs, match", [
    ({"cell": ip.Cell(200.0, 10.0, -70.0, v_threshold_mV=-50.0)}, "cell must be passive"),
    ({"cell": "cell"}, "cell must be an ipsplib Cell"),
    ({"synapse": 4.0}, "synapse must be an ipsplib Synapse"),
    ({"model": "linear"}, "model must be one of"),
    ({"duration_ms": 20.0}, r"duration_ms must be longer than the last onset \(30 ms\)"),
    ({"duration_ms": -5.0}, r"duration_ms must be > 0 ms"),
    ({"dt_ms": 0.0}, r"dt_ms must be > 0 ms"),
    ({"n_inputs": 0}, "n_inputs must be a whole number >= 1"),
    ({"interval_ms": -5.0}, r"interval_ms must be >= 0 ms"),
])
def test_train_summation_checks_its_inputs(kwargs, match):
    args = {"cell": CELL, "synapse": synapses.ampa(), "n_inputs": 5, "interval_ms": 5.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_summation(**args)


def test_a_silent_synapse_has_no_ratio():
    s = train_summation(CELL, synapses.ampa(g_max_nS=0.0), 3, 5.0, duration_ms=100.0)
    with pytest.raises(ValueError, match="peak of the linear sum is 0 mV"):
        _ = s.summation_ratio


@settings(max_examples=25, deadline=None)
@given(
    g_nS=st.floats(0.1, 30.0),
    n=st.integers(1, 8),
    interval=st.floats(0.0, 30.0),
)
def test_excitatory_conductances_never_sum_supralinearly(g_nS, n, interval):
    """With V below E_rev throughout, each input's conductance lowers the others' driving force."""
    s = train_summation(CELL, synapses.ampa(g_max_nS=g_nS), n, interval, duration_ms=300.0, dt_ms=0.05)
    assert np.all(s.dv_mV <= s.linear_dv_mV + 1e-9 * max(1.0, s.linear_peak_mV))
    assert s.summation_ratio <= 1.0 + 1e-9
