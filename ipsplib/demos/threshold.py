"""Demos of the chapter on EPSP–IPSP competition at threshold.

- `firing_rate_inhibition`: an integrate-and-fire cell (rest -70 mV, threshold
  -55 mV) under Poisson excitation, with Poisson inhibition that is
  hyperpolarizing or shunting; its output rate against the excitatory input
  rate, with and without inhibition (`ipsplib.poisson_firing`), and the fit of
  the inhibited curve as a shift and a gain of the control (`ipsplib.shift_and_gain`).
- `ei_competition`: an EPSP on the dendrite of a passive ball-and-stick neuron
  and an IPSP whose position, timing and reversal potential the reader sets
  (`ipsplib.simulate_dendrite`); the somatic potential against the -55 mV
  typical threshold used in the chapter.

Examples
--------
>>> d = firing_rate_inhibition()
>>> d.update(kind="shunting", inh_rate_khz=2.0)
>>> "shunting" in d.alt_text
True
"""

from __future__ import annotations

import numpy as np

from .. import plotting
from ..dendrite import ball_and_stick, simulate_dendrite
from ..firing import TAU_INH_MS, poisson_firing, shift_and_gain
from ..membrane import Cell
from ..plotting import number_text as _mv
from ..synapses import ampa, gaba_a
from ._base import Control, Demo, register

#: The chapter's integrate-and-fire cell: rest -70 mV and threshold -55 mV as in the chapter's arithmetic,
#: 200 pF and 10 nS (tau_m 20 ms), reset to rest, 2 ms refractory period.
LIF = Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-70.0, v_threshold_mV=-55.0, refractory_ms=2.0)
#: Conductance step of one excitatory / inhibitory event, nS.
G_EXC_NS = 1.0
G_INH_NS = 1.0
#: Reversal potential of each kind of inhibition, mV (shunting: at rest).
E_INH_MV = {"hyperpolarizing": -80.0, "shunting": -70.0}
#: Excitatory input rates of the rate curve, kHz (all synapses together).
DRIVE_KHZ = np.linspace(1.0, 6.0, 9)
#: Simulated time per point of the curve and for the trace, ms, and the step, ms.
RATE_DURATION_MS = 1000.0
TRACE_SHOWN_MS = 300.0
FIRING_DT_MS = 0.25
SEED = 2026
SPIKE_MARK_MV = -50.0
#: Rate curves kept per demo (the slider has 31 inhibitory rates x 2 kinds of inhibition).
CURVE_CACHE_SIZE = 64
#: Slider steps: fine enough that a mouse drag across 60 % of a slider crosses at least 10 values (a slider
#: sends a value only when it changes, so a coarser step caps the redraws of a drag, however fast the kernel).
INH_RATE_STEP_KHZ = 0.1
EXC_RATE_STEP_KHZ = 0.1


class FiringRateInhibition(Demo):
    title = "Firing rate with inhibition: hyperpolarizing or shunting"
    model = (f"Model cell: leaky integrate-and-fire, {LIF.c_m_pF:g} pF, {LIF.g_leak_nS:g} nS leak (membrane time "
             f"constant {LIF.tau_m_ms:g} ms), rest {_mv(LIF.e_leak_mV, 0)} mV, threshold "
             f"{_mv(LIF.v_threshold_mV, 0)} mV, reset to rest, {LIF.refractory_ms:g} ms refractory; Poisson "
             f"excitation ({G_EXC_NS:g} nS per event, reversal 0 mV) and inhibition ({G_INH_NS:g} nS per event), "
             f"{RATE_DURATION_MS / 1000:g} s of input per point.")
    figsize_in = (7.0, 7.2)
    blit = True

    def build(self):
        ax_v, ax_r = self.figure.subplots(2, 1, height_ratios=[1.0, 1.2])
        colors = plotting.COLORS
        ax_v.set(xlim=(0.0, TRACE_SHOWN_MS), ylim=(-85.0, -47.0))
        plotting.label(ax_v, "t", "v")
        ax_v.axhline(LIF.v_threshold_mV, color=colors["threshold"], linestyle=":", linewidth=1.0)
        ax_v.text(0.99, LIF.v_threshold_mV + 0.4, "threshold", transform=ax_v.get_yaxis_transform(),
                  color=colors["threshold"], ha="right", va="bottom", zorder=1)
        (self.artists["v_control"],) = ax_v.plot([], [], color=colors["leak"], linewidth=1.0,
                                                 label="no inhibition")
        (self.artists["v_inhibited"],) = ax_v.plot([], [], color=colors["membrane"], linewidth=1.2,
                                                   label="with inhibition")
        (self.artists["spikes_control"],) = ax_v.plot([], [], "|", color=colors["leak"], markersize=10,
                                                      markeredgewidth=1.5)
        (self.artists["spikes_inhibited"],) = ax_v.plot([], [], "|", color=colors["membrane"], markersize=14,
                                                        markeredgewidth=2.0)
        # legends of the figure, outside the axes and drawn before them: cached with the background
        self.figure.legend(handles=[self.artists["v_control"], self.artists["v_inhibited"]], loc="outside upper center",
                           ncols=2, handlelength=1.5).set_zorder(-1)

        ax_r.set(xlim=(DRIVE_KHZ[0] - 0.2, DRIVE_KHZ[-1] + 0.2), ylim=(0.0, 180.0))
        plotting.label(ax_r, "Excitatory input rate (kHz, all synapses)", "Output rate (spikes/s)")
        self._control_rates = np.array([self._rate(x, 0.0, "shunting") for x in DRIVE_KHZ])
        (self.artists["curve_control"],) = ax_r.plot(DRIVE_KHZ, self._control_rates, "o-", color=colors["leak"],
                                                     label="no inhibition")
        (self.artists["curve_inhibited"],) = ax_r.plot([], [], "o-", color=colors["inhibition"],
                                                       label="with inhibition")
        (self.artists["curve_fit"],) = ax_r.plot([], [], "--", color=colors["reference"], linewidth=1.5,
                                                 label="shifted and scaled control")
        self.artists["operating_point"] = ax_r.axvline(DRIVE_KHZ[0], color=colors["excitation"], linewidth=1.0,
                                                       linestyle=":")
        self.artists["readout"] = ax_r.text(0.02, 0.97, "", transform=ax_r.transAxes, va="top")
        self.figure.legend(handles=[self.artists["curve_control"], self.artists["curve_inhibited"],
                                    self.artists["curve_fit"]], loc="outside lower center", ncols=2,
                           handlelength=1.5).set_zorder(-1)
        self._cache: dict = {}
        self._control_traces: dict = {}

    @staticmethod
    def _run(exc_rate_khz, inh_rate_khz, kind, duration_ms):
        return poisson_firing(LIF, rate_exc_hz=1000.0 * exc_rate_khz, g_exc_nS=G_EXC_NS,
                              rate_inh_hz=1000.0 * inh_rate_khz, g_inh_nS=G_INH_NS, e_inh_mV=E_INH_MV[kind],
                              duration_ms=duration_ms, seed=SEED, dt_ms=FIRING_DT_MS)

    def _rate(self, exc_rate_khz, inh_rate_khz, kind):
        return self._run(exc_rate_khz, inh_rate_khz, kind, RATE_DURATION_MS).rate_hz

    def curve(self, inh_rate_khz, kind):
        """Output rates over `DRIVE_KHZ` with this inhibition, spikes/s, and the fit (shift in kHz, gain) or None.

        Settings are remembered (up to `CURVE_CACHE_SIZE`): moving only the excitatory rate, or back to an
        inhibition seen before, does not recompute the curve.
        """
        key = (float(inh_rate_khz), kind)
        if key not in self._cache:
            if len(self._cache) >= CURVE_CACHE_SIZE:
                self._cache.clear()
            rates = np.array([self._rate(x, inh_rate_khz, kind) for x in DRIVE_KHZ])
            try:
                fit = shift_and_gain(DRIVE_KHZ, self._control_rates, rates)[:2] if inh_rate_khz > 0 else None
            except ValueError:
                fit = None
            self._cache[key] = (rates, fit)
        return self._cache[key]

    def control_trace(self, exc_rate_khz):
        """The trace without inhibition: the same for both kinds (no inhibitory event, so its reversal never
        enters), so it is simulated once per excitatory rate."""
        key = float(exc_rate_khz)
        if key not in self._control_traces:
            self._control_traces[key] = self._run(exc_rate_khz, 0.0, "shunting", TRACE_SHOWN_MS)
        return self._control_traces[key]

    def render(self, kind, inh_rate_khz, exc_rate_khz):
        control = self.control_trace(exc_rate_khz)
        inhibited = self._run(exc_rate_khz, inh_rate_khz, kind, TRACE_SHOWN_MS)
        for name, result in (("control", control), ("inhibited", inhibited)):
            self.artists[f"v_{name}"].set_data(result.t_ms, result.v_mV)
            self.artists[f"spikes_{name}"].set_data(result.spikes_ms,
                                                    np.full(result.spikes_ms.shape, SPIKE_MARK_MV))
        rates, fit = self.curve(inh_rate_khz, kind)
        self.artists["curve_inhibited"].set_data(DRIVE_KHZ, rates)
        self.artists["operating_point"].set_xdata([exc_rate_khz, exc_rate_khz])
        mean_g_nS = inh_rate_khz * G_INH_NS * TAU_INH_MS  # kHz * nS * ms
        if fit is None:
            self.artists["curve_fit"].set_data([], [])
            fit_text = "no fit" if inh_rate_khz else "no inhibition"
            fit_alt = ("too few firing points to fit a shift and a gain" if inh_rate_khz
                       else "without inhibition the two curves coincide")
        else:
            shift, gain = fit
            self.artists["curve_fit"].set_data(DRIVE_KHZ, gain * np.interp(DRIVE_KHZ - shift, DRIVE_KHZ,
                                                                           self._control_rates))
            fit_text = f"shift {_mv(shift, 2)} kHz, gain {gain:.2f}"
            fit_alt = (f"the inhibited curve is the control shifted right by {_mv(shift, 2)} kHz and scaled by "
                       f"{gain:.2f}")
        e_inh = E_INH_MV[kind]
        self.artists["readout"].set_text(f"{kind}, $E_\\mathrm{{inh}}$ = {_mv(e_inh, 0)} mV\n{fit_text}")
        return (f"Top: membrane potential of the integrate-and-fire cell (rest {_mv(LIF.e_leak_mV, 0)} mV, "
                f"threshold {_mv(LIF.v_threshold_mV, 0)} mV) over {TRACE_SHOWN_MS:g} ms of Poisson excitation at "
                f"{exc_rate_khz:.2f} kHz: {control.spikes_ms.size} spikes without inhibition, "
                f"{inhibited.spikes_ms.size} with {kind} inhibition at {inh_rate_khz:.2f} kHz (reversal "
                f"{_mv(e_inh, 0)} mV, mean conductance {mean_g_nS:.1f} nS). Bottom: output rate against excitatory "
                f"input rate from {DRIVE_KHZ[0]:g} to {DRIVE_KHZ[-1]:g} kHz, without inhibition up to "
                f"{self._control_rates.max():.0f} spikes/s and with it up to {rates.max():.0f} spikes/s; "
                f"{fit_alt}.")


@register("firing_rate_inhibition")
def firing_rate_inhibition() -> FiringRateInhibition:
    """Poisson excitation and inhibition in an integrate-and-fire cell: rate curves, hyperpolarizing vs shunting."""
    return FiringRateInhibition(
        controls=[
            Control("kind", "Inhibition", value="shunting",
                    options=[(f"{kind} ({_mv(e, 0)} mV)", kind) for kind, e in E_INH_MV.items()]),
            Control("inh_rate_khz", "Inhibitory input rate (kHz)", min=0.0, max=3.0, step=INH_RATE_STEP_KHZ,
                    value=1.5, static_values=(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)),
            Control("exc_rate_khz", "Excitatory input rate (kHz)", min=1.0, max=6.0, step=EXC_RATE_STEP_KHZ,
                    value=3.5, static_values=(1.0, 2.0, 3.5, 5.0, 6.0)),
        ],
        static=("kind", "inh_rate_khz", "exc_rate_khz"),
    )


# -- E-I competition on the ball-and-stick ------------------------------------------------------------------
#: The chapter's threshold for the passive ball-and-stick, mV (a typical -55 mV; the model has no spike).
V_THRESHOLD_MV = -55.0
#: The excitatory input: one compound AMPA event at EXC_DISTANCE_UM whose somatic EPSP alone crosses threshold.
EXC_G_NS = 14.0
EXC_DISTANCE_UM = 400.0
EXC_ONSET_MS = 15.0
#: Peak conductance of the inhibitory (GABA_A) input, nS.
INH_G_NS = 10.0
EI_DURATION_MS = 60.0
EI_DT_MS = 0.2
#: Step of the inhibition's distance slider, µm (fine enough for 10 values in a 60 % drag; see INH_RATE_STEP_KHZ).
INH_DISTANCE_STEP_UM = 25.0
#: Reversal potential of the simulated unit IPSP, mV below rest (any value but 0 gives the same scaled IPSP).
UNIT_DRIVE_MV = -10.0
#: (distance, delay, reversal potential) settings whose combined traces are kept before the cache is emptied.
EI_CACHE_SIZE = 512


class EICompetition(Demo):
    title = "EPSP–IPSP competition: where, when and at which reversal potential inhibition acts"
    figsize_in = (7.0, 6.4)

    def __init__(self, *args, **kwargs):
        self.cell = ball_and_stick()  # the book's ball-and-stick (chapter on spatial summation)
        self.model = (
            f"Model cell: passive ball-and-stick (soma {self.cell.soma_diam_um:g} µm, dendrite "
            f"{self.cell.dend_length_um:g} µm long and {self.cell.dend_diam_um:g} µm thick, length constant "
            f"{self.cell.lambda_um:.0f} µm), rest {_mv(self.cell.e_leak_mV, 0)} mV. It has no spike: the dotted "
            f"line is a typical threshold, {_mv(V_THRESHOLD_MV, 0)} mV, and a somatic peak above it would "
            f"fire a real neuron. A {EXC_G_NS:g} nS AMPA input at {EXC_DISTANCE_UM:g} µm at {EXC_ONSET_MS:g} ms; "
            f"a {INH_G_NS:g} nS GABA-A input.")
        super().__init__(*args, **kwargs)

    def build(self):
        ax_s, ax_v = self.figure.subplots(2, 1, height_ratios=[0.45, 1.6])
        colors = plotting.COLORS
        length = float(self.cell.dend_length_um)
        # the neuron: soma at 0, dendrite to the right
        ax_s.set(xlim=(-60.0, length + 40.0), ylim=(-1.0, 1.6))
        ax_s.set_yticks([])
        ax_s.spines["left"].set_visible(False)
        ax_s.set_xlabel("Distance from the soma along the dendrite (µm)")
        ax_s.plot([0.0, length], [0.0, 0.0], color=colors["leak"], linewidth=4, solid_capstyle="butt")
        ax_s.plot([0.0], [0.0], "o", color=colors["leak"], markersize=22)
        ax_s.plot([EXC_DISTANCE_UM], [0.55], "v", color=colors["excitation"], markersize=13)
        ax_s.text(EXC_DISTANCE_UM + 20, 0.55, "excitation", color=colors["excitation"], va="center")
        (self.artists["inh_marker"],) = ax_s.plot([], [], "v", color=colors["inhibition"], markersize=13)
        self.artists["inh_label"] = ax_s.text(0.0, 1.25, "inhibition", color=colors["inhibition"], va="center",
                                              ha="center")
        # the somatic potential
        ax_v.set(xlim=(0.0, EI_DURATION_MS), ylim=(-82.0, -48.0))
        plotting.label(ax_v, "t", "Soma potential (mV)")
        ax_v.axhline(V_THRESHOLD_MV, color=colors["threshold"], linestyle=":", linewidth=1.2)
        ax_v.text(0.99, V_THRESHOLD_MV + 0.4, f"threshold {_mv(V_THRESHOLD_MV, 0)} mV",
                  transform=ax_v.get_yaxis_transform(), color=colors["threshold"], ha="right", va="bottom")
        ax_v.axhline(self.cell.e_leak_mV, color=colors["leak"], linestyle=":", linewidth=1.0)
        self.artists["e_inh_line"] = ax_v.axhline(-70.0, color=colors["reference"], linestyle="--", linewidth=1.0)
        # at the left, before the inputs arrive, where every trace still sits at rest
        self.artists["e_inh_label"] = ax_v.text(0.01, -70.0, "", transform=ax_v.get_yaxis_transform(),
                                                color=colors["reference"], ha="left", va="bottom")
        (self.artists["v_exc"],) = ax_v.plot([], [], color=colors["excitation"], linestyle="--", linewidth=1.5,
                                             label="EPSP alone")
        (self.artists["v_inh"],) = ax_v.plot([], [], color=colors["inhibition"], linewidth=1.2, label="IPSP alone")
        (self.artists["v_both"],) = ax_v.plot([], [], color=colors["membrane"], linewidth=1.8, label="both")
        (self.artists["peak"],) = ax_v.plot([], [], "o", color=colors["membrane"], mfc="white")
        self.artists["readout"] = ax_v.text(0.02, 0.97, "", transform=ax_v.transAxes, va="top")
        self.figure.legend(handles=[self.artists[k] for k in ("v_exc", "v_inh", "v_both")],
                           loc="outside lower center", ncols=3, handlelength=1.8).set_zorder(-1)
        self._exc = ampa(g_max_nS=EXC_G_NS)
        self._epsp = self._simulate([(self._exc, [EXC_ONSET_MS], EXC_DISTANCE_UM)])
        self._t_ms = self._epsp.t_ms
        self.artists["v_exc"].set_data(self._t_ms, self._epsp.v_soma_mV)
        # The passive cell is linear in the input's reversal potential: with the conductance fixed, the IPSP
        # alone is (E - E_leak) times a unit response that does not depend on E, simulated once per distance
        # (exact to rounding; tests/test_demos_threshold.py checks it against simulate_dendrite). It depends
        # on the distance only, so the frame never depends on the order of visits.
        self._unit_ipsp: dict = {}
        self._combined: dict = {}

    def _simulate(self, inputs):
        return simulate_dendrite(self.cell, inputs, duration_ms=EI_DURATION_MS, dt_ms=EI_DT_MS)

    def inhibition(self, e_inh_mV):
        """The demo's GABA-A input reversing at ``e_inh_mV``."""
        return gaba_a(g_max_nS=INH_G_NS, e_rev_mV=float(e_inh_mV))

    def _ipsp_alone(self, inh_distance_um, e_inh_mV, onset_ms):
        """The IPSP alone at the soma (mV): the unit response at this distance, simulated once at onset 0,
        scaled by the driving force at rest and shifted in time (a linear, time-invariant cell with one input:
        a later onset is the same response later)."""
        rest = float(self.cell.e_leak_mV)
        key = float(inh_distance_um)
        if key not in self._unit_ipsp:
            run = self._simulate([(self.inhibition(rest + UNIT_DRIVE_MV), [0.0], inh_distance_um)])
            self._unit_ipsp[key] = (run.v_soma_mV - rest) / UNIT_DRIVE_MV
        v_mV = rest + (float(e_inh_mV) - rest) * self._unit_ipsp[key]
        t = self._t_ms
        return np.interp(t - onset_ms, t, v_mV, left=rest)

    def _both(self, inh_distance_um, inh_delay_ms, e_inh_mV):
        """Soma potential (mV) with both inputs, simulated once per setting and kept (up to `EI_CACHE_SIZE`).

        Always the simulation at this very setting: a trace interpolated from two others would depend, in its
        last bits, on which settings the reader visited first, and so could the frame.
        """
        key = (float(inh_distance_um), float(inh_delay_ms), float(e_inh_mV))
        if key not in self._combined:
            if len(self._combined) >= EI_CACHE_SIZE:
                self._combined.clear()
            self._combined[key] = self._simulate([(self._exc, [EXC_ONSET_MS], EXC_DISTANCE_UM),
                                                  (self.inhibition(e_inh_mV), [EXC_ONSET_MS + inh_delay_ms],
                                                   inh_distance_um)]).v_soma_mV
        return self._combined[key]

    def render(self, inh_distance_um, inh_delay_ms, e_inh_mV):
        v_both = self._both(inh_distance_um, inh_delay_ms, e_inh_mV)
        v_inh = self._ipsp_alone(inh_distance_um, e_inh_mV, EXC_ONSET_MS + inh_delay_ms)
        self.artists["v_inh"].set_data(self._t_ms, v_inh)
        self.artists["v_both"].set_data(self._t_ms, v_both)
        k = int(np.argmax(v_both))
        peak, peak_alone = float(v_both[k]), float(self._epsp.v_soma_mV.max())
        self.artists["peak"].set_data([self._t_ms[k]], [peak])
        self.artists["inh_marker"].set_data([inh_distance_um], [0.55])
        self.artists["inh_label"].set_x(inh_distance_um)
        label = f"$E_\\mathrm{{inh}}$ = {_mv(e_inh_mV, 0)} mV"
        line, text = self.artists["e_inh_line"], self.artists["e_inh_label"]
        line.set_ydata([e_inh_mV, e_inh_mV])
        low, high = line.axes.get_ylim()
        text.set_y(min(max(e_inh_mV, low), high - 2.0))
        text.set_text(label if low <= e_inh_mV <= high else f"{label} ↓")
        fires = peak >= V_THRESHOLD_MV
        verdict = "above threshold: it would fire" if fires else "below threshold: it would not fire"
        self.artists["readout"].set_text(f"peak {_mv(peak)} mV, {_mv(peak - peak_alone, signed=True)} mV "
                                         f"against the EPSP alone\n{verdict}")
        if inh_distance_um < EXC_DISTANCE_UM:
            where = "between the excitatory synapse and the soma (on the path)" if inh_distance_um > 0 else \
                "on the soma"
        elif inh_distance_um > EXC_DISTANCE_UM:
            where = "beyond the excitatory synapse"
        else:
            where = "at the excitatory synapse"
        when = ("together with" if inh_delay_ms == 0 else
                f"{abs(inh_delay_ms):g} ms {'after' if inh_delay_ms > 0 else 'before'}")
        return (f"Soma potential of a passive ball-and-stick neuron (rest {_mv(self.cell.e_leak_mV, 0)} mV, "
                f"threshold line at {_mv(V_THRESHOLD_MV, 0)} mV). The EPSP from {EXC_DISTANCE_UM:g} µm alone peaks "
                f"at {_mv(peak_alone)} mV. Inhibition reversing at {_mv(e_inh_mV, 0)} mV, {inh_distance_um:g} µm "
                f"from the soma ({where}), arrives {when} the excitation; together they peak at {_mv(peak)} mV, "
                f"{verdict}.")


@register("ei_competition")
def ei_competition() -> EICompetition:
    """An EPSP and an IPSP on the ball-and-stick: position, timing and reversal potential of inhibition."""
    return EICompetition(
        controls=[
            Control("inh_distance_um", "Inhibition: distance from the soma (µm)", min=0.0, max=800.0,
                    step=INH_DISTANCE_STEP_UM, value=200.0,
                    static_values=(0.0, 200.0, 300.0, 400.0, 500.0, 600.0, 800.0)),
            Control("inh_delay_ms", "Inhibition: delay after excitation (ms)", min=-15.0, max=15.0, step=1.0,
                    value=0.0, static_values=(-15.0, -10.0, -5.0, 0.0, 2.0, 5.0, 10.0)),
            Control("e_inh_mV", "Inhibitory reversal potential (mV)", min=-90.0, max=-50.0, step=1.0, value=-70.0,
                    static_values=(-90.0, -80.0, -70.0, -60.0, -50.0)),
        ],
        static=("inh_distance_um", "inh_delay_ms", "e_inh_mV"),
    )
