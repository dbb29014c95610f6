"""The spatial_summation demo (chapter 6) plots what ipsplib computes for its control values."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses
from ipsplib.demos import spatial as spatial_demo
from ipsplib.dendrite import ball_and_stick


@pytest.fixture(scope="module")
def demo():
    return spatial_demo.spatial_summation()


def test_registered():
    from ipsplib import demos

    assert demos.ALL["spatial_summation"] is spatial_demo.spatial_summation
    assert set(demos.spatial_summation().static) == {"inhibition_um", "lambda_um"}


def test_lambda_control_sets_the_length_constant_and_keeps_tau_m():
    for lam in (300.0, 816.0, 2400.0):
        cell = spatial_demo.cell_with_lambda(lam)
        assert cell.lambda_um == pytest.approx(lam, rel=1e-9)
        assert cell.tau_m_ms == pytest.approx(ball_and_stick().tau_m_ms)
        assert ip.length_constant_um(cell.r_m_ohm_cm2, cell.r_i_ohm_cm, cell.dend_diam_um) == pytest.approx(lam)


@pytest.mark.parametrize(
    "x_e, x_i, lam", [(500.0, 250.0, 816.0), (800.0, 0.0, 300.0), (0.0, 800.0, 300.0), (200.0, 700.0, 2400.0),
                      (339.0, 421.0, 500.0)]  # the last: synapses between nodes, in profile points' segments (kinks)
)
def test_demo_plots_the_simulated_epsps(demo, x_e, x_i, lam):
    demo.update(excitation_um=x_e, inhibition_um=x_i, lambda_um=lam)
    cell = ball_and_stick(r_i_ohm_cm=spatial_demo.cell_with_lambda(lam).r_i_ohm_cm)
    exc = synapses.ampa(g_max_nS=1.0)
    inh = synapses.gaba_a(g_max_nS=10.0, e_rev_mV=cell.e_leak_mV)
    alone = ip.simulate_dendrite(cell, [(exc, [5.0], x_e)], 50.0, dt_ms=0.1)
    both = ip.simulate_dendrite(cell, [(exc, [5.0], x_e), (inh, [5.0], x_i)], 50.0, dt_ms=0.1)
    t, v = demo.artists["soma_alone"].get_data()
    np.testing.assert_allclose(t, alone.t_ms)
    np.testing.assert_allclose(v, alone.v_soma_mV - cell.e_leak_mV, atol=1e-9)
    _, v = demo.artists["soma_both"].get_data()
    np.testing.assert_allclose(v, both.v_soma_mV - cell.e_leak_mV, atol=1e-9)
    x, p = demo.artists["profile_alone"].get_data()
    expected = [np.max(alone.v_at(d)) - cell.e_leak_mV for d in x]
    np.testing.assert_allclose(p, expected, atol=1e-9)
    assert demo.artists["e_mark"].get_xdata()[0] == x_e
    assert demo.artists["i_mark"].get_xdata()[0] == x_i
    reduction = 100 * (1 - (both.v_soma_mV.max() - cell.e_leak_mV) / (alone.v_soma_mV.max() - cell.e_leak_mV))
    assert f"removes {reduction:.0f} %" in demo.alt_text
    assert spatial_demo.where(x_i, x_e) in demo.alt_text
    # the fixed axes hold the frame
    ax_x = demo.artists["profile_alone"].axes
    assert np.max(p) < ax_x.get_ylim()[1]
    assert np.max(demo.artists["soma_alone"].get_ydata()) < demo.artists["soma_alone"].axes.get_ylim()[1]


def test_on_path_beats_beyond_at_short_lambda_and_matters_little_at_long(demo):
    removed = {}
    for lam in (300.0, 2400.0):
        for x_i in (300.0, 700.0):
            demo.update(excitation_um=500.0, inhibition_um=x_i, lambda_um=lam)
            alone = np.max(demo.artists["soma_alone"].get_ydata())
            both = np.max(demo.artists["soma_both"].get_ydata())
            removed[lam, x_i] = 1 - both / alone
    assert removed[300.0, 300.0] > 2 * removed[300.0, 700.0]
    assert abs(removed[2400.0, 300.0] - removed[2400.0, 700.0]) < 0.5 * abs(removed[300.0, 300.0]
                                                                           - removed[300.0, 700.0])


def test_where_names_the_position():
    assert spatial_demo.where(0.0, 400.0) == "at the soma"
    assert spatial_demo.where(400.0, 400.0) == "at the excitatory synapse"
    assert "on the path" in spatial_demo.where(200.0, 400.0)
    assert "beyond" in spatial_demo.where(600.0, 400.0)


def test_model_cell_is_stated(demo):
    assert "rest" in demo.model.lower() or "resting" in demo.model.lower()
    assert "threshold" in demo.model and "−70 mV" in demo.model
