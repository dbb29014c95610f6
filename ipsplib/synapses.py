"""Synaptic conductances: the `Synapse` parameters, receptor presets and waveforms.

A synapse is a conductance g(t) with a reversal potential. One presynaptic
event at time t0 opens it with the time course

- single exponential (``tau_rise_ms == 0``): g = g_max e^{-s/tau_d},
- alpha function (``tau_rise_ms == tau_decay_ms == tau``): g = g_max (s/tau) e^{1 - s/tau},
- dual exponential (``0 < tau_rise_ms < tau_decay_ms``):
  g = g_max f (e^{-s/tau_d} - e^{-s/tau_r}),

with s = t - t0 and f chosen so that the peak of one isolated event is g_max
(as the weight of NEURON's Exp2Syn). Events sum linearly.

The dual exponential is evaluated as g_max e^{-(x - x_p)} E(x) / E(x_p), with
x = s/tau_d, E(x) = -expm1(-kappa x) / kappa and kappa = tau_d/tau_r - 1, and
its peak time with log1p: both stay exact as tau_rise_ms -> tau_decay_ms and
tend continuously to the alpha function (no difference of nearly equal numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from . import _checks
from ._waveform_scan import grid_conductances

# Below this kappa = tau_d/tau_r - 1 a dual exponential is expanded in powers of kappa (`Synapse.waveform_terms`):
# two exponentials would cancel to ~1/kappa of their size, the series has terms of order g_max.
_SERIES_MAX_KAPPA = 0.01
_SERIES_TOLERANCE = 1e-17


@dataclass(frozen=True)
class Synapse:
    """A conductance-based synapse.

    Parameters
    ----------
    g_max_nS : float
        Peak conductance of one isolated event, nS, >= 0.
    tau_rise_ms : float
        Rise time constant, ms, 0 <= tau_rise_ms <= tau_decay_ms (0: single exponential;
        equal to tau_decay_ms: alpha function).
    tau_decay_ms : float
        Decay time constant, ms, > 0.
    e_rev_mV : float
        Reversal potential, mV.
    name : str
        Label used in legends.
    mg_out_mM : float
        Extracellular Mg2+ for an NMDA-type voltage-dependent block, mM, >= 0;
        0 (the default) means no block. Applied by `ipsplib.simulate`.

    Examples
    --------
    >>> syn = Synapse(g_max_nS=1.0, tau_rise_ms=0.5, tau_decay_ms=5.0, e_rev_mV=0.0)
    >>> round(float(syn.conductance([syn.peak_time_ms], [0.0])[0]), 6)
    1.0
    """

    g_max_nS: float
    tau_rise_ms: float
    tau_decay_ms: float
    e_rev_mV: float
    name: str = ""
    mg_out_mM: float = 0.0

    def __post_init__(self):
        _checks.non_negative("g_max_nS", self.g_max_nS, "nS")
        _checks.non_negative("tau_rise_ms", self.tau_rise_ms, "ms")
        _checks.positive("tau_decay_ms", self.tau_decay_ms, "ms")
        _checks.as_finite("e_rev_mV", self.e_rev_mV, "mV")
        _checks.non_negative("mg_out_mM", self.mg_out_mM, "mM")
        if self.tau_rise_ms > self.tau_decay_ms:
            raise ValueError(f"tau_rise_ms must be <= tau_decay_ms ({self.tau_decay_ms} ms), got {self.tau_rise_ms} ms")

    @property
    def kind(self) -> str:
        """ "exponential", "alpha" or "dual exponential"."""
        if self.tau_rise_ms == 0:
            return "exponential"
        if self.tau_rise_ms == self.tau_decay_ms:
            return "alpha"
        return "dual exponential"

    @property
    def peak_time_ms(self) -> float:
        """Time from onset to the peak of one event, ms.

        Dual exponential: t_peak = tau_r tau_d / (tau_d - tau_r) ln(tau_d / tau_r), evaluated as
        tau_r (-log1p(-u) / u) with u = (tau_d - tau_r) / tau_d, which tends to tau_d (the alpha
        function's peak) continuously as tau_r -> tau_d, with no cancellation.
        """
        tau_r, tau_d = float(self.tau_rise_ms), float(self.tau_decay_ms)
        if self.kind == "exponential":
            return 0.0
        u = (tau_d - tau_r) / tau_d  # exact: tau_d - tau_r has no rounding error when they are close
        return tau_r * (-math.log1p(-u) / u if u > 0 else 1.0)

    def _rise_rate(self) -> float:
        """kappa = tau_d / tau_r - 1 = (tau_d - tau_r) / tau_r, so that g ∝ e^{-x} (1 - e^{-kappa x}), x = s/tau_d."""
        tau_r, tau_d = float(self.tau_rise_ms), float(self.tau_decay_ms)
        return (tau_d - tau_r) / tau_r

    def _peak_scale(self) -> float:
        """g_max / (e^{-x_p} E(x_p)), E(x) = (1 - e^{-kappa x}) / kappa (-> x for kappa = 0), x_p = t_peak / tau_d.

        With it one event is g = scale e^{-x} E(x) for the alpha and the dual
        exponential alike; expm1 keeps E exact however close tau_r is to tau_d.
        """
        kappa, x_peak = self._rise_rate(), self.peak_time_ms / float(self.tau_decay_ms)
        rise = -math.expm1(-kappa * x_peak) / kappa if kappa > 0 else x_peak
        return float(self.g_max_nS) / (math.exp(-x_peak) * rise)

    def waveform_terms(self) -> list[tuple[float, float, int]]:
        """The event waveform as a sum of terms ``coef_nS * (s/tau)**power * exp(-s/tau)``.

        Returns a list of ``(coef_nS, tau_ms, power)``. A dual exponential whose
        tau_rise_ms is within 1 % of tau_decay_ms is returned as the series
        e^{-x} (1 - e^{-kappa x}) = e^{-x} sum_n (-1)^{n+1} (kappa x)^n / n!
        (x = s/tau_d, kappa = tau_d/tau_r - 1), cut where kappa^n < 1e-17, instead
        of two nearly equal exponentials with huge opposite coefficients: the
        terms then stay of order g_max and the waveform is continuous into the
        alpha function.
        """
        g, tau_r, tau_d = float(self.g_max_nS), float(self.tau_rise_ms), float(self.tau_decay_ms)
        if self.kind == "exponential":
            return [(g, tau_d, 0)]
        kappa, scale = self._rise_rate(), self._peak_scale()
        if kappa > _SERIES_MAX_KAPPA:
            return [(scale / kappa, tau_d, 0), (-scale / kappa, tau_r, 0)]
        terms, n, factor = [], 1, scale  # factor = scale (-kappa)^(n-1) / n!
        while True:
            terms.append((factor, tau_d, n))
            if kappa**n < _SERIES_TOLERANCE or kappa == 0:
                return terms
            n += 1
            factor *= -kappa / n

    def conductance(self, t_ms, onsets_ms) -> np.ndarray:
        """Conductance in nS at times ``t_ms`` for presynaptic events at ``onsets_ms``.

        Parameters
        ----------
        t_ms : array
            Times, ms, finite.
        onsets_ms : array
            Event times, ms, finite. Events sum linearly.

        The waveform alone: the Mg2+ block of an NMDA-type synapse (``mg_out_mM > 0``)
        depends on V and is not applied here; multiply by `ipsplib.mg_block`, or read
        ``Trace.g_nS`` of a simulation, which includes it.

        Examples
        --------
        >>> syn = Synapse(2.0, 0.0, 5.0, 0.0)
        >>> syn.conductance([0.0, 5.0], [0.0]).round(4)
        array([2.    , 0.7358])
        """
        t = _checks.as_finite("t_ms", t_ms, "ms")
        onsets = _checks.as_finite("onsets_ms", onsets_ms, "ms").ravel()
        g = np.zeros_like(t, dtype=float)
        tau_d = float(self.tau_decay_ms)
        kappa = None if self.kind == "exponential" else self._rise_rate()
        for onset in onsets:
            s = t - onset
            after = s >= 0
            x = s[after] / tau_d
            if kappa is None:
                g[after] += float(self.g_max_nS) * np.exp(-x)
            elif kappa > 0:
                g[after] += self._peak_scale() * np.exp(-x) * (-np.expm1(-kappa * x) / kappa)
            else:
                g[after] += self._peak_scale() * np.exp(-x) * x
        return g

    def grid_conductance(self, n_steps: int, dt_ms: float, onsets_ms):
        """Conductance on the grid t = k dt (k = 0..n_steps) and its exact integral over each step.

        Returns
        -------
        g_nS : ndarray, shape (n_steps + 1,)
        step_integral_nS_ms : ndarray, shape (n_steps,)
            Integral of g over [t_k, t_k+1], nS ms.

        Examples
        --------
        >>> g, integral = Synapse(1.0, 0.0, 2.0, 0.0).grid_conductance(2, 0.5, [0.0])
        >>> g.round(4), integral.round(4)
        (array([1.    , 0.7788, 0.6065]), array([0.4424, 0.3445]))
        """
        g, integral = _grid_conductances([(self, _checked_onsets(onsets_ms))], n_steps, dt_ms)
        return g[0], integral[0]


def _grid_conductances(inputs, n_steps: int, dt_ms: float, weights=None):
    """Weighted sums of the inputs' conductances on the grid t = k dt, and their exact step integrals.

    Row r of the result is sum_k weights[r, k] g_k(t), where g_k is the
    conductance of input k = (Synapse, onsets_ms). With the default weights
    (one row of ones) it is the total conductance; with ``weights=np.eye(n)``
    each input separately; with a row of reversal potentials it is sum g_k E_k.

    `ipsplib.simulate` integrates the membrane with the step integrals, which
    are exact, so onsets may fall between grid points. All waveform terms (see
    `Synapse.waveform_terms`) of all inputs are advanced together by one blocked
    scan (`ipsplib._waveform_scan`); `simulate` calls it for the integrals alone.

    Parameters
    ----------
    inputs : sequence of (Synapse, onsets_ms)
        Onsets already checked (finite, >= 0 ms; see `_checked_onsets`).
    n_steps : int
        Number of steps; the grid has n_steps + 1 points.
    dt_ms : float
        Step, ms.
    weights : array of shape (n_rows, n_inputs), optional
        Row weights (default: one row of ones).

    Returns
    -------
    g_nS : ndarray, shape (n_rows, n_steps + 1)
        On the grid. At an onset exactly on a grid point, a single-exponential
        conductance takes its value just after the event (NEURON reports the value
        just before).
    step_integral_nS_ms : ndarray, shape (n_rows, n_steps)
    """
    n_inputs = len(inputs)
    weights = np.ones((1, n_inputs)) if weights is None else np.atleast_2d(np.asarray(weights, dtype=float))
    g = grid_conductances(inputs, n_steps, dt_ms, weights, integral=False)
    integral = grid_conductances(inputs, n_steps, dt_ms, weights, integral=True)
    return g, integral


def _checked_onsets(onsets_ms) -> np.ndarray:
    """Event times as a 1-D float array, each finite and >= 0 ms.

    Examples
    --------
    >>> _checked_onsets(np.array([0.0, 2.5])), _checked_onsets(3)
    (array([0. , 2.5]), array([3.]))
    """
    # Fast path for what simulate is usually given, a 1-D float array: two reductions instead of the
    # general checks (a call per input, so it counts when a sparse trace takes a millisecond in all).
    if isinstance(onsets_ms, np.ndarray) and onsets_ms.dtype == np.float64 and onsets_ms.ndim == 1:
        if onsets_ms.size == 0 or (onsets_ms.min() >= 0.0 and onsets_ms.max() < np.inf):  # NaN fails both
            return onsets_ms
    return _checks.non_negative("onsets_ms", np.atleast_1d(onsets_ms), "ms").ravel()


def _preset(defaults: dict, overrides: dict) -> Synapse:
    unknown = set(overrides) - set(Synapse.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown Synapse field(s) {sorted(unknown)}; valid: {list(Synapse.__dataclass_fields__)}")
    merged = {**defaults, **overrides}
    if "tau_rise_ms" not in overrides and "tau_decay_ms" in overrides:
        tau_rise, tau_decay = merged["tau_rise_ms"], merged["tau_decay_ms"]
        decay_ok = isinstance(tau_decay, (int, float)) and not isinstance(tau_decay, bool) and tau_decay > 0
        if decay_ok and tau_decay < tau_rise:
            # Only tau_decay_ms was given: blame it, not the preset's rise time the user never set.
            raise ValueError(
                f"tau_decay_ms must be >= tau_rise_ms ({tau_rise} ms, the {defaults['name']} default; "
                f"pass a smaller tau_rise_ms too), got {tau_decay} ms"
            )
    return replace(Synapse(**defaults), **overrides)


def ampa(**overrides) -> Synapse:
    """AMPA receptor: fast glutamatergic excitation, E_rev 0 mV.

    Defaults: g_max 1 nS (unitary cortical synapses are 0.1-1 nS), rise 0.2 ms,
    decay 2 ms (rise 0.2-0.5 ms and decay 1-5 ms near 35 °C; the minimal kinetic
    model of Destexhe et al. decays with 1/beta = 5.3 ms). E_rev 0 mV (a single
    Ia-fibre EPSC reverses at +4.6 +/- 2 mV, Finkel & Redman 1983).

    References
    ----------
    Destexhe, Mainen & Sejnowski (1998), Kinetic models of synaptic transmission,
    in Koch & Segev (eds), Methods in Neuronal Modeling, 2nd ed. MIT Press.
    Finkel & Redman (1983) J Physiol 342:615.

    Examples
    --------
    >>> ampa(g_max_nS=2.0).g_max_nS
    2.0
    """
    return _preset(
        {"g_max_nS": 1.0, "tau_rise_ms": 0.2, "tau_decay_ms": 2.0, "e_rev_mV": 0.0, "name": "AMPA"}, overrides
    )


def nmda(**overrides) -> Synapse:
    """NMDA receptor: slow glutamatergic excitation with a voltage-dependent Mg2+ block.

    Defaults: g_max 1 nS, rise 2 ms, decay 100 ms (Brunel & Wang 2001), E_rev
    0 mV, [Mg2+]o 1 mM (block of Jahr & Stevens 1990; pass ``mg_out_mM=0`` to
    remove it).

    The block depends on V, so only `ipsplib.simulate` applies it (and reports it
    in ``Trace.g_nS``); ``nmda().conductance(...)`` is the unblocked waveform.

    References
    ----------
    Brunel & Wang (2001) J Comput Neurosci 11:63. Jahr & Stevens (1990) J Neurosci 10:3178.

    Examples
    --------
    >>> nmda().mg_out_mM, nmda(mg_out_mM=0.0).mg_out_mM
    (1.0, 0.0)
    """
    return _preset(
        {"g_max_nS": 1.0, "tau_rise_ms": 2.0, "tau_decay_ms": 100.0, "e_rev_mV": 0.0, "name": "NMDA", "mg_out_mM": 1.0},
        overrides,
    )


def gaba_a(**overrides) -> Synapse:
    """GABA_A receptor: fast inhibition through a Cl- (and HCO3-) channel.

    Defaults: g_max 1 nS, rise 0.5 ms, decay 5.6 ms (1/beta of the Destexhe et
    al. kinetic model), E_rev -80 mV as in that model; the real E_GABA depends on
    [Cl-]i (see `ipsplib.gaba_reversal`).

    References
    ----------
    Destexhe, Mainen & Sejnowski (1998), in Methods in Neuronal Modeling, 2nd ed.

    Examples
    --------
    >>> gaba_a(e_rev_mV=-70.0).e_rev_mV
    -70.0
    """
    return _preset(
        {"g_max_nS": 1.0, "tau_rise_ms": 0.5, "tau_decay_ms": 5.6, "e_rev_mV": -80.0, "name": "GABA_A"}, overrides
    )


def gaba_b(**overrides) -> Synapse:
    """GABA_B receptor: slow inhibition through G-protein-gated K+ (GIRK) channels.

    Defaults: g_max 0.5 nS, rise 50 ms, decay 200 ms (a dual exponential that
    peaks at ~92 ms and lasts hundreds of ms, as the kinetic model of Destexhe
    et al.), E_rev -95 mV (near E_K).

    References
    ----------
    Destexhe, Mainen & Sejnowski (1998), in Methods in Neuronal Modeling, 2nd ed.

    Examples
    --------
    >>> round(gaba_b().peak_time_ms)
    92
    """
    return _preset(
        {"g_max_nS": 0.5, "tau_rise_ms": 50.0, "tau_decay_ms": 200.0, "e_rev_mV": -95.0, "name": "GABA_B"}, overrides
    )


def glycine(**overrides) -> Synapse:
    """Glycine receptor: fast Cl- inhibition in spinal cord and brainstem.

    Defaults: g_max 1 nS, rise 0.5 ms, decay 5 ms (adult; slower in neonates),
    E_rev -80 mV as for GABA_A; the channel's P_HCO3/P_Cl is about 0.11
    (Bormann et al. 1987), lower than GABA_A's.

    References
    ----------
    Bormann, Hamill & Sakmann (1987) J Physiol 385:243.

    Examples
    --------
    >>> glycine().name
    'glycine'
    """
    return _preset(
        {"g_max_nS": 1.0, "tau_rise_ms": 0.5, "tau_decay_ms": 5.0, "e_rev_mV": -80.0, "name": "glycine"}, overrides
    )


PRESETS = {"AMPA": ampa, "NMDA": nmda, "GABA_A": gaba_a, "GABA_B": gaba_b, "glycine": glycine}
