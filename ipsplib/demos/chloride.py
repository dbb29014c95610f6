"""Chloride homeostasis demo: the NKCC1/KCC2 balance and bicarbonate set E_GABA.

The share of KCC2 in a fixed total of cation-chloride cotransport sets the
steady-state [Cl⁻]ᵢ (`ipsplib.chloride.chloride_steady_state`), hence E_Cl and,
with the bicarbonate permeability ratio, E_GABA (`ipsplib.gaba_reversal`, GHK).
The right panel compares that GHK E_GABA with the two conductance-weighted
approximations used in models (`ipsplib.chloride.gaba_reversal_weighted`).
The immature and mature parameter sets of `ipsplib.chloride.PRESETS` are marked.

Examples
--------
>>> d = chloride_homeostasis()
>>> d.update(kcc2_share_pct=35.0)          # the immature balance
>>> "excitatory" in d.alt_text or "depolarizing" in d.alt_text
True
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..chloride import (
    PRESETS,
    chloride_steady_state,
    gaba_reversal_weighted,
    kcc2_reversal_mV,
    nkcc1_reversal_mV,
    steady_state_e_cl_mV,
)
from ..constants import CL_OUT_ACSF_MM
from ..ions import gaba_reversal
from ..plotting import number_text as _mv
from ._base import Control, Demo, register

#: NKCC1 + KCC2 coefficients, nS (as in both presets).
TOTAL_TRANSPORT_NS = PRESETS["mature"]["g_nkcc1_nS"] + PRESETS["mature"]["g_kcc2_nS"]
#: Resting Cl⁻ conductance, nS, and membrane potential, mV (as in the presets).
G_CL_NS = PRESETS["mature"]["g_cl_nS"]
V_REST_MV = PRESETS["mature"]["v_mV"]
#: Firing threshold marked on the figure, mV.
V_THRESHOLD_MV = -50.0
CL_OUT_MM = CL_OUT_ACSF_MM
TEMPERATURE_C = 37.0
#: KCC2 share of cotransport (%) of each preset.
PRESET_SHARE_PCT = {name: 100.0 * p["g_kcc2_nS"] / (p["g_nkcc1_nS"] + p["g_kcc2_nS"]) for name, p in PRESETS.items()}
SHARE_GRID_PCT = np.linspace(0.0, 100.0, 201)
P_GRID = np.linspace(0.0, 0.5, 101)
Y_LIMITS_MV = (-125.0, 10.0)


def _coefficients(share_pct):
    g_kcc2 = TOTAL_TRANSPORT_NS * np.asarray(share_pct, dtype=float) / 100.0
    return TOTAL_TRANSPORT_NS - g_kcc2, g_kcc2


def balance(kcc2_share_pct, p_hco3_over_p_cl):
    """[Cl⁻]ᵢ (mM), E_Cl and E_GABA (mV) for a KCC2 share (%) and permeability ratio, via ipsplib."""
    g_nkcc1, g_kcc2 = _coefficients(kcc2_share_pct)
    cell = dict(g_nkcc1_nS=g_nkcc1, g_kcc2_nS=g_kcc2, g_cl_nS=G_CL_NS, v_mV=V_REST_MV, temperature_c=TEMPERATURE_C)
    e_cl = steady_state_e_cl_mV(**cell)
    cl_in = chloride_steady_state(**cell, cl_out_mM=CL_OUT_MM)
    e_gaba = gaba_reversal(
        cl_in_mM=cl_in, cl_out_mM=CL_OUT_MM, p_hco3_over_p_cl=p_hco3_over_p_cl, temperature_c=TEMPERATURE_C
    )
    return cl_in, e_cl, e_gaba


def _effect(e_gaba: float) -> str:
    if e_gaba >= V_THRESHOLD_MV:
        return "above threshold, so GABA is excitatory"
    if e_gaba > V_REST_MV + 0.5:
        return "between rest and threshold: GABA depolarizes yet still inhibits"
    if e_gaba >= V_REST_MV - 0.5:
        return "at rest: GABA is silent and shunts"
    return "below rest: GABA hyperpolarizes"


E_CL, E_GABA = r"$E_\mathrm{Cl}$", r"$E_\mathrm{GABA}$"


class ChlorideHomeostasis(Demo):
    title = "Chloride homeostasis: NKCC1, KCC2 and bicarbonate set the GABA-A reversal potential"
    model = (
        f"Model cell: NKCC1 + KCC2 = {TOTAL_TRANSPORT_NS:g} nS of cotransport, a {G_CL_NS:g} nS Cl⁻ leak, "
        f"rest {_mv(V_REST_MV, 0)} mV, threshold {_mv(V_THRESHOLD_MV, 0)} mV, [Cl⁻]ₒ {CL_OUT_MM:g} mM, "
        f"{TEMPERATURE_C:g} °C."
    )
    figsize_in = (7.0, 8.6)

    def build(self):
        ax_s, ax_p = self.figure.subplots(2, 1)
        colors, ions = plotting.COLORS, plotting.ION_COLORS
        e_k = kcc2_reversal_mV(temperature_c=TEMPERATURE_C)
        e_nkcc1 = nkcc1_reversal_mV(temperature_c=TEMPERATURE_C)

        # top: steady state against the KCC2 share
        ax_s.set(xlim=(0.0, 100.0), ylim=Y_LIMITS_MV)
        plotting.label(ax_s, "KCC2 share of cotransport (%)", "e")
        for value, text, color, style, x, ha, va in [
            (
                e_nkcc1,
                r"NKCC1 limit $(E_\mathrm{Na}+E_\mathrm{K})/2$ " + _mv(e_nkcc1),
                colors["leak"],
                "--",
                0.99,
                "right",
                "bottom",
            ),
            (e_k, r"KCC2 limit $E_\mathrm{K}$ " + _mv(e_k), ions["K"], "--", 0.99, "right", "top"),
            (V_REST_MV, f"rest {_mv(V_REST_MV)}", colors["leak"], ":", 0.01, "left", "bottom"),
            (V_THRESHOLD_MV, f"threshold {_mv(V_THRESHOLD_MV)}", colors["threshold"], ":", 0.01, "left", "bottom"),
        ]:
            ax_s.axhline(value, color=color, linestyle=style, linewidth=1.0)
            ax_s.text(x, value, text, transform=ax_s.get_yaxis_transform(), color=color, ha=ha, va=va)
        for name, share in PRESET_SHARE_PCT.items():
            ax_s.axvline(share, color=colors["leak"], linestyle=":", linewidth=1.0)
            ax_s.text(
                share,
                0.99,
                name,
                transform=ax_s.get_xaxis_transform(),
                ha="center",
                va="top",
                color=colors["leak"],
                bbox=dict(facecolor="white", edgecolor="none", pad=1),
            )
        (self.artists["e_cl_curve"],) = ax_s.plot([], [], color=ions["Cl"], label=E_CL)
        (self.artists["e_gaba_curve"],) = ax_s.plot(
            [], [], color=colors["membrane"], linestyle="-.", label=f"{E_GABA} (GHK)"
        )
        (self.artists["presets"],) = ax_s.plot([], [], "o", color=colors["membrane"], mfc="white", markersize=6)
        (self.artists["e_cl_point"],) = ax_s.plot([], [], "o", color=ions["Cl"], markersize=8)
        (self.artists["e_gaba_point"],) = ax_s.plot([], [], "D", color=colors["membrane"], markersize=7)
        ax_s.legend(loc="lower left", bbox_to_anchor=(0.0, 0.12))

        # bottom: E_GABA against the permeability ratio, GHK and the weighted approximations
        ax_p.set(xlim=(0.0, 0.5), ylim=Y_LIMITS_MV)
        plotting.label(ax_p, r"$P_\mathrm{HCO_3}/P_\mathrm{Cl}$ (ratio)", "e")
        (self.artists["p_e_cl"],) = ax_p.plot([], [], color=ions["Cl"], linewidth=1.0, label=E_CL)
        (self.artists["p_ghk"],) = ax_p.plot([], [], color=colors["membrane"], linestyle="-.", label="GHK")
        (self.artists["p_jedlicka"],) = ax_p.plot(
            [], [], color=colors["slow"], linestyle="--", label=r"$(1-P)E_\mathrm{Cl} + P E_\mathrm{HCO_3}$"
        )
        (self.artists["p_lombardi"],) = ax_p.plot(
            [], [], color=colors["reference"], linestyle=":", label=r"$(E_\mathrm{Cl} + P E_\mathrm{HCO_3})/(1+P)$"
        )
        (self.artists["p_point"],) = ax_p.plot([], [], "D", color=colors["membrane"], markersize=7)
        ax_p.legend(loc="lower right", ncols=2, columnspacing=0.8, handlelength=1.6)
        self.artists["p_title"] = ax_p.set_title("")
        self.artists["readout"] = self.figure.suptitle("")

    def render(self, kcc2_share_pct, p_hco3_over_p_cl):
        share, p = float(kcc2_share_pct), float(p_hco3_over_p_cl)
        # top panel
        _, e_cl_grid, e_gaba_grid = balance(SHARE_GRID_PCT, p)
        self.artists["e_cl_curve"].set_data(SHARE_GRID_PCT, e_cl_grid)
        self.artists["e_gaba_curve"].set_data(SHARE_GRID_PCT, e_gaba_grid)
        preset_shares = np.array(list(PRESET_SHARE_PCT.values()))
        self.artists["presets"].set_data(preset_shares, balance(preset_shares, p)[2])
        cl_in, e_cl, e_gaba = balance(share, p)
        self.artists["e_cl_point"].set_data([share], [e_cl])
        self.artists["e_gaba_point"].set_data([share], [e_gaba])
        # bottom panel, at this [Cl-]i
        kwargs = dict(cl_in_mM=cl_in, cl_out_mM=CL_OUT_MM, temperature_c=TEMPERATURE_C)
        self.artists["p_e_cl"].set_data(P_GRID, np.full(P_GRID.shape, e_cl))
        self.artists["p_ghk"].set_data(P_GRID, gaba_reversal(p_hco3_over_p_cl=P_GRID, **kwargs))
        jedlicka = gaba_reversal_weighted(p_hco3=P_GRID, form="jedlicka", **kwargs)
        lombardi = gaba_reversal_weighted(p_hco3=P_GRID, form="lombardi", **kwargs)
        self.artists["p_jedlicka"].set_data(P_GRID, jedlicka)
        self.artists["p_lombardi"].set_data(P_GRID, lombardi)
        self.artists["p_point"].set_data([p], [e_gaba])
        self.artists["p_title"].set_text(f"At [Cl⁻]ᵢ = {cl_in:.1f} mM")
        self.artists["readout"].set_text(
            f"KCC2 {share:.0f} % → [Cl⁻]ᵢ = {cl_in:.1f} mM\n{E_CL} = {_mv(e_cl)} mV, {E_GABA} = {_mv(e_gaba)} mV"
        )
        e_j = float(gaba_reversal_weighted(p_hco3=p, form="jedlicka", **kwargs))
        e_l = float(gaba_reversal_weighted(p_hco3=p, form="lombardi", **kwargs))
        return (
            f"With KCC2 carrying {share:.0f} % of a {TOTAL_TRANSPORT_NS:g} nS cotransport and NKCC1 the rest, "
            f"a {G_CL_NS:g} nS Cl⁻ leak at {_mv(V_REST_MV)} mV, [Cl⁻]ₒ {CL_OUT_MM:g} mM and "
            f"{TEMPERATURE_C:g} °C, the steady state is [Cl⁻]ᵢ = {cl_in:.1f} mM and the chloride reversal "
            f"potential is {_mv(e_cl)} mV. With a bicarbonate-to-chloride permeability ratio of {p:.2f}, GHK "
            f"gives the GABA-A reversal potential, {_mv(e_gaba)} mV, {_effect(e_gaba)}. The weighted "
            f"approximations give {_mv(e_j)} mV ((1−P) form) and {_mv(e_l)} mV ((1+P) form). "
            f"Marked: immature ({PRESET_SHARE_PCT['immature']:.0f} %) and mature "
            f"({PRESET_SHARE_PCT['mature']:.0f} %) balances."
        )


@register("chloride_homeostasis")
def chloride_homeostasis() -> ChlorideHomeostasis:
    """KCC2 : NKCC1 balance and P_HCO3/P_Cl -> steady-state [Cl⁻]ᵢ -> E_Cl and E_GABA."""
    return ChlorideHomeostasis(
        controls=[
            Control(
                "kcc2_share_pct",
                "KCC2 share of cotransport (%)",
                min=0.0,
                max=100.0,
                step=1.0,
                value=PRESET_SHARE_PCT["mature"],
                static_values=(0, 10, 20, 35, 50, 65, 80, 90, 100),
            ),
            Control(
                "p_hco3_over_p_cl",
                "HCO₃⁻ : Cl⁻ permeability (ratio)",
                min=0.0,
                max=0.5,
                step=0.01,
                value=0.2,
                static_values=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5),
            ),
        ],
        static=("kcc2_share_pct", "p_hco3_over_p_cl"),
    )
