"""ipsplib.firing: Poisson inputs, the output rate of the integrate-and-fire cell, and the shift/gain fit."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import firing

CELL = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0, refractory_ms=2.0)
DRIVE = dict(rate_exc_hz=3000.0, g_exc_nS=1.0, duration_ms=2000.0)


# -- the Poisson trains ------------------------------------------------------------------------------------
def test_counts_are_poisson_and_intervals_exponential():
    rate_hz, duration_ms, dt = 500.0, 20000.0, 0.1
    train = firing.poisson_train(rate_hz=rate_hz, g_nS=1.0, tau_ms=5.0, duration_ms=duration_ms, dt_ms=dt, seed=7)
    expected = rate_hz * duration_ms / 1000.0
    n = train.onsets_ms.size
    assert abs(n - expected) < 4 * np.sqrt(expected)
    # counts in 100 ms windows: mean = variance (Fano factor 1)
    counts = np.histogram(train.onsets_ms, bins=np.arange(0.0, duration_ms + 1e-9, 100.0))[0]
    assert counts.var() / counts.mean() == pytest.approx(1.0, abs=0.15)
    # intervals: exponential with mean 1/rate (discretised to the 0.1 ms grid)
    intervals = np.diff(np.sort(train.onsets_ms))
    assert intervals.mean() == pytest.approx(1000.0 / rate_hz, rel=0.05)
    for t_ms in (1.05, 2.05, 4.05, 8.05):       # survival function of the exponential, between grid points
        assert np.mean(intervals > t_ms) == pytest.approx(np.exp(-rate_hz * t_ms / 1000.0), abs=0.02)
    assert np.all(train.onsets_ms < duration_ms)       # no event at the very end: it would act on no step


def test_conductance_is_the_sum_of_exponential_events():
    train = firing.poisson_train(rate_hz=300.0, g_nS=2.0, tau_ms=4.0, duration_ms=200.0, dt_ms=0.1, seed=3)
    expected = ip.Synapse(g_max_nS=2.0, tau_rise_ms=0.0, tau_decay_ms=4.0, e_rev_mV=0.0).conductance(
        train.t_ms, train.onsets_ms)
    # the Synapse is 0 at its onset, the train counts an event from its grid point on: compare between events
    between = np.setdiff1d(np.arange(train.t_ms.size), np.searchsorted(train.t_ms, train.onsets_ms))
    np.testing.assert_allclose(train.g_nS[between], expected[between], rtol=1e-9, atol=1e-12)
    # the step average is the exact integral of the decaying exponential over the step
    t_mid = train.g_nS[:-1] * 4.0 / 0.1 * (1 - np.exp(-0.1 / 4.0))
    np.testing.assert_allclose(train.g_step_nS, t_mid, rtol=1e-12)


def test_mean_conductance_is_rate_times_g_times_tau():
    train = firing.poisson_train(rate_hz=2000.0, g_nS=0.5, tau_ms=5.6, duration_ms=20000.0, seed=11)
    assert train.g_step_nS.mean() == pytest.approx(2000.0 * 1e-3 * 0.5 * 5.6, rel=0.02)


# -- the output rate -----------------------------------------------------------------------------------------
def test_no_input_no_spikes():
    result = ip.poisson_firing(CELL, rate_exc_hz=0.0, g_exc_nS=1.0, duration_ms=500.0, seed=0)
    assert result.rate_hz == 0.0
    np.testing.assert_allclose(result.v_mV, CELL.e_leak_mV)
    # strong inhibition alone cannot fire the cell either
    assert ip.firing_rate(CELL, 0.0, 1.0, rate_inh_hz=5000.0, g_inh_nS=2.0, e_inh_mV=-80.0, duration_ms=500.0,
                          seed=0) == 0.0


def test_same_seed_same_result_and_different_seed_differs():
    a = ip.poisson_firing(CELL, **DRIVE, rate_inh_hz=800.0, g_inh_nS=1.0, seed=5)
    b = ip.poisson_firing(CELL, **DRIVE, rate_inh_hz=800.0, g_inh_nS=1.0, seed=5)
    c = ip.poisson_firing(CELL, **DRIVE, rate_inh_hz=800.0, g_inh_nS=1.0, seed=6)
    np.testing.assert_array_equal(a.spikes_ms, b.spikes_ms)
    np.testing.assert_array_equal(a.v_mV, b.v_mV)
    assert not np.array_equal(a.excitation.onsets_ms, c.excitation.onsets_ms)
    # inhibition is drawn from its own stream: adding it leaves the excitatory events unchanged
    d = ip.poisson_firing(CELL, **DRIVE, seed=5)
    np.testing.assert_array_equal(a.excitation.onsets_ms, d.excitation.onsets_ms)


@pytest.mark.parametrize("e_inh", [-80.0, -70.0, -60.0])
def test_inhibition_lowers_the_rate_and_the_firing_probability(e_inh):
    rates, probabilities = [], []
    for rate_inh in (0.0, 1000.0, 2000.0, 4000.0):
        result = ip.poisson_firing(CELL, **DRIVE, rate_inh_hz=rate_inh, g_inh_nS=1.0, e_inh_mV=e_inh, seed=2)
        rates.append(result.rate_hz)
        probabilities.append(result.spike_probability)
    assert rates[0] > 10.0
    assert all(later < earlier for earlier, later in zip(rates, rates[1:], strict=False))
    assert all(later <= earlier for earlier, later in zip(probabilities, probabilities[1:], strict=False))
    assert probabilities[-1] < probabilities[0]


def test_hyperpolarizing_inhibits_more_than_shunting_at_equal_conductance():
    shunting = ip.firing_rate(CELL, **DRIVE, rate_inh_hz=1500.0, g_inh_nS=1.0, e_inh_mV=-70.0, seed=4)
    hyperpolarizing = ip.firing_rate(CELL, **DRIVE, rate_inh_hz=1500.0, g_inh_nS=1.0, e_inh_mV=-80.0, seed=4)
    assert hyperpolarizing < shunting


def test_inhibition_reversing_above_threshold_excites():
    control = ip.firing_rate(CELL, **DRIVE, seed=8)
    assert ip.firing_rate(CELL, **DRIVE, rate_inh_hz=2000.0, g_inh_nS=1.0, e_inh_mV=-45.0, seed=8) > control


def test_agrees_with_simulate_on_the_same_events():
    result = ip.poisson_firing(CELL, rate_exc_hz=5000.0, g_exc_nS=1.0, rate_inh_hz=800.0, g_inh_nS=1.5,
                               e_inh_mV=-75.0, duration_ms=400.0, seed=9, g_tonic_nS=2.0, i_inject_pA=20.0,
                               dt_ms=0.1)
    exc = ip.Synapse(g_max_nS=1.0, tau_rise_ms=0.0, tau_decay_ms=firing.TAU_EXC_MS, e_rev_mV=0.0)
    inh = ip.Synapse(g_max_nS=1.5, tau_rise_ms=0.0, tau_decay_ms=firing.TAU_INH_MS, e_rev_mV=-75.0)
    trace = ip.simulate(CELL, [(exc, result.excitation.onsets_ms), (inh, result.inhibition.onsets_ms)], 400.0,
                        dt_ms=0.1, i_inject_pA=20.0, conductances=[(2.0, -75.0)])
    assert trace.spikes_ms.size == result.spikes_ms.size >= 5
    np.testing.assert_allclose(result.spikes_ms, trace.spikes_ms, atol=1e-9)
    np.testing.assert_allclose(result.v_mV, trace.v_mV, atol=1e-9)


def test_rate_is_spike_count_over_duration_and_matches_an_lif_f_i_curve():
    # constant current only: the textbook LIF rate 1 / (t_ref + tau ln((V_inf - V_r) / (V_inf - theta)))
    i_pA = 250.0
    result = ip.poisson_firing(CELL, rate_exc_hz=0.0, g_exc_nS=0.0, duration_ms=3000.0, i_inject_pA=i_pA,
                               dt_ms=0.05)
    v_inf = CELL.e_leak_mV + i_pA / CELL.g_leak_nS
    period = CELL.refractory_ms + CELL.tau_m_ms * np.log((v_inf - CELL.v_reset_mV) / (v_inf - CELL.v_threshold_mV))
    assert result.rate_hz == result.spikes_ms.size / 3.0
    assert result.spikes_ms.size == int(3000.0 // period)
    np.testing.assert_allclose(np.diff(result.spikes_ms), period, atol=1e-6)


# -- subtractive or divisive -------------------------------------------------------------------------------
def test_shift_and_gain_recovers_known_transformations():
    x = np.linspace(0.0, 600.0, 25)
    r0 = np.clip(0.3 * (x - 100.0), 0.0, None) ** 0.9
    for true_shift, true_gain in [(0.0, 1.0), (120.0, 1.0), (0.0, 0.6), (60.0, 0.8)]:
        r1 = true_gain * np.interp(x - true_shift, x, r0)
        shift, gain, error = ip.shift_and_gain(x, r0, r1)
        assert shift == pytest.approx(true_shift, abs=3.0)
        assert gain == pytest.approx(true_gain, abs=0.02)
        assert error < 1.0


def test_tonic_shunting_shifts_the_f_i_curve():
    # Holt & Koch (1997): shunting inhibition acts roughly subtractively on an integrate-and-fire cell's rate
    currents = np.arange(0.0, 601.0, 50.0)
    control = [ip.firing_rate(CELL, 0.0, 0.0, duration_ms=1000.0, i_inject_pA=i, dt_ms=0.2) for i in currents]
    shunted = [ip.firing_rate(CELL, 0.0, 0.0, duration_ms=1000.0, i_inject_pA=i, g_tonic_nS=10.0, e_inh_mV=-70.0,
                              dt_ms=0.2) for i in currents]
    shift, gain, _ = ip.shift_and_gain(currents, control, shunted)
    assert 80.0 < shift < 200.0          # about g_tonic (V - E_inh) with V between reset and threshold
    assert 0.85 < gain < 1.3


# -- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(rate_exc_hz=-1.0), r"rate_exc_hz must be >= 0 Hz"),
    (dict(rate_exc_hz=2e6), r"rate_exc_hz must be <= 1e\+06 Hz"),
    (dict(rate_inh_hz=np.nan), r"rate_inh_hz must be finite Hz"),
    (dict(g_exc_nS=-0.5), r"g_nS must be >= 0 nS"),
    (dict(g_tonic_nS=-1.0), r"g_tonic_nS must be >= 0 nS"),
    (dict(e_inh_mV="low"), r"e_inh_mV must be a number mV"),
    (dict(duration_ms=0.0), r"duration_ms must be > 0 ms"),
    (dict(duration_ms=10.05), r"duration_ms must be a whole number of steps"),
    (dict(tau_inh_ms=0.0), r"tau_ms must be > 0 ms"),
    (dict(seed=-3), r"seed must be None, an integer >= 0"),
    (dict(seed=1.5), r"seed must be None, an integer >= 0"),
    (dict(i_inject_pA=np.inf), r"i_inject_pA must be finite pA"),
])
def test_bad_input_names_parameter_unit_and_range(kwargs, match):
    args = dict(rate_exc_hz=1000.0, g_exc_nS=1.0, duration_ms=10.0, seed=0) | kwargs
    with pytest.raises(ValueError, match=match):
        ip.poisson_firing(CELL, **args)


def test_a_passive_cell_or_a_non_cell_is_refused():
    with pytest.raises(ValueError, match="integrate-and-fire Cell with v_threshold_mV"):
        ip.firing_rate(ip.Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0), 100.0, 1.0)
    with pytest.raises(ValueError, match="cell must be an ipsplib Cell"):
        ip.firing_rate("cell", 100.0, 1.0)


def test_shift_and_gain_bad_input():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        ip.shift_and_gain(x[::-1], x, x)
    with pytest.raises(ValueError, match="one length >= 3"):
        ip.shift_and_gain(x, x[:4], x)
    with pytest.raises(ValueError, match="rate_inhibited_hz must be >= 0 Hz"):
        ip.shift_and_gain(x, x, -x - 1)
    with pytest.raises(ValueError, match="at least 3 points at or above min_rate_hz"):
        ip.shift_and_gain(x, x * 10, np.zeros(5))


def test_spike_probability_counts_10_ms_windows_with_a_spike():
    """Spikes at 5 and 25 ms over 40 ms: two of the four 10 ms windows hold a spike (20 ms windows would give 1)."""
    empty = np.zeros(0)

    def fired(spikes_ms, duration_ms):
        return firing.PoissonFiring(rate_hz=0.0, spikes_ms=np.asarray(spikes_ms, dtype=float), t_ms=empty,
                                    v_mV=empty, excitation=None, inhibition=None, duration_ms=duration_ms)

    assert fired([5.0, 25.0], 40.0).spike_probability == 0.5
    assert fired([5.0, 7.0, 15.0], 40.0).spike_probability == 0.5  # two spikes in one window count once
    assert fired([], 40.0).spike_probability == 0.0
