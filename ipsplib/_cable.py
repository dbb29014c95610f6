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
exactly over each step of length h for a current J that is linear in time
between its values at the two grid points (a first-order hold):

    z_{n+1} = e^{-lam h} z_n + P [(phi - psi) J_n + psi J_{n+1}],   P = Q^T C^{-1/2} W,
    phi = (1 - e^{-lam h}) / lam,   psi = (1 - phi / h) / lam.

The synaptic currents couple only the k site potentials, s = P^T z, and
J_{n+1} = g(t_{n+1}) B (E - s_{n+1}) uses the conductance at the grid point
itself, so each step solves one k x k system,
(I + Kb G_{n+1}) s_{n+1} = P^T e^{-lam h} z_n + Ka J_n + Kb G_{n+1} E with
Ka = P^T diag(phi - psi) P, Kb = P^T diag(psi) P. The fast local modes then
follow the end-point current (holding J at its step average instead would
make the site potential lag by half a step: first order). The scheme is
second order in h; where a conductance rises within a few steps (5 tau_rise
after an onset of a synapse whose fastest time constant is < 20 dt) the steps
are split into `SUBSTEPS` parts. No tridiagonal system is solved in the time
loop: each step costs two k x (n + k) products and one mode update.

For voltage-independent synapses the k x k matrices of every step are
inverted at once before the loop, and synapses at the same site are merged
(their total conductance and sum g E), so k is the number of distinct sites.
A site between two nodes reads s = w^T u + rho J, rho = theta (1 - theta)
R_segment (the kink of a point current between two nodes). An NMDA-type synapse is blocked at its own
site's potential: the block is evaluated at an extrapolated end-of-step
potential, then once more at the end-of-step potential so obtained.

Against NEURON (401 segments, CVODE; tests/test_neuron_dendrite.py) the
default discretisation (256 segments, dt 0.025 ms) stays within 0.008 mV at
the synapse and 0.0007 mV at the soma in every case tried, including a 4 nS
AMPA synapse at the tip of a dendrite 2 lambda long.
"""

from __future__ import annotations

import math
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


def read(z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """z @ r for a time-major modal history z (n_t, m) and a readout r (m,), without BLAS.

    A multithreaded BLAS matrix-vector product of this shape can be 10-100x slower
    than this loop when the machine is busy (tooling note: 2 cores, many users).
    """
    return np.einsum("tm,m->t", z, r)


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


def integrate(
    md: Modes, w, g_point, e_rel, mg, v_base, dt: float, fine=None, g_fine=None, substeps: int = 1, rho=None, drive=None
):
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
    g_fine : callable, optional
        ``g_fine(index)`` gives the conductances (k, len(index)), nS, at the points
        t = index dt / substeps of the fine grid (needed with ``fine``).
    substeps : int
    drive : tuple (d_point, d_fine), optional
        For voltage-independent sites only: sum g E of each site (several synapses
        merged at one site), nS mV, on the grid and as a callable like g_fine; then
        J = D - G s and ``e_rel`` is not used.
    rho : ndarray (k,), optional
        Local resistance of each site, GOhm: the site potential is s = w^T u + rho J
        (the kink of the potential at a point synapse between two nodes; 0 on a node).

    Returns
    -------
    z : ndarray (n_steps + 1, n_modes)
        Modal state on the grid, time-major (z[0] = 0); a readout r gives z @ r.
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
        d_end = None if drive is None else drive[0][:, 1:]
        record = np.arange(n_steps)
    else:
        counts = np.where(fine, substeps, 1)
        kinds = np.repeat(fine.astype(int), counts)
        # fine-grid index of the end of every (sub)step
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        within = np.arange(kinds.size) - np.repeat(start, counts)
        end_fine = np.repeat(np.arange(n_steps) * substeps, counts) + np.where(kinds == 1, within + 1, substeps)
        g_end = np.repeat(g_point[:, 1:], counts, axis=1)
        sub = kinds == 1
        g_end[:, sub] = g_fine(end_fine[sub])
        d_end = None
        if drive is not None:
            d_end = np.repeat(drive[0][:, 1:], counts, axis=1)
            d_end[:, sub] = drive[1](end_fine[sub])
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
    if rho is not None:
        kb = kb + np.diag(np.asarray(rho, dtype=float))[None]  # in the site equation only, not in the modes
    n_total = kinds.size
    z_out = np.zeros((n_steps + 1, lam.size))
    j_out = np.zeros((n_steps + 1, k))
    blocked = mg > 0
    eye = np.eye(k)
    zn = np.zeros(lam.size)
    sn = np.zeros(k)
    jn = g_point[:, 0] * _block(v_base, mg) * e_rel if drive is None else drive[0][:, 0].copy()
    j_out[0] = jn
    rec = np.zeros(n_total, dtype=bool)
    rec[record] = True
    point = np.cumsum(rec)  # grid index reached at the end of each (sub)step
    if not blocked.any():
        # (I + Kb G_{n+1}) s_{n+1} = P^T e^{-lam h} z_n + Ka J_n + Kb G_{n+1} E, with all the k x k matrices
        # inverted at once; J_{n+1} = G_{n+1} (E - s_{n+1}) = M_n (base x_n) + c_n with x = [z; J_n] and
        # base = [P^T e^{-lam h}, Ka] (k x (m + k)), M_n = -G_{n+1} A_n^{-1}. One buffer holds
        # [z, J_n, J_{n+1}], so each step is two small matrix-vector products and one rank-2k mode update.
        kbg = kb[kinds] * g_end.T[:, None, :]  # (n_total, k, k)
        a_inv = np.linalg.inv(eye[None] + kbg)
        m_step = -g_end.T[:, :, None] * a_inv
        d_t = g_end.T * e_rel if d_end is None else d_end.T  # D = sum g E of each site
        c_step = d_t - g_end.T * (a_inv @ (kb[kinds] @ d_t[:, :, None]))[:, :, 0]
        base = [np.hstack([pa_t[kind], ka[kind]]) for kind in (0, 1)]
        wab = [np.hstack([wa_p[kind], wb_p[kind]]) for kind in (0, 1)]
        m = lam.size
        buf = np.zeros(m + 2 * k)
        buf[m : m + k] = jn
        x, jj, z_part, j_old, j_new = buf[: m + k], buf[m:], buf[:m], buf[m : m + k], buf[m + k :]
        kinds_list, rec_list, point_list = kinds.tolist(), rec.tolist(), point.tolist()
        decay_l = [decay_t[0], decay_t[1]]
        mc_step = np.concatenate([m_step, c_step[:, :, None]], axis=2)  # [M_n, c_n]: (n_total, k, k + 1)
        tmp_k1, tmp_m = np.ones(k + 1), np.empty(m)
        tmp_k = tmp_k1[:k]
        dot = np.dot
        # Before the first conductance opens (and with no current at t = 0) the network stays at rest: z = 0.
        active = np.flatnonzero(np.any(g_end != 0.0, axis=0))
        q_start = 0 if np.any(jn != 0.0) else (int(active[0]) if active.size else n_total)
        for q in range(q_start, n_total):
            kind = kinds_list[q]
            dot(base[kind], x, out=tmp_k)
            dot(mc_step[q], tmp_k1, out=j_new)
            z_part *= decay_l[kind]
            dot(wab[kind], jj, out=tmp_m)
            z_part += tmp_m
            j_old[:] = j_new
            if rec_list[q]:
                i = point_list[q]
                z_out[i] = z_part
                j_out[i] = j_new
        return z_out, j_out.T
    g_t = g_end.T
    if k == 1:
        return _integrate_one_blocked(
            n_total, kinds, rec, point, z_out, j_out, pa_t, ka, kb, decay_t, wa_p, wb_p, g_end[0], e_rel, mg, v_base, jn
        )
    s_prev = sn
    for q in range(n_total):
        kind = kinds[q]
        h = pa_t[kind] @ zn + ka[kind] @ jn
        s_guess = 2.0 * sn - s_prev  # extrapolated, then the end-of-step estimate: the block at the step's end
        for _ in range(2):
            geff = g_t[q] * _block(v_base + s_guess, mg)
            kbg = kb[kind] * geff[None, :]
            rhs = h + kbg @ e_rel
            s_guess = rhs / (1.0 + kbg[0]) if k == 1 else np.linalg.solve(eye + kbg, rhs)
        s_new = s_guess
        j_new = geff * (e_rel - s_new)
        zn = decay_t[kind] * zn + wa_p[kind] @ jn + wb_p[kind] @ j_new
        jn = j_new
        s_prev, sn = sn, s_new
        if rec[q]:
            i = point[q]
            z_out[i], j_out[i] = zn, j_new
    return z_out, j_out.T


def _integrate_one_blocked(
    n_total, kinds, rec, point, z_out, j_out, pa_t, ka, kb, decay_t, wa_p, wb_p, g, e, mg, v0, j0
):
    """The blocked-synapse loop of `integrate` for one site, in scalars (the same equations, fewer numpy calls)."""
    e, mg_scale, v0 = float(e[0]), float(mg[0]) / MG_BLOCK_KD_MM, float(v0[0])
    base = [np.concatenate([pa_t[kind][0], ka[kind][0]]) for kind in (0, 1)]  # h = base . [z, J_n]
    kb_l = [float(kb[0][0, 0]), float(kb[1][0, 0])]
    wab = [np.column_stack([wa_p[kind][:, 0], wb_p[kind][:, 0]]) for kind in (0, 1)]
    decay_l = [decay_t[0], decay_t[1]]
    m = z_out.shape[1]
    x = np.zeros(m + 1)
    z_part = x[:m]
    jj = np.zeros(2)
    jn = float(j0[0])
    x[m] = jn
    sn = s_prev = 0.0
    g_l, kinds_l, rec_l, point_l = g.tolist(), kinds.tolist(), rec.tolist(), point.tolist()
    slope, exp = MG_BLOCK_SLOPE_PER_MV, math.exp
    for q in range(n_total):
        kind = kinds_l[q]
        h = float(np.dot(base[kind], x))
        s_guess = 2.0 * sn - s_prev
        for _ in range(2):
            geff = g_l[q] / (1.0 + mg_scale * exp(-slope * (v0 + s_guess)))
            kbg = kb_l[kind] * geff
            s_guess = (h + kbg * e) / (1.0 + kbg)
        j_new = geff * (e - s_guess)
        jj[0], jj[1] = jn, j_new
        z_part *= decay_l[kind]
        z_part += np.dot(wab[kind], jj)
        x[m] = jn = j_new
        s_prev, sn = sn, s_guess
        if rec_l[q]:
            i = point_l[q]
            z_out[i] = z_part
            j_out[i, 0] = j_new
    return z_out, j_out.T


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


def run(md: Modes, w, pairs, e_rel, mg, v_base, n_steps: int, dt: float, rho=None, site_keys=None):
    """`integrate` for (Synapse, onsets_ms) pairs at sites w: conductances on the grid, fast rises split.

    With ``site_keys`` (one hashable per input, e.g. its distance) and no
    Mg2+-blocked input, inputs at the same site are merged into one site
    (total G and sum g E), so the k x k systems grow with the number of
    distinct sites, not of synapses.

    Returns
    -------
    z : ndarray (n_steps + 1, n_modes)
    j : ndarray (n_sites, n_steps + 1)
        Synaptic current into each site, pA.
    rep : list of int
        For each site row, the index of one input at that site.
    """
    k = len(pairs)
    fine = fast_windows(pairs, n_steps, dt)
    n_events = sum(np.size(onsets) for _, onsets in pairs)
    if site_keys is None or np.any(mg > 0):
        rows = np.eye(k)
        rep = list(range(k))
    else:
        keys = list(dict.fromkeys(site_keys))
        rows = np.array([[float(key == site) for key in site_keys] for site in keys])
        rep = [list(site_keys).index(site) for site in keys]
        rows = np.vstack([rows, rows * np.asarray(e_rel, dtype=float)[None, :]])
    n_sites = len(rep)
    values, _ = _grid_conductances(pairs, n_steps, dt, weights=rows)
    fine_values = None
    if fine.any() and n_events > 20:
        fine_values, _ = _grid_conductances(pairs, n_steps * SUBSTEPS, dt / SUBSTEPS, weights=rows)

    def fine_rows(index):
        if fine_values is not None:
            return fine_values[:, index]
        # Few events: the waveforms evaluated directly at the substep ends inside the fast windows.
        t = np.asarray(index, dtype=float) * (dt / SUBSTEPS)
        return rows @ np.array([syn.conductance(t, onsets) for syn, onsets in pairs])

    w_s = w[:, rep]
    rho_s = None if rho is None else np.asarray(rho, dtype=float)[rep]
    if rows.shape[0] == n_sites:  # one row per input
        z, j = integrate(
            md, w_s, values, e_rel, mg, v_base, dt, fine=fine, g_fine=fine_rows, substeps=SUBSTEPS, rho=rho_s
        )
        return z, j, rep
    drive = (values[n_sites:], lambda index: fine_rows(index)[n_sites:])
    z, j = integrate(
        md,
        w_s,
        values[:n_sites],
        np.zeros(n_sites),
        np.zeros(n_sites),
        np.asarray(v_base, dtype=float)[rep],
        dt,
        fine=fine,
        g_fine=lambda index: fine_rows(index)[:n_sites],
        substeps=SUBSTEPS,
        rho=rho_s,
        drive=drive,
    )
    return z, j, rep
