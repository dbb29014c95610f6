"""Tests of ipsplib.dendrite against cable theory, convergence and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip
from ipsplib import dendrite
from ipsplib.synapses import ampa, gaba_a, nmda


def test_length_constant_formula():
    # lambda = sqrt(R_m d / (4 R_i)), computed here in SI units (m) independently
    r_m, r_i, d = 20000e-4, 150e-2, 2e-6  # ohm m^2, ohm m, m
    assert ip.length_constant_um(20000.0, 150.0, 2.0) == pytest.approx(1e6 * math.sqrt(r_m * d / (4 * r_i)))
    # lambda grows as sqrt(d)
    assert ip.length_constant_um(20000.0, 150.0, 8.0) == pytest.approx(2 * ip.length_constant_um(20000.0, 150.0, 2.0))


def test_preset_defaults():
    cell = ip.ball_and_stick()
    assert cell.lambda_um == pytest.approx(816.5, abs=0.1)
    assert cell.electrotonic_length == pytest.approx(800.0 / cell.lambda_um)
    assert cell.soma_area_um2 == pytest.approx(math.pi * 400.0)
    assert cell.tau_m_ms == pytest.approx(20.0)


def test_default_discretisation_converged():
    """Convergence study behind DEFAULT_N_COMPARTMENTS: default vs 4x finer, EPSP at the tip of a 2 lambda dendrite."""
    lam = ip.ball_and_stick().lambda_um
    traces = {}
    for n in (dendrite.DEFAULT_N_COMPARTMENTS, 4 * dendrite.DEFAULT_N_COMPARTMENTS):
        cell = ip.ball_and_stick(dend_length_um=2 * lam, n_compartments=n)
        traces[n] = ip.simulate_dendrite(cell, [(ampa(g_max_nS=5.0), [1.0], 2 * lam)], 30.0)
    coarse, fine = traces.values()
    assert np.max(np.abs(coarse.v_at(2 * lam) - fine.v_at(2 * lam))) < 0.01
    assert np.max(np.abs(coarse.v_soma_mV - fine.v_soma_mV)) < 0.01
    # and the EPSP is not trivially small
    assert fine.v_at(2 * lam).max() - fine.v_at(2 * lam)[0] > 10.0


def _steady(cell, syn_e_rev, g_nS, distance_um):
    """A near-constant conductance (single exponential, tau 1e7 ms) after 15 tau_m: the steady state."""
    from ipsplib import Synapse

    syn = Synapse(g_max_nS=g_nS, tau_rise_ms=0.0, tau_decay_ms=1e7, e_rev_mV=syn_e_rev)
    return ip.simulate_dendrite(cell, [(syn, [0.0], distance_um)], 15 * cell.tau_m_ms, dt_ms=0.1)


@pytest.mark.parametrize("length_um", [400.0, 800.0, 1600.0])
def test_steady_state_attenuation_cosh(length_um):
    """Steady input at the soma end: V(X) - E_L = (V(0) - E_L) cosh(L - X) / cosh L along a sealed cable."""
    cell = ip.ball_and_stick(dend_length_um=length_um)
    tr = _steady(cell, 0.0, 2.0, 0.0)
    e_l, lam, big_l = cell.e_leak_mV, cell.lambda_um, cell.electrotonic_length
    v0 = tr.v_soma_mV[-1] - e_l
    assert v0 > 5.0
    for frac in (0.25, 0.5, 1.0):
        x = frac * length_um
        expected = math.cosh(big_l - x / lam) / math.cosh(big_l)
        assert (tr.v_at(x)[-1] - e_l) / v0 == pytest.approx(expected, rel=2e-4)


@pytest.mark.parametrize(
    "overrides",
    [{}, {"dend_length_um": 1600.0}, {"dend_length_um": 200.0}, {"soma_diam_um": 1.0, "dend_diam_um": 4.0}],
)
def test_input_resistance_cable_theory(overrides):
    """R_in = 1 / (g_soma + 1 / (R_inf coth L)), from a small steady conductance: R_in = dV / (g (E - V))."""
    cell = ip.ball_and_stick(**overrides)
    tr = _steady(cell, 0.0, 0.05, 0.0)
    v = tr.v_soma_mV[-1]
    r_in_MOhm = 1000.0 * (v - cell.e_leak_mV) / (0.05 * (0.0 - v))
    # R_inf = (2 / pi) sqrt(R_m R_i) d^{-3/2} (neuroscience reference, d in cm, ohm)
    d_cm = cell.dend_diam_um * 1e-4
    r_inf = 2 / math.pi * math.sqrt(cell.r_m_ohm_cm2 * cell.r_i_ohm_cm) * d_cm**-1.5 / 1e6
    g_soma_nS = cell.soma_area_um2 * 1e-8 / cell.r_m_ohm_cm2 * 1e9
    expected = 1000.0 / (g_soma_nS + 1000.0 / (r_inf / math.tanh(cell.electrotonic_length)))
    assert cell.input_resistance_MOhm == pytest.approx(expected, rel=1e-9)
    assert r_in_MOhm == pytest.approx(expected, rel=1e-3)


def test_dt_converged_at_the_synapse():
    """The default step against a 20x finer one, for a strong fast synapse at the sealed tip (hardest case)."""
    cell = ip.ball_and_stick()
    inputs = [(ampa(g_max_nS=5.0), [5.0137], 800.0)]
    coarse = ip.simulate_dendrite(cell, inputs, 20.0)
    fine = ip.simulate_dendrite(cell, inputs, 20.0, dt_ms=0.00125)
    # main reaches 0.0030 mV and 4e-5 mV; a halving of accuracy (e.g. fast-onset substeps over 0.5 tau instead of
    # 5 tau: 0.0071 and 2.8e-4 mV) must fail
    assert np.max(np.abs(coarse.v_at(800.0) - fine.v_at(800.0)[::20])) < 0.005
    assert np.max(np.abs(coarse.v_soma_mV - fine.v_soma_mV[::20])) < 1e-4


def test_compact_cell_is_one_compartment():
    """A short thick dendrite is isopotential: the ball-and-stick equals a one-compartment Cell (AMPA + NMDA)."""
    cell = ip.ball_and_stick(dend_length_um=10.0, dend_diam_um=10.0, n_compartments=4)
    area_um2 = cell.soma_area_um2 + math.pi * cell.dend_diam_um * cell.dend_length_um
    point = ip.Cell(c_m_pF=area_um2 * 1e-2, g_leak_nS=area_um2 * 10.0 / cell.r_m_ohm_cm2, e_leak_mV=-70.0)
    syns = [(ampa(g_max_nS=3.0), [2.0, 6.0]), (nmda(g_max_nS=2.0), [3.0]), (gaba_a(g_max_nS=1.0), [10.0])]
    v_point = ip.simulate(point, syns, 60.0).v_mV
    tr = ip.simulate_dendrite(cell, [(s, o, 5.0) for s, o in syns], 60.0)
    assert np.max(np.abs(tr.v_soma_mV - v_point)) < 0.01
    assert np.max(np.abs(tr.v_at(10.0) - v_point)) < 0.02  # a little axial drop to the tip


def test_nmda_block_at_the_local_potential():
    """A colocalised slow depolarisation relieves the block of a distal NMDA synapse more than one at the soma."""
    cell = ip.ball_and_stick()
    slow = ip.Synapse(g_max_nS=3.0, tau_rise_ms=0.0, tau_decay_ms=200.0, e_rev_mV=0.0)

    def nmda_part(ampa_at):
        base = [(slow, [2.0], ampa_at)]
        with_nmda = ip.simulate_dendrite(cell, [*base, (nmda(g_max_nS=2.0), [2.0], 750.0)], 60.0)
        return np.max(with_nmda.v_soma_mV - ip.simulate_dendrite(cell, base, 60.0).v_soma_mV)

    # (with the block at the soma potential it would be the other way round: the soma input depolarises the soma more)
    assert nmda_part(750.0) > 1.1 * nmda_part(0.0)


def test_one_nmda_site_equals_the_general_path():
    """One NMDA synapse alone (the one-site loop) equals it with a silent AMPA synapse elsewhere (the k-site loop).

    Both evaluate the block at the synapse's own potential; they agree to ~1e-5 mV. A block left at rest in either
    would cut the EPSP by about 16 %.
    """
    cell = ip.ball_and_stick()
    syn = (nmda(g_max_nS=2.0), [2.0, 12.0], 700.0)
    alone = ip.simulate_dendrite(cell, [syn], 80.0)
    general = ip.simulate_dendrite(cell, [syn, (ampa(g_max_nS=0.0), [3.0], 100.0)], 80.0)
    assert alone.v_at(700.0).max() - cell.e_leak_mV > 2.0
    assert np.max(np.abs(alone.v_at(700.0) - general.v_at(700.0))) < 1e-4
    assert np.max(np.abs(alone.v_soma_mV - general.v_soma_mV)) < 1e-4


def test_v_at_interpolates_and_checks_range():
    cell = ip.ball_and_stick(n_compartments=8)
    tr = ip.simulate_dendrite(cell, [(ampa(g_max_nS=2.0), [1.0], 300.0)], 10.0)
    assert np.array_equal(tr.v_at(0.0), tr.v_soma_mV)
    nodes = tr.v_nodes_mV
    assert np.allclose(tr.v_at(100.0), nodes[1])
    assert np.allclose(tr.v_at(150.0), 0.5 * (nodes[1] + nodes[2]))
    assert np.allclose(tr.v_at(800.0), nodes[-1])
    assert tr.t_ms[0] == 0.0 and tr.t_ms[-1] == pytest.approx(10.0) and tr.t_ms.size == 401
    for bad in (-1.0, 800.5, np.nan):
        with pytest.raises(ValueError, match="distance_um"):
            tr.v_at(bad)


def test_no_inputs_stays_at_rest():
    tr = ip.simulate_dendrite(ip.ball_and_stick(), [], 5.0)
    assert np.all(tr.v_soma_mV == -70.0) and np.all(tr.v_at(500.0) == -70.0)


@settings(max_examples=15, deadline=None)
@given(
    x_near=st.floats(0.0, 300.0),
    gap=st.floats(150.0, 500.0),
    g=st.floats(0.2, 10.0),
    length=st.floats(500.0, 1600.0),
)
def test_distal_epsp_smaller_and_later_at_soma(x_near, gap, g, length):
    cell = ip.ball_and_stick(dend_length_um=length)
    x_far = min(x_near + gap, length)
    if x_far - x_near < 150.0:
        return
    near = ip.simulate_dendrite(cell, [(ampa(g_max_nS=g), [1.0], x_near)], 40.0).v_soma_mV
    far = ip.simulate_dendrite(cell, [(ampa(g_max_nS=g), [1.0], x_far)], 40.0).v_soma_mV
    assert far.max() < near.max()
    assert np.argmax(far) > np.argmax(near)


SYNAPSE_KINDS = {"AMPA": ampa, "NMDA": nmda, "GABA_A": gaba_a}


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(SYNAPSE_KINDS)),
            st.floats(0.0, 30.0),  # g_max_nS
            st.floats(-100.0, 40.0),  # e_rev_mV
            st.lists(st.floats(0.0, 20.0), min_size=1, max_size=3),  # onsets
            st.floats(0.0, 1.0),  # fraction of the length
        ),
        min_size=1,
        max_size=3,
    )
)
def test_v_between_reversal_potentials(specs):
    cell = ip.ball_and_stick()
    inputs = [
        (SYNAPSE_KINDS[kind](g_max_nS=g, e_rev_mV=e), onsets, frac * cell.dend_length_um)
        for kind, g, e, onsets, frac in specs
    ]
    tr = ip.simulate_dendrite(cell, inputs, 30.0)
    low = min(cell.e_leak_mV, *(s.e_rev_mV for s, _, _ in inputs)) - 1e-9
    high = max(cell.e_leak_mV, *(s.e_rev_mV for s, _, _ in inputs)) + 1e-9
    v = tr.v_nodes_mV
    assert v.min() >= low and v.max() <= high


FIELDS = ["soma_diam_um", "dend_length_um", "dend_diam_um", "r_m_ohm_cm2", "r_i_ohm_cm", "c_m_uF_cm2"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf, "10"])
def test_ball_and_stick_bad_fields(field, bad):
    with pytest.raises(ValueError, match=field):
        ip.ball_and_stick(**{field: bad})


@pytest.mark.parametrize("bad", [np.nan, "x", None])
def test_bad_e_leak(bad):
    with pytest.raises(ValueError, match="e_leak_mV"):
        ip.ball_and_stick(e_leak_mV=bad)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, 3000, "10"])
def test_bad_n_compartments(bad):
    with pytest.raises(ValueError, match="n_compartments must be an integer from 1 to 2000"):
        ip.ball_and_stick(n_compartments=bad)


def test_preset_unknown_field():
    with pytest.raises(ValueError, match="unknown BallAndStick field"):
        ip.ball_and_stick(length_um=3.0)


@pytest.mark.parametrize(
    "args, match",
    [
        ((20000.0, 150.0, 0.0), "diam_um must be > 0 um"),
        ((-1.0, 150.0, 2.0), "r_m_ohm_cm2 must be > 0 ohm cm"),
        ((20000.0, np.nan, 2.0), "r_i_ohm_cm must be finite"),
        (("1", 150.0, 2.0), "r_m_ohm_cm2 must be a number"),
    ],
)
def test_length_constant_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ip.length_constant_um(*args)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda c: ip.simulate_dendrite(ip.Cell(100.0, 5.0, -70.0), [], 10.0), "cell must be an ipsplib BallAndStick"),
        (lambda c: ip.simulate_dendrite(c, "AMPA", 10.0), "inputs must be a sequence"),
        (lambda c: ip.simulate_dendrite(c, [(ampa(), [1.0])], 10.0), r"inputs\[0\] must be a \(Synapse"),
        (lambda c: ip.simulate_dendrite(c, [(ampa(), [-1.0], 0.0)], 10.0), "onsets_ms must be >= 0 ms"),
        (lambda c: ip.simulate_dendrite(c, [(ampa(), [1.0], 900.0)], 10.0), r"inputs\[0\] distance_um must be between"),
        (lambda c: ip.simulate_dendrite(c, [(ampa(), [1.0], -5.0)], 10.0), "distance_um must be between 0"),
        (lambda c: ip.simulate_dendrite(c, [(ampa(), [1.0], "x")], 10.0), "distance_um must be a number"),
        (lambda c: ip.simulate_dendrite(c, [], -1.0), "duration_ms must be > 0 ms"),
        (lambda c: ip.simulate_dendrite(c, [], 10.0, dt_ms=0.0), "dt_ms must be > 0 ms"),
        (lambda c: ip.simulate_dendrite(c, [], 10.01), "whole number of steps"),
    ],
)
def test_simulate_dendrite_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(ip.ball_and_stick())


def test_synapse_between_nodes_converged():
    """A synapse off the nodes (103.7 um, 33.18 segments of 3.125 um) reads its own kink, as 4x finer segments do."""
    inputs = [(ampa(g_max_nS=2.0), [5.0137], 103.7)]
    coarse = ip.simulate_dendrite(ip.ball_and_stick(), inputs, 20.0)
    fine = ip.simulate_dendrite(ip.ball_and_stick(n_compartments=1024), inputs, 20.0)
    assert np.max(np.abs(coarse.v_at(103.7) - fine.v_at(103.7))) < 0.005
    assert np.max(np.abs(coarse.v_soma_mV - fine.v_soma_mV)) < 0.001
    # the site reads above the linear interpolation of its two nodes while the current flows
    nodes = coarse.v_nodes_mV
    theta = 103.7 / 3.125 - 33
    assert np.max(coarse.v_at(103.7) - ((1 - theta) * nodes[33] + theta * nodes[34])) > 0.02
