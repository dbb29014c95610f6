"""Latency of every demo in ipsplib.demos.ALL: one update = recompute + redraw + PNG.

Run from the repository root:  python benchmarks/bench_demos.py  [--updates 30] [--seed 0]

For each demo: build it, do 5 warm-up updates, then time --updates updates.
Each update moves one control, chosen at random, to a random value (what a
reader does with a slider): uniform on a linear slider, log-uniform on a log
slider, any option of a choice. Timed is ``d.update(...)``, which renders
through ipsplib, redraws the figure and encodes the PNG the reader sees.
Prints the median, 95th percentile and maximum wall-clock time per demo in
ms, the median CPU time of the same updates, the PNG size,
and flags any demo whose median exceeds the 50 ms goal. It also times
building each demo's static frames (what ``make book`` does) and reports the
frame count and base64 size that lands in the page. Exits non-zero if a
median exceeds the goal.
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import platform
import sys
import time

import numpy as np

GOAL_MS = 50.0


def random_value(spec, rng):
    if spec.options is not None:
        values = [v for _, v in spec.options]
        return values[rng.integers(len(values))]
    if spec.scale == "log":
        return float(np.exp(rng.uniform(math.log(spec.min), math.log(spec.max))))
    return float(rng.uniform(spec.min, spec.max))


def bench(name, factory, n_updates, rng):
    d = factory()
    names = list(d.controls)

    def one_update():
        control = names[rng.integers(len(names))]
        value = random_value(d._specs[control], rng)
        start, cpu = time.perf_counter(), time.process_time()
        d.update(**{control: value})
        return time.perf_counter() - start, time.process_time() - cpu

    for _ in range(5):
        one_update()
    times_ms, cpu_ms = (np.array(t) * 1e3 for t in zip(*[one_update() for _ in range(n_updates)], strict=True))
    start = time.perf_counter()
    frames = d.static_frames()
    frames_s = time.perf_counter() - start
    b64 = sum(len(base64.b64encode(png)) + len(alt) + 120 for _, alt, png in frames)
    return dict(name=name, median=float(np.median(times_ms)), cpu=float(np.median(cpu_ms)),
                p95=float(np.percentile(times_ms, 95)), max=float(times_ms.max()), png_kb=len(d.png()) / 1024,
                frames=len(frames), frames_s=frames_s, page_mb=b64 / 1e6)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=30, help="timed updates per demo (default 30)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.pop("IPSP_BOOK_STATIC", None)
    from ipsplib import demos

    rng = np.random.default_rng(args.seed)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs (load average {load}), {platform.machine()}; "
          f"{args.updates} updates per demo after 5 warm-up, seed {args.seed}; goal: median <= {GOAL_MS:.0f} ms\n")
    header = (f"{'demo':24} {'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'CPU ms':>6} {'PNG KB':>7} "
              f"{'frames':>6} {'build s':>7} {'frames MB':>9}")
    print(header)
    print("-" * len(header))
    slow = []
    for name in sorted(demos.ALL):
        r = bench(name, demos.ALL[name], args.updates, rng)
        flag = "  OVER GOAL" if r["median"] > GOAL_MS else ""
        if flag:
            slow.append(name)
        print(f"{r['name']:24} {r['median']:9.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['cpu']:6.1f} {r['png_kb']:7.1f} "
              f"{r['frames']:6d} {r['frames_s']:7.1f} {r['page_mb']:9.2f}{flag}")
    print("\nmedian/p95/max: wall-clock time of d.update (recompute + redraw + PNG); CPU ms: median process CPU\n"
          "time of the same updates (less sensitive to other processes on the machine; a high load average\n"
          "inflates the wall-clock columns). frames MB: base64 PNG + alt text of the static frames, as\n"
          "embedded in the page's widget state.")
    if slow:
        print(f"over the {GOAL_MS:.0f} ms median goal: {', '.join(slow)}")
        return 1
    print(f"every demo within the {GOAL_MS:.0f} ms median goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
