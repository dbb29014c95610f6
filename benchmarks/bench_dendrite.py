"""ipsplib.simulate_dendrite against NEURON: speed at equal accuracy on the same ball-and-stick neuron.

Run from the repository root:  python benchmarks/bench_dendrite.py  [--repeats 5] [--quick]

The case: the preset ball-and-stick (`ipsplib.dendrite.ball_and_stick()`: soma
20 um, dendrite 800 x 2 um, lambda about 816 um), 1 s of Poisson input (fixed
seed) from AMPA synapses at L/6, L/2, 5L/6 and the sealed end L, and GABA_A
synapses on the soma and at L/2. Both simulators are compared with one
accurate reference: NEURON with 401 segments on the dendrite and CVODE at atol
1e-8, read at the 0.025 ms grid (the reference of tests/test_neuron_dendrite.py).
Accuracy is max |V - V_reference| over the grid at the soma and at every
synapse site.

Equal accuracy: ipsplib runs at its defaults (its default n_compartments, dt
0.025 ms), and its error sets the target. NEURON is then run as a user would
tune it, over a grid of settings: 12 to 96 dendritic segments with the fixed
step (implicit Euler, NEURON's default, and Crank-Nicolson) at dt = 0.025 / 2^k,
and 12 to 384 segments with CVODE at atol 10^-k (the dendrite is cut at every
synapse site, so each site is a node whatever the count). Each is refined until
it meets the target, stops improving, or one run costs more than 3 s CPU (or
twice ipsplib's time). The fastest setting per method that meets the target is
NEURON "at equal accuracy"; the line RATIO prints NEURON's time over ipsplib's
(> 1: ipsplib faster). If none meets it, RATIO names the most accurate setting
tried, a lower bound on NEURON's time at equal accuracy.

Times are medians of --repeats runs after one warm-up (the search over NEURON
settings times each setting once; the fastest accurate one per method is then
timed again like ipsplib), in wall and in CPU time; the ratio is taken in CPU
time, which the load of a shared machine disturbs less (on a quiet machine
the two are equal: both run on one thread; numpy's BLAS is limited to one
thread with OPENBLAS_NUM_THREADS=1, as NEURON is single-threaded). Timed:
ipsplib, the whole simulate_dendrite call plus reading V at the soma and at each synapse
site (v_at); NEURON, finitialize (which queues every event) + the integration
(ParallelContext.psolve, a C loop, for the fixed step) + copying the recorded V
into numpy. NEURON's model construction is done once, outside the timing (it
favours NEURON). It exits non-zero only on an error.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # NEURON runs on one thread: so does numpy (before importing it)

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # this checkout's ipsplib, whatever the environment has installed

from neuron_dendrite_reference import REFERENCE_ATOL, REFERENCE_SEGMENTS, NeuronBallAndStick  # noqa: E402
from neuron_reference import grid_ms, neuron_h  # noqa: E402

import ipsplib as ip  # noqa: E402

DT_MS = 0.025
SEED = 2026
# A setting is refined until one run takes this much CPU (s), or twice ipsplib's time if that is longer.
RUN_BUDGET_S = 3.0


def median_time(run, repeats: int):
    """Median (wall, CPU) times in s of ``run()`` over ``repeats`` calls after a warm-up call, and its last result."""
    result = run()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (statistics.median(wall), statistics.median(cpu)), result


def poisson_inputs(cell, duration_ms: float, seed: int = SEED):
    """(Synapse, onsets_ms, distance_um) inputs: 5 AMPA synapses at each of L/6, L/2, 5L/6, L, GABA_A at 0 and L/2."""
    rng = np.random.default_rng(seed)
    length = cell.dend_length_um
    inputs = []

    def train(rate_hz):
        return np.sort(rng.uniform(0.0, duration_ms, rng.poisson(rate_hz * duration_ms / 1000.0)))

    for site in (length / 6.0, length / 2.0, 5.0 * length / 6.0, length):
        for k in range(5):
            syn = ip.synapses.ampa(g_max_nS=rng.uniform(0.5, 1.5), name=f"AMPA {site:.0f} um {k}")
            inputs.append((syn, train(rng.uniform(5.0, 15.0)), site))
    for site, count in ((0.0, 5), (length / 2.0, 3)):
        for k in range(count):
            syn = ip.synapses.gaba_a(g_max_nS=rng.uniform(1.0, 3.0), e_rev_mV=-75.0, name=f"GABA_A {site:.0f} um {k}")
            inputs.append((syn, train(rng.uniform(10.0, 30.0)), site))
    return inputs


def errors(v_sites, v_ref) -> tuple[float, float]:
    """(max |dV| at the soma, max |dV| over the synapse sites), mV; row 0 is the soma."""
    dv = np.abs(np.asarray(v_sites) - v_ref)
    return float(dv[0].max()), float(dv[1:].max())


def neuron_fixed(model, duration_ms, dt_ms, secondorder, repeats):
    recs = model.prepare_fixed(dt_ms, secondorder)
    seconds, v = median_time(lambda: model.run_fixed(recs, duration_ms), repeats)
    return seconds, v[:, :: round(DT_MS / dt_ms)]


def neuron_cvode(model, duration_ms, atol, t_ms, repeats):
    """(median time of a CVODE run recording V at its own steps, V read at the grid times)."""
    h = model.h
    v_grid = model.run_cvode(t_ms, atol=atol)
    cvode = h.CVode()
    refs = model._refs()
    recs = [h.Vector() for _ in refs]

    def run():
        cvode.active(1)
        cvode.rtol(0.0)
        cvode.atol(atol)
        for rec, ref in zip(recs, refs, strict=True):
            rec.record(ref)
        h.finitialize(float(model.cell.e_leak_mV))
        cvode.solve(duration_ms)
        return [rec.as_numpy().copy() for rec in recs]

    seconds, _ = median_time(run, repeats)
    cvode.active(0)
    for rec in recs:
        rec.play_remove()
    return seconds, v_grid


def bench(duration_ms: float, repeats: int, segment_choices, cvode_segment_choices, quick: bool) -> dict:
    cell = ip.dendrite.ball_and_stick()
    inputs = poisson_inputs(cell, duration_ms)
    t = grid_ms(duration_ms, DT_MS)
    n_events = sum(len(onsets) for _, onsets, _ in inputs)

    start = time.perf_counter()
    with NeuronBallAndStick(cell, inputs, n_segments=REFERENCE_SEGMENTS) as model:
        v_ref = model.run_cvode(t)
        sites = list(model.sites_um)
    ref_seconds = time.perf_counter() - start

    def run_ipsplib():
        trace = ip.simulate_dendrite(cell, inputs, duration_ms, dt_ms=DT_MS)
        return [np.asarray(trace.v_soma_mV)] + [np.asarray(trace.v_at(d)) for d in sites[1:]]

    ip_seconds, v_ip = median_time(run_ipsplib, repeats)
    ip_soma, ip_syn = errors(v_ip, v_ref)
    target = max(ip_soma, ip_syn)
    rows = [("ipsplib.simulate_dendrite", f"{cell.n_compartments} comp.", f"{DT_MS} ms", ip_seconds, ip_soma, ip_syn)]
    tried = []
    settings = {}  # (label, space, step) -> how to rebuild and rerun it
    build_seconds = []
    # Refining a setting further is pointless once one run costs more CPU than this: NEURON is then slower.
    budget_s = max(RUN_BUDGET_S, 2.0 * ip_seconds[1])
    for n_seg in sorted(set(segment_choices) | set(cvode_segment_choices)):
        start = time.perf_counter()
        model = NeuronBallAndStick(cell, inputs, n_segments=n_seg)
        build_seconds.append(time.perf_counter() - start)
        try:
            methods = [("NEURON implicit Euler", 0), ("NEURON Crank-Nicolson", 2)] if n_seg in segment_choices else []
            for label, order in methods:
                previous = None
                for k in range(0, 7):
                    dt = DT_MS / 2**k
                    seconds, v = neuron_fixed(model, duration_ms, dt, order, 1)
                    e_soma, e_syn = errors(v, v_ref)
                    tried.append((label, f"{model.n_segments} seg.", f"{dt:g} ms", seconds, e_soma, e_syn))
                    settings[tried[-1][:3]] = (n_seg, "fixed", dt, order)
                    worst = max(e_soma, e_syn)
                    if worst <= target or seconds[1] > budget_s or (previous and worst > 0.8 * previous):
                        break  # met, too slow, or limited by the segments: refining dt no longer helps
                    previous = worst
            previous = None
            for k in range(2, 11) if n_seg in cvode_segment_choices else ():
                seconds, v = neuron_cvode(model, duration_ms, 10.0**-k, t, 1)
                e_soma, e_syn = errors(v, v_ref)
                tried.append(("NEURON CVODE", f"{model.n_segments} seg.", f"atol 1e-{k}", seconds, e_soma, e_syn))
                settings[tried[-1][:3]] = (n_seg, "cvode", 10.0**-k, None)
                worst = max(e_soma, e_syn)
                if worst <= target or seconds[1] > budget_s or (previous and worst > 0.8 * previous):
                    break
                previous = worst
        finally:
            model.close()
    accurate = [row for row in tried if max(row[4], row[5]) <= target]
    # Per method, the fastest accurate setting of the search (one timed run each), timed again as ipsplib was.
    best = {}
    for row in accurate:
        if row[0] not in best or row[3][1] < best[row[0]][3][1]:
            best[row[0]] = row
    timed = []
    for row in best.values():
        n_seg, kind, step, order = settings[row[:3]]
        with NeuronBallAndStick(cell, inputs, n_segments=n_seg) as model:
            if kind == "fixed":
                seconds, v = neuron_fixed(model, duration_ms, step, order, repeats)
            else:
                seconds, v = neuron_cvode(model, duration_ms, step, t, repeats)
        timed.append((row[0], row[1], row[2], seconds, *errors(v, v_ref)))
    return {
        "title": (
            f"ball-and-stick (soma {cell.soma_diam_um:g} um, "
            f"dendrite {cell.dend_length_um:g} x {cell.dend_diam_um:g} um), "
            f"{duration_ms:g} ms, {len(inputs)} synapses at {len(sites) - 1} dendritic sites and the soma, "
            f"{n_events} events; median of {repeats} runs"
        ),
        "rows": rows,
        "tried": tried,
        "best": sorted(timed, key=lambda row: row[3][1]),
        "closest": min(tried, key=lambda row: max(row[4], row[5])) if tried else None,
        "target": target,
        "ref_seconds": ref_seconds,
        "build_ms": 1e3 * statistics.median(build_seconds),
        "quick": quick,
        "repeats": repeats,
    }


def _print_row(row, ip_seconds):
    label, space, step, (wall, cpu), e_soma, e_syn = row
    ratio = "1.0x" if label.startswith("ipsplib") else f"{cpu / ip_seconds[1]:.2f}x"
    print(
        f"{label:28s} {space:>10s} {step:>12s} {wall * 1e3:9.1f} {cpu * 1e3:9.1f} {ratio:>10s} "
        f"{e_soma:10.1e} {e_syn:10.1e}"
    )


def print_result(result: dict) -> None:
    print(f"\n== {result['title']} ==")
    header = f"{'method':28s} {'space':>10s} {'step/tol':>12s} {'wall ms':>9s} {'CPU ms':>9s} {'CPU ratio':>10s}"
    print(f"{header} {'soma mV':>10s} {'synapse mV':>10s}")
    ip_row = result["rows"][0]
    _print_row(ip_row, ip_row[3])
    print("-- every NEURON setting tried (one timed run each; errors: max |dV| against the reference) --")
    for row in result["tried"]:
        _print_row(row, ip_row[3])
    print(
        f"-- NEURON at equal accuracy (max |dV| <= ipsplib's {result['target']:.1e} mV): the fastest setting "
        f"per method, timed again (median of {result['repeats']}) --"
    )
    for row in result["best"]:
        _print_row(row, ip_row[3])
    print(f"(NEURON model construction, once per setting, not in the times: {result['build_ms']:.1f} ms)")
    print(
        f"(reference: NEURON {REFERENCE_SEGMENTS} segments, CVODE atol {REFERENCE_ATOL:g}, read at the grid, "
        f"{result['ref_seconds']:.1f} s)"
    )
    if result["best"]:
        fastest = result["best"][0]
        (ip_wall, ip_cpu), (nrn_wall, nrn_cpu) = ip_row[3], fastest[3]
        ratio = nrn_cpu / ip_cpu
        print(
            f"RATIO: fastest NEURON at equal accuracy = {fastest[0]} ({fastest[1]}, {fastest[2]}), "
            f"error {max(fastest[4], fastest[5]):.1e} mV, CPU {nrn_cpu * 1e3:.1f} ms (wall {nrn_wall * 1e3:.1f}); "
            f"ipsplib error {result['target']:.1e} mV, CPU {ip_cpu * 1e3:.1f} ms (wall {ip_wall * 1e3:.1f}): "
            f"NEURON / ipsplib = {ratio:.2f} in CPU time, {nrn_wall / ip_wall:.2f} in wall time "
            f"(ipsplib {'faster' if ratio >= 1 else 'SLOWER'})"
        )
    else:
        closest = result["closest"]
        print(
            f"RATIO: no NEURON setting tried reached ipsplib's error {result['target']:.1e} mV "
            f"(ipsplib CPU {ip_row[3][1] * 1e3:.1f} ms); the most accurate, {closest[0]} ({closest[1]}, {closest[2]}), "
            f"error {max(closest[4], closest[5]):.1e} mV, CPU {closest[3][1] * 1e3:.1f} ms: "
            f"NEURON / ipsplib >= {closest[3][1] / ip_row[3][1]:.2f} in CPU time at equal accuracy"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method (median reported)")
    parser.add_argument("--quick", action="store_true", help="200 ms of input and fewer NEURON settings")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    h = neuron_h()
    print(
        f"ipsplib {ip.__version__}, NEURON {h.nrnversion(5)}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    segments = (24, 48) if args.quick else (12, 24, 48, 96)
    cvode_segments = (24, 48, 96, 192) if args.quick else (12, 24, 48, 96, 192, 384)
    print_result(bench(200.0 if args.quick else 1000.0, args.repeats, segments, cvode_segments, args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
