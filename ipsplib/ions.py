"""Equilibrium and reversal potentials, driving force and the NMDA Mg2+ block.

All potentials in mV, concentrations in mM, temperatures in °C. Every function
broadcasts over numpy arrays and returns a float for scalar input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import _checks
from .constants import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    MAMMALIAN_IN_MM,
    MAMMALIAN_OUT_MM,
    VALENCE,
    ZERO_CELSIUS_K,
)


def thermal_voltage_mV(temperature_c=37.0):
    """RT/F in mV at a temperature in °C.

    Examples
    --------
    >>> round(thermal_voltage_mV(37.0), 3)
    26.727
    """
    t_c = _checks.temperature("temperature_c", temperature_c)
    return _checks.scalar(1000.0 * GAS_CONSTANT_J_PER_MOL_K * (t_c + ZERO_CELSIUS_K) / FARADAY_C_PER_MOL)


def nernst(c_out_mM, c_in_mM, z, temperature_c=37.0):
    """Equilibrium (Nernst) potential of one ion, in mV: ``nernst(c_out_mM, c_in_mM, z)``, OUTSIDE first.

    Note the order: nernst takes the outside concentration first, while
    `gaba_reversal` and the `ipsplib.chloride` functions take the inside one
    first. Pass keywords to be safe: ``nernst(c_out_mM=5.0, c_in_mM=140.0, z=1)``.

    E = (RT / zF) ln([X]o / [X]i): the membrane potential at which the ion's
    diffusion down its gradient is balanced by the electric field.

    Parameters
    ----------
    c_out_mM, c_in_mM : float or array
        Concentrations outside and inside the cell, mM, > 0.
    z : int or array
        Valence (charge number), non-zero: +1 for K+, -1 for Cl-.
    temperature_c : float or array
        Temperature, °C, above -273.15.

    Returns
    -------
    float or ndarray
        Equilibrium potential, mV.

    Examples
    --------
    >>> round(nernst(5.0, 140.0, 1), 2)      # K+, mammalian neuron, 37 °C
    -89.06
    >>> round(nernst(110.0, 7.0, -1), 1)     # Cl-: the sign of z flips the ratio
    -73.6

    References
    ----------
    Purves et al., Neuroscience, ch. 2 and Table 2.1.
    """
    c_out = _checks.positive("c_out_mM", c_out_mM, "mM")
    c_in = _checks.positive("c_in_mM", c_in_mM, "mM")
    valence = _checks.as_finite("z", z, "(elementary charges)")
    if np.any(valence == 0):
        raise ValueError("z must be a non-zero valence (elementary charges), got 0")
    vt = thermal_voltage_mV(temperature_c)
    return _checks.scalar(vt / valence * np.log(c_out / c_in))


def _concentrations(name: str, mapping: Mapping, ions) -> np.ndarray:
    missing = [ion for ion in ions if ion not in mapping]
    if missing:
        raise ValueError(f"{name} lacks a value for {missing} (mM); it must hold every ion in permeability")
    return [_checks.positive(f"{name}[{ion!r}]", mapping[ion], "mM") for ion in ions]


def ghk_potential(permeability, c_out_mM, c_in_mM, temperature_c=37.0):
    """Goldman-Hodgkin-Katz voltage equation for monovalent ions, in mV.

    V = (RT/F) ln( (sum_cations P[X]o + sum_anions P[A]i)
                 / (sum_cations P[X]i + sum_anions P[A]o) ):
    the potential at which the net current through all the permeable ions is zero.

    Parameters
    ----------
    permeability : dict
        Relative permeability of each ion (>= 0, at least one > 0), keyed by
        ion name: "K", "Na", "Cl", "HCO3". Values may be arrays: the result
        broadcasts over them (and over array concentrations).
    c_out_mM, c_in_mM : dict
        Concentrations outside and inside, mM, > 0, for every ion in
        ``permeability``.
    temperature_c : float
        Temperature, °C.

    Examples
    --------
    >>> p = {"K": 1.0, "Na": 0.04, "Cl": 0.45}                 # Hodgkin & Katz 1949
    >>> out, inside = {"K": 20, "Na": 440, "Cl": 560}, {"K": 400, "Na": 50, "Cl": 52}
    >>> round(ghk_potential(p, out, inside, temperature_c=20.0), 1)   # squid axon
    -59.9
    >>> ghk_potential({"K": 1.0, "Na": np.array([0.0, 0.04])}, out, inside, temperature_c=20.0).round(1)
    array([-75.7, -59.9])

    References
    ----------
    Goldman (1943) J Gen Physiol 27:37; Hodgkin & Katz (1949) J Physiol 108:37.
    """
    if not isinstance(permeability, Mapping) or not permeability:
        raise ValueError("permeability must be a non-empty dict of ion name -> relative permeability (dimensionless)")
    ions = list(permeability)
    for ion in ions:
        if VALENCE.get(ion) not in (1, -1):
            raise ValueError(
                f"permeability has ion {ion!r}; valid monovalent ions are "
                f"{sorted(k for k, z in VALENCE.items() if abs(z) == 1)}"
            )
    perm = [_checks.non_negative(f"permeability[{ion!r}]", permeability[ion], "(relative)") for ion in ions]
    if not np.all(sum(perm) > 0):
        raise ValueError("permeability must have at least one ion with permeability > 0 (relative)")
    out = _concentrations("c_out_mM", c_out_mM, ions)
    inside = _concentrations("c_in_mM", c_in_mM, ions)
    # Cations enter the numerator with their outside concentration, anions with their inside one.
    numerator = sum(p * (o if VALENCE[ion] > 0 else i) for p, o, i, ion in zip(perm, out, inside, ions, strict=True))
    denominator = sum(p * (i if VALENCE[ion] > 0 else o) for p, o, i, ion in zip(perm, out, inside, ions, strict=True))
    return _checks.scalar(thermal_voltage_mV(temperature_c) * np.log(numerator / denominator))


def gaba_reversal(
    cl_in_mM,
    cl_out_mM,
    hco3_in_mM=MAMMALIAN_IN_MM["HCO3"],
    hco3_out_mM=MAMMALIAN_OUT_MM["HCO3"],
    p_hco3_over_p_cl=0.2,
    temperature_c=37.0,
):
    """Reversal potential of a channel passing Cl- and HCO3- (GABA_A, glycine), in mV:
    ``gaba_reversal(cl_in_mM, cl_out_mM, ...)``, INSIDE first (unlike `nernst`).

    Pass keywords to be safe: ``gaba_reversal(cl_in_mM=7.0, cl_out_mM=130.0)``. No
    order of the two is rejected: [Cl-]i above [Cl-]o is a valid, if unusual,
    state (e.g. a cell dialysed with a high-Cl- pipette in low-Cl- saline) and
    gives a positive E_GABA, so ``gaba_reversal(130, 7)`` returns about +64 mV
    where ``gaba_reversal(7, 130)`` gives -69 mV. Swapped arguments are a user error
    that only keywords prevent.

    The GHK form for two anions with permeability ratio r = P_HCO3 / P_Cl:
    E = (RT/F) ln( ([Cl]i + r [HCO3]i) / ([Cl]o + r [HCO3]o) ).
    Because E_HCO3 (about -13 mV) is far above E_Cl, bicarbonate pulls E_GABA
    several mV positive to E_Cl. This is not the conductance-weighted average
    (1 - r) E_Cl + r E_HCO3 used in some models; the chloride chapter compares them.

    Parameters
    ----------
    cl_in_mM, cl_out_mM : float or array
        Chloride inside and outside, mM, > 0.
    hco3_in_mM, hco3_out_mM : float or array
        Bicarbonate inside and outside, mM, > 0.
    p_hco3_over_p_cl : float or array
        Permeability ratio, dimensionless, >= 0. With 0 the result is E_Cl.
    temperature_c : float or array
        Temperature, °C.

    Examples
    --------
    >>> round(gaba_reversal(7.0, 130.0), 1)     # mature neuron, 37 °C
    -69.1
    >>> gaba_reversal(7.0, 130.0, p_hco3_over_p_cl=0.0) == nernst(130.0, 7.0, -1)
    True

    References
    ----------
    Bormann, Hamill & Sakmann (1987) J Physiol 385:243; Kaila (1994) Prog
    Neurobiol 42:489.
    """
    cl_in = _checks.positive("cl_in_mM", cl_in_mM, "mM")
    cl_out = _checks.positive("cl_out_mM", cl_out_mM, "mM")
    hco3_in = _checks.positive("hco3_in_mM", hco3_in_mM, "mM")
    hco3_out = _checks.positive("hco3_out_mM", hco3_out_mM, "mM")
    ratio = _checks.non_negative("p_hco3_over_p_cl", p_hco3_over_p_cl, "(dimensionless)")
    vt = thermal_voltage_mV(temperature_c)
    return _checks.scalar(vt * np.log((cl_in + ratio * hco3_in) / (cl_out + ratio * hco3_out)))


def driving_force(v_mV, e_rev_mV):
    """Driving force V - E_rev, in mV.

    Positive driving force means the channel's current is outward (positive by
    the book's convention): cations leave or anions enter.

    Examples
    --------
    >>> driving_force(-65.0, -80.0)     # Cl- enters, an outward current
    15.0
    """
    v = _checks.as_finite("v_mV", v_mV, "mV")
    e = _checks.as_finite("e_rev_mV", e_rev_mV, "mV")
    return _checks.scalar(v - e)


#: Jahr & Stevens (1990) fit: B = 1 / (1 + [Mg]o / 3.57 mM * exp(-0.062 V / mV)).
MG_BLOCK_KD_MM = 3.57
MG_BLOCK_SLOPE_PER_MV = 0.062


def mg_block(v_mV, mg_out_mM=1.0):
    """Fraction of NMDA receptor conductance not blocked by extracellular Mg2+.

    B(V) = 1 / (1 + ([Mg]o / 3.57 mM) exp(-0.062 V)), V in mV. Depolarization
    expels Mg2+ from the pore, so B rises from ~0.06 at -65 mV to ~0.78 at 0 mV.

    Parameters
    ----------
    v_mV : float or array
        Membrane potential, mV.
    mg_out_mM : float or array
        Extracellular Mg2+, mM, >= 0 (0 gives no block).

    Examples
    --------
    >>> round(mg_block(-65.0), 4), round(mg_block(0.0), 4)
    (0.0597, 0.7812)

    References
    ----------
    Jahr & Stevens (1990) J Neurosci 10:3178.
    """
    v = _checks.as_finite("v_mV", v_mV, "mV")
    mg = _checks.non_negative("mg_out_mM", mg_out_mM, "mM")
    return _checks.scalar(1.0 / (1.0 + mg / MG_BLOCK_KD_MM * np.exp(-MG_BLOCK_SLOPE_PER_MV * v)))
