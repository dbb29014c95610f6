"""Output firing of the integrate-and-fire `Cell` under Poisson excitation and inhibition.

Many synapses firing independently add up to a Poisson stream of events. Each
excitatory event opens a conductance that jumps by ``g_exc_nS`` and decays
exponentially with ``tau_exc_ms``; each inhibitory event likewise, reversing at
``e_inh_mV``. The membrane equation is the one of `ipsplib.simulate`:

    C dV/dt = -g_L (V - E_L) - g_exc(t) (V - E_exc) - g_inh(t) (V - E_inh) - g_tonic (V - E_inh) + I_inject

Events fall on the grid points t_k = k dt (their number in each step is
Poisson with mean rate dt). The conductance trains are the linear recurrence
g_k = e^{-dt/tau} g_{k-1} + g_event n_k, solved vectorised
(`ipsplib._recurrence`), and their exact step averages drive the same exact
exponential integrator as `ipsplib.simulate` (threshold, reset and refractory
period included). The result equals `simulate` with exponential `Synapse`
inputs at the same event times to rounding, at a fraction of the cost.

`shift_and_gain` fits how an inhibited rate curve relates to the control
curve, r_inh(x) = gain * r_0(x - shift): a pure shift is subtractive
inhibition, a gain below 1 divisive.

References
----------
Holt & Koch (1997) Neural Comput 9:1001. Chance, Abbott & Reyes (2002) Neuron 35:773.

Examples
--------
>>> from ipsplib.membrane import Cell
>>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0, refractory_ms=2.0)
>>> exc = dict(rate_exc_hz=3000.0, g_exc_nS=1.0, duration_ms=2000.0, seed=1)
>>> r_0 = firing_rate(cell, **exc)
>>> r_inh = firing_rate(cell, **exc, rate_inh_hz=1000.0, g_inh_nS=1.0, e_inh_mV=-70.0)
>>> bool(r_0 > r_inh > 0)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._integrate import after_spike, crossing_time, grid
from ._recurrence import linear_recurrence
from .membrane import Cell

#: Default decay of one excitatory (AMPA-like) event, ms (`ipsplib.synapses.ampa` decays in 2 ms).
TAU_EXC_MS = 2.0
#: Default decay of one inhibitory (GABA_A-like) event, ms (`ipsplib.synapses.gaba_a` decays in 5.6 ms).
TAU_INH_MS = 5.6
#: Default time step, ms. Events sit on the grid; the integration is exact for any step.
DT_MS = 0.1
#: Largest Poisson rate accepted, Hz (1 event per microsecond: far beyond any sum of synapses).
MAX_RATE_HZ = 1e6


@dataclass(frozen=True)
class PoissonTrain:
    """A Poisson train of conductance events on the grid t_k = k dt_ms.

    Attributes
    ----------
    t_ms : ndarray, shape (n + 1,)
        Grid, ms.
    counts : ndarray of int, shape (n + 1,)
        Number of events at each grid point (none at t = duration: it would act on no step).
    onsets_ms : ndarray
        Event times, ms (a time repeated as often as events fell on it).
    g_nS : ndarray, shape (n + 1,)
        Conductance just after the events of each grid point, nS.
    g_step_nS : ndarray, shape (n,)
        Exact average of the conductance over each step, nS.
    """

    t_ms: np.ndarray
    counts: np.ndarray
    onsets_ms: np.ndarray
    g_nS: np.ndarray
    g_step_nS: np.ndarray


def _checked_rate(name: str, rate_hz) -> float:
    rate = float(_checks.non_negative(name, rate_hz, "Hz"))
    if rate > MAX_RATE_HZ:
        raise ValueError(f"{name} must be <= {MAX_RATE_HZ:g} Hz (events of all synapses together), got {rate!r}")
    return rate


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be None, an integer >= 0 or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


def poisson_train(rate_hz, g_nS, tau_ms, duration_ms, dt_ms=DT_MS, seed=None) -> PoissonTrain:
    """A Poisson train of exponentially decaying conductance events.

    Each event adds ``g_nS`` to the conductance, which decays as
    e^{-t/tau_ms}: the sum of many independent synapses, each an exponential
    `Synapse` with peak ``g_nS``. The mean conductance is rate * g * tau.

    Parameters
    ----------
    rate_hz : float
        Event rate of all synapses together, Hz, 0 to 1e6.
    g_nS : float
        Conductance step of one event, nS, >= 0.
    tau_ms : float
        Decay time constant, ms, > 0.
    duration_ms, dt_ms : float
        Length and step of the grid, ms (as `ipsplib.simulate`).
    seed : int, numpy Generator or None
        Random seed (the same seed gives the same train).

    Returns
    -------
    PoissonTrain

    Examples
    --------
    >>> train = poisson_train(rate_hz=2000.0, g_nS=1.0, tau_ms=5.0, duration_ms=10000.0, seed=0)
    >>> round(train.onsets_ms.size / 10.0, -2)                # events per second
    2000.0
    >>> round(float(train.g_step_nS.mean()), -1)              # rate * g * tau = 2000/s * 1 nS * 5 ms
    10.0
    """
    rate = _checked_rate("rate_hz", rate_hz)
    g = float(_checks.non_negative("g_nS", g_nS, "nS"))
    tau = float(_checks.positive("tau_ms", tau_ms, "ms"))
    n_steps, dt = grid(duration_ms, dt_ms)
    rng = _rng(seed)
    counts = np.zeros(n_steps + 1, dtype=np.int64)
    counts[:-1] = rng.poisson(rate * 1e-3 * dt, size=n_steps)
    t = np.arange(n_steps + 1) * dt
    log_a = -dt / tau
    g_after = linear_recurrence(log_a, g * counts.astype(float))
    # Over step k the conductance is g_after[k] e^{-(t - t_k)/tau}: its average is g_after[k] (1 - a) tau / dt.
    g_step = g_after[:-1] * (-math.expm1(log_a) / -log_a)
    return PoissonTrain(t_ms=t, counts=counts, onsets_ms=np.repeat(t, counts), g_nS=g_after, g_step_nS=g_step)


@dataclass(frozen=True)
class PoissonFiring:
    """The result of `poisson_firing`.

    Attributes
    ----------
    rate_hz : float
        Output rate, spikes per second over the whole duration.
    spikes_ms : ndarray
        Spike (threshold-crossing) times, ms.
    t_ms, v_mV : ndarray, shape (n + 1,)
        Grid and membrane potential, mV (at reset during refractory periods).
    excitation, inhibition : PoissonTrain
        The input trains.
    duration_ms : float
    """

    rate_hz: float
    spikes_ms: np.ndarray
    t_ms: np.ndarray
    v_mV: np.ndarray
    excitation: PoissonTrain
    inhibition: PoissonTrain
    duration_ms: float

    @property
    def spike_probability(self) -> float:
        """Fraction of 10 ms windows that contain at least one spike (a "firing probability")."""
        edges = np.arange(0.0, self.duration_ms + 1e-9, 10.0)
        if edges.size < 2:
            return float(self.spikes_ms.size > 0)
        hits = np.histogram(self.spikes_ms, bins=edges)[0]
        return float(np.mean(hits > 0))


def poisson_firing(cell: Cell, rate_exc_hz, g_exc_nS, rate_inh_hz=0.0, g_inh_nS=0.0, e_inh_mV=-70.0,
                   duration_ms=1000.0, seed=None, *, tau_exc_ms=TAU_EXC_MS, tau_inh_ms=TAU_INH_MS,
                   e_exc_mV=0.0, g_tonic_nS=0.0, i_inject_pA=0.0, dt_ms=DT_MS, v0_mV=None) -> PoissonFiring:
    """Spikes of an integrate-and-fire cell driven by Poisson excitation and inhibition.

    Parameters
    ----------
    cell : Cell
        A spiking cell (with ``v_threshold_mV``).
    rate_exc_hz, rate_inh_hz : float
        Event rates of all excitatory / inhibitory synapses together, Hz, 0 to 1e6.
    g_exc_nS, g_inh_nS : float
        Conductance step of one excitatory / inhibitory event, nS, >= 0.
    e_inh_mV : float
        Reversal potential of inhibition, mV (at rest: shunting; below: hyperpolarizing).
    duration_ms : float
        Simulated time, ms, > 0, a whole number of steps.
    seed : int, numpy Generator or None
        Random seed: the same seed gives the same input trains (excitation and
        inhibition from independent streams), so curves over a parameter
        differ only by the parameter.
    tau_exc_ms, tau_inh_ms : float
        Decay of one event, ms, > 0.
    e_exc_mV : float
        Reversal potential of excitation, mV.
    g_tonic_nS : float
        A constant (tonic) inhibitory conductance, nS, >= 0, also reversing at ``e_inh_mV``.
    i_inject_pA : float
        A constant injected current, pA, positive depolarizing.
    dt_ms : float
        Time step, ms; events fall on the grid, and the integration is exact.
    v0_mV : float or None
        Initial potential, mV (default: rest).

    Returns
    -------
    PoissonFiring

    Examples
    --------
    >>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0)
    >>> poisson_firing(cell, rate_exc_hz=0.0, g_exc_nS=1.0).rate_hz      # no input, no spikes
    0.0
    """
    if not isinstance(cell, Cell):
        raise ValueError(f"cell must be an ipsplib Cell, got {type(cell).__name__}")
    if not cell.spiking:
        raise ValueError("cell must be an integrate-and-fire Cell with v_threshold_mV (mV) set, got a passive cell")
    e_inh = float(_checks.as_finite("e_inh_mV", e_inh_mV, "mV"))
    e_exc = float(_checks.as_finite("e_exc_mV", e_exc_mV, "mV"))
    g_tonic = float(_checks.non_negative("g_tonic_nS", g_tonic_nS, "nS"))
    i_inject = float(_checks.as_finite("i_inject_pA", i_inject_pA, "pA"))
    v0 = float(cell.e_leak_mV if v0_mV is None else _checks.as_finite("v0_mV", v0_mV, "mV"))
    rate_e = _checked_rate("rate_exc_hz", rate_exc_hz)
    rate_i = _checked_rate("rate_inh_hz", rate_inh_hz)
    n_steps, dt = grid(duration_ms, dt_ms)
    # Two independent streams from one seed: changing inhibition leaves the excitatory train unchanged.
    seeds = np.random.SeedSequence(None if seed is None else _seed_entropy(seed)).spawn(2)
    exc = poisson_train(rate_e, g_exc_nS, tau_exc_ms, duration_ms, dt, np.random.default_rng(seeds[0]))
    inh = poisson_train(rate_i, g_inh_nS, tau_inh_ms, duration_ms, dt, np.random.default_rng(seeds[1]))
    v, spikes = _fire_steps(cell, v0, dt, exc.g_step_nS, e_exc, inh.g_step_nS + g_tonic, e_inh, i_inject)
    spikes = np.array(spikes)
    return PoissonFiring(rate_hz=spikes.size / (n_steps * dt) * 1e3, spikes_ms=spikes, t_ms=exc.t_ms, v_mV=v,
                         excitation=exc, inhibition=inh, duration_ms=n_steps * dt)


def _integrate_spiking(cell: Cell, v0: float, dt: float, g_total, drive):
    """V on the grid and the spike times, exactly as `ipsplib.simulate` computes them.

    Each step is the exact update V_{n+1} = a_n V_n + b_n (a_n = e^{-g_n dt / C}),
    with the crossing time, reset and refractory release of `ipsplib._integrate`.
    The steps run in a plain Python loop over floats: the vectorised recurrence
    of `simulate` recomputes a chunk of 2048 steps after every spike, which at
    tens of spikes per second of Poisson input costs several times more than
    stepping (measured: about 2x faster here at 85 spikes/s).
    """
    c, threshold = float(cell.c_m_pF), float(cell.v_threshold_mV)
    rate = g_total * dt / c
    a = np.exp(-rate).tolist()
    b = (-np.expm1(-rate) * drive / g_total).tolist()
    n_steps = len(a)
    v = np.empty(n_steps + 1)
    v[0] = v0
    spikes: list[float] = []

    def constants(n, v_from, h):
        return float(g_total[n]), float(drive[n])

    n, v_now = 0, float(v0)
    if v_now >= threshold:
        n = after_spike(cell, v, spikes, 0.0, dt, constants)
        v_now = float(v[n])
    while n < n_steps:
        start, segment = n, []
        append = segment.append
        while n < n_steps:
            v_next = a[n] * v_now + b[n]
            if v_next >= threshold:
                break
            append(v_next)
            v_now = v_next
            n += 1
        v[start + 1 : n + 1] = segment
        if n == n_steps:
            break
        g, d = constants(n, v_now, dt)
        n = after_spike(cell, v, spikes, n * dt + crossing_time(v_now, g, d, c, dt, threshold), dt, constants)
        v_now = float(v[n])
    return v, spikes


def _fire_steps(cell: Cell, v0: float, dt: float, g_exc_step, e_exc: float, g_inh_step, e_inh: float,
                i_inject: float = 0.0):
    """(V, spikes) for step-averaged excitatory and inhibitory conductances (nS), e.g. `PoissonTrain.g_step_nS`."""
    g_total = cell.g_leak_nS + g_exc_step + g_inh_step
    drive = cell.g_leak_nS * cell.e_leak_mV + g_exc_step * e_exc + g_inh_step * e_inh + i_inject
    return _integrate_spiking(cell, v0, dt, g_total, drive)


def _seed_entropy(seed):
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    _rng(seed)  # validates
    return int(seed)


def firing_rate(cell: Cell, rate_exc_hz, g_exc_nS, rate_inh_hz=0.0, g_inh_nS=0.0, e_inh_mV=-70.0,
                duration_ms=1000.0, seed=None, **options) -> float:
    """Output rate of an integrate-and-fire cell under Poisson excitation and inhibition, Hz.

    The spike count of `poisson_firing` divided by ``duration_ms``; the
    parameters and keyword ``options`` are those of `poisson_firing`.

    Examples
    --------
    >>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0, refractory_ms=2.0)
    >>> drive = dict(rate_exc_hz=4000.0, g_exc_nS=1.0, duration_ms=2000.0, seed=3)
    >>> firing_rate(cell, **drive) > firing_rate(cell, **drive, rate_inh_hz=1500.0, g_inh_nS=1.0, e_inh_mV=-80.0)
    True
    """
    return poisson_firing(cell, rate_exc_hz, g_exc_nS, rate_inh_hz, g_inh_nS, e_inh_mV, duration_ms, seed,
                          **options).rate_hz


def shift_and_gain(drive, rate_control_hz, rate_inhibited_hz, min_rate_hz=1.0):
    """Fit r_inh(x) = gain * r_0(x - shift): how much of an inhibitory effect on rate is subtraction.

    A subtractive effect moves the rate curve along the drive axis (shift > 0,
    gain 1); a divisive one scales it (gain < 1). The control curve is
    interpolated linearly; for each trial shift the best gain is found by least
    squares over the points where the inhibited or the shifted control curve is
    at least ``min_rate_hz`` and
    the shifted drive stays inside the control curve (and at least 70 % of the
    inhibited curve's firing points, and 3 points, take part); the shift with the
    smallest squared error wins (searched on a grid of 401 shifts, then refined).

    Parameters
    ----------
    drive : array, shape (n,)
        Increasing drive values (any unit: input rate in Hz, current in pA).
    rate_control_hz, rate_inhibited_hz : array, shape (n,)
        Output rates without and with inhibition, Hz, >= 0.
    min_rate_hz : float
        Points below this rate in both curves are left out, Hz, >= 0.

    Returns
    -------
    (shift, gain, rms_error_hz) : tuple of float
        shift in the unit of ``drive``; gain dimensionless; the fit's r.m.s. error, Hz.

    Examples
    --------
    >>> x = np.linspace(0.0, 10.0, 41)
    >>> r0 = np.clip(5.0 * (x - 2.0), 0.0, None)
    >>> shift, gain, err = shift_and_gain(x, r0, 0.5 * np.clip(5.0 * (x - 3.0), 0.0, None))
    >>> round(shift, 2), round(gain, 3)
    (1.0, 0.5)
    """
    x = _checks.as_finite("drive", drive)
    r0 = _checks.non_negative("rate_control_hz", rate_control_hz, "Hz")
    r1 = _checks.non_negative("rate_inhibited_hz", rate_inhibited_hz, "Hz")
    floor = float(_checks.non_negative("min_rate_hz", min_rate_hz, "Hz"))
    if x.ndim != 1 or x.size < 3 or r0.shape != x.shape or r1.shape != x.shape:
        raise ValueError(f"drive, rate_control_hz and rate_inhibited_hz must be 1-D arrays of one length >= 3, "
                         f"got shapes {x.shape}, {r0.shape}, {r1.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("drive must be strictly increasing")
    if np.count_nonzero(r0 >= floor) < 3 or np.count_nonzero(r1 >= floor) < 3:
        raise ValueError(f"both rate curves need at least 3 points at or above min_rate_hz ({floor:g} Hz) to fit")
    span = x[-1] - x[0]
    n_firing = np.count_nonzero(r1 >= floor)
    firing = r1 >= floor

    def fit(shifts):
        """(mean squared error, gain) for each trial shift, all at once."""
        shifted = x[None, :] - shifts[:, None]
        inside = (shifted >= x[0]) & (shifted <= x[-1])
        model = np.interp(shifted.ravel(), x, r0).reshape(shifted.shape)
        # every point where the data or the shifted control fires (most of the inhibited curve's firing points)
        use = (firing[None, :] | (model >= floor)) & inside
        m = np.where(use, model, 0.0)
        data = np.where(use, r1[None, :], 0.0)
        denom = np.sum(m * m, axis=1)
        gain = np.divide(np.sum(m * data, axis=1), denom, out=np.ones_like(denom), where=denom > 0)
        count = np.count_nonzero(use, axis=1)
        error = np.sum((data - gain[:, None] * m) ** 2, axis=1) / np.maximum(count, 1)
        valid = (count >= 3) & (np.count_nonzero(use & firing[None, :], axis=1) >= 0.7 * n_firing)
        return np.where(valid, error, np.inf), gain

    shifts = np.linspace(-0.5 * span, 0.5 * span, 401)
    errors, _ = fit(shifts)
    best = int(np.argmin(errors))
    step = shifts[1] - shifts[0]
    fine = np.linspace(shifts[best] - step, shifts[best] + step, 201)
    fine_errors, fine_gains = fit(fine)
    k = int(np.argmin(fine_errors))
    shift, gain, error = float(fine[k]), float(fine_gains[k]), float(fine_errors[k])
    return shift, gain, math.sqrt(error)
