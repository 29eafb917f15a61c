"""Benchmark the fast float64 spectra against two baselines, measured in the same run.

    python benchmarks/bench_spectra.py            # full run (a few minutes)
    python benchmarks/bench_spectra.py --quick    # fewer repeats, no 10^4-node quadrature

Task: all mu_k, k = 0..K = 10^4, on S^{d-1} with d = 100, for the closed-form kernels
relu, arccos1 and ntk (convention: probability measure, P_k(1) = 1, no multiplicity).

* fast path: ``specbias.eigenvalues`` (log-space Gamma closed forms), best of R runs.
* (a) mpmath: ``specbias.reference_eigenvalue`` (tanh-sinh quadrature) asked for
  MP_DIGITS = 15 digits, i.e. about the accuracy of the fast path, for a few k only.
  Its cost per value grows with k (subintervals ~ k, recurrence length ~ k, and more
  precision for tiny values), so the time for all K+1 values is *extrapolated* as a
  lower bound: the sampled times plus (K+1-n) * t(largest sampled k).  The true cost
  is far higher (roughly ~k^2 per value), so the speedups quoted are conservative.
* (b) scipy Gauss-Gegenbauer: ``roots_gegenbauer(n, (d-2)/2)`` (weight (1-t^2)^((d-3)/2),
  exactly the measure of mu_k), then mu_k = c_d sum_j w_j phi(t_j) P_k(t_j) for all k by
  the normalized three-term recurrence.  Accuracy is measured against the fast path over
  the k where a float64 quadrature is meaningful at all: mu_k non-zero and above
  100 * eps * sum_j |w_j phi(t_j) P_k(t_j)| (its own round-off floor).

All ratios are against baselines timed in this same process.  Wall-clock times
(time.perf_counter); the machine's load matters, so rerun on an idle machine.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import mpmath
import numpy as np
import scipy
from scipy.special import roots_gegenbauer

import specbias as sb
from specbias.spectra._conventions import c_d_float

D, K = 100, 10_000
KERNELS = ("relu", "arccos1", "ntk")
MP_KS = (2, 8, 16, 32)  # degrees at which mpmath is timed
MP_DIGITS = 15
GG_NODES = (1000, 10_000)
MEANINGFUL_FLOOR = 100.0  # x eps x sum|terms|: below it no float64 quadrature resolves mu_k
GOOD = 1e-8  # a quadrature value counts as "good" at this relative error
K80_DIMS = (10, 20)


def best_time(fn, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def fast_mp(spec, k: int):
    if spec.sign[k] == 0:
        return mpmath.mpf(0)
    return int(spec.sign[k]) * mpmath.exp(mpmath.mpf(float(spec.log_abs[k])))


def rel_diff_mp(spec, k: int, ref) -> float:
    with mpmath.workdps(40):
        if ref == 0:
            return 0.0 if spec.sign[k] == 0 else math.inf
        return float(abs(fast_mp(spec, k) - ref) / abs(ref))


# ---------------------------------------------------------------------------------
# baseline (b): scipy Gauss-Gegenbauer quadrature, all k by the recurrence
def gegenbauer_nodes(n: int, d: int):
    return roots_gegenbauer(n, (d - 2) / 2.0)


def gegenbauer_spectrum(kern: str, d: int, kmax: int, nodes):
    """(mu_k, sum_j |terms|) for k = 0..kmax from the quadrature nodes (float64)."""
    x, w = nodes
    f = c_d_float(d) * w * np.asarray(sb.kernel(kern).phi(x), dtype=np.float64)
    af = np.abs(f)
    mu = np.empty(kmax + 1)
    absum = np.empty(kmax + 1)
    p_prev, p = np.ones_like(x), x.copy()
    mu[0], absum[0] = f.sum(), af.sum()
    if kmax >= 1:
        mu[1], absum[1] = f @ p, af @ np.abs(p)
    for j in range(1, kmax):
        p_prev, p = p, ((2 * j + d - 2) * x * p - j * p_prev) / (j + d - 2)
        mu[j + 1] = f @ p
        absum[j + 1] = af @ np.abs(p)
    return mu, absum


def gg_accuracy(spec, mu, absum, n: int):
    """Max relative error vs the fast path over the meaningful k, and their count.

    Meaningful: mu_k != 0, above the quadrature's round-off floor, and k < n (an n-node
    rule cannot represent P_k of higher degree: it aliases).
    """
    eps = np.finfo(float).eps
    with np.errstate(under="ignore"):
        ref = spec.values
    ok = (spec.sign != 0) & (np.abs(ref) > MEANINGFUL_FLOOR * eps * absum) & (spec.k < n)
    nz = spec.sign != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(nz, np.abs(mu - ref) / np.abs(ref), np.inf)
    good = int(np.sum(nz & (rel <= GOOD)))
    if not np.any(ok):
        return math.nan, 0, -1, good
    return float(rel[ok].max()), int(ok.sum()), int(np.flatnonzero(ok).max()), good


# ---------------------------------------------------------------------------------
# baseline (a): mpmath quadrature for a few k, extrapolated to all k
def mpmath_samples(kern: str, d: int, spec):
    rows = []
    for k in MP_KS:
        t0 = time.perf_counter()
        ref = sb.reference_eigenvalue(kern, d, k, digits=MP_DIGITS)
        dt = time.perf_counter() - t0
        rows.append((k, dt, rel_diff_mp(spec, k, ref)))
    return rows


def extrapolate(rows, kmax: int) -> float:
    """Lower bound on the mpmath time for all k = 0..kmax (cost per value grows with k)."""
    ts = [r[1] for r in rows]
    return float(sum(ts) + (kmax + 1 - len(ts)) * ts[-1])


def fmt_t(s: float) -> str:
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    if s < 3600:
        return f"{s:.2f} s"
    if s < 86400 * 2:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} d"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats, skip 10^4-node quadrature")
    args = ap.parse_args()
    repeats = 3 if args.quick else 9
    gg_nodes = GG_NODES[:1] if args.quick else GG_NODES

    print(f"# specbias spectra benchmark: all mu_k, k = 0..{K}, d = {D} (float64)")
    print(
        f"# python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__},"
        f" mpmath {mpmath.__version__}, {os.cpu_count()} CPUs, {platform.machine()},"
        f" load avg {os.getloadavg()[0]:.2f}"
    )

    print(f"\n## fast path (best of {repeats})")
    fast_t, specs = {}, {}
    for kern in KERNELS:
        specs[kern] = sb.eigenvalues(kern, D, K)
        fast_t[kern] = best_time(lambda kern=kern: sb.eigenvalues(kern, D, K), repeats)
        worst = float(specs[kern].rel_error.max())
        print(f"{kern:8s} {fmt_t(fast_t[kern]):>10s}   (max estimated rel. error {worst:.1e})")

    print(f"\n## (a) mpmath reference_eigenvalue ({MP_DIGITS} digits), sampled k")
    mp_rows = {}
    for kern in KERNELS:
        mp_rows[kern] = mpmath_samples(kern, D, specs[kern])
        for k, dt, rel in mp_rows[kern]:
            print(
                f"{kern:8s} k={k:3d}  {fmt_t(dt):>10s}/value   |fast - mpmath|/|mpmath| = {rel:.1e}"
            )

    print("\n## (b) scipy Gauss-Gegenbauer + recurrence, all k")
    gg = {}
    for n in gg_nodes:
        t0 = time.perf_counter()
        nodes = gegenbauer_nodes(n, D)
        t_nodes = time.perf_counter() - t0
        for kern in KERNELS:
            t0 = time.perf_counter()
            mu, absum = gegenbauer_spectrum(kern, D, K, nodes)
            t_proj = time.perf_counter() - t0
            err, count, klast, good = gg_accuracy(specs[kern], mu, absum, n)
            gg[(kern, n)] = (t_nodes + t_proj, t_nodes, err, count, good)
            print(
                f"{kern:8s} n={n:6d}  nodes {fmt_t(t_nodes):>9s} + projection {fmt_t(t_proj):>9s}"
                f"   max rel err {err:.1e} over {count} meaningful k (k <= {klast});"
                f" {good} of {K + 1} mu_k within {GOOD:.0e}"
            )

    print("\n## summary table (speedup = baseline time / fast-path time, same run)\n")
    head = (
        "| kernel | fast path | max rel diff fast vs mpmath | mpmath t/value at k=32"
        " | mpmath all K (lower bound) | speedup vs mpmath (at least) |"
    )
    for n in gg_nodes:
        head += f" GG n={n}: time, speedup, max rel err (#meaningful k), #k within {GOOD:.0e} |"
    print(head)
    print("|" + "---|" * (6 + len(gg_nodes)))
    for kern in KERNELS:
        lower = extrapolate(mp_rows[kern], K)
        mp_err = max(r[2] for r in mp_rows[kern])
        row = (
            f"| {kern} | {fmt_t(fast_t[kern])} | {mp_err:.1e} | {fmt_t(mp_rows[kern][-1][1])}"
            f" | {fmt_t(lower)} | {lower / fast_t[kern]:.1e}x |"
        )
        for n in gg_nodes:
            t, _, err, count, good = gg[(kern, n)]
            row += f" {fmt_t(t)}, {t / fast_t[kern]:.0f}x, {err:.1e} ({count}), {good} |"
        print(row)

    print("\n## k = 80: 1000-node Gauss-Gegenbauer vs fast path (relative difference)\n")
    print("| kernel | d | mu_80 (fast) | GG n=1000 rel diff | GG round-off floor / |mu_80| |")
    print("|---|---|---|---|---|")
    eps = np.finfo(float).eps
    for d in K80_DIMS:
        nodes = gegenbauer_nodes(1000, d)
        for kern in KERNELS:
            spec = sb.eigenvalues(kern, d, 80)
            mu, absum = gegenbauer_spectrum(kern, d, 80, nodes)
            ref = float(spec.values[80])
            print(
                f"| {kern} | {d} | {ref:.6e} | {abs(mu[80] - ref) / abs(ref):.1e}"
                f" | {eps * absum[80] / abs(ref):.1e} |"
            )

    print("\n## targets")
    worst_fast = max(fast_t.values())
    print(f"fast path < 50 ms for K=1e4 at d=100: {worst_fast * 1e3:.1f} ms ->", worst_fast < 0.05)
    speed = min(extrapolate(mp_rows[k], K) / fast_t[k] for k in KERNELS)
    acc = max(max(r[2] for r in mp_rows[k]) for k in KERNELS)
    print(
        f">= 1000x faster than mpmath (lower-bound extrapolation) at agreement {acc:.1e}:"
        f" {speed:.1e}x ->",
        speed >= 1000,
    )


if __name__ == "__main__":
    main()
