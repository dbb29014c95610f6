"""Ion demos: the Nernst explorer and the GHK resting potential.

`nernst_explorer`: concentrations inside and outside, valence and temperature
give an equilibrium potential (`ipsplib.nernst`), drawn on the curve
E = (RT/zF) ln([X]o/[X]i) with the textbook ions of a mammalian neuron marked.

`ghk_resting`: the resting potential from the Goldman-Hodgkin-Katz equation
(`ipsplib.ghk_potential`) against the permeability ratios P_Na/P_K and
P_Cl/P_K, with E_K, E_Na and E_Cl marked.

Examples
--------
>>> d = nernst_explorer()
>>> d.alt_text.split(";")[0]
'[X]ₒ = 5 mM, [X]ᵢ = 140 mM, z = +1, 37 °C: E = −89.1 mV'
>>> g = ghk_resting()
>>> g.update(p_na_over_p_k=1.0, p_cl_over_p_k=0.0)
>>> "V_rest = 0.0 mV" in g.alt_text       # equal Na and K permeability: the gradients cancel
True
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import LogLocator, NullFormatter

from .. import plotting
from ..constants import MAMMALIAN_IN_MM, MAMMALIAN_OUT_MM, VALENCE
from ..ions import ghk_potential, nernst
from ..plotting import number_text as _mv
from ._base import Control, Demo, register

#: The ions the book marks, with their printed names.
ION_NAMES = {"K": "K⁺", "Na": "Na⁺", "Cl": "Cl⁻", "HCO3": "HCO₃⁻", "Ca": "Ca²⁺"}
#: Concentration ratio axis of the Nernst explorer ([X]o/[X]i).
RATIO_RANGE = (1e-4, 1e7)


def _valence(z: int) -> str:
    return f"{z:+d}".replace("-", "−")


def textbook_ions(temperature_c: float) -> dict[str, tuple[float, float]]:
    """ion -> ([X]o/[X]i, E in mV) for the mammalian neuron of `ipsplib.constants` at a temperature."""
    return {ion: (MAMMALIAN_OUT_MM[ion] / MAMMALIAN_IN_MM[ion],
                  nernst(MAMMALIAN_OUT_MM[ion], MAMMALIAN_IN_MM[ion], VALENCE[ion], temperature_c))
            for ion in ION_NAMES}


class NernstExplorer(Demo):
    title = "Nernst explorer: the equilibrium potential of one ion"

    def build(self):
        ax = self.figure.subplots()
        self._ratio_grid = np.geomspace(*RATIO_RANGE, 200)
        ax.set_xscale("log")
        ax.set(xlim=RATIO_RANGE, ylim=(-250.0, 250.0))
        ax.xaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
        ax.xaxis.set_minor_formatter(NullFormatter())
        plotting.label(ax, "Concentration ratio [X]ₒ / [X]ᵢ (dimensionless)", "Equilibrium potential E (mV)")
        ax.axhline(0.0, color=plotting.COLORS["leak"], linewidth=0.8)
        ax.axvline(1.0, color=plotting.COLORS["leak"], linewidth=0.8)
        (self.artists["curve"],) = ax.plot([], [], color=plotting.COLORS["membrane"], linewidth=1.5)
        for ion, name in ION_NAMES.items():
            color = plotting.ION_COLORS[ion]
            (self.artists[f"ion_{ion}"],) = ax.plot([], [], "s", color=color, markersize=6)
            self.artists[f"ion_{ion}_label"] = ax.annotate(name, xy=(1.0, 0.0), xytext=(5, -4),
                                                           textcoords="offset points", color=color, fontsize=9,
                                                           ha="left", va="top")
        (self.artists["point"],) = ax.plot([], [], "o", color=plotting.COLORS["excitation"], markersize=9,
                                           markeredgecolor="white", clip_on=False, zorder=5)
        self.artists["readout"] = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=10)

    def render(self, c_out_mM, c_in_mM, z, temperature_c):
        e_mV = nernst(c_out_mM, c_in_mM, z, temperature_c)
        self.artists["curve"].set_data(self._ratio_grid, nernst(self._ratio_grid, 1.0, z, temperature_c))
        self.artists["point"].set_data([c_out_mM / c_in_mM], [e_mV])
        marks = textbook_ions(temperature_c)
        for ion, (ratio, e_ion) in marks.items():
            self.artists[f"ion_{ion}"].set_data([ratio], [e_ion])
            self.artists[f"ion_{ion}_label"].xy = (ratio, e_ion)
        self.artists["readout"].set_text(f"z = {_valence(z)}, {temperature_c:g} °C\n"
                                         f"[X]ₒ/[X]ᵢ = {c_out_mM:.3g}/{c_in_mM:.3g} mM\n"
                                         f"E = {_mv(e_mV)} mV")
        where = "" if -250.0 <= e_mV <= 250.0 else " (off the plotted range)"
        same = [ION_NAMES[ion] for ion in ION_NAMES if VALENCE[ion] == z]
        return (f"[X]ₒ = {c_out_mM:.3g} mM, [X]ᵢ = {c_in_mM:.3g} mM, z = {_valence(z)}, {temperature_c:g} °C: "
                f"E = {_mv(e_mV)} mV{where}; the curve E = (RT/zF) ln([X]ₒ/[X]ᵢ) for this valence and temperature "
                f"runs from {_mv(float(nernst(RATIO_RANGE[0], 1.0, z, temperature_c)))} to "
                f"{_mv(float(nernst(RATIO_RANGE[1], 1.0, z, temperature_c)))} mV over ratios 10⁻⁴ to 10⁷. "
                "Textbook ions of a mammalian neuron at this temperature: "
                + ", ".join(f"{ION_NAMES[ion]} {_mv(e)} mV" for ion, (_, e) in marks.items())
                + f" ({' and '.join(same)} {'lie' if len(same) > 1 else 'lies'} on the curve).")


@register("nernst_explorer")
def nernst_explorer() -> NernstExplorer:
    """Concentrations inside and outside, valence, temperature -> E, with the textbook ions marked."""
    return NernstExplorer(
        controls=[
            Control("c_out_mM", "[X]ₒ outside (mM)", min=0.1, max=1000.0, step=0.05, value=5.0, scale="log"),
            Control("c_in_mM", "[X]ᵢ inside (mM)", min=1e-4, max=1000.0, step=0.05, value=140.0, scale="log",
                    static_values=(1e-4, 1e-3, 0.01, 0.1, 1.0, 3.0, 7.0, 10.0, 16.0, 50.0, 140.0, 400.0, 1000.0)),
            Control("z", "Valence z (charge number)", options=[("−2", -2), ("−1", -1), ("+1", 1), ("+2", 2)],
                    value=1),
            Control("temperature_c", "Temperature (°C)", min=0.0, max=45.0, step=1.0, value=37.0),
        ],
        static=("c_in_mM", "z"),
    )


#: Ions in the GHK demo and their equilibrium potentials' colours.
GHK_IONS = ("K", "Na", "Cl")
P_NA_RANGE = (1e-3, 30.0)
P_CL_RANGE = (0.0, 2.0)


def _ghk(p_na_over_p_k, p_cl_over_p_k):
    return ghk_potential({"K": 1.0, "Na": p_na_over_p_k, "Cl": p_cl_over_p_k},
                         MAMMALIAN_OUT_MM, MAMMALIAN_IN_MM, temperature_c=37.0)


class GhkResting(Demo):
    title = "GHK resting potential: permeability ratios set V_rest"

    def build(self):
        ax_na, ax_cl = self.figure.subplots(1, 2, sharey=True)
        self._p_na_grid = np.geomspace(*P_NA_RANGE, 60)
        self._p_cl_grid = np.linspace(*P_CL_RANGE, 41)
        ax_na.set_xscale("log")
        ax_na.set(xlim=P_NA_RANGE, ylim=(-100.0, 80.0))
        ax_na.xaxis.set_minor_formatter(NullFormatter())
        ax_cl.set(xlim=P_CL_RANGE)
        plotting.label(ax_na, "P_Na / P_K (dimensionless)", "v")
        plotting.label(ax_cl, "P_Cl / P_K (dimensionless)")
        for ax, key in ((ax_na, "na"), (ax_cl, "cl")):
            for ion in GHK_IONS:
                e = nernst(MAMMALIAN_OUT_MM[ion], MAMMALIAN_IN_MM[ion], VALENCE[ion], 37.0)
                level = plotting.MovingLevel(ax, e, f"E_{ion} {_mv(e)} mV", plotting.ION_COLORS[ion])
                self.artists[f"e_{ion}_{key}"] = level.line
        for key, ax in (("na", ax_na), ("cl", ax_cl)):
            (self.artists[f"curve_{key}"],) = ax.plot([], [], color=plotting.COLORS["membrane"], linewidth=1.5)
            (self.artists[f"point_{key}"],) = ax.plot([], [], "o", color=plotting.COLORS["excitation"],
                                                      markersize=8, markeredgecolor="white", zorder=5)
        self.artists["readout"] = ax_na.text(0.03, 0.85, "", transform=ax_na.transAxes, va="top", fontsize=10)

    def render(self, p_na_over_p_k, p_cl_over_p_k):
        v_rest = _ghk(p_na_over_p_k, p_cl_over_p_k)
        v_vs_na = _ghk(self._p_na_grid, p_cl_over_p_k)
        v_vs_cl = _ghk(p_na_over_p_k, self._p_cl_grid)
        self.artists["curve_na"].set_data(self._p_na_grid, v_vs_na)
        self.artists["curve_cl"].set_data(self._p_cl_grid, v_vs_cl)
        self.artists["point_na"].set_data([p_na_over_p_k], [v_rest])
        self.artists["point_cl"].set_data([p_cl_over_p_k], [v_rest])
        self.artists["readout"].set_text(f"P_K : P_Na : P_Cl = 1 : {p_na_over_p_k:.3g} : {p_cl_over_p_k:.3g}\n"
                                         f"V_rest = {_mv(v_rest)} mV")
        e = {ion: nernst(MAMMALIAN_OUT_MM[ion], MAMMALIAN_IN_MM[ion], VALENCE[ion], 37.0) for ion in GHK_IONS}
        nearest = min(GHK_IONS, key=lambda ion: abs(e[ion] - v_rest))
        return (f"P_Na/P_K = {p_na_over_p_k:.3g} and P_Cl/P_K = {p_cl_over_p_k:.3g} give V_rest = {_mv(v_rest)} mV "
                f"(GHK, mammalian concentrations, 37 °C), nearest to E_{nearest}. Marked: E_K = {_mv(e['K'])} mV, "
                f"E_Na = {_mv(e['Na'])} mV, E_Cl = {_mv(e['Cl'])} mV. Left: V_rest against P_Na/P_K from "
                f"{_mv(v_vs_na[0])} to {_mv(v_vs_na[-1])} mV; right: against P_Cl/P_K from {_mv(v_vs_cl[0])} "
                f"to {_mv(v_vs_cl[-1])} mV.")


@register("ghk_resting")
def ghk_resting() -> GhkResting:
    """GHK resting potential against P_Na/P_K and P_Cl/P_K, with E_K, E_Na, E_Cl marked."""
    return GhkResting(
        controls=[
            Control("p_na_over_p_k", "P_Na / P_K (ratio)", min=P_NA_RANGE[0], max=P_NA_RANGE[1], step=0.05,
                    value=0.05, scale="log",
                    static_values=(0.001, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)),
            Control("p_cl_over_p_k", "P_Cl / P_K (ratio)", min=P_CL_RANGE[0], max=P_CL_RANGE[1], step=0.05,
                    value=0.1, static_values=(0.0, 0.1, 0.25, 0.5, 1.0, 2.0)),
        ],
        static=("p_na_over_p_k", "p_cl_over_p_k"),
    )
