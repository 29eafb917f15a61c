"""Benchmark the feature limit at paper scale: today's column generation vs batched pricing.

    python benchmarks/bench_feature_limit.py [--sizes 256 512 1024] [--cap 600]
        [--routes simplex:single ipm:single ipm:batch]

Workload (as ``bench_limits.py --d5``): d = 5, labels from the teacher
``abs-power-rf:a=4`` (nu_t = 4.5) divided by sqrt(target_variance), n uniform
points, one fit of ``min_variation_norm_interpolation(..., certify=True)`` per
(n, route) with the same rng seed; a route is ``master:pricing``:

* ``simplex:single`` (today's default) -- the warm-started dense simplex ``L1Simplex``
  re-optimizes the growing pool every round (~3 n pivots of O(n M) each);
* ``ipm:single`` -- a dense interior-point solve of the restricted LP every round
  (~20 BLAS-3 iterations of n^2 M flops, pool capped at 6 n), then a crossover to a
  basic solution;
* ``ipm:batch`` (new) -- the same master, with batched pricing: 4 n search end
  points polished on their cells and the 4 n best violators added per round, so
  every atom can move in one round, and the branch and bound called once the search
  finds nothing above certify_tol / 4 (``validation/_colgen.py``);
* ``master:pricing:tol`` -- the same with ``certify_tol=tol`` (default 1e-3): e.g.
  ``ipm:batch:1e-2`` proves max|g| <= 1.01, a gap of about 1e-2;
* options after the tolerance: ``:chord`` -- the branch and bound with the chord cap
  bound of before (``refine=0``; default: the refined bound,
  ``validation/_capkernel.py``), ``:poolK`` -- the interior-point pool capped at K n
  columns (default ``_master.POOL_CAP``).  E.g. today's fastest certified route vs
  the new one: ``--routes ipm:batch:1e-2:chord ipm:batch:1e-2``.

Each fit runs in its own worker process (numba caches warmed first), killed after
``--cap`` seconds of wall time (printed as "> cap": it stalls there).  Columns:
wall seconds, CPU seconds of the worker (all threads; the machine is shared, so
CPU time is the load-independent figure), rounds, l1 norm, certified lower bound,
relative duality gap (l1 - lower) / l1, n_A and the CPU seconds spent in the
restricted master (solves and crossover), the pricing searches and the branch and
bound, the branch-and-bound calls and caps; the relative l1 difference of the
first and the last route (both are the continuum optimum up to the certified gap)
and the CPU-time ratio first / last.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from bench_limits import _run_capped, d5_labels, jit_seconds

from specbias.validation import _capbound, _master
from specbias.validation import _limits as L


def _timed(fn, key: str, acc: dict):
    """``fn`` that adds its CPU seconds (all threads) to ``acc[key]``."""

    def wrapper(*args, **kwargs):
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[key] += time.process_time() - c0

    return wrapper


def _parse(route: str) -> tuple[str, str, float, int, int]:
    """``master:pricing[:tol[:options]]`` -> (master, pricing, certify_tol, refine, pool)."""
    master, pricing, *rest = route.split(":")
    tol = float(rest[0]) if rest else L.CERTIFY_TOL
    refine, pool = _capbound.REFINE, _master.POOL_CAP
    for opt in rest[1:]:
        if opt == "chord":
            refine = 0
        elif opt.startswith("pool"):
            pool = int(opt[4:])
        else:
            raise SystemExit(f"unknown route option {opt!r} in {route!r}")
    return master, pricing, tol, refine, pool


def fit(n: int, route: str) -> dict:
    master, pricing, certify_tol, refine, pool = _parse(route)
    x, y = d5_labels(n)
    acc = {"lp": 0.0, "pricing": 0.0, "bb": 0.0, "calls": 0, "caps": 0}
    cls = L.MASTERS[master]
    saved = (L.dual_search, L.local_search, L.sup_abs_dual, cls.solve, cls.finish)
    saved_pool = _master.POOL_CAP

    def certify(*args, **kwargs):
        bound = saved[2](*args, refine=refine, **kwargs)
        acc["calls"] += 1
        acc["caps"] += bound.boxes
        return bound

    L.dual_search, L.local_search = (_timed(f, "pricing", acc) for f in saved[:2])
    L.sup_abs_dual = _timed(certify, "bb", acc)
    cls.solve, cls.finish = (_timed(f, "lp", acc) for f in saved[3:])
    _master.POOL_CAP = pool
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        out = L.min_variation_norm_interpolation(
            x,
            y,
            rng=np.random.default_rng(1),
            certify=True,
            certify_tol=certify_tol,
            master=master,
            pricing=pricing,
        )
    finally:
        L.dual_search, L.local_search, L.sup_abs_dual, cls.solve, cls.finish = saved
        _master.POOL_CAP = saved_pool
    return {
        **acc,
        "wall": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,
        "rounds": out.rounds,
        "l1": out.l1_norm,
        "lower": out.certified_lower_bound,
        "gap": out.duality_gap,
        "n_atoms": out.n_atoms,
    }


def _cells(r: dict | None, cap: float) -> str:
    if r is None:
        return f"> {cap:.0f} s (stalled) | | | | | | | | "
    return (
        f"{r['wall']:.1f} s | {r['cpu']:.1f} s | {r['rounds']} | {r['l1']:.6f} | "
        f"{r['lower']:.6f} | {r['gap']:.1e} | {r['n_atoms']} | "
        f"{r['lp']:.0f} / {r['pricing']:.0f} / {r['bb']:.0f} | "
        f"{r['calls']}, {r['caps'] / 1e6:.1f}e6"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--cap", type=float, default=600.0, help="wall seconds per fit")
    parser.add_argument("--routes", nargs="+", default=["simplex:single", "ipm:batch"])
    args = parser.parse_args()
    print(f"# {os.cpu_count()} CPUs, load average before: {os.getloadavg()[0]:.2f}")
    head = (
        ": wall | CPU | rounds | l1 | cert. lower | gap | n_A | CPU-s LP / pricing / B&B"
        " | B&B calls, caps"
    )
    print(
        "\n| d = 5, certify=True"
        + "".join(f" | {m}{head}" for m in args.routes)
        + " | l1 diff | CPU ratio |"
    )
    print("| --- " * (1 + 9 * len(args.routes) + 2) + "|")
    pool = ProcessPoolExecutor(max_workers=1)
    pool.submit(jit_seconds).result()  # warm the worker's numba cache
    for n in args.sizes:
        res = []
        for route in args.routes:
            r, pool = _run_capped(pool, fit, (n, route), args.cap)
            res.append(r)
        ok = [r for r in res if r is not None]
        diff = " | "
        if len(ok) > 1:
            rel = abs(ok[0]["l1"] - ok[-1]["l1"]) / ok[-1]["l1"]
            diff = f"{rel:.1e} | {ok[0]['cpu'] / ok[-1]['cpu']:.1f}x"
        cells = " | ".join(_cells(r, args.cap) for r in res)
        print(f"| n = {n} | {cells} | {diff} |", flush=True)
    pool.shutdown()
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
