"""Ion demos: the Nernst explorer and the GHK resting potential.

`nernst_explorer`: concentrations inside and outside, valence and temperature
give an equilibrium potential (`ipsplib.nernst`), drawn on the curve
E = (RT/zF) ln([X]o/[X]i) against [X]i, the concentration the website's
slider moves, with the textbook ions of a mammalian neuron marked.

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
>>> "resting potential 0.0 mV" in g.alt_text   # equal Na and K permeability: the gradients cancel
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
#: The [X]i axis of the Nernst explorer, mM (the range of its [X]i control).
C_IN_RANGE_MM = (1e-4, 1000.0)
#: Its potential axis, mV.
E_RANGE_MV = (-250.0, 250.0)


def _valence(z: int) -> str:
    return f"{z:+d}".replace("-", "−")


def concentration_text(c_mM: float) -> str:
    """A concentration to three significant digits in plain decimals ("1000", "0.0001"), never "1e+03"."""
    return np.format_float_positional(float(c_mM), precision=3, unique=True, fractional=False, trim="-")


def textbook_ions(temperature_c: float) -> dict[str, tuple[float, float]]:
    """ion -> ([X]i in mM, E in mV) for the mammalian neuron of `ipsplib.constants` at a temperature."""
    return {ion: (MAMMALIAN_IN_MM[ion],
                  nernst(c_out_mM=MAMMALIAN_OUT_MM[ion], c_in_mM=MAMMALIAN_IN_MM[ion], z=VALENCE[ion],
                         temperature_c=temperature_c))
            for ion in ION_NAMES}


class NernstExplorer(Demo):
    title = "Nernst explorer: the equilibrium potential of one ion"
    model = ("One ion, any concentrations: E = (RT/zF) ln([X]ₒ/[X]ᵢ). Squares: the ions of a typical "
             "mammalian neuron, each at its own [X]ᵢ and [X]ₒ.")
    figsize_in = (7.0, 4.6)

    def build(self):
        ax = self.figure.subplots()
        self._c_in_grid = np.geomspace(*C_IN_RANGE_MM, 200)
        ax.set_xscale("log")
        ax.set(xlim=C_IN_RANGE_MM, ylim=E_RANGE_MV)
        ax.xaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
        ax.xaxis.set_minor_formatter(NullFormatter())
        plotting.label(ax, "Inside concentration [X]ᵢ (mM, log scale)", "Equilibrium potential E (mV)")
        ax.axhline(0.0, color=plotting.COLORS["leak"], linewidth=0.8)
        (self.artists["curve"],) = ax.plot([], [], color=plotting.COLORS["membrane"], linewidth=1.5)
        self.artists["c_out_mark"] = ax.axvline(1.0, color=plotting.COLORS["leak"], linewidth=0.8, linestyle=":")
        for ion, name in ION_NAMES.items():
            color = plotting.ION_COLORS[ion]
            (self.artists[f"ion_{ion}"],) = ax.plot([], [], "s", color=color, markersize=7)
            self.artists[f"ion_{ion}_label"] = ax.annotate(name, xy=(1.0, 0.0), xytext=(6, -4),
                                                           textcoords="offset points", color=color,
                                                           ha="left", va="top")
        (self.artists["point"],) = ax.plot([], [], "o", color=plotting.COLORS["excitation"], markersize=10,
                                           markeredgecolor="white", clip_on=False, zorder=5)
        self.artists["readout"] = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top")

    def render(self, c_out_mM, c_in_mM, z, temperature_c):
        e_mV = nernst(c_out_mM=c_out_mM, c_in_mM=c_in_mM, z=z, temperature_c=temperature_c)
        curve = nernst(c_out_mM=c_out_mM, c_in_mM=self._c_in_grid, z=z, temperature_c=temperature_c)
        self.artists["curve"].set_data(self._c_in_grid, curve)
        self.artists["c_out_mark"].set_xdata([c_out_mM, c_out_mM])
        self.artists["point"].set_data([c_in_mM], [e_mV])
        marks = textbook_ions(temperature_c)
        for ion, (c_in_ion, e_ion) in marks.items():
            self.artists[f"ion_{ion}"].set_data([c_in_ion], [e_ion])
            self.artists[f"ion_{ion}_label"].xy = (c_in_ion, e_ion)
        c_out, c_in = concentration_text(c_out_mM), concentration_text(c_in_mM)
        self.artists["readout"].set_text(f"z = {_valence(z)}, {temperature_c:g} °C, [X]ₒ = {c_out} mM\n"
                                         f"[X]ᵢ = {c_in} mM: E = {_mv(e_mV)} mV")
        where = "" if E_RANGE_MV[0] <= e_mV <= E_RANGE_MV[1] else " (off the plotted range)"
        same = [ION_NAMES[ion] for ion in ION_NAMES
                if VALENCE[ion] == z and np.isclose(MAMMALIAN_OUT_MM[ion], c_out_mM)]
        on_curve = (f" ({' and '.join(same)} {'lie' if len(same) > 1 else 'lies'} on the curve)" if same else "")
        return (f"[X]ₒ = {c_out} mM, [X]ᵢ = {c_in} mM, z = {_valence(z)}, {temperature_c:g} °C: "
                f"E = {_mv(e_mV)} mV{where}; the curve E = (RT/zF) ln([X]ₒ/[X]ᵢ) for this [X]ₒ, valence and "
                f"temperature runs from {_mv(float(curve[0]))} mV at [X]ᵢ = 0.0001 mM to {_mv(float(curve[-1]))} "
                "mV at 1000 mM (a dotted line marks [X]ᵢ = [X]ₒ, where E is zero). Textbook ions of a mammalian "
                "neuron at this temperature, each at its own concentrations: "
                + ", ".join(f"{ION_NAMES[ion]} {_mv(e)} mV" for ion, (_, e) in marks.items())
                + f"{on_curve}.")


@register("nernst_explorer")
def nernst_explorer() -> NernstExplorer:
    """Concentrations inside and outside, valence, temperature -> E, with the textbook ions marked."""
    return NernstExplorer(
        controls=[
            Control("c_out_mM", "[X]ₒ outside (mM)", min=0.1, max=1000.0, step=0.05, value=5.0, scale="log",
                    static_values=(2.0, 5.0, 20.0, 140.0, 400.0)),
            Control("c_in_mM", "[X]ᵢ inside (mM)", min=C_IN_RANGE_MM[0], max=C_IN_RANGE_MM[1], step=0.05,
                    value=140.0, scale="log",
                    static_values=(1e-4, 1e-3, 0.01, 0.1, 1.0, 3.0, 7.0, 10.0, 16.0, 50.0, 140.0, 400.0, 1000.0)),
            Control("z", "Valence z (charge number)", options=[("−2", -2), ("−1", -1), ("+1", 1), ("+2", 2)],
                    value=1),
            Control("temperature_c", "Temperature (°C)", min=0.0, max=45.0, step=1.0, value=37.0),
        ],
        static=("c_out_mM", "c_in_mM", "z"),
    )


#: Ions in the GHK demo and their equilibrium potentials' colours.
GHK_IONS = ("K", "Na", "Cl")
P_NA_RANGE = (1e-3, 30.0)
P_CL_RANGE = (0.0, 2.0)


def _ghk(p_na_over_p_k, p_cl_over_p_k):
    return ghk_potential(permeability={"K": 1.0, "Na": p_na_over_p_k, "Cl": p_cl_over_p_k},
                         c_out_mM=MAMMALIAN_OUT_MM, c_in_mM=MAMMALIAN_IN_MM, temperature_c=37.0)


def _e_ion(ion: str) -> float:
    return nernst(c_out_mM=MAMMALIAN_OUT_MM[ion], c_in_mM=MAMMALIAN_IN_MM[ion], z=VALENCE[ion], temperature_c=37.0)


class GhkResting(Demo):
    title = "GHK resting potential: permeability ratios set the resting potential"
    model = ("Model cell: the concentrations of a typical mammalian neuron at 37 °C; the resting potential "
             "from the Goldman-Hodgkin-Katz equation with K⁺, Na⁺ and Cl⁻.")
    figsize_in = (7.0, 6.4)

    def build(self):
        ax_na, ax_cl = self.figure.subplots(2, 1, sharey=True)
        self._p_na_grid = np.geomspace(*P_NA_RANGE, 60)
        self._p_cl_grid = np.linspace(*P_CL_RANGE, 41)
        ax_na.set_xscale("log")
        ax_na.set(xlim=P_NA_RANGE, ylim=(-100.0, 80.0))
        ax_na.xaxis.set_minor_formatter(NullFormatter())
        ax_cl.set(xlim=P_CL_RANGE)
        plotting.label(ax_na, r"$P_\mathrm{Na}/P_\mathrm{K}$ (ratio, log scale)", "Resting potential (mV)")
        plotting.label(ax_cl, r"$P_\mathrm{Cl}/P_\mathrm{K}$ (ratio)", "Resting potential (mV)")
        for ax, key in ((ax_na, "na"), (ax_cl, "cl")):
            for ion in GHK_IONS:
                e = _e_ion(ion)
                level = plotting.MovingLevel(ax, e, rf"$E_\mathrm{{{ion}}}$ {_mv(e)} mV", plotting.ION_COLORS[ion])
                self.artists[f"e_{ion}_{key}"] = level.line
        for key, ax in (("na", ax_na), ("cl", ax_cl)):
            (self.artists[f"curve_{key}"],) = ax.plot([], [], color=plotting.COLORS["membrane"], linewidth=1.5)
            (self.artists[f"point_{key}"],) = ax.plot([], [], "o", color=plotting.COLORS["excitation"],
                                                      markersize=9, markeredgecolor="white", zorder=5)
        self.artists["readout"] = ax_na.text(0.02, 0.80, "", transform=ax_na.transAxes, va="top")

    def render(self, p_na_over_p_k, p_cl_over_p_k):
        v_rest = _ghk(p_na_over_p_k, p_cl_over_p_k)
        v_vs_na = _ghk(self._p_na_grid, p_cl_over_p_k)
        v_vs_cl = _ghk(p_na_over_p_k, self._p_cl_grid)
        self.artists["curve_na"].set_data(self._p_na_grid, v_vs_na)
        self.artists["curve_cl"].set_data(self._p_cl_grid, v_vs_cl)
        self.artists["point_na"].set_data([p_na_over_p_k], [v_rest])
        self.artists["point_cl"].set_data([p_cl_over_p_k], [v_rest])
        self.artists["readout"].set_text(
            rf"$P_\mathrm{{K}} : P_\mathrm{{Na}} : P_\mathrm{{Cl}}$ = 1 : {p_na_over_p_k:.3g} : {p_cl_over_p_k:.3g}"
            f"\n" + rf"$V_\mathrm{{rest}}$ = {_mv(v_rest)} mV")
        e = {ion: _e_ion(ion) for ion in GHK_IONS}
        nearest = min(GHK_IONS, key=lambda ion: abs(e[ion] - v_rest))
        names = {"K": "potassium", "Na": "sodium", "Cl": "chloride"}
        return (f"Permeability ratios sodium to potassium {p_na_over_p_k:.3g} and chloride to potassium "
                f"{p_cl_over_p_k:.3g} give a resting potential {_mv(v_rest)} mV (GHK, mammalian concentrations, "
                f"37 °C), nearest to the {names[nearest]} equilibrium potential. Marked: the equilibrium potentials "
                f"of potassium, {_mv(e['K'])} mV, sodium, {_mv(e['Na'])} mV, and chloride, {_mv(e['Cl'])} mV. Top: "
                f"the resting potential against the sodium ratio, from {_mv(v_vs_na[0])} to {_mv(v_vs_na[-1])} mV; "
                f"bottom: against the chloride ratio, from {_mv(v_vs_cl[0])} to {_mv(v_vs_cl[-1])} mV.")


@register("ghk_resting")
def ghk_resting() -> GhkResting:
    """GHK resting potential against the Na⁺ and Cl⁻ permeabilities (relative to K⁺), with E_K, E_Na, E_Cl marked."""
    return GhkResting(
        controls=[
            Control("p_na_over_p_k", "Na⁺ : K⁺ permeability (ratio)", min=P_NA_RANGE[0], max=P_NA_RANGE[1], step=0.05,
                    value=0.05, scale="log",
                    static_values=(0.001, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)),
            Control("p_cl_over_p_k", "Cl⁻ : K⁺ permeability (ratio)", min=P_CL_RANGE[0], max=P_CL_RANGE[1], step=0.05,
                    value=0.1, static_values=(0.0, 0.1, 0.25, 0.5, 1.0, 2.0)),
        ],
        static=("p_na_over_p_k", "p_cl_over_p_k"),
    )
