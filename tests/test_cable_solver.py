"""The cable solver's steps one by one (ipsplib._cable): block solve, modal history, schedule, substep conductances."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import _cable, dendrite
from ipsplib.synapses import _grid_conductances, ampa, gaba_a


def _problem(n_steps=300, sites_um=(0.0, 200.0, 210.0, 790.0), seed=1, fine_every=0):
    """A SiteProblem on the book's cell with random voltage-independent conductances (merged-site form)."""
    rng = np.random.default_rng(seed)
    cell = ip.ball_and_stick(n_compartments=64)
    md = dendrite._free_modes(cell)
    k = len(sites_um)
    g = np.abs(rng.normal(0.0, 3.0, (k, n_steps + 1))) * (rng.random((k, n_steps + 1)) < 0.7)
    e_rel = rng.uniform(-15.0, 70.0, k)
    fine = None
    g_fine = None
    if fine_every:
        fine = (np.arange(n_steps) % fine_every) < fine_every // 3
        g_sub = np.abs(rng.normal(0.0, 3.0, (k, 4 * n_steps + 1)))
        g_sub[:, ::4] = g
        g_fine = lambda index: g_sub[:, index]  # noqa: E731
    return _cable.SiteProblem(
        md, cell._site_weights(list(sites_um)), g, e_rel, np.zeros(k), np.full(k, -70.0), 0.025,
        fine=fine, g_fine=g_fine, substeps=4, rho=cell._site_rho(list(sites_um)),
    )


def _step_by_step(problem):
    """The scheme's equations taken one (sub)step at a time: the reference for the block solver."""
    plan = _cable.plan_steps(problem)
    p = problem.md.inputs(problem.w)
    tables = [_cable.hold_tables(problem.md, p, h, problem.rho) for h in (problem.dt, problem.dt / problem.substeps)]
    k = p.shape[1]
    z = np.zeros(p.shape[0])
    jn = problem.g_point[:, 0] * problem.e_rel
    js, zs = [jn], []
    for q in range(plan.n_total):
        t = tables[plan.kinds[q]]
        g, d = plan.g_end[:, q], plan.d_end[:, q]
        s = np.linalg.solve(np.eye(k) + t.kb * g[None, :], t.pa @ z + t.ka @ jn + t.kb @ d)
        j_new = d - g * s
        z = t.decay * z + t.wa_p @ jn + t.wb_p @ j_new
        jn = j_new
        js.append(jn)
        zs.append(z)
    z_grid = np.vstack([np.zeros(p.shape[0])] + [zs[q] for q in plan.record])
    return np.array(js), z_grid, plan, tables, p


@pytest.mark.parametrize("fine_every", [0, 7])
def test_block_solve_equals_the_step_by_step_scheme(fine_every):
    problem = _problem(fine_every=fine_every)
    j_ref, z_ref, plan, tables, p = _step_by_step(problem)
    j_blocks = _cable.solve_blocks(plan, tables, p, j_ref[0])
    assert np.max(np.abs(j_blocks - j_ref)) < 1e-9 * np.max(np.abs(j_ref))
    history = _cable.modal_history(plan, tables, j_blocks, problem.substeps)
    assert np.max(np.abs(history.full() - z_ref)) < 1e-9 * np.max(np.abs(z_ref))
    r = np.random.default_rng(0).normal(size=p.shape[0])
    np.testing.assert_allclose(_cable.read(history, r), z_ref @ r, rtol=0, atol=1e-9 * np.max(np.abs(z_ref @ r)))


def test_strongly_coupled_sites_fall_back_to_the_whole_block(monkeypatch):
    """Two sites a node apart: their same-step coupling is strong; the result stays the scheme's."""
    monkeypatch.setattr(_cable, "_MAX_SWEEPS", 1)  # force the fallback as well
    problem = _problem(sites_um=(400.0, 412.5), n_steps=100)
    j_ref, _, plan, tables, p = _step_by_step(problem)
    j_blocks = _cable.solve_blocks(plan, tables, p, j_ref[0])
    assert np.max(np.abs(j_blocks - j_ref)) < 1e-9 * np.max(np.abs(j_ref))


def test_block_schedule_splits_runs_of_one_kind():
    kinds = np.array([0] * 5 + [1] * 8 + [0] * 3)
    assert _cable.block_schedule(kinds, 0, 4) == [(0, 4, 0), (4, 1, 0), (5, 4, 1), (9, 4, 1), (13, 3, 0)]
    assert _cable.block_schedule(kinds, 6, 4) == [(6, 4, 1), (10, 3, 1), (13, 3, 0)]
    assert _cable.block_schedule(kinds, 16, 4) == []


def test_exponential_conductances_at_substeps_equal_the_fine_grid():
    rng = np.random.default_rng(3)
    pairs = [(ampa(g_max_nS=1.0), np.sort(rng.uniform(0, 50, 30))), (gaba_a(g_max_nS=2.0), [0.0, 10.0, 12.5, 49.99])]
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, -2.0]])
    values, at_points = _cable.site_conductances(pairs, rows, 2000, 0.025, 4, True)
    coarse, _ = _grid_conductances(pairs, 2000, 0.025, weights=rows)
    fine, _ = _grid_conductances(pairs, 8000, 0.025 / 4, weights=rows)
    np.testing.assert_allclose(values, coarse, atol=1e-12)
    index = np.arange(1, 8001)
    np.testing.assert_allclose(at_points(index), fine[:, index], atol=1e-10)
