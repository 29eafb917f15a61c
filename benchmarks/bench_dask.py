"""Benchmark ``validate``'s executors: the local process pool against a Dask LocalCluster.

    python benchmarks/bench_dask.py [--preset smoke] [--seeds 8] [--tiny]
    python benchmarks/bench_dask.py --command jamming|fluctuations

One sweep (default: the ``smoke`` preset, 64 limit units; ``--tiny``: 64 units of a
few ms, where the overhead is all there is), run from scratch by

* the local process pool (``run_validation(jobs=W)``) at W = 1 and 2 workers;
* a Dask ``LocalCluster`` of W = 1 and 2 worker processes (``--scheduler local:W``),
  timed after the cluster is up (its start-up is printed apart);

all in this one process, in that order.  Each unit measures its own compute time
(the stored ``seconds`` observable), so the *scheduling overhead per unit* is

    overhead = (W * wall - sum of unit seconds) / units,

the worker time not spent computing units (start-up of pool processes, queueing,
serialization, result transfer, idle tails), in ms.  Ratios cluster / pool at the same W
are printed, and the check that every executor stored the same numbers (bit for bit,
timings aside).  The units are equal work in every run (per-unit seeds), so the ratio
of wall times is the executors' cost, up to the load of the machine.

``--command jamming`` / ``fluctuations``: a small study of that command instead (its
units do not all time themselves), run in this process (the reference), then on the
local pool (2 workers; 1 is the reference) and the LocalCluster at 1 and 2 workers;
overhead per unit
= (W * wall - reference wall) / units.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from specbias.validation._dask import dask_client
from specbias.validation._experiment import ValidationConfig, run_validation


def _numbers(res) -> list[dict]:
    """The stored observables, timings aside (must agree across executors)."""
    return [{k: v for k, v in r["observables"].items() if k != "seconds"} for r in res.runs]


def _measure(label: str, workers: int, run) -> dict:
    t0 = time.perf_counter()
    res = run()
    wall = time.perf_counter() - t0
    busy = sum(r["observables"]["seconds"] for r in res.runs)
    units = len(res.runs)
    over = (workers * wall - busy) / units * 1e3
    print(f"{label:<22} {wall:8.2f} s  compute {busy:7.2f} s  overhead {over:8.1f} ms/unit")
    return {"wall": wall, "overhead_ms": over, "numbers": _numbers(res)}


#: the ``--command`` studies: 3 searches + 4 widths x 2 splits x 4 inits = 35 jamming
#: units; 2 depths x 4 widths = 8 fluctuations units
JAMMING = dict(P=(16, 24, 32), d=4, seeds=2, datasets=2, sweep_task="teacher", sweep_P=32,
               widths=(2, 4, 8, 16), ensemble=4, splits=2, n_test=100)  # fmt: skip
FLUCT = dict(widths=[8, 16, 32, 64], depths=[1, 2], members=4, n=16, n_test=64, n_boot=50)


def _sweep_command(command: str) -> None:
    """Reference in this process, then pool and LocalCluster at 1 and 2 workers."""
    if command == "jamming":
        from specbias.validation._jamming_study import jamming_study

        def run(**kw):
            out = jamming_study(**JAMMING, **kw).to_dict()
            for point in out["points"]:
                for r in point["runs"]:
                    r.pop("seconds")
            return out

        units = len(JAMMING["P"]) + len(JAMMING["widths"]) * JAMMING["splits"] * 4
    else:
        from specbias.validation import fluctuations

        def run(**kw):
            return fluctuations(**{**FLUCT, **kw}).to_dict()

        units = 8
    # warm-up: imports and numba caches; fluctuations at other shapes, so that the
    # reference, like each worker, compiles its JAX programs (the cost of a unit)
    run(**({"n": 8} if command == "fluctuations" else {}))
    t0 = time.perf_counter()
    ref = run()
    serial = time.perf_counter() - t0
    print(f"{command}: {units} units; in this process {serial:.2f} s")
    same = True

    def timed(label, w, **kw):
        nonlocal same
        t0 = time.perf_counter()
        out = run(**kw)
        wall = time.perf_counter() - t0
        same = same and out == ref
        over = (w * wall - serial) / units * 1e3
        print(f"{label:<22} {wall:8.2f} s  overhead {over:8.1f} ms/unit")

    timed("local pool, 2 workers", 2, jobs=2)  # jobs=1 is the in-process reference
    for w in (1, 2):
        t0 = time.perf_counter()
        with dask_client(f"local:{w}") as client:
            start = time.perf_counter() - t0
            timed(f"LocalCluster, {w} worker", w, client=client)
        print(f"{'':<22} (cluster start-up {start:.2f} s, not included)")
    print(f"results identical to the in-process run: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="smoke")
    ap.add_argument("--seeds", type=int, default=None, help="override the preset's seeds")
    ap.add_argument(
        "--tiny",
        action="store_true",
        help="instead: n = 8, 16, 32 test points, 16 seeds (64 units of ~10 ms: the "
        "overhead alone)",
    )
    ap.add_argument(
        "--command",
        choices=("validate", "jamming", "fluctuations"),
        default="validate",
        help="the sweep command to time (default validate)",
    )
    args = ap.parse_args()
    if args.command != "validate":
        print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        _sweep_command(args.command)
        return
    if args.tiny:
        args.preset = "smoke"
        cfg = ValidationConfig.preset("smoke", n_values=(8, 16), n_test=32, seeds=16)
    else:
        cfg = ValidationConfig.preset(args.preset, seeds=args.seeds)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    name = "tiny (smoke with n = 8, 16, n_test = 32)" if args.tiny else f"preset {args.preset}"
    print(f"sweep: {name}, {len(cfg.units())} units, d={cfg.d}, "
          f"n={cfg.n_values}, seeds={cfg.seeds}")  # fmt: skip
    run_validation(ValidationConfig.preset("smoke", seeds=1))  # warm numba's disk cache
    out = {}
    for w in (1, 2):
        out["pool", w] = _measure(
            f"local pool, {w} worker", w, lambda w=w: run_validation(cfg, jobs=w)
        )
    for w in (1, 2):
        t0 = time.perf_counter()
        with dask_client(f"local:{w}") as client:
            start = time.perf_counter() - t0
            label = f"LocalCluster, {w} worker"
            out["dask", w] = _measure(label, w, lambda c=client: run_validation(cfg, client=c))
        print(f"{'':<22} (cluster start-up {start:.2f} s, not included)")
    for w in (1, 2):
        ratio = out["dask", w]["wall"] / out["pool", w]["wall"]
        extra = out["dask", w]["overhead_ms"] - out["pool", w]["overhead_ms"]
        print(f"{w} worker(s): LocalCluster / pool wall {ratio:5.2f} x, "
              f"overhead {extra:+7.1f} ms/unit")  # fmt: skip
    same = all(o["numbers"] == out["pool", 1]["numbers"] for o in out.values())
    print(f"stored numbers identical across the 4 runs: {same}")


if __name__ == "__main__":
    main()
