"""Voltage-clamp I–V demo: holding potential, series resistance and synapse location -> apparent reversal.

A passive ball-and-stick neuron (`ipsplib.dendrite.ball_and_stick`, rest -70 mV) is voltage-clamped at the
soma through a series resistance. One synapse (AMPA, E_rev 0 mV, or GABA_A, E_rev -80 mV) sits on the
soma or out on the dendrite. The clamp current is computed by `ipsplib.voltage_clamp`, its signed peak at
each holding potential by `ipsplib.iv_curve` and the zero crossing of that I–V curve by
`ipsplib.reversal_from_iv`: the reversal potential an experimenter would report. On the soma with no
series resistance it is the true reversal potential; out on the dendrite (space clamp) or through a
series resistance it is shifted away from the resting potential.

Examples
--------
>>> d = voltage_clamp_iv()
>>> d.update(receptor="ampa", distance_um=0.0, series_resistance_MOhm=0.0)
>>> abs(d.apparent_reversal_mV - 0.0) < 0.5     # ideal clamp of a somatic AMPA synapse: the true reversal
True
>>> d.update(distance_um=600.0)
>>> d.apparent_reversal_mV > 10.0                # a dendritic synapse clamped from the soma reverses too high
True
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from .. import plotting
from ..clamp import iv_curve, reversal_from_iv, voltage_clamp
from ..dendrite import ball_and_stick, length_constant_um
from ..plotting import number_text as _mv
from ..synapses import ampa, gaba_a
from ._base import Control, Demo, register

#: The demo's cell: the book's passive ball-and-stick preset (rest -70 mV, clamped: no spikes).
CELL = ball_and_stick()
#: Length constant of its dendrite, µm.
LAMBDA_UM = float(length_constant_um(r_m_ohm_cm2=CELL.r_m_ohm_cm2, r_i_ohm_cm=CELL.r_i_ohm_cm,
                                     diam_um=CELL.dend_diam_um))
#: The two synapses the reader chooses between (conductances chosen so that both I–V curves fit one axis).
SYNAPSES = {
    "ampa": ampa(g_max_nS=2.0),
    "gaba_a": gaba_a(g_max_nS=1.5, e_rev_mV=-80.0),
}
#: How the figure and the labels name them.
SYNAPSE_LABELS = {"ampa": "AMPA", "gaba_a": "GABA-A"}
SYNAPSE_MATH = {"ampa": "AMPA", "gaba_a": r"GABA$_\mathrm{A}$"}
SYNAPSE_COLORS = {"ampa": plotting.COLORS["excitation"], "gaba_a": plotting.COLORS["inhibition"]}
#: Holding potentials of the I–V curve, mV (an experimenter's series of command steps).
HOLDING_MV = np.arange(-110.0, 90.0 + 1e-9, 10.0)
#: The synapse is activated once, at this time after the holding potential has settled, ms.
ONSET_MS = 5.0
DURATION_MS = 40.0
DT_MS = 0.05
I_LIMITS_PA = (-240.0, 280.0)
#: The demo computes the ideal clamp current once per synapse, at this holding potential, and scales it.
REFERENCE_HOLD_MV = -110.0
#: Step of the distance slider, µm: fine enough that a mouse drag across 60 % of it crosses at least 10 values
#: (a slider sends a value only when it changes, so a coarser step caps the redraws of a drag).
DISTANCE_STEP_UM = 25.0
#: Cached (synapse, location, series resistance) settings before the cache is emptied.
CACHE_SIZE = 256
E_REV = r"$E_\mathrm{rev}$"


def _series_text(r_s):
    return f"{r_s:g} MΩ"


class VoltageClampIV(Demo):
    title = "Voltage clamp: the I–V curve of a synapse and its apparent reversal potential"
    model = (f"Model cell: a passive ball-and-stick neuron (soma {CELL.soma_diam_um:g} µm, dendrite "
             f"{CELL.dend_length_um:g} µm long and {CELL.dend_diam_um:g} µm wide, length constant "
             f"{LAMBDA_UM:.0f} µm), rest {_mv(CELL.e_leak_mV, 0)} mV, no spikes (it is clamped, so it has no "
             f"threshold); clamped at the soma, holding potentials {_mv(HOLDING_MV[0], 0)} to "
             f"+{HOLDING_MV[-1]:.0f} mV in {HOLDING_MV[1] - HOLDING_MV[0]:.0f} mV steps; one synapse, "
             f"{SYNAPSES['ampa'].g_max_nS:g} nS AMPA or {SYNAPSES['gaba_a'].g_max_nS:g} nS GABA-A.")
    figsize_in = (7.0, 8.2)

    def build(self):
        ax_iv, ax_t = self.figure.subplots(2, 1, height_ratios=[1.15, 1.0])
        colors = plotting.COLORS
        # top: the I–V curve
        ax_iv.set(xlim=(HOLDING_MV[0] - 5.0, HOLDING_MV[-1] + 5.0), ylim=I_LIMITS_PA)
        plotting.label(ax_iv, "Holding potential (mV)", "Peak clamp current (pA)")
        ax_iv.axhline(0.0, color=colors["leak"], linewidth=1.0)
        (self.artists["iv_ideal"],) = ax_iv.plot([], [], color=colors["leak"], linestyle="--", linewidth=1.5)
        (self.artists["iv"],) = ax_iv.plot([], [], "o-", markersize=4, color=SYNAPSE_COLORS["ampa"])
        (self.artists["hold_point"],) = ax_iv.plot([], [], "o", markersize=11, mfc="none", mew=2.0,
                                                  color=colors["membrane"])
        self.artists["true_line"] = ax_iv.axvline(0.0, color=colors["reference"], linewidth=1.5, linestyle=":")
        self.artists["apparent_line"] = ax_iv.axvline(0.0, color=colors["membrane"], linewidth=1.2,
                                                      linestyle="-.")
        # lower right: no current of either synapse lies there (positive holding potentials, negative currents)
        self.artists["readout"] = ax_iv.text(0.98, 0.03, "", transform=ax_iv.transAxes, va="bottom", ha="right",
                                             zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 2.0})
        # bottom: the clamp current at the chosen holding potential
        ax_t.set(xlim=(0.0, DURATION_MS), ylim=I_LIMITS_PA)
        plotting.label(ax_t, "t", "Clamp current (pA)")
        ax_t.axhline(0.0, color=colors["leak"], linewidth=1.0)
        (self.artists["i_ideal"],) = ax_t.plot([], [], color=colors["leak"], linestyle="--", linewidth=1.5)
        (self.artists["i"],) = ax_t.plot([], [], linewidth=2.0, color=SYNAPSE_COLORS["ampa"])
        self.artists["trace_title"] = ax_t.text(0.98, 0.97, "", transform=ax_t.transAxes, va="top", ha="right")
        # below the traces (zorder 1): drawn once, in the cached background
        ax_t.text(0.98, 0.03, "outward current positive", transform=ax_t.transAxes, va="bottom", ha="right",
                  color=colors["leak"], zorder=1)
        # One legend for both panels, above them and behind the axes (zorder -1): it never changes, so it
        # stays in the cached background and costs nothing per frame; each synapse has its own entry.
        handles = [
            Line2D([], [], color=colors["leak"], linestyle="--", linewidth=1.5),
            *(Line2D([], [], color=SYNAPSE_COLORS[name], marker="o", markersize=4, linewidth=2.0)
              for name in SYNAPSES),
            Line2D([], [], color=colors["reference"], linewidth=1.5, linestyle=":"),
            Line2D([], [], color=colors["membrane"], linewidth=1.2, linestyle="-."),
        ]
        labels = [r"ideal: synapse on the soma, $R_\mathrm{s}$ = 0",
                  *(f"{SYNAPSE_MATH[name]}, this recording" for name in SYNAPSES),
                  "true reversal potential", "apparent reversal potential"]
        legend = self.figure.legend(handles, labels, loc="outside upper center", ncols=2, handlelength=1.6,
                                    columnspacing=0.8, handletextpad=0.5)
        legend.set_zorder(-1)
        self._t_ms = np.linspace(0.0, DURATION_MS, int(round(DURATION_MS / DT_MS)) + 1)
        # The ideal I–V of each synapse and its ideal clamp current do not depend on the location or series
        # resistance: compute them once. An ideal clamp of a synapse on the soma records g(t) (V_h - E_rev),
        # so the current at any holding potential is the one at REFERENCE_HOLD_MV, scaled.
        self._ideal = {name: self.iv(name, 0.0, 0.0) for name in SYNAPSES}
        self._ideal_trace = {name: self.trace(name, REFERENCE_HOLD_MV, 0.0, 0.0) for name in SYNAPSES}
        # (receptor, distance, series resistance) -> (I–V peaks, clamp current at REFERENCE_HOLD_MV): moving
        # the holding potential or switching back to a synapse costs no simulation. For a voltage-independent
        # synapse the clamp current is b(t) (V_h - V*) at every t, V* the apparent reversal potential, so one
        # run at REFERENCE_HOLD_MV gives every holding potential (tests/test_demos_measuring.py checks it
        # against ipsplib.voltage_clamp).
        self._cache = {}

    def ideal_trace(self, receptor, holding_mV):
        """The ideal clamp current (pA) of the synapse on the soma: the cached one, scaled by driving force."""
        e_rev = SYNAPSES[receptor].e_rev_mV
        return self._ideal_trace[receptor] * ((holding_mV - e_rev) / (REFERENCE_HOLD_MV - e_rev))

    @staticmethod
    def iv(receptor, distance_um, series_resistance_MOhm):
        """Signed peak clamp current (pA) at each of `HOLDING_MV`, as `ipsplib.iv_curve` gives it."""
        return np.asarray(iv_curve(SYNAPSES[receptor], HOLDING_MV, cell=CELL, distance_um=distance_um,
                                   series_resistance_MOhm=series_resistance_MOhm), dtype=float)

    @staticmethod
    def trace(receptor, holding_mV, distance_um, series_resistance_MOhm):
        """The clamp current (pA) at one holding potential, as `ipsplib.voltage_clamp` gives it."""
        return np.asarray(voltage_clamp(SYNAPSES[receptor], holding_mV, [ONSET_MS], DURATION_MS, dt_ms=DT_MS,
                                        series_resistance_MOhm=series_resistance_MOhm, cell=CELL,
                                        distance_um=distance_um), dtype=float)

    def render(self, distance_um, series_resistance_MOhm, holding_mV, receptor):
        syn = SYNAPSES[receptor]
        color = SYNAPSE_COLORS[receptor]
        ideal = self._ideal[receptor]
        key = (receptor, float(distance_um), float(series_resistance_MOhm))
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = (self.iv(receptor, distance_um, series_resistance_MOhm),
                                self.trace(receptor, REFERENCE_HOLD_MV, distance_um, series_resistance_MOhm))
        peaks, trace_ref = self._cache[key]
        self.artists["iv_ideal"].set_data(HOLDING_MV, ideal)
        self.artists["iv"].set_data(HOLDING_MV, peaks)
        self.artists["iv"].set_color(color)
        try:
            apparent = float(reversal_from_iv(HOLDING_MV, peaks))
        except ValueError:
            apparent = float("nan")
        self.apparent_reversal_mV = apparent
        self.artists["true_line"].set_xdata([syn.e_rev_mV, syn.e_rev_mV])
        self.artists["apparent_line"].set_visible(np.isfinite(apparent))
        if np.isfinite(apparent):
            self.artists["apparent_line"].set_xdata([apparent, apparent])
            shift = apparent - syn.e_rev_mV
            apparent_text = (f"apparent reversal {_mv(apparent, signed=True)} mV, off by "
                             f"{_mv(shift, signed=True)} mV")
        else:
            apparent_text = (f"no zero crossing between {_mv(HOLDING_MV[0], 0)} and +{HOLDING_MV[-1]:.0f} mV")
        self.artists["readout"].set_text(f"{SYNAPSE_MATH[receptor]}: true {E_REV} = {_mv(syn.e_rev_mV)} mV\n"
                                         f"{apparent_text}")

        if np.isfinite(apparent):
            # linear in the holding potential, zero at the apparent reversal: the cached run, scaled (exact)
            i_pA = trace_ref * ((holding_mV - apparent) / (REFERENCE_HOLD_MV - apparent))
        else:
            i_pA = self.trace(receptor, holding_mV, distance_um, series_resistance_MOhm)
        i_ideal = self.ideal_trace(receptor, holding_mV)
        self.artists["i"].set_data(self._t_ms, i_pA)
        self.artists["i"].set_color(color)
        self.artists["i_ideal"].set_data(self._t_ms, i_ideal)
        peak = float(i_pA[np.argmax(np.abs(i_pA))])
        peak_ideal = float(i_ideal[np.argmax(np.abs(i_ideal))])
        self.artists["hold_point"].set_data([holding_mV], [peak])
        self.artists["trace_title"].set_text(f"held at {_mv(holding_mV, 0, signed=True)} mV")

        where = "on the soma" if distance_um == 0.0 else f"{distance_um:g} µm out on the dendrite"
        kind = "EPSC" if receptor == "ampa" else "IPSC"
        direction = "inward" if peak < 0 else "outward"
        if np.isfinite(apparent):
            iv_text = (f"its I–V curve crosses zero at {_mv(apparent, signed=True)} mV, while the synapse truly "
                       f"reverses at {_mv(syn.e_rev_mV)} mV (ideal clamp: a straight line through it)")
        else:
            iv_text = (f"its I–V curve does not cross zero between {_mv(HOLDING_MV[0], 0)} and "
                       f"+{HOLDING_MV[-1]:.0f} mV, although the synapse reverses at {_mv(syn.e_rev_mV)} mV")
        article = "An" if receptor == "ampa" else "A"
        return (f"{article} {SYNAPSE_LABELS[receptor]} synapse {where}, clamped from the soma through "
                f"{_series_text(series_resistance_MOhm)} of series resistance: {iv_text}. Held at "
                f"{_mv(holding_mV, 0)} mV, the {kind} peaks at {_mv(peak)} pA ({direction}); an ideal clamp of the "
                f"same synapse on the soma records {_mv(peak_ideal)} pA.")


@register("voltage_clamp_iv")
def voltage_clamp_iv() -> VoltageClampIV:
    """Synapse location, series resistance, holding potential, receptor -> clamp current, I–V, apparent reversal."""
    return VoltageClampIV(
        controls=[
            Control("distance_um", "Synapse distance from the soma (µm)", min=0.0, max=CELL.dend_length_um,
                    step=DISTANCE_STEP_UM, value=400.0, static_values=(0.0, 100.0, 200.0, 300.0, 400.0, 600.0, 800.0)),
            Control("series_resistance_MOhm", "Series resistance (MΩ)", min=0.0, max=30.0, step=1.0, value=10.0,
                    static_values=(0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0)),
            Control("holding_mV", "Holding potential (mV)", min=-110.0, max=90.0, step=10.0, value=-70.0),
            Control("receptor", "Synapse", options=[("AMPA (reverses at 0 mV)", "ampa"),
                                                    ("GABA-A (reverses at \N{MINUS SIGN}80 mV)", "gaba_a")],
                    value="ampa"),
        ],
        static=("distance_um", "series_resistance_MOhm", "receptor"),
    )
