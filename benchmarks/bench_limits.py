"""Benchmark the feature-limit LP (min variation-norm interpolation), same run.

    python benchmarks/bench_limits.py

Workload: d = 3, labels from the smooth teacher of the smoke preset (nu_t = 3) on n
uniform points; everything single-threaded BLAS (as inside the library).

1. Fixed dictionary (4096 Fibonacci directions, n = 256): one LP solve,
   ``L1Simplex`` (dense warm-startable simplex, devex pricing, long step) against
   scipy ``linprog(method="highs")`` on the split form, the obvious call.
2. Column generation over the continuum of neurons (n = 128 and 256): specbias'
   ``min_variation_norm_interpolation`` against the same column-generation loop
   written the plain way: the same dual search, but every round re-solves the
   restricted LP from scratch with ``linprog`` (what the library did before).

Agreement: relative difference of the optimal l1 norms (the continuum optimum is
only approached to the search's tolerance, so agreement there is ~1e-5).

3. Paper scale, d = 5 (``--d5``): labels from the teacher ``abs-power-rf:a=4``
   (nu_t = 4.5) divided by sqrt(target_variance), n = 256, 512, 1024.  Today's
   heuristic column generation against ``certify=True`` (branch-and-bound pricing
   and certificate, :mod:`specbias.validation._capbound`); each fit runs in its own
   process, killed after ``--cap`` seconds (reported as "> cap").  Columns: seconds,
   l1 norm, certified lower bound and relative duality gap, and the true dual
   violation of the heuristic fit, measured by branch and bound on its dual.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, TimeoutError

import numpy as np
from scipy.optimize import linprog
from threadpoolctl import threadpool_limits

from specbias.validation import _limits as L
from specbias.validation import sample_sphere_np, sample_target, target_variance
from specbias.validation._capbound import sup_abs_dual
from specbias.validation._experiment import ValidationConfig, _data
from specbias.validation._simplex import L1Simplex

TEACHER = "abs-power-rf:a=4"
HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def labels(n: int):
    cfg = ValidationConfig(d=3, nu_t=3.0, n_values=(n, 2 * n), n_test=256, solver="limit")
    x, _, s = _data(cfg, n, 0)
    return x, s.y_train / np.max(np.abs(s.y_train))


def linprog_l1(phi, y):
    m = phi.shape[1]
    res = linprog(
        np.ones(2 * m),
        A_eq=np.hstack([phi, -phi]),
        b_eq=y,
        bounds=(0, None),
        method="highs",
        options=HIGHS,
    )
    assert res.status == 0, res.message
    return res.x[:m] - res.x[m:], np.asarray(res.eqlin.marginals)


def baseline_colgen(x, y, rng, tol=1e-6, restarts=64, steps=40):
    """Column generation with a cold HiGHS solve per round (same search)."""
    n, d = x.shape
    theta = np.vstack([x, -x, L._random_directions(rng, 2 * n, d)])
    for rounds in range(1, 1000):
        coef, lam = linprog_l1(L.relu_features(theta, x), y)
        starts, signs = L._starts(theta, coef, lam, x)
        cand, val = L.dual_search(lam, x, starts, signs, rng=rng, restarts=restarts, steps=steps)
        if L._violation(val) <= tol:
            return float(np.abs(coef).sum()), rounds
        if theta.shape[0] > 4 * n + 64:
            keep = (coef != 0) | (np.abs(L.dual_values(theta, x, lam)) >= 0.5)
            theta = theta[keep]
        theta = np.vstack([theta, L._new_columns(theta, cand[val > 1 + tol])])
    raise RuntimeError("baseline did not converge")


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def d5_labels(n: int):
    rng = np.random.default_rng([0, n])
    x = sample_sphere_np(n, 5, rng=rng)
    s = sample_target(rng, x, np.zeros((0, 5)), TEACHER, noise=0.0)
    return x, s.y_train / np.sqrt(target_variance(TEACHER))


def d5_fit(n: int, certify: bool) -> dict:
    x, y = d5_labels(n)
    t0 = time.perf_counter()
    fit = L.min_variation_norm_interpolation(x, y, rng=np.random.default_rng(1), certify=certify)
    out = {"seconds": time.perf_counter() - t0, "l1": fit.l1_norm, "rounds": fit.rounds}
    out.update(lower=fit.certified_lower_bound, gap=fit.duality_gap, sup=fit.certified_sup)
    if not certify:  # the heuristic's real violation, by branch and bound on its dual
        phi = L.relu_features(fit.theta, x)
        lam = np.linalg.lstsq(phi.T, np.sign(fit.c), rcond=None)[0]
        out["true_violation"] = sup_abs_dual(x, lam, candidates=fit.theta, rtol=1e-3).lower - 1
    return out


def d5_table(cap: float) -> None:
    print(
        f"\n| d = 5, teacher {TEACHER}, unit-variance labels | heuristic (today) | l1 "
        "| its true max|g| - 1 | certify=True | l1 | certified lower | gap |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with ProcessPoolExecutor(max_workers=1) as pool:
        for n in (256, 512, 1024):
            row = []
            for certify in (False, True):
                fut = pool.submit(d5_fit, n, certify)
                try:
                    row.append(fut.result(timeout=cap))
                except TimeoutError:
                    for p in list(pool._processes.values()):
                        p.kill()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = ProcessPoolExecutor(max_workers=1)
                    row.append(None)
            old, new = row
            a = (
                f"{old['seconds']:.1f} s | {old['l1']:.6f} | {old['true_violation']:.1e}"
                if old
                else f"> {cap:.0f} s | | "
            )
            b = (
                f"{new['seconds']:.1f} s | {new['l1']:.6f} | {new['lower']:.6f} | {new['gap']:.1e}"
                if new
                else f"> {cap:.0f} s | | |"
            )
            print(f"| n = {n} | {a} | {b} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--d5", action="store_true", help="only the d = 5 paper-scale table")
    parser.add_argument("--cap", type=float, default=600.0, help="seconds per d = 5 fit")
    args = parser.parse_args()
    if args.d5:
        d5_table(args.cap)
        return
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, BLAS 1 thread")
    with threadpool_limits(1, user_api="blas"):
        x, y = labels(256)
        phi = L.relu_features(L._dense_dictionary(3, 4096), x)

        def dense():
            lp = L1Simplex(y, phi)
            lp.solve()
            lp.finish()
            return lp

        t_dense, lp = timed(dense)
        t_hi, (c_hi, _) = timed(lambda: linprog_l1(phi, y))
        diff = abs(lp.objective - np.abs(c_hi).sum()) / lp.objective
        print("\n| fixed dictionary, n = 256, M = 4096 | time | pivots | rel. l1 diff |")
        print("| --- | --- | --- | --- |")
        print(f"| L1Simplex | {t_dense:.2f} s | {lp.pivots} | |")
        print(f"| linprog (HiGHS) | {t_hi:.2f} s | | {diff:.1e} |")
        print(f"| ratio | {t_hi / t_dense:.1f}x | | |")

        print(
            "\n| column generation, d = 3 | specbias | rounds | baseline | rounds | ratio "
            "| rel. l1 diff |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for n in (128, 256):
            x, y = labels(n)
            t_s, fit = timed(
                lambda x=x, y=y: L.min_variation_norm_interpolation(
                    x, y, rng=np.random.default_rng(1)
                )
            )
            t_b, (l1_b, r_b) = timed(
                lambda x=x, y=y: baseline_colgen(x, y, np.random.default_rng(1))
            )
            diff = abs(fit.l1_norm - l1_b) / l1_b
            print(
                f"| n = {n} | {t_s:.2f} s | {fit.rounds} | {t_b:.2f} s | {r_b} "
                f"| {t_b / t_s:.1f}x | {diff:.1e} |"
            )


if __name__ == "__main__":
    main()
