"""The chloride_homeostasis demo plots what ipsplib computes for its control values.

Conditions of the demo: 37 °C, [Cl-]o 130 mM, HCO3- 16 / 26 mM, Na+ 10 / 145 mM, K+ 140 / 5 mM,
NKCC1 + KCC2 = 10 nS, Cl- leak 1 nS at V = -70 mV.
"""

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import chloride
from ipsplib.demos import chloride as chloride_demo

CL_OUT, T_C = 130.0, 37.0


@pytest.fixture(scope="module")
def demo():
    return chloride_demo.chloride_homeostasis()


def expected(share_pct, p):
    """Independent of the demo: coefficients from the share, then ipsplib."""
    g_kcc2 = 10.0 * share_pct / 100.0
    cl_in = chloride.chloride_steady_state(10.0 - g_kcc2, g_kcc2, 1.0, -70.0, CL_OUT, temperature_c=T_C)
    e_cl = ip.nernst(CL_OUT, cl_in, -1, T_C)
    return cl_in, e_cl, ip.gaba_reversal(cl_in, CL_OUT, p_hco3_over_p_cl=p, temperature_c=T_C)


def test_registered():
    from ipsplib import demos

    assert demos.ALL["chloride_homeostasis"] is chloride_demo.chloride_homeostasis


def test_defaults_are_the_mature_preset(demo):
    assert demo.values == {"kcc2_share_pct": pytest.approx(90.0), "p_hco3_over_p_cl": pytest.approx(0.2)}
    cl_mature = chloride.chloride_steady_state(**chloride.PRESETS["mature"], cl_out_mM=CL_OUT)
    assert f"[Cl⁻]ᵢ = {cl_mature:.1f} mM" in demo.alt_text


@pytest.mark.parametrize("share, p", [(90.0, 0.2), (35.0, 0.2), (0.0, 0.0), (100.0, 0.5), (62.0, 0.37)])
def test_plotted_data_equal_ipsplib(demo, share, p):
    demo.update(kcc2_share_pct=share, p_hco3_over_p_cl=p)
    cl_in, e_cl, e_gaba = expected(share, p)

    # left panel: curves over the share axis, and the current point
    x, y = demo.artists["e_cl_curve"].get_data()
    np.testing.assert_allclose(x, np.linspace(0.0, 100.0, 201))
    np.testing.assert_allclose(y, [expected(s, p)[1] for s in x], atol=1e-9)
    x, y = demo.artists["e_gaba_curve"].get_data()
    np.testing.assert_allclose(y, [expected(s, p)[2] for s in x], atol=1e-9)
    assert demo.artists["e_cl_point"].get_data()[1][0] == pytest.approx(e_cl, abs=1e-9)
    assert demo.artists["e_gaba_point"].get_data()[1][0] == pytest.approx(e_gaba, abs=1e-9)

    # right panel: E_GABA against P at this [Cl-]i, GHK and both weighted forms
    x, y = demo.artists["p_ghk"].get_data()
    np.testing.assert_allclose(y, ip.gaba_reversal(cl_in, CL_OUT, p_hco3_over_p_cl=x), atol=1e-9)
    _, y = demo.artists["p_jedlicka"].get_data()
    np.testing.assert_allclose(y, chloride.gaba_reversal_weighted(cl_in, CL_OUT, p_hco3=x), atol=1e-9)
    _, y = demo.artists["p_lombardi"].get_data()
    np.testing.assert_allclose(y, chloride.gaba_reversal_weighted(cl_in, CL_OUT, p_hco3=x, form="lombardi"),
                               atol=1e-9)
    _, y = demo.artists["p_e_cl"].get_data()
    np.testing.assert_allclose(y, e_cl, atol=1e-9)
    assert demo.artists["p_point"].get_data() == ([p], [pytest.approx(e_gaba, abs=1e-9)])

    # the numbers in the alt text and the readout are these
    for text in (demo.alt_text, demo.artists["readout"].get_text()):
        assert f"[Cl⁻]ᵢ = {cl_in:.1f} mM" in text
    assert f"the GABA-A reversal potential, {e_gaba:.1f} mV".replace("-", "−").replace("GABA−A", "GABA-A") \
        in demo.alt_text
    readout = demo.artists["readout"].get_text()
    assert f"$E_\\mathrm{{GABA}}$ = {e_gaba:.1f} mV".replace("-", "−") in readout
    assert f"$E_\\mathrm{{Cl}}$ = {e_cl:.1f} mV".replace("-", "−") in readout


def test_presets_are_marked_where_the_presets_put_them(demo):
    demo.update(p_hco3_over_p_cl=0.3)
    x, y = demo.artists["presets"].get_data()
    for name, share, e_marked in zip(("immature", "mature"), x, y, strict=True):
        params = chloride.PRESETS[name]
        assert share == pytest.approx(100 * params["g_kcc2_nS"] / (params["g_nkcc1_nS"] + params["g_kcc2_nS"]))
        cl_in = chloride.chloride_steady_state(**params, cl_out_mM=CL_OUT)
        assert e_marked == pytest.approx(ip.gaba_reversal(cl_in, CL_OUT, p_hco3_over_p_cl=0.3), abs=1e-9)


def test_effect_is_classified_against_rest_and_threshold(demo):
    demo.update(kcc2_share_pct=35.0, p_hco3_over_p_cl=0.2)        # immature: E_GABA about -38 mV
    assert "excitatory" in demo.alt_text
    demo.update(kcc2_share_pct=100.0, p_hco3_over_p_cl=0.0)       # E_GABA = E_Cl, far below rest
    assert "hyperpolarizes" in demo.alt_text
    share_between = next(s for s in range(0, 101) if -70.0 + 0.5 < expected(s, 0.2)[2] < -50.0)
    demo.update(kcc2_share_pct=float(share_between), p_hco3_over_p_cl=0.2)
    assert "still inhibits" in demo.alt_text


def test_axes_do_not_rescale(demo):
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in demo.figure.axes]
    for share in (0.0, 50.0, 100.0):
        demo.update(kcc2_share_pct=share, p_hco3_over_p_cl=0.5)
        assert [(ax.get_xlim(), ax.get_ylim()) for ax in demo.figure.axes] == limits
    for ax in demo.figure.axes:
        assert "(" in ax.get_xlabel() and "(mV)" in ax.get_ylabel()
