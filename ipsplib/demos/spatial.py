"""Demo of chapter 6 (spatial summation): an EPSP and a shunting inhibition on a ball-and-stick.

One AMPA synapse and one GABA_A synapse reversing at rest (pure shunting) fire
together on the dendrite of the book's passive ball-and-stick neuron
(`ipsplib.dendrite.ball_and_stick`: rest -70 mV, no spiking threshold). The
controls move the two synapses and set the dendrite's length constant λ (through
its axial resistivity, so the membrane time constant stays the same).

Examples
--------
>>> from ipsplib.demos import spatial as spatial_demo
>>> d = spatial_demo.spatial_summation()
>>> d.update(inhibition_um=0.0)
>>> "at the soma" in d.alt_text
True
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.ticker import FuncFormatter

from .. import plotting
from ..dendrite import ball_and_stick, simulate_dendrite
from ..plotting import number_text as _mv
from ..synapses import ampa, gaba_a
from ._base import Control, Demo, register

#: The chapter's cell: soma 20 µm, dendrite 800 × 2 µm, R_m 20 000 Ω·cm², C_m 1 µF/cm², rest -70 mV.
BASE_CELL = ball_and_stick()
#: The excitatory and the (shunting) inhibitory synapse.
EXCITATION = ampa(g_max_nS=1.0)
INHIBITION = gaba_a(g_max_nS=10.0, e_rev_mV=BASE_CELL.e_leak_mV)
ONSET_MS = 5.0
DURATION_MS = 50.0
DT_MS = 0.1
#: Where the peak-depolarization profile is sampled, µm.
PROFILE_UM = np.linspace(0.0, BASE_CELL.dend_length_um, 41)
LAMBDA_RANGE_UM = (300.0, 2400.0)
#: Tops of the linear peak-depolarization axis, mV: the smallest that holds the profile is used.
PROFILE_TOPS_MV = (5.0, 10.0, 20.0)


def _profile_ylim(top_mV: float) -> tuple[float, float]:
    """Limits of the profile axis: room below 0 mV for the drawing of the cell and the synapse marks."""
    return (-0.16 * top_mV, top_mV)


def cell_with_lambda(lambda_um: float):
    """The chapter's ball-and-stick with its axial resistivity chosen so that λ = ``lambda_um``.

    λ² = R_m d / (4 R_i), so R_i = R_m d / (4 λ²); R_m, C_m and so τ_m stay as they are.
    """
    d_cm, lam_cm = BASE_CELL.dend_diam_um * 1e-4, float(lambda_um) * 1e-4
    r_i = BASE_CELL.r_m_ohm_cm2 * d_cm / (4.0 * lam_cm ** 2)
    return ball_and_stick(r_i_ohm_cm=r_i)


def simulate_alone(excitation_um: float, lambda_um: float):
    """The dendrite trace of the excitatory synapse alone (no inhibition)."""
    return simulate_dendrite(cell_with_lambda(lambda_um), [(EXCITATION, [ONSET_MS], excitation_um)], DURATION_MS,
                             dt_ms=DT_MS)


def simulate_pair(excitation_um: float, inhibition_um: float, lambda_um: float):
    """(cell, excitation alone, excitation with inhibition): the two dendrite traces the demo plots."""
    cell = cell_with_lambda(lambda_um)
    alone = simulate_alone(excitation_um, lambda_um)
    both = simulate_dendrite(cell, [(EXCITATION, [ONSET_MS], excitation_um), (INHIBITION, [ONSET_MS], inhibition_um)],
                             DURATION_MS, dt_ms=DT_MS)
    return cell, alone, both


def peak_profile_mV(trace, rest_mV: float) -> np.ndarray:
    """Peak depolarization above rest at each point of `PROFILE_UM`, mV: ``max(trace.v_at(x)) - rest``.

    One product for all points: V between two nodes is linear in the nodes' potentials
    (``trace.v_nodes_mV``), except in a segment holding a synapse off its nodes, where the potential has a
    kink: those few points are read with ``v_at``.
    """
    cell = trace.cell
    n = int(cell.n_compartments)
    h = float(cell.dend_length_um) / n
    segment = np.minimum(np.floor(PROFILE_UM / h).astype(int), n - 1)
    theta = PROFILE_UM / h - segment
    v = trace.v_nodes_mV
    peaks = ((1.0 - theta)[:, None] * v[segment] + theta[:, None] * v[segment + 1]).max(axis=1)
    for _, _, site_um in trace.inputs:
        site_segment = min(int(math.floor(site_um / h)), n - 1)
        site_theta = site_um / h - site_segment
        if 0.0 < site_theta < 1.0:  # off the nodes: points of its segment, not on a node, have a kink
            for k in np.flatnonzero((segment == site_segment) & (theta > 0.0)):
                peaks[k] = np.max(trace.v_at(PROFILE_UM[k]))
    return peaks - rest_mV


@lru_cache(maxsize=8)  # a trace holds ~2 MB; moving the inhibition needs only the last one
def _alone_with_profile(excitation_um: float, lambda_um: float):
    """The excitation-alone trace and its peak profile: moving the inhibition reuses them."""
    alone = simulate_alone(excitation_um, lambda_um)
    return alone, peak_profile_mV(alone, float(BASE_CELL.e_leak_mV))


def where(inhibition_um: float, excitation_um: float) -> str:
    """Where the inhibition sits relative to the excitation, in words."""
    if inhibition_um == 0.0:
        return "at the soma"
    if abs(inhibition_um - excitation_um) < 1e-9:
        return "at the excitatory synapse"
    if inhibition_um < excitation_um:
        return "on the path between the excitatory synapse and the soma"
    return "beyond the excitatory synapse"


class SpatialSummation(Demo):
    title = "Spatial summation: where shunting inhibition vetoes an EPSP (passive ball-and-stick)"
    model = (f"Model cell: a passive ball-and-stick neuron (soma {BASE_CELL.soma_diam_um:g} µm, dendrite "
             f"{BASE_CELL.dend_length_um:g} µm long and {BASE_CELL.dend_diam_um:g} µm thick, membrane time constant "
             f"{BASE_CELL.tau_m_ms:g} ms), resting at {_mv(BASE_CELL.e_leak_mV, 0)} mV, with no spiking threshold. "
             f"A {EXCITATION.g_max_nS:g} nS AMPA synapse and a {INHIBITION.g_max_nS:g} nS GABA-A synapse "
             f"reversing at rest (pure shunting) fire together at {ONSET_MS:g} ms.")
    figsize_in = (7.0, 7.4)

    def build(self):
        ax_x, ax_t = self.figure.subplots(2, 1, height_ratios=[1.0, 1.0])
        colors = plotting.COLORS
        length = BASE_CELL.dend_length_um
        # a linear axis (the top is set in render, to the case shown); the cell is drawn in axes units below 0 mV.
        # The layout is frozen on the first frame: tick labels padded to two digits (figure spaces) keep their width.
        ax_x.set(xlim=(-40.0, length + 20.0), ylim=_profile_ylim(PROFILE_TOPS_MV[0]))
        ax_x.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("-", "\u2212").rjust(2, "\u2007")))
        plotting.label(ax_x, "Distance from the soma along the dendrite (µm)", "Peak depolarization (mV)")
        # the cell, drawn under the traces: a soma disc and the dendrite
        along = ax_x.get_xaxis_transform()
        ax_x.plot([0.0, length], [0.025, 0.025], color=colors["leak"], linewidth=4.0, solid_capstyle="butt",
                  transform=along)
        ax_x.plot([-14.0], [0.025], "o", color=colors["leak"], markersize=14, transform=along)
        (self.artists["profile_alone"],) = ax_x.plot([], [], color=colors["excitation"], linestyle="--",
                                                     label="excitation alone")
        (self.artists["profile_both"],) = ax_x.plot([], [], color=colors["membrane"],
                                                    label="with shunting inhibition")
        (self.artists["e_mark"],) = ax_x.plot([], [], "^", color=colors["excitation"], markersize=11,
                                              label="excitatory synapse", transform=along)
        (self.artists["i_mark"],) = ax_x.plot([], [], "^", color=colors["inhibition"], markersize=11,
                                              label="inhibitory synapse", transform=along)
        self.artists["lambda_bar"] = ax_x.annotate("", xy=(0, 0.88), xytext=(0, 0.88), xycoords=along,
                                                   textcoords=along,
                                                   arrowprops=dict(arrowstyle="<->", color=colors["reference"]))
        self.artists["lambda_text"] = ax_x.text(0.0, 0.9, "", color=colors["reference"], ha="center", va="bottom",
                                                transform=along)
        ax_x.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, handlelength=1.6, columnspacing=0.8)
        ax_t.set(xlim=(0.0, DURATION_MS), ylim=(-0.2, 7.5))
        plotting.label(ax_t, "t", "Depolarization at the soma (mV)")
        (self.artists["soma_alone"],) = ax_t.plot([], [], color=colors["excitation"], linestyle="--",
                                                  label="EPSP alone")
        (self.artists["soma_both"],) = ax_t.plot([], [], color=colors["membrane"], label="with inhibition")
        self.artists["readout"] = ax_t.text(0.98, 0.95, "", transform=ax_t.transAxes, ha="right", va="top")
        ax_t.legend(loc="upper left")

    def render(self, excitation_um, inhibition_um, lambda_um):
        cell = cell_with_lambda(lambda_um)
        rest = cell.e_leak_mV
        alone, p_alone = _alone_with_profile(float(excitation_um), float(lambda_um))
        both = simulate_dendrite(cell, [(EXCITATION, [ONSET_MS], excitation_um),
                                        (INHIBITION, [ONSET_MS], inhibition_um)], DURATION_MS, dt_ms=DT_MS)
        p_both = peak_profile_mV(both, rest)
        self.artists["profile_alone"].set_data(PROFILE_UM, p_alone)
        self.artists["profile_both"].set_data(PROFILE_UM, p_both)
        top_mV = min(t for t in PROFILE_TOPS_MV if t >= 1.08 * float(np.max(p_alone)) or t == PROFILE_TOPS_MV[-1])
        ax_x = self.artists["e_mark"].axes
        if ax_x.get_ylim() != _profile_ylim(top_mV):
            ax_x.set_ylim(_profile_ylim(top_mV))
            self.redraw_background(key=top_mV)  # the ticks change with the scale
        self.artists["e_mark"].set_data([excitation_um], [0.05])
        self.artists["i_mark"].set_data([inhibition_um], [0.05])
        bar_end = min(lambda_um, BASE_CELL.dend_length_um)
        self.artists["lambda_bar"].xy = (bar_end, 0.88)
        self.artists["lambda_bar"].set_position((0.0, 0.88))
        more = "" if lambda_um <= BASE_CELL.dend_length_um else " (beyond the end)"
        self.artists["lambda_text"].set_position((0.5 * bar_end, 0.9))
        self.artists["lambda_text"].set_text(f"λ = {lambda_um:.0f} µm{more}, L = {cell.electrotonic_length:.2f}")
        self.artists["soma_alone"].set_data(alone.t_ms, alone.v_soma_mV - rest)
        self.artists["soma_both"].set_data(both.t_ms, both.v_soma_mV - rest)
        epsp, combined = float(np.max(alone.v_soma_mV) - rest), float(np.max(both.v_soma_mV) - rest)
        reduction = 100.0 * (1.0 - combined / epsp)
        self.artists["readout"].set_text(f"EPSP at the soma {epsp:.2f} mV\nwith inhibition {combined:.2f} mV\n"
                                         f"inhibition removes {reduction:.0f} %")
        site = where(inhibition_um, excitation_um)
        return (f"Passive ball-and-stick neuron resting at {_mv(rest, 0)} mV (no threshold), length constant "
                f"{lambda_um:.0f} µm (electrotonic length {cell.electrotonic_length:.2f}). An excitatory synapse "
                f"{excitation_um:.0f} µm from the soma depolarizes its own site by {float(np.max(p_alone)):.1f} mV "
                f"and the soma by {epsp:.2f} mV. A shunting inhibitory synapse {inhibition_um:.0f} µm from the soma, "
                f"{site}, lowers the somatic EPSP to {combined:.2f} mV: it removes {reduction:.0f} % of it. Top: "
                f"peak depolarization along the dendrite with and without inhibition; bottom: the somatic EPSP "
                f"over time.")


@register("spatial_summation")
def spatial_summation() -> SpatialSummation:
    """An EPSP and a shunting inhibition on the ball-and-stick: positions of both synapses and λ."""
    length = BASE_CELL.dend_length_um
    return SpatialSummation(
        controls=[
            Control("inhibition_um", "Inhibitory synapse: distance from the soma (µm)", min=0.0, max=length,
                    step=25.0, value=300.0, static_values=(0, 100, 200, 300, 400, 500, 600, 700, 800)),
            Control("lambda_um", "Length constant λ (µm)", min=LAMBDA_RANGE_UM[0], max=LAMBDA_RANGE_UM[1],
                    step=0.02, value=round(BASE_CELL.lambda_um), scale="log",
                    static_values=(300.0, 500.0, round(BASE_CELL.lambda_um), 1600.0, 2400.0)),
            Control("excitation_um", "Excitatory synapse: distance from the soma (µm)", min=0.0, max=length,
                    step=25.0, value=500.0, static_values=(100.0, 300.0, 500.0, 700.0)),
        ],
        static=("inhibition_um", "lambda_um", "excitation_um"),
    )
