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

from . import book, chloride, clamp, currents, dendrite, synapses
from .clamp import iv_curve, reversal_from_iv, voltage_clamp
from .currents import CurrentTrace, simulate_current_based
from .dendrite import BallAndStick, DendriteTrace, ball_and_stick, length_constant_um, simulate_dendrite
from .firing import PoissonFiring, PoissonTrain, firing_rate, poisson_firing, poisson_train, shift_and_gain
from .ions import driving_force, gaba_reversal, ghk_potential, mg_block, nernst, thermal_voltage_mV
from .membrane import Cell, Trace, simulate, steady_state
from .spatial import PspShape, ShuntingEffect, psp_shape, shunting_effect, steady_state_attenuation  # chapter 6
from .summation import TrainSummation, train_onsets_ms, train_summation
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
    "TrainSummation",
    "train_onsets_ms",
    "train_summation",
    # firing under Poisson excitation and inhibition (chapter on EPSP-IPSP competition at threshold)
    "PoissonFiring",
    "PoissonTrain",
    "firing",
    "firing_rate",
    "poisson_firing",
    "poisson_train",
    "shift_and_gain",
    "BallAndStick",
    "DendriteTrace",
    "ball_and_stick",
    "dendrite",
    "length_constant_um",
    "simulate_dendrite",
    "clamp",
    "iv_curve",
    "reversal_from_iv",
    "voltage_clamp",
    # spatial summation (chapter 6)
    "PspShape",
    "ShuntingEffect",
    "psp_shape",
    "shunting_effect",
    "steady_state_attenuation",
    "spatial",
    # helpers for the book's pages (glue with a true minus sign, typeset tables)
    "book",
]
