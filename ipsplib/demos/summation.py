"""Demo of chapter 5 (temporal summation): a train of EPSPs against the linear sum of single EPSPs.

- ``temporal_summation``: n identical inputs at a fixed interval onto a passive
  cell (rest -70 mV; a typical threshold, -55 mV, is marked), through an AMPA
  synapse or an NMDA synapse with 1 mM Mg2+. Top: the train
  (`ipsplib.simulate`), the single EPSP, and the single EPSP shifted to every
  onset and added (`ipsplib.summation.linear_sum_mV`). Bottom: the synaptic
  current, and the current with the driving force (and the Mg2+ block) frozen
  at rest (`ipsplib.currents.synaptic_current_pA`): AMPA's current falls short
  of it (sublinear), NMDA's outgrows it (supralinear).

Examples
--------
>>> d = temporal_summation()
>>> d.update(receptor="nmda", interval_ms=5.0, n_inputs=10.0)
>>> "supralinear" in d.alt_text
True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import plotting, synapses
from ..currents import synaptic_current_pA
from ..membrane import Cell, simulate
from ..plotting import number_text as _mv
from ..summation import linear_sum_mV, signed_peak, train_onsets_ms
from ._base import Control, Demo, register

#: The demo's passive cell: 10 nS leak (R_in 100 MOhm) at -70 mV; C = tau_m x g_leak.
G_LEAK_NS = 10.0
REST_MV = -70.0
#: A typical firing threshold, drawn for reference (the passive model does not fire), mV.
THRESHOLD_MV = -55.0
FIRST_ONSET_MS = 10.0
DURATION_MS = 400.0
DT_MS = 0.2  # NMDA with Mg2+ is integrated step by step (2000 steps); peaks within 0.002 mV of dt 0.0125 ms
#: Range and step of the membrane time constant slider, ms: a 1 ms step lets a mouse drag across 60 % of the
#: track cross at least 15 values (a slider sends a value only when it changes, so a coarser step caps the
#: redraws of a drag). The website's frames keep their explicit grid.
TAU_M_RANGE_MS = (5.0, 50.0)
TAU_M_STEP_MS = 1.0
#: Receptor choices: value -> (label, synapse of one input).
RECEPTORS = {
    "ampa": ("AMPA", synapses.ampa(g_max_nS=4.0)),
    "nmda": ("NMDA, 1 mM Mg²⁺", synapses.nmda(g_max_nS=5.0, mg_out_mM=1.0)),
}


def summation_cell(tau_m_ms: float) -> Cell:
    """The demo's passive cell with membrane time constant ``tau_m_ms`` (capacitance tau_m x 10 nS)."""
    return Cell(c_m_pF=float(tau_m_ms) * G_LEAK_NS, g_leak_nS=G_LEAK_NS, e_leak_mV=REST_MV)


def receptor_synapse(receptor: str):
    """The synapse one input of the demo activates."""
    if receptor not in RECEPTORS:
        raise ValueError(f"receptor must be one of {list(RECEPTORS)}, got {receptor!r}")
    return RECEPTORS[receptor][1]


#: Single EPSPs cached: one per receptor and value of the τm slider (46 × 2), so a drag never evicts one.
SINGLE_CACHE_SIZE = 2 * (round((TAU_M_RANGE_MS[1] - TAU_M_RANGE_MS[0]) / TAU_M_STEP_MS) + 1)


@lru_cache(maxsize=SINGLE_CACHE_SIZE)
def _single_dv(receptor: str, tau_m_ms: float) -> np.ndarray:
    """One EPSP (deviation from rest, mV) at FIRST_ONSET_MS: it does not depend on interval or count."""
    trace = simulate(summation_cell(tau_m_ms), [(receptor_synapse(receptor), [FIRST_ONSET_MS])],
                     duration_ms=DURATION_MS, dt_ms=DT_MS)
    dv = trace.v_mV - REST_MV
    dv.setflags(write=False)
    return dv


class TemporalSummation(Demo):
    title = "Temporal summation of a train of EPSPs (passive cell, rest −70 mV; threshold −55 mV marked)"
    model = (f"Model cell: passive, {G_LEAK_NS:g} nS leak (input resistance {1000.0 / G_LEAK_NS:g} MΩ), resting "
             f"at {_mv(REST_MV, 0)} mV, capacitance set by the chosen membrane time constant; the dotted line "
             f"marks a typical firing threshold, {_mv(THRESHOLD_MV, 0)} mV, which this passive model does not "
             f"fire at. Each input opens a {RECEPTORS['ampa'][1].g_max_nS:g} nS AMPA or a "
             f"{RECEPTORS['nmda'][1].g_max_nS:g} nS NMDA conductance (1 mM Mg²⁺); the first arrives at "
             f"{FIRST_ONSET_MS:g} ms.")
    figsize_in = (7.0, 6.6)

    def build(self):
        ax_v, ax_i = self.figure.subplots(2, 1, sharex=True, height_ratios=[1.4, 1.0])
        colors = plotting.COLORS
        self._t = np.arange(round(DURATION_MS / DT_MS) + 1) * DT_MS
        ax_v.axhline(REST_MV, color=colors["leak"], linewidth=1.0, linestyle=":")
        ax_v.axhline(THRESHOLD_MV, color=colors["threshold"], linewidth=1.0, linestyle=":")
        # Fixed texts and legends sit below the traces (zorder 1): they stay in the cached background.
        ax_v.text(0.99, REST_MV, "rest", transform=ax_v.get_yaxis_transform(), color=colors["leak"],
                  va="bottom", ha="right", zorder=1)
        ax_v.text(0.99, THRESHOLD_MV, "threshold (not modelled)", transform=ax_v.get_yaxis_transform(),
                  color=colors["threshold"], va="bottom", ha="right", zorder=1)
        (self.artists["single"],) = ax_v.plot([], [], color=colors["leak"], linewidth=1.2, label="one EPSP")
        (self.artists["linear"],) = ax_v.plot([], [], color=colors["reference"], linewidth=1.8, linestyle="--",
                                              label="EPSPs added (linear sum)")
        (self.artists["train"],) = ax_v.plot([], [], color=colors["membrane"], linewidth=1.5,
                                             label="train (simulated)")
        self.artists["readout"] = ax_v.text(0.02, 0.97, "", transform=ax_v.transAxes, ha="left", va="top")
        ax_v.set(xlim=(0.0, DURATION_MS), ylim=(-72.0, -12.0))
        plotting.label(ax_v, None, "v")
        ax_v.legend(loc="upper right", ncols=1, handlelength=1.8, borderaxespad=0.1).set_zorder(1)

        ax_i.axhline(0.0, color=colors["leak"], linewidth=0.8)
        (self.artists["i_frozen"],) = ax_i.plot([], [], color=colors["reference"], linewidth=1.8, linestyle="--",
                                                label="driving force and block frozen at rest")
        (self.artists["i"],) = ax_i.plot([], [], color=colors["excitation"], linewidth=1.5,
                                         label="synaptic current (simulated)")
        ax_i.set(ylim=(-830.0, 40.0))
        plotting.label(ax_i, "t", "Current (pA)\ninward < 0")
        ax_i.legend(loc="lower right", handlelength=1.8, borderaxespad=0.1).set_zorder(1)
        self.figure.align_ylabels([ax_v, ax_i])

    def _scale_axes(self, dv, linear, i_pA, i_frozen_pA):
        """Axes scaled to the case shown, so a small train is not lost in a corner (the threshold stays in view)."""
        ax_v, ax_i = self.figure.axes[:2]
        # room above the threshold line for the legend and the readout
        top_dv = max(float(np.max(dv)), float(np.max(linear)), 2.0 * (THRESHOLD_MV - REST_MV) / 1.1)
        top_mV = REST_MV + 5.0 * float(np.ceil(1.1 * top_dv / 5.0))
        # time: until the train and the linear sum have decayed to 5 % of their peak (100, 200 or 400 ms)
        big = np.flatnonzero(np.maximum(dv, linear) >= 0.05 * max(float(np.max(dv)), float(np.max(linear))))
        last_ms = float(self._t[min(big[-1], self._t.size - 1)])
        end_ms = min(step for step in (100.0, 200.0, DURATION_MS) if step >= min(last_ms, DURATION_MS))
        largest_pA = -1.1 * min(float(np.min(i_pA)), float(np.min(i_frozen_pA)), -1.0)
        low_pA = -min(step for step in (10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, np.inf)
                      if step >= largest_pA)  # a 1-2-5 step, so the limits change rarely (each change redraws all)
        limits = ((0.0, end_ms), (REST_MV - 2.0, top_mV), (low_pA, -0.05 * low_pA))
        if limits != getattr(self, "_limits", None):
            ax_v.set(xlim=limits[0], ylim=limits[1])
            ax_i.set(ylim=limits[2])
            self._limits = limits
            self.redraw_background(key=limits)  # ticks and the fixed lines move with the limits

    def render(self, interval_ms, n_inputs, tau_m_ms, receptor):
        n = int(round(float(n_inputs)))
        syn = receptor_synapse(receptor)
        cell = summation_cell(tau_m_ms)
        onsets = train_onsets_ms(n, interval_ms, FIRST_ONSET_MS)
        train = simulate(cell, [(syn, onsets)], duration_ms=DURATION_MS, dt_ms=DT_MS)
        dv = train.v_mV - REST_MV
        single = _single_dv(receptor, float(tau_m_ms))
        linear = linear_sum_mV(self._t, single, onsets - onsets[0])
        i_frozen = synaptic_current_pA(syn, self._t, onsets, v_fixed_mV=REST_MV)

        self._scale_axes(dv, linear, train.i_pA[0], i_frozen)
        self.artists["train"].set_data(train.t_ms, train.v_mV)
        self.artists["single"].set_data(self._t, single + REST_MV)
        self.artists["linear"].set_data(self._t, linear + REST_MV)
        self.artists["i"].set_data(train.t_ms, train.i_pA[0])
        self.artists["i_frozen"].set_data(self._t, i_frozen)

        peak, single_peak, linear_peak = signed_peak(dv), signed_peak(single), signed_peak(linear)
        ratio = peak / linear_peak
        kind = "sublinear" if ratio < 0.995 else "supralinear" if ratio > 1.005 else "linear"
        self.artists["readout"].set_text(
            f"train peak {_mv(peak, 1, signed=True)} mV\nlinear sum {_mv(linear_peak, 1, signed=True)} mV\n"
            f"ratio {ratio:.2f}: {kind}")
        inputs = "one input" if n == 1 else f"{n} inputs {float(interval_ms):g} ms apart"
        of_n = f"; the peak is {peak / (n * single_peak):.2f} times {n} single EPSPs" if n > 1 else ""
        crossed = (" The train crosses the marked threshold, where a real neuron would fire."
                   if train.v_mV.max() >= THRESHOLD_MV else "")
        synapse_text = "AMPA synapses" if receptor == "ampa" else f"NMDA synapses with {syn.mg_out_mM:g} mM Mg²⁺"
        return (f"{inputs.capitalize()} through {synapse_text} ({syn.g_max_nS:g} nS each) onto a passive cell "
                f"resting at {_mv(REST_MV, 0)} mV with a membrane time constant of {float(tau_m_ms):g} ms. One EPSP "
                f"peaks {_mv(single_peak, 2)} mV above rest; the train peaks {_mv(peak, 2)} mV above rest, against "
                f"{_mv(linear_peak, 2)} mV if the EPSPs simply added: a summation ratio of {ratio:.2f}, "
                f"{kind}{of_n}.{crossed} Bottom: the synaptic "
                f"current peaks at {_mv(float(train.i_pA[0].min()), 0)} pA, against "
                f"{_mv(float(i_frozen.min()), 0)} pA with the driving force and the Mg²⁺ block frozen at rest.")


@register("temporal_summation")
def temporal_summation() -> TemporalSummation:
    """A train of EPSPs: interval, number of inputs, membrane time constant, AMPA or NMDA."""
    return TemporalSummation(
        controls=[
            Control("interval_ms", "Interval between inputs (ms)", min=1.0, max=40.0, step=1.0, value=5.0,
                    static_values=(1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0)),
            Control("n_inputs", "Number of inputs (count)", min=1.0, max=10.0, step=1.0, value=5.0),
            Control("tau_m_ms", "Membrane time constant τm (ms)", min=TAU_M_RANGE_MS[0], max=TAU_M_RANGE_MS[1],
                    step=TAU_M_STEP_MS, value=20.0,
                    static_values=(5.0, 10.0, 20.0, 35.0, 50.0)),
            Control("receptor", "Receptor", options=[(label, key) for key, (label, _) in RECEPTORS.items()],
                    value="ampa"),
        ],
        static=("interval_ms", "tau_m_ms", "receptor"),
    )
