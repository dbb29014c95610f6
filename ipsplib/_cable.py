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
loop.

Voltage-independent synapses (the usual case) are solved many steps at a
time. Synapses at the same site are merged (their total conductance G and
sum g E = D), so k is the number of distinct sites, and J = D - G s. Over a
block of n <= BLOCK_STEPS equal steps the site potentials are linear in the
block's currents, s = F z_0 + A J_0 + T J, T block lower-triangular and
Toeplitz (kernels K(lag) of the modes, precomputed once), so one triangular
system (I + T G) s = F z_0 + A J_0 + T D gives every step of the block
(LAPACK's dtrtrs through scipy; the weak coupling between different sites
within one step, above the diagonal, by Gauss-Seidel sweeps). The modal
state is carried to the block's end in one product. The named steps:
`plan_steps` (the sequence of steps and substeps and the conductances at
their ends), `hold_tables` (one step's coefficients), `block_kernels`,
`block_schedule`, `solve_blocks` (the currents) and `modal_history` (the
modes on the grid). Modes whose decay factor over one step is below STATIC_DECAY
hold no memory: on the grid they are a fixed combination of the step's
currents, so only the slow ones are filtered over time (scipy's lfilter)
and a readout never needs the whole (n_steps x n_nodes) state.

A site between two nodes reads s = w^T u + rho J, rho = theta (1 - theta)
R_segment (the kink of a point current between two nodes). An NMDA-type
synapse is blocked at its own site's potential: it is integrated step by
step (`_integrate_blocked_steps`, or `_integrate_one_blocked` in scalars for
one site), the block evaluated at an extrapolated end-of-step potential,
then once more at the end-of-step potential so obtained.

Against NEURON (401 segments, CVODE; tests/test_neuron_dendrite.py) the
default discretisation (256 segments, dt 0.025 ms) stays within 0.008 mV at
the synapse and 0.0007 mV at the soma in every case tried, including a 4 nS
AMPA synapse at the tip of a dendrite 2 lambda long.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dtrtrs as _dtrtrs
from scipy.signal import lfilter as _lfilter

from .ions import MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV
from .synapses import Synapse, _grid_conductances


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
    if isinstance(z, ModalHistory):
        return z.read(r)
    return np.einsum("tm,m->t", z, r)


def modal_array(z) -> np.ndarray:
    """The modal state as an array (n_t, m), from `integrate`'s result of either kind."""
    return z.full() if isinstance(z, ModalHistory) else z


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


@dataclass(frozen=True)
class SiteProblem:
    """Everything `integrate` needs: the network's modes, the sites and their conductances on the step grid.

    Attributes
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
    fine : ndarray of bool (n_steps,) or None
        Steps to split into ``substeps`` equal parts.
    g_fine : callable or None
        ``g_fine(index)`` gives the conductances (k, len(index)), nS, at the points
        t = index dt / substeps of the fine grid (needed with ``fine``).
    substeps : int
    rho : ndarray (k,) or None
        Local resistance of each site, GOhm: the site potential is s = w^T u + rho J
        (the kink of the potential at a point synapse between two nodes; 0 on a node).
    drive : tuple (d_point, d_fine) or None
        For voltage-independent sites only: sum g E of each site (several synapses
        merged at one site), nS mV, on the grid and as a callable like g_fine; then
        J = D - G s and ``e_rel`` is not used.
    """

    md: Modes
    w: np.ndarray
    g_point: np.ndarray
    e_rel: np.ndarray
    mg: np.ndarray
    v_base: np.ndarray
    dt: float
    fine: np.ndarray | None = None
    g_fine: object = None
    substeps: int = 1
    rho: np.ndarray | None = None
    drive: tuple | None = None

    @property
    def voltage_independent(self) -> bool:
        return not np.any(np.asarray(self.mg) > 0)


@dataclass(frozen=True)
class StepPlan:
    """The sequence of (sub)steps: kind 0 a whole step dt, kind 1 a substep dt / substeps.

    ``g_end`` and ``d_end`` (k, n_total) hold the conductance and the drive (sum g E) at the end of every
    (sub)step; ``record[i]`` is the (sub)step that ends on grid point i + 1.
    """

    kinds: np.ndarray
    g_end: np.ndarray
    d_end: np.ndarray
    record: np.ndarray

    @property
    def n_total(self) -> int:
        return self.kinds.size


def plan_steps(problem: SiteProblem) -> StepPlan:
    """Whole steps, with the steps flagged in ``fine`` split into ``substeps`` parts; the conductances at their ends."""
    g_point, fine, substeps = problem.g_point, problem.fine, problem.substeps
    n_steps = g_point.shape[1] - 1
    drive = problem.drive
    d_point = g_point * np.asarray(problem.e_rel, dtype=float)[:, None] if drive is None else drive[0]
    if fine is None or substeps == 1 or not np.any(fine):
        return StepPlan(np.zeros(n_steps, dtype=int), g_point[:, 1:], d_point[:, 1:], np.arange(n_steps))
    counts = np.where(fine, substeps, 1)
    kinds = np.repeat(fine.astype(int), counts)
    # fine-grid index of the end of every (sub)step
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    within = np.arange(kinds.size) - np.repeat(start, counts)
    end_fine = np.repeat(np.arange(n_steps) * substeps, counts) + np.where(kinds == 1, within + 1, substeps)
    sub = kinds == 1
    g_end = np.repeat(g_point[:, 1:], counts, axis=1)
    g_end[:, sub] = problem.g_fine(end_fine[sub])
    d_end = np.repeat(d_point[:, 1:], counts, axis=1)
    if drive is None:
        d_end[:, sub] = g_end[:, sub] * np.asarray(problem.e_rel, dtype=float)[:, None]
    else:
        d_end[:, sub] = drive[1](end_fine[sub])
    return StepPlan(kinds, g_end, d_end, np.cumsum(counts) - 1)


@dataclass(frozen=True)
class HoldTables:
    """One step h of the first-order hold: z' = decay z + wa_p J_n + wb_p J_{n+1}, s' = pa z + ka J_n + kb J_{n+1}.

    ``kb`` includes the local resistance rho of the sites (site equation only, not the modes).
    """

    decay: np.ndarray  # (m,)
    wa: np.ndarray  # (m,) phi - psi
    wb: np.ndarray  # (m,) psi
    wa_p: np.ndarray  # (m, k)
    wb_p: np.ndarray  # (m, k)
    pa: np.ndarray  # (k, m) P^T diag(decay)
    ka: np.ndarray  # (k, k)
    kb: np.ndarray  # (k, k)


def hold_tables(md: Modes, p: np.ndarray, h: float, rho=None) -> HoldTables:
    decay, wa, wb = _hold_coefficients(md.lam_per_ms, h)
    kb = p.T @ (wb[:, None] * p)
    if rho is not None:
        kb = kb + np.diag(np.asarray(rho, dtype=float))
    return HoldTables(
        decay, wa, wb, wa[:, None] * p, wb[:, None] * p, (p * decay[:, None]).T, p.T @ (wa[:, None] * p), kb
    )


def integrate(problem: SiteProblem):
    """Integrate the network from its steady state (u = 0) under the site conductances.

    Over each step the synaptic current J is taken linear in time between its
    values at the two grid points (a first-order hold, exact for the modes):
    z_{n+1} = e^{-lam h} z_n + P [(phi - psi) J_n + psi J_{n+1}], with
    J_{n+1} = g(t_{n+1}) B (E - s_{n+1}) implicit, s_{n+1} = P^T z_{n+1}: one
    k x k system per step. Voltage-independent sites are solved many steps at
    a time (`solve_blocks`); Mg2+-blocked ones step by step.

    Returns
    -------
    z : ModalHistory or ndarray (n_steps + 1, n_modes)
        Modal state on the grid (z[0] = 0); read it with `read`.
    j : ndarray (k, n_steps + 1)
        Synaptic current into each site, pA (inward positive), including the block.
    """
    plan = plan_steps(problem)
    md = problem.md
    p = md.inputs(problem.w)
    h_sub = problem.dt / max(problem.substeps, 1)
    tables = (hold_tables(md, p, problem.dt, problem.rho), hold_tables(md, p, h_sub, problem.rho))
    if problem.voltage_independent:
        j0 = problem.g_point[:, 0] * problem.e_rel if problem.drive is None else problem.drive[0][:, 0]
        j_all = solve_blocks(plan, tables, p, j0)
        history = modal_history(plan, tables, j_all, problem.substeps)
        return history, j_all[np.concatenate([[0], plan.record + 1])].T
    n_steps = problem.g_point.shape[1] - 1
    z_out = np.zeros((n_steps + 1, md.lam_per_ms.size))
    j_out = np.zeros((n_steps + 1, p.shape[1]))
    j0 = problem.g_point[:, 0] * _block(problem.v_base, problem.mg) * problem.e_rel
    j_out[0] = j0
    if p.shape[1] == 1:
        return _integrate_one_blocked(problem, plan, tables, z_out, j_out, j0)
    return _integrate_blocked_steps(problem, plan, tables, z_out, j_out, j0)


def _integrate_blocked_steps(problem: SiteProblem, plan: StepPlan, tables, z_out, j_out, jn):
    """Mg2+-blocked sites step by step: the block at an extrapolated end-of-step potential, then at the one found."""
    e_rel, mg, v_base = problem.e_rel, problem.mg, problem.v_base
    k = e_rel.size
    eye = np.eye(k)
    rec = np.zeros(plan.n_total, dtype=bool)
    rec[plan.record] = True
    point = np.cumsum(rec)
    g_t = plan.g_end.T
    zn = np.zeros(z_out.shape[1])
    sn = s_prev = np.zeros(k)
    for q in range(plan.n_total):
        t = tables[plan.kinds[q]]
        h = t.pa @ zn + t.ka @ jn
        s_guess = 2.0 * sn - s_prev  # extrapolated, then the end-of-step estimate: the block at the step's end
        for _ in range(2):
            geff = g_t[q] * _block(v_base + s_guess, mg)
            kbg = t.kb * geff[None, :]
            s_guess = np.linalg.solve(eye + kbg, h + kbg @ e_rel)
        j_new = geff * (e_rel - s_guess)
        zn = t.decay * zn + t.wa_p @ jn + t.wb_p @ j_new
        jn = j_new
        s_prev, sn = sn, s_guess
        if rec[q]:
            i = point[q]
            z_out[i], j_out[i] = zn, j_new
    return z_out, j_out.T


# Steps solved together by `solve_blocks`: one (k BLOCK_STEPS)^2 triangular system per block.
BLOCK_STEPS = 32
# A mode whose decay over one step is below this keeps no memory beyond the step (its z_{n-1} term underflows z_n).
STATIC_DECAY = 1e-17


@dataclass(frozen=True)
class BlockKernels:
    """The response of the k site potentials, over a block of B equal steps, to the state and the currents.

    For a block that starts from modal state z_0 and current J_0, with currents J_1..J_n at its n <= B step ends:
    s = [F A] [z_0; J_0] + T J (rows step-major: step 1's k sites, then step 2's, ...), T block lower-triangular
    Toeplitz with blocks K(lag); at its end z_n = decay^n z_0 + d_wa[n] J_0 + E[:, (B - n) k:] J.
    """

    t_transposed: np.ndarray  # (Bk, Bk): T^T, C-contiguous, so that its transpose is Fortran-ordered for LAPACK
    fa: np.ndarray  # (Bk, m + k): [F A]
    e: np.ndarray  # (m, Bk)
    decay_pow: np.ndarray  # (B + 1, m)
    d_wa: np.ndarray  # (B + 1, m, k)
    kb_upper_t: np.ndarray  # (k, k): the strict upper triangle of K(0) (outside the triangular solve), transposed


def block_kernels(t: HoldTables, p: np.ndarray, n_block: int, carried: np.ndarray) -> BlockKernels:
    """The kernels of a block of ``n_block`` steps of one kind; only ``carried`` modes keep a state between blocks."""
    k = p.shape[1]
    dp = t.decay[None, :] ** np.arange(n_block + 1)[:, None]  # (B + 1, m)
    pb = np.einsum("mi,lm,mj->lij", p, dp * t.wb, p, optimize=True)  # P^T d^l Wb
    pa = np.einsum("mi,lm,mj->lij", p, dp * t.wa, p, optimize=True)  # P^T d^l Wa
    kernel = pb[:n_block].copy()
    kernel[0] = t.kb
    kernel[1:] += pa[: n_block - 1]
    lag = np.arange(n_block)[:, None] - np.arange(n_block)[None, :]
    blocks = np.where((lag >= 0)[:, :, None, None], kernel[np.maximum(lag, 0)], 0.0)  # (B, B, k, k)
    big_t = blocks.transpose(0, 2, 1, 3).reshape(n_block * k, n_block * k)
    f = (p.T[None, :, :] * dp[1:, None, :]).reshape(n_block * k, -1)
    a = pa[:n_block].reshape(n_block * k, k)
    e_lag = dp[:n_block, :, None] * t.wb_p[None]  # E(l) = d^l Wb + d^(l-1) Wa
    e_lag[1:] += dp[: n_block - 1, :, None] * t.wa_p[None]
    e = e_lag[::-1].transpose(1, 0, 2).reshape(p.shape[0], n_block * k)
    d_wa = np.zeros((n_block + 1,) + t.wa_p.shape)
    d_wa[1:] = dp[:n_block, :, None] * t.wa_p[None]
    f = np.ascontiguousarray(f.reshape(n_block, k, -1)[:, :, carried].reshape(n_block * k, -1))
    return BlockKernels(
        np.ascontiguousarray(big_t.T), np.hstack([f, a]), np.ascontiguousarray(e[carried]), dp[:, carried],
        np.ascontiguousarray(d_wa[:, carried]), np.ascontiguousarray(np.triu(t.kb, 1).T),
    )


def block_schedule(kinds: np.ndarray, first: int, n_block: int) -> list[tuple[int, int, int]]:
    """(start, length, kind) of blocks of at most n_block (sub)steps of one kind, from (sub)step ``first`` on."""
    kinds = kinds[first:]
    if kinds.size == 0:
        return []
    change = np.flatnonzero(np.diff(kinds)) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [kinds.size]])
    out = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        kind = int(kinds[a])
        for s in range(a, b, n_block):
            out.append((first + s, min(n_block, b - s), kind))
    return out


def solve_blocks(plan: StepPlan, tables, p: np.ndarray, j0: np.ndarray) -> np.ndarray:
    """Currents J (n_total + 1, k) at every (sub)step end (row 0: t = 0) for voltage-independent sites.

    Within a block of n equal steps J = D - G s and s = F z_0 + A J_0 + T J, so
    (I + T G) s = F z_0 + A J_0 + T D: one triangular system of n k unknowns
    (solved by LAPACK; the few entries of K(0) above its diagonal, the weak
    instantaneous coupling between sites, by Gauss-Seidel sweeps, which converge
    as (I + K(0) G) is similar to a symmetric positive definite matrix). The
    modal state is then carried to the block's end in one product.
    """
    k = p.shape[1]
    n_block = BLOCK_STEPS
    # A mode that decays below STATIC_DECAY over the shortest step carries nothing from one block to the next.
    shortest = tables[1] if np.any(plan.kinds == 1) else tables[0]
    carried = shortest.decay >= STATIC_DECAY
    kern = [block_kernels(t, p, n_block, carried) for t in tables]
    g_flat = np.ascontiguousarray(plan.g_end.T).ravel()  # step-major: step q's k sites at q k .. q k + k - 1
    d_flat = np.ascontiguousarray(plan.d_end.T).ravel()
    j_all = np.zeros((plan.n_total + 1, k))
    j_all[0] = j0
    z = np.zeros(int(carried.sum()))
    jn = np.asarray(j0, dtype=float).copy()
    # Before the first conductance opens (and with no current at t = 0) the network stays at rest: z = 0.
    active = np.flatnonzero(np.any(plan.g_end != 0.0, axis=0))
    first = 0 if np.any(jn != 0.0) else (int(active[0]) if active.size else plan.n_total)
    coupled = k > 1 and any(kb.kb_upper_t.any() for kb in kern)
    x = np.zeros(z.size + k)  # [z; J_0]: the block's initial state
    x[z.size :] = jn
    m_c = z.size
    for start, n, kind in block_schedule(plan.kinds, first, n_block):
        kb = kern[kind]
        nk = n * k
        g = g_flat[start * k : start * k + nk]
        d = d_flat[start * k : start * k + nk]
        tt = kb.t_transposed[:nk, :nk]
        rhs = kb.fa[:nk] @ x
        rhs += d @ tt
        system_t = tt * g[:, None]  # (T G)^T
        system_t.flat[:: nk + 1] += 1.0
        s = _solve_lower(system_t, rhs)
        if coupled:
            s = _gauss_seidel(system_t, rhs, s, kb.kb_upper_t, g, n, k)
        j_blk = d - g * s
        z = kb.decay_pow[n] * x[:m_c]
        z += kb.d_wa[n] @ x[m_c:]
        z += kb.e[:, (n_block - n) * k :] @ j_blk
        x[:m_c] = z
        x[m_c:] = j_blk[-k:]
        j_all[start + 1 : start + n + 1] = j_blk.reshape(n, k)
    return j_all


def _solve_lower(system_t: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """x with L x = rhs, L the lower triangle of system_t.T (read in place: system_t.T is Fortran-ordered)."""
    x, info = _dtrtrs(system_t.T, rhs, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"singular triangular system in the cable solver (LAPACK info {info})")
    return x


# Gauss-Seidel sweeps for the coupling between sites within one step; they converge fast (K(0) is nearly diagonal).
_SWEEP_TOLERANCE = 1e-13
_MAX_SWEEPS = 50


def _gauss_seidel(system_t, rhs, s, kb_upper_t, g, n, k):
    """Sweeps s <- L^{-1} (rhs - U s), U the entries of K(0) G above the diagonal, until the next change is negligible.

    The change shrinks by a constant ratio per sweep; the sweeps stop when the remaining error that
    ratio predicts, ratio / (1 - ratio) times the last change, is below the tolerance.
    """
    scale = _SWEEP_TOLERANCE * (1.0 + float(np.abs(s).max()))
    last = math.inf
    lower = system_t.T
    for _ in range(_MAX_SWEEPS):
        upper = ((g * s).reshape(n, k) @ kb_upper_t).reshape(-1)
        s_new, info = _dtrtrs(lower, rhs - upper, lower=1)
        change = float(np.abs(s_new - s).max())
        s = s_new
        if change <= scale or (last < math.inf and change < 0.5 * last and change * change / (last - change) <= scale):
            return s
        last = change
    # Strongly coupled sites: solve the block's whole system (system_t holds it, the upper entries too).
    return np.linalg.solve(system_t.T, rhs)


@dataclass(frozen=True)
class ModalHistory:
    """The modal state z on the grid, kept as slow modes plus the currents that set the fast ones.

    A mode with e^{-lam dt} < STATIC_DECAY forgets its past within one step: on the grid it is
    z_n = U_n, the hold-weighted currents of step n alone. Only the slow modes are integrated
    over time (``z_slow``); a readout r gives r_slow . z_slow + (the fast modes' weights) . J.
    Over a whole step U_n = w_coarse [J_start; J_end]; over a step split into substeps
    U_n = w_fine [J at the substeps' ends 0..S].
    """

    slow: np.ndarray  # (m,) bool
    z_slow: np.ndarray  # (m_slow, n_steps + 1)
    j_coarse: np.ndarray  # (n_steps, 2k): [J at the start, J at the end] of each grid step
    fine_steps: np.ndarray  # (n_fine,) the grid steps split into substeps
    j_fine: np.ndarray  # (n_fine, (S + 1) k): J at their substeps' ends 0..S
    w_coarse: np.ndarray  # (m, 2k)
    w_fine: np.ndarray  # (m, (S + 1) k)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.z_slow.shape[1], self.slow.size)

    def read(self, r: np.ndarray) -> np.ndarray:
        """r . z on the grid, (n_steps + 1,)."""
        r = np.asarray(r, dtype=float)
        out = np.einsum("mt,m->t", self.z_slow, r[self.slow])
        fast = ~self.slow
        if fast.any():
            out[1:] += self.inputs(fast, r[fast][:, None])[0]
        return out

    def full(self) -> np.ndarray:
        """z (n_steps + 1, m), time-major."""
        z = np.zeros(self.shape)
        z[:, self.slow] = self.z_slow.T
        fast = ~self.slow
        if fast.any():
            z[1:, fast] = self.inputs(fast).T
        return z

    def inputs(self, modes: np.ndarray, r: np.ndarray | None = None) -> np.ndarray:
        """U_n of the given modes (m_sel, n_steps), or read out as r^T U_n (n_r, n_steps) for r (m_sel, n_r)."""
        w_coarse, w_fine = self.w_coarse[modes], self.w_fine[modes]
        if r is not None:
            w_coarse, w_fine = r.T @ w_coarse, r.T @ w_fine
        u = w_coarse @ self.j_coarse.T
        if self.fine_steps.size:
            u[:, self.fine_steps] = w_fine @ self.j_fine.T
        return u


def modal_history(plan: StepPlan, tables, j_all: np.ndarray, substeps: int) -> ModalHistory:
    """The grid values of the modes from the currents at every (sub)step end.

    Over grid step n the modes obey z_n = e^{-lam dt} z_{n-1} + U_n, U_n the currents of the step's
    (sub)steps weighted by the hold: exact, the substeps' own decays composed.
    """
    n_steps = plan.record.size
    ends = plan.record + 1
    starts = np.concatenate([[0], ends[:-1]])
    fine_steps = np.flatnonzero(ends - starts > 1)
    whole, sub = tables
    k = j_all.shape[1]
    j_coarse = np.hstack([j_all[starts], j_all[ends]])
    if fine_steps.size:
        j_fine = j_all[starts[fine_steps][:, None] + np.arange(substeps + 1)[None, :]].reshape(fine_steps.size, -1)
    else:
        j_fine = np.zeros((0, (substeps + 1) * k))
    history = ModalHistory(
        slow=whole.decay >= STATIC_DECAY,
        z_slow=np.zeros((int(np.sum(whole.decay >= STATIC_DECAY)), n_steps + 1)),
        j_coarse=j_coarse,
        fine_steps=fine_steps,
        j_fine=j_fine,
        w_coarse=np.hstack([whole.wa_p, whole.wb_p]),
        w_fine=np.hstack(_substep_weights(sub, substeps)),
    )
    decay = whole.decay[history.slow]
    u = history.inputs(history.slow)
    one = np.array([1.0])
    for row in range(decay.size):  # z_n = decay z_{n-1} + U_n from z_0 = 0: scipy's IIR filter, a C loop per mode
        history.z_slow[row, 1:] = _lfilter(one, np.array([1.0, -decay[row]]), u[row])
    return history


def _substep_weights(t: HoldTables, substeps: int):
    """Weights of J at the substeps' ends 0..S over one grid step of S substeps: d^(S-1-j) Wa + d^(S-j) Wb."""
    out = []
    for j in range(substeps + 1):
        w = np.zeros_like(t.wa_p)
        if j <= substeps - 1:
            w += (t.decay ** (substeps - 1 - j))[:, None] * t.wa_p
        if j >= 1:
            w += (t.decay ** (substeps - j))[:, None] * t.wb_p
        out.append(w)
    return out




def _integrate_one_blocked(problem: SiteProblem, plan: StepPlan, tables, z_out, j_out, j0):
    """The blocked-synapse loop for one site, in scalars (the same equations as `_integrate_blocked_steps`)."""
    e, mg_scale, v0 = float(problem.e_rel[0]), float(problem.mg[0]) / MG_BLOCK_KD_MM, float(problem.v_base[0])
    base = [np.concatenate([t.pa[0], t.ka[0]]) for t in tables]  # h = base . [z, J_n]
    kb_l = [float(t.kb[0, 0]) for t in tables]
    wab = [np.column_stack([t.wa_p[:, 0], t.wb_p[:, 0]]) for t in tables]
    decay_l = [t.decay for t in tables]
    m = z_out.shape[1]
    x = np.zeros(m + 1)
    z_part = x[:m]
    jj = np.zeros(2)
    jn = float(j0[0])
    x[m] = jn
    sn = s_prev = 0.0
    rec = np.zeros(plan.n_total, dtype=bool)
    rec[plan.record] = True
    point = np.cumsum(rec)
    g_l, kinds_l, rec_l, point_l = plan.g_end[0].tolist(), plan.kinds.tolist(), rec.tolist(), point.tolist()
    slope, exp = MG_BLOCK_SLOPE_PER_MV, math.exp
    for q in range(plan.n_total):
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


def site_conductances(pairs, rows: np.ndarray, n_steps: int, dt: float, substeps: int, many_events: bool):
    """rows @ (the inputs' conductances) on the grid, nS, and a function giving them at points of the fine grid.

    The fine grid is t = index dt / substeps. When every waveform is a sum of plain exponentials, each
    exponential's grid value is decayed to the substeps and the events inside the step are added: no
    fine grid is built. Otherwise (alpha-shaped waveforms) the whole fine grid is computed when there are
    many events, and the waveforms are evaluated at the points when there are few.
    """
    terms = [syn.waveform_terms() for syn, _ in pairs]
    if all(power == 0 for t in terms for _, _, power in t):
        return _exponential_site_conductances(pairs, terms, rows, n_steps, dt, substeps)
    values, _ = _grid_conductances(pairs, n_steps, dt, weights=rows)
    if many_events:
        fine_values, _ = _grid_conductances(pairs, n_steps * substeps, dt / substeps, weights=rows)
        return values, lambda index: fine_values[:, index]

    def at_points(index):
        # Few events: the waveforms evaluated directly at the substep ends inside the fast windows.
        t = np.asarray(index, dtype=float) * (dt / substeps)
        return rows @ np.array([syn.conductance(t, onsets) for syn, onsets in pairs])

    return values, at_points


# An onset within this fraction of a step of a grid point is on it (as in `ipsplib.synapses`).
_ON_GRID = 1e-9


def _exponential_site_conductances(pairs, terms, rows, n_steps: int, dt: float, substeps: int):
    """`site_conductances` for waveforms that are sums of exponentials: one grid recurrence per time constant."""
    taus = sorted({tau for t in terms for _, tau, _ in t})
    n_rows = rows.shape[0]
    unit = {tau: Synapse(1.0, 0.0, tau, 0.0) for tau in taus}
    term_inputs, columns = [], []
    for k, ((_, onsets), t) in enumerate(zip(pairs, terms, strict=True)):
        for coef, tau, _ in t:
            term_inputs.append((unit[tau], onsets))
            column = np.zeros((len(taus), n_rows))
            column[taus.index(tau)] = coef * rows[:, k]
            columns.append(column.ravel())
    weights = np.array(columns).T  # (n_taus * n_rows, n_terms): row (tau, site row)
    per_tau, _ = _grid_conductances(term_inputs, n_steps, dt, weights=weights)
    per_tau = per_tau.reshape(len(taus), n_rows, n_steps + 1)
    values = per_tau.sum(axis=0)
    h = dt / substeps
    # An event strictly inside step n reaches the step's substep points at or after it (its fine-grid bin on).
    onsets = np.concatenate([np.asarray(o, dtype=float) for (_, o) in term_inputs])
    which = np.repeat(np.arange(len(term_inputs)), [np.size(o) for _, o in term_inputs])
    tau_of = np.array([inp[0].tau_decay_ms for inp in term_inputs])[which]
    step = np.ceil(onsets / dt - _ON_GRID) - 1  # the step (t_n, t_n+1] that holds the event
    first = np.ceil(onsets / h - _ON_GRID)  # its first fine-grid point
    offsets = np.arange(1, substeps)
    point = step[:, None] * substeps + offsets[None, :]  # (n_events, substeps - 1)
    reach = (point >= first[:, None]) & (step[:, None] >= 0) & (point < n_steps * substeps)
    ev, off = np.nonzero(reach)
    event_points = point[ev, off].astype(int)
    event_values = weights.reshape(len(taus), n_rows, -1).sum(axis=0)[:, which[ev]] * np.exp(
        -(event_points * h - onsets[ev]) / tau_of[ev]
    )[None, :]

    def at_points(index):
        index = np.asarray(index)
        n, j = np.divmod(index, substeps)
        out = np.zeros((n_rows, index.size))
        for i, tau in enumerate(taus):
            out += per_tau[i][:, n] * np.exp(-j * h / tau)[None, :]
        # index is increasing (the substep ends in time order): the events' points that are asked for
        pos = np.searchsorted(index, event_points)
        asked = pos < index.size
        asked[asked] = index[pos[asked]] == event_points[asked]
        np.add.at(out, (slice(None), pos[asked]), event_values[:, asked])
        return out

    return values, at_points


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
    values, fine_rows = site_conductances(pairs, rows, n_steps, dt, SUBSTEPS, fine.any() and n_events > 20)
    w_s = w[:, rep]
    rho_s = None if rho is None else np.asarray(rho, dtype=float)[rep]
    if rows.shape[0] == n_sites:  # one row per input
        problem = SiteProblem(
            md, w_s, values, np.asarray(e_rel, float), np.asarray(mg, float), np.asarray(v_base, float), dt,
            fine=fine, g_fine=fine_rows, substeps=SUBSTEPS, rho=rho_s,
        )
        z, j = integrate(problem)
        return z, j, rep
    drive = (values[n_sites:], lambda index: fine_rows(index)[n_sites:])
    problem = SiteProblem(
        md, w_s, values[:n_sites], np.zeros(n_sites), np.zeros(n_sites), np.asarray(v_base, dtype=float)[rep], dt,
        fine=fine, g_fine=lambda index: fine_rows(index)[:n_sites], substeps=SUBSTEPS, rho=rho_s, drive=drive,
    )
    z, j = integrate(problem)
    return z, j, rep
