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


def integrate(md: Modes, w, g_step, e_rel, mg, v_base, dt: float):
    """Integrate the network from its steady state (u = 0) under the site conductances.

    Parameters
    ----------
    md : Modes
    w : ndarray (n_nodes, k)
        Site weights on the nodes.
    g_step : ndarray (k, n_steps)
        Step-averaged conductance of each site, nS (no block).
    e_rel : ndarray (k,)
        Reversal potential of each site relative to the baseline potential there, mV.
    mg : ndarray (k,)
        [Mg2+]o of each site, mM (0: no block).
    v_base : ndarray (k,)
        Absolute baseline potential at each site, mV (the block acts at v_base + s).
    dt : float

    Returns
    -------
    z : ndarray (n_modes, n_steps + 1)
        Modal state on the grid (z[:, 0] = 0).
    s : ndarray (k, n_steps + 1)
        Site potentials relative to the baseline, mV.
    """
    k, n_steps = g_step.shape
    lam = md.lam_per_ms
    decay = np.exp(-lam * dt)
    phi = -np.expm1(-lam * dt) / lam
    p = md.inputs(w)  # (m, k)
    k0 = p.T @ (phi[:, None] * p)  # (k, k)
    pa_t = (p * decay[:, None]).T  # (k, m)
    phi_p = phi[:, None] * p  # (m, k)
    z = np.zeros((n_steps + 1, lam.size))
    s = np.zeros((n_steps + 1, k))
    blocked = mg > 0
    eye = np.eye(k)
    if not blocked.any():
        # A_n s_{n+1} = h_n + K0 diag(g_n) (E - s_n/2), A_n = I + K0 diag(g_n)/2: all A_n inverted at once.
        kg = k0[None, :, :] * g_step.T[:, None, :]  # (n, k, k) = K0 diag(g_n)
        a_inv = np.linalg.inv(eye[None] + 0.5 * kg)
        r = a_inv @ kg
        g_t = g_step.T
        zn = np.zeros(lam.size)
        sn = np.zeros(k)
        for n in range(n_steps):
            s_new = a_inv[n] @ (pa_t @ zn) + r[n] @ (e_rel - 0.5 * sn)
            j = g_t[n] * (e_rel - 0.5 * (sn + s_new))
            zn = decay * zn + phi_p @ j
            z[n + 1] = zn
            s[n + 1] = s_new
            sn = s_new
        return z.T, s.T
    mg_scale = np.where(blocked, mg / MG_BLOCK_KD_MM, 0.0)
    zn = np.zeros(lam.size)
    sn = np.zeros(k)
    g_t = g_step.T

    def block(s_rel):
        return 1.0 / (1.0 + mg_scale * np.exp(-MG_BLOCK_SLOPE_PER_MV * (v_base + s_rel)))

    for n in range(n_steps):
        h = pa_t @ zn
        s_guess = sn
        for _ in range(2):  # block at the start of the step, then at the midpoint of that first guess
            geff = g_t[n] * block(0.5 * (sn + s_guess))
            kg = k0 * geff[None, :]
            s_new = np.linalg.solve(eye + 0.5 * kg, h + kg @ (e_rel - 0.5 * sn))
            s_guess = s_new
        j = geff * (e_rel - 0.5 * (sn + s_new))
        zn = decay * zn + phi_p @ j
        z[n + 1] = zn
        s[n + 1] = s_new
        sn = s_new
    return z.T, s.T


def block_at(v_mV, mg_mM):
    """Mg2+ block (ions.mg_block without its input checks, for arrays already checked)."""
    mg = np.asarray(mg_mM, dtype=float)
    return 1.0 / (1.0 + mg / MG_BLOCK_KD_MM * np.exp(-MG_BLOCK_SLOPE_PER_MV * np.asarray(v_mV, dtype=float)))
