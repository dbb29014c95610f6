"""Input validation shared by every public function of ipsplib.

Each check raises ``ValueError`` naming the parameter, its unit and the valid
range, so that bad input gives a clear error and never a NaN or a wrong answer.
"""

from __future__ import annotations

import numpy as np

ABSOLUTE_ZERO_C = -273.15


def _unit_suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def _has_text(value) -> bool:
    return any(isinstance(item, (str, bytes)) for item in np.asarray(value, dtype=object).ravel())


def as_finite(name: str, value, unit: str = "") -> np.ndarray:
    """Return ``value`` as a float array, raising if any element is NaN or infinite (or it is not numeric)."""
    # numpy would read "100" as 100.0; a string is never a valid number here (it fails later, far from the cause).
    if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USO" and _has_text(value):
        raise ValueError(f"{name} must be a number{_unit_suffix(unit)}, got {value!r}")
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
