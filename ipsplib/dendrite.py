"""A passive ball-and-stick neuron: `BallAndStick`, `simulate_dendrite`, `DendriteTrace`, `length_constant_um`.

The soma is an isopotential cylinder whose length equals its diameter
(membrane area pi d^2, no end caps). One uniform dendrite of length L_um and
diameter d_um is attached to it and sealed at its far end. The cable equation

    c_m dV/dt = -(V - E_L) / r_m + (d / 4 r_i) d^2V/dx^2 - i_syn

is discretised on ``n_compartments`` equal segments with nodes at their
ends (x = 0, h, ..., L, h = L / n): the soma node carries the soma and half a
segment of dendrite, the sealed end half a segment. This node scheme is second
order in h, V at the soma is the node at x = 0, and a synapse between two
nodes is shared between them by linear interpolation, so it sits where it is
asked to; its own potential adds the kink theta (1 - theta) R_segment J that
a point current makes between the nodes (without it a site between nodes
would be first order in h). Time integration is exact for the passive cable (its modes, see
`ipsplib._cable`) with the synaptic conductances coupled at their sites.

Units: lengths um, specific membrane resistance ohm cm^2, axial resistivity
ohm cm, specific capacitance uF/cm^2; node capacitances come out in pF and
conductances in nS, so V is in mV, t in ms and currents in pA.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache

import numpy as np

from . import _cable, _checks
from ._integrate import checked_inputs, grid
from .synapses import Synapse

# Segments of the dendrite by default: see the convergence study in the BallAndStick docstring.
DEFAULT_N_COMPARTMENTS = 256


def length_constant_um(r_m_ohm_cm2, r_i_ohm_cm, diam_um) -> float:
    """Length constant of a cylindrical cable, lambda = sqrt(R_m d / (4 R_i)), um.

    Parameters
    ----------
    r_m_ohm_cm2 : float
        Specific membrane resistance, ohm cm^2, > 0.
    r_i_ohm_cm : float
        Axial (cytoplasmic) resistivity, ohm cm, > 0.
    diam_um : float
        Diameter, um, > 0.

    References
    ----------
    Rall (1977), Core conductor theory and cable properties of neurons, in
    Handbook of Physiology, Sect. 1, Vol. 1, pp. 39-97.

    Examples
    --------
    >>> round(length_constant_um(20000.0, 150.0, 2.0), 1)
    816.5
    """
    r_m = float(_checks.positive("r_m_ohm_cm2", r_m_ohm_cm2, "ohm cm^2"))
    r_i = float(_checks.positive("r_i_ohm_cm", r_i_ohm_cm, "ohm cm"))
    d = float(_checks.positive("diam_um", diam_um, "um"))
    return 1e4 * math.sqrt(r_m * d * 1e-4 / (4.0 * r_i))


@dataclass(frozen=True)
class BallAndStick:
    """A passive neuron: an isopotential soma and one uniform dendrite sealed at its far end.

    Parameters
    ----------
    soma_diam_um : float
        Soma diameter (and length), um, > 0; membrane area pi d^2.
    dend_length_um : float
        Dendrite length, um, > 0.
    dend_diam_um : float
        Dendrite diameter, um, > 0.
    r_m_ohm_cm2 : float
        Specific membrane resistance, ohm cm^2, > 0 (soma and dendrite).
    r_i_ohm_cm : float
        Axial resistivity, ohm cm, > 0.
    c_m_uF_cm2 : float
        Specific membrane capacitance, uF/cm^2, > 0.
    e_leak_mV : float
        Leak reversal (resting) potential, mV.
    n_compartments : int
        Number of equal dendritic segments, an integer from 1 to 2000 (default 256).

    Notes
    -----
    The default ``n_compartments = 256`` was chosen by a convergence study: for
    a 5 nS AMPA synapse at the far end of a dendrite 2 lambda long (the
    default cell with ``dend_length_um = 2 lambda``, dt 0.025 ms), V over the
    whole trace differs from a discretisation 4x finer (1024 segments) by at
    most 0.006 mV at the synapse and 0.00003 mV at the soma
    (tests/test_dendrite.py checks < 0.01 mV). The node scheme is second
    order in h; the fast local EPSP at the sealed tip is the hardest case:
    against 1600 segments, 25, 50, 100, 256 and 400 segments err there by
    0.67, 0.17, 0.043, 0.0064 and 0.0025 mV (at the soma by 0.0037, 0.0009,
    0.0002, 0.00004 and 0.00001 mV). 100 segments would miss "well under
    0.05 mV" at the synapse; 256 leave a margin of about 8x. Shorter
    dendrites (L < 2 lambda) have finer segments and smaller errors.

    Examples
    --------
    >>> cell = ball_and_stick()
    >>> round(cell.lambda_um), round(cell.electrotonic_length, 2), cell.tau_m_ms
    (816, 0.98, 20.0)
    """

    soma_diam_um: float
    dend_length_um: float
    dend_diam_um: float
    r_m_ohm_cm2: float
    r_i_ohm_cm: float
    c_m_uF_cm2: float
    e_leak_mV: float
    n_compartments: int = DEFAULT_N_COMPARTMENTS

    def __post_init__(self):
        _checks.positive("soma_diam_um", self.soma_diam_um, "um")
        _checks.positive("dend_length_um", self.dend_length_um, "um")
        _checks.positive("dend_diam_um", self.dend_diam_um, "um")
        _checks.positive("r_m_ohm_cm2", self.r_m_ohm_cm2, "ohm cm^2")
        _checks.positive("r_i_ohm_cm", self.r_i_ohm_cm, "ohm cm")
        _checks.positive("c_m_uF_cm2", self.c_m_uF_cm2, "uF/cm^2")
        _checks.as_finite("e_leak_mV", self.e_leak_mV, "mV")
        n = self.n_compartments
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 2000:
            raise ValueError(f"n_compartments must be an integer from 1 to 2000, got {n!r}")

    @property
    def lambda_um(self) -> float:
        """Length constant of the dendrite, um."""
        return length_constant_um(self.r_m_ohm_cm2, self.r_i_ohm_cm, self.dend_diam_um)

    @property
    def electrotonic_length(self) -> float:
        """L / lambda of the dendrite (dimensionless)."""
        return float(self.dend_length_um) / self.lambda_um

    @property
    def tau_m_ms(self) -> float:
        """Membrane time constant R_m c_m, ms."""
        return float(self.r_m_ohm_cm2) * float(self.c_m_uF_cm2) * 1e-3

    @property
    def soma_area_um2(self) -> float:
        """Soma membrane area pi d^2, um^2."""
        return math.pi * float(self.soma_diam_um) ** 2

    @property
    def input_resistance_MOhm(self) -> float:
        """Input resistance at the soma from cable theory, MOhm: the soma in parallel with R_inf coth L.

        R_inf = 4 R_i lambda / (pi d^2) is the input resistance of a semi-infinite
        cable; a sealed one of electrotonic length L has R_inf coth L.

        Examples
        --------
        >>> round(ball_and_stick().input_resistance_MOhm, 1)
        390.7
        """
        g_soma_nS = self.soma_area_um2 * 10.0 / float(self.r_m_ohm_cm2)
        lam_cm, d_cm = self.lambda_um * 1e-4, float(self.dend_diam_um) * 1e-4
        r_inf_MOhm = 4.0 * float(self.r_i_ohm_cm) * lam_cm / (math.pi * d_cm**2) * 1e-6
        g_dend_nS = 1000.0 * math.tanh(self.electrotonic_length) / r_inf_MOhm
        return 1000.0 / (g_soma_nS + g_dend_nS)

    # --- the compartmental network (internal) ---
    def _network(self):
        """Node capacitances (pF), conductance matrix (nS) and node positions (um)."""
        return _network(self)

    def _site_weights(self, distances_um) -> np.ndarray:
        """Node weights (n_nodes, k) of sites at the given distances (linear interpolation)."""
        n = int(self.n_compartments)
        h = float(self.dend_length_um) / n
        x = np.asarray(distances_um, dtype=float) / h
        left = np.minimum(np.floor(x).astype(int), n - 1)
        theta = x - left
        w = np.zeros((n + 1, x.size))
        cols = np.arange(x.size)
        w[left, cols] += 1.0 - theta
        w[left + 1, cols] += theta
        return w

    def _site_segments(self, distances_um):
        """Segment index and fractional position theta in it of each distance."""
        n = int(self.n_compartments)
        x = np.asarray(distances_um, dtype=float) / (float(self.dend_length_um) / n)
        left = np.minimum(np.floor(x).astype(int), n - 1)
        return left, x - left

    def _segment_resistance_GOhm(self) -> float:
        """Axial resistance of one segment, GOhm (1/nS)."""
        h = float(self.dend_length_um) / int(self.n_compartments)
        return 4.0 * float(self.r_i_ohm_cm) * h / (1e5 * math.pi * float(self.dend_diam_um) ** 2)

    def _site_rho(self, distances_um) -> np.ndarray:
        """Local resistance of point sites between nodes, GOhm: theta (1 - theta) R_segment.

        Between two nodes the potential is linear except for the kink at a point
        synapse: with the nodes' potentials fixed, a current J there raises its own
        site by J theta (1 - theta) R_segment (the Green's function of the segment).
        """
        _, theta = self._site_segments(distances_um)
        return theta * (1.0 - theta) * self._segment_resistance_GOhm()


@lru_cache(maxsize=64)
def _network(cell: BallAndStick):
    n = int(cell.n_compartments)
    h = float(cell.dend_length_um) / n
    d = float(cell.dend_diam_um)
    area = np.full(n + 1, math.pi * d * h)
    area[0] = area[-1] = 0.5 * math.pi * d * h
    area[0] += cell.soma_area_um2
    c_pF = float(cell.c_m_uF_cm2) * area * 1e-2
    g_leak = area * 10.0 / float(cell.r_m_ohm_cm2)
    g_axial = 1e5 * math.pi * d**2 / (4.0 * float(cell.r_i_ohm_cm) * h)
    g = np.diag(g_leak + 2.0 * g_axial)
    g[0, 0] -= g_axial
    g[n, n] -= g_axial
    idx = np.arange(n)
    g[idx, idx + 1] = g[idx + 1, idx] = -g_axial
    return c_pF, g, g_leak


@lru_cache(maxsize=64)
def _free_modes(cell: BallAndStick) -> _cable.Modes:
    c_pF, g, _ = _network(cell)
    return _cable.modes(c_pF, g)


_DEFAULTS = {
    "soma_diam_um": 20.0,
    "dend_length_um": 800.0,
    "dend_diam_um": 2.0,
    "r_m_ohm_cm2": 20000.0,
    "r_i_ohm_cm": 150.0,
    "c_m_uF_cm2": 1.0,
    "e_leak_mV": -70.0,
}


def ball_and_stick(**overrides) -> BallAndStick:
    """The book's ball-and-stick neuron, with any field overridden.

    Defaults: soma 20 um (area 1257 um^2), dendrite 800 um long and 2 um thick,
    R_m 20 000 ohm cm^2, R_i 150 ohm cm, c_m 1 uF/cm^2 (so tau_m = 20 ms and
    lambda = 816 um, L = 0.98), rest -70 mV. Typical passive values for
    cortical neurons (R_m tens of kohm cm^2, R_i 100-250 ohm cm, c_m about 1).

    References
    ----------
    Koch (1999), Biophysics of Computation, Oxford University Press, ch. 2-3.

    Examples
    --------
    >>> ball_and_stick(dend_length_um=400.0).dend_length_um
    400.0
    """
    valid = [f.name for f in fields(BallAndStick)]
    unknown = set(overrides) - set(valid)
    if unknown:
        raise ValueError(f"unknown BallAndStick field(s) {sorted(unknown)}; valid: {valid}")
    return replace(BallAndStick(**_DEFAULTS), **overrides)


@dataclass(frozen=True)
class DendriteTrace:
    """The result of `simulate_dendrite`.

    Attributes
    ----------
    t_ms : ndarray, shape (n,)
        Time grid, ms.
    v_soma_mV : ndarray, shape (n,)
        Soma potential, mV.
    cell : BallAndStick
    inputs : tuple of (Synapse, onsets_ms, distance_um)
        The inputs as simulated.

    Examples
    --------
    >>> from ipsplib.synapses import ampa
    >>> cell = ball_and_stick()
    >>> tr = simulate_dendrite(cell, [(ampa(g_max_nS=2.0), [1.0], 600.0)], duration_ms=30.0)
    >>> bool(tr.v_at(600.0).max() > tr.v_soma_mV.max())     # larger at the synapse than at the soma
    True
    """

    t_ms: np.ndarray
    v_soma_mV: np.ndarray
    cell: BallAndStick
    inputs: tuple
    _z: np.ndarray = None  # modal state (n, n_modes), time-major
    _modes: object = None
    _j: np.ndarray = None  # synaptic current into each site (n_sites, n), pA
    _sites_um: tuple = ()  # the sites' distances

    def v_at(self, distance_um) -> np.ndarray:
        """V(t) at ``distance_um`` from the soma along the dendrite (linear between nodes), mV.

        Raises ValueError unless 0 <= distance_um <= dend_length_um.
        """
        x = _checked_distance("distance_um", distance_um, self.cell)
        if x == 0.0:
            return self.v_soma_mV.copy()
        w = self.cell._site_weights([x])[:, 0]
        v = float(self.cell.e_leak_mV) + _cable.read(self._z, self._modes.readout(w))
        if self._sites_um:
            # the kink of the potential at the synapses in the same segment (see BallAndStick._site_rho)
            seg, theta = self.cell._site_segments([x])
            seg_k, theta_k = self.cell._site_segments(list(self._sites_um))
            same = seg_k == seg[0]
            lo, hi = np.minimum(theta[0], theta_k), np.maximum(theta[0], theta_k)
            green = np.where(same, lo * (1.0 - hi), 0.0) * self.cell._segment_resistance_GOhm()
            v = v + green @ self._j
        return v

    @cached_property
    def v_nodes_mV(self) -> np.ndarray:
        """V at every node x = 0, h, ..., L (rows) on the grid (columns), mV."""
        u = (_cable.modal_array(self._z) @ (self._modes.inv_sqrt_c[:, None] * self._modes.q).T).T
        return float(self.cell.e_leak_mV) + u

    @property
    def x_nodes_um(self) -> np.ndarray:
        """Positions of the nodes along the dendrite, um (0 = soma)."""
        return np.linspace(0.0, float(self.cell.dend_length_um), int(self.cell.n_compartments) + 1)


def _checked_distance(name: str, value, cell: BallAndStick) -> float:
    x = float(_checks.as_finite(name, value, "um"))
    length = float(cell.dend_length_um)
    if not 0.0 <= x <= length:
        raise ValueError(f"{name} must be between 0 and the dendrite length ({length} um), got {x} um")
    return x


def checked_dendrite_inputs(inputs, cell: BallAndStick) -> list[tuple[Synapse, np.ndarray, float]]:
    """The (Synapse, onsets_ms, distance_um) triples of ``inputs``, checked, or a ValueError."""
    if isinstance(inputs, (str, bytes)) or not isinstance(inputs, Sequence):
        raise ValueError("inputs must be a sequence of (Synapse, onsets_ms, distance_um) triples")
    checked = []
    for k, triple in enumerate(inputs):
        if not (isinstance(triple, Sequence) and len(triple) == 3 and isinstance(triple[0], Synapse)):
            raise ValueError(f"inputs[{k}] must be a (Synapse, onsets_ms, distance_um) triple, got {triple!r}")
        ((syn, onsets),) = checked_inputs([(triple[0], triple[1])])
        checked.append((syn, onsets, _checked_distance(f"inputs[{k}] distance_um", triple[2], cell)))
    return checked


def simulate_dendrite(cell: BallAndStick, inputs, duration_ms, dt_ms=0.025) -> DendriteTrace:
    """Membrane potential along a passive ball-and-stick neuron driven by synapses on soma and dendrite.

    The cell starts at rest (``e_leak_mV`` everywhere). Each synapse is a
    conductance at its own site; an NMDA-type synapse (``mg_out_mM > 0``) is
    blocked by Mg2+ according to the potential at that site (block at the
    midpoint of each step, second order).

    Parameters
    ----------
    cell : BallAndStick
    inputs : sequence of (Synapse, onsets_ms, distance_um)
        Each synapse, its presynaptic event times (ms, >= 0, need not lie on the
        grid) and its distance from the soma along the dendrite, um, from 0
        (on the soma) to ``cell.dend_length_um`` (the sealed tip).
    duration_ms : float
        Length of the simulation, ms, > 0, a whole number of steps.
    dt_ms : float
        Time step, ms, 0 < dt_ms <= duration_ms.

    Returns
    -------
    DendriteTrace

    Examples
    --------
    >>> from ipsplib.synapses import ampa
    >>> cell = ball_and_stick()
    >>> near = simulate_dendrite(cell, [(ampa(g_max_nS=2.0), [1.0], 50.0)], duration_ms=30.0)
    >>> far = simulate_dendrite(cell, [(ampa(g_max_nS=2.0), [1.0], 750.0)], duration_ms=30.0)
    >>> bool(far.v_soma_mV.max() < near.v_soma_mV.max())
    True
    """
    if not isinstance(cell, BallAndStick):
        raise ValueError(f"cell must be an ipsplib BallAndStick, got {type(cell).__name__}")
    n_steps, dt = grid(duration_ms, dt_ms)
    checked = checked_dendrite_inputs(inputs, cell)
    md = _free_modes(cell)
    e_leak = float(cell.e_leak_mV)
    t = np.arange(n_steps + 1) * dt
    if checked:
        pairs = [(syn, onsets) for syn, onsets, _ in checked]
        w = cell._site_weights([x for _, _, x in checked])
        e_rel = np.array([float(syn.e_rev_mV) for syn, _, _ in checked]) - e_leak
        mg = np.array([float(syn.mg_out_mM) for syn, _, _ in checked])
        rho = cell._site_rho([x for _, _, x in checked])
        distances = [x for _, _, x in checked]
        v_base = np.full(len(pairs), e_leak)
        z, j, rep = _cable.run(md, w, pairs, e_rel, mg, v_base, n_steps, dt, rho=rho, site_keys=distances)
        sites = tuple(distances[i] for i in rep)
    else:
        z, j, sites = np.zeros((n_steps + 1, md.lam_per_ms.size)), np.zeros((0, n_steps + 1)), ()
    soma = md.readout(np.eye(md.lam_per_ms.size)[:, 0])
    return DendriteTrace(
        t_ms=t,
        v_soma_mV=e_leak + _cable.read(z, soma),
        cell=cell,
        inputs=tuple(checked),
        _z=z,
        _modes=md,
        _j=j,
        _sites_um=sites,
    )
