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
   (nu_t = 4.5) divided by sqrt(target_variance), n = 256, 512, 1024, both with
   ``certify=True`` (branch-and-bound certificate, :mod:`specbias.validation._capbound`).
   "today" is the solver before the numba pricing (numpy ascent, scipy NNLS cell
   maxima, no local search around the atoms; reproduced here by patching the
   library in the worker), "new" the library as it is.  Each fit runs in its own
   process (numba caches warm), killed after ``--cap`` seconds (reported as
   "> cap").  Columns: seconds, l1 norm, certified lower bound, relative duality
   gap, n_A; the ratio is today / new (a lower bound when today was killed).  The
   cold JIT compile time of the numba kernels (empty cache) is printed first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, TimeoutError

import numpy as np
from scipy.optimize import linprog, nnls
from threadpoolctl import threadpool_limits

from specbias.validation import _limits as L
from specbias.validation import _pricing as P
from specbias.validation import sample_sphere_np, sample_target, target_variance
from specbias.validation._capbound import sup_abs_dual
from specbias.validation._experiment import ValidationConfig
from specbias.validation._simplex import L1Simplex
from specbias.validation._units import _data

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


def legacy_dual_search(lam, x, starts=None, signs=None, *, rng, restarts=256, steps=100):
    """Today's dual search: numpy ascent over (starts x n) matrices, scipy NNLS."""
    d = x.shape[1]
    th_r = L._random_directions(rng, restarts, d)
    th = np.vstack([starts, th_r, th_r])
    sign = np.concatenate([signs, np.ones(len(th_r)), -np.ones(len(th_r))])
    best_th, best_v = P.ascend_numpy(x, lam, th, sign, steps)
    order = np.argsort(-best_v)
    _, first = np.unique(np.round(best_th[order] * 1e6), axis=0, return_index=True)
    chosen = order[np.sort(first)]
    chosen = chosen[: max(1, min(256, int(np.sum(best_v[chosen] > 0.9))))]
    cand, vals = np.empty((len(chosen), d)), np.empty(len(chosen))
    for j, idx in enumerate(chosen):
        cand[j], vals[j] = scipy_cell_maximum(best_th[idx], sign[idx], x, lam)
    return L.sorted_distinct(cand, vals)


def scipy_cell_maximum(theta, sign, x, lam):
    """Today's exact cell maximum: the cone projection by scipy's NNLS."""
    s = (x @ theta) > 0
    v = sign * (lam[s] @ x[s])
    a = np.where(s[:, None], -x, x)
    mu, _ = nnls(a.T, v, maxiter=50 * max(len(x), 10))
    p = v - a.T @ mu
    val0 = float(sign * L.dual_values(theta[None], x, lam)[0])
    norm = float(np.linalg.norm(p))
    if norm == 0.0:
        return theta, val0
    val = float(sign * L.dual_values((p / norm)[None], x, lam)[0])
    return (p / norm, val) if val >= val0 else (theta, val0)


def no_local_search(lam, x, atoms, signs, rng):
    return np.zeros((0, x.shape[1])), np.zeros(0)


def d5_fit(n: int, legacy: bool) -> dict:
    x, y = d5_labels(n)
    saved = L.dual_search, L.local_search
    if legacy:  # patched in this worker for this fit only
        L.dual_search, L.local_search = legacy_dual_search, no_local_search
    t0 = time.perf_counter()
    try:
        fit = L.min_variation_norm_interpolation(x, y, rng=np.random.default_rng(1), certify=True)
    finally:
        L.dual_search, L.local_search = saved
    out = {"seconds": time.perf_counter() - t0, "l1": fit.l1_norm, "rounds": fit.rounds}
    out.update(lower=fit.certified_lower_bound, gap=fit.duality_gap, n_atoms=fit.n_atoms)
    out.update(residual=fit.residual)
    return out


def jit_seconds() -> float:
    """Cold compile (empty numba cache) of the pricing and branch-and-bound kernels."""
    x, _ = d5_labels(16)
    lam = np.ones(16)
    t0 = time.perf_counter()
    P.ascend(x, lam, x[:2].copy(), np.ones(2), 2)
    P.cell_maxima(x, lam, x[:2].copy(), np.ones(2))
    sup_abs_dual(x, lam, max_boxes=10)
    return time.perf_counter() - t0


def _run_capped(pool, fn, args, cap):
    """(result or None if killed after cap seconds, pool to use next)."""
    fut = pool.submit(fn, *args)
    try:
        return fut.result(timeout=cap), pool
    except TimeoutError:
        for p in list(pool._processes.values()):
            p.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        return None, ProcessPoolExecutor(max_workers=1)


def _cells(r: dict | None, cap: float) -> str:
    if r is None:
        return f"> {cap:.0f} s | | | | "
    return (
        f"{r['seconds']:.1f} s | {r['l1']:.6f} | {r['lower']:.6f} | {r['gap']:.1e} | {r['n_atoms']}"
    )


def d5_table(cap: float, sizes=(256, 512, 1024)) -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NUMBA_CACHE_DIR"] = cache
        spawn = multiprocessing.get_context("spawn")  # a fresh numba reads the env
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            cold = pool.submit(jit_seconds).result()
        del os.environ["NUMBA_CACHE_DIR"]
    print(f"# cold JIT compile of the numba kernels: {cold:.1f} s (cached afterwards)")
    print(f"# load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(
        f"\n| d = 5, {TEACHER}, certify=True | today | l1 | cert. lower | gap | n_A "
        "| new | l1 | cert. lower | gap | n_A | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    pool = ProcessPoolExecutor(max_workers=1)
    pool.submit(jit_seconds).result()  # warm the worker's numba cache
    for n in sizes:
        old, pool = _run_capped(pool, d5_fit, (n, True), cap)
        new, pool = _run_capped(pool, d5_fit, (n, False), cap)
        t_old = old["seconds"] if old else cap
        ratio = (">" if old is None else "") + f"{t_old / new['seconds']:.1f}x" if new else "n/a"
        print(f"| n = {n} | {_cells(old, cap)} | {_cells(new, cap)} | {ratio} |", flush=True)
    pool.shutdown()
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--d5", action="store_true", help="only the d = 5 paper-scale table")
    parser.add_argument("--cap", type=float, default=600.0, help="seconds per d = 5 fit")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    args = parser.parse_args()
    if args.d5:
        d5_table(args.cap, tuple(args.sizes))
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
