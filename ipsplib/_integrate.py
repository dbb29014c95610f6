"""The time grid, input checks and the exact voltage integrators shared by `membrane` and `currents`.

Internal: the public entry points are `ipsplib.simulate` and
`ipsplib.currents.simulate_current_based`.

Over each step n (t_n to t_n+1) the membrane sees a constant total
conductance g_n and drive d_n (the exact step averages of the inputs), so

    V(t) = V_inf + (V(t_a) - V_inf) e^{-(t - t_a) g_n / C},   V_inf = d_n / g_n,

holds exactly for any t_a, t inside the step. The integrators use it for
whole steps (vectorised, `_recurrence`) and for parts of a step: a threshold
crossing is solved from it in closed form, and after a spike V restarts from
reset at the exact end of the refractory period, even between grid points.
Within a step V is monotonic, so a crossing cannot hide between grid points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import _checks
from ._recurrence import chunk_end, solve_chunk
from .synapses import Synapse, _checked_onsets

# Chunk length of the voltage recurrence in a spiking cell: work after a spike is recomputed.
_SPIKING_CHUNK_STEPS = 2048
# Slice length otherwise: each temporary (64 kB) stays in cache, and below glibc's 128 kB mmap threshold,
# where every large temporary would be fresh memory and cost a page fault per 4 kB (measured: half the time).
_SLICE_STEPS = 8192
# A duration within this fraction of a step of a whole number of steps counts as one.
_GRID_TOLERANCE = 1e-9
# A cell without a refractory period, driven far above threshold, could fire without end inside one step.
_MAX_SPIKES_IN_ONE_STEP = 100_000


def grid(duration_ms, dt_ms) -> tuple[int, float]:
    """Number of steps and the step of the grid t = k dt_ms, k = 0..n_steps, that ends at duration_ms.

    Raises ValueError unless duration_ms is a whole number of steps (to 1e-9 of a step plus rounding).
    """
    duration = float(_checks.positive("duration_ms", duration_ms, "ms"))
    dt = float(_checks.positive("dt_ms", dt_ms, "ms"))
    if dt > duration:
        raise ValueError(f"dt_ms must be <= duration_ms ({duration} ms), got {dt} ms")
    n_steps = round(duration / dt)
    # Rounding in duration / dt grows with the number of steps (a few ulps of n_steps).
    if abs(n_steps - duration / dt) > _GRID_TOLERANCE + 1e-12 * n_steps:
        raise ValueError(
            f"duration_ms must be a whole number of steps dt_ms = {dt} ms, got {duration} ms "
            f"({duration / dt:.6g} steps); use e.g. duration_ms = {max(1, math.floor(duration / dt)) * dt:.10g} ms"
        )
    return n_steps, dt


def checked_inputs(inputs) -> list[tuple[Synapse, np.ndarray]]:
    """The (Synapse, onsets_ms) pairs of ``inputs`` with checked onsets, or a ValueError."""
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise ValueError("inputs must be a sequence of (Synapse, onsets_ms) pairs")
    checked = []
    for k, pair in enumerate(inputs):
        if not (isinstance(pair, Sequence) and len(pair) == 2 and isinstance(pair[0], Synapse)):
            raise ValueError(f"inputs[{k}] must be a (Synapse, onsets_ms) pair, got {pair!r}")
        checked.append((pair[0], _checked_onsets(pair[1])))
    return checked


def advance(v_from: float, g: float, d: float, c: float, h: float) -> float:
    """V after a time h at constant conductance g (nS) and drive d (nS mV + pA), from v_from."""
    v_inf = d / g
    return v_inf + (v_from - v_inf) * math.exp(-g * h / c)


def crossing_time(v_from: float, g: float, d: float, c: float, h: float, threshold: float) -> float:
    """Time after the start (in [0, h]) at which V, rising from v_from < threshold, reaches threshold."""
    v_inf = d / g
    if v_inf <= threshold:  # only rounding can bring the end of the step to threshold
        return h
    return min(h, c / g * math.log1p((threshold - v_from) / (v_inf - threshold)))


def after_spike(cell, v: np.ndarray, spikes: list, t_spike: float, dt: float, constants) -> int:
    """Record a spike at t_spike, hold V at reset to the end of the refractory period, restart from there.

    ``constants(n, v_from, h)`` gives (g, d) of step n for a part of length h
    starting from v_from. The grid points t_k with t_spike <= t_k <= t_spike +
    refractory (k >= 1: V[0] is the initial condition) read the reset
    potential. Returns the grid index from which to go on, with V set there.
    """
    n_steps = v.size - 1
    c, threshold, reset = float(cell.c_m_pF), float(cell.v_threshold_mV), float(cell.v_reset_mV)
    for _ in range(_MAX_SPIKES_IN_ONE_STEP):
        spikes.append(t_spike)
        t_release = t_spike + float(cell.refractory_ms)
        first = max(1, math.ceil(t_spike / dt - _GRID_TOLERANCE))
        last = math.floor(t_release / dt + _GRID_TOLERANCE)
        if last >= n_steps:
            v[first:] = reset
            return n_steps
        v[first : last + 1] = reset
        if last >= first and abs(t_release - last * dt) <= _GRID_TOLERANCE * dt:
            return last  # released on a grid point
        # Released inside step `last`: V rises from reset over the rest of that step.
        h = (last + 1) * dt - t_release
        g, d = constants(last, reset, h)
        v_end = advance(reset, g, d, c, h)
        if v_end < threshold:
            v[last + 1] = v_end
            return last + 1
        t_spike = t_release + crossing_time(reset, g, d, c, h, threshold)
    raise ValueError(
        f"the cell fires more than {_MAX_SPIKES_IN_ONE_STEP} times within one step of {dt} ms: "
        "give it a refractory period (refractory_ms > 0 ms) or a smaller drive"
    )


def integrate_linear(cell, v0: float, dt: float, g_total, drive):
    """V on the grid for voltage-independent conductances, by the vectorised recurrence, and the spike times.

    ``g_total`` (nS) and ``drive`` (nS mV + pA) hold the constants of each step.
    A cell that starts at or above threshold fires at t = 0. The recurrence is
    solved slice by slice (`solve_slice`), so its temporaries stay small.

    Examples
    --------
    >>> from ipsplib import Cell
    >>> cell = Cell(c_m_pF=100.0, g_leak_nS=10.0, e_leak_mV=-70.0)
    >>> v, spikes = integrate_linear(cell, -70.0, 10.0, np.full(3, 20.0), np.full(3, 20.0 * -35.0))
    >>> v.round(3), spikes                        # relaxes from -70 toward -35 mV with tau = 5 ms
    (array([-70.   , -39.737, -35.641, -35.087]), [])
    """
    c = float(cell.c_m_pF)
    v = np.empty(g_total.size + 1)
    v[0] = v0
    spikes: list[float] = []

    def constants(n, v_from, h):
        return float(g_total[n]), float(drive[n])

    start = 0  # step `start` takes V from grid point start to start + 1
    if cell.spiking and v0 >= cell.v_threshold_mV:
        start = after_spike(cell, v, spikes, 0.0, dt, constants)
    while start < g_total.size:
        stop = min(g_total.size, start + (_SPIKING_CHUNK_STEPS if cell.spiking else _SLICE_STEPS))
        stop = solve_slice(v, g_total, drive, dt / c, start, stop)
        if cell.spiking:
            crossed = np.flatnonzero(v[start + 1 : stop + 1] >= cell.v_threshold_mV)
            if crossed.size:
                n = start + int(crossed[0])  # the step in which V crosses
                g, d = constants(n, v[n], dt)
                t_spike = n * dt + crossing_time(float(v[n]), g, d, c, dt, float(cell.v_threshold_mV))
                start = after_spike(cell, v, spikes, t_spike, dt, constants)
                continue
        start = stop
    return v, spikes


def solve_slice(v: np.ndarray, g_total, drive, dt_over_c: float, start: int, stop: int) -> int:
    """Fill v[start+1 .. end] from v[start] by the exact steps start..end-1; returns end (<= stop).

    Step n multiplies V - V_inf by a_n = e^{-g_n dt / C} (V_inf = drive_n / g_n). The slice
    ends early where the product of the a_n would fall below e^-600 (`chunk_end`).
    """
    rate = g_total[start:stop] * dt_over_c
    cum_log = np.cumsum(-rate)
    end = chunk_end(cum_log, 0)
    rate, cum_log = rate[:end], cum_log[:end]
    step_drive = np.expm1(-rate)
    step_drive *= drive[start : start + end]
    step_drive /= g_total[start : start + end]
    step_drive *= -1.0  # (1 - a_n) V_inf
    v[start + 1 : start + end + 1] = solve_chunk(cum_log, step_drive, v[start], 0, end)
    return start + end
