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


@pytest.mark.parametrize("block", [16, 128])
@pytest.mark.parametrize("first_block, n_blocks", [(0, 3), (5, 1), (7, 40)])
def test_running_integral_row_is_the_cumulative_sum_of_the_step_integrals(
    inputs, block, first_block, n_blocks, monkeypatch
):
    """The extra row of a scan with ``cumulative_row``: the integral of that row from the first filled step on."""
    monkeypatch.setattr(ws, "block_steps", lambda *args: block)
    weights = weights_for(len(inputs))
    integrals = ws.grid_conductances(inputs, N_STEPS, DT_MS, weights, integral=True)
    scan = ws.BlockScan.prepare(inputs, N_STEPS, DT_MS, weights, integral=True, cumulative_row=1)
    stop_block = min(scan.n_blocks, first_block + n_blocks)
    filled = scan.fill(first_block, stop_block, np.empty((4, stop_block - first_block, block))).reshape(4, -1)
    first, stop = first_block * block, min(N_STEPS, stop_block * block)
    np.testing.assert_allclose(filled[:3, : stop - first], integrals[:, first:stop], rtol=0, atol=1e-11)
    expected = np.cumsum(integrals[1, first:stop])
    np.testing.assert_allclose(filled[3, : stop - first], expected, rtol=1e-12, atol=1e-9)


def general_path_voltage(cell, inputs, duration_ms, **options):
    """V from the general integrator (`_integrate.integrate_linear` on whole-trace arrays), for comparison."""
    from ipsplib import membrane

    n_steps = round(duration_ms / DT_MS)
    rows = np.vstack([np.ones(len(inputs)), [float(syn.e_rev_mV) for syn, _ in inputs]])
    i_inject = options.get("i_inject_pA")
    i_step = None if i_inject is None else 0.5 * (i_inject[:-1] + i_inject[1:])
    tonic = membrane._checked_conductances(options.get("conductances"), n_steps)
    e_rev, mg = rows[1], np.zeros(len(inputs))
    v0 = cell.e_leak_mV
    v, _ = membrane._voltage_on_whole_arrays(cell, v0, DT_MS, n_steps, inputs, rows, i_step, tonic, e_rev, mg)
    return v


def test_passive_path_equals_the_general_integrator(inputs):
    """A passive cell takes ipsplib._passive (V from the running integral of g): same V as the general path."""
    from ipsplib import Cell, simulate

    cell = Cell(c_m_pF=150.0, g_leak_nS=8.0, e_leak_mV=-68.0)
    t = np.arange(N_STEPS + 1) * DT_MS
    options = {
        "i_inject_pA": 20.0 * np.sin(t / 7.0),
        "conductances": [(3.0 + np.cos(t / 5.0), -75.0), (2.0, 0.0)],
    }
    for opts in ({}, options):
        v = simulate(cell, inputs, N_STEPS * DT_MS, dt_ms=DT_MS, **opts).v_mV
        np.testing.assert_allclose(v, general_path_voltage(cell, inputs, N_STEPS * DT_MS, **opts), rtol=0, atol=1e-10)


def test_passive_path_falls_back_where_the_running_exponential_would_overflow():
    """A huge conductance makes sum g dt / C exceed MAX_LOG_SPAN within a slice: the chunked recurrence takes over."""
    from ipsplib import Cell, simulate
    from ipsplib._passive import SLICE_STEPS

    cell = Cell(c_m_pF=1.0, g_leak_nS=1.0, e_leak_mV=-70.0)
    huge = [(Synapse(5e4, 0.5, 20.0, 0.0), np.array([1.0, 30.0]))]
    duration = SLICE_STEPS * DT_MS  # one full slice
    v = simulate(cell, huge, duration, dt_ms=DT_MS).v_mV
    assert np.isfinite(v).all()
    np.testing.assert_allclose(v, general_path_voltage(cell, huge, duration), rtol=0, atol=1e-9)


def test_components_are_remembered_per_synapse_set_and_read_only(inputs):
    weights = weights_for(len(inputs))
    synapses = tuple(syn for syn, _ in inputs)
    first = ws.Components.of_synapses(synapses, weights)
    assert ws.Components.of_synapses(synapses, weights.copy()) is first
    assert ws.Components.of_synapses(synapses, 2.0 * weights) is not first
    with pytest.raises(ValueError):
        first.tau_ms[0] = 1.0
    with pytest.raises(ValueError):
        first.kernels(DT_MS, True, 16)[0, 0] = 1.0


@pytest.mark.parametrize("bad", [np.array([1.0, np.nan]), np.array([np.inf]), np.array([-1.0, 2.0])])
def test_float_onset_arrays_are_checked_on_the_fast_path(bad):
    from ipsplib import Cell, simulate

    with pytest.raises(ValueError, match="onsets_ms"):
        simulate(Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0), [(SYNAPSES[0], bad)], 10.0)


@pytest.mark.parametrize("n", [1, 15, 16, 17, 8192, 8203])
def test_prefix_sum_equals_cumsum(n):
    x = np.random.default_rng(n).normal(size=n) * np.exp(np.linspace(0.0, 30.0, n))  # growing, as w_i - w_{i-1}
    # Both round to about n eps of the sum of |x| (the terms have either sign: the sums cancel).
    error = np.abs(ws.prefix_sum(x, np.empty(n)) - np.cumsum(x))
    assert (error <= 1e-14 * np.cumsum(np.abs(x))).all()


def random_passive_case(rng):
    """A random passive cell, grid, synapses (every kind, some silent or without events), current and tonic g."""
    from ipsplib import Cell

    dt = float(rng.choice([0.01, 0.025, 0.1, 0.5]))
    n_steps = int(rng.choice([1, 3, 15, 16, 17, 100, 1000, 9000]))
    cell = Cell(c_m_pF=rng.uniform(10, 500), g_leak_nS=rng.uniform(1, 50), e_leak_mV=rng.uniform(-80, -50))
    inputs = []
    for _ in range(int(rng.integers(0, 6))):
        tau_d = rng.uniform(0.1, 30.0)
        tau_r = [0.0, tau_d, tau_d * rng.uniform(0.01, 0.9), tau_d * 0.999][int(rng.integers(0, 4))]
        g_max = float(rng.choice([0.0, rng.uniform(0.1, 50.0)]))
        onsets = np.sort(rng.uniform(0.0, 1.1 * n_steps * dt, int(rng.integers(0, 30))))
        onsets[: int(rng.integers(0, 2))] = np.round(onsets[:1] / dt) * dt  # sometimes one on a grid point
        inputs.append((Synapse(g_max, tau_r, tau_d, float(rng.uniform(-90.0, 10.0))), np.sort(onsets)))
    options = {"v0_mV": rng.uniform(-90.0, -40.0)}
    if rng.uniform() < 0.3:
        options["i_inject_pA"] = rng.uniform(-50.0, 50.0)
    if rng.uniform() < 0.3:
        options["conductances"] = [(rng.uniform(0.0, 20.0), -75.0)]
    return cell, inputs, n_steps, dt, options


@pytest.mark.parametrize("seed", range(40))
def test_passive_path_equals_the_general_integrator_on_random_cases(seed):
    from ipsplib import membrane, simulate

    cell, inputs, n_steps, dt, options = random_passive_case(np.random.default_rng(seed))
    v = simulate(cell, inputs, n_steps * dt, dt_ms=dt, **options).v_mV
    rows = np.vstack([np.ones(len(inputs)), [float(syn.e_rev_mV) for syn, _ in inputs]])
    _, i_step = membrane._injected_step_average(options.get("i_inject_pA"), n_steps)
    i_step = i_step if "i_inject_pA" in options else None
    tonic = membrane._checked_conductances(options.get("conductances"), n_steps)
    v_general, _ = membrane._voltage_on_whole_arrays(
        cell, options["v0_mV"], dt, n_steps, inputs, rows, i_step, tonic, rows[1], np.zeros(len(inputs))
    )
    np.testing.assert_allclose(v, v_general, rtol=0, atol=1e-9)


def test_events_only_on_a_silent_synapse():
    """Events that all belong to a synapse of 0 nS, beside one with no events: no event component at all."""
    from ipsplib import Cell, simulate

    inputs = [(Synapse(0.0, 0.5, 2.0, 0.0), np.array([1.0, 2.0])), (Synapse(1.0, 0.5, 2.0, 0.0), np.array([]))]
    v = simulate(Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0), inputs, 5.0).v_mV
    np.testing.assert_allclose(v, -70.0, atol=1e-12)
