"""The blocked scan over all waveform terms (ipsplib._waveform_scan) against the waveforms themselves."""

import math

import numpy as np
import pytest

from ipsplib import _waveform_scan as ws
from ipsplib.synapses import Synapse

DT_MS = 0.025
N_STEPS = 4000

# Every kind of waveform term: single exponential, alpha (series of power 1), a near-alpha dual
# exponential (series of several powers), ordinary dual exponentials, a fast rise (tau 0.05 ms).
SYNAPSES = [
    Synapse(1.2, 0.0, 3.0, 0.0),
    Synapse(0.7, 2.0, 2.0, -70.0),
    Synapse(0.9, 1.999, 2.0, -80.0),
    Synapse(1.5, 0.2, 2.0, 0.0),
    Synapse(0.4, 0.5, 5.6, -75.0),
    Synapse(2.0, 0.05, 1.0, 10.0),
]


def poisson_onsets(rng, n_events: int) -> np.ndarray:
    onsets = np.sort(rng.uniform(0.0, N_STEPS * DT_MS, n_events))
    # Some onsets exactly on grid points, one at t = 0, one just after the last grid point (outside).
    on_grid = rng.integers(0, N_STEPS, 5) * DT_MS
    return np.sort(np.concatenate([onsets, on_grid, [0.0, N_STEPS * DT_MS + 1e-3]]))


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(7)
    return [(syn, poisson_onsets(rng, 40)) for syn in SYNAPSES]


def antiderivative_from_onset(syn: Synapse, s_ms: np.ndarray) -> np.ndarray:
    """Integral of one event's conductance from its onset to s_ms after it (0 before the onset), nS ms."""
    s = np.maximum(s_ms, 0.0)
    tau_d, tau_r = syn.tau_decay_ms, syn.tau_rise_ms
    if syn.kind == "exponential":
        return syn.g_max_nS * tau_d * -np.expm1(-s / tau_d)
    if syn.kind == "alpha":
        x = s / tau_d
        return syn.g_max_nS * math.e * tau_d * (1.0 - (1.0 + x) * np.exp(-x))
    # dual exponential: scale (e^{-s/tau_d} - e^{-s/tau_r}) with its peak g_max
    t_peak = syn.peak_time_ms
    scale = syn.g_max_nS / (math.exp(-t_peak / tau_d) - math.exp(-t_peak / tau_r))
    return scale * (tau_d * -np.expm1(-s / tau_d) - tau_r * -np.expm1(-s / tau_r))


def weights_for(n_inputs: int) -> np.ndarray:
    """Three rows: the total conductance, sum g E-like (mixed signs), and one input alone."""
    rng = np.random.default_rng(3)
    alone = np.zeros(n_inputs)
    alone[2] = 1.0
    return np.vstack([np.ones(n_inputs), rng.uniform(-80.0, 20.0, n_inputs), alone])


@pytest.mark.parametrize("block", [None, 16, 128])
def test_grid_values_are_the_waveforms_summed_over_events(inputs, block, monkeypatch):
    if block is not None:
        monkeypatch.setattr(ws, "block_steps", lambda *args: block)
    weights = weights_for(len(inputs))
    t = np.arange(N_STEPS + 1) * DT_MS
    per_input = np.array([syn.conductance(t, onsets) for syn, onsets in inputs])
    values = ws.grid_conductances(inputs, N_STEPS, DT_MS, weights, integral=False)
    np.testing.assert_allclose(values, weights @ per_input, rtol=0, atol=1e-11)


@pytest.mark.parametrize("block", [None, 16, 128])
def test_step_integrals_are_exact(inputs, block, monkeypatch):
    """Against the closed-form antiderivative of each event (the near-alpha series synapse left out)."""
    if block is not None:
        monkeypatch.setattr(ws, "block_steps", lambda *args: block)
    closed_form = [(syn, onsets) for syn, onsets in inputs if syn.tau_rise_ms != 1.999]
    weights = weights_for(len(closed_form))
    t = np.arange(N_STEPS + 1) * DT_MS
    per_input = []
    for syn, onsets in closed_form:
        cumulative = sum(antiderivative_from_onset(syn, t - onset) for onset in onsets)
        per_input.append(np.diff(cumulative))
    integrals = ws.grid_conductances(closed_form, N_STEPS, DT_MS, weights, integral=True)
    # The reference differences cumulative integrals of up to ~1e4 nS ms: it is itself good to ~1e-12 of that.
    np.testing.assert_allclose(integrals, weights @ np.array(per_input), rtol=0, atol=1e-10)


def test_near_alpha_series_integrals_match_a_fine_quadrature(inputs):
    syn, onsets = inputs[2]
    integrals = ws.grid_conductances([(syn, onsets)], N_STEPS, DT_MS, np.ones((1, 1)), integral=True)[0]
    fine = 64
    t_fine = np.arange(N_STEPS * fine + 1) * (DT_MS / fine)
    g = syn.conductance(t_fine, onsets)
    # Trapezoid on the fine grid, without the steps that hold an onset (there g has a kink).
    trapezoid = (0.5 * (g[:-1] + g[1:]) * (DT_MS / fine)).reshape(N_STEPS, fine).sum(axis=1)
    bins = np.ceil(onsets / DT_MS - 1e-9).astype(int)
    smooth = np.ones(N_STEPS, bool)
    smooth[np.clip(bins - 1, 0, N_STEPS - 1)] = False
    np.testing.assert_allclose(integrals[smooth], trapezoid[smooth], rtol=0, atol=1e-8)


def test_no_events_or_zero_weights_give_zeros():
    syn = Synapse(1.0, 0.2, 2.0, 0.0)
    assert not ws.grid_conductances([(syn, np.array([]))], 10, DT_MS, np.ones((1, 1)), integral=True).any()
    assert not ws.grid_conductances([(syn, np.array([0.1]))], 10, DT_MS, np.zeros((2, 1)), integral=False).any()
    zero = Synapse(0.0, 0.2, 2.0, 0.0)
    assert not ws.grid_conductances([(zero, np.array([0.1]))], 10, DT_MS, np.ones((1, 1)), integral=True).any()


@pytest.mark.parametrize("n", [1, 7, 3000])
def test_decaying_scan_equals_the_step_by_step_recurrence(n):
    """Rates from 0 to 50 per step: the closed form must cut its chunks where e^{rate m} would overflow."""
    rng = np.random.default_rng(n)
    rate = np.array([0.0, 1e-3, 0.37, 5.0, 50.0])
    drive = rng.normal(size=(rate.size, n)) * (rng.uniform(size=(rate.size, n)) < 0.1)
    expected = np.zeros_like(drive)
    y = np.zeros(rate.size)
    for k in range(n):
        y = np.exp(-rate) * y + drive[:, k]
        expected[:, k] = y
    np.testing.assert_allclose(ws.decaying_scan(rate, drive.copy()), expected, rtol=1e-12, atol=1e-12)
