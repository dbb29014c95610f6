"""Chloride homeostasis: NKCC1, KCC2 and Cl- channels set [Cl-]i, and with it E_GABA.

A minimal, thermodynamic model of the chloride balance of one compartment.
Three pathways move Cl- across the membrane; each moves it at a rate
proportional to its own free-energy difference (linear non-equilibrium
thermodynamics), as in the KCC2 term of Doyon et al. (2011) and Düsterwald
et al. (2018). Expressing each Cl- flux in charge units (F times the molar
influx, in pA) and each free energy per Cl- ion in mV gives one common form,

    influx_x = g_x (E_x - E_Cl),

with a conductance-like coefficient g_x (nS) and an "equilibrium potential"
E_x of the pathway: the E_Cl at which it moves no Cl-.

- NKCC1 (1 Na+ : 1 K+ : 2 Cl- inward, electroneutral). The free energy of one
  cycle, RT ln([Na]o[K]o[Cl]o^2 / ([Na]i[K]i[Cl]i^2)), is 2F (E_NKCC1 - E_Cl)
  with E_NKCC1 = (E_Na + E_K) / 2: NKCC1 loads Cl- until E_Cl is halfway
  between E_Na and E_K (about -9 mV in a mammalian neuron).
- KCC2 (1 K+ : 1 Cl- outward, electroneutral). One cycle releases
  RT ln([K]i[Cl]i / ([K]o[Cl]o)) = F (E_Cl - E_K): KCC2 extrudes Cl- only
  while E_Cl > E_K, so on its own it can at best bring E_Cl down to E_K.
- Cl- channels (leak, tonic or synaptic GABA_A / glycine conductance) at
  membrane potential V: the Cl- influx is the outward Cl- current
  g_Cl (V - E_Cl), which pulls E_Cl toward V.

Setting the total influx to zero gives the steady state

    E_Cl* = (g_NKCC1 E_NKCC1 + g_KCC2 E_K + g_Cl V) / (g_NKCC1 + g_KCC2 + g_Cl),

a weighted mean of the three pathways' equilibria, exactly like the resting
potential is a conductance-weighted mean of reversal potentials. The
transporters are electroneutral: their "currents" are Cl- fluxes, not
electric currents.

The module also holds the two conductance-weighted approximations of E_GABA
found in models, for comparison with the GHK form `ipsplib.gaba_reversal`.

Concentrations in mM, potentials in mV, conductances in nS, temperatures in
°C, volumes in µm³, times in ms.

References
----------
Doyon N, Prescott SA, Castonguay A, Godin AG, Kröger H, De Koninck Y (2011)
Efficacy of synaptic inhibition depends on multiple, dynamically interacting
mechanisms implicated in chloride homeostasis. PLoS Comput Biol 7:e1002149.
Düsterwald KM, Currin CB, Burman RJ, Akerman CJ, Kay AR, Raimondo JV (2018)
Biophysical models reveal the relative importance of transporter proteins and
impermeant anions in chloride homeostasis. eLife 7:e39575.
Payne JA, Rivera C, Voipio J, Kaila K (2003) Cation-chloride co-transporters
in neuronal communication, development and trauma. Trends Neurosci 26:199.
Jedlicka P, Deller T, Gutkin BS, Backus KH (2011) Activity-dependent
intracellular chloride accumulation and diffusion controls GABA(A)
receptor-mediated synaptic transmission. Hippocampus 21:885.
Lombardi A, Jedlicka P, Luhmann HJ, Kilb W (2019) Interactions between
membrane resistance, GABA-A receptor properties, bicarbonate dynamics and
Cl- transport shape activity-dependent changes of intracellular Cl-
concentration. Int J Mol Sci 20:1416.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .constants import CL_OUT_ACSF_MM, FARADAY_C_PER_MOL, MAMMALIAN_IN_MM, MAMMALIAN_OUT_MM
from .ions import nernst, thermal_voltage_mV

#: Example parameter sets of `chloride_steady_state`: an immature and a mature
#: neuron at rest (V = -70 mV) with a resting Cl- conductance of 1 nS. The
#: transporter coefficients are not measured values: they were chosen (round
#: numbers, NKCC1 + KCC2 = 10 nS) so that the steady state falls in the measured
#: ranges, about 29 mM (immature: 13-70 mM, mean 38 mM in P4-7 mouse CA3,
#: Lombardi et al. 2018) and about 6.5 mM (mature: 4-7 mM, Kaila et al. 2014)
#: with [Cl-]o = 130 mM, Purves' Na+ and K+ concentrations and 37 °C.
PRESETS = {
    "immature": {"g_nkcc1_nS": 6.5, "g_kcc2_nS": 3.5, "g_cl_nS": 1.0, "v_mV": -70.0},
    "mature": {"g_nkcc1_nS": 1.0, "g_kcc2_nS": 9.0, "g_cl_nS": 1.0, "v_mV": -70.0},
}

_NA_IN, _NA_OUT = MAMMALIAN_IN_MM["Na"], MAMMALIAN_OUT_MM["Na"]
_K_IN, _K_OUT = MAMMALIAN_IN_MM["K"], MAMMALIAN_OUT_MM["K"]
_HCO3_IN, _HCO3_OUT = MAMMALIAN_IN_MM["HCO3"], MAMMALIAN_OUT_MM["HCO3"]

# 1 µm³ = 1e-15 L; 1 mM = 1e-3 mol/L; F C/mol; so F * c * vol is in 1e-18 C.
# A current of (mV * nS) = 1e-12 A = 1 pA. Time constant (1e-18 C) / (1e-12 A) = 1e-6 s = 1e-3 ms.
_CHARGE_FC_TO_MS_PER_PA = 1e-3


def nkcc1_reversal_mV(na_in_mM=_NA_IN, na_out_mM=_NA_OUT, k_in_mM=_K_IN, k_out_mM=_K_OUT, temperature_c=37.0):
    """E_Cl at which NKCC1 is at equilibrium, (E_Na + E_K) / 2, in mV.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``na_in_mM, na_out_mM, k_in_mM, k_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    NKCC1 moves 1 Na+, 1 K+ and 2 Cl- together; the cycle's free energy
    RT ln([Na]o[K]o[Cl]o^2 / ([Na]i[K]i[Cl]i^2)) vanishes when
    E_Cl = (E_Na + E_K) / 2. Below that E_Cl, NKCC1 loads the cell with Cl-.

    Parameters
    ----------
    na_in_mM, na_out_mM, k_in_mM, k_out_mM : float or array
        Na+ and K+ inside and outside, mM, > 0 (defaults: mammalian neuron,
        Purves Table 2.1: Na 10 / 145, K 140 / 5).
    temperature_c : float or array
        Temperature, °C.

    Returns
    -------
    float or ndarray
        mV.

    Examples
    --------
    >>> round(nkcc1_reversal_mV(), 1)          # 37 °C, mammalian Na+ and K+
    -8.8

    References
    ----------
    Payne et al. (2003) Trends Neurosci 26:199; Kaila et al. (2014) Nat Rev
    Neurosci 15:637.
    """
    e_na = nernst(na_out_mM, na_in_mM, 1, temperature_c)
    e_k = nernst(k_out_mM, k_in_mM, 1, temperature_c)
    return _checks.scalar(0.5 * (np.asarray(e_na) + np.asarray(e_k)))


def kcc2_reversal_mV(k_in_mM=_K_IN, k_out_mM=_K_OUT, temperature_c=37.0):
    """E_Cl at which KCC2 is at equilibrium: E_K, in mV.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``k_in_mM, k_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    KCC2 moves 1 K+ and 1 Cl- out together; the cycle's free energy
    RT ln([K]i[Cl]i / ([K]o[Cl]o)) vanishes when E_Cl = E_K. KCC2 alone can
    therefore never make E_Cl more negative than E_K.

    Parameters
    ----------
    k_in_mM, k_out_mM : float or array
        K+ inside and outside, mM, > 0 (defaults 140 / 5, Purves Table 2.1).
    temperature_c : float or array
        Temperature, °C.

    Examples
    --------
    >>> round(kcc2_reversal_mV(), 2)
    -89.06
    >>> round(kcc2_reversal_mV(k_out_mM=10.0), 1)   # raised [K+]o weakens extrusion
    -70.5

    References
    ----------
    Payne et al. (2003) Trends Neurosci 26:199; Delpire & Staley (2014) J
    Physiol 592:4099.
    """
    return nernst(k_out_mM, k_in_mM, 1, temperature_c)


def _coefficients(g_nkcc1_nS, g_kcc2_nS, g_cl_nS):
    g_n = _checks.non_negative("g_nkcc1_nS", g_nkcc1_nS, "nS")
    g_k = _checks.non_negative("g_kcc2_nS", g_kcc2_nS, "nS")
    g_c = _checks.non_negative("g_cl_nS", g_cl_nS, "nS")
    if np.any(g_n + g_k + g_c <= 0):
        raise ValueError(
            "g_nkcc1_nS + g_kcc2_nS + g_cl_nS must be > 0 nS: with no pathway at all, [Cl-]i is not determined"
        )
    return g_n, g_k, g_c


def chloride_influx_pA(
    cl_in_mM,
    v_mV,
    g_nkcc1_nS,
    g_kcc2_nS,
    g_cl_nS,
    cl_out_mM=CL_OUT_ACSF_MM,
    na_in_mM=_NA_IN,
    na_out_mM=_NA_OUT,
    k_in_mM=_K_IN,
    k_out_mM=_K_OUT,
    temperature_c=37.0,
):
    """Cl- influx through NKCC1, KCC2 and Cl- channels, in charge units (pA).

    Argument order: every concentration pair here is INSIDE first, then outside
    (``cl_in_mM`` first, ``cl_out_mM`` a keyword, ``na_in_mM, na_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    Each pathway x moves Cl- in at g_x (E_x - E_Cl): F times its molar influx,
    so 1 pA is about 6.2 million Cl- ions per second. Positive means Cl-
    enters. For the channels this is the outward Cl- current g_Cl (V - E_Cl);
    the transporters are electroneutral and carry no net current.

    Parameters
    ----------
    cl_in_mM : float or array
        Intracellular Cl-, mM, > 0.
    v_mV : float or array
        Membrane potential, mV.
    g_nkcc1_nS, g_kcc2_nS, g_cl_nS : float or array
        Coefficients of NKCC1, KCC2 and the Cl- channels, nS, >= 0, not all 0.
    cl_out_mM : float or array
        Extracellular Cl-, mM, > 0 (default 130, slice saline).
    na_in_mM, na_out_mM, k_in_mM, k_out_mM : float or array
        Na+ and K+, mM, > 0 (defaults: Purves Table 2.1).
    temperature_c : float or array
        Temperature, °C.

    Returns
    -------
    dict
        ``"nkcc1"``, ``"kcc2"``, ``"channels"`` and their sum ``"total"``, pA.

    Examples
    --------
    >>> flux = chloride_influx_pA(7.0, -70.0, 1.0, 9.0, 1.0)
    >>> flux["nkcc1"] > 0 > flux["kcc2"]        # NKCC1 loads, KCC2 extrudes
    True
    >>> round(flux["channels"], 2)               # V above E_Cl: Cl- enters
    8.09
    """
    g_n, g_k, g_c = _coefficients(g_nkcc1_nS, g_kcc2_nS, g_cl_nS)
    v = _checks.as_finite("v_mV", v_mV, "mV")
    e_cl = np.asarray(nernst(cl_out_mM, cl_in_mM, -1, temperature_c))
    e_n = np.asarray(nkcc1_reversal_mV(na_in_mM, na_out_mM, k_in_mM, k_out_mM, temperature_c))
    e_k = np.asarray(kcc2_reversal_mV(k_in_mM, k_out_mM, temperature_c))
    flux = {"nkcc1": g_n * (e_n - e_cl), "kcc2": g_k * (e_k - e_cl), "channels": g_c * (v - e_cl)}
    flux["total"] = flux["nkcc1"] + flux["kcc2"] + flux["channels"]
    return {name: _checks.scalar(np.asarray(value, dtype=float)) for name, value in flux.items()}


def steady_state_e_cl_mV(
    g_nkcc1_nS,
    g_kcc2_nS,
    g_cl_nS,
    v_mV,
    na_in_mM=_NA_IN,
    na_out_mM=_NA_OUT,
    k_in_mM=_K_IN,
    k_out_mM=_K_OUT,
    temperature_c=37.0,
):
    """E_Cl at which Cl- influx and efflux balance, in mV.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``na_in_mM, na_out_mM, k_in_mM, k_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    E_Cl* = (g_NKCC1 E_NKCC1 + g_KCC2 E_K + g_Cl V) / (g_NKCC1 + g_KCC2 + g_Cl),
    with E_NKCC1 = (E_Na + E_K) / 2. It does not depend on [Cl-]o (only
    [Cl-]i does).

    Parameters
    ----------
    g_nkcc1_nS, g_kcc2_nS, g_cl_nS : float or array
        Coefficients of NKCC1, KCC2 and the Cl- channels, nS, >= 0, not all 0.
    v_mV : float or array
        Membrane potential, mV (held constant).
    na_in_mM, na_out_mM, k_in_mM, k_out_mM : float or array
        Na+ and K+, mM, > 0 (defaults: Purves Table 2.1).
    temperature_c : float or array
        Temperature, °C.

    Examples
    --------
    >>> round(steady_state_e_cl_mV(**PRESETS["mature"]), 1)
    -80.0
    >>> round(steady_state_e_cl_mV(0.0, 0.0, 1.0, -70.0), 1)   # channels only: E_Cl = V
    -70.0
    """
    g_n, g_k, g_c = _coefficients(g_nkcc1_nS, g_kcc2_nS, g_cl_nS)
    v = _checks.as_finite("v_mV", v_mV, "mV")
    e_n = np.asarray(nkcc1_reversal_mV(na_in_mM, na_out_mM, k_in_mM, k_out_mM, temperature_c))
    e_k = np.asarray(kcc2_reversal_mV(k_in_mM, k_out_mM, temperature_c))
    return _checks.scalar((g_n * e_n + g_k * e_k + g_c * v) / (g_n + g_k + g_c))


def chloride_steady_state(
    g_nkcc1_nS,
    g_kcc2_nS,
    g_cl_nS,
    v_mV,
    cl_out_mM=CL_OUT_ACSF_MM,
    na_in_mM=_NA_IN,
    na_out_mM=_NA_OUT,
    k_in_mM=_K_IN,
    k_out_mM=_K_OUT,
    temperature_c=37.0,
):
    """Steady-state intracellular Cl- set by NKCC1, KCC2 and Cl- channels, in mM.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``na_in_mM, na_out_mM, k_in_mM, k_out_mM``; [Cl-]o is the keyword ``cl_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    [Cl-]i = [Cl-]o exp(E_Cl* F / RT), with E_Cl* from `steady_state_e_cl_mV`.

    Parameters
    ----------
    g_nkcc1_nS, g_kcc2_nS, g_cl_nS : float or array
        Coefficients of NKCC1, KCC2 and the Cl- channels, nS, >= 0, not all 0.
    v_mV : float or array
        Membrane potential, mV.
    cl_out_mM : float or array
        Extracellular Cl-, mM, > 0 (default 130, slice saline).
    na_in_mM, na_out_mM, k_in_mM, k_out_mM : float or array
        Na+ and K+, mM, > 0 (defaults: Purves Table 2.1).
    temperature_c : float or array
        Temperature, °C.

    Returns
    -------
    float or ndarray
        [Cl-]i, mM.

    Examples
    --------
    >>> round(chloride_steady_state(**PRESETS["immature"]), 1)     # 37 °C, [Cl-]o 130 mM
    29.2
    >>> round(chloride_steady_state(**PRESETS["mature"]), 1)
    6.5
    """
    cl_out = _checks.positive("cl_out_mM", cl_out_mM, "mM")
    e_cl = steady_state_e_cl_mV(
        g_nkcc1_nS, g_kcc2_nS, g_cl_nS, v_mV, na_in_mM, na_out_mM, k_in_mM, k_out_mM, temperature_c
    )
    return _checks.scalar(cl_out * np.exp(np.asarray(e_cl) / thermal_voltage_mV(temperature_c)))


def chloride_time_constant_ms(cl_in_mM, volume_um3, g_total_nS, temperature_c=37.0):
    """Time constant with which E_Cl relaxes to its steady state, in ms.

    Linearising d[Cl-]i/dt = influx / (F vol) around [Cl-]i gives
    dE_Cl/dt = -(E_Cl - E_Cl*) / tau with tau = F vol [Cl-]i / ((RT/F) g_total),
    g_total = g_NKCC1 + g_KCC2 + g_Cl. Small volumes per conductance (thin
    dendrites) load and recover fast.

    Parameters
    ----------
    cl_in_mM : float or array
        Intracellular Cl-, mM, > 0.
    volume_um3 : float or array
        Volume of the compartment, µm³ (1 pL = 1000 µm³), > 0.
    g_total_nS : float or array
        Sum of the coefficients of all Cl- pathways, nS, > 0.
    temperature_c : float or array
        Temperature, °C.

    Examples
    --------
    >>> round(chloride_time_constant_ms(7.0, 1000.0, 1.0) / 1000.0, 1)   # 1 pL, 1 nS: seconds
    25.3
    """
    cl_in = _checks.positive("cl_in_mM", cl_in_mM, "mM")
    volume = _checks.positive("volume_um3", volume_um3, "µm³")
    g_total = _checks.positive("g_total_nS", g_total_nS, "nS")
    charge = FARADAY_C_PER_MOL * cl_in * volume  # 1e-18 C
    return _checks.scalar(charge / (thermal_voltage_mV(temperature_c) * g_total) * _CHARGE_FC_TO_MS_PER_PA)


def simulate_chloride(
    t_ms,
    cl_in0_mM,
    volume_um3,
    g_nkcc1_nS,
    g_kcc2_nS,
    g_cl_nS,
    v_mV,
    cl_out_mM=CL_OUT_ACSF_MM,
    na_in_mM=_NA_IN,
    na_out_mM=_NA_OUT,
    k_in_mM=_K_IN,
    k_out_mM=_K_OUT,
    temperature_c=37.0,
):
    """Time course of [Cl-]i in one compartment with NKCC1, KCC2 and Cl- channels, in mM.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``cl_in0_mM`` first, ``cl_out_mM`` a keyword),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    d[Cl-]i/dt = influx / (F vol), influx from `chloride_influx_pA`. Over each
    step the channel conductance and V are held at their values at the start of
    the step and the equation is linearised in E_Cl, so the step relaxes E_Cl
    exponentially toward that step's steady state (exact at steady state, first
    order in dt otherwise; keep dt well below `chloride_time_constant_ms`).
    Bulk Na+, K+ and [Cl-]o are constant; diffusion to neighbouring
    compartments is ignored.

    Parameters
    ----------
    t_ms : array
        Increasing times, ms, starting at the initial condition.
    cl_in0_mM : float
        [Cl-]i at t_ms[0], mM, > 0.
    volume_um3 : float
        Volume, µm³, > 0.
    g_nkcc1_nS, g_kcc2_nS : float
        Transporter coefficients, nS, >= 0.
    g_cl_nS, v_mV : float or array
        Cl- channel conductance (nS, >= 0) and membrane potential (mV), constant
        or one value per time point (e.g. resting plus GABA_A Cl- conductance).
    cl_out_mM, na_in_mM, na_out_mM, k_in_mM, k_out_mM : float
        Concentrations, mM, > 0.
    temperature_c : float
        Temperature, °C.

    Returns
    -------
    ndarray
        [Cl-]i at each time, mM.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 60_000.0, 10.0)                 # one minute
    >>> cl = simulate_chloride(t, 20.0, 1000.0, **PRESETS["mature"])
    >>> round(float(cl[-1]), 1), round(chloride_steady_state(**PRESETS["mature"]), 1)
    (6.5, 6.5)
    """
    t = _checks.as_finite("t_ms", t_ms, "ms")
    if t.ndim != 1 or t.size < 1:
        raise ValueError("t_ms must be a 1-D array of times with at least one element, ms")
    dt = np.diff(t)
    if np.any(dt <= 0):
        raise ValueError("t_ms must be strictly increasing (ms)")
    cl0 = float(_checks.positive("cl_in0_mM", cl_in0_mM, "mM"))
    volume = float(_checks.positive("volume_um3", volume_um3, "µm³"))
    g_n = float(_checks.non_negative("g_nkcc1_nS", g_nkcc1_nS, "nS"))
    g_k = float(_checks.non_negative("g_kcc2_nS", g_kcc2_nS, "nS"))
    g_c = np.broadcast_to(_checks.non_negative("g_cl_nS", g_cl_nS, "nS"), t.shape).astype(float)
    v = np.broadcast_to(_checks.as_finite("v_mV", v_mV, "mV"), t.shape).astype(float)
    g_total = g_n + g_k + g_c
    if np.any(g_total <= 0):
        raise ValueError("g_nkcc1_nS + g_kcc2_nS + g_cl_nS must be > 0 nS at every time")
    cl_out = float(_checks.positive("cl_out_mM", cl_out_mM, "mM"))
    vt = thermal_voltage_mV(temperature_c)
    # E_Cl relaxes toward the steady state of the pathways open at each moment.
    e_target = np.broadcast_to(
        steady_state_e_cl_mV(g_n, g_k, g_c, v, na_in_mM, na_out_mM, k_in_mM, k_out_mM, temperature_c), t.shape
    )
    # tau of each step is (F vol / (RT/F g_total)) [Cl-]i (`chloride_time_constant_ms`): its factor is checked
    # and computed once for all steps, so the loop, which E_Cl's dependence on [Cl-]i makes sequential, is
    # plain float arithmetic.
    tau_per_mM = (FARADAY_C_PER_MOL * volume / (vt * g_total) * _CHARGE_FC_TO_MS_PER_PA).tolist()
    targets, steps = e_target.tolist(), dt.tolist()
    cl = [cl0]
    cl_now, e_cl = cl0, float(nernst(cl_out, cl0, -1, temperature_c))
    exp = math.exp
    for target, step, factor in zip(targets, steps, tau_per_mM, strict=False):
        e_cl = target + (e_cl - target) * exp(-step / (factor * cl_now))
        cl_now = cl_out * exp(e_cl / vt)
        cl.append(cl_now)
    return np.array(cl)


#: Formulas of `gaba_reversal_weighted`.
WEIGHTED_FORMS = ("jedlicka", "lombardi")


def gaba_reversal_weighted(
    cl_in_mM, cl_out_mM, hco3_in_mM=_HCO3_IN, hco3_out_mM=_HCO3_OUT, p_hco3=0.2, temperature_c=37.0, form="jedlicka"
):
    """E_GABA by a conductance-weighted average of E_Cl and E_HCO3, as in models, in mV.

    Argument order: every concentration pair here is INSIDE first, then outside
    (``cl_in_mM, cl_out_mM, hco3_in_mM, hco3_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    - ``form="jedlicka"``: E = (1 - P) E_Cl + P E_HCO3, with P the fraction of
      the GABA_A conductance carried by HCO3- (Jedlicka et al. 2011, ModelDB
      148253: P = 0.18).
    - ``form="lombardi"``: E = (E_Cl + P E_HCO3) / (1 + P), with P the ratio
      g_HCO3 / g_Cl (Lombardi et al. 2019).

    Both are the reversal potential of two ohmic (chord) conductances in
    parallel. Neither equals the GHK form `ipsplib.gaba_reversal`, in which the
    permeability ratio weights concentrations, not potentials; with P set to
    the same number they differ from it by a few mV.

    Parameters
    ----------
    cl_in_mM, cl_out_mM, hco3_in_mM, hco3_out_mM : float or array
        Concentrations, mM, > 0.
    p_hco3 : float or array
        Bicarbonate weight P, dimensionless: 0 <= P <= 1 for "jedlicka", P >= 0
        for "lombardi". P = 0 gives E_Cl.
    temperature_c : float or array
        Temperature, °C.
    form : {"jedlicka", "lombardi"}

    Examples
    --------
    >>> round(gaba_reversal_weighted(7.0, 130.0), 1)                      # 37 °C
    -65.1
    >>> round(gaba_reversal_weighted(7.0, 130.0, form="lombardi"), 1)
    -67.2

    References
    ----------
    Jedlicka et al. (2011) Hippocampus 21:885; Lombardi et al. (2019) Int J
    Mol Sci 20:1416.
    """
    if form not in WEIGHTED_FORMS:
        raise ValueError(f"form must be one of {WEIGHTED_FORMS}, got {form!r}")
    p = _checks.non_negative("p_hco3", p_hco3, "(dimensionless)")
    if form == "jedlicka" and np.any(p > 1):
        raise ValueError(
            f"p_hco3 must be <= 1 (a fraction of the conductance) for form='jedlicka', got {p[p > 1].ravel()[0]!r}"
        )
    e_cl = np.asarray(nernst(cl_out_mM, cl_in_mM, -1, temperature_c))
    e_hco3 = np.asarray(nernst(hco3_out_mM, hco3_in_mM, -1, temperature_c))
    if form == "jedlicka":
        return _checks.scalar((1.0 - p) * e_cl + p * e_hco3)
    return _checks.scalar((e_cl + p * e_hco3) / (1.0 + p))


def cl_in_for_gaba_reversal_mM(
    e_gaba_mV, cl_out_mM, hco3_in_mM=_HCO3_IN, hco3_out_mM=_HCO3_OUT, p_hco3_over_p_cl=0.2, temperature_c=37.0
):
    """Intracellular Cl- that gives a chosen GHK E_GABA, in mM (inverse of `ipsplib.gaba_reversal`).

    Argument order: every concentration pair here is INSIDE first, then outside
    (``e_gaba_mV, cl_out_mM``, then ``hco3_in_mM, hco3_out_mM``),
    unlike `ipsplib.nernst` (outside first); pass keywords to be safe.

    [Cl-]i = ([Cl-]o + r [HCO3-]o) exp(E F / RT) - r [HCO3-]i, r = P_HCO3 / P_Cl.

    Parameters
    ----------
    e_gaba_mV : float or array
        Target reversal potential, mV. With bicarbonate there is a floor: E must
        exceed (RT/F) ln(r [HCO3]i / ([Cl]o + r [HCO3]o)), reached at [Cl-]i -> 0.
    cl_out_mM, hco3_in_mM, hco3_out_mM : float or array
        Concentrations, mM, > 0.
    p_hco3_over_p_cl : float or array
        Permeability ratio, >= 0.
    temperature_c : float or array
        Temperature, °C.

    Examples
    --------
    >>> from ipsplib import gaba_reversal
    >>> cl = cl_in_for_gaba_reversal_mM(-70.0, 130.0)       # silent at a -70 mV rest, 37 °C
    >>> round(cl, 2), round(gaba_reversal(cl, 130.0), 6)
    (6.65, -70.0)
    """
    e = _checks.as_finite("e_gaba_mV", e_gaba_mV, "mV")
    cl_out = _checks.positive("cl_out_mM", cl_out_mM, "mM")
    hco3_in = _checks.positive("hco3_in_mM", hco3_in_mM, "mM")
    hco3_out = _checks.positive("hco3_out_mM", hco3_out_mM, "mM")
    r = _checks.non_negative("p_hco3_over_p_cl", p_hco3_over_p_cl, "(dimensionless)")
    cl_in = (cl_out + r * hco3_out) * np.exp(e / thermal_voltage_mV(temperature_c)) - r * hco3_in
    if np.any(cl_in <= 0):
        floor = thermal_voltage_mV(temperature_c) * np.log(r * hco3_in / (cl_out + r * hco3_out))
        raise ValueError(
            f"e_gaba_mV must be > {np.min(floor):.1f} mV (the E_GABA reached as [Cl-]i -> 0 "
            f"with this bicarbonate), got {float(np.min(e))!r}"
        )
    return _checks.scalar(cl_in)
