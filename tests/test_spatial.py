"""ipsplib.spatial: PSP shape indices, steady-state attenuation of the ball-and-stick, and the shunting effect."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import spatial, synapses
from ipsplib.dendrite import ball_and_stick

# -- psp_shape ------------------------------------------------------------------------------------------


def test_shape_of_an_alpha_psp_matches_its_closed_form():
    tau, onset = 4.0, 2.0
    t = np.linspace(0.0, 80.0, 80001)
    s = np.clip(t - onset, 0.0, None)
    v = -65.0 + 3.0 * (s / tau) * np.exp(1.0 - s / tau)
    shape = ip.psp_shape(t, v, v_rest_mV=-65.0, onset_ms=onset)
    assert shape.amplitude_mV == pytest.approx(3.0, abs=1e-6)
    assert shape.time_to_peak_ms == pytest.approx(tau, abs=1e-3)
    # x e^(1-x) = 1/2 at x = 0.2319 and x = 2.6783 (solved numerically here, independently of the code)
    roots = [_bisect(lambda x: x * math.exp(1 - x) - 0.5, a, b) for a, b in ((0.0, 1.0), (1.0, 10.0))]
    assert shape.half_width_ms == pytest.approx(tau * (roots[1] - roots[0]), abs=1e-3)


def _bisect(f, a, b):
    for _ in range(200):
        m = 0.5 * (a + b)
        if (f(a) < 0) == (f(m) < 0):
            a = m
        else:
            b = m
    return 0.5 * (a + b)


def test_shape_keeps_the_sign_of_a_hyperpolarization():
    t = np.linspace(0.0, 50.0, 5001)
    v = -70.0 - 1.5 * np.exp(-t / 8.0)
    shape = ip.psp_shape(t, v, v_rest_mV=-70.0)
    assert shape.amplitude_mV == pytest.approx(-1.5)
    assert shape.time_to_peak_ms == 0.0
    assert shape.half_width_ms == pytest.approx(8.0 * math.log(2.0), abs=1e-3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(t_ms=[0, 1, 2], v_mV=[0, 1]), "equal length"),
    (dict(t_ms=[0, 1], v_mV=[0, 1]), "at least 3"),
    (dict(t_ms=[0, 2, 1], v_mV=[0, 1, 0]), "strictly increasing"),
    (dict(t_ms=[0, 1, 2], v_mV=[0, float("nan"), 0]), "v_mV must be finite"),
    (dict(t_ms=[0, 1, 2], v_mV=[0, 1, 0], onset_ms=5.0), "onset_ms must be within"),
    (dict(t_ms=[0, 1, 2], v_mV=[-70, -70, -70]), "never leaves"),
])
def test_shape_rejects_bad_input(kwargs, match):
    kwargs.setdefault("v_rest_mV", 0.0 if "never" not in match else -70.0)
    with pytest.raises(ValueError, match=match):
        ip.psp_shape(**kwargs)


# -- steady-state attenuation ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cell():
    return ball_and_stick()


def test_attenuation_is_one_at_the_soma_and_falls_with_distance(cell):
    values = [ip.steady_state_attenuation(cell, x) for x in np.linspace(0.0, cell.dend_length_um, 9)]
    assert values[0] == 1.0
    assert np.all(np.diff(values) < 0)


def test_attenuation_without_a_soma_is_one_over_cosh(cell):
    # with a vanishing soma (rho -> 0) the formula must reduce to 1 / cosh X
    tiny = ball_and_stick(soma_diam_um=1e-3)
    x = 0.7 * tiny.lambda_um
    assert ip.steady_state_attenuation(tiny, x) == pytest.approx(1.0 / math.cosh(0.7), rel=1e-6)


def test_attenuation_matches_a_simulated_steady_input(cell):
    sustained = ip.Synapse(g_max_nS=0.2, tau_rise_ms=0.0, tau_decay_ms=1e7, e_rev_mV=0.0)
    for x in (300.0, 800.0):
        trace = ip.simulate_dendrite(cell, [(sustained, [0.0], x)], duration_ms=250.0, dt_ms=0.1)
        simulated = (trace.v_soma_mV[-1] - cell.e_leak_mV) / (trace.v_at(x)[-1] - cell.e_leak_mV)
        assert simulated == pytest.approx(ip.steady_state_attenuation(cell, x), abs=0.005)


def test_rho_from_the_definition(cell):
    g_soma = math.pi * (20e-4) ** 2 / 20000.0
    g_inf = math.pi * (2e-4) ** 1.5 / (2 * math.sqrt(20000.0 * 150.0))
    assert spatial.soma_to_dendrite_conductance_ratio(cell) == pytest.approx(g_soma / g_inf)


@pytest.mark.parametrize("distance", [-1.0, 801.0, float("inf")])
def test_attenuation_rejects_distances_off_the_dendrite(cell, distance):
    with pytest.raises(ValueError, match="distance_um"):
        ip.steady_state_attenuation(cell, distance)


def test_attenuation_rejects_a_one_compartment_cell():
    with pytest.raises(ValueError, match="BallAndStick"):
        ip.steady_state_attenuation(ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0), 0.0)


# -- shunting effect ------------------------------------------------------------------------------------

EXC = synapses.ampa(g_max_nS=1.0)


def test_shunt_on_the_path_beats_shunt_beyond_on_the_full_cell(cell):
    shunt = synapses.gaba_a(g_max_nS=10.0, e_rev_mV=cell.e_leak_mV)
    on_path = ip.shunting_effect(cell, EXC, 600.0, shunt, 400.0, dt_ms=0.1)
    beyond = ip.shunting_effect(cell, EXC, 600.0, shunt, 800.0, dt_ms=0.1)
    assert 0.0 < beyond.reduction < on_path.reduction < 1.0
    assert on_path.epsp_mV == pytest.approx(beyond.epsp_mV)


def test_shunting_effect_equals_its_definition(cell):
    shunt = synapses.gaba_a(g_max_nS=5.0, e_rev_mV=cell.e_leak_mV)
    effect = ip.shunting_effect(cell, EXC, 500.0, shunt, 250.0, onset_ms=5.0, duration_ms=60.0, dt_ms=0.1)
    alone = ip.simulate_dendrite(cell, [(EXC, [5.0], 500.0)], 60.0, dt_ms=0.1)
    both = ip.simulate_dendrite(cell, [(EXC, [5.0], 500.0), (shunt, [5.0], 250.0)], 60.0, dt_ms=0.1)
    epsp = alone.v_soma_mV.max() - cell.e_leak_mV
    combined = both.v_soma_mV.max() - cell.e_leak_mV
    assert effect.epsp_mV == pytest.approx(epsp)
    assert effect.reduction == pytest.approx(1.0 - combined / epsp)


def test_shunting_effect_measures_the_epsp_where_it_records(cell):
    """With record_um the EPSP alone is the peak of V at that site, not at the soma."""
    shunt = synapses.gaba_a(g_max_nS=5.0, e_rev_mV=cell.e_leak_mV)
    effect = ip.shunting_effect(cell, EXC, 500.0, shunt, 250.0, onset_ms=5.0, duration_ms=60.0, dt_ms=0.1,
                                record_um=500.0)
    alone = ip.simulate_dendrite(cell, [(EXC, [5.0], 500.0)], 60.0, dt_ms=0.1)
    both = ip.simulate_dendrite(cell, [(EXC, [5.0], 500.0), (shunt, [5.0], 250.0)], 60.0, dt_ms=0.1)
    epsp = alone.v_at(500.0).max() - cell.e_leak_mV
    assert epsp > 1.5 * (alone.v_soma_mV.max() - cell.e_leak_mV)  # the two sites differ
    assert effect.epsp_mV == pytest.approx(epsp)
    assert effect.combined_mV == pytest.approx(both.v_at(500.0).max() - cell.e_leak_mV)


def test_late_inhibition_removes_nothing_and_zero_conductance_nothing(cell):
    shunt = synapses.gaba_a(g_max_nS=10.0, e_rev_mV=cell.e_leak_mV)
    late = ip.shunting_effect(cell, EXC, 300.0, shunt, 300.0, onset_ms=5.0, inhibition_onset_ms=45.0, dt_ms=0.1)
    assert late.reduction == pytest.approx(0.0, abs=1e-9)
    none = ip.shunting_effect(cell, EXC, 300.0, synapses.gaba_a(g_max_nS=0.0), 300.0, dt_ms=0.1)
    assert none.reduction == pytest.approx(0.0, abs=1e-3)  # the solver adds substeps at every onset


@pytest.mark.parametrize("kwargs, match", [
    (dict(excitation_um=900.0), "excitation_um"),
    (dict(inhibition_um=-5.0), "inhibition_um"),
    (dict(record_um=1e4), "record_um"),
    (dict(onset_ms=100.0), "onset_ms must be in"),
    (dict(inhibition_onset_ms=-1.0), "inhibition_onset_ms"),
    (dict(duration_ms=0.0), "duration_ms"),
    (dict(excitation=synapses.gaba_a(g_max_nS=1.0, e_rev_mV=-80.0)), "must depolarize"),
    (dict(inhibition="GABA"), "inhibition must be an ipsplib.Synapse"),
])
def test_shunting_effect_rejects_bad_input(cell, kwargs, match):
    args = dict(cell=cell, excitation=EXC, excitation_um=400.0, inhibition=synapses.gaba_a(g_max_nS=5.0),
                inhibition_um=200.0, dt_ms=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ip.shunting_effect(**args)
