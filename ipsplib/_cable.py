"""The solver behind `ipsplib.dendrite` and `ipsplib.clamp`: a passive linear network with conductances at a few sites.

Internal. A compartmental model is written as

    C du/dt = -G u + W J(t),    J_k = g_k(t) B_k (E_k - s_k),    s = W^T u,

with u the potential of every node relative to the network's steady state
without synapses (mV), C the node capacitances (pF, diagonal), G the
symmetric conductance matrix (nS: leak, axial and any tonic conductance),
W (n_nodes x k) the weights by which the k synaptic sites sit on the nodes (a
site between two nodes is shared between them by linear interpolation, so
its position is exact), s the site potentials, E_k the synaptic reversal
potentials relative to the same steady state, and B_k the Mg2+ block (1 for
voltage-independent synapses, evaluated at the site's own potential).

G is symmetrised once per network, A = C^{-1/2} G C^{-1/2} = Q diag(lam) Q^T
(cached by the callers), and the modes z = Q^T C^{1/2} u are integrated
exactly over each step for a current J constant over the step:

    z_{n+1} = e^{-lam dt} z_n + phi P J_n,   phi = (1 - e^{-lam dt}) / lam,   P = Q^T C^{-1/2} W.

The synaptic currents couple only the k site potentials, s = P^T z, so each
step solves a k x k system: J_n = gbar_n B (E - (s_n + s_{n+1}) / 2) with
gbar_n the exact step average of the conductance (trapezoidal in the
coupling, second order in dt), and s_{n+1} = P^T e^{-lam dt} z_n + K0 J_n with
K0 = P^T diag(phi) P. The mode update is O(n_nodes) per step and no
tridiagonal system is solved in the time loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ions import MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV
from .synapses import _grid_conductances


@dataclass(frozen=True)
class Modes:
    """Eigen-decomposition of a network: C^{-1/2} G C^{-1/2} = Q diag(lam) Q^T."""

    lam_per_ms: np.ndarray  # (n,)
    q: np.ndarray  # (n, n)
    inv_sqrt_c: np.ndarray  # (n,), 1/sqrt(pF)

    def inputs(self, w: np.ndarray) -> np.ndarray:
        """P = Q^T C^{-1/2} W for node weights w (n, k): modal drive of unit currents (pA) at the sites."""
        return self.q.T @ (self.inv_sqrt_c[:, None] * w)

    def readout(self, r: np.ndarray) -> np.ndarray:
        """Row vectors R Q^T... such that (r^T u) = readout(r) . z, for node weights r (n,) or (n, m)."""
        return self.q.T @ (self.inv_sqrt_c.reshape((-1,) + (1,) * (np.ndim(r) - 1)) * r)


def modes(c_pF: np.ndarray, g_nS: np.ndarray) -> Modes:
    """Modes of the network with node capacitances c_pF and symmetric conductance matrix g_nS."""
    s = 1.0 / np.sqrt(c_pF)
    lam, q = np.linalg.eigh(g_nS * s[:, None] * s[None, :])
    return Modes(lam, q, s)


def _hold_coefficients(lam: np.ndarray, h: float):
    """e^{-lam h}, and the weights (phi - psi, psi) of the start and end currents for J linear over a step h.

    phi = (1 - e^{-lam h}) / lam, psi = (1 - phi/h) / lam; psi from its series where lam h is small.
    """
    x = lam * h
    decay = np.exp(-x)
    phi = -np.expm1(-x) / lam
    small = x < 1e-2
    xs = np.where(small, x, 0.0)
    series = h * (0.5 - xs / 6 + xs**2 / 24 - xs**3 / 120 + xs**4 / 720)
    psi = np.where(small, series, (1.0 - phi / h) / np.where(small, 1.0, lam))
    return decay, phi - psi, psi


def integrate(md: Modes, w, g_point, e_rel, mg, v_base, dt: float, fine=None, g_fine=None, substeps: int = 1):
    """Integrate the network from its steady state (u = 0) under the site conductances.

    Over each step the synaptic current J is taken linear in time between its
    values at the two grid points (a first-order hold, exact for the modes):
    z_{n+1} = e^{-lam h} z_n + P [(phi - psi) J_n + psi J_{n+1}], with
    J_{n+1} = g(t_{n+1}) B (E - s_{n+1}) implicit, s_{n+1} = P^T z_{n+1}: one
    k x k solve per step. The fast local modes then follow the end-point
    current, and the scheme is second order in h. Steps flagged in ``fine``
    (where a conductance rises fast) are split into ``substeps`` equal parts.

    Parameters
    ----------
    md : Modes
    w : ndarray (n_nodes, k)
        Site weights on the nodes.
    g_point : ndarray (k, n_steps + 1)
        Conductance of each site at the grid points, nS (no block).
    e_rel : ndarray (k,)
        Reversal potential of each site relative to the baseline potential there, mV.
    mg : ndarray (k,)
        [Mg2+]o of each site, mM (0: no block).
    v_base : ndarray (k,)
        Absolute baseline potential at each site, mV (the block acts at v_base + s).
    dt : float
    fine : ndarray of bool (n_steps,), optional
        Steps to split.
    g_fine : ndarray (k, n_steps * substeps + 1), optional
        Conductances on the fine grid t = j dt / substeps (needed with ``fine``).
    substeps : int

    Returns
    -------
    z : ndarray (n_modes, n_steps + 1)
        Modal state on the grid (z[:, 0] = 0).
    s : ndarray (k, n_steps + 1)
        Site potentials relative to the baseline, mV.
    j : ndarray (k, n_steps + 1)
        Synaptic current into each site, pA (inward positive), including the block.
    """
    k, n_points = g_point.shape
    n_steps = n_points - 1
    lam = md.lam_per_ms
    p = md.inputs(w)  # (m, k)
    # The sequence of (sub)steps: kind 0 a whole step, kind 1 a substep; the conductance at each one's end.
    if fine is None or substeps == 1 or not np.any(fine):
        kinds = np.zeros(n_steps, dtype=int)
        g_end = g_point[:, 1:]
        record = np.arange(n_steps)
    else:
        counts = np.where(fine, substeps, 1)
        kinds = np.repeat(fine.astype(int), counts)
        # fine-grid index of the end of every (sub)step
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        within = np.arange(kinds.size) - np.repeat(start, counts)
        end_fine = np.repeat(np.arange(n_steps) * substeps, counts) + np.where(kinds == 1, within + 1, substeps)
        g_end = g_fine[:, end_fine]
        record = np.cumsum(counts) - 1  # the (sub)step that ends on each grid point
    tables = []
    for h in (dt, dt / max(substeps, 1)):
        decay, wa, wb = _hold_coefficients(lam, h)
        tables.append((decay, wa[:, None] * p, wb[:, None] * p, p.T @ (wa[:, None] * p), p.T @ (wb[:, None] * p)))
    decay_t = np.array([t[0] for t in tables])
    pa_t = np.array([(p * t[0][:, None]).T for t in tables])  # (2, k, m)
    wa_p = np.array([t[1] for t in tables])
    wb_p = np.array([t[2] for t in tables])
    ka = np.array([t[3] for t in tables])
    kb = np.array([t[4] for t in tables])
    n_total = kinds.size
    z_out = np.zeros((n_steps + 1, lam.size))
    s_out = np.zeros((n_steps + 1, k))
    j_out = np.zeros((n_steps + 1, k))
    blocked = mg > 0
    eye = np.eye(k)
    zn = np.zeros(lam.size)
    sn = np.zeros(k)
    jn = g_point[:, 0] * _block(v_base, mg) * e_rel
    j_out[0] = jn
    rec = np.zeros(n_total, dtype=bool)
    rec[record] = True
    point = np.cumsum(rec)  # grid index reached at the end of each (sub)step
    if not blocked.any():
        # (I + Kb G_{n+1}) s_{n+1} = h_n + Ka J_n + Kb G_{n+1} E: all the k x k matrices inverted at once.
        kbg = kb[kinds] * g_end.T[:, None, :]  # (n_total, k, k)
        a_inv = np.linalg.inv(eye[None] + kbg)
        c_hist = a_inv @ pa_t[kinds]  # (n_total, k, m)
        c_j = a_inv @ ka[kinds]
        c_e = a_inv @ (kbg @ e_rel)[:, :, None]
        g_t = g_end.T
        for q in range(n_total):
            kind = kinds[q]
            s_new = c_hist[q] @ zn + c_j[q] @ jn + c_e[q, :, 0]
            j_new = g_t[q] * (e_rel - s_new)
            zn = decay_t[kind] * zn + wa_p[kind] @ jn + wb_p[kind] @ j_new
            jn = j_new
            if rec[q]:
                i = point[q]
                z_out[i], s_out[i], j_out[i] = zn, s_new, j_new
        return z_out.T, s_out.T, j_out.T
    g_t = g_end.T
    s_prev = sn
    for q in range(n_total):
        kind = kinds[q]
        h = pa_t[kind] @ zn + ka[kind] @ jn
        s_guess = 2.0 * sn - s_prev  # extrapolated, then the end-of-step estimate: the block at the step's end
        for _ in range(2):
            geff = g_t[q] * _block(v_base + s_guess, mg)
            kbg = kb[kind] * geff[None, :]
            s_guess = np.linalg.solve(eye + kbg, h + kbg @ e_rel)
        s_new = s_guess
        j_new = geff * (e_rel - s_new)
        zn = decay_t[kind] * zn + wa_p[kind] @ jn + wb_p[kind] @ j_new
        jn = j_new
        s_prev, sn = sn, s_new
        if rec[q]:
            i = point[q]
            z_out[i], s_out[i], j_out[i] = zn, s_new, j_new
    return z_out.T, s_out.T, j_out.T


def _block(v_mV, mg_mM):
    return block_at(v_mV, mg_mM)


def fast_windows(inputs, n_steps: int, dt: float, factor: float = 20.0, span: float = 5.0) -> np.ndarray:
    """Steps that overlap [onset, onset + span tau_fast] of a synapse whose fastest time constant is < factor dt."""
    fine = np.zeros(n_steps + 1, dtype=int)
    for syn, onsets in inputs:
        tau_fast = float(syn.tau_rise_ms) if syn.tau_rise_ms > 0 else float(syn.tau_decay_ms)
        if tau_fast >= factor * dt:
            continue
        onsets = np.asarray(onsets, dtype=float)
        first = np.clip(np.floor(onsets / dt).astype(int), 0, n_steps)
        last = np.clip(np.ceil((onsets + span * tau_fast) / dt).astype(int), 0, n_steps)
        np.add.at(fine, first, 1)
        np.add.at(fine, last, -1)
    return np.cumsum(fine)[:n_steps] > 0


def block_at(v_mV, mg_mM):
    """Mg2+ block (ions.mg_block without its input checks, for arrays already checked)."""
    mg = np.asarray(mg_mM, dtype=float)
    return 1.0 / (1.0 + mg / MG_BLOCK_KD_MM * np.exp(-MG_BLOCK_SLOPE_PER_MV * np.asarray(v_mV, dtype=float)))


# Steps within 5 tau_fast of an onset of a synapse faster than 20 dt are split into this many substeps.
SUBSTEPS = 4


def run(md: Modes, w, pairs, e_rel, mg, v_base, n_steps: int, dt: float):
    """`integrate` for (Synapse, onsets_ms) pairs at sites w: conductances on the grid, fast rises split."""
    eye = np.eye(len(pairs))
    g_point, _ = _grid_conductances(pairs, n_steps, dt, weights=eye)
    fine = fast_windows(pairs, n_steps, dt)
    g_fine = None
    if fine.any():
        g_fine, _ = _grid_conductances(pairs, n_steps * SUBSTEPS, dt / SUBSTEPS, weights=eye)
    return integrate(md, w, g_point, e_rel, mg, v_base, dt, fine=fine, g_fine=g_fine, substeps=SUBSTEPS)
