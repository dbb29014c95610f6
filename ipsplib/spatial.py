"""Spatial summation on the ball-and-stick: PSP shape, steady-state attenuation and the shunting effect.

Three measurements that chapter 6 (spatial summation) makes and that a reader may reuse:

- `psp_shape`: amplitude, time to peak and half-width of a PSP in any trace
  (Rall's "shape indices": distal inputs give smaller, later and broader somatic PSPs);
- `steady_state_attenuation`: the cable-theory ratio V_soma / V_site for a steady
  input at a distance along the dendrite of a `ipsplib.BallAndStick`;
- `shunting_effect`: how much an inhibitory synapse at one place reduces the somatic
  EPSP of an excitatory synapse at another (simulated with `ipsplib.simulate_dendrite`).

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0.0, 50.0, 501)
>>> v = -70.0 + 5.0 * (t / 5.0) * np.exp(1.0 - t / 5.0)     # an alpha-shaped PSP peaking at 5 ms
>>> shape = psp_shape(t, v, v_rest_mV=-70.0)
>>> round(shape.amplitude_mV, 2), round(shape.time_to_peak_ms, 2)
(5.0, 5.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from .dendrite import BallAndStick, simulate_dendrite
from .synapses import Synapse


@dataclass(frozen=True)
class PspShape:
    """Shape of one PSP: the signed peak deviation from rest and its timing.

    Attributes
    ----------
    amplitude_mV : float
        The largest deviation from rest, with its sign (positive: depolarizing), mV.
    time_to_peak_ms : float
        Time from the input's onset to the peak, ms.
    half_width_ms : float
        Time the deviation spends beyond half the amplitude (first to last crossing), ms.
    """

    amplitude_mV: float
    time_to_peak_ms: float
    half_width_ms: float


def psp_shape(t_ms, v_mV, v_rest_mV: float, onset_ms: float = 0.0) -> PspShape:
    """Amplitude, time to peak and half-width of the PSP in ``v_mV`` (Rall's shape indices).

    The PSP is the deviation ``v_mV - v_rest_mV``; its peak is the sample of largest
    magnitude (the sign is kept), and the half-width is measured between the first and last
    samples at or beyond half the peak, interpolated linearly between samples.

    Parameters
    ----------
    t_ms : array_like
        Sample times, ms, strictly increasing, at least 3 samples.
    v_mV : array_like
        Membrane potential at those times, mV, same length as ``t_ms``.
    v_rest_mV : float
        The potential the PSP is measured from, mV.
    onset_ms : float
        Onset of the input, ms, within the trace; the time to peak is counted from it.

    Returns
    -------
    PspShape

    Raises
    ------
    ValueError
        If the arrays differ in length, are too short, not finite, ``t_ms`` is not increasing,
        ``onset_ms`` lies outside the trace, or the trace never leaves rest.

    References
    ----------
    Rall W (1967) J Neurophysiol 30:1138-1168 (time to peak and half-width as shape indices).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 40.0, 4001)
    >>> v = -70.0 - 2.0 * np.exp(-t / 10.0)                   # a hyperpolarization decaying with 10 ms
    >>> s = psp_shape(t, v, v_rest_mV=-70.0)
    >>> round(s.amplitude_mV, 3), round(s.half_width_ms, 2)    # half-width 10 ln 2 ms
    (-2.0, 6.93)
    """
    t = _checks.as_finite("t_ms", t_ms, "ms")
    v = _checks.as_finite("v_mV", v_mV, "mV")
    rest = float(_checks.as_finite("v_rest_mV", v_rest_mV, "mV"))
    onset = float(_checks.as_finite("onset_ms", onset_ms, "ms"))
    if t.ndim != 1 or v.ndim != 1 or t.size != v.size:
        raise ValueError(f"t_ms and v_mV must be 1-d arrays of equal length, got shapes {t.shape} and {v.shape}")
    if t.size < 3:
        raise ValueError(f"t_ms must have at least 3 samples, got {t.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t_ms must be strictly increasing (ms)")
    if not t[0] <= onset <= t[-1]:
        raise ValueError(f"onset_ms must be within the trace, {t[0]:g} to {t[-1]:g} ms, got {onset:g}")
    dv = v - rest
    k = int(np.argmax(np.abs(dv)))
    peak = float(dv[k])
    if peak == 0.0:
        raise ValueError("v_mV never leaves v_rest_mV: there is no PSP to measure")
    beyond = np.flatnonzero(np.abs(dv) >= 0.5 * abs(peak))
    first, last = int(beyond[0]), int(beyond[-1])
    half = 0.5 * abs(peak)
    a = np.abs(dv)

    def crossing(i, j):  # time where |dv| crosses half between samples i and j (linear)
        return t[i] + (half - a[i]) * (t[j] - t[i]) / (a[j] - a[i])

    t_start = crossing(first - 1, first) if first > 0 else t[0]
    t_end = crossing(last, last + 1) if last < t.size - 1 else t[-1]
    return PspShape(amplitude_mV=peak, time_to_peak_ms=float(t[k] - onset), half_width_ms=float(t_end - t_start))


def _check_cell(cell) -> BallAndStick:
    if not isinstance(cell, BallAndStick):
        raise ValueError(f"cell must be an ipsplib.BallAndStick, got {type(cell).__name__}")
    return cell


def _check_distance(name: str, cell: BallAndStick, distance_um) -> float:
    d = float(_checks.as_finite(name, distance_um, "µm"))
    if not 0.0 <= d <= cell.dend_length_um:
        raise ValueError(f"{name} must be in [0, {cell.dend_length_um:g}] µm (the dendrite's length), got {d:g}")
    return d


def steady_state_attenuation(cell: BallAndStick, distance_um) -> float:
    """V_soma / V_site for a steady input at ``distance_um`` on the dendrite of a ball-and-stick.

    Between the soma and the input the cable carries no source, so in electrotonic units
    X = x/λ the potential is V(X) = V(0) [cosh X + ρ sinh X], where ρ = G_soma / G_∞ is the
    soma's membrane conductance over the input conductance of a semi-infinite cable of the
    dendrite's diameter, G_∞ = π d^(3/2) / (2 √(R_m R_i)). The ratio therefore is
    1 / (cosh X + ρ sinh X); what lies beyond the input (the sealed end) does not enter.
    It is a property of the cable alone: it does not depend on what the input is.

    Parameters
    ----------
    cell : ipsplib.BallAndStick
        The cell (soma: a cylinder whose length equals its diameter, membrane area π d²).
    distance_um : float
        Distance of the input from the soma along the dendrite, µm, 0 ... ``cell.dend_length_um``.

    Returns
    -------
    float
        V_soma / V_site, between 0 and 1 (1 for an input on the soma).

    References
    ----------
    Rall W (1967) J Neurophysiol 30:1138-1168; Koch C (1999) Biophysics of Computation, ch. 2-3.

    Examples
    --------
    >>> from ipsplib.dendrite import ball_and_stick
    >>> cell = ball_and_stick()
    >>> steady_state_attenuation(cell, 0.0)
    1.0
    >>> 0.3 < steady_state_attenuation(cell, 800.0) < 0.6
    True
    """
    cell = _check_cell(cell)
    d = _check_distance("distance_um", cell, distance_um)
    x = d / cell.lambda_um
    return 1.0 / (math.cosh(x) + soma_to_dendrite_conductance_ratio(cell) * math.sinh(x))


def soma_to_dendrite_conductance_ratio(cell: BallAndStick) -> float:
    """ρ = G_soma / G_∞: the soma's leak over a semi-infinite dendrite's input conductance (dimensionless).

    Examples
    --------
    >>> from ipsplib.dendrite import ball_and_stick
    >>> round(soma_to_dendrite_conductance_ratio(ball_and_stick()), 3)
    0.245
    """
    cell = _check_cell(cell)
    d_cm, soma_cm = cell.dend_diam_um * 1e-4, cell.soma_diam_um * 1e-4
    g_soma_S = math.pi * soma_cm ** 2 / cell.r_m_ohm_cm2
    g_inf_S = math.pi * d_cm ** 1.5 / (2.0 * math.sqrt(cell.r_m_ohm_cm2 * cell.r_i_ohm_cm))
    return g_soma_S / g_inf_S


@dataclass(frozen=True)
class ShuntingEffect:
    """How much an inhibitory synapse reduces an EPSP, measured at one place (the soma by default).

    Attributes
    ----------
    epsp_mV : float
        Peak depolarization above rest with excitation alone, mV.
    combined_mV : float
        Peak depolarization above rest with both inputs, mV.
    reduction : float
        1 − combined_mV / epsp_mV: the fraction of the EPSP that inhibition removes (0: none,
        1: all; above 1 if the combined response is a net hyperpolarization).
    """

    epsp_mV: float
    combined_mV: float
    reduction: float


def shunting_effect(cell: BallAndStick, excitation: Synapse, excitation_um, inhibition: Synapse, inhibition_um,
                    onset_ms: float = 5.0, inhibition_onset_ms: float | None = None, duration_ms: float = 60.0,
                    dt_ms: float = 0.025, record_um: float = 0.0) -> ShuntingEffect:
    """The reduction of the EPSP of ``excitation`` by ``inhibition``, each at its own place on the dendrite.

    Simulates excitation alone and both inputs together (`ipsplib.simulate_dendrite`) and
    compares the peak depolarization above rest at ``record_um`` (the soma by default).
    For inhibition reversing at rest (shunting, or silent, inhibition) this is the
    measure of Koch, Poggio and Torre (1983): how well the inhibition vetoes the EPSP.

    Parameters
    ----------
    cell : ipsplib.BallAndStick
    excitation, inhibition : ipsplib.Synapse
        The two synapses; each fires once.
    excitation_um, inhibition_um : float
        Their distances from the soma along the dendrite, µm, 0 ... ``cell.dend_length_um``.
    onset_ms : float
        When the excitatory synapse fires, ms, 0 ... ``duration_ms``.
    inhibition_onset_ms : float or None
        When the inhibitory synapse fires, ms (default: together with the excitation).
    duration_ms, dt_ms : float
        Simulated time and step, ms (passed to `ipsplib.simulate_dendrite`).
    record_um : float
        Where the EPSP is measured, µm from the soma (0: the soma).

    Returns
    -------
    ShuntingEffect

    Raises
    ------
    ValueError
        For a cell that is not a `BallAndStick`, a synapse that is not a `Synapse`, distances off
        the dendrite, onsets outside the simulation, or an excitation that does not depolarize.

    References
    ----------
    Koch C, Poggio T, Torre V (1983) Proc Natl Acad Sci USA 80:2799-2802.

    Examples
    --------
    >>> from ipsplib import synapses
    >>> from ipsplib.dendrite import ball_and_stick
    >>> cell = ball_and_stick()
    >>> exc = synapses.ampa(g_max_nS=1.0)
    >>> shunt = synapses.gaba_a(g_max_nS=10.0, e_rev_mV=cell.e_leak_mV)
    >>> on_path = shunting_effect(cell, exc, 600.0, shunt, 300.0, dt_ms=0.1)
    >>> beyond = shunting_effect(cell, exc, 600.0, shunt, 800.0, dt_ms=0.1)
    >>> on_path.reduction > beyond.reduction > 0
    True
    """
    cell = _check_cell(cell)
    for name, syn in (("excitation", excitation), ("inhibition", inhibition)):
        if not isinstance(syn, Synapse):
            raise ValueError(f"{name} must be an ipsplib.Synapse, got {type(syn).__name__}")
    x_e = _check_distance("excitation_um", cell, excitation_um)
    x_i = _check_distance("inhibition_um", cell, inhibition_um)
    x_rec = _check_distance("record_um", cell, record_um)
    duration = float(_checks.positive("duration_ms", duration_ms, "ms"))
    t_e = float(_checks.non_negative("onset_ms", onset_ms, "ms"))
    t_i = t_e if inhibition_onset_ms is None else float(
        _checks.non_negative("inhibition_onset_ms", inhibition_onset_ms, "ms"))
    for name, value in (("onset_ms", t_e), ("inhibition_onset_ms", t_i)):
        if value > duration:
            raise ValueError(f"{name} must be in [0, {duration:g}] ms (duration_ms), got {value:g}")
    alone = simulate_dendrite(cell, [(excitation, [t_e], x_e)], duration, dt_ms=dt_ms)
    both = simulate_dendrite(cell, [(excitation, [t_e], x_e), (inhibition, [t_i], x_i)], duration, dt_ms=dt_ms)
    rest = cell.e_leak_mV
    v_alone = alone.v_soma_mV if x_rec == 0.0 else alone.v_at(x_rec)
    v_both = both.v_soma_mV if x_rec == 0.0 else both.v_at(x_rec)
    epsp = float(np.max(v_alone) - rest)
    if epsp <= 0.0:
        raise ValueError(f"excitation must depolarize the cell at record_um = {x_rec:g} µm; its peak is "
                         f"{epsp:g} mV above rest (is its e_rev_mV above rest, g_max_nS > 0?)")
    combined = float(np.max(v_both) - rest)
    return ShuntingEffect(epsp_mV=epsp, combined_mV=combined, reduction=1.0 - combined / epsp)
