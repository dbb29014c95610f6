"""The ipsplib one-compartment cell rebuilt in NEURON: the reference for the validation tests and the benchmark.

`NeuronModel` builds a single ``Section`` with the ``pas`` mechanism whose
membrane area, capacitance and leak give exactly the `ipsplib.Cell`'s c_m_pF,
g_leak_nS and e_leak_mV (``h.area`` is read back, so the numbers are exact, not
nominal), one NEURON point process per ipsplib input and, for injected current,
an ``IClamp``:

- a dual-exponential `Synapse` (0 < tau_rise_ms < tau_decay_ms) becomes an
  ``Exp2Syn`` (tau1 = rise, tau2 = decay, e = e_rev); a single exponential
  (tau_rise_ms == 0) an ``ExpSyn``. The NetCon weight is g_max_nS / 1000 uS:
  both normalise one isolated event to that peak.
- the presynaptic events are delivered at their exact times by
  ``NetCon(None, syn).event(t)`` from an ``FInitializeHandler``.

Two ways to run it:

- `NeuronModel.run_cvode`: the accurate reference. NEURON's variable-step
  CVODE integrator with a tight absolute tolerance handles every event at its
  exact time; ``CVode.solve(t)`` is called at each ipsplib grid time, so V and
  g are read at exactly the ipsplib grid (interpolated by CVODE's own
  polynomials, no after-the-fact interpolation).
- `NeuronModel.run_fixed`: NEURON's fixed step, as used in production
  (``secondorder=0``: implicit Euler, the default; 2: Crank-Nicolson). Events
  are then delivered at the nearest step boundary.

A synapse with a Mg2+ block (NMDA) becomes ``Exp2NMDA``, an Exp2Syn times
ipsplib's block, from ``neuron_mod/exp2nmda.mod``; `load_nmda_mechanism`
compiles it with NEURON's ``nrnivmodl`` (about 2 s, needs a C++ compiler).
What NEURON cannot express this way is refused with a ``ValueError``: the
alpha function (Exp2Syn forces tau1 <= 0.9999 tau2) and integrate-and-fire
thresholds.

This module imports ``neuron`` only when a model is built, so it can be
imported (and collected by pytest) where NEURON is not installed.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import ipsplib as ip
from ipsplib.ions import MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV

MOD_DIR = Path(__file__).resolve().parent / "neuron_mod"

# CVODE absolute tolerance of the reference runs. States are V (mV) and the
# Exp2Syn/ExpSyn states (uS, ~1e-3 per event); the tests check that 100x tighter
# changes V by far less than the 0.01 mV goal.
REFERENCE_ATOL = 1e-10

NEURON_MISSING = (
    "the NEURON simulator is not importable: install the PyPI package 'neuron' "
    "(pip install neuron==9.0.2, a test dependency) to compare ipsplib against NEURON"
)


def neuron_h():
    """NEURON's ``h`` with the standard run library loaded (raises ImportError if NEURON is missing)."""
    from neuron import h

    h.load_file("stdrun.hoc")
    return h


def load_nmda_mechanism(build_dir) -> None:
    """Compile ``neuron_mod/exp2nmda.mod`` in ``build_dir`` with nrnivmodl and load it (once per process).

    Raises RuntimeError with nrnivmodl's output if the compilation fails.
    """
    h = neuron_h()
    if hasattr(h, "Exp2NMDA"):
        return
    import neuron

    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(MOD_DIR / "exp2nmda.mod", build_dir)
    nrnivmodl = Path(sys.executable).parent / "nrnivmodl"
    command = [str(nrnivmodl) if nrnivmodl.exists() else "nrnivmodl", "."]
    try:
        done = subprocess.run(command, cwd=build_dir, capture_output=True, text=True, timeout=300)
    except OSError as error:
        raise RuntimeError(f"cannot run nrnivmodl: {error}") from error
    if done.returncode != 0:
        raise RuntimeError(f"nrnivmodl failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    neuron.load_mechanisms(str(build_dir))
    if not hasattr(h, "Exp2NMDA"):
        raise RuntimeError(f"nrnivmodl ran but Exp2NMDA did not load from {build_dir}")


def point_process(h, seg, syn: ip.Synapse):
    """The NEURON point process of an ipsplib `Synapse` at segment ``seg`` (its NetCon weight: g_max_nS / 1000 uS).

    Exp2Syn (dual exponential), ExpSyn (tau_rise_ms == 0) or, with a Mg2+ block,
    Exp2NMDA (`load_nmda_mechanism` first). Exp2Syn and Exp2NMDA normalise one
    isolated event to a peak equal to the NetCon weight, as ipsplib does to g_max.
    Raises ValueError for what NEURON cannot express this way (alpha functions).
    """
    if syn.kind == "alpha":
        raise ValueError(f"{syn.name or 'synapse'}: Exp2Syn cannot make an alpha function (tau1 = tau2)")
    if syn.mg_out_mM > 0:
        if not hasattr(h, "Exp2NMDA"):
            raise ValueError(f"{syn.name or 'synapse'} has a Mg2+ block: call load_nmda_mechanism first")
        if syn.kind == "exponential":
            raise ValueError(f"{syn.name or 'synapse'}: Exp2NMDA needs tau_rise_ms > 0")
        pp = h.Exp2NMDA(seg)
        pp.tau1, pp.tau2 = syn.tau_rise_ms, syn.tau_decay_ms
        pp.mg, pp.kd, pp.slope = syn.mg_out_mM, MG_BLOCK_KD_MM, MG_BLOCK_SLOPE_PER_MV
    elif syn.kind == "exponential":
        pp = h.ExpSyn(seg)
        pp.tau = syn.tau_decay_ms
    else:
        pp = h.Exp2Syn(seg)
        pp.tau1, pp.tau2 = syn.tau_rise_ms, syn.tau_decay_ms
    pp.e = syn.e_rev_mV
    return pp


def grid_ms(duration_ms: float, dt_ms: float) -> np.ndarray:
    """The time grid of `ipsplib.simulate` for these arguments, ms."""
    n_steps = round(duration_ms / dt_ms)  # simulate refuses a duration that is not a whole number of steps
    return np.arange(n_steps + 1) * dt_ms


class NeuronModel:
    """An `ipsplib.Cell` with its synaptic inputs (and injected current) built in NEURON.

    Parameters
    ----------
    cell : ipsplib.Cell
        A passive cell (no threshold).
    inputs : sequence of (Synapse, onsets_ms)
        As for `ipsplib.simulate`; synapses without Mg2+ block, not alpha functions.
    i_inject_pA : float, array or None
        Injected current, pA, positive depolarizing (an ``IClamp`` from t = 0): a
        constant, or one value per time in ``t_ms``, linear in between (as ipsplib).
    t_ms : array or None
        The times of an array ``i_inject_pA``, ms.

    Use as a context manager, or call `close`, so that the NEURON objects are
    freed before the next model is built (NEURON simulates every section that
    exists).
    """

    def __init__(self, cell: ip.Cell, inputs: Sequence, i_inject_pA=None, t_ms=None):
        if cell.spiking:
            raise ValueError("the NEURON reference models a passive cell; this Cell has a threshold")
        h = neuron_h()
        self.h = h
        self.cell = cell
        self.soma = h.Section(name="ipsplib_soma")
        self.soma.nseg = 1
        side_um = math.sqrt(100.0 * cell.c_m_pF / math.pi)  # cm = 1 uF/cm2: area (um2) = 100 c_m (pF)
        self.soma.L = self.soma.diam = side_um
        self.soma.insert("pas")
        area_um2 = h.area(0.5, sec=self.soma)
        self.area_um2 = area_um2
        self.soma.cm = cell.c_m_pF / (area_um2 * 1e-2)  # uF/cm2; 1 um2 at 1 uF/cm2 = 0.01 pF
        seg = self.soma(0.5)
        seg.pas.g = cell.g_leak_nS * 1e-9 / (area_um2 * 1e-8)  # S/cm2
        seg.pas.e = cell.e_leak_mV

        self.synapses, self.netcons, self.onsets = [], [], []
        for syn, onsets in inputs:
            pp = point_process(h, seg, syn)
            nc = h.NetCon(None, pp)
            nc.weight[0] = syn.g_max_nS / 1000.0  # uS
            self.synapses.append(pp)
            self.netcons.append(nc)
            self.onsets.append(np.sort(np.atleast_1d(np.asarray(onsets, dtype=float))))

        self.iclamp, self._played = None, None
        if i_inject_pA is not None:
            self.iclamp = h.IClamp(seg)
            self.iclamp.delay = 0.0
            self.iclamp.dur = 1e9
            current_nA = np.asarray(i_inject_pA, dtype=float) / 1000.0
            if current_nA.ndim == 0:
                self.iclamp.amp = float(current_nA)
            else:
                if t_ms is None or len(t_ms) != len(current_nA):
                    raise ValueError("an array i_inject_pA needs t_ms of the same length")
                self._played = (h.Vector(np.asarray(t_ms, dtype=float)), h.Vector(current_nA))
                self._played[1].play(self.iclamp._ref_amp, self._played[0], 1)  # 1: linear interpolation
        self._fih = h.FInitializeHandler(self._queue_events)

    def _queue_events(self):
        for nc, onsets in zip(self.netcons, self.onsets, strict=True):
            for onset in onsets:
                nc.event(float(onset))

    def close(self):
        """Free the NEURON objects of this model."""
        self._fih = None
        self._played = None  # stop playing into the IClamp before freeing it
        self.iclamp = None
        self.netcons, self.synapses = [], []
        self.soma = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def run_cvode(
        self, t_ms: np.ndarray, v0_mV: float | None = None, atol: float = REFERENCE_ATOL, record_g: bool = True
    ):
        """Integrate with CVODE and read V (and each input's g) at exactly the times ``t_ms``.

        Parameters
        ----------
        t_ms : array
            Increasing output times starting at 0, ms (the ipsplib grid).
        v0_mV : float or None
            Initial potential (default: the cell's e_leak_mV).
        atol : float
            CVODE absolute tolerance (relative tolerance 0).
        record_g : bool
            Also return the conductances.

        Returns
        -------
        v_mV : ndarray, shape (n,)
        g_nS : ndarray, shape (n_inputs, n) or None
        """
        h = self.h
        cvode = h.CVode()
        cvode.active(1)
        cvode.rtol(0.0)
        cvode.atol(atol)
        h.finitialize(self.cell.e_leak_mV if v0_mV is None else float(v0_mV))
        v_ref = self.soma(0.5)._ref_v
        g_refs = [pp._ref_g for pp in self.synapses] if record_g else []
        v = np.empty(len(t_ms))
        g = np.empty((len(g_refs), len(t_ms)))
        v[0] = v_ref[0]
        g[:, 0] = [r[0] for r in g_refs]
        solve = cvode.solve
        for i in range(1, len(t_ms)):
            solve(float(t_ms[i]))
            v[i] = v_ref[0]
            if g_refs:
                g[:, i] = [r[0] for r in g_refs]
        cvode.active(0)
        return v, (1000.0 * g if record_g else None)

    def prepare_fixed(self, dt_ms: float, secondorder: int = 0):
        """Set NEURON's fixed-step method and start recording V at every step; returns the record Vector."""
        h = self.h
        h.CVode().active(0)
        h.secondorder = secondorder
        h.dt = dt_ms
        h.steps_per_ms = 1.0 / dt_ms  # stdrun would otherwise round dt to a divisor of 1/steps_per_ms
        v_rec = h.Vector()
        v_rec.record(self.soma(0.5)._ref_v)
        return v_rec

    def run_fixed(self, v_rec, duration_ms: float, v0_mV: float | None = None) -> np.ndarray:
        """Initialise and run with the fixed step set by `prepare_fixed`; V at every step, mV."""
        h = self.h
        h.finitialize(self.cell.e_leak_mV if v0_mV is None else float(v0_mV))
        h.continuerun(duration_ms)
        return v_rec.as_numpy().copy()


def reference(cell, inputs, duration_ms, dt_ms=0.025, i_inject_pA=None, v0_mV=None, atol=REFERENCE_ATOL):
    """NEURON's CVODE solution on the ipsplib grid: (t_ms, v_mV, g_nS)."""
    t = grid_ms(duration_ms, dt_ms)
    with NeuronModel(cell, inputs, i_inject_pA, t_ms=t) as model:
        v, g = model.run_cvode(t, v0_mV=v0_mV, atol=atol)
    return t, v, g


def poisson_inputs(
    n_exc=45, n_inh=15, duration_ms=1000.0, rate_exc_hz=8.0, rate_inh_hz=20.0, seed=2024, distinct_taus=False
):
    """Mixed excitatory (AMPA) and inhibitory (GABA_A) synapses with Poisson event times, fixed seed.

    Rates, weights and inhibitory reversal potentials vary per synapse so that the
    inputs are not interchangeable. With ``distinct_taus`` every synapse also gets
    its own rise and decay time constants (+-30 %), the costliest case for ipsplib.
    """
    rng = np.random.default_rng(seed)
    inputs = []
    for k in range(n_exc + n_inh):
        excitatory = k < n_exc
        rate = (rate_exc_hz if excitatory else rate_inh_hz) * rng.uniform(0.5, 1.5)
        n_events = rng.poisson(rate * duration_ms / 1000.0)
        onsets = np.sort(rng.uniform(0.0, duration_ms, n_events))
        if excitatory:
            syn = ip.synapses.ampa(g_max_nS=rng.uniform(0.3, 1.5), name=f"AMPA {k}")
        else:
            syn = ip.synapses.gaba_a(
                g_max_nS=rng.uniform(0.5, 2.0), e_rev_mV=rng.uniform(-85.0, -65.0), name=f"GABA_A {k}"
            )
        if distinct_taus:
            scale = rng.uniform(0.7, 1.3, 2)
            syn = replace(syn, tau_rise_ms=syn.tau_rise_ms * scale[0], tau_decay_ms=syn.tau_decay_ms * scale[1])
        inputs.append((syn, onsets))
    return inputs


POISSON_CELL = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-65.0)  # tau_m 20 ms


@dataclass(frozen=True)
class Case:
    """One validation scenario: the arguments of `ipsplib.simulate` (dt_ms aside) and what it shows."""

    description: str
    cell: ip.Cell
    inputs: list
    duration_ms: float
    options: dict = field(default_factory=dict)  # i_inject_pA, v0_mV

    @property
    def needs_nmda_mechanism(self) -> bool:
        return any(syn.mg_out_mM > 0 for syn, _ in self.inputs)


def _sine_current_pA(duration_ms: float, dt_ms: float) -> np.ndarray:
    t = grid_ms(duration_ms, dt_ms)
    return 60.0 * np.sin(2.0 * np.pi * t / 25.0) + 20.0


def validation_cases(dt_ms: float = 0.025) -> dict[str, Case]:
    """The scenarios compared with NEURON, by name. Onsets are mostly off the grid on purpose."""
    syn = ip.synapses
    rest65 = ip.Cell(c_m_pF=200.0, g_leak_nS=10.0, e_leak_mV=-65.0)  # tau_m 20 ms, R_in 100 MOhm
    rest70 = ip.Cell(c_m_pF=150.0, g_leak_nS=7.5, e_leak_mV=-70.0)
    return {
        "EPSP (AMPA)": Case("one AMPA event, E 0 mV", rest65, [(syn.ampa(g_max_nS=3.0), [10.0137])], 60.0),
        "hyperpolarizing IPSP": Case(
            "GABA_A, E -80 mV, rest -65 mV, onset on the grid",
            rest65,
            [(syn.gaba_a(g_max_nS=4.0, e_rev_mV=-80.0), [5.0])],
            60.0,
        ),
        "depolarizing IPSP": Case(
            "GABA_A, E -50 mV, rest -70 mV", rest70, [(syn.gaba_a(g_max_nS=4.0, e_rev_mV=-50.0), [5.0071])], 60.0
        ),
        "EPSP + shunt": Case(
            "AMPA with a coincident 10 nS GABA_A at E = rest",
            rest65,
            [(syn.ampa(g_max_nS=3.0), [10.0137]), (syn.gaba_a(g_max_nS=10.0, e_rev_mV=-65.0), [10.0137])],
            60.0,
        ),
        "train 5 x 50 Hz": Case(
            "temporal summation of 5 AMPA events at 50 Hz",
            rest65,
            [(syn.ampa(g_max_nS=2.0), 10.0137 + 20.0 * np.arange(5))],
            150.0,
        ),
        "single exponential": Case(
            "tau_rise 0 (NEURON ExpSyn), one onset on the grid",
            rest65,
            [(ip.Synapse(2.0, 0.0, 3.0, 0.0, name="exp"), [10.0137, 12.5])],
            60.0,
        ),
        "v0 above rest": Case(
            "start at -55 mV, EPSP during the relaxation",
            rest65,
            [(syn.ampa(g_max_nS=3.0), [3.0137])],
            60.0,
            {"v0_mV": -55.0},
        ),
        "IClamp 50 pA + EPSP": Case(
            "constant injected current (IClamp) and an AMPA event",
            rest65,
            [(syn.ampa(g_max_nS=3.0), [30.0137])],
            100.0,
            {"i_inject_pA": 50.0},
        ),
        "sine current + IPSP": Case(
            "injected current given per grid point (played into IClamp)",
            rest70,
            [(syn.gaba_a(g_max_nS=4.0, e_rev_mV=-80.0), [40.0091])],
            100.0,
            {"i_inject_pA": _sine_current_pA(100.0, dt_ms)},
        ),
        "NMDA + AMPA train (Mg2+)": Case(
            "NMDA with Mg2+ block (Exp2NMDA) unblocked by a 200 Hz AMPA train",
            rest65,
            [(syn.nmda(g_max_nS=20.0), [5.0103, 25.0]), (syn.ampa(g_max_nS=8.0), 5.0103 + 5.0 * np.arange(10))],
            300.0,
        ),
        "Poisson 60 synapses 1 s": Case(
            "45 AMPA + 15 GABA_A, Poisson, seed 2024", POISSON_CELL, poisson_inputs(), 1000.0
        ),
    }
