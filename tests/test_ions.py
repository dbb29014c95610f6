"""Ion equilibria against textbook tables (neuroscience.md section 1-3) and the formulas themselves."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import constants


@pytest.mark.parametrize("temperature_c, expected_mV", [(6.3, 24.081), (20.0, 25.262), (25.0, 25.693), (37.0, 26.727)])
def test_thermal_voltage_matches_codata_values(temperature_c, expected_mV):
    assert ip.thermal_voltage_mV(temperature_c) == pytest.approx(expected_mV, abs=5e-4)


# (c_out, c_in, z, temperature, expected E in mV, source)
TEXTBOOK_NERNST = [
    (5.0, 140.0, 1, 37.0, -89.06, "Purves Table 2.1 K+, mammalian"),
    (145.0, 5.0, 1, 37.0, 90.0, "Purves Na+ (5 mM in)"),
    (145.0, 15.0, 1, 37.0, 60.6, "Purves Na+ (15 mM in)"),
    (110.0, 4.0, -1, 37.0, -88.6, "Purves Cl- (4 mM in)"),
    (110.0, 30.0, -1, 37.0, -34.7, "Purves Cl- (30 mM in)"),
    (1.0, 0.0001, 2, 37.0, 123.1, "Purves Ca2+"),
    (20.0, 400.0, 1, 20.0, -75.7, "squid K+"),
    (440.0, 50.0, 1, 20.0, 54.9, "squid Na+"),
    (560.0, 52.0, -1, 20.0, -60.0, "Kandel squid Cl-"),
    (4.0, 155.0, 1, 37.0, -97.7, "Hille muscle K+"),
    (27.0, 8.0, -1, 37.0, -32.5, "Hille muscle HCO3-"),
]


@pytest.mark.parametrize("c_out, c_in, z, temperature_c, expected, source", TEXTBOOK_NERNST)
def test_nernst_reproduces_textbook_tables(c_out, c_in, z, temperature_c, expected, source):
    assert ip.nernst(c_out, c_in, z, temperature_c) == pytest.approx(expected, abs=0.06), source


def test_nernst_is_the_formula_and_broadcasts():
    c_in = np.array([4.0, 7.0, 30.0])
    e = ip.nernst(130.0, c_in, -1, 37.0)
    rt_f = 1000 * constants.GAS_CONSTANT_J_PER_MOL_K * 310.15 / constants.FARADAY_C_PER_MOL
    np.testing.assert_allclose(e, -rt_f * np.log(130.0 / c_in), rtol=1e-12)
    assert isinstance(ip.nernst(5.0, 140.0, 1), float)


def test_chloride_sign_flip_and_cl_out_matters():
    # Anions: more outside than inside gives a negative E, unlike cations.
    assert ip.nernst(110.0, 7.0, -1) < 0 < ip.nernst(110.0, 7.0, +1)
    # neuroscience.md warning: [Cl]o 110 vs 130 with [Cl]i 7 at 37 C.
    assert ip.nernst(110.0, 7.0, -1, 37.0) == pytest.approx(-73.6, abs=0.05)
    assert ip.nernst(130.0, 7.0, -1, 37.0) == pytest.approx(-78.1, abs=0.05)


def test_ghk_squid_hodgkin_katz_equals_e_cl():
    p = {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    v = ip.ghk_potential(p, constants.SQUID_OUT_MM, constants.SQUID_IN_MM, temperature_c=20.0)
    assert v == pytest.approx(-59.9, abs=0.05)
    assert v == pytest.approx(ip.nernst(560.0, 52.0, -1, 20.0), abs=0.2)  # Cl- passively distributed


def test_ghk_mammalian_resting_potential():
    v = ip.ghk_potential(
        {"K": 1.0, "Na": 0.04, "Cl": 0.0},
        {"K": 5.0, "Na": 145.0, "Cl": 110.0},
        {"K": 140.0, "Na": 10.0, "Cl": 7.0},
        temperature_c=37.0,
    )
    assert v == pytest.approx(-68.6, abs=0.05)


def test_ghk_single_ion_is_nernst():
    out, inside = constants.MAMMALIAN_OUT_MM, constants.MAMMALIAN_IN_MM
    for ion in ("K", "Na", "Cl", "HCO3"):
        v = ip.ghk_potential({ion: 1.0}, out, inside)
        assert v == pytest.approx(ip.nernst(out[ion], inside[ion], constants.VALENCE[ion]), abs=1e-9)


# neuroscience.md section 3: 37 C, [Cl]o 130, HCO3 16 in / 26 out.
GABA_TABLE = [
    (5.0, 0.2, -74.9),
    (7.0, 0.2, -69.1),
    (25.0, 0.2, -41.9),
    (30.0, 0.2, -37.5),
    (5.0, 0.4, -67.1),
    (7.0, 0.4, -62.8),
    (25.0, 0.4, -40.0),
    (30.0, 0.4, -36.1),
]


@pytest.mark.parametrize("cl_in, ratio, expected", GABA_TABLE)
def test_gaba_reversal_ghk_table(cl_in, ratio, expected):
    assert ip.gaba_reversal(cl_in, 130.0, 16.0, 26.0, ratio, 37.0) == pytest.approx(expected, abs=0.06)


def test_gaba_reversal_is_the_ghk_form_not_a_weighted_average():
    e_cl = ip.nernst(130.0, 7.0, -1)
    e_hco3 = ip.nernst(26.0, 16.0, -1)
    assert e_hco3 == pytest.approx(-13.0, abs=0.05)
    ghk = ip.gaba_reversal(7.0, 130.0, p_hco3_over_p_cl=0.2)
    rt_f = ip.thermal_voltage_mV(37.0)
    assert ghk == pytest.approx(rt_f * math.log((7.0 + 0.2 * 16.0) / (130.0 + 0.2 * 26.0)), abs=1e-12)
    assert abs(ghk - (0.8 * e_cl + 0.2 * e_hco3)) > 3.0  # Jedlicka's form differs by ~4 mV here
    assert ip.gaba_reversal(7.0, 130.0, p_hco3_over_p_cl=0.0) == pytest.approx(e_cl, abs=1e-12)
    # Bicarbonate always pulls E_GABA toward E_HCO3, above E_Cl when E_Cl < E_HCO3.
    assert e_cl < ghk < e_hco3


def test_driving_force_sign_convention():
    assert ip.driving_force(-65.0, -80.0) == 15.0  # positive: outward current (Cl- enters)
    np.testing.assert_array_equal(ip.driving_force(np.array([-90.0, -80.0]), -80.0), [-10.0, 0.0])


@pytest.mark.parametrize(
    "v, mg, expected",
    [
        (-100, 1, 0.0072),
        (-65, 1, 0.0597),
        (-20, 1, 0.508),
        (0, 1, 0.7812),
        (40, 1, 0.977),
        (-65, 2, 0.0308),
        (0, 2, 0.641),
        (40, 2, 0.955),
    ],
)
def test_mg_block_jahr_stevens_table(v, mg, expected):
    assert ip.mg_block(v, mg) == pytest.approx(expected, abs=6e-4)


def test_mg_block_half_block_and_no_magnesium():
    assert ip.mg_block(-20.5, 1.0) == pytest.approx(0.5, abs=2e-3)
    assert ip.mg_block(-80.0, 0.0) == 1.0


def test_ghk_broadcasts_over_permeability_arrays():
    ratios = np.linspace(0.0, 0.2, 5)
    out = {"K": 5.0, "Na": 145.0}
    inside = {"K": 140.0, "Na": 10.0}
    vectorised = ip.ghk_potential({"K": 1.0, "Na": ratios}, out, inside)
    one_by_one = [ip.ghk_potential({"K": 1.0, "Na": r}, out, inside) for r in ratios]
    np.testing.assert_allclose(vectorised, one_by_one, rtol=1e-12)
    assert vectorised[0] == pytest.approx(ip.nernst(5.0, 140.0, 1), abs=1e-9)


def test_argument_order_is_stated_first_and_inside_above_outside_is_valid():
    import warnings

    import ipsplib.chloride as chloride

    assert "OUTSIDE first" in ip.nernst.__doc__.split("\n\n")[0]
    assert "INSIDE first" in ip.gaba_reversal.__doc__.split("\n\n")[0]
    for name in ("chloride_influx_pA", "gaba_reversal_weighted", "simulate_chloride", "cl_in_for_gaba_reversal_mM"):
        assert "Argument order" in getattr(chloride, name).__doc__.split("\n\n")[1], name
    # [Cl-]i > [Cl-]o (a high-Cl- pipette in low-Cl- saline) is a valid state: E_GABA positive, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        swapped = ip.gaba_reversal(130.0, 7.0)
    assert swapped > 0 > ip.gaba_reversal(7.0, 130.0)
    assert swapped == pytest.approx(ip.gaba_reversal(cl_in_mM=130.0, cl_out_mM=7.0))
    # The bicarbonate and [Cl-]o defaults are the constants module's.
    from ipsplib.constants import CL_OUT_ACSF_MM, MAMMALIAN_IN_MM, MAMMALIAN_OUT_MM

    expected = ip.gaba_reversal(7.0, CL_OUT_ACSF_MM, MAMMALIAN_IN_MM["HCO3"], MAMMALIAN_OUT_MM["HCO3"])
    assert chloride.cl_in_for_gaba_reversal_mM(expected, CL_OUT_ACSF_MM) == pytest.approx(7.0)
