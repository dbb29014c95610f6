"""Temporal summation: a train of identical PSPs compared with what linear addition would give.

A presynaptic train delivers n events at a fixed interval onto one synapse of a
passive cell. If PSPs added like numbers, the response to the train would be
the single PSP shifted to each onset and summed (the *linear sum*). The ratio

    summation ratio = peak of the train / peak of the linear sum

is below 1 when summation is sublinear (a conductance-based synapse: each PSP
shrinks the driving force of the next), 1 when it is linear (a current-based
synapse, `ipsplib.currents.simulate_current_based`) and above 1 when it is
supralinear (an NMDA synapse: depolarization relieves its Mg2+ block). The
second ratio,

    peak of the train / (n x peak of one PSP),

measures how much of the n-fold PSP the cell ever reaches; it also counts the
decay between inputs, so it is set mainly by the interval compared with the
membrane time constant tau_m.

Peaks are signed: the deviation from rest of largest magnitude (positive for
an EPSP, negative for an IPSP). Only passive cells are accepted: summation of
subthreshold potentials is the subject, and a spike would hide it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .currents import simulate_current_based
from .membrane import Cell, simulate
from .synapses import Synapse

#: The two synapse models `train_summation` can compare.
MODELS = ("conductance", "current")
#: Default time before the first event, ms.
FIRST_ONSET_MS = 10.0
# A peak smaller than this is no response (rounding in the integrator leaves ~1e-14 mV), mV.
_NO_RESPONSE_MV = 1e-9


def train_onsets_ms(n_inputs, interval_ms, first_onset_ms=FIRST_ONSET_MS) -> np.ndarray:
    """Onset times of a regular train: ``first_onset_ms + k * interval_ms``, k = 0..n_inputs-1, ms.

    Parameters
    ----------
    n_inputs : int
        Number of events, a whole number >= 1.
    interval_ms : float
        Time between successive events, ms, >= 0 (0: all at once).
    first_onset_ms : float
        Time of the first event, ms, >= 0.

    Returns
    -------
    ndarray, shape (n_inputs,)

    Examples
    --------
    >>> train_onsets_ms(4, 5.0)
    array([10., 15., 20., 25.])
    """
    n = _checked_count(n_inputs)
    interval = float(_checks.non_negative("interval_ms", interval_ms, "ms"))
    first = float(_checks.non_negative("first_onset_ms", first_onset_ms, "ms"))
    return first + interval * np.arange(n, dtype=float)


def _checked_count(n_inputs) -> int:
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer, float, np.floating)):
        raise ValueError(f"n_inputs must be a whole number >= 1 (a count, no unit), got {n_inputs!r}")
    if not math.isfinite(float(n_inputs)) or float(n_inputs) != int(n_inputs) or int(n_inputs) < 1:
        raise ValueError(f"n_inputs must be a whole number >= 1 (a count, no unit), got {n_inputs!r}")
    return int(n_inputs)


def signed_peak(dv_mV) -> float:
    """The deviation of largest magnitude, with its sign, mV (0 for an empty or flat response).

    Examples
    --------
    >>> signed_peak([0.0, 1.5, -2.0, 0.5])
    -2.0
    """
    dv = _checks.as_finite("dv_mV", dv_mV, "mV").ravel()
    if dv.size == 0:
        return 0.0
    return float(dv[np.argmax(np.abs(dv))])


def linear_sum_mV(t_ms, single_dv_mV, shifts_ms) -> np.ndarray:
    """The single PSP shifted by each of ``shifts_ms`` and added: what linear summation predicts, mV.

    Parameters
    ----------
    t_ms : array, shape (n,)
        Increasing time grid, ms.
    single_dv_mV : array, shape (n,)
        Deviation from rest of one PSP on that grid, mV (zero before its onset).
    shifts_ms : array
        Delay of each copy relative to the single PSP, ms, >= 0. Shifts that
        are whole numbers of grid steps are exact; others are interpolated
        linearly between grid points.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> linear_sum_mV([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.5, 0.25], [0.0, 1.0])
    array([0.  , 1.  , 1.5 , 0.75])
    """
    t = _checks.as_finite("t_ms", t_ms, "ms").ravel()
    dv = _checks.as_finite("single_dv_mV", single_dv_mV, "mV").ravel()
    shifts = _checks.non_negative("shifts_ms", np.atleast_1d(shifts_ms), "ms").ravel()
    if t.size != dv.size or t.size < 2:
        raise ValueError(f"t_ms and single_dv_mV must have the same length >= 2, got {t.size} and {dv.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t_ms must be strictly increasing (ms)")
    step = float(t[1] - t[0])
    total = np.zeros_like(dv)
    for shift in shifts:
        k = shift / step
        if abs(k - round(k)) < 1e-9 and np.allclose(np.diff(t), step, rtol=1e-9, atol=0.0):
            k = int(round(k))
            if k < dv.size:
                total[k:] += dv[:dv.size - k]
        else:
            total += np.interp(t - shift, t, dv, left=0.0)
    return total


@dataclass(frozen=True)
class TrainSummation:
    """The result of `train_summation`: a train of PSPs, the single PSP and their linear sum.

    Attributes
    ----------
    t_ms : ndarray, shape (n,)
        Time grid, ms.
    onsets_ms : ndarray, shape (n_inputs,)
        Event times of the train, ms.
    dv_mV : ndarray, shape (n,)
        Deviation from rest during the train, mV.
    single_dv_mV : ndarray, shape (n,)
        Deviation from rest of one PSP alone (onset at the train's first event), mV.
    linear_dv_mV : ndarray, shape (n,)
        The single PSP shifted to every onset and added: the linear prediction, mV.
    train, single : Trace or CurrentTrace
        The simulations behind them (``train.v_mV``, ``train.g_nS``, ``train.i_pA``, ...).
    model : str
        "conductance" (`ipsplib.simulate`) or "current" (`ipsplib.simulate_current_based`).
    peak_mV, single_peak_mV, linear_peak_mV : float
        Signed peaks (largest deviation from rest) of the train, one PSP and the linear sum, mV.
    summation_ratio : float
        peak_mV / linear_peak_mV: < 1 sublinear, 1 linear, > 1 supralinear.
    ratio_to_n_single : float
        peak_mV / (n_inputs x single_peak_mV): the fraction of the n-fold PSP reached.
    n_inputs : int
    """

    t_ms: np.ndarray
    onsets_ms: np.ndarray
    dv_mV: np.ndarray
    single_dv_mV: np.ndarray
    linear_dv_mV: np.ndarray
    train: object
    single: object
    model: str

    @property
    def n_inputs(self) -> int:
        return int(self.onsets_ms.size)

    @property
    def peak_mV(self) -> float:
        return signed_peak(self.dv_mV)

    @property
    def single_peak_mV(self) -> float:
        return signed_peak(self.single_dv_mV)

    @property
    def linear_peak_mV(self) -> float:
        return signed_peak(self.linear_dv_mV)

    @property
    def summation_ratio(self) -> float:
        return _ratio(self.peak_mV, self.linear_peak_mV, "the linear sum")

    @property
    def ratio_to_n_single(self) -> float:
        return _ratio(self.peak_mV, self.n_inputs * self.single_peak_mV, "the single PSP")

    @property
    def summation(self) -> str:
        """ "sublinear", "linear" or "supralinear" (the summation ratio to within 0.5 %)."""
        ratio = self.summation_ratio
        if ratio < 0.995:
            return "sublinear"
        if ratio > 1.005:
            return "supralinear"
        return "linear"


def _ratio(numerator: float, denominator: float, what: str) -> float:
    if abs(denominator) < _NO_RESPONSE_MV:
        raise ValueError(f"the peak of {what} is 0 mV (below {_NO_RESPONSE_MV:g} mV: a synapse with g_max_nS = 0?), "
                         "so no ratio exists")
    return numerator / denominator


def train_summation(cell: Cell, synapse: Synapse, n_inputs, interval_ms, duration_ms=None, dt_ms=0.025,
                    first_onset_ms=FIRST_ONSET_MS, model="conductance") -> TrainSummation:
    """Simulate a regular train of n identical PSPs and compare it with one PSP and with the linear sum.

    Parameters
    ----------
    cell : Cell
        A passive cell (``v_threshold_mV`` None), starting at rest.
    synapse : Synapse
        The synapse every event of the train activates (NMDA-type: with its Mg2+ block).
    n_inputs : int
        Number of events, a whole number >= 1.
    interval_ms : float
        Time between successive events, ms, >= 0.
    duration_ms : float or None
        Length of the simulation, ms, longer than the last onset and a whole
        number of steps. Default: the last onset plus 5 (tau_m + tau_decay),
        rounded up to a whole number of steps.
    dt_ms : float
        Time step, ms, > 0.
    first_onset_ms : float
        Time of the first event, ms, >= 0; the single PSP starts then too.
    model : {"conductance", "current"}
        "conductance": `ipsplib.simulate` (the driving force, and an NMDA
        block, follow V); "current": `ipsplib.simulate_current_based` (both
        frozen at rest: exactly linear).

    Returns
    -------
    TrainSummation

    Examples
    --------
    Five AMPA EPSPs 5 ms apart sum sublinearly; as currents they sum linearly:

    >>> from ipsplib import Cell, synapses
    >>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0)       # tau_m 20 ms
    >>> s = train_summation(cell, synapses.ampa(g_max_nS=4.0), n_inputs=5, interval_ms=5.0)
    >>> s.summation, round(s.summation_ratio, 2)
    ('sublinear', 0.93)
    >>> c = train_summation(cell, synapses.ampa(g_max_nS=4.0), 5, 5.0, model="current")
    >>> c.summation, round(c.summation_ratio, 9)
    ('linear', 1.0)
    """
    if not isinstance(cell, Cell):
        raise ValueError(f"cell must be an ipsplib Cell, got {type(cell).__name__}")
    if cell.spiking:
        raise ValueError("cell must be passive (v_threshold_mV None) to compare subthreshold PSPs, "
                         f"got v_threshold_mV = {cell.v_threshold_mV} mV")
    if not isinstance(synapse, Synapse):
        raise ValueError(f"synapse must be an ipsplib Synapse, got {type(synapse).__name__}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {list(MODELS)}, got {model!r}")
    onsets = train_onsets_ms(n_inputs, interval_ms, first_onset_ms)
    dt = float(_checks.positive("dt_ms", dt_ms, "ms"))
    if duration_ms is None:
        tail = 5.0 * (cell.tau_m_ms + float(synapse.tau_decay_ms))
        duration_ms = math.ceil((onsets[-1] + tail) / dt - 1e-9) * dt
    duration = float(_checks.positive("duration_ms", duration_ms, "ms"))
    if duration <= onsets[-1]:
        raise ValueError(f"duration_ms must be longer than the last onset ({onsets[-1]:g} ms), got {duration:g} ms")
    run = simulate if model == "conductance" else simulate_current_based
    train = run(cell, [(synapse, onsets)], duration, dt_ms=dt)
    single = run(cell, [(synapse, onsets[:1])], duration, dt_ms=dt)
    rest = float(cell.e_leak_mV)
    single_dv = single.v_mV - rest
    return TrainSummation(
        t_ms=train.t_ms,
        onsets_ms=onsets,
        dv_mV=train.v_mV - rest,
        single_dv_mV=single_dv,
        linear_dv_mV=linear_sum_mV(train.t_ms, single_dv, onsets - onsets[0]),
        train=train,
        single=single,
        model=model,
    )
