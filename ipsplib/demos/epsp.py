"""Demos of chapter 2 (EPSPs): synaptic conductance shapes, and the EPSP of one receptor.

- ``conductance_shapes``: exponential, alpha and dual-exponential time courses
  for chosen time constants, beside the receptor presets of `ipsplib.synapses`.
- ``epsp``: one glutamatergic event (AMPA, or NMDA with and without Mg2+) in a
  passive cell: conductance -> current -> membrane potential.

Examples
--------
>>> from ipsplib.demos import epsp as epsp_module
>>> d = epsp_module.epsp()
>>> d.update(receptor="nmda_mg_free", v_rest_mV=-70.0)
>>> d.values["receptor"]
'nmda_mg_free'
"""

from __future__ import annotations

import numpy as np

from .. import plotting, synapses
from ..membrane import Cell, simulate
from ..plotting import number_text as _mv
from ..synapses import Synapse
from ._base import Control, Demo, register

# -- conductance shapes --------------------------------------------------------------------------------

#: Time grid of the shapes panel, ms (event at t = 0).
SHAPES_T_MS = np.linspace(0.0, 50.0, 1001)
#: Time grid of the presets panel, ms, logarithmic so fast and slow receptors share one axis.
PRESETS_T_MS = np.geomspace(0.05, 2000.0, 800)
#: Receptor presets drawn side by side: (name, factory, colour, line style).
PRESET_STYLES = (
    ("AMPA", synapses.ampa, plotting.COLORS["excitation"], "-"),
    ("NMDA", synapses.nmda, plotting.COLORS["excitation"], "--"),
    ("GABA_A", synapses.gaba_a, plotting.COLORS["inhibition"], "-"),
    ("glycine", synapses.glycine, plotting.COLORS["inhibition"], ":"),
    ("GABA_B", synapses.gaba_b, plotting.COLORS["inhibition"], "--"),
)
#: How each preset's name is typeset in the figure (mathtext subscripts).
PRESET_LABELS = {"AMPA": "AMPA", "NMDA": "NMDA", "GABA_A": r"GABA$_\mathrm{A}$", "glycine": "glycine",
                 "GABA_B": r"GABA$_\mathrm{B}$"}


def shape_synapses(tau_rise_ms: float, tau_decay_ms: float) -> dict[str, Synapse]:
    """The three waveforms the shapes panel compares, each with a 1 nS peak.

    Exponential: decay tau_decay. Dual exponential: tau_rise (at most tau_decay)
    and tau_decay. Alpha: the single time constant that peaks when the dual
    exponential does, so the three differ only in shape.
    """
    rise = min(float(tau_rise_ms), float(tau_decay_ms))
    dual = Synapse(g_max_nS=1.0, tau_rise_ms=rise, tau_decay_ms=tau_decay_ms, e_rev_mV=0.0, name="dual exponential")
    tau_alpha = dual.peak_time_ms
    return {
        "exponential": Synapse(g_max_nS=1.0, tau_rise_ms=0.0, tau_decay_ms=tau_decay_ms, e_rev_mV=0.0,
                               name="exponential"),
        "alpha": Synapse(g_max_nS=1.0, tau_rise_ms=tau_alpha, tau_decay_ms=tau_alpha, e_rev_mV=0.0, name="alpha"),
        "dual exponential": dual,
    }


class ConductanceShapes(Demo):
    title = "Synaptic conductance time courses: three shapes, five receptors"
    model = ("One release at 0 ms; every conductance is scaled to a 1 nS peak. Top: the three shapes for the "
             "chosen time constants; bottom: the book's receptor presets.")
    figsize_in = (7.0, 6.6)

    def build(self):
        ax_shape, ax_preset = self.figure.subplots(2, 1)
        styles = {"exponential": (plotting.COLORS["leak"], "--"),
                  "alpha": (plotting.COLORS["reference"], ":"),
                  "dual exponential": (plotting.COLORS["membrane"], "-")}
        for name, (color, style) in styles.items():
            (self.artists[name],) = ax_shape.plot([], [], color=color, linestyle=style, label=name)
        self.artists["peak"] = ax_shape.axvline(0.0, color=plotting.COLORS["leak"], linewidth=0.8, alpha=0.6)
        self.artists["readout"] = ax_shape.text(0.98, 0.45, "", transform=ax_shape.transAxes, ha="right",
                                                va="top")
        ax_shape.set(xlim=(SHAPES_T_MS[0], SHAPES_T_MS[-1]), ylim=(0.0, 1.08))
        plotting.label(ax_shape, "Time after release (ms)", "g")
        ax_shape.legend(loc="upper right")

        for name, factory, color, style in PRESET_STYLES:
            syn = factory(g_max_nS=1.0)
            g = syn.conductance(PRESETS_T_MS, [0.0])
            (self.artists[f"preset {name}"],) = ax_preset.plot(
                PRESETS_T_MS, g, color=color, linestyle=style,
                label=f"{PRESET_LABELS[name]} ({syn.tau_rise_ms:g}/{syn.tau_decay_ms:g} ms)")
        ax_preset.set(xscale="log", xlim=(PRESETS_T_MS[0], PRESETS_T_MS[-1]), ylim=(0.0, 1.9),
                      yticks=[0.0, 0.5, 1.0])
        plotting.label(ax_preset, "Time after release (ms, log scale)", "g")
        ax_preset.legend(loc="upper center", ncol=2, title=r"rise/decay time constants $\tau$",
                         columnspacing=1.0, handlelength=1.8, borderaxespad=0.1)

    def render(self, tau_rise_ms, tau_decay_ms):
        shapes = shape_synapses(tau_rise_ms, tau_decay_ms)
        for name, syn in shapes.items():
            self.artists[name].set_data(SHAPES_T_MS, syn.conductance(SHAPES_T_MS, [0.0]))
        dual = shapes["dual exponential"]
        t_peak = dual.peak_time_ms
        self.artists["peak"].set_xdata([t_peak, t_peak])
        clipped = dual.tau_rise_ms < float(tau_rise_ms)
        capped_text = r"($\tau_\mathrm{rise}$ capped at $\tau_\mathrm{decay}$:" + "\ndual exp. = alpha)"
        note = "\n" + capped_text if clipped else ""
        self.artists["readout"].set_text(f"peak at {t_peak:.2f} ms{note}")
        # When each shape has fallen below half its peak for good (read off the plotted curves).
        half = {name: float(SHAPES_T_MS[np.flatnonzero(self.artists[name].get_ydata() >= 0.5)[-1]])
                for name in shapes}
        capped = (f" The requested rise time constant of {float(tau_rise_ms):.2f} ms is capped at the decay "
                  f"time constant, which makes the dual exponential an alpha function." if clipped else "")
        return (f"Top: conductances with a 1 nS peak after a release at 0 ms.{capped} The exponential jumps "
                f"to 1 nS and decays with a time constant of {tau_decay_ms:.2f} ms; the dual exponential "
                f"(rise {dual.tau_rise_ms:.2f} ms, decay {tau_decay_ms:.2f} ms) peaks at {t_peak:.2f} ms, "
                f"as does the alpha function with a time constant of {t_peak:.2f} ms. They fall below half their "
                f"peak at {half['exponential']:.2f}, {half['alpha']:.2f} and {half['dual exponential']:.2f} ms "
                f"(exponential, alpha, dual exponential). Bottom, on a log time axis: AMPA, GABA A and glycine "
                f"conductances last a few ms, NMDA about a hundred ms and GABA B several hundred ms.")


@register("conductance_shapes")
def conductance_shapes() -> ConductanceShapes:
    """Exponential, alpha and dual-exponential conductances, and the receptor presets side by side."""
    return ConductanceShapes(
        controls=[
            Control("tau_rise_ms", "Rise time constant τ rise (ms)", min=0.1, max=5.0, step=0.05, value=0.5,
                    scale="log",
                    static_values=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0)),
            Control("tau_decay_ms", "Decay time constant τ decay (ms)", min=1.0, max=20.0, step=0.05, value=5.0,
                    scale="log",
                    static_values=(1.0, 2.0, 5.0, 10.0, 20.0)),
        ],
        static=("tau_rise_ms", "tau_decay_ms"),
    )


# -- EPSP ------------------------------------------------------------------------------------------------

#: The demo's passive cell: tau_m = 20 ms, R_in = 100 MOhm (rest set by the v_rest control).
EPSP_C_M_PF = 200.0
EPSP_G_LEAK_NS = 10.0
EPSP_ONSET_MS = 10.0
EPSP_DURATION_MS = 300.0
EPSP_DT_MS = 0.1  # NMDA with Mg2+ is integrated step by step: 3000 steps
#: Slider steps of the peak conductance (nS; the readout's one decimal shows it exactly), the time-constant
#: factor and the resting potential (mV): fine enough that a mouse drag across 60 % of the track crosses at
#: least 15 values (a slider sends a value only when it changes, so a coarser step caps the redraws of a
#: drag). The website's frames keep their explicit grid.
G_MAX_STEP_NS = 0.1
KINETICS_STEP = 0.05
V_REST_STEP_MV = 1.0
#: Receptor choices: value -> (label, preset factory, overrides).
RECEPTORS = {
    "ampa": ("AMPA", synapses.ampa, {}),
    "nmda": ("NMDA, 1 mM Mg²⁺", synapses.nmda, {"mg_out_mM": 1.0}),
    "nmda_mg_free": ("NMDA, no Mg²⁺", synapses.nmda, {"mg_out_mM": 0.0}),
}


def epsp_synapse(receptor: str, g_max_nS: float, kinetics: float) -> Synapse:
    """The demo's synapse: a receptor preset with its peak conductance and both time constants scaled."""
    if receptor not in RECEPTORS:
        raise ValueError(f"receptor must be one of {list(RECEPTORS)}, got {receptor!r}")
    _, factory, overrides = RECEPTORS[receptor]
    base = factory(**overrides)
    return factory(g_max_nS=g_max_nS, tau_rise_ms=base.tau_rise_ms * kinetics,
                   tau_decay_ms=base.tau_decay_ms * kinetics, **overrides)


def epsp_cell(v_rest_mV: float) -> Cell:
    """The demo's passive cell resting at ``v_rest_mV``."""
    return Cell(c_m_pF=EPSP_C_M_PF, g_leak_nS=EPSP_G_LEAK_NS, e_leak_mV=v_rest_mV)


class Epsp(Demo):
    title = "An EPSP: synaptic conductance → current → membrane potential"
    model = (f"Model cell: passive, {EPSP_C_M_PF:g} pF and {EPSP_G_LEAK_NS:g} nS leak (membrane time constant "
             f"{EPSP_C_M_PF / EPSP_G_LEAK_NS:g} ms, input resistance {1000.0 / EPSP_G_LEAK_NS:g} MΩ), resting at "
             f"the chosen potential; one release at {EPSP_ONSET_MS:g} ms.")
    figsize_in = (7.0, 6.6)

    def build(self):
        ax_g, ax_i, ax_v = self.figure.subplots(3, 1, sharex=True)
        (self.artists["g_unblocked"],) = ax_g.plot([], [], color=plotting.COLORS["leak"], linestyle="--",
                                                   linewidth=1.2, label="without Mg²⁺ block")
        (self.artists["g"],) = ax_g.plot([], [], color=plotting.COLORS["excitation"], label="conductance")
        ax_g.set(ylim=(0.0, 5.5))
        plotting.label(ax_g, None, "g")
        # Two legends, one shown: the dashed "without Mg²⁺ block" line exists only for NMDA with Mg²⁺.
        self.artists["legend_blocked"] = ax_g.legend(handles=[self.artists["g"], self.artists["g_unblocked"]],
                                                     loc="upper right")
        ax_g.add_artist(self.artists["legend_blocked"])
        self.artists["legend_plain"] = ax_g.legend(handles=[self.artists["g"]], loc="upper right")
        (self.artists["i"],) = ax_i.plot([], [], color=plotting.COLORS["excitation"])
        ax_i.axhline(0.0, color=plotting.COLORS["leak"], linewidth=0.8)
        ax_i.set(ylim=(-480.0, 20.0))
        plotting.label(ax_i, None, "Current (pA)\ninward < 0")
        (self.artists["dv"],) = ax_v.plot([], [], color=plotting.COLORS["membrane"])
        self.artists["readout"] = ax_v.text(0.98, 0.92, "", transform=ax_v.transAxes, ha="right", va="top")
        ax_v.set(xlim=(0.0, EPSP_DURATION_MS), ylim=(-0.5, 30.0))
        plotting.label(ax_v, "t", "Depolarization\nfrom rest (mV)")
        self.figure.align_ylabels([ax_g, ax_i, ax_v])

    def render(self, receptor, g_max_nS, kinetics, v_rest_mV):
        syn = epsp_synapse(receptor, g_max_nS, kinetics)
        cell = epsp_cell(v_rest_mV)
        trace = simulate(cell, [(syn, [EPSP_ONSET_MS])], duration_ms=EPSP_DURATION_MS, dt_ms=EPSP_DT_MS)
        dv = trace.v_mV - v_rest_mV
        self.artists["g"].set_data(trace.t_ms, trace.g_nS[0])
        blocked = syn.mg_out_mM > 0
        self.artists["g_unblocked"].set_data(trace.t_ms, syn.conductance(trace.t_ms, [EPSP_ONSET_MS]))
        self.artists["g_unblocked"].set_visible(blocked)
        self.artists["legend_blocked"].set_visible(blocked)
        self.artists["legend_plain"].set_visible(not blocked)
        self.artists["i"].set_data(trace.t_ms, trace.i_pA[0])
        self.artists["dv"].set_data(trace.t_ms, dv)
        k = int(np.argmax(dv))
        peak_mV, t_peak_ms = float(dv[k]), float(trace.t_ms[k]) - EPSP_ONSET_MS
        g_peak = float(trace.g_nS[0].max())
        i_peak = float(trace.i_pA[0].min())
        self.artists["readout"].set_text(f"peak {_mv(peak_mV, 2, signed=True)} mV, {t_peak_ms:.1f} ms after release")
        label = RECEPTORS[receptor][0]
        block_text = (f" The Mg²⁺ block lets through at most {g_peak:.2f} of the {g_max_nS:.2f} nS."
                      if blocked else "")
        return (f"{label} synapse, peak conductance {g_max_nS:.2f} nS, time constants × {kinetics:.2f}, onto a "
                f"passive cell resting at {_mv(v_rest_mV, 0)} mV (membrane time constant {cell.tau_m_ms:.0f} ms)."
                f"{block_text} The peak synaptic current is {_mv(i_peak, 0)} pA (inward) and the EPSP peaks "
                f"{_mv(peak_mV, 2)} mV above rest, {t_peak_ms:.1f} ms after release.")


@register("epsp")
def epsp() -> Epsp:
    """One glutamatergic EPSP: receptor (AMPA, NMDA with and without Mg2+), g_max, kinetics, resting potential."""
    return Epsp(
        controls=[
            Control("receptor", "Receptor", options=[(label, key) for key, (label, _, _) in RECEPTORS.items()],
                    value="ampa"),
            Control("g_max_nS", "Peak conductance (nS)", min=0.0, max=5.0, step=G_MAX_STEP_NS, value=3.0,
                    static_values=(0.5, 1.0, 2.0, 3.0, 4.0, 5.0)),
            Control("kinetics", "Time constants (× receptor default)", min=0.5, max=2.0, step=KINETICS_STEP,
                    value=1.0),
            Control("v_rest_mV", "Resting potential (mV)", min=-90.0, max=-30.0, step=V_REST_STEP_MV, value=-70.0,
                    static_values=(-90.0, -80.0, -70.0, -60.0, -50.0, -40.0, -30.0)),
        ],
        static=("receptor", "g_max_nS", "v_rest_mV"),
    )
