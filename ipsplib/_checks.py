"""Input validation shared by every public function of ipsplib.

Each check raises ``ValueError`` naming the parameter, its unit and the valid
range, so that bad input gives a clear error and never a NaN or a wrong answer.
"""

from __future__ import annotations

import numpy as np

ABSOLUTE_ZERO_C = -273.15


def _unit_suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def as_finite(name: str, value, unit: str = "") -> np.ndarray:
    """Return ``value`` as a float array, raising if any element is NaN or infinite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number{_unit_suffix(unit)}, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite{_unit_suffix(unit)}, got {bad!r}")
    return arr


def positive(name: str, value, unit: str = "") -> np.ndarray:
    """Finite and strictly greater than zero."""
    arr = as_finite(name, value, unit)
    if np.any(arr <= 0):
        bad = arr[arr <= 0].ravel()[0]
        raise ValueError(f"{name} must be > 0{_unit_suffix(unit)}, got {bad!r}")
    return arr


def non_negative(name: str, value, unit: str = "") -> np.ndarray:
    """Finite and greater than or equal to zero."""
    arr = as_finite(name, value, unit)
    if np.any(arr < 0):
        bad = arr[arr < 0].ravel()[0]
        raise ValueError(f"{name} must be >= 0{_unit_suffix(unit)}, got {bad!r}")
    return arr


def temperature(name: str, value) -> np.ndarray:
    """A temperature in degrees Celsius, above absolute zero."""
    arr = as_finite(name, value, "°C")
    if np.any(arr <= ABSOLUTE_ZERO_C):
        bad = arr[arr <= ABSOLUTE_ZERO_C].ravel()[0]
        raise ValueError(f"{name} must be > {ABSOLUTE_ZERO_C} °C (absolute zero), got {bad!r}")
    return arr


def scalar(arr: np.ndarray):
    """A 0-d array becomes a Python float; anything else is returned unchanged."""
    return float(arr) if np.ndim(arr) == 0 else arr
