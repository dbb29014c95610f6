"""The demos of the threshold chapter plot what ipsplib computes for their control values."""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses
from ipsplib.demos import threshold as th


@pytest.fixture(scope="module")
def rate_demo():
    return th.firing_rate_inhibition()


@pytest.fixture(scope="module")
def ei():
    return th.ei_competition()


def test_both_demos_are_registered():
    from ipsplib import demos

    assert demos.ALL["firing_rate_inhibition"] is th.firing_rate_inhibition
    assert demos.ALL["ei_competition"] is th.ei_competition


def test_model_cells_are_stated(rate_demo, ei):
    for demo in (rate_demo, ei):
        assert "rest −70 mV" in demo.model and "−55 mV" in demo.model


# -- firing rate with inhibition ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind, inh, exc", [("shunting", 1.5, 3.5), ("hyperpolarizing", 2.0, 5.0),
                                            ("shunting", 0.0, 2.0)])
def test_rate_curves_are_what_ipsplib_computes(rate_demo, kind, inh, exc):
    rate_demo.update(kind=kind, inh_rate_khz=inh, exc_rate_khz=exc)
    options = dict(g_exc_nS=th.G_EXC_NS, g_inh_nS=th.G_INH_NS, e_inh_mV=th.E_INH_MV[kind],
                   duration_ms=th.RATE_DURATION_MS, seed=th.SEED, dt_ms=th.FIRING_DT_MS)
    expected = [ip.firing_rate(th.LIF, rate_exc_hz=1000 * x, rate_inh_hz=1000 * inh, **options) for x in th.DRIVE_KHZ]
    control = [ip.firing_rate(th.LIF, rate_exc_hz=1000 * x, **options) for x in th.DRIVE_KHZ]
    x, y = rate_demo.artists["curve_inhibited"].get_data()
    np.testing.assert_allclose(x, th.DRIVE_KHZ)
    np.testing.assert_allclose(y, expected)
    np.testing.assert_allclose(rate_demo.artists["curve_control"].get_ydata(), control)
    # the trace is the simulated membrane potential at the chosen excitatory rate
    trace = ip.poisson_firing(th.LIF, rate_exc_hz=1000 * exc, rate_inh_hz=1000 * inh,
                              **(options | dict(duration_ms=th.TRACE_SHOWN_MS)))
    np.testing.assert_allclose(rate_demo.artists["v_inhibited"].get_ydata(), trace.v_mV)
    np.testing.assert_allclose(rate_demo.artists["spikes_inhibited"].get_xdata(), trace.spikes_ms)
    assert f"{trace.spikes_ms.size} with {kind} inhibition" in rate_demo.alt_text
    # the axes hold every rate
    assert max(np.max(y), np.max(control)) < rate_demo.artists["curve_control"].axes.get_ylim()[1]


def test_inhibition_lowers_the_curve_and_hyperpolarizing_more(rate_demo):
    control = rate_demo.artists["curve_control"].get_ydata()
    curves = {}
    for kind in th.E_INH_MV:
        rate_demo.update(kind=kind, inh_rate_khz=2.0)
        curves[kind] = np.array(rate_demo.artists["curve_inhibited"].get_ydata())
        assert np.all(curves[kind] <= control) and np.sum(curves[kind]) < np.sum(control)
    assert np.sum(curves["hyperpolarizing"]) < np.sum(curves["shunting"])


def test_fit_is_drawn_and_reported(rate_demo):
    rate_demo.update(kind="shunting", inh_rate_khz=2.0)
    rates = rate_demo.artists["curve_inhibited"].get_ydata()
    shift, gain, _ = ip.shift_and_gain(th.DRIVE_KHZ, rate_demo.artists["curve_control"].get_ydata(), rates)
    assert shift > 0
    assert f"shift {shift:.2f} kHz, gain {gain:.2f}" in rate_demo.artists["readout"].get_text()
    rate_demo.update(inh_rate_khz=0.0)
    assert len(rate_demo.artists["curve_fit"].get_xdata()) == 0
    assert "coincide" in rate_demo.alt_text


# -- E-I competition on the ball-and-stick ------------------------------------------------------------------
@pytest.mark.parametrize("distance, delay, e_inh", [(200.0, 0.0, -70.0), (0.0, 5.0, -80.0), (700.0, -5.0, -60.0)])
def test_ei_traces_are_what_simulate_dendrite_computes(ei, distance, delay, e_inh):
    ei.update(inh_distance_um=distance, inh_delay_ms=delay, e_inh_mV=e_inh)
    cell = ip.ball_and_stick()
    exc = (synapses.ampa(g_max_nS=th.EXC_G_NS), [th.EXC_ONSET_MS], th.EXC_DISTANCE_UM)
    inh = (synapses.gaba_a(g_max_nS=th.INH_G_NS, e_rev_mV=e_inh), [th.EXC_ONSET_MS + delay], distance)
    run = dict(duration_ms=th.EI_DURATION_MS, dt_ms=th.EI_DT_MS)
    both = ip.simulate_dendrite(cell, [exc, inh], **run)
    alone_exc = ip.simulate_dendrite(cell, [exc], **run)
    alone_inh = ip.simulate_dendrite(cell, [inh], **run)
    np.testing.assert_allclose(ei.artists["v_both"].get_ydata(), both.v_soma_mV, atol=1e-9)
    np.testing.assert_allclose(ei.artists["v_exc"].get_ydata(), alone_exc.v_soma_mV, atol=1e-9)
    # the IPSP alone is drawn from a shifted copy: equal to its own simulation (onsets on the grid)
    np.testing.assert_allclose(ei.artists["v_inh"].get_ydata(), alone_inh.v_soma_mV, atol=1e-6)
    peak = float(both.v_soma_mV.max())
    verdict = "would fire" if peak >= th.V_THRESHOLD_MV else "would not fire"
    assert verdict in ei.alt_text and f"{peak:.1f}".replace("-", "−") in ei.alt_text


def test_ei_excitation_alone_fires_and_coincident_inhibition_vetoes_it(ei):
    assert ei.artists["v_exc"].get_ydata().max() > th.V_THRESHOLD_MV
    ei.update(inh_distance_um=200.0, inh_delay_ms=0.0, e_inh_mV=-70.0)
    assert "would not fire" in ei.alt_text


def test_ei_timing_and_position_matter(ei):
    peaks = {}
    for distance, delay in [(200.0, 0.0), (200.0, 10.0), (800.0, 0.0)]:
        ei.update(inh_distance_um=distance, inh_delay_ms=delay, e_inh_mV=-70.0)
        peaks[distance, delay] = ei.artists["v_both"].get_ydata().max()
    assert peaks[200.0, 0.0] < peaks[200.0, 10.0]          # late inhibition misses the EPSP's peak
    assert peaks[200.0, 0.0] < peaks[800.0, 0.0]           # on the path beats beyond the synapse here


def test_ei_reversal_above_the_epsp_peak_excites(ei):
    ei.update(inh_distance_um=400.0, inh_delay_ms=0.0, e_inh_mV=-50.0)
    alone = ei.artists["v_exc"].get_ydata().max()
    assert ei.artists["v_both"].get_ydata().max() > alone - 1e-9 or alone < -50.0
    ei.update(e_inh_mV=-90.0)
    assert ei.artists["v_both"].get_ydata().max() < alone


def test_ei_reuses_simulations_exactly():
    """The IPSP alone is a scaled unit response (the cell is linear in E) and the combined trace is the
    simulation at that very setting, kept: both equal simulate_dendrite, also when a setting comes back."""
    demo = th.ei_competition()
    cell = ip.ball_and_stick()
    run = dict(duration_ms=th.EI_DURATION_MS, dt_ms=th.EI_DT_MS)
    exc = (synapses.ampa(g_max_nS=th.EXC_G_NS), [th.EXC_ONSET_MS], th.EXC_DISTANCE_UM)
    for e_inh in (-85.0, -62.0, -51.0, -77.0, -62.0):  # the last comes back: from the cache
        demo.update(inh_distance_um=525.0, inh_delay_ms=3.0, e_inh_mV=e_inh)
        inh = (synapses.gaba_a(g_max_nS=th.INH_G_NS, e_rev_mV=e_inh), [th.EXC_ONSET_MS + 3.0], 525.0)
        both = ip.simulate_dendrite(cell, [exc, inh], **run).v_soma_mV
        alone = ip.simulate_dendrite(cell, [inh], **run).v_soma_mV
        np.testing.assert_array_equal(demo.artists["v_both"].get_ydata(), both)
        np.testing.assert_allclose(demo.artists["v_inh"].get_ydata(), alone, atol=1e-6)
    assert len([key for key in demo._combined if key[:2] == (525.0, 3.0)]) == 4
    assert list(demo._unit_ipsp) == [200.0, 525.0]  # one unit IPSP per distance: the default's and this one


def test_firing_control_trace_does_not_depend_on_the_kind(rate_demo):
    for kind in th.E_INH_MV:
        rate_demo.update(kind=kind, inh_rate_khz=1.0, exc_rate_khz=4.2)
        trace = ip.poisson_firing(th.LIF, rate_exc_hz=4200.0, g_exc_nS=th.G_EXC_NS, e_inh_mV=th.E_INH_MV[kind],
                                  duration_ms=th.TRACE_SHOWN_MS, seed=th.SEED, dt_ms=th.FIRING_DT_MS)
        np.testing.assert_array_equal(rate_demo.artists["v_control"].get_ydata(), trace.v_mV)


@pytest.mark.parametrize("factory", [th.firing_rate_inhibition, th.ei_competition])
def test_every_slider_gives_a_drag_ten_values(factory):
    """A slider sends a value only when it changes: with at least 20 steps on its track, a mouse drag across 60 %
    of it (the JupyterLab test's drag, from anywhere) crosses at least 10 values, so it can give 10 redraws."""
    for name, spec in factory()._specs.items():
        if spec.numeric:
            assert (spec.max - spec.min) / spec.step >= 20 - 1e-9, f"{name}: step {spec.step} is too coarse"
