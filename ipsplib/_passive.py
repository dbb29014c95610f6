"""V of a passive cell whose inputs do not depend on V: slice by slice, one cumulative sum per slice.

Internal: `ipsplib.membrane.simulate` uses it for a passive cell without Mg2+-blocked
synapses; spiking cells and NMDA-type inputs take the general path of `ipsplib._integrate`.

Over step n the cell sees a constant total conductance G_n / dt and drive D_n / dt
(G_n, D_n: the exact step integrals of sum g and sum g E, nS ms and nS mV ms), so

    V_{n+1} = a_n V_n + (1 - a_n) V_inf,n,   a_n = e^{-G_n / C},   V_inf,n = D_n / G_n.

With the running sum L_n = (G_0 + ... + G_n) / C and w_n = e^{L_n} (w_{-1} = 1),
a_n = w_{n-1} / w_n, and the recurrence unrolls to

    V_{n+1} = (V_0 + sum_{i<=n} (w_i - w_{i-1}) V_inf,i) / w_n.

The blocked scan (`ipsplib._waveform_scan.BlockScan`) fills, per slice, the rows G and D
and the running integral of G itself, in closed form, so a slice costs one exponential and
one cumulative sum (the general path needs two of each; this one is done by small matrix
products, `prefix_sum`), with every temporary small enough to be reused from slice to
slice: no page faults.
"""

from __future__ import annotations

import numpy as np

from ._integrate import solve_slice
from ._recurrence import MAX_LOG_SPAN
from ._waveform_scan import prefix_sum

# Steps per slice: the buffers (3 rows x 8192 steps, 192 kB, and two of 64 kB) are reused from
# slice to slice. Measured on the 10-synapse trace of benchmarks/bench_neuron.py: 8192 makes no
# page fault per call, 16384 about 140 (each 4 kB page of fresh memory faults: 2-7 µs apiece).
SLICE_STEPS = 8192


def passive_voltage(cell, v0_mV: float, dt_ms: float, n_steps: int, scan, i_inject_pA, tonic) -> np.ndarray:
    """V on the grid, mV, of a passive ``cell`` from ``v0_mV``.

    Parameters
    ----------
    cell : ipsplib.Cell
        Passive (no threshold).
    v0_mV, dt_ms, n_steps
        Initial potential, step and number of steps of the grid.
    scan : BlockScan or None
        The synapses' rows sum g / C and sum g E / C, C = ``cell.c_m_pF`` (``integral=True``,
        ``cumulative_row=0``), or None without events.
    i_inject_pA : ndarray, shape (n_steps,), or None
        Step averages of the injected current, pA.
    tonic : sequence of (g_nS on the grid, e_rev_mV)
        Prescribed conductances, linear between grid points.

    Examples
    --------
    >>> from ipsplib import Cell
    >>> cell = Cell(c_m_pF=100.0, g_leak_nS=10.0, e_leak_mV=-70.0)          # tau_m 10 ms
    >>> passive_voltage(cell, -60.0, 10.0, 2, None, None, []).round(4)     # relaxes by e^-1 per step
    array([-60.    , -66.3212, -68.6466])
    """
    block = scan.steps_per_block if scan is not None else SLICE_STEPS
    per_slice = max(1, SLICE_STEPS // block) * block
    c, g_leak, e_leak = float(cell.c_m_pF), float(cell.g_leak_nS), float(cell.e_leak_mV)
    v = np.empty(n_steps + 1)
    v[0] = v0_mV
    rows = np.empty(3 * per_slice)
    w = np.empty(per_slice + 1)  # w[0] = w_{-1} = 1: L counts from the start of the slice
    w[0] = 1.0
    leak_per_c = g_leak * dt_ms / c  # per step, the leak's G / C
    leak_running = np.arange(1, per_slice + 1) * leak_per_c  # its running sum: the leak's part of L
    for first in range(0, n_steps, per_slice):
        stop = min(n_steps, first + per_slice)
        m = stop - first
        # G / C, D / C and L (the scan's rows are already divided by C: one pass less per slice).
        g_int, d_int, running = _step_integrals(scan, rows, first, m, block)
        g_int += leak_per_c
        d_int += leak_per_c * e_leak
        running += leak_running[:m]
        if i_inject_pA is not None:
            d_int += i_inject_pA[first:stop] * (dt_ms / c)
        for g_grid, e_mV in tonic:
            g_step = (g_grid[first:stop] + g_grid[first + 1 : stop + 1]) * (0.5 * dt_ms / c)  # exact: g linear
            g_int += g_step
            d_int += g_step * e_mV
            running += np.cumsum(g_step)
        if running[-1] > MAX_LOG_SPAN:  # e^L would overflow: the chunked recurrence instead
            _solve_in_chunks(v[first:], g_int * (c / dt_ms), d_int * (c / dt_ms), dt_ms / c)
            continue
        np.exp(running, out=w[1 : m + 1])
        np.divide(d_int, g_int, out=d_int)  # V_inf
        np.subtract(w[1 : m + 1], w[:m], out=g_int)
        g_int *= d_int
        total = prefix_sum(g_int, out=running)
        total += v[first]
        np.divide(total, w[1 : m + 1], out=v[first + 1 : stop + 1])
    return v


def _step_integrals(scan, rows: np.ndarray, first: int, m: int, block: int):
    """Views of ``rows`` holding, for steps first..first+m-1, the synapses' G, D and running integral of G."""
    n_blocks = -(-m // block)
    filled = rows[: 3 * n_blocks * block].reshape(3, n_blocks, block)
    if scan is None:
        filled[...] = 0.0
    else:
        scan.fill(first // block, first // block + n_blocks, filled)
    return filled.reshape(3, -1)[:, :m]


def _solve_in_chunks(v: np.ndarray, g_total, drive, dt_over_c: float) -> None:
    """v[1..] from v[0] by `solve_slice`, which cuts chunks where e^{-sum g dt / C} would underflow."""
    done = 0
    while done < g_total.size:
        done = solve_slice(v, g_total, drive, dt_over_c, done, g_total.size)
