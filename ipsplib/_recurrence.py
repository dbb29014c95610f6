"""Vectorised solution of the first-order linear recurrence y[n] = a[n] y[n-1] + b[n].

Synaptic conductances (sums of decaying exponentials) and the membrane
potential between spikes both obey this recurrence. A Python loop over 40,000
time steps is slow, so it is solved in closed form with cumulative sums:
with L[n] = sum_{i<=n} log a[i],  y[n] = e^{L[n]} (y[-1] + sum_{i<=n} b[i] e^{-L[i]}).
e^{-L} grows without bound, so the sequence is cut into chunks over which
|L| stays below ``MAX_LOG_SPAN``; precision stays that of float64.
"""

from __future__ import annotations

import numpy as np

MAX_LOG_SPAN = 200.0
MAX_CHUNK_STEPS = 8192


def chunk_end(cum_log, start: int) -> int:
    """Index one past the last element of the chunk that begins at ``start``.

    ``cum_log`` is the cumulative sum of log a (non-increasing, as 0 < a <= 1).
    """
    base = cum_log[start - 1] if start else 0.0
    stop_max = min(cum_log.size, start + MAX_CHUNK_STEPS)
    span = base - cum_log[start:stop_max]
    return start + max(1, int(np.searchsorted(span, MAX_LOG_SPAN, side="right")))


def solve_chunk(cum_log, drive, y_before, start: int, stop: int) -> np.ndarray:
    """y[..., start:stop] given y[..., start - 1] = ``y_before`` (rows of ``drive`` share ``cum_log``)."""
    base = cum_log[start - 1] if start else 0.0
    log_growth = cum_log[start:stop] - base
    y_before = np.asarray(y_before, dtype=float)[..., None]
    return np.exp(log_growth) * (y_before + np.cumsum(drive[..., start:stop] * np.exp(-log_growth), axis=-1))


def linear_recurrence(log_a, b, y_before: float = 0.0) -> np.ndarray:
    """Solve y[n] = exp(log_a[n]) y[n-1] + b[n] for n = 0..len(b)-1.

    Parameters
    ----------
    log_a : float or 1-D array
        log of the decay factor of each step, <= 0 (a scalar for a constant factor).
    b : array, shape (n,) or (n_rows, n)
        Drive added at each step; rows are independent sequences sharing ``log_a``.
    y_before : float or array of shape (n_rows,)
        y[..., -1], the value before the first step.

    Examples
    --------
    >>> linear_recurrence(np.log(0.5), np.array([1.0, 0.0, 0.0]), y_before=0.0)
    array([1.  , 0.5 , 0.25])
    """
    b = np.asarray(b, dtype=float)
    n = b.shape[-1]
    cum_log = np.cumsum(np.broadcast_to(np.asarray(log_a, dtype=float), (n,)))
    out = np.empty_like(b)
    start, y = 0, np.broadcast_to(np.asarray(y_before, dtype=float), b.shape[:-1])
    while start < n:
        stop = chunk_end(cum_log, start)
        out[..., start:stop] = solve_chunk(cum_log, b, y, start, stop)
        start, y = stop, out[..., stop - 1]
    return out
