"""Latency of every demo in ipsplib.demos.ALL: one update = recompute + redraw + PNG.

Run from the repository root:
  python benchmarks/bench_demos.py  [--updates 20] [--seed 0] [--demo NAME ...] [--no-frames] [--cold] [--drag]

For each demo: build it, do 3 warm-up updates, then, for each control in
turn, time --updates updates that move that control alone to a random
allowed value (what a reader does with one slider: a point of the slider's
step grid, a log slider's grid in decades, any option of a choice), and
finally --updates updates that set every control at random. Timed is
``d.update(...)``, which renders through ipsplib, redraws the figure and
encodes the PNG the reader sees. Prints, per control and for all at random,
the median, 95th percentile and maximum wall-clock time in ms and the median
CPU time, and flags any row over the goals (median 50 ms, p95 100 ms). It
also times building each demo's static frames (what ``make book`` does) and
reports the frame count and base64 size that lands in the page. Exits
non-zero if a row misses a goal.

Random values soon hit a demo's caches (a slider has a few dozen values), but
a drag visits values the demo has not seen. ``--cold`` adds, per control, a
first-visit sweep: a fresh demo, the control moved along its allowed values
from min to max (at most `COLD_VALUES` of them), each value new, and its CPU
median and p95, held to the same goals. Every slider row also gives ``drag
values``: how many different values the JupyterLab drag test's mouse drag
(60 % of the track from the initial value, towards the side with more room)
crosses. A slider sends a value only when it changes, so that is the most
redraws a drag can give, however fast the kernel (goal: at least
`GOAL_DRAG_VALUES`; flagged, not failed).

``--drag`` instead drives a real ipykernel (jupyter_client) the way JupyterLab
does while a reader drags a slider: one widget ``comm_msg`` every 10 ms for
2 s, for every slider of every demo, then reports how many frames the kernel rendered (coalesced:
the newest value wins), the delay from the last message's arrival to its
frame, and whether the final frame equals a fresh render of the final value.
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
GOAL_P95_MS = 100.0
#: Redraws a 2 s drag in JupyterLab should give (tests/test_jupyterlab.py reports them).
GOAL_DRAG_VALUES = 10
#: The JupyterLab drag test moves the mouse across this share of the slider's track.
DRAG_SHARE = 0.6
#: At most this many values per control in a --cold sweep.
COLD_VALUES = 40


def allowed_values(spec) -> list:
    """Every value the control's widget can send: the options of a choice, else the points of the slider's step
    grid (a log slider steps in decades)."""
    if spec.options is not None:
        return [v for _, v in spec.options]
    if spec.scale == "log":
        lo, hi = math.log10(spec.min), math.log10(spec.max)
        return [float(10.0 ** e) for e in np.arange(lo, hi + 1e-9, spec.step)] + [spec.max]
    n = int(math.floor((spec.max - spec.min) / spec.step + 1e-9))
    grid = [spec.min + k * spec.step for k in range(n + 1)]
    return grid + ([spec.max] if grid[-1] < spec.max else [])


def drag_values(spec) -> int | None:
    """Different values the JupyterLab drag test's mouse drag crosses on this slider (None for a choice):
    DRAG_SHARE of the track from the initial value, towards the side with more room, snapped to the step
    (a log slider's track and step are in decades)."""
    if spec.options is not None:
        return None
    scale = math.log10 if spec.scale == "log" else float
    lo, hi, start = scale(spec.min), scale(spec.max), scale(spec.value)
    position = (start - lo) / (hi - lo)
    end = min(1.0, position + DRAG_SHARE) if position < 0.5 else max(0.0, position - DRAG_SHARE)
    return round(abs(end - position) * (hi - lo) / spec.step)


def cold_sweep(factory, control, spec) -> np.ndarray:
    """CPU ms of each update of a fresh demo moving ``control`` alone from its min to its max, every value
    new to the demo (as in a drag); at most COLD_VALUES values, evenly picked from the allowed ones."""
    values = allowed_values(spec)
    if len(values) > COLD_VALUES:
        values = [values[k] for k in np.linspace(0, len(values) - 1, COLD_VALUES).round().astype(int)]
    d = factory()
    return timed_updates(d, [{control: v} for v in values])[1]


def random_value(spec, rng):
    values = allowed_values(spec)
    return values[rng.integers(len(values))]


def timed_updates(d, moves) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and CPU ms of ``d.update(**m)`` for each m in ``moves``."""
    wall, cpu = [], []
    for values in moves:
        start, cpu0 = time.perf_counter(), time.process_time()
        d.update(**values)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu0)
    return np.array(wall) * 1e3, np.array(cpu) * 1e3


def bench(name, factory, n_updates, rng, frames=True, cold=False) -> list[dict]:
    """One row per control (``n_updates`` random allowed values of that control alone, the others where the
    previous move left them; with ``cold``, also a first-visit sweep, `cold_sweep`), then one row where every
    update sets all controls at random."""
    d = factory()
    specs = d._specs
    # warm up: a few random settings of everything (imports, first draws, caches of the cell)
    timed_updates(d, [{c: random_value(s, rng) for c, s in specs.items()} for _ in range(3)])
    rows = []
    for control, spec in specs.items():
        wall, cpu = timed_updates(d, [{control: random_value(spec, rng)} for _ in range(n_updates)])
        row = dict(demo=name, control=control, wall=wall, cpu=cpu, drag_values=drag_values(spec))
        if cold:
            sweep = cold_sweep(factory, control, spec)
            row.update(cold_median=float(np.median(sweep)), cold_p95=float(np.percentile(sweep, 95)))
        rows.append(row)
    wall, cpu = timed_updates(d, [{c: random_value(s, rng) for c, s in specs.items()} for _ in range(n_updates)])
    rows.append(dict(demo=name, control="all at random", wall=wall, cpu=cpu))
    for row in rows:
        row.update(median=float(np.median(row["wall"])), p95=float(np.percentile(row["wall"], 95)),
                   max=float(row["wall"].max()), cpu_median=float(np.median(row["cpu"])),
                   cpu_p95=float(np.percentile(row["cpu"], 95)))
    if frames:
        start = time.perf_counter()
        static = d.static_frames()
        rows[-1]["frames"] = (len(static), time.perf_counter() - start,
                              sum(len(base64.b64encode(png)) + len(alt) + 120 for _, alt, png in static) / 1e6,
                              len(d.png()) / 1024)
    return rows


KERNEL_SETUP = """
import json, time
from ipsplib import demos
d = demos.ALL[{name!r}]()
view = d.widget()
w = d.controls[{control!r}]
recv, ends = [], []
w.observe(lambda change: recv.append(time.perf_counter()), names="value")
_render = d._render_values
def _timed(values):
    _render(values)
    ends.append(time.perf_counter())
d._worker._work = _timed
spec = d._specs[{control!r}]  # a log slider's widget min/max are exponents
print(json.dumps(dict(model_id=w.model_id, min=spec.min, max=spec.max, frames=d.frames_rendered)))
"""
KERNEL_RESULT = """
idle = d.wait(10.0)
fresh = demos.ALL[{name!r}]()
fresh.update(**d.values)
print(json.dumps(dict(idle=idle, frames=d.frames_rendered, value=w.value, lag_ms=(ends[-1] - recv[-1]) * 1e3,
                      span_s=recv[-1] - recv[0], same=d.png() == fresh.png() and d.alt_text == fresh.alt_text)))
"""


def drag(names, interval_s=0.01, duration_s=2.0) -> int:
    """Drag every slider of each demo in a real kernel; print renders, lag and the final-frame check."""
    import json

    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")

    def run(code):
        msg_id = kc.execute(code)
        text = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return json.loads("".join(text).strip().splitlines()[-1])

    from ipsplib import demos

    failed = 0
    print(f"{'demo.control':34} {'messages':>8} {'renders':>7} {'lag ms':>6}  final frame = final value")
    try:
        sliders = [(name, control) for name in names
                   for control, spec in demos.ALL[name]()._specs.items() if spec.numeric]
        for name, control in sliders:
            info = run(KERNEL_SETUP.format(name=name, control=control))
            n = int(duration_s / interval_s)
            for k in range(n):
                value = info["min"] + (info["max"] - info["min"]) * k / (n - 1)
                content = {"comm_id": info["model_id"],
                           "data": {"method": "update", "state": {"value": value}, "buffer_paths": []}}
                kc.shell_channel.send(kc.session.msg("comm_msg", content))
                time.sleep(interval_s)
            r = run(KERNEL_RESULT.format(name=name))
            ok = r["idle"] and r["same"] and abs(r["value"] - info["max"]) <= 1e-9 * abs(info["max"])
            failed += not ok
            print(f"{name + '.' + control:34} {n:8d} {r['frames'] - info['frames']:7d} {r['lag_ms']:6.0f}  "
                  f"{'yes' if ok else 'NO'} (messages over {r['span_s']:.2f} s)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20, help="timed updates per control (default 20)")
    parser.add_argument("--demo", action="append", help="only this demo (repeatable)")
    parser.add_argument("--no-frames", action="store_true", help="skip timing the static frames")
    parser.add_argument("--cold", action="store_true",
                        help="also sweep each control across its values on a fresh demo (first visits, as a drag)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drag", action="store_true", help="measure a 2 s slider drag in a real kernel")
    args = parser.parse_args(argv)
    if args.drag:
        from ipsplib import demos

        print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; one comm message every 10 ms "
              "for 2 s per demo")
        return drag([n for n in sorted(demos.ALL) if not args.demo or n in args.demo])
    os.environ.pop("IPSP_BOOK_STATIC", None)
    from ipsplib import demos

    rng = np.random.default_rng(args.seed)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs (load average {load}), {platform.machine()}; "
          f"per control {args.updates} random allowed values (that control alone), then {args.updates} settings "
          f"of all controls at random; goals: median <= {GOAL_MS:.0f} ms, p95 <= {GOAL_P95_MS:.0f} ms\n")
    header = (f"{'demo':24} {'control':24} {'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'CPU median':>10} "
              f"{'CPU p95':>7}" + (f" {'cold median':>11} {'cold p95':>8}" if args.cold else "") + " drag values")
    print(header)
    print("-" * len(header))
    over, frame_rows = [], []
    names = [n for n in sorted(demos.ALL) if not args.demo or n in args.demo]
    for name in names:
        for r in bench(name, demos.ALL[name], args.updates, rng, frames=not args.no_frames, cold=args.cold):
            flags = [f"median > {GOAL_MS:.0f}"] * (r["median"] > GOAL_MS) + [f"p95 > {GOAL_P95_MS:.0f}"] * (
                r["p95"] > GOAL_P95_MS)
            if "cold_median" in r:
                flags += [f"cold median > {GOAL_MS:.0f}"] * (r["cold_median"] > GOAL_MS) + [
                    f"cold p95 > {GOAL_P95_MS:.0f}"] * (r["cold_p95"] > GOAL_P95_MS)
            if flags:
                over.append(f"{name}.{r['control']}")
            cold = f" {r['cold_median']:11.1f} {r['cold_p95']:8.1f}" if "cold_median" in r else (
                f" {'':11} {'':8}" if args.cold else "")
            n_drag = r.get("drag_values")
            drag_text = f" {n_drag:11d}" if n_drag is not None else f" {'':11}"
            if n_drag is not None and n_drag < GOAL_DRAG_VALUES:
                drag_text += f" (< {GOAL_DRAG_VALUES}: a drag cannot give {GOAL_DRAG_VALUES} redraws)"
            print(f"{r['demo']:24} {r['control']:24} {r['median']:9.1f} {r['p95']:7.1f} {r['max']:7.1f} "
                  f"{r['cpu_median']:10.1f} {r['cpu_p95']:7.1f}{cold}{drag_text}"
                  f"{'  OVER GOAL: ' + ', '.join(flags) if flags else ''}", flush=True)
            if "frames" in r:
                frame_rows.append((name, *r["frames"]))
    print("\nmedian/p95/max: wall-clock time of d.update (recompute + redraw + PNG); CPU median/p95: process CPU\n"
          "time of the same updates (all of the process's threads; less sensitive to other processes on the\n"
          "machine: a high load average inflates the wall-clock columns). cold median/p95 (--cold): CPU ms of a\n"
          "fresh demo swept across the control's values, each new to it. drag values: the values a 60 % mouse\n"
          f"drag in JupyterLab crosses, the most redraws it can give (goal >= {GOAL_DRAG_VALUES}).")
    if frame_rows:
        print(f"\n{'demo':24} {'frames':>6} {'build s':>7} {'frames MB':>9} {'PNG KB':>7}")
        for name, n, seconds, mb, kb in frame_rows:
            print(f"{name:24} {n:6d} {seconds:7.1f} {mb:9.2f} {kb:7.1f}")
        print("frames: static frames of the website; frames MB: their base64 PNG + alt text, as embedded in the\n"
              "page's widget state; PNG KB: one live frame.")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if over:
        print(f"over a goal: {', '.join(over)}")
        return 1
    print(f"every control within the goals (median <= {GOAL_MS:.0f} ms, p95 <= {GOAL_P95_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
