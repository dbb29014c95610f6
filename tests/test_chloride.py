"""Tests of ipsplib.chloride: NKCC1/KCC2/channel chloride balance and E_GABA approximations.

Every test states its temperature and [Cl-]o; defaults are 37 °C, [Cl-]o = 130 mM,
Na+ 10 / 145 mM and K+ 140 / 5 mM (in / out).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ipsplib as ip
from ipsplib import chloride
from ipsplib.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, ZERO_CELSIUS_K

T_C = 37.0
CL_OUT = 130.0
NA_IN, NA_OUT, K_IN, K_OUT = 10.0, 145.0, 140.0, 5.0

conductance = st.floats(min_value=0.0, max_value=100.0)
positive_g = st.floats(min_value=0.01, max_value=100.0)
voltage = st.floats(min_value=-120.0, max_value=40.0)
cl_conc = st.floats(min_value=0.5, max_value=120.0)


def rt_over_f_mV(temperature_c=T_C):
    return 1000.0 * GAS_CONSTANT_J_PER_MOL_K * (temperature_c + ZERO_CELSIUS_K) / FARADAY_C_PER_MOL


# --- transporter equilibria -------------------------------------------------------------------


def test_nkcc1_reversal_is_mean_of_e_na_and_e_k():
    e_na = ip.nernst(NA_OUT, NA_IN, 1, T_C)
    e_k = ip.nernst(K_OUT, K_IN, 1, T_C)
    assert chloride.nkcc1_reversal_mV(NA_IN, NA_OUT, K_IN, K_OUT, T_C) == pytest.approx((e_na + e_k) / 2)
    assert chloride.nkcc1_reversal_mV() == pytest.approx(-8.79, abs=0.01)  # 37 °C, Purves Na+/K+


def test_nkcc1_cycle_free_energy_vanishes_at_its_reversal():
    """At E_Cl = E_NKCC1, [Na]o[K]o[Cl]o^2 = [Na]i[K]i[Cl]i^2: no free energy to drive transport."""
    e = chloride.nkcc1_reversal_mV(NA_IN, NA_OUT, K_IN, K_OUT, 25.0)
    cl_in = CL_OUT * math.exp(e / rt_over_f_mV(25.0))  # E_Cl = (RT/F) ln(Cl_i / Cl_o) for z = -1
    assert NA_OUT * K_OUT * CL_OUT**2 == pytest.approx(NA_IN * K_IN * cl_in**2, rel=1e-12)


def test_kcc2_reversal_is_e_k():
    assert chloride.kcc2_reversal_mV(K_IN, K_OUT, T_C) == ip.nernst(K_OUT, K_IN, 1, T_C)
    assert chloride.kcc2_reversal_mV() == pytest.approx(-89.06, abs=0.01)
    # Raising [K+]o (as during intense activity) raises the floor KCC2 can reach.
    assert chloride.kcc2_reversal_mV(k_out_mM=10.0) > chloride.kcc2_reversal_mV(k_out_mM=5.0)


# --- fluxes -------------------------------------------------------------------------------------


@given(cl_conc, voltage)
def test_flux_of_each_pathway_follows_its_free_energy(cl_in, v):
    """Independent check of each term from the cycle free energies written as logarithms."""
    vt = rt_over_f_mV()
    flux = chloride.chloride_influx_pA(cl_in, v, 2.0, 3.0, 0.5, CL_OUT)
    # NKCC1: influx of Cl- (charge units) = g * (per-Cl free energy / F) = g (RT/2F) ln(NaoKoClo^2 / NaiKiCli^2)
    nkcc1 = 2.0 * vt / 2 * math.log(NA_OUT * K_OUT * CL_OUT**2 / (NA_IN * K_IN * cl_in**2))
    # KCC2 efflux is driven by RT ln(KiCli / KoClo) per Cl-; influx is minus that.
    kcc2 = -3.0 * vt * math.log(K_IN * cl_in / (K_OUT * CL_OUT))
    channels = 0.5 * (v - vt * math.log(cl_in / CL_OUT))
    assert flux["nkcc1"] == pytest.approx(nkcc1, abs=1e-9)
    assert flux["kcc2"] == pytest.approx(kcc2, abs=1e-9)
    assert flux["channels"] == pytest.approx(channels, abs=1e-9)
    assert flux["total"] == pytest.approx(nkcc1 + kcc2 + channels, abs=1e-9)


def test_signs_nkcc1_loads_kcc2_extrudes_in_a_mature_cell():
    flux = chloride.chloride_influx_pA(
        7.0, -70.0, **{k: v for k, v in chloride.PRESETS["mature"].items() if k != "v_mV"}
    )
    assert flux["nkcc1"] > 0 > flux["kcc2"]
    assert flux["channels"] > 0  # V = -70 above E_Cl = -78.1 mV: Cl- enters (outward current)


@settings(max_examples=200)
@given(conductance, conductance, positive_g, voltage)
def test_no_net_flux_at_steady_state(g_n, g_k, g_c, v):
    cl_ss = chloride.chloride_steady_state(g_n, g_k, g_c, v, CL_OUT)
    flux = chloride.chloride_influx_pA(cl_ss, v, g_n, g_k, g_c, CL_OUT)
    scale = g_n + g_k + g_c
    assert flux["total"] == pytest.approx(0.0, abs=1e-9 * scale * 100)


@given(conductance, conductance, positive_g, voltage)
def test_steady_state_lies_between_the_pathway_equilibria(g_n, g_k, g_c, v):
    e = chloride.steady_state_e_cl_mV(g_n, g_k, g_c, v)
    bounds = [chloride.nkcc1_reversal_mV(), chloride.kcc2_reversal_mV(), v]
    assert min(bounds) - 1e-9 <= e <= max(bounds) + 1e-9


def test_kcc2_cannot_push_e_cl_below_e_k():
    e_k = chloride.kcc2_reversal_mV()
    for g_kcc2 in (1.0, 10.0, 1e3, 1e6):
        assert chloride.steady_state_e_cl_mV(0.1, g_kcc2, 1.0, -70.0) > e_k
    assert chloride.steady_state_e_cl_mV(0.0, 1e9, 1.0, -70.0) == pytest.approx(e_k, abs=1e-6)


def test_more_kcc2_means_less_chloride():
    g_kcc2 = np.linspace(0.0, 20.0, 41)
    cl = chloride.chloride_steady_state(1.0, g_kcc2, 1.0, -70.0, CL_OUT)
    assert np.all(np.diff(cl) < 0)


def test_channels_alone_give_passive_distribution():
    """With no transport, Cl- distributes passively: E_Cl = V."""
    cl = chloride.chloride_steady_state(0.0, 0.0, 2.0, -60.0, 110.0, temperature_c=20.0)
    assert ip.nernst(110.0, cl, -1, 20.0) == pytest.approx(-60.0, abs=1e-9)


def test_steady_state_e_cl_does_not_depend_on_cl_out_but_cl_in_scales_with_it():
    e_110 = ip.nernst(110.0, chloride.chloride_steady_state(1.0, 9.0, 1.0, -70.0, 110.0), -1)
    e_130 = ip.nernst(130.0, chloride.chloride_steady_state(1.0, 9.0, 1.0, -70.0, 130.0), -1)
    assert e_110 == pytest.approx(e_130, abs=1e-9)
    ratio = chloride.chloride_steady_state(1.0, 9.0, 1.0, -70.0, 130.0) / chloride.chloride_steady_state(
        1.0, 9.0, 1.0, -70.0, 110.0
    )
    assert ratio == pytest.approx(130.0 / 110.0)


def test_presets_fall_in_the_measured_ranges():
    """37 °C, [Cl-]o 130 mM: immature 13-70 mM (Lombardi et al. 2018), mature 4-7 mM (Kaila et al. 2014)."""
    immature = chloride.chloride_steady_state(**chloride.PRESETS["immature"], cl_out_mM=CL_OUT)
    mature = chloride.chloride_steady_state(**chloride.PRESETS["mature"], cl_out_mM=CL_OUT)
    assert 13.0 <= immature <= 70.0
    assert 4.0 <= mature <= 7.0
    assert ip.gaba_reversal(immature, CL_OUT) > -50.0 > -70.0 > ip.gaba_reversal(mature, CL_OUT) - 1.0


def test_broadcasting_over_arrays():
    g = np.array([0.5, 1.0, 2.0])
    e = chloride.steady_state_e_cl_mV(1.0, g, 1.0, -70.0)
    assert e.shape == (3,)
    for gi, ei in zip(g, e, strict=True):
        assert chloride.steady_state_e_cl_mV(1.0, float(gi), 1.0, -70.0) == pytest.approx(ei)


# --- dynamics -----------------------------------------------------------------------------------


def test_time_constant_value_and_scaling():
    # tau = F vol [Cl] / ((RT/F) g): 96485 C/mol * 1e-12 L * 7e-3 mol/L / (26.727e-3 V * 1e-9 S) = 25.3 s
    tau = chloride.chloride_time_constant_ms(7.0, 1000.0, 1.0, T_C)
    expected_s = FARADAY_C_PER_MOL * 1e-12 * 7e-3 / (rt_over_f_mV() * 1e-3 * 1e-9)
    assert tau / 1000.0 == pytest.approx(expected_s, rel=1e-12)
    assert chloride.chloride_time_constant_ms(7.0, 10.0, 1.0) == pytest.approx(tau / 100.0)
    assert chloride.chloride_time_constant_ms(7.0, 1000.0, 2.0) == pytest.approx(tau / 2.0)


def test_simulation_relaxes_to_the_steady_state():
    p = chloride.PRESETS["mature"]
    t = np.arange(0.0, 200_000.0, 20.0)
    cl = chloride.simulate_chloride(t, 25.0, 1000.0, **p, cl_out_mM=CL_OUT)
    assert cl[0] == 25.0
    assert np.all(np.diff(cl) <= 0)  # monotone decay toward a lower steady state
    assert cl[-1] == pytest.approx(chloride.chloride_steady_state(**p, cl_out_mM=CL_OUT), rel=1e-6)


def test_simulation_initial_rate_matches_the_influx():
    """d[Cl]/dt = influx / (F vol): check the first small step against the flux, directly in SI units."""
    p = dict(g_nkcc1_nS=1.0, g_kcc2_nS=9.0, g_cl_nS=1.0, v_mV=-70.0)
    vol_um3, dt_ms = 50.0, 0.01
    cl = chloride.simulate_chloride(np.array([0.0, dt_ms]), 10.0, vol_um3, **p, cl_out_mM=CL_OUT)
    influx_pA = chloride.chloride_influx_pA(10.0, cl_out_mM=CL_OUT, **p)["total"]
    rate_mM_per_ms = influx_pA * 1e-12 / (FARADAY_C_PER_MOL * vol_um3 * 1e-15)  # mol/(L s) == mM/ms
    assert (cl[1] - cl[0]) / dt_ms == pytest.approx(rate_mM_per_ms, rel=1e-4)


def test_simulation_converges_with_step_size():
    """Coarse and fine steps agree on a GABA-driven loading transient in a small compartment."""
    t_fine = np.arange(0.0, 2000.0 + 1e-9, 0.5)
    t_coarse = t_fine[::20]
    g_cl = lambda t: np.where((t >= 200.0) & (t < 1200.0), 5.0, 0.2)  # noqa: E731  (GABA on for 1 s)
    args = dict(g_nkcc1_nS=0.01, g_kcc2_nS=0.2, v_mV=-60.0, cl_out_mM=CL_OUT)
    fine = chloride.simulate_chloride(t_fine, 6.0, 20.0, g_cl_nS=g_cl(t_fine), **args)
    coarse = chloride.simulate_chloride(t_coarse, 6.0, 20.0, g_cl_nS=g_cl(t_coarse), **args)
    assert fine.max() > 10.0  # it does load appreciably
    assert np.max(np.abs(fine[::20] - coarse)) < 0.05 * fine.max()


def test_chloride_channels_load_toward_v():
    """Strong Cl- conductance at a depolarized V drives E_Cl toward V (Staley & Proctor 1999, qualitatively)."""
    t = np.arange(0.0, 30_000.0, 5.0)
    cl = chloride.simulate_chloride(t, 6.0, 100.0, 0.0, 0.5, 20.0, -55.0, cl_out_mM=CL_OUT)
    e_end = ip.nernst(CL_OUT, cl[-1], -1)
    assert e_end == pytest.approx(chloride.steady_state_e_cl_mV(0.0, 0.5, 20.0, -55.0), abs=0.01)
    assert -60.0 < e_end < -55.0


# --- E_GABA approximations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cl_in, jedlicka, lombardi", [(5.0, -72.3, -74.7), (7.0, -65.1, -67.2), (25.0, -37.9, -38.9), (30.0, -34.0, -34.8)]
)
def test_weighted_forms_reproduce_the_reference_table(cl_in, jedlicka, lombardi):
    """neuroscience.md section 3 (37 °C, [Cl-]o 130 mM, HCO3- 16 / 26 mM, P = 0.2); the table rounded
    E_Cl and E_HCO3 to 0.1 mV before weighting, hence the 0.1 mV tolerance."""
    assert chloride.gaba_reversal_weighted(cl_in, CL_OUT, form="jedlicka") == pytest.approx(jedlicka, abs=0.1)
    assert chloride.gaba_reversal_weighted(cl_in, CL_OUT, form="lombardi") == pytest.approx(lombardi, abs=0.1)


@settings(max_examples=25, deadline=None)
@given(cl_conc, st.floats(min_value=0.0, max_value=1.0))
def test_weighted_forms_are_where_chord_conductances_in_parallel_hold_a_membrane(cl_in, p):
    """Independent of the formulas: two chord conductances at E_Cl and E_HCO3 as tonic conductances of a cell
    with a negligible leak; a long simulation settles where their currents cancel.

    Jedlicka: g_Cl = 1 - P, g_HCO3 = P (P a fraction); Lombardi: g_Cl = 1, g_HCO3 = P (P a ratio).
    """
    e_cl, e_hco3 = ip.nernst(c_out_mM=CL_OUT, c_in_mM=cl_in, z=-1), ip.nernst(c_out_mM=26.0, c_in_mM=16.0, z=-1)
    tiny_leak = ip.Cell(c_m_pF=1.0, g_leak_nS=1e-9, e_leak_mV=0.0)
    for form, pair in (("jedlicka", (1.0 - p, p)), ("lombardi", (1.0, p))):
        if sum(pair) == 0.0:
            continue
        trace = ip.simulate(tiny_leak, [], 50.0, dt_ms=0.5, conductances=[(pair[0], e_cl), (pair[1], e_hco3)])
        settled = trace.v_mV[-1]
        assert chloride.gaba_reversal_weighted(cl_in, CL_OUT, p_hco3=p, form=form) == pytest.approx(settled, abs=1e-6)


def test_lombardi_form_is_the_reversal_of_two_parallel_chord_conductances():
    """g_Cl = 1, g_HCO3 = P in parallel: V where the two currents cancel (via ipsplib.steady_state)."""
    e_cl, e_hco3, p = ip.nernst(CL_OUT, 7.0, -1), ip.nernst(26.0, 16.0, -1), 0.2
    tiny_leak = ip.Cell(c_m_pF=1.0, g_leak_nS=1e-12, e_leak_mV=0.0)
    v = ip.steady_state(tiny_leak, [(1.0, e_cl), (p, e_hco3)])
    assert chloride.gaba_reversal_weighted(7.0, CL_OUT, p_hco3=p, form="lombardi") == pytest.approx(v, abs=1e-6)


def test_weighted_forms_differ_from_ghk():
    for cl_in in (5.0, 7.0, 25.0):
        ghk = ip.gaba_reversal(cl_in, CL_OUT, p_hco3_over_p_cl=0.2)
        for form in chloride.WEIGHTED_FORMS:
            approx = chloride.gaba_reversal_weighted(cl_in, CL_OUT, p_hco3=0.2, form=form)
            assert abs(approx - ghk) > 0.1
    # All three reduce to E_Cl without bicarbonate.
    e_cl = ip.nernst(CL_OUT, 7.0, -1)
    assert ip.gaba_reversal(7.0, CL_OUT, p_hco3_over_p_cl=0.0) == pytest.approx(e_cl)
    for form in chloride.WEIGHTED_FORMS:
        assert chloride.gaba_reversal_weighted(7.0, CL_OUT, p_hco3=0.0, form=form) == pytest.approx(e_cl)


@given(cl_conc, st.floats(min_value=0.0, max_value=0.6), st.floats(min_value=15.0, max_value=40.0))
def test_cl_in_for_gaba_reversal_inverts_ghk(cl_in, r, t_c):
    e = ip.gaba_reversal(cl_in, CL_OUT, p_hco3_over_p_cl=r, temperature_c=t_c)
    back = chloride.cl_in_for_gaba_reversal_mM(e, CL_OUT, p_hco3_over_p_cl=r, temperature_c=t_c)
    assert back == pytest.approx(cl_in, rel=1e-9)


def test_cl_in_for_gaba_reversal_floor():
    with pytest.raises(ValueError, match="e_gaba_mV must be >"):
        chloride.cl_in_for_gaba_reversal_mM(-120.0, CL_OUT, p_hco3_over_p_cl=0.2)
    # Without bicarbonate any potential is reachable.
    assert chloride.cl_in_for_gaba_reversal_mM(-120.0, CL_OUT, p_hco3_over_p_cl=0.0) > 0


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: chloride.steady_state_e_cl_mV(-1.0, 1.0, 1.0, -70.0), "g_nkcc1_nS must be >= 0 nS"),
        (lambda: chloride.steady_state_e_cl_mV(1.0, -1.0, 1.0, -70.0), "g_kcc2_nS must be >= 0 nS"),
        (lambda: chloride.steady_state_e_cl_mV(1.0, 1.0, float("nan"), -70.0), "g_cl_nS must be finite"),
        (lambda: chloride.steady_state_e_cl_mV(0.0, 0.0, 0.0, -70.0), "must be > 0 nS"),
        (lambda: chloride.chloride_steady_state(1.0, 1.0, 1.0, -70.0, cl_out_mM=0.0), "cl_out_mM must be > 0 mM"),
        (lambda: chloride.nkcc1_reversal_mV(na_in_mM=-1.0), "c_in_mM must be > 0 mM"),
        (lambda: chloride.chloride_influx_pA(0.0, -70.0, 1.0, 1.0, 1.0), "c_in_mM must be > 0 mM"),
        (lambda: chloride.chloride_time_constant_ms(7.0, 0.0, 1.0), "volume_um3 must be > 0"),
        (lambda: chloride.chloride_time_constant_ms(7.0, 1.0, 0.0), "g_total_nS must be > 0 nS"),
        (lambda: chloride.simulate_chloride([0.0, 1.0, 1.0], 7.0, 1.0, 1.0, 1.0, 1.0, -70.0), "strictly increasing"),
        (lambda: chloride.simulate_chloride([0.0, 1.0], 7.0, 1.0, 0.0, 0.0, 0.0, -70.0), "must be > 0 nS"),
        (lambda: chloride.gaba_reversal_weighted(7.0, 130.0, form="ghk"), "form must be one of"),
        (lambda: chloride.gaba_reversal_weighted(7.0, 130.0, p_hco3=1.5), "p_hco3 must be <= 1"),
        (lambda: chloride.gaba_reversal_weighted(7.0, 130.0, p_hco3=-0.1, form="lombardi"), "p_hco3 must be >= 0"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_lombardi_accepts_p_above_one():
    assert chloride.gaba_reversal_weighted(7.0, 130.0, p_hco3=1.5, form="lombardi") < 0
