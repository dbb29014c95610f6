"""Tests of ipsplib.dendrite against cable theory, convergence and properties."""

import math

import numpy as np
import pytest

import ipsplib as ip
from ipsplib import dendrite
from ipsplib.synapses import ampa


def test_length_constant_formula():
    # lambda = sqrt(R_m d / (4 R_i)), computed here in SI units (m) independently
    r_m, r_i, d = 20000e-4, 150e-2, 2e-6  # ohm m^2, ohm m, m
    assert ip.length_constant_um(20000.0, 150.0, 2.0) == pytest.approx(1e6 * math.sqrt(r_m * d / (4 * r_i)))
    # lambda grows as sqrt(d)
    assert ip.length_constant_um(20000.0, 150.0, 8.0) == pytest.approx(2 * ip.length_constant_um(20000.0, 150.0, 2.0))


def test_preset_defaults():
    cell = ip.ball_and_stick()
    assert cell.lambda_um == pytest.approx(816.5, abs=0.1)
    assert cell.electrotonic_length == pytest.approx(800.0 / cell.lambda_um)
    assert cell.soma_area_um2 == pytest.approx(math.pi * 400.0)
    assert cell.tau_m_ms == pytest.approx(20.0)


def test_default_discretisation_converged():
    """Convergence study behind DEFAULT_N_COMPARTMENTS: default vs 4x finer, EPSP at the tip of a 2 lambda dendrite."""
    lam = ip.ball_and_stick().lambda_um
    traces = {}
    for n in (dendrite.DEFAULT_N_COMPARTMENTS, 4 * dendrite.DEFAULT_N_COMPARTMENTS):
        cell = ip.ball_and_stick(dend_length_um=2 * lam, n_compartments=n)
        traces[n] = ip.simulate_dendrite(cell, [(ampa(g_max_nS=5.0), [1.0], 2 * lam)], 30.0)
    coarse, fine = traces.values()
    assert np.max(np.abs(coarse.v_at(2 * lam) - fine.v_at(2 * lam))) < 0.01
    assert np.max(np.abs(coarse.v_soma_mV - fine.v_soma_mV)) < 0.01
    # and the EPSP is not trivially small
    assert fine.v_at(2 * lam).max() - fine.v_at(2 * lam)[0] > 10.0
