"""Every piece of text a chapter 5–8 demo shows says what ipsplib computes for the controls' values.

For each demo, ``expected_*`` recomputes the numbers with ipsplib's public API (not the demo's own
helpers) and lists, for each piece of text (title, readout, alt text), the numbers it must state.
Each demo is checked at its defaults and with every control moved alone to its minimum and maximum
(every option of a choice): a text that ignores a control, names the wrong quantity or drops a value
fails (issue 20: "held at …" that ignored the holding potential, an E–I readout that showed the
EPSP-alone peak, an alt text without λ and L). The static-site grids must hold each default value,
or the website opens on a frame the demo never shows by default.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import demos, synapses
from ipsplib.demos._base import DEFAULT_POINTS
from ipsplib.plotting import number_text

NUMBER = r"([−+-]?\d+(?:\.\d+)?)"


def number_after(text: str, phrase: str) -> float:
    """The number that follows ``phrase`` in ``text`` (a true minus sign read as minus)."""
    match = re.search(re.escape(phrase) + r"\s*" + NUMBER, text)
    assert match, f"no number after {phrase!r} in {text!r}"
    return float(match.group(1).replace("−", "-"))


def settings(demo) -> list[dict]:
    """The defaults, then each control alone at its minimum and its maximum (a choice: every option)."""
    default = dict(demo.values)
    out = [default]
    for name, spec in demo._specs.items():
        moved = [v for _, v in spec.options] if not spec.numeric else [spec.min, spec.max]
        out += [{**default, name: v} for v in moved if v != default[name]]
    return out


def check(demo, values, expected):
    """Set ``values`` and check every (piece, phrase, number, decimals) of ``expected`` on the demo's text."""
    demo.update(**values)
    for piece, phrase, value, decimals in expected:
        text = piece(demo)
        shown = number_after(text, phrase)
        # the text rounds to `decimals`; allow half a unit of the last digit, plus float noise
        assert shown == pytest.approx(value, abs=0.5 * 10.0 ** -decimals + 1e-9), (
            f"{values}: {phrase!r} shows {shown}, ipsplib gives {value:.{decimals + 2}f}, in {text!r}")


def alt(demo):
    return demo.alt_text


def readout(demo):
    return demo.artists["readout"].get_text()


# -- chapter 5: temporal summation ---------------------------------------------------------------------------
def expected_temporal(values):
    from ipsplib.demos import summation as mod

    n, interval, tau = int(round(values["n_inputs"])), values["interval_ms"], values["tau_m_ms"]
    syn = {"ampa": synapses.ampa(g_max_nS=4.0), "nmda": synapses.nmda(g_max_nS=5.0, mg_out_mM=1.0)}[
        values["receptor"]]
    cell = ip.Cell(c_m_pF=10.0 * tau, g_leak_nS=10.0, e_leak_mV=-70.0)
    onsets = 10.0 + interval * np.arange(n)
    train = ip.simulate(cell, [(syn, onsets)], duration_ms=400.0, dt_ms=mod.DT_MS)
    peak = float(train.v_mV.max() - cell.e_leak_mV)
    single = ip.simulate(cell, [(syn, [10.0])], duration_ms=400.0, dt_ms=mod.DT_MS)
    single_peak = float(single.v_mV.max() - cell.e_leak_mV)
    linear = ip.summation.linear_sum_mV(single.t_ms, single.v_mV - cell.e_leak_mV, onsets - onsets[0])
    linear_peak = float(linear.max())
    facts = [
        (readout, "train peak", peak, 1), (readout, "linear sum", linear_peak, 1),
        (readout, "ratio", peak / linear_peak, 2),
        (alt, "membrane time constant of", tau, 0), (alt, "One EPSP peaks", single_peak, 2),
        (alt, "the train peaks", peak, 2), (alt, "simply added: a summation ratio of", peak / linear_peak, 2),
        (alt, "current peaks at", float(train.i_pA[0].min()), 0),
    ]
    if n > 1:
        facts += [(alt, "", n, 0), (alt, "inputs", interval, 0)]
    return facts


# -- chapter 6: spatial summation ----------------------------------------------------------------------------
def expected_spatial(values):
    x_e, x_i, lam = values["excitation_um"], values["inhibition_um"], values["lambda_um"]
    base = ip.ball_and_stick()
    # λ² = R_m d / (4 R_i): the demo sets R_i so that the dendrite has this length constant
    r_i = base.r_m_ohm_cm2 * base.dend_diam_um * 1e-4 / (4.0 * (lam * 1e-4) ** 2)
    cell = ip.ball_and_stick(r_i_ohm_cm=r_i)
    assert ip.length_constant_um(cell.r_m_ohm_cm2, cell.r_i_ohm_cm, cell.dend_diam_um) == pytest.approx(lam)
    exc = synapses.ampa(g_max_nS=1.0)
    inh = synapses.gaba_a(g_max_nS=10.0, e_rev_mV=cell.e_leak_mV)
    alone = ip.simulate_dendrite(cell, [(exc, [5.0], x_e)], 50.0, dt_ms=0.1)
    both = ip.simulate_dendrite(cell, [(exc, [5.0], x_e), (inh, [5.0], x_i)], 50.0, dt_ms=0.1)
    epsp = float(alone.v_soma_mV.max() - cell.e_leak_mV)
    combined = float(both.v_soma_mV.max() - cell.e_leak_mV)
    removed = 100.0 * (1.0 - combined / epsp)
    big_l = cell.electrotonic_length

    def lambda_label(demo):
        return demo.artists["lambda_text"].get_text()

    return [
        (lambda_label, "λ =", lam, 0), (lambda_label, "L =", big_l, 2),
        (readout, "EPSP at the soma", epsp, 2), (readout, "with inhibition", combined, 2),
        (readout, "inhibition removes", removed, 0),
        (alt, "length constant", lam, 0), (alt, "electrotonic length", big_l, 2),
        (alt, "An excitatory synapse", x_e, 0), (alt, "and the soma by", epsp, 2),
        (alt, "A shunting inhibitory synapse", x_i, 0), (alt, "lowers the somatic EPSP to", combined, 2),
        (alt, "it removes", removed, 0),
    ]


# -- chapter 7: voltage clamp --------------------------------------------------------------------------------
def expected_clamp(values):
    from ipsplib.demos import measuring as mod

    receptor, x, r_s, hold = (values[k] for k in ("receptor", "distance_um", "series_resistance_MOhm", "holding_mV"))
    syn = {"ampa": synapses.ampa(g_max_nS=2.0), "gaba_a": synapses.gaba_a(g_max_nS=1.5, e_rev_mV=-80.0)}[receptor]
    cell = ip.ball_and_stick()
    holds = np.arange(-110.0, 90.0 + 1e-9, 10.0)
    apparent = float(ip.reversal_from_iv(holds, ip.iv_curve(syn, holds, cell=cell, distance_um=x,
                                                            series_resistance_MOhm=r_s)))
    i_pA = np.asarray(ip.voltage_clamp(syn, hold, [mod.ONSET_MS], mod.DURATION_MS, dt_ms=mod.DT_MS,
                                       series_resistance_MOhm=r_s, cell=cell, distance_um=x))
    i_ideal = np.asarray(ip.voltage_clamp(syn, hold, [mod.ONSET_MS], mod.DURATION_MS, dt_ms=mod.DT_MS, cell=cell))
    peak = float(i_pA[np.argmax(np.abs(i_pA))])
    peak_ideal = float(i_ideal[np.argmax(np.abs(i_ideal))])

    def trace_title(demo):
        return demo.artists["trace_title"].get_text()

    facts = [
        (trace_title, "held at", hold, 0),
        (readout, "= ", syn.e_rev_mV, 1), (readout, "apparent reversal", apparent, 1),
        (readout, "off by", apparent - syn.e_rev_mV, 1),
        (alt, "clamped from the soma through", r_s, 0), (alt, "crosses zero at", apparent, 1),
        (alt, "truly reverses at", syn.e_rev_mV, 1), (alt, "Held at", hold, 0),
        (alt, "peaks at", peak, 1), (alt, "on the soma records", peak_ideal, 1),
    ]
    if x > 0:
        facts.append((alt, "synapse", x, 0))
    return facts


# -- chapter 8: E–I competition and firing rate --------------------------------------------------------------
def expected_ei(values):
    from ipsplib.demos import threshold as mod

    x_i, delay, e_inh = values["inh_distance_um"], values["inh_delay_ms"], values["e_inh_mV"]
    cell = ip.ball_and_stick()
    exc = (synapses.ampa(g_max_nS=14.0), [15.0], 400.0)
    inh = (synapses.gaba_a(g_max_nS=10.0, e_rev_mV=e_inh), [15.0 + delay], x_i)
    alone = ip.simulate_dendrite(cell, [exc], 60.0, dt_ms=mod.EI_DT_MS)
    both = ip.simulate_dendrite(cell, [exc, inh], 60.0, dt_ms=mod.EI_DT_MS)
    peak, peak_alone = float(both.v_soma_mV.max()), float(alone.v_soma_mV.max())

    def e_inh_label(demo):
        return demo.artists["e_inh_label"].get_text()

    return [
        (readout, "peak", peak, 1), (readout, "mV (", peak - peak_alone, 1),
        (e_inh_label, "= ", e_inh, 0),
        (alt, "alone peaks at", peak_alone, 1), (alt, "Inhibition reversing at", e_inh, 0),
        (alt, "mV, ", x_i, 0), (alt, "together they peak at", peak, 1),
        *([] if delay == 0 else [(alt, "arrives", abs(delay), 0)]),
    ]


def expected_firing(values):
    from ipsplib.demos import threshold as mod

    kind, inh, exc = values["kind"], values["inh_rate_khz"], values["exc_rate_khz"]
    e_inh = {"hyperpolarizing": -80.0, "shunting": -70.0}[kind]
    cell = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0, refractory_ms=2.0)
    common = dict(g_exc_nS=1.0, g_inh_nS=1.0, e_inh_mV=e_inh, seed=mod.SEED, dt_ms=mod.FIRING_DT_MS)
    control = ip.poisson_firing(cell, rate_exc_hz=1000 * exc, rate_inh_hz=0.0, duration_ms=300.0, **common)
    inhibited = ip.poisson_firing(cell, rate_exc_hz=1000 * exc, rate_inh_hz=1000 * inh, duration_ms=300.0, **common)

    def e_inh_readout(demo):  # "$E_\mathrm{inh}$ = −70 mV"
        return readout(demo).replace("$E_\\mathrm{inh}$", "E_inh")

    return [
        (e_inh_readout, "E_inh =", e_inh, 0),
        (alt, "Poisson excitation at", exc, 2), (alt, "kHz:", control.spikes_ms.size, 0),
        (alt, "spikes without inhibition,", inhibited.spikes_ms.size, 0), (alt, "inhibition at", inh, 2),
        (alt, "reversal", e_inh, 0), (alt, "mean conductance", inh * 1.0 * ip.firing.TAU_INH_MS, 1),
    ]


EXPECTED = {
    "temporal_summation": expected_temporal,
    "spatial_summation": expected_spatial,
    "voltage_clamp_iv": expected_clamp,
    "ei_competition": expected_ei,
    "firing_rate_inhibition": expected_firing,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_text_states_what_ipsplib_computes_at_each_control_setting(name):
    demo = demos.ALL[name]()
    for values in settings(demo):
        check(demo, values, EXPECTED[name](values))


@pytest.mark.parametrize("name", sorted(demos.ALL))
def test_each_static_default_lies_on_its_static_grid(name, monkeypatch):
    monkeypatch.delenv("IPSP_BOOK_STATIC", raising=False)
    demo = demos.ALL[name]()
    for control in demo.static:
        spec = demo._specs[control]
        grid = spec.static_grid(DEFAULT_POINTS[len(demo.static)])
        if spec.numeric:
            assert any(math.isclose(v, spec.value, rel_tol=1e-9, abs_tol=1e-9) for v in grid), (
                f"{name}.{control}: default {spec.value:g} is not on the website's grid {grid}")
        else:
            assert spec.value in grid, f"{name}.{control}: default {spec.value!r} is not among {grid}"


def test_measuring_trace_title_follows_the_holding_potential():
    demo = demos.voltage_clamp_iv()
    demo.update(holding_mV=-30)
    assert demo.artists["trace_title"].get_text() == "held at −30 mV"
    demo.update(holding_mV=40)
    assert demo.artists["trace_title"].get_text() == "held at +40 mV"


@pytest.mark.parametrize("values", [dict(), dict(inh_delay_ms=-10.0), dict(inh_distance_um=0.0, e_inh_mV=-90.0),
                                    dict(inh_distance_um=800.0, inh_delay_ms=5.0, e_inh_mV=-50.0)])
def test_ei_readout_peak_is_the_peak_of_the_trace_with_both_inputs(values):
    demo = demos.ei_competition()
    demo.update(**values)
    both = demo.artists["v_both"].get_ydata()
    assert number_after(readout(demo), "peak") == pytest.approx(float(np.max(both)), abs=0.05 + 1e-9)
    assert f"peak {number_text(float(np.max(both)))} mV" in readout(demo)


@pytest.mark.parametrize("lam", [300.0, 816.0, 1600.0, 2400.0])
def test_spatial_alt_text_names_lambda_and_electrotonic_length(lam):
    demo = demos.spatial_summation()
    demo.update(lambda_um=lam)
    big_l = 800.0 / lam  # a sealed dendrite of length 800 µm: L = l / λ
    assert f"length constant {lam:.0f} µm" in demo.alt_text
    assert f"electrotonic length {big_l:.2f}" in demo.alt_text
