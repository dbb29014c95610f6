"""Vectorised solution of the first-order linear recurrence y[n] = a[n] y[n-1] + b[n].

Synaptic conductances (sums of decaying exponentials) and the membrane
potential between spikes both obey this recurrence. A Python loop over 40,000
time steps is slow, so it is solved in closed form with cumulative sums:
with L[n] = sum_{i<=n} log a[i],  y[n] = e^{L[n]} (y[-1] + sum_{i<=n} b[i] e^{-L[i]}).
e^{-L} grows without bound, so the sequence is cut into chunks (or blocks) over
which |L| stays below ``MAX_LOG_SPAN``; precision stays that of float64.
"""

from __future__ import annotations

import numpy as np

# e^600 ~ 4e260 stays below the float64 maximum (~1.8e308) with room for the drive.
MAX_LOG_SPAN = 600.0
# Block length of `linear_recurrence`: long enough that the carried values are few.
BLOCK_STEPS = 256


def chunk_end(cum_log, start: int, max_steps: int | None = None) -> int:
    """Index one past the last element of the chunk that begins at ``start``.

    ``cum_log`` is the cumulative sum of log a (non-increasing, as 0 < a <= 1).
    ``max_steps`` optionally caps the chunk length (a spiking cell discards the
    rest of a chunk after each spike, so it uses short chunks). A chunk has at
    least one step, even when that step alone spans more than MAX_LOG_SPAN
    (g dt / C > 600): `solve_chunk` solves such a one-step chunk without exponentials.
    """
    base = cum_log[start - 1] if start else 0.0
    stop_max = cum_log.size if max_steps is None else min(cum_log.size, start + max_steps)
    span = base - cum_log[start:stop_max]
    return start + max(1, int(np.searchsorted(span, MAX_LOG_SPAN, side="right")))


def solve_chunk(cum_log, drive, y_before, start: int, stop: int) -> np.ndarray:
    """y[..., start:stop] given y[..., start - 1] = ``y_before`` (rows of ``drive`` share ``cum_log``).

    The chunk must come from `chunk_end`: its log span is at most MAX_LOG_SPAN, or it is one step.
    """
    base = cum_log[start - 1] if start else 0.0
    log_growth = cum_log[start:stop] - base
    y_before = np.asarray(y_before, dtype=float)[..., None]
    if stop - start == 1:
        # One step whose own log factor may exceed MAX_LOG_SPAN (g dt / C > 709 overflows e^{-L}):
        # y = a y_before + b needs no growing exponential at all.
        return np.exp(log_growth) * y_before + drive[..., start:stop]
    growth = np.exp(log_growth)
    y = drive[..., start:stop] / growth
    np.cumsum(y, axis=-1, out=y)
    y += y_before
    y *= growth
    return y


def linear_recurrence(log_a: float, b, y_before=0.0) -> np.ndarray:
    """Solve y[n] = a y[n-1] + b[n] for n = 0..len(b)-1, with a constant factor a = exp(log_a).

    The sequence is cut into blocks of equal length: every block is solved from
    zero at once (one cumulative sum over a 2-D array), then the value carried
    from one block to the next obeys the same recurrence with factor a^block,
    over far fewer elements, and is added back. No Python loop runs over the steps.

    Parameters
    ----------
    log_a : float
        log of the decay factor of each step, <= 0.
    b : array, shape (n,) or (n_rows, n)
        Drive added at each step; rows are independent sequences.
    y_before : float or array of shape (n_rows,)
        y[..., -1], the value before the first step.

    Examples
    --------
    >>> linear_recurrence(np.log(0.5), np.array([1.0, 0.0, 0.0]), y_before=0.0)
    array([1.  , 0.5 , 0.25])
    """
    b = np.asarray(b, dtype=float)
    n = b.shape[-1]
    y_before = np.broadcast_to(np.asarray(y_before, dtype=float), b.shape[:-1])
    block = int(min(BLOCK_STEPS, max(1.0, MAX_LOG_SPAN / max(-log_a, 1e-300))))
    if block == 1:
        # a <= e^-300: what is carried beyond one step is below float64 resolution.
        a = np.exp(log_a)
        y = b.copy()
        y[..., 0] += a * y_before
        y[..., 1:] += a * b[..., :-1]
        return y
    if n <= block:
        return solve_chunk(np.arange(1, n + 1) * log_a, b, y_before, 0, n)
    n_blocks = -(-n // block)
    padded = np.zeros((*b.shape[:-1], n_blocks * block))
    padded[..., :n] = b
    blocks = padded.reshape(*b.shape[:-1], n_blocks, block)
    steps = np.arange(block)
    local = np.exp(log_a * steps) * np.cumsum(blocks * np.exp(-log_a * steps), axis=-1)  # each block from zero
    ends = linear_recurrence(log_a * block, local[..., -1], y_before)
    before = np.concatenate([y_before[..., None], ends[..., :-1]], axis=-1)
    y = local + before[..., None] * np.exp(log_a * (steps + 1))
    return y.reshape(*b.shape[:-1], n_blocks * block)[..., :n]
