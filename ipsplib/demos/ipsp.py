"""IPSP reversal demo: intracellular chloride sets E_Cl, E_GABA and what the IPSP does.

[Cl⁻]ᵢ and [Cl⁻]ₒ give E_Cl (`ipsplib.nernst`) and E_GABA, the reversal of a
GABA_A channel that also passes bicarbonate (`ipsplib.gaba_reversal`). A
GABA_A synapse reversing at E_GABA acts on the chapter's one-compartment
integrate-and-fire cell (`ipsplib.simulate`, rest -70 mV, threshold -50 mV),
alone and together with a coincident EPSP.

Examples
--------
>>> d = ipsp_reversal()
>>> d.update(cl_in_mM=30.0)
>>> "fires" in d.alt_text          # E_GABA above threshold: the IPSP helps the EPSP fire the cell
True
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from .. import plotting
from ..constants import CL_OUT_ACSF_MM, MAMMALIAN_IN_MM
from ..ions import gaba_reversal, nernst
from ..membrane import Cell, simulate
from ..plotting import number_text as _mv
from ..synapses import ampa, gaba_a
from ._base import Control, Demo, register

#: The chapter's cell (chapters/03-ipsps): C = 200 pF, g_L = 10 nS (tau_m 20 ms, R_in 100 MOhm),
#: rest -70 mV, and its integrate-and-fire threshold -50 mV.
CELL = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-50.0, refractory_ms=2.0)
#: A compound EPSP just below threshold alone (peak about -51.7 mV).
EPSP = ampa(g_max_nS=31.0)
#: Peak GABA_A conductance, nS (twice the leak: several synapses together).
G_GABA_NS = 20.0
#: Both inputs arrive at this time, ms.
ONSET_MS = 15.0
DURATION_MS = 80.0
DT_MS = 0.1
#: Height of the spike marks, mV (the cell resets at threshold: spikes are drawn as ticks).
SPIKE_MARK_MV = -45.0
#: How the figure writes the two reversal potentials (mathtext subscripts).
E_CL = r"$E_\mathrm{Cl}$"
E_GABA = r"$E_\mathrm{GABA}$"
#: Range of the [Cl-]i axis, mM.
CL_IN_RANGE_MM = (2.0, 60.0)
#: Step of the [Cl-]o slider, mM: fine enough that a mouse drag across 60 % of it crosses at least 15 values
#: (a slider sends a value only when it changes, so a coarser step caps the redraws of a drag).
CL_OUT_STEP_MM = 1.0


class IpspReversal(Demo):
    title = "IPSP reversal: intracellular chloride sets the chloride reversal potential"
    model = (f"Model cell (as in the chapter): {CELL.c_m_pF:g} pF, {CELL.g_leak_nS:g} nS leak (membrane time "
             f"constant {CELL.tau_m_ms:g} ms), rest {_mv(CELL.e_leak_mV, 0)} mV, integrate-and-fire threshold "
             f"{_mv(CELL.v_threshold_mV, 0)} mV; a {EPSP.g_max_nS:g} nS AMPA and a {G_GABA_NS:g} nS GABA-A input "
             f"at {ONSET_MS:g} ms.")
    figsize_in = (7.0, 8.0)

    def build(self):
        ax_e, ax_v = self.figure.subplots(2, 1, height_ratios=[1.0, 1.15])
        colors = plotting.COLORS
        # top: reversal potentials against [Cl-]i
        self._cl_grid = np.geomspace(*CL_IN_RANGE_MM, 120)
        ax_e.set_xscale("log")
        ax_e.set(xlim=CL_IN_RANGE_MM, ylim=(-120.0, -10.0))
        ax_e.set_xticks([2, 5, 10, 20, 50], labels=["2", "5", "10", "20", "50"])
        ax_e.xaxis.set_minor_formatter(NullFormatter())
        plotting.label(ax_e, "[Cl⁻]ᵢ (mM, log scale)", "e")
        (self.artists["e_cl_curve"],) = ax_e.plot([], [], color=plotting.ION_COLORS["Cl"], label=E_CL)
        (self.artists["e_gaba_curve"],) = ax_e.plot([], [], color=colors["inhibition"], linestyle="-.",
                                                   label=f"{E_GABA} (Cl⁻ + HCO₃⁻)")
        (self.artists["e_cl_point"],) = ax_e.plot([], [], "o", color=plotting.ION_COLORS["Cl"])
        (self.artists["e_gaba_point"],) = ax_e.plot([], [], "o", color=colors["inhibition"], mfc="white")
        ax_e.axhline(CELL.e_leak_mV, color=colors["leak"], linewidth=1.0, linestyle=":")
        ax_e.axhline(CELL.v_threshold_mV, color=colors["threshold"], linewidth=1.0, linestyle=":")
        ax_e.text(0.99, CELL.e_leak_mV, "rest", transform=ax_e.get_yaxis_transform(), color=colors["leak"],
                  va="top", ha="right")
        ax_e.text(0.99, CELL.v_threshold_mV, "threshold", transform=ax_e.get_yaxis_transform(),
                  color=colors["threshold"], va="bottom", ha="right")
        self.artists["readout"] = ax_e.text(0.02, 0.97, "", transform=ax_e.transAxes, va="top")
        ax_e.legend(loc="lower right", handlelength=1.5, borderaxespad=0.2)
        # bottom: the membrane potential
        ax_v.set(xlim=(0.0, DURATION_MS), ylim=(-90.0, -38.0))
        plotting.label(ax_v, "t", "v")
        self.levels = {
            "rest": plotting.MovingLevel(ax_v, CELL.e_leak_mV, "rest", colors["leak"], side="left",
                                         linestyle=":"),
            "threshold": plotting.MovingLevel(ax_v, CELL.v_threshold_mV, "threshold", colors["threshold"],
                                              side="left", linestyle=":"),
            "e_cl": plotting.MovingLevel(ax_v, -80.0, E_CL, plotting.ION_COLORS["Cl"], linestyle="-", x=0.72),
            "e_gaba": plotting.MovingLevel(ax_v, -70.0, E_GABA, plotting.COLORS["inhibition"], linestyle="-."),
        }
        for name, level in self.levels.items():
            self.artists[f"{name}_line"] = level.line
            self.artists[f"{name}_label"] = level.label
        (self.artists["v_epsp"],) = ax_v.plot([], [], color=colors["excitation"], linewidth=1.5, linestyle="--",
                                              label="EPSP alone")
        (self.artists["v_ipsp"],) = ax_v.plot([], [], color=colors["inhibition"], label="IPSP alone")
        (self.artists["v_both"],) = ax_v.plot([], [], color=colors["membrane"], linewidth=1.5,
                                              label="EPSP + IPSP")
        (self.artists["spikes"],) = ax_v.plot([], [], "|", color=colors["membrane"], markersize=14,
                                              markeredgewidth=2.0, label="spike")
        ax_v.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=4, handlelength=1.5,
                    columnspacing=0.8, handletextpad=0.4)
        # The EPSP alone does not depend on chloride: simulate it once.
        self._epsp = simulate(CELL, [(EPSP, [ONSET_MS])], duration_ms=DURATION_MS, dt_ms=DT_MS)
        self.artists["v_epsp"].set_data(self._epsp.t_ms, self._epsp.v_mV)

    def render(self, cl_in_mM, cl_out_mM):
        e_cl = nernst(c_out_mM=cl_out_mM, c_in_mM=cl_in_mM, z=-1)
        e_gaba = gaba_reversal(cl_in_mM=cl_in_mM, cl_out_mM=cl_out_mM)
        self.artists["e_cl_curve"].set_data(self._cl_grid, nernst(c_out_mM=cl_out_mM, c_in_mM=self._cl_grid, z=-1))
        self.artists["e_gaba_curve"].set_data(self._cl_grid, gaba_reversal(cl_in_mM=self._cl_grid,
                                                                           cl_out_mM=cl_out_mM))
        self.artists["e_cl_point"].set_data([cl_in_mM], [e_cl])
        self.artists["e_gaba_point"].set_data([cl_in_mM], [e_gaba])
        self.levels["e_cl"].set(e_cl, E_CL)
        self.levels["e_gaba"].set(e_gaba, E_GABA)
        self.artists["readout"].set_text(f"{E_CL} = {_mv(e_cl)} mV\n{E_GABA} = {_mv(e_gaba)} mV")

        gaba = gaba_a(g_max_nS=G_GABA_NS, e_rev_mV=e_gaba)
        ipsp = simulate(CELL, [(gaba, [ONSET_MS])], duration_ms=DURATION_MS, dt_ms=DT_MS)
        both = simulate(CELL, [(EPSP, [ONSET_MS]), (gaba, [ONSET_MS])], duration_ms=DURATION_MS, dt_ms=DT_MS)
        self.artists["v_ipsp"].set_data(ipsp.t_ms, ipsp.v_mV)
        self.artists["v_both"].set_data(both.t_ms, both.v_mV)
        self.artists["spikes"].set_data(both.spikes_ms, np.full(both.spikes_ms.shape, SPIKE_MARK_MV))

        deviation = ipsp.v_mV - CELL.e_leak_mV
        ipsp_mV = float(deviation[np.argmax(np.abs(deviation))])
        if abs(ipsp_mV) < 0.05:
            ipsp_text = "the IPSP alone barely moves the membrane potential (its reversal is at rest: pure shunting)"
        else:
            verb = "depolarizes" if ipsp_mV > 0 else "hyperpolarizes"
            ipsp_text = f"the IPSP alone {verb} the cell by {abs(ipsp_mV):.1f} mV"
        epsp_peak = float(self._epsp.v_mV.max())
        if both.spikes_ms.size:
            both_text = (f"the EPSP alone peaks at {_mv(epsp_peak)} mV, below threshold; with the coincident "
                         f"IPSP the cell fires a spike at {both.spikes_ms[0]:.1f} ms")
        else:
            change = float(both.v_mV.max()) - epsp_peak
            both_text = (f"the EPSP alone peaks at {_mv(epsp_peak)} mV; with the coincident IPSP it peaks at "
                         f"{_mv(float(both.v_mV.max()))} mV ({_mv(change, signed=True)} mV), no spike")
        return (f"[Cl⁻]ᵢ = {cl_in_mM:g} mM and [Cl⁻]ₒ = {cl_out_mM:g} mM give the chloride reversal potential, "
                f"{_mv(e_cl)} mV, and, with bicarbonate, the GABA-A reversal potential, {_mv(e_gaba)} mV "
                f"(rest {_mv(CELL.e_leak_mV)} mV, threshold "
                f"{_mv(CELL.v_threshold_mV)} mV). Plotted: {ipsp_text}; {both_text}.")


@register("ipsp_reversal")
def ipsp_reversal() -> IpspReversal:
    """[Cl⁻]ᵢ (and [Cl⁻]ₒ) -> E_Cl and E_GABA -> the IPSP alone and with a coincident EPSP."""
    return IpspReversal(
        controls=[
            Control("cl_in_mM", "[Cl⁻]ᵢ (mM)", min=CL_IN_RANGE_MM[0], max=CL_IN_RANGE_MM[1], step=1.0,
                    value=MAMMALIAN_IN_MM["Cl"],
                    static_values=(2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 25, 30, 40, 50, 60)),
            Control("cl_out_mM", "[Cl⁻]ₒ (mM)", min=100.0, max=140.0, step=CL_OUT_STEP_MM,
                    value=CL_OUT_ACSF_MM,
                    static_values=(100.0, 110.0, 120.0, CL_OUT_ACSF_MM, 140.0)),
        ],
        static=("cl_in_mM", "cl_out_mM"),
    )
