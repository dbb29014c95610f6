"""One-compartment membrane: `Cell`, `simulate`, `steady_state` and the `Trace` result.

The membrane equation, with currents positive outward and injected current
positive inward (depolarizing), as NEURON's IClamp:

    C dV/dt = -g_L (V - E_L) - sum_k g_k(t) B_k(V) (V - E_k) + I_inject(t)

(B_k is the Mg2+ block of NMDA-type synapses, 1 otherwise). Units: pF, nS, mV,
ms, pA, so C/g is in ms with no conversion factor.

Between grid points the equation is linear in V, so each step is integrated
exactly with the step-averaged conductances (an exponential integrator), and
the whole trace is solved as one vectorised linear recurrence. Only a
voltage-dependent (NMDA) conductance needs a step-by-step loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import _checks
from ._recurrence import chunk_end, solve_chunk
from .ions import MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV, mg_block
from .synapses import Synapse, checked_onsets, grid_conductances

# Chunk length of the voltage recurrence in a spiking cell: work after a spike is recomputed.
_SPIKING_CHUNK_STEPS = 2048


@dataclass(frozen=True)
class Cell:
    """A single-compartment neuron: passive, or leaky integrate-and-fire with a threshold.

    Parameters
    ----------
    c_m_pF : float
        Membrane capacitance, pF, > 0.
    g_leak_nS : float
        Leak conductance, nS, > 0.
    e_leak_mV : float
        Leak reversal (resting) potential, mV.
    v_threshold_mV : float or None
        Spike threshold, mV, or None for a passive cell.
    v_reset_mV : float or None
        Potential after a spike, mV, below the threshold (default: ``e_leak_mV``).
    refractory_ms : float
        Time V is held at reset after a spike, ms, >= 0.

    Examples
    --------
    >>> Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0).tau_m_ms
    20.0
    """

    c_m_pF: float
    g_leak_nS: float
    e_leak_mV: float
    v_threshold_mV: float | None = None
    v_reset_mV: float | None = None
    refractory_ms: float = 0.0

    def __post_init__(self):
        _checks.positive("c_m_pF", self.c_m_pF, "pF")
        _checks.positive("g_leak_nS", self.g_leak_nS, "nS")
        _checks.as_finite("e_leak_mV", self.e_leak_mV, "mV")
        _checks.non_negative("refractory_ms", self.refractory_ms, "ms")
        if self.v_threshold_mV is None:
            if self.v_reset_mV is not None:
                raise ValueError("v_reset_mV (mV) needs v_threshold_mV; a passive cell has no reset")
            return
        _checks.as_finite("v_threshold_mV", self.v_threshold_mV, "mV")
        if self.v_reset_mV is None:
            object.__setattr__(self, "v_reset_mV", float(self.e_leak_mV))
        _checks.as_finite("v_reset_mV", self.v_reset_mV, "mV")
        if self.v_reset_mV >= self.v_threshold_mV:
            raise ValueError(
                f"v_reset_mV must be < v_threshold_mV ({self.v_threshold_mV} mV), got {self.v_reset_mV} mV"
            )

    @property
    def tau_m_ms(self) -> float:
        """Membrane time constant C / g_leak, ms."""
        return float(self.c_m_pF) / float(self.g_leak_nS)

    @property
    def r_in_MOhm(self) -> float:
        """Input resistance at rest 1 / g_leak, MOhm (1/nS = 1000 MOhm)."""
        return 1000.0 / float(self.g_leak_nS)

    @property
    def spiking(self) -> bool:
        return self.v_threshold_mV is not None


@dataclass(frozen=True)
class Trace:
    """The result of `simulate`.

    Attributes
    ----------
    t_ms : ndarray, shape (n,)
        Time grid, ms.
    v_mV : ndarray, shape (n,)
        Membrane potential, mV.
    spikes_ms : ndarray
        Threshold-crossing times (interpolated between grid points), ms.
    inputs : tuple of (Synapse, onsets_ms)
        The inputs as simulated.
    g_nS : ndarray, shape (n_inputs, n)
        Conductance of each input, nS, including the Mg2+ block of NMDA-type
        synapses (computed on first access).
    i_pA : ndarray, shape (n_inputs, n)
        Current of each input g (V - E_rev), pA, positive outward.
    names : tuple of str
        The inputs' synapse names.
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    spikes_ms: np.ndarray
    inputs: tuple

    @property
    def dt_ms(self) -> float:
        return float(self.t_ms[1] - self.t_ms[0])

    @property
    def names(self) -> tuple:
        return tuple(syn.name for syn, _ in self.inputs)

    @cached_property
    def g_nS(self) -> np.ndarray:
        n_inputs = len(self.inputs)
        g, _ = grid_conductances(self.inputs, self.t_ms.size - 1, self.dt_ms, weights=np.eye(n_inputs))
        for k, (syn, _) in enumerate(self.inputs):
            if syn.mg_out_mM > 0:
                g[k] *= mg_block(self.v_mV, syn.mg_out_mM)
        return g

    @cached_property
    def i_pA(self) -> np.ndarray:
        e_rev = np.array([float(syn.e_rev_mV) for syn, _ in self.inputs]).reshape(-1, 1)
        return self.g_nS * (self.v_mV[None, :] - e_rev)


def _checked_inputs(inputs) -> list[tuple[Synapse, np.ndarray]]:
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise ValueError("inputs must be a sequence of (Synapse, onsets_ms) pairs")
    checked = []
    for k, pair in enumerate(inputs):
        if not (isinstance(pair, Sequence) and len(pair) == 2 and isinstance(pair[0], Synapse)):
            raise ValueError(f"inputs[{k}] must be a (Synapse, onsets_ms) pair, got {pair!r}")
        checked.append((pair[0], checked_onsets(pair[1])))
    return checked


def _grid(duration_ms, dt_ms) -> tuple[int, float]:
    duration = float(_checks.positive("duration_ms", duration_ms, "ms"))
    dt = float(_checks.positive("dt_ms", dt_ms, "ms"))
    if dt > duration:
        raise ValueError(f"dt_ms must be <= duration_ms ({duration} ms), got {dt} ms")
    n_steps = math.floor(duration / dt + 1e-9)
    return n_steps, dt


def _injected_step_average(i_inject_pA, n_steps: int) -> np.ndarray:
    """Injected current averaged over each step (linear between grid samples), pA."""
    if i_inject_pA is None:
        return np.zeros(n_steps)
    current = _checks.as_finite("i_inject_pA", i_inject_pA, "pA")
    if current.ndim == 0:
        return np.full(n_steps, float(current))
    if current.shape != (n_steps + 1,):
        raise ValueError(
            f"i_inject_pA must be a number or an array of length {n_steps + 1} "
            f"(one value per grid point, pA), got shape {current.shape}"
        )
    return 0.5 * (current[:-1] + current[1:])


def simulate(cell: Cell, inputs, duration_ms, dt_ms=0.025, i_inject_pA=None, v0_mV=None) -> Trace:
    """Membrane potential of a one-compartment cell driven by synapses and injected current.

    Parameters
    ----------
    cell : Cell
        Passive, or leaky integrate-and-fire if it has a threshold.
    inputs : sequence of (Synapse, onsets_ms)
        Each synapse with its presynaptic event times, ms, >= 0 (need not lie on the grid).
    duration_ms : float
        Length of the simulation, ms, > 0. The grid is t = k dt_ms up to duration_ms.
    dt_ms : float
        Time step, ms, 0 < dt_ms <= duration_ms.
    i_inject_pA : float or array or None
        Injected current, pA, positive depolarizing: a constant or one value per
        grid point (linear in between).
    v0_mV : float or None
        Initial potential, mV (default: ``cell.e_leak_mV``).

    Returns
    -------
    Trace

    Examples
    --------
    >>> from ipsplib.synapses import ampa
    >>> cell = Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    >>> trace = simulate(cell, [(ampa(g_max_nS=2.0), [10.0])], duration_ms=50.0)
    >>> round(float(trace.v_mV.max() - trace.v_mV[0]), 2)       # EPSP amplitude, mV
    2.74
    """
    if not isinstance(cell, Cell):
        raise ValueError(f"cell must be an ipsplib Cell, got {type(cell).__name__}")
    n_steps, dt = _grid(duration_ms, dt_ms)
    checked = _checked_inputs(inputs)
    v0 = float(cell.e_leak_mV if v0_mV is None else _checks.as_finite("v0_mV", v0_mV, "mV"))
    i_inject = _injected_step_average(i_inject_pA, n_steps)

    e_rev = np.array([float(syn.e_rev_mV) for syn, _ in checked])
    mg = np.array([float(syn.mg_out_mM) for syn, _ in checked])
    linear = mg == 0
    # Voltage-independent inputs enter only through sum g and sum g E over each step.
    rows = np.vstack([linear, linear * e_rev])
    _, integrals = grid_conductances(checked, n_steps, dt, weights=rows)
    g_total = cell.g_leak_nS + integrals[0] / dt
    drive = cell.g_leak_nS * cell.e_leak_mV + integrals[1] / dt + i_inject
    if linear.all():
        v, spikes = _integrate_linear(cell, v0, dt, g_total, drive)
    else:
        # Mg2+-blocked inputs: one row per distinct (E_rev, [Mg]o), re-weighted by the block every step.
        groups = sorted({(e, m) for e, m in zip(e_rev[~linear], mg[~linear], strict=True)})
        one_hot = np.array([[(e, m) == group for e, m in zip(e_rev, mg, strict=True)] for group in groups], float)
        _, blocked = grid_conductances(checked, n_steps, dt, weights=one_hot)
        e_blocked, mg_blocked = (np.array(column) for column in zip(*groups, strict=True))
        v, spikes = _integrate_stepwise(cell, v0, dt, g_total, drive, blocked / dt, e_blocked, mg_blocked)
    return Trace(t_ms=np.arange(n_steps + 1) * dt, v_mV=v, spikes_ms=np.array(spikes), inputs=tuple(checked))


def _spike(cell: Cell, v: np.ndarray, index: int, dt: float, v_before: float, v_after: float):
    """Record a threshold crossing in step ``index`` and clamp V at reset through the refractory period.

    Returns the spike time and the last grid index held at reset.
    """
    if v_before >= cell.v_threshold_mV:  # started at or above threshold
        fraction = 0.0
    else:
        fraction = (cell.v_threshold_mV - v_before) / (v_after - v_before)
    t_spike = (index - 1 + fraction) * dt
    last = min(v.size - 1, max(index, math.floor((t_spike + cell.refractory_ms) / dt + 1e-9)))
    v[index : last + 1] = cell.v_reset_mV
    return t_spike, last


def _integrate_linear(cell: Cell, v0: float, dt: float, g_total, drive):
    """V on the grid for voltage-independent conductances, by the vectorised recurrence."""
    decay = np.exp(-g_total * dt / cell.c_m_pF)
    step_drive = (1.0 - decay) * drive / g_total
    cum_log = np.cumsum(-g_total * dt / cell.c_m_pF)
    v = np.empty(g_total.size + 1)
    v[0] = v0
    spikes = []
    start = 0  # step `start` takes V from grid point start to start + 1
    while start < g_total.size:
        stop = chunk_end(cum_log, start, _SPIKING_CHUNK_STEPS if cell.spiking else None)
        v[start + 1 : stop + 1] = solve_chunk(cum_log, step_drive, v[start], start, stop)
        if cell.spiking:
            crossed = np.flatnonzero(v[start + 1 : stop + 1] >= cell.v_threshold_mV)
            if crossed.size:
                index = start + 1 + int(crossed[0])
                t_spike, last = _spike(cell, v, index, dt, v[index - 1], v[index])
                spikes.append(t_spike)
                start = last
                continue
        start = stop
    return v, spikes


def _integrate_stepwise(cell: Cell, v0: float, dt: float, g_total, drive, g_blocked, e_blocked, mg_blocked):
    """V on the grid with Mg2+-blocked conductances: the block is re-evaluated every step.

    Each step uses the block at the midpoint potential of a first-guess step
    (second order in dt).
    """
    c = float(cell.c_m_pF)
    g_total, drive = g_total.tolist(), drive.tolist()
    g_blocked = [row.tolist() for row in g_blocked]
    e_blocked, mg_blocked = [float(e) for e in e_blocked], [float(m) for m in mg_blocked]
    v = np.empty(len(g_total) + 1)
    v[0] = v0
    spikes = []

    def advance(n: int, v_now: float, v_block: float) -> float:
        g, d = g_total[n], drive[n]
        for g_row, e, mg in zip(g_blocked, e_blocked, mg_blocked, strict=True):
            gb = g_row[n] / (1.0 + mg / MG_BLOCK_KD_MM * math.exp(-MG_BLOCK_SLOPE_PER_MV * v_block))
            g += gb
            d += gb * e
        decay = math.exp(-g * dt / c)
        return v_now * decay + (1.0 - decay) * d / g

    n, v_now = 0, v0
    while n < len(g_total):
        guess = advance(n, v_now, v_now)
        v_next = advance(n, v_now, 0.5 * (v_now + guess))
        v[n + 1] = v_next
        if cell.spiking and v_next >= cell.v_threshold_mV:
            t_spike, last = _spike(cell, v, n + 1, dt, v_now, v_next)
            spikes.append(t_spike)
            n, v_now = last, float(v[last])
            continue
        n, v_now = n + 1, v_next
    return v, spikes


def steady_state(cell: Cell, conductances) -> float:
    """Steady-state potential with constant conductances alongside the leak, mV.

    V_ss = (g_L E_L + sum g_k E_k) / (g_L + sum g_k): the conductance-weighted
    mean of the reversal potentials. Ignores any spike threshold.

    Parameters
    ----------
    cell : Cell
    conductances : sequence of (g_nS, e_rev_mV)
        Each g >= 0 nS.

    Examples
    --------
    >>> cell = Cell(c_m_pF=100.0, g_leak_nS=10.0, e_leak_mV=-70.0)
    >>> steady_state(cell, [(10.0, -70.0)])      # shunting: V stays at rest
    -70.0
    >>> steady_state(cell, [(10.0, 0.0)])
    -35.0
    """
    if not isinstance(cell, Cell):
        raise ValueError(f"cell must be an ipsplib Cell, got {type(cell).__name__}")
    g_sum = float(cell.g_leak_nS)
    ge_sum = float(cell.g_leak_nS) * float(cell.e_leak_mV)
    for k, pair in enumerate(conductances):
        if not (isinstance(pair, Sequence) and len(pair) == 2):
            raise ValueError(f"conductances[{k}] must be a (g_nS, e_rev_mV) pair, got {pair!r}")
        g = float(_checks.non_negative(f"conductances[{k}] g_nS", pair[0], "nS"))
        e = float(_checks.as_finite(f"conductances[{k}] e_rev_mV", pair[1], "mV"))
        g_sum += g
        ge_sum += g * e
    return ge_sum / g_sum
