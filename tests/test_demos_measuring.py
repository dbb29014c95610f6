"""The voltage_clamp_iv demo (chapter "Measuring PSPs") plots what ipsplib computes for its control values.

Model of the demo: the book's ball-and-stick preset (rest -70 mV), clamped at the soma; AMPA 2 nS (E 0 mV) or
GABA_A 1.5 nS (E -80 mV); holding potentials -110 ... +90 mV in 10 mV steps.
"""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses
from ipsplib.demos import measuring as measuring_demo

HOLDS_MV = np.arange(-110.0, 90.0 + 1e-9, 10.0)


@pytest.fixture(scope="module")
def demo():
    return measuring_demo.voltage_clamp_iv()


def expected_synapse(receptor):
    """Independent of the demo's module constants: the synapses the demo's caption names."""
    return {"ampa": synapses.ampa(g_max_nS=2.0), "gaba_a": synapses.gaba_a(g_max_nS=1.5, e_rev_mV=-80.0)}[receptor]


def test_registered():
    from ipsplib import demos

    assert demos.ALL["voltage_clamp_iv"] is measuring_demo.voltage_clamp_iv


def test_the_model_cell_is_stated():
    model = measuring_demo.VoltageClampIV.model
    cell = ip.dendrite.ball_and_stick()
    assert f"rest {ip.plotting.number_text(cell.e_leak_mV, 0)} mV" in model
    assert f"{cell.dend_length_um:g} µm long" in model
    assert "threshold" in model
    assert measuring_demo.CELL == cell


@pytest.mark.parametrize("receptor, distance, r_s, hold", [
    ("ampa", 0.0, 0.0, -70.0),
    ("ampa", 400.0, 10.0, -30.0),
    ("ampa", 800.0, 30.0, 90.0),
    ("gaba_a", 0.0, 0.0, -110.0),
    ("gaba_a", 250.0, 5.0, -70.0),
    ("gaba_a", 600.0, 20.0, 0.0),
])
def test_plotted_data_equal_ipsplib(demo, receptor, distance, r_s, hold):
    demo.update(receptor=receptor, distance_um=distance, series_resistance_MOhm=r_s, holding_mV=hold)
    syn = expected_synapse(receptor)
    cell = ip.dendrite.ball_and_stick()
    peaks = ip.iv_curve(syn, HOLDS_MV, cell=cell, distance_um=distance, series_resistance_MOhm=r_s)
    ideal = ip.iv_curve(syn, HOLDS_MV, cell=cell, distance_um=0.0, series_resistance_MOhm=0.0)
    x, y = demo.artists["iv"].get_data()
    np.testing.assert_allclose(x, HOLDS_MV)
    np.testing.assert_allclose(y, peaks, atol=1e-9)
    _, y = demo.artists["iv_ideal"].get_data()
    np.testing.assert_allclose(y, ideal, atol=1e-9)
    apparent = ip.reversal_from_iv(HOLDS_MV, peaks)
    assert demo.apparent_reversal_mV == pytest.approx(apparent, abs=1e-9)
    assert demo.artists["apparent_line"].get_xdata()[0] == pytest.approx(apparent, abs=1e-9)
    assert demo.artists["true_line"].get_xdata()[0] == syn.e_rev_mV
    assert ip.plotting.number_text(apparent, signed=True) in demo.alt_text

    i = ip.voltage_clamp(syn, hold, [measuring_demo.ONSET_MS], measuring_demo.DURATION_MS,
                         dt_ms=measuring_demo.DT_MS, series_resistance_MOhm=r_s, cell=cell, distance_um=distance)
    i_ideal = ip.voltage_clamp(syn, hold, [measuring_demo.ONSET_MS], measuring_demo.DURATION_MS,
                               dt_ms=measuring_demo.DT_MS, cell=cell)
    t, y = demo.artists["i"].get_data()
    np.testing.assert_allclose(t, np.linspace(0.0, measuring_demo.DURATION_MS, len(i)))
    np.testing.assert_allclose(y, i, atol=1e-9)
    _, y = demo.artists["i_ideal"].get_data()
    np.testing.assert_allclose(y, i_ideal, atol=1e-9)
    peak = float(i[np.argmax(np.abs(i))])
    assert demo.artists["hold_point"].get_data()[1][0] == pytest.approx(peak)
    assert f"peaks at {ip.plotting.number_text(peak)} pA" in demo.alt_text
    # the recording takes the synapse's colour, the one its legend entry shows
    legend = demo.figure.legends[0]
    entry = next(h for h, t in zip(legend.legend_handles, legend.get_texts(), strict=True)
                 if t.get_text().startswith(measuring_demo.SYNAPSE_MATH[receptor] + ","))
    assert demo.artists["iv"].get_color() == entry.get_color() == demo.artists["i"].get_color()


@pytest.mark.parametrize("receptor", ["ampa", "gaba_a"])
def test_ideal_clamp_reports_the_true_reversal(demo, receptor):
    demo.update(receptor=receptor, distance_um=0.0, series_resistance_MOhm=0.0)
    assert demo.apparent_reversal_mV == pytest.approx(expected_synapse(receptor).e_rev_mV, abs=0.05)


@pytest.mark.parametrize("receptor", ["ampa", "gaba_a"])
def test_space_clamp_error_follows_the_cable_formula_and_grows_away_from_rest(demo, receptor):
    cell = ip.dendrite.ball_and_stick()
    lam = ip.length_constant_um(r_m_ohm_cm2=cell.r_m_ohm_cm2, r_i_ohm_cm=cell.r_i_ohm_cm, diam_um=cell.dend_diam_um)
    big_l = cell.dend_length_um / lam
    e_rev = expected_synapse(receptor).e_rev_mV
    apparent = []
    for x in (0.0, 200.0, 400.0, 600.0, 800.0):
        demo.update(receptor=receptor, distance_um=x, series_resistance_MOhm=0.0)
        formula = cell.e_leak_mV + (e_rev - cell.e_leak_mV) * np.cosh(big_l) / np.cosh(big_l - x / lam)
        assert demo.apparent_reversal_mV == pytest.approx(formula, abs=0.3)
        apparent.append(demo.apparent_reversal_mV)
    error = np.abs(np.array(apparent) - e_rev)
    assert np.all(np.diff(error) > 0)
    # away from rest: above E_rev for AMPA (E_rev > rest), below it for GABA_A (E_rev < rest)
    assert np.sign(apparent[-1] - e_rev) == np.sign(e_rev - cell.e_leak_mV)


def test_series_resistance_pushes_the_reversal_away_from_rest(demo):
    demo.update(receptor="ampa", distance_um=0.0, series_resistance_MOhm=0.0)
    ideal = demo.apparent_reversal_mV
    demo.update(series_resistance_MOhm=30.0)
    assert demo.apparent_reversal_mV > ideal + 0.5


def test_fixed_axes_hold_the_largest_currents(demo):
    for receptor in ("ampa", "gaba_a"):
        for hold in (-110.0, 90.0):
            demo.update(receptor=receptor, distance_um=0.0, series_resistance_MOhm=0.0, holding_mV=hold)
            for name in ("iv", "iv_ideal", "i", "i_ideal"):
                _, y = demo.artists[name].get_data()
                low, high = demo.artists[name].axes.get_ylim()
                assert low < np.min(y) and np.max(y) < high, (receptor, hold, name)


def test_no_zero_crossing_is_said_not_plotted(demo, monkeypatch):
    def no_crossing(v_mV, i_pA):
        raise ValueError("i_pA does not change sign")

    monkeypatch.setattr(measuring_demo, "reversal_from_iv", no_crossing)
    demo.update(receptor="ampa", distance_um=300.0)
    assert not demo.artists["apparent_line"].get_visible()
    assert "does not cross zero" in demo.alt_text
    assert "no zero crossing" in demo.artists["readout"].get_text()
    monkeypatch.undo()
    demo.update(distance_um=350.0)
    assert demo.artists["apparent_line"].get_visible()


def test_static_site_moves_distance_and_series_resistance(demo):
    assert demo.static == ("distance_um", "series_resistance_MOhm", "receptor")
    grids = demo.static_grids()
    assert len(grids["distance_um"]) * len(grids["series_resistance_MOhm"]) * len(grids["receptor"]) <= 300
    assert max(grids["distance_um"]) == ip.dendrite.ball_and_stick().dend_length_um


def test_every_slider_gives_a_drag_ten_values(demo):
    """A slider sends a value only when it changes: with at least 20 steps on its track, a mouse drag across 60 %
    of it (the JupyterLab test's drag, from anywhere) crosses at least 10 values, so it can give 10 redraws."""
    for name, spec in demo._specs.items():
        if spec.numeric:
            assert (spec.max - spec.min) / spec.step >= 20 - 1e-9, f"{name}: step {spec.step} is too coarse"
