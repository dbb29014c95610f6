"""Voltage clamp: synaptic currents, I-V curves and reversal potentials, with series-resistance and space-clamp errors.

The amplifier holds the soma at the command potential V_cmd. The current it
reports is the current it passes into the cell, which at a clamped soma equals
the cell's membrane current, positive outward (the book's convention): an
EPSC is negative (inward), an IPSC at a potential above E_GABA positive.
Every trace is baseline-subtracted: the cell first settles at its steady
state at V_cmd, and that holding current is removed, as electrophysiologists
report synaptic currents.

- Ideal clamp (``series_resistance_MOhm == 0``): the soma is held at exactly
  V_cmd (solved as a boundary condition, not as a huge conductance).
- Series resistance R_s > 0: the pipette is a conductance 1/R_s from V_cmd to
  the soma; the soma escapes the clamp and the current is
  (V_cmd - V_soma) / R_s.
- A `membrane.Cell` is a single compartment: its passive part (C, g_leak,
  E_leak) is clamped; a spike threshold, if it has one, is ignored (the
  clamped cell is passive). A `dendrite.BallAndStick` is clamped at the soma
  and the synapse sits at ``distance_um`` on its dendrite, which the clamp
  does not hold: the space-clamp error.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import _cable, _checks
from ._integrate import grid
from .dendrite import BallAndStick, _checked_distance, _network
from .membrane import Cell
from .synapses import Synapse, _checked_onsets, _grid_conductances

DEFAULT_CLAMP_CELL = Cell(c_m_pF=100.0, g_leak_nS=5.0, e_leak_mV=-70.0)
"""The one-compartment cell clamped when ``cell=None``: 100 pF, 5 nS leak (200 MOhm, tau 20 ms), E_leak -70 mV."""

# iv_curve: one event, a window of 2 t_peak + IV_EXTRA_MS, on steps of IV_DT_MS.
IV_EXTRA_MS = 10.0
IV_DT_MS = 0.025


def _checked_cell(cell):
    if cell is None:
        return DEFAULT_CLAMP_CELL
    if not isinstance(cell, (Cell, BallAndStick)):
        raise ValueError(f"cell must be None, an ipsplib Cell or a BallAndStick, got {type(cell).__name__}")
    return cell


def _checked_site(cell, distance_um) -> float:
    if isinstance(cell, Cell):
        x = float(_checks.as_finite("distance_um", distance_um, "um"))
        if x != 0.0:
            raise ValueError(f"distance_um must be 0 um for a one-compartment Cell (use a BallAndStick), got {x} um")
        return 0.0
    return _checked_distance("distance_um", distance_um, cell)


def _checked_rs(series_resistance_MOhm) -> float:
    return float(_checks.non_negative("series_resistance_MOhm", series_resistance_MOhm, "MOhm"))


@lru_cache(maxsize=64)
def _full_network(cell):
    """(c_pF, G_nS, g_leak_nS per node, e_leak_mV) of the whole cell, node 0 the soma."""
    if isinstance(cell, Cell):
        g = float(cell.g_leak_nS)
        return np.array([float(cell.c_m_pF)]), np.array([[g]]), np.array([g]), float(cell.e_leak_mV)
    c_pF, g, g_leak = _network(cell)
    return c_pF, g, g_leak, float(cell.e_leak_mV)


@lru_cache(maxsize=64)
def _clamped_system(cell, rs_MOhm: float):
    """The network under clamp: (modes or None, free-node slice start, G, c, g_pipette_nS).

    Ideal clamp: the soma is removed (free nodes 1..n). Series resistance:
    all nodes free, the pipette conductance added to the soma's diagonal.
    """
    c_pF, g, _, _ = _full_network(cell)
    if rs_MOhm == 0.0:
        g_free, c_free, first = g[1:, 1:], c_pF[1:], 1
        g_pip = np.inf
    else:
        g_pip = 1000.0 / rs_MOhm
        g_free, c_free, first = g.copy(), c_pF, 0
        g_free[0, 0] += g_pip
    md = _cable.modes(c_free, g_free) if c_free.size else None
    return md, first, g_free, g_pip


@lru_cache(maxsize=64)
def _baseline_affine(cell, rs_MOhm: float):
    """(a, b) with the steady-state node potentials at a holding potential V equal to a + b V, mV (node 0 the soma)."""
    c_pF, g, g_leak, e_leak = _full_network(cell)
    _, first, g_free, g_pip = _clamped_system(cell, rs_MOhm)
    n = c_pF.size
    b_rest = g_leak * e_leak
    if first == 1:
        a, b = np.zeros(n), np.zeros(n)
        b[0] = 1.0
        if n > 1:
            solved = np.linalg.solve(g_free, np.column_stack([b_rest[1:], -g[1:, 0]]))
            a[1:], b[1:] = solved[:, 0], solved[:, 1]
        return a, b
    unit = np.zeros(n)
    unit[0] = g_pip
    solved = np.linalg.solve(g_free, np.column_stack([b_rest, unit]))
    return solved[:, 0], solved[:, 1]


def _baseline(cell, rs_MOhm: float, holding_mV: np.ndarray) -> np.ndarray:
    """Steady-state node potentials at each holding potential, (n_nodes, n_holding), mV; node 0 the soma."""
    a, b = _baseline_affine(cell, rs_MOhm)
    return a[:, None] + b[:, None] * holding_mV[None, :]


def _site_weights(cell, distance_um: float) -> np.ndarray:
    if isinstance(cell, Cell):
        return np.ones((1, 1))
    return cell._site_weights([distance_um])


def _clamp_current(synapse, cell, rs, distance, onsets, n_steps, dt, holding_mV: float, e_rel_override=None):
    """Baseline-subtracted clamp current on the grid, pA (outward positive)."""
    c_pF, g_full, _, _ = _full_network(cell)
    md, first, _, g_pip = _clamped_system(cell, rs)
    w = _site_weights(cell, distance)
    v_base_nodes = _baseline(cell, rs, np.array([holding_mV]))[:, 0]
    v_site = float(w[:, 0] @ v_base_nodes)
    e_rel = float(synapse.e_rev_mV) - v_site if e_rel_override is None else e_rel_override
    mg = np.array([float(synapse.mg_out_mM)])
    w_free = w[first:]
    if md is None:  # ideal clamp of a single compartment: the site is the clamped soma
        g_grid, _ = _grid_conductances([(synapse, onsets)], n_steps, dt)
        block = _cable.block_at(v_site, mg[0]) if mg[0] > 0 else 1.0
        j = g_grid[0] * block * e_rel  # synaptic current into the site, pA (inward positive)
        z = None
    else:
        z, _, j = _cable.run(md, w_free, [(synapse, onsets)], np.array([e_rel]), mg, np.array([v_site]), n_steps, dt)
        j = j[0]
    if first == 1:
        # Soma node: 0 = -(G u)_0 + w_0 J + I_pipette, u_0 = 0.
        current = -w[0, 0] * j
        if md is not None:
            current = current + md.readout(g_full[0, 1:]) @ z
        return current
    return -g_pip * (md.readout(np.eye(c_pF.size)[:, 0]) @ z)


def voltage_clamp(
    synapse,
    holding_mV,
    onsets_ms,
    duration_ms,
    dt_ms=0.025,
    series_resistance_MOhm=0.0,
    cell=None,
    distance_um=0.0,
) -> np.ndarray:
    """The clamp current of one synapse at a holding potential, pA, outward positive, baseline-subtracted.

    Parameters
    ----------
    synapse : Synapse
        An NMDA-type synapse (``mg_out_mM > 0``) is blocked by the potential at its own site.
    holding_mV : float
        Command potential, mV.
    onsets_ms : float or array
        Presynaptic event times, ms, >= 0.
    duration_ms : float
        Length of the recording, ms, > 0, a whole number of steps.
    dt_ms : float
        Time step, ms, 0 < dt_ms <= duration_ms.
    series_resistance_MOhm : float
        Pipette series resistance, MOhm, >= 0 (0: an ideal clamp).
    cell : None, Cell or BallAndStick
        The clamped cell (default `DEFAULT_CLAMP_CELL`); a Cell's threshold is ignored.
    distance_um : float
        Distance of the synapse from the soma along the dendrite, um, from 0 to
        the dendrite length (must be 0 for a one-compartment Cell).

    Returns
    -------
    ndarray, shape (n_steps + 1,)
        Current on the grid t = k dt_ms, pA, outward positive (an EPSC is
        negative), zero before the first event.

    Examples
    --------
    >>> from ipsplib.synapses import gaba_a
    >>> i = voltage_clamp(gaba_a(g_max_nS=2.0), holding_mV=-40.0, onsets_ms=[1.0], duration_ms=20.0)
    >>> round(float(i.max()), 3)              # ideal clamp: g_max (V - E) = 2 nS x 40 mV
    80.0
    """
    if not isinstance(synapse, Synapse):
        raise ValueError(f"synapse must be an ipsplib Synapse, got {type(synapse).__name__}")
    v_hold = float(_checks.as_finite("holding_mV", holding_mV, "mV"))
    onsets = _checked_onsets(onsets_ms)
    n_steps, dt = grid(duration_ms, dt_ms)
    rs = _checked_rs(series_resistance_MOhm)
    cell = _checked_cell(cell)
    distance = _checked_site(cell, distance_um)
    return _clamp_current(synapse, cell, rs, distance, onsets, n_steps, dt, v_hold)


def _signed_peak(current: np.ndarray) -> float:
    return float(current[np.argmax(np.abs(current))])


def iv_curve(synapse, holding_mV, cell=None, distance_um=0.0, series_resistance_MOhm=0.0) -> np.ndarray:
    """Signed peak clamp current of one synaptic event at each holding potential, pA, outward positive.

    At each holding potential the cell starts from its steady state there
    (the holding current settled and removed); one event arrives within
    the first step, timed so that the conductance peaks exactly on a grid
    point, and the current is followed for 2 t_peak + 10 ms (t_peak the
    synapse's ``peak_time_ms``) on steps of 0.025 ms; the peak is the sample
    of largest magnitude, with its sign.

    A voltage-independent synapse makes the clamped cell linear in its driving
    force, so one simulation serves every holding potential (the current is
    that of a unit driving force at the synapse's site, scaled). An NMDA-type
    synapse is simulated at each holding potential, blocked by the potential
    at its own site, which on a dendrite is not the command potential.

    Parameters
    ----------
    synapse : Synapse
    holding_mV : float or array
        Command potentials, mV.
    cell : None, Cell or BallAndStick
        As in `voltage_clamp`.
    distance_um : float
        As in `voltage_clamp`.
    series_resistance_MOhm : float
        As in `voltage_clamp`, MOhm, >= 0.

    Returns
    -------
    ndarray, same length as holding_mV
        Peak current, pA.

    Examples
    --------
    >>> from ipsplib.synapses import gaba_a
    >>> iv_curve(gaba_a(), [-100.0, -80.0, -60.0]).round(6)       # ideal clamp: g_max (V - E_rev)
    array([-20.,   0.,  20.])
    """
    if not isinstance(synapse, Synapse):
        raise ValueError(f"synapse must be an ipsplib Synapse, got {type(synapse).__name__}")
    v_hold = np.atleast_1d(_checks.as_finite("holding_mV", holding_mV, "mV")).astype(float)
    if v_hold.ndim != 1 or v_hold.size == 0:
        raise ValueError(f"holding_mV must be a number or a 1-D array of potentials, mV, got shape {v_hold.shape}")
    rs = _checked_rs(series_resistance_MOhm)
    cell = _checked_cell(cell)
    distance = _checked_site(cell, distance_um)
    window = 2.0 * synapse.peak_time_ms + IV_EXTRA_MS
    n_steps = int(np.ceil(window / IV_DT_MS))
    t_peak = synapse.peak_time_ms
    onsets = np.array([max(0.0, np.ceil(t_peak / IV_DT_MS - 1e-9) * IV_DT_MS - t_peak)])
    if synapse.mg_out_mM == 0:
        w = _site_weights(cell, distance)
        v_site = w[:, 0] @ _baseline(cell, rs, v_hold)
        unit = _clamp_current(synapse, cell, rs, distance, onsets, n_steps, IV_DT_MS, 0.0, e_rel_override=1.0)
        return (float(synapse.e_rev_mV) - v_site) * _signed_peak(unit) + 0.0  # no -0.0 at the reversal
    return np.array(
        [_signed_peak(_clamp_current(synapse, cell, rs, distance, onsets, n_steps, IV_DT_MS, float(v))) for v in v_hold]
    )


def reversal_from_iv(v_mV, i_pA) -> float:
    """The potential at which an I-V curve crosses zero, by linear interpolation, mV.

    The points are taken in order of potential; the first sign change is used.

    Parameters
    ----------
    v_mV : array
        Holding potentials, mV, at least two.
    i_pA : array
        Currents at those potentials, pA, as many.

    Raises
    ------
    ValueError
        If the arrays differ in length, have fewer than two points, or the
        currents do not change sign.

    Examples
    --------
    >>> reversal_from_iv([-90.0, -70.0, -50.0], [-30.0, 10.0, 50.0])
    -75.0
    """
    v = np.atleast_1d(_checks.as_finite("v_mV", v_mV, "mV")).astype(float).ravel()
    i = np.atleast_1d(_checks.as_finite("i_pA", i_pA, "pA")).astype(float).ravel()
    if v.size != i.size:
        raise ValueError(f"v_mV and i_pA must have the same length, got {v.size} and {i.size}")
    if v.size < 2:
        raise ValueError(f"v_mV and i_pA need at least 2 points, got {v.size}")
    order = np.argsort(v, kind="stable")
    v, i = v[order], i[order]
    zero = np.flatnonzero(i == 0)
    change = np.flatnonzero(np.sign(i[:-1]) * np.sign(i[1:]) < 0)
    candidates = []
    if zero.size:
        candidates.append((v[zero[0]], float(v[zero[0]])))
    if change.size:
        k = change[0]
        candidates.append((v[k], float(v[k] - i[k] * (v[k + 1] - v[k]) / (i[k + 1] - i[k]))))
    if not candidates:
        raise ValueError(
            f"i_pA does not change sign over v_mV = {v[0]} to {v[-1]} mV: no reversal potential in that range"
        )
    return min(candidates)[1]
