"""Current-based synapses: the simpler model that conductance-based synapses are compared with.

A conductance-based synapse passes the current g(t) (V - E_rev), which shrinks
as V approaches E_rev. A current-based synapse freezes the driving force at a
fixed potential V_fix (usually rest):

    I_syn(t) = g(t) B(V_fix) (V_fix - E_rev),     positive outward,

so its current no longer depends on what the membrane does. The membrane is
then a linear filter of its input: PSPs add exactly, however large they are.
Conductance-based PSPs add sublinearly, because each one reduces the driving
force of the others. For small inputs the two models agree.

Only passive cells are supported (no threshold): the comparison is about
subthreshold summation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._integrate import checked_inputs, grid, integrate_linear
from .ions import mg_block
from .membrane import Cell
from .synapses import Synapse, _checked_onsets, _grid_conductances


@dataclass(frozen=True)
class CurrentTrace:
    """The result of `simulate_current_based`, with the interface of `ipsplib.Trace`.

    Attributes
    ----------
    t_ms : ndarray, shape (n,)
        Time grid, ms.
    v_mV : ndarray, shape (n,)
        Membrane potential, mV.
    g_nS : ndarray, shape (n_inputs, n)
        Each input's conductance waveform times its frozen Mg2+ block, nS: it
        sets the shape of the current; the membrane does not see it as a conductance.
    i_pA : ndarray, shape (n_inputs, n)
        Each input's injected current, pA, positive outward.
    names : tuple of str
        The inputs' synapse names.
    inputs : tuple of (Synapse, onsets_ms)
        The inputs as simulated.
    cell : Cell or None
        The cell as simulated.
    spikes_ms : ndarray
        Always empty: the cell is passive.
    i_inject_pA : ndarray, shape (n,)
        Electrode current, pA: zeros (`simulate_current_based` injects none).
    i_leak_pA : ndarray, shape (n,)
        Leak current g_L (V - E_L), pA, positive outward.
    conductances : tuple
        Always empty (no tonic conductances).

    Examples
    --------
    >>> from ipsplib.synapses import ampa
    >>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0)
    >>> trace = simulate_current_based(cell, [(ampa(), [1.0])], 20.0)
    >>> trace.spikes_ms.size, trace.i_leak_pA.shape == trace.t_ms.shape, round(trace.dt_ms, 3)
    (0, True, 0.025)
    """

    t_ms: np.ndarray
    v_mV: np.ndarray
    g_nS: np.ndarray
    i_pA: np.ndarray
    names: tuple
    inputs: tuple = ()
    cell: Cell | None = None
    conductances: tuple = ()

    @property
    def dt_ms(self) -> float:
        return float(self.t_ms[1] - self.t_ms[0])

    @property
    def spikes_ms(self) -> np.ndarray:
        return np.array([])

    @property
    def i_inject_pA(self) -> np.ndarray:
        return np.zeros_like(self.t_ms, dtype=float)

    @property
    def i_leak_pA(self) -> np.ndarray:
        if self.cell is None:
            raise ValueError("this CurrentTrace has no cell, so no leak current")
        return float(self.cell.g_leak_nS) * (self.v_mV - float(self.cell.e_leak_mV))


def _block(synapse: Synapse, v_fixed_mV: float) -> float:
    """Mg2+ block factor at the frozen potential (1 for a synapse without block)."""
    if synapse.mg_out_mM > 0:
        return float(mg_block(v_fixed_mV, synapse.mg_out_mM))
    return 1.0


def synaptic_current_pA(synapse: Synapse, t_ms, onsets_ms, v_fixed_mV):
    """Current of a current-based synapse, pA, positive outward.

    I(t) = g(t) B(V_fix) (V_fix - E_rev): the conductance-based current with
    the driving force (and, for NMDA, the Mg2+ block) frozen at ``v_fixed_mV``.

    Parameters
    ----------
    synapse : Synapse
        Its conductance waveform, g_max and E_rev set the current.
    t_ms : array
        Times, ms, finite.
    onsets_ms : array
        Presynaptic event times, ms, >= 0.
    v_fixed_mV : float
        Potential at which the driving force is frozen, mV (usually rest).

    Returns
    -------
    ndarray
        Current at each time in ``t_ms``, pA (negative = inward).

    Examples
    --------
    >>> from ipsplib.synapses import ampa
    >>> syn = ampa(g_max_nS=1.0)                       # peak 1 nS, E_rev 0 mV
    >>> i = synaptic_current_pA(syn, [syn.peak_time_ms], [0.0], v_fixed_mV=-70.0)
    >>> round(float(i[0]), 6)                          # 1 nS x (-70 mV - 0 mV): inward
    -70.0
    """
    if not isinstance(synapse, Synapse):
        raise ValueError(f"synapse must be an ipsplib Synapse, got {type(synapse).__name__}")
    v_fix = float(_checks.as_finite("v_fixed_mV", v_fixed_mV, "mV"))
    onsets = _checked_onsets(onsets_ms)
    g = synapse.conductance(t_ms, onsets)
    return g * _block(synapse, v_fix) * (v_fix - float(synapse.e_rev_mV))


def simulate_current_based(cell: Cell, inputs, duration_ms, dt_ms=0.025, v_fixed_mV=None, v0_mV=None) -> CurrentTrace:
    """Membrane potential of a passive cell whose synapses inject fixed currents.

    C dV/dt = -g_L (V - E_L) - sum_k I_k(t), with I_k from `synaptic_current_pA`.
    Each step is integrated exactly with the current held at its exact
    average over the step (the scheme of `ipsplib.simulate`), so the two
    models differ only in the physics, not in the numerics.

    Parameters
    ----------
    cell : Cell
        A passive cell (``v_threshold_mV`` None).
    inputs : sequence of (Synapse, onsets_ms)
        Each synapse with its presynaptic event times, ms, >= 0.
    duration_ms : float
        Length of the simulation, ms, > 0.
    dt_ms : float
        Time step, ms, 0 < dt_ms <= duration_ms.
    v_fixed_mV : float or None
        Potential at which every driving force is frozen, mV (default: ``cell.e_leak_mV``).
    v0_mV : float or None
        Initial potential, mV (default: ``cell.e_leak_mV``).

    Returns
    -------
    CurrentTrace
        Like `ipsplib.Trace`, without spikes; ``i_pA`` holds the injected
        synaptic currents, positive outward.

    Examples
    --------
    Two simultaneous inputs give exactly twice the depolarization of one:

    >>> from ipsplib import Cell
    >>> from ipsplib.synapses import ampa
    >>> cell = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0)
    >>> one = simulate_current_based(cell, [(ampa(g_max_nS=5.0), [1.0])], 50.0)
    >>> two = simulate_current_based(cell, [(ampa(g_max_nS=5.0), [1.0, 1.0])], 50.0)
    >>> round(float((two.v_mV.max() + 70.0) / (one.v_mV.max() + 70.0)), 9)
    2.0
    """
    if not isinstance(cell, Cell):
        raise ValueError(f"cell must be an ipsplib Cell, got {type(cell).__name__}")
    if cell.spiking:
        raise ValueError(
            "cell must be passive (v_threshold_mV None) for simulate_current_based, "
            f"got v_threshold_mV = {cell.v_threshold_mV} mV"
        )
    n_steps, dt = grid(duration_ms, dt_ms)
    checked = checked_inputs(inputs)
    e_leak = float(cell.e_leak_mV)
    v_fix = e_leak if v_fixed_mV is None else float(_checks.as_finite("v_fixed_mV", v_fixed_mV, "mV"))
    v0 = e_leak if v0_mV is None else float(_checks.as_finite("v0_mV", v0_mV, "mV"))

    # One pass gives each input's (frozen-block) conductance and the exact step integrals of the total current.
    block = np.array([_block(syn, v_fix) for syn, _ in checked])
    scale = np.array([v_fix - float(syn.e_rev_mV) for syn, _ in checked])  # frozen driving force, mV
    weights = np.vstack([np.diag(block), block * scale]) if checked else np.zeros((1, 0))
    g_rows, integrals = _grid_conductances(checked, n_steps, dt, weights=weights)
    g_leak = float(cell.g_leak_nS)
    drive = g_leak * e_leak - integrals[-1] / dt
    v, _ = integrate_linear(cell, v0, dt, np.full(n_steps, g_leak), drive)
    g_grid = g_rows[:-1]
    return CurrentTrace(
        t_ms=np.arange(n_steps + 1) * dt,
        v_mV=v,
        g_nS=g_grid,
        i_pA=g_grid * scale[:, None],
        names=tuple(syn.name for syn, _ in checked),
        inputs=tuple(checked),
        cell=cell,
    )
