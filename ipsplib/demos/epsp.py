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
    figsize_in = (8.0, 3.4)

    def build(self):
        ax_shape, ax_preset = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
        styles = {"exponential": (plotting.COLORS["leak"], "--"),
                  "alpha": (plotting.COLORS["reference"], ":"),
                  "dual exponential": (plotting.COLORS["membrane"], "-")}
        for name, (color, style) in styles.items():
            (self.artists[name],) = ax_shape.plot([], [], color=color, linestyle=style, label=name)
        self.artists["peak"] = ax_shape.axvline(0.0, color=plotting.COLORS["leak"], linewidth=0.8, alpha=0.6)
        self.artists["readout"] = ax_shape.text(0.98, 0.62, "", transform=ax_shape.transAxes, ha="right",
                                                va="top", fontsize=9)
        ax_shape.set(xlim=(SHAPES_T_MS[0], SHAPES_T_MS[-1]), ylim=(0.0, 1.08),
                     title="Shapes with a 1 nS peak")
        plotting.label(ax_shape, "Time after release (ms)", "g")
        ax_shape.legend(loc="upper right", fontsize=9)

        for name, factory, color, style in PRESET_STYLES:
            syn = factory(g_max_nS=1.0)
            g = syn.conductance(PRESETS_T_MS, [0.0])
            (self.artists[f"preset {name}"],) = ax_preset.plot(
                PRESETS_T_MS, g, color=color, linestyle=style,
                label=f"{name} ({syn.tau_rise_ms:g}/{syn.tau_decay_ms:g} ms)")
        ax_preset.set(xscale="log", xlim=(PRESETS_T_MS[0], PRESETS_T_MS[-1]), ylim=(0.0, 1.55),
                      yticks=[0.0, 0.25, 0.5, 0.75, 1.0], title="Receptor presets (peak scaled to 1 nS)")
        plotting.label(ax_preset, "Time after release (ms, log scale)", "g")
        ax_preset.legend(loc="upper center", fontsize=8, ncol=2, title="τ_rise/τ_decay", title_fontsize=8,
                         columnspacing=1.0, handlelength=1.8)

    def render(self, tau_rise_ms, tau_decay_ms):
        shapes = shape_synapses(tau_rise_ms, tau_decay_ms)
        for name, syn in shapes.items():
            self.artists[name].set_data(SHAPES_T_MS, syn.conductance(SHAPES_T_MS, [0.0]))
        dual = shapes["dual exponential"]
        t_peak = dual.peak_time_ms
        self.artists["peak"].set_xdata([t_peak, t_peak])
        clipped = dual.tau_rise_ms < float(tau_rise_ms)
        note = "\n(τ_rise capped at τ_decay:\n dual exp. = alpha)" if clipped else ""
        self.artists["readout"].set_text(f"peak at {t_peak:.2f} ms{note}")
        # When each shape has fallen below half its peak for good (read off the plotted curves).
        half = {name: float(SHAPES_T_MS[np.flatnonzero(self.artists[name].get_ydata() >= 0.5)[-1]])
                for name in shapes}
        capped = (f" The requested τ_rise of {float(tau_rise_ms):.2f} ms is capped at τ_decay, which makes "
                  f"the dual exponential an alpha function." if clipped else "")
        return (f"Left: conductances with a 1 nS peak after a release at 0 ms.{capped} The exponential jumps "
                f"to 1 nS and decays with τ = {tau_decay_ms:.2f} ms; the dual exponential "
                f"(τ_rise = {dual.tau_rise_ms:.2f} ms, τ_decay = {tau_decay_ms:.2f} ms) peaks at {t_peak:.2f} ms, "
                f"as does the alpha function with τ = {t_peak:.2f} ms. They fall below half their peak at "
                f"{half['exponential']:.2f}, {half['alpha']:.2f} and {half['dual exponential']:.2f} ms "
                f"(exponential, alpha, dual exponential). Right, on a log time axis: AMPA, GABA_A and glycine "
                f"conductances last a few ms, NMDA about a hundred ms and GABA_B several hundred ms.")


@register("conductance_shapes")
def conductance_shapes() -> ConductanceShapes:
    """Exponential, alpha and dual-exponential conductances, and the receptor presets side by side."""
    return ConductanceShapes(
        controls=[
            Control("tau_rise_ms", "τ_rise (ms)", min=0.1, max=5.0, step=0.05, value=0.5, scale="log",
                    static_values=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0)),
            Control("tau_decay_ms", "τ_decay (ms)", min=1.0, max=20.0, step=0.05, value=5.0, scale="log",
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
    figsize_in = (7.0, 5.6)

    def build(self):
        ax_g, ax_i, ax_v = self.figure.subplots(3, 1, sharex=True)
        (self.artists["g_unblocked"],) = ax_g.plot([], [], color=plotting.COLORS["leak"], linestyle="--",
                                                   linewidth=1.2, label="without Mg²⁺ block")
        (self.artists["g"],) = ax_g.plot([], [], color=plotting.COLORS["excitation"], label="conductance")
        ax_g.set(ylim=(0.0, 5.5))
        plotting.label(ax_g, None, "g")
        ax_g.legend(loc="upper right", fontsize=9)
        (self.artists["i"],) = ax_i.plot([], [], color=plotting.COLORS["excitation"])
        ax_i.axhline(0.0, color=plotting.COLORS["leak"], linewidth=0.8)
        ax_i.set(ylim=(-480.0, 20.0))
        plotting.label(ax_i, None, "Current (pA)\n(inward < 0)")
        (self.artists["dv"],) = ax_v.plot([], [], color=plotting.COLORS["membrane"])
        self.artists["readout"] = ax_v.text(0.98, 0.92, "", transform=ax_v.transAxes, ha="right", va="top",
                                            fontsize=9)
        ax_v.set(xlim=(0.0, EPSP_DURATION_MS), ylim=(-0.5, 30.0))
        plotting.label(ax_v, "t", "Depolarization\nfrom rest (mV)")
        self.figure.align_ylabels([ax_g, ax_i, ax_v])

    def render(self, receptor, g_max_nS, kinetics, v_rest_mV):
        syn = epsp_synapse(receptor, g_max_nS, kinetics)
        cell = epsp_cell(v_rest_mV)
        trace = simulate(cell, [(syn, [EPSP_ONSET_MS])], EPSP_DURATION_MS, dt_ms=EPSP_DT_MS)
        dv = trace.v_mV - v_rest_mV
        self.artists["g"].set_data(trace.t_ms, trace.g_nS[0])
        blocked = syn.mg_out_mM > 0
        self.artists["g_unblocked"].set_data(trace.t_ms, syn.conductance(trace.t_ms, [EPSP_ONSET_MS]))
        self.artists["g_unblocked"].set_visible(blocked)
        self.artists["i"].set_data(trace.t_ms, trace.i_pA[0])
        self.artists["dv"].set_data(trace.t_ms, dv)
        k = int(np.argmax(dv))
        peak_mV, t_peak_ms = float(dv[k]), float(trace.t_ms[k]) - EPSP_ONSET_MS
        g_peak = float(trace.g_nS[0].max())
        i_peak = float(trace.i_pA[0].min())
        self.artists["readout"].set_text(f"peak +{peak_mV:.2f} mV, {t_peak_ms:.1f} ms after release")
        label = RECEPTORS[receptor][0]
        block_text = (f" The Mg²⁺ block lets through at most {g_peak:.2f} of the {g_max_nS:.2f} nS."
                      if blocked else "")
        return (f"{label} synapse, peak conductance {g_max_nS:.2f} nS, time constants × {kinetics:.2f}, onto a "
                f"passive cell resting at {v_rest_mV:.0f} mV (τ_m = {cell.tau_m_ms:.0f} ms).{block_text} "
                f"The peak synaptic current is {i_peak:.0f} pA (inward) and the EPSP peaks {peak_mV:.2f} mV "
                f"above rest, {t_peak_ms:.1f} ms after release.")


@register("epsp")
def epsp() -> Epsp:
    """One glutamatergic EPSP: receptor (AMPA, NMDA with and without Mg2+), g_max, kinetics, resting potential."""
    return Epsp(
        controls=[
            Control("receptor", "Receptor", options=[(label, key) for key, (label, _, _) in RECEPTORS.items()],
                    value="ampa"),
            Control("g_max_nS", "Peak conductance g_max (nS)", min=0.0, max=5.0, step=0.25, value=3.0),
            Control("kinetics", "Time constants (× receptor default)", min=0.5, max=2.0, step=0.1, value=1.0),
            Control("v_rest_mV", "Resting potential (mV)", min=-90.0, max=-30.0, step=5.0, value=-70.0,
                    static_values=(-90.0, -80.0, -70.0, -60.0, -50.0, -40.0, -30.0)),
        ],
        static=("receptor", "v_rest_mV"),
    )
