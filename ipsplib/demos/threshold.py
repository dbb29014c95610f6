"""Demos of the chapter on EPSP–IPSP competition at threshold.

- `firing_rate_inhibition`: an integrate-and-fire cell (rest -70 mV, threshold
  -55 mV) under Poisson excitation, with Poisson inhibition that is
  hyperpolarizing or shunting; its output rate against the excitatory input
  rate, with and without inhibition (`ipsplib.poisson_firing`), and the fit of
  the inhibited curve as a shift and a gain of the control (`ipsplib.shift_and_gain`).
- `ei_competition`: an EPSP on the dendrite of a passive ball-and-stick neuron
  and an IPSP whose position, timing and reversal potential the reader sets
  (`ipsplib.simulate_dendrite`); the somatic potential against the -55 mV
  threshold of the source note.

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
from ..firing import TAU_INH_MS, poisson_firing, shift_and_gain
from ..membrane import Cell
from ..plotting import number_text as _mv
from ._base import Control, Demo, register

#: The chapter's integrate-and-fire cell: rest -70 mV and threshold -55 mV as in the source note,
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

    @staticmethod
    def _run(exc_rate_khz, inh_rate_khz, kind, duration_ms):
        return poisson_firing(LIF, rate_exc_hz=1000.0 * exc_rate_khz, g_exc_nS=G_EXC_NS,
                              rate_inh_hz=1000.0 * inh_rate_khz, g_inh_nS=G_INH_NS, e_inh_mV=E_INH_MV[kind],
                              duration_ms=duration_ms, seed=SEED, dt_ms=FIRING_DT_MS)

    def _rate(self, exc_rate_khz, inh_rate_khz, kind):
        return self._run(exc_rate_khz, inh_rate_khz, kind, RATE_DURATION_MS).rate_hz

    def curve(self, inh_rate_khz, kind):
        """Output rates over `DRIVE_KHZ` with this inhibition, spikes/s, and the fit (shift in kHz, gain) or None.

        The last setting is remembered, so moving only the excitatory rate does not recompute the curve.
        """
        key = (float(inh_rate_khz), kind)
        if key not in self._cache:
            rates = np.array([self._rate(x, inh_rate_khz, kind) for x in DRIVE_KHZ])
            try:
                fit = shift_and_gain(DRIVE_KHZ, self._control_rates, rates)[:2] if inh_rate_khz > 0 else None
            except ValueError:
                fit = None
            self._cache = {key: (rates, fit)}
        return self._cache[key]

    def render(self, kind, inh_rate_khz, exc_rate_khz):
        control = self._run(exc_rate_khz, 0.0, kind, TRACE_SHOWN_MS)
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
            Control("inh_rate_khz", "Inhibitory input rate (kHz)", min=0.0, max=3.0, step=0.25, value=1.5,
                    static_values=(0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)),
            Control("exc_rate_khz", "Excitatory input rate (kHz)", min=1.0, max=6.0, step=0.25, value=3.5),
        ],
        static=("kind", "inh_rate_khz"),
    )
