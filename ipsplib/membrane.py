"""One-compartment membrane: `Cell`, `simulate`, `steady_state` and the `Trace` result.

The membrane equation, with currents positive outward and injected current
positive inward (depolarizing), as NEURON's IClamp:

    C dV/dt = -g_L (V - E_L) - sum_k g_k(t) B_k(V) (V - E_k) + I_inject(t)

(B_k is the Mg2+ block of NMDA-type synapses, 1 otherwise). Units: pF, nS, mV,
ms, pA, so C/g is in ms with no conversion factor.

Between grid points the equation is linear in V, so each step is integrated
exactly with the step-averaged conductances (an exponential integrator), and
the whole trace is solved as one vectorised linear recurrence: for a passive
cell slice by slice from the running integral of g (`ipsplib._passive`), for
a spiking one by `ipsplib._integrate`. Only a voltage-dependent (NMDA)
conductance needs a step-by-step loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import _checks
from ._integrate import advance, after_spike, checked_inputs, crossing_time, grid, integrate_linear
from ._passive import passive_voltage
from ._waveform_scan import BlockScan, grid_conductances
from .ions import MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV, mg_block


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

    Notes
    -----
    Integrate-and-fire: a spike is recorded when V reaches v_threshold_mV (its
    time solved exactly within the step); V is then reset and held at
    v_reset_mV for refractory_ms, and restarts from reset at exactly that time,
    also between grid points. A cell that starts at or above threshold
    (``v0_mV >= v_threshold_mV`` in `simulate`) fires at t = 0, however fast or
    slow its membrane.

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
            if self.e_leak_mV >= self.v_threshold_mV:
                raise ValueError(
                    f"e_leak_mV (also the default v_reset_mV) must be < v_threshold_mV ({self.v_threshold_mV} mV), "
                    f"got {self.e_leak_mV} mV; or pass a v_reset_mV below threshold"
                )
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

    Currents are membrane currents, positive outward (the book's convention),
    except ``i_inject_pA``, which is the electrode current as passed to
    `simulate`, positive inward (depolarizing). Every array has one value per
    grid point.

    Attributes
    ----------
    t_ms : ndarray, shape (n,)
        Time grid, ms.
    v_mV : ndarray, shape (n,)
        Membrane potential, mV.
    spikes_ms : ndarray
        Threshold-crossing times (exact within the step), ms.
    inputs : tuple of (Synapse, onsets_ms)
        The inputs as simulated.
    cell : Cell or None
        The cell as simulated.
    i_inject_pA : ndarray, shape (n,)
        Injected current, pA, positive depolarizing (zeros if none).
    conductances : tuple of (g_nS, e_rev_mV)
        The tonic or prescribed conductances, each g_nS an array of shape (n,).
    g_nS : ndarray, shape (n_inputs, n)
        Conductance of each input, nS, including the Mg2+ block of NMDA-type
        synapses (computed on first access).
    i_pA : ndarray, shape (n_inputs, n)
        Current of each input g (V - E_rev), pA, positive outward.
    i_leak_pA : ndarray, shape (n,)
        Leak current g_L (V - E_L), pA, positive outward.
    g_tonic_nS, i_tonic_pA : ndarray, shape (n_conductances, n)
        The tonic / prescribed conductances, nS, and their currents g (V - E_rev), pA, positive outward.
    names : tuple of str
        The inputs' synapse names.

    Examples
    --------
    >>> cell = Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
    >>> trace = simulate(cell, [], 400.0, dt_ms=0.1, i_inject_pA=50.0)
    >>> round(float(trace.i_leak_pA[-1]), 6)          # at steady state the leak carries all of it
    50.0
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    spikes_ms: np.ndarray
    inputs: tuple
    cell: Cell | None = None
    i_inject_pA: np.ndarray | None = None
    conductances: tuple = ()

    def __post_init__(self):
        if self.i_inject_pA is None:
            object.__setattr__(self, "i_inject_pA", np.zeros_like(self.t_ms, dtype=float))

    @property
    def dt_ms(self) -> float:
        return float(self.t_ms[1] - self.t_ms[0])

    @property
    def names(self) -> tuple:
        return tuple(syn.name for syn, _ in self.inputs)

    @cached_property
    def g_nS(self) -> np.ndarray:
        n_inputs = len(self.inputs)
        g = grid_conductances(self.inputs, self.t_ms.size - 1, self.dt_ms, np.eye(n_inputs), integral=False)
        for k, (syn, _) in enumerate(self.inputs):
            if syn.mg_out_mM > 0:
                g[k] *= mg_block(self.v_mV, syn.mg_out_mM)
        return g

    @cached_property
    def i_pA(self) -> np.ndarray:
        e_rev = np.array([float(syn.e_rev_mV) for syn, _ in self.inputs]).reshape(-1, 1)
        return self.g_nS * (self.v_mV[None, :] - e_rev)

    @property
    def i_leak_pA(self) -> np.ndarray:
        if self.cell is None:
            raise ValueError("this Trace has no cell, so no leak current")
        return float(self.cell.g_leak_nS) * (self.v_mV - float(self.cell.e_leak_mV))

    @property
    def g_tonic_nS(self) -> np.ndarray:
        return np.array([g for g, _ in self.conductances], dtype=float).reshape(-1, self.t_ms.size)

    @property
    def i_tonic_pA(self) -> np.ndarray:
        e_rev = np.array([float(e) for _, e in self.conductances]).reshape(-1, 1)
        return self.g_tonic_nS * (self.v_mV[None, :] - e_rev)


def _injected_step_average(i_inject_pA, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Injected current on the grid and averaged over each step (linear between grid samples), pA."""
    if i_inject_pA is None:
        return np.zeros(n_steps + 1), np.zeros(n_steps)
    current = _checks.as_finite("i_inject_pA", i_inject_pA, "pA")
    if current.ndim == 0:
        return np.full(n_steps + 1, float(current)), np.full(n_steps, float(current))
    if current.shape != (n_steps + 1,):
        raise ValueError(
            f"i_inject_pA must be a number or an array of length {n_steps + 1} "
            f"(one value per grid point, pA), got shape {current.shape}"
        )
    return current.copy(), 0.5 * (current[:-1] + current[1:])


def _checked_conductances(conductances, n_steps: int) -> list[tuple[np.ndarray, float]]:
    """The (g_nS on the grid, e_rev_mV) pairs of ``conductances`` (constant g broadcast to the grid)."""
    if conductances is None:
        return []
    if isinstance(conductances, (str, bytes)) or not isinstance(conductances, Sequence):
        raise ValueError("conductances must be a sequence of (g_nS, e_rev_mV) pairs")
    checked = []
    for k, pair in enumerate(conductances):
        if not (isinstance(pair, Sequence) and len(pair) == 2):
            raise ValueError(f"conductances[{k}] must be a (g_nS, e_rev_mV) pair, got {pair!r}")
        g = _checks.non_negative(f"conductances[{k}] g_nS", pair[0], "nS")
        e = float(_checks.as_finite(f"conductances[{k}] e_rev_mV", pair[1], "mV"))
        if g.ndim == 0:
            g = np.full(n_steps + 1, float(g))
        elif g.shape != (n_steps + 1,):
            raise ValueError(
                f"conductances[{k}] g_nS must be a number or an array of length {n_steps + 1} "
                f"(one value per grid point, nS), got shape {g.shape}"
            )
        checked.append((g.astype(float), e))
    return checked


def simulate(cell: Cell, inputs, duration_ms, dt_ms=0.025, i_inject_pA=None, v0_mV=None, conductances=None) -> Trace:
    """Membrane potential of a one-compartment cell driven by synapses and injected current.

    Parameters
    ----------
    cell : Cell
        Passive, or leaky integrate-and-fire if it has a threshold.
    inputs : sequence of (Synapse, onsets_ms)
        Each synapse with its presynaptic event times, ms, >= 0 (need not lie on the grid).
    duration_ms : float
        Length of the simulation, ms, > 0, a whole number of steps: the grid is
        t = k dt_ms, k = 0..duration_ms/dt_ms, and ends exactly at duration_ms
        (otherwise a ValueError).
    dt_ms : float
        Time step, ms, 0 < dt_ms <= duration_ms.
    i_inject_pA : float or array or None
        Injected current, pA, positive depolarizing: a constant or one value per
        grid point (linear in between).
    v0_mV : float or None
        Initial potential, mV (default: ``cell.e_leak_mV``). A spiking cell
        started at or above threshold fires at t = 0 (see `Cell`).
    conductances : sequence of (g_nS, e_rev_mV) or None
        Tonic or prescribed conductances alongside the synapses: g_nS >= 0 nS,
        a constant (tonic, e.g. shunting inhibition) or one value per grid
        point (a prescribed g(t), linear in between, as ``i_inject_pA``);
        e_rev_mV their reversal potentials, mV. Integrated exactly over each
        step with their step averages, as the synapses.

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
    n_steps, dt = grid(duration_ms, dt_ms)
    checked = checked_inputs(inputs)
    v0 = float(cell.e_leak_mV if v0_mV is None else _checks.as_finite("v0_mV", v0_mV, "mV"))
    i_grid, i_inject = _injected_step_average(i_inject_pA, n_steps)
    i_inject = None if i_inject_pA is None else i_inject  # no current: nothing to add
    tonic = _checked_conductances(conductances, n_steps)

    e_rev = np.array([float(syn.e_rev_mV) for syn, _ in checked])
    mg = np.array([float(syn.mg_out_mM) for syn, _ in checked])
    linear = mg == 0
    # Voltage-independent inputs enter only through sum g and sum g E over each step.
    rows = np.vstack([linear, linear * e_rev])
    if linear.all() and not cell.spiking:
        scan = BlockScan.prepare(checked, n_steps, dt, rows / cell.c_m_pF, integral=True, cumulative_row=0)
        v, spikes = passive_voltage(cell, v0, dt, n_steps, scan, i_inject, tonic), []
    else:
        v, spikes = _voltage_on_whole_arrays(cell, v0, dt, n_steps, checked, rows, i_inject, tonic, e_rev, mg)
    t_ms = np.arange(n_steps + 1, dtype=float)
    t_ms *= dt
    return Trace(
        t_ms=t_ms,
        v_mV=v,
        spikes_ms=np.array(spikes),
        inputs=tuple(checked),
        cell=cell,
        i_inject_pA=i_grid,
        conductances=tuple(tonic),
    )


def _voltage_on_whole_arrays(cell: Cell, v0: float, dt: float, n_steps: int, checked, rows, i_inject, tonic, e_rev, mg):
    """V and the spike times from step constants over the whole trace: a spiking cell, or Mg2+-blocked inputs.

    ``rows`` weight the voltage-independent inputs into sum g and sum g E; ``i_inject`` is
    the step averages of the injected current (pA) or None; ``e_rev`` and ``mg`` per input.
    """
    linear = mg == 0
    # The step averages are formed in place: every 40,000-step temporary costs page faults (see _integrate).
    g_total, drive = grid_conductances(checked, n_steps, dt, rows, integral=True)
    g_total /= dt
    g_total += cell.g_leak_nS
    drive /= dt
    drive += cell.g_leak_nS * cell.e_leak_mV
    if i_inject is not None:
        drive += i_inject
    for g_grid, e in tonic:
        g_step = 0.5 * (g_grid[:-1] + g_grid[1:])  # exact average of g linear between grid points
        g_total = g_total + g_step
        drive = drive + g_step * e
    if linear.all():
        return integrate_linear(cell, v0, dt, g_total, drive)
    # Mg2+-blocked inputs: one row per distinct (E_rev, [Mg]o), re-weighted by the block every step.
    groups = sorted({(e, m) for e, m in zip(e_rev[~linear], mg[~linear], strict=True)})
    one_hot = np.array([[(e, m) == group for e, m in zip(e_rev, mg, strict=True)] for group in groups], float)
    blocked = grid_conductances(checked, n_steps, dt, one_hot, integral=True)
    e_blocked, mg_blocked = (np.array(column) for column in zip(*groups, strict=True))
    return _integrate_stepwise(cell, v0, dt, g_total, drive, blocked / dt, e_blocked, mg_blocked)


def _integrate_stepwise(cell: Cell, v0: float, dt: float, g_total, drive, g_blocked, e_blocked, mg_blocked):
    """V on the grid with Mg2+-blocked conductances: the block is re-evaluated every step.

    Each step (or part of a step, after a refractory release) uses the block at
    the midpoint potential of a first-guess step taken with the block at its
    start: second order in dt.
    """
    c = float(cell.c_m_pF)
    g_total, drive = g_total.tolist(), drive.tolist()
    g_blocked = [row.tolist() for row in g_blocked]
    e_blocked, mg_blocked = [float(e) for e in e_blocked], [float(m) for m in mg_blocked]
    v = np.empty(len(g_total) + 1)
    v[0] = v0
    spikes: list[float] = []

    def constants_at(n: int, v_block: float) -> tuple[float, float]:
        g, d = g_total[n], drive[n]
        for g_row, e, mg in zip(g_blocked, e_blocked, mg_blocked, strict=True):
            # ions.mg_block restated with math.exp: this runs once per step and input in a Python loop,
            # where numpy's per-call overhead and input checks would cost more than the whole step.
            gb = g_row[n] / (1.0 + mg / MG_BLOCK_KD_MM * math.exp(-MG_BLOCK_SLOPE_PER_MV * v_block))
            g += gb
            d += gb * e
        return g, d

    def constants(n: int, v_from: float, h: float) -> tuple[float, float]:
        guess = advance(v_from, *constants_at(n, v_from), c, h)
        return constants_at(n, 0.5 * (v_from + guess))

    n, v_now = 0, v0
    if cell.spiking and v0 >= cell.v_threshold_mV:
        n = after_spike(cell, v, spikes, 0.0, dt, constants)
        v_now = float(v[n])
    while n < len(g_total):
        g, d = constants(n, v_now, dt)
        v_next = advance(v_now, g, d, c, dt)
        if cell.spiking and v_next >= cell.v_threshold_mV:
            t_spike = n * dt + crossing_time(v_now, g, d, c, dt, float(cell.v_threshold_mV))
            n = after_spike(cell, v, spikes, t_spike, dt, constants)
            v_now = float(v[n])
            continue
        v[n + 1] = v_next
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
