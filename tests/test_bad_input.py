"""Every public function rejects bad input with a ValueError naming the parameter and its unit."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import synapses

NAN, INF = math.nan, math.inf
CELL = {"c_m_pF": 100.0, "g_leak_nS": 5.0, "e_leak_mV": -70.0}


def cell(**kw):
    return ip.Cell(**{**CELL, **kw})


CASES = [
    # (callable, expected words in the message)
    (lambda: ip.nernst(-5.0, 140.0, 1), ["c_out_mM", "mM", "> 0"]),
    (lambda: ip.nernst(5.0, 0.0, 1), ["c_in_mM", "mM", "> 0"]),
    (lambda: ip.nernst(5.0, 140.0, 0), ["z", "non-zero"]),
    (lambda: ip.nernst(NAN, 140.0, 1), ["c_out_mM", "finite"]),
    (lambda: ip.nernst(5.0, np.array([140.0, INF]), 1), ["c_in_mM", "finite"]),
    (lambda: ip.nernst(5.0, 140.0, 1, temperature_c=-273.15), ["temperature_c", "°C", "-273.15"]),
    (lambda: ip.nernst(5.0, 140.0, 1, temperature_c=NAN), ["temperature_c", "finite"]),
    (lambda: ip.nernst("five", 140.0, 1), ["c_out_mM", "number"]),
    (lambda: ip.ghk_potential({}, {}, {}), ["permeability"]),
    (lambda: ip.ghk_potential({"K": -1.0}, {"K": 5}, {"K": 140}), ["permeability['K']", ">= 0"]),
    (lambda: ip.ghk_potential({"K": 0.0}, {"K": 5}, {"K": 140}), ["permeability", "> 0"]),
    (lambda: ip.ghk_potential({"Ca": 1.0}, {"Ca": 2}, {"Ca": 1e-4}), ["Ca", "monovalent"]),
    (lambda: ip.ghk_potential({"K": 1.0, "Na": 0.04}, {"K": 5}, {"K": 140, "Na": 10}), ["c_out_mM", "Na"]),
    (lambda: ip.ghk_potential({"K": 1.0}, {"K": 0.0}, {"K": 140}), ["c_out_mM['K']", "> 0"]),
    (lambda: ip.ghk_potential({"K": NAN}, {"K": 5}, {"K": 140}), ["permeability['K']", "finite"]),
    (lambda: ip.gaba_reversal(0.0, 130.0), ["cl_in_mM", "> 0"]),
    (lambda: ip.gaba_reversal(7.0, -1.0), ["cl_out_mM", "> 0"]),
    (lambda: ip.gaba_reversal(7.0, 130.0, hco3_in_mM=0.0), ["hco3_in_mM", "> 0"]),
    (lambda: ip.gaba_reversal(7.0, 130.0, hco3_out_mM=NAN), ["hco3_out_mM", "finite"]),
    (lambda: ip.gaba_reversal(7.0, 130.0, p_hco3_over_p_cl=-0.1), ["p_hco3_over_p_cl", ">= 0"]),
    (lambda: ip.gaba_reversal(7.0, 130.0, temperature_c=-300.0), ["temperature_c", "absolute zero"]),
    (lambda: ip.driving_force(NAN, -80.0), ["v_mV", "finite"]),
    (lambda: ip.driving_force(-65.0, INF), ["e_rev_mV", "finite"]),
    (lambda: ip.mg_block(NAN), ["v_mV", "finite"]),
    (lambda: ip.mg_block(-65.0, mg_out_mM=-1.0), ["mg_out_mM", "mM", ">= 0"]),
    (lambda: ip.Synapse(-1.0, 0.5, 5.0, 0.0), ["g_max_nS", "nS", ">= 0"]),
    (lambda: ip.Synapse(1.0, -0.5, 5.0, 0.0), ["tau_rise_ms", "ms"]),
    (lambda: ip.Synapse(1.0, 0.5, 0.0, 0.0), ["tau_decay_ms", "> 0"]),
    (lambda: ip.Synapse(1.0, 6.0, 5.0, 0.0), ["tau_rise_ms", "tau_decay_ms"]),
    (lambda: ip.Synapse(1.0, 0.5, 5.0, NAN), ["e_rev_mV", "finite"]),
    (lambda: ip.Synapse(NAN, 0.5, 5.0, 0.0), ["g_max_nS", "finite"]),
    (lambda: synapses.ampa(g_max_nS=-2.0), ["g_max_nS", ">= 0"]),
    (lambda: synapses.gaba_a(tau_decay=3.0), ["tau_decay", "unknown"]),
    (lambda: synapses.ampa().conductance([0.0, NAN], [0.0]), ["t_ms", "finite"]),
    (lambda: synapses.ampa().conductance([0.0, 1.0], [NAN]), ["onsets_ms", "finite"]),
    (lambda: cell(c_m_pF=0.0), ["c_m_pF", "pF", "> 0"]),
    (lambda: cell(c_m_pF="100"), ["c_m_pF", "number", "'100'"]),
    (lambda: cell(g_leak_nS=["5"]), ["g_leak_nS", "number"]),
    (lambda: ip.nernst("5", 140.0, 1), ["c_out_mM", "number"]),
    (lambda: cell(e_leak_mV=-50.0, v_threshold_mV=-55.0), ["e_leak_mV", "default v_reset_mV", "v_threshold_mV"]),
    (lambda: synapses.ampa(tau_decay_ms=0.1), ["tau_decay_ms must be >= tau_rise_ms", "0.2 ms", "AMPA default"]),
    (lambda: ip.simulate(cell(), [], 1.0, dt_ms=0.3), ["duration_ms", "whole number of steps", "0.3 ms"]),
    (lambda: ip.simulate(cell(), [], 10.0, conductances=[(-1.0, 0.0)]), ["conductances[0] g_nS", ">= 0"]),
    (lambda: ip.simulate(cell(), [], 10.0, conductances=[(1.0, NAN)]), ["conductances[0] e_rev_mV", "finite"]),
    (lambda: ip.simulate(cell(), [], 10.0, conductances=[(1.0,)]), ["conductances[0]", "pair"]),
    (lambda: ip.simulate(cell(), [], 10.0, conductances=(2.0, -70.0)), ["conductances[0]", "pair"]),
    (lambda: ip.simulate(cell(), [], 10.0, conductances="tonic"), ["conductances", "sequence"]),
    (
        lambda: ip.simulate(cell(), [], 10.0, dt_ms=0.1, conductances=[(np.ones(50), -70.0)]),
        ["conductances[0] g_nS", "101", "nS"],
    ),
    (lambda: ip.simulate(cell(), [], 10.0, dt_ms=0.1, conductances=[(np.full(101, -1.0), 0.0)]), ["g_nS", ">= 0"]),
    (lambda: cell(g_leak_nS=-5.0), ["g_leak_nS", "nS", "> 0"]),
    (lambda: cell(e_leak_mV=NAN), ["e_leak_mV", "finite"]),
    (lambda: cell(v_threshold_mV=-50.0, v_reset_mV=-40.0), ["v_reset_mV", "v_threshold_mV"]),
    (lambda: cell(v_threshold_mV=-50.0, refractory_ms=-1.0), ["refractory_ms", ">= 0"]),
    (lambda: cell(v_reset_mV=-60.0), ["v_reset_mV", "v_threshold_mV"]),
    (lambda: ip.simulate(cell(), [], 0.0), ["duration_ms", "> 0"]),
    (lambda: ip.simulate(cell(), [], INF), ["duration_ms", "finite"]),
    (lambda: ip.simulate(cell(), [], 10.0, dt_ms=-0.1), ["dt_ms", "> 0"]),
    (lambda: ip.simulate(cell(), [], 10.0, dt_ms=NAN), ["dt_ms", "finite"]),
    (lambda: ip.simulate(cell(), [], 10.0, dt_ms=20.0), ["dt_ms", "duration_ms"]),
    (lambda: ip.simulate(cell(), [(synapses.ampa(), [1.0, NAN])], 10.0), ["onsets_ms", "finite"]),
    (lambda: ip.simulate(cell(), [(synapses.ampa(), [-1.0])], 10.0), ["onsets_ms", ">= 0"]),
    (lambda: ip.simulate(cell(), [synapses.ampa()], 10.0), ["inputs[0]", "pair"]),
    (lambda: ip.simulate(cell(), [], 10.0, dt_ms=0.1, i_inject_pA=np.zeros(50)), ["i_inject_pA", "101"]),
    (lambda: ip.simulate(cell(), [], 10.0, i_inject_pA=NAN), ["i_inject_pA", "finite"]),
    (lambda: ip.simulate(cell(), [], 10.0, v0_mV=INF), ["v0_mV", "finite"]),
    (lambda: ip.simulate("cell", [], 10.0), ["cell", "Cell"]),
    (lambda: ip.steady_state(cell(), [(-1.0, 0.0)]), ["g_nS", ">= 0"]),
    (lambda: ip.steady_state(cell(), [(1.0, NAN)]), ["e_rev_mV", "finite"]),
    (lambda: ip.steady_state(cell(), [(1.0,)]), ["conductances[0]", "pair"]),
]


@pytest.mark.parametrize("call, words", CASES, ids=[" ".join(w) for _, w in CASES])
def test_bad_input_raises_clear_value_error(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"
