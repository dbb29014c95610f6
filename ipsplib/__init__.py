"""ipsplib: the physics behind the IPSP interactive textbook.

Postsynaptic potentials in a one-compartment neuron: ion equilibria (Nernst,
GHK, GABA_A reversal with bicarbonate), synaptic conductances and the membrane
equation, validated against NEURON. Units are in the names: mV, ms, nS, pF,
pA, mM, °C.

Examples
--------
>>> import ipsplib as ip
>>> round(ip.nernst(5.0, 140.0, 1), 1)
-89.1
"""

from . import chloride, currents, synapses
from .currents import CurrentTrace, simulate_current_based
from .ions import driving_force, gaba_reversal, ghk_potential, mg_block, nernst, thermal_voltage_mV
from .membrane import Cell, Trace, simulate, steady_state
from .spatial import PspShape, ShuntingEffect, psp_shape, shunting_effect, steady_state_attenuation  # chapter 6
from .synapses import Synapse

__version__ = "0.1.0"

__all__ = [
    "Cell",
    "CurrentTrace",
    "Synapse",
    "Trace",
    "driving_force",
    "gaba_reversal",
    "ghk_potential",
    "mg_block",
    "nernst",
    "simulate",
    "simulate_current_based",
    "steady_state",
    "chloride",
    "currents",
    "synapses",
    "thermal_voltage_mV",
    # spatial summation (chapter 6)
    "PspShape",
    "ShuntingEffect",
    "psp_shape",
    "shunting_effect",
    "steady_state_attenuation",
    "spatial",
]
