"""The vectorised linear recurrence equals the plain step-by-step loop, over the whole range of decays."""

import numpy as np
import pytest

from ipsplib._recurrence import chunk_end, linear_recurrence, solve_chunk


def reference_loop(log_a, b, y_before):
    a = np.exp(log_a)
    out = np.empty_like(b)
    y = np.array(y_before, dtype=float)
    for i in range(b.shape[-1]):
        y = a * y + b[..., i]
        out[..., i] = y
    return out


@pytest.mark.parametrize("log_a", [-1e-9, -1e-4, -0.125, -2.3, -100.0, -299.0, -301.0, -700.0])
@pytest.mark.parametrize("n", [1, 5, 256, 257, 5000])
def test_matches_the_loop(log_a, n):
    rng = np.random.default_rng(n)
    b = rng.normal(size=(3, n))
    y_before = rng.normal(size=3)
    result = linear_recurrence(log_a, b, y_before)
    expected = reference_loop(log_a, b, y_before)
    np.testing.assert_allclose(result, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(linear_recurrence(log_a, b[0], y_before[0]), expected[0], rtol=1e-10, atol=1e-10)


def test_long_slow_decay_keeps_precision():
    # 1 s at 0.025 ms with a 100 ms time constant (NMDA decay): one event, then pure decay.
    n, log_a = 40001, -0.025 / 100.0
    b = np.zeros(n)
    b[0] = 1.0
    np.testing.assert_allclose(linear_recurrence(log_a, b), np.exp(log_a * np.arange(n)), rtol=1e-12)


@pytest.mark.parametrize("log_a", [-700.0, -710.0, -1e4, -1e12])
def test_one_step_chunk_beyond_the_log_span_does_not_overflow(log_a):
    """g dt / C above ~709 in one step: chunk_end must give a one-step chunk and solve_chunk y = a y0 + b."""
    import warnings

    cum_log = np.cumsum(np.full(5, log_a))
    drive = np.arange(1.0, 6.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chunk_end(cum_log, 0) == 1 and chunk_end(cum_log, 3) == 4
        y = solve_chunk(cum_log, drive, 7.0, 2, 3)
    np.testing.assert_allclose(y, [np.exp(log_a) * 7.0 + 3.0])
