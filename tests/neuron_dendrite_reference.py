"""The ipsplib ball-and-stick neuron rebuilt in NEURON: the reference of the dendrite tests and benchmark.

`NeuronBallAndStick` builds, from an `ipsplib.BallAndStick`:

- a soma ``Section`` with ``nseg = 1`` and ``L = diam = soma_diam_um``, so that
  its membrane area is pi d^2 (NEURON's ``area`` has no end caps), the model's
  isopotential soma;
- the dendrite (diameter ``dend_diam_um``, length ``dend_length_um``), attached
  at ``soma(0.5)``: with ``nseg = 1`` that is the soma's one node, so the
  dendrite starts at the soma's potential, at distance 0 (connecting at
  ``soma(1)`` would add the axial resistance of half the soma in between). Its
  far end is sealed (NEURON's default);
- ``pas`` everywhere with g = 1 / r_m, e = e_leak_mV, and cm and Ra from the cell.

The dendrite is made of several sections in series, cut at every synapse and
every recording site, so that each of them sits exactly on a node of NEURON's
grid (the end node, x = 1, of one piece) whatever the number of segments:
NEURON would otherwise move a point process to the nearest segment centre. A
synapse at distance 0 sits on the soma. The pieces share ``n_segments`` in
proportion to their lengths (at least one each), so the grid is nearly uniform.

Synapses are the point processes of `neuron_reference.point_process` (Exp2Syn,
ExpSyn, Exp2NMDA with ipsplib's Mg2+ block at the local potential), with the
NetCon weight g_max_nS / 1000 uS (Exp2Syn normalises one event to that peak,
as ipsplib does), and events queued at their exact times.

Two ways to run it, as `neuron_reference.NeuronModel`:

- `NeuronBallAndStick.run_cvode`: the accurate reference, CVODE with a tight
  absolute tolerance, read at exactly the ipsplib grid times;
- `NeuronBallAndStick.prepare_fixed` + `run_fixed`: NEURON's fixed step
  (implicit Euler or Crank-Nicolson), as a NEURON user would run it; events are
  then delivered at step boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from neuron_reference import grid_ms, neuron_h, point_process

# CVODE absolute tolerance of the reference (states: V in mV, synaptic states in uS).
REFERENCE_ATOL = 1e-8
# Segments of the reference dendrite: about 2 um each on an 800 um dendrite, far below lambda (~800 um).
REFERENCE_SEGMENTS = 401
# A requested site closer than this to a cut is put on that cut (um).
_SITE_TOLERANCE_UM = 1e-9


class NeuronBallAndStick:
    """An `ipsplib.BallAndStick` with synaptic inputs, built in NEURON.

    Parameters
    ----------
    cell : ipsplib.BallAndStick
        The passive ball-and-stick neuron (only its geometry and membrane fields are read).
    inputs : sequence of (Synapse, onsets_ms, distance_um)
        As for `ipsplib.simulate_dendrite`; 0 <= distance_um <= dend_length_um.
    record_um : sequence of float
        Distances along the dendrite (um, 0 = soma) at which V is recorded, in
        addition to the soma and every synapse; `sites_um` lists all recorded
        sites in increasing order.
    n_segments : int
        Total number of segments of the dendrite, >= number of pieces.

    Use as a context manager, or call `close`, so that the sections are freed
    before the next model is built (NEURON simulates every section that exists).
    """

    def __init__(self, cell, inputs: Sequence, record_um: Sequence[float] = (), n_segments: int = REFERENCE_SEGMENTS):
        h = neuron_h()
        self.h = h
        self.cell = cell
        length = float(cell.dend_length_um)
        sites = [float(d) for _, _, d in inputs] + [float(d) for d in record_um]
        for d in sites:
            if not 0.0 <= d <= length:
                raise ValueError(f"distance_um must be within 0 ... {length} um (the dendrite), got {d} um")
        cuts = sorted({d for d in sites if d > _SITE_TOLERANCE_UM} | {length})
        merged = []
        for d in cuts:  # merge sites closer than the tolerance
            if merged and d - merged[-1] <= _SITE_TOLERANCE_UM:
                merged[-1] = max(merged[-1], d)
            else:
                merged.append(d)
        merged[-1] = length
        self.cuts_um = merged
        if n_segments < len(merged):
            raise ValueError(f"n_segments must be >= {len(merged)} (one per piece), got {n_segments}")

        self.soma = h.Section(name="bas_soma")
        self.soma.nseg = 1
        self.soma.L = self.soma.diam = float(cell.soma_diam_um)
        self.pieces = []
        start, parent = 0.0, None
        for k, end in enumerate(merged):
            sec = h.Section(name=f"bas_dend{k}")
            sec.L = end - start
            sec.diam = float(cell.dend_diam_um)
            sec.nseg = max(1, round(n_segments * (end - start) / length))
            if parent is None:
                sec.connect(self.soma(0.5), 0)
            else:
                sec.connect(parent(1), 0)
            self.pieces.append(sec)
            start, parent = end, sec
        for sec in [self.soma, *self.pieces]:
            sec.insert("pas")
            sec.cm = float(cell.c_m_uF_cm2)
            sec.Ra = float(cell.r_i_ohm_cm)
            for seg in sec:
                seg.pas.g = 1.0 / float(cell.r_m_ohm_cm2)  # S/cm2
                seg.pas.e = float(cell.e_leak_mV)
        self.n_segments = sum(sec.nseg for sec in self.pieces)

        self.synapses, self.netcons, self.onsets = [], [], []
        for syn, onsets, distance in inputs:
            pp = point_process(h, self.segment(distance), syn)
            nc = h.NetCon(None, pp)
            nc.weight[0] = syn.g_max_nS / 1000.0  # uS
            self.synapses.append(pp)
            self.netcons.append(nc)
            self.onsets.append(np.sort(np.atleast_1d(np.asarray(onsets, dtype=float))))
        self.sites_um = sorted({0.0} | {self.site(d) for d in sites})
        self._fih = h.FInitializeHandler(self._queue_events)

    def site(self, distance_um: float) -> float:
        """The grid site used for ``distance_um``: 0 (the soma) or the end of a piece, um."""
        if distance_um <= _SITE_TOLERANCE_UM:
            return 0.0
        return min(self.cuts_um, key=lambda cut: abs(cut - distance_um))

    def segment(self, distance_um: float):
        """NEURON's node at ``distance_um``: soma(0.5), or x = 1 of the piece that ends there."""
        site = self.site(distance_um)
        if site == 0.0:
            return self.soma(0.5)
        if abs(site - distance_um) > _SITE_TOLERANCE_UM:
            raise ValueError(f"no node at {distance_um} um: record it (record_um) when building the model")
        return self.pieces[self.cuts_um.index(site)](1.0)

    def _queue_events(self):
        for nc, onsets in zip(self.netcons, self.onsets, strict=True):
            for onset in onsets:
                nc.event(float(onset))

    def close(self):
        """Free the NEURON objects of this model."""
        self._fih = None
        self.netcons, self.synapses = [], []
        self.pieces, self.soma = [], None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _refs(self):
        return [self.segment(d)._ref_v for d in self.sites_um]

    def run_cvode(self, t_ms: np.ndarray, atol: float = REFERENCE_ATOL) -> np.ndarray:
        """CVODE (relative tolerance 0), V read at exactly ``t_ms``; shape (len(sites_um), len(t_ms)), mV."""
        h = self.h
        cvode = h.CVode()
        cvode.active(1)
        cvode.rtol(0.0)
        cvode.atol(atol)
        h.finitialize(float(self.cell.e_leak_mV))
        refs = self._refs()
        v = np.empty((len(refs), len(t_ms)))
        v[:, 0] = [r[0] for r in refs]
        solve = cvode.solve
        for i in range(1, len(t_ms)):
            solve(float(t_ms[i]))
            v[:, i] = [r[0] for r in refs]
        cvode.active(0)
        return v

    def prepare_fixed(self, dt_ms: float, secondorder: int = 0) -> list:
        """Set NEURON's fixed step (0 implicit Euler, 2 Crank-Nicolson) and record V at every site; the Vectors."""
        h = self.h
        h.CVode().active(0)
        h.secondorder = secondorder
        h.dt = dt_ms
        h.steps_per_ms = 1.0 / dt_ms
        recs = []
        for ref in self._refs():
            rec = h.Vector()
            rec.record(ref)
            recs.append(rec)
        return recs

    def run_fixed(self, recs: list, duration_ms: float, psolve: bool = True) -> np.ndarray:
        """Initialise and run at the fixed step of `prepare_fixed`; V at every site and step, mV."""
        h = self.h
        h.finitialize(float(self.cell.e_leak_mV))
        if psolve:
            pc = h.ParallelContext()
            pc.set_maxstep(10)
            pc.psolve(duration_ms)
        else:
            h.continuerun(duration_ms)
        return np.array([rec.as_numpy() for rec in recs])


def reference(cell, inputs, duration_ms, record_um=(), dt_ms=0.025, n_segments=REFERENCE_SEGMENTS, atol=REFERENCE_ATOL):
    """NEURON's CVODE solution on the ipsplib grid: (t_ms, sites_um, V of shape (n_sites, n_times) in mV)."""
    t = grid_ms(duration_ms, dt_ms)
    with NeuronBallAndStick(cell, inputs, record_um, n_segments) as model:
        v = model.run_cvode(t, atol=atol)
        sites = list(model.sites_um)
    return t, sites, v


def length_constant_um(cell) -> float:
    """lambda = sqrt(r_m d / (4 r_i)) of the dendrite, um (for checks independent of ipsplib)."""
    return math.sqrt(cell.r_m_ohm_cm2 * cell.dend_diam_um * 1e-4 / (4.0 * cell.r_i_ohm_cm)) * 1e4
