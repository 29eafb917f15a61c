"""Benchmark ``validate``'s executors: the local process pool against a Dask LocalCluster.

    python benchmarks/bench_dask.py [--preset smoke] [--seeds 8] [--tiny]

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
    args = ap.parse_args()
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
