"""Benchmark the learning-curve solver against a plain per-n root finder, same run.

    python benchmarks/bench_curve.py

Task: a full learning curve, 100 values of n (log-spaced 10 .. 10^7), K = 10^4
degrees, d = 100, ntk student, smooth even target nu_t = 2 (issue target: < 100 ms).

* specbias: ``learning_curve(kernel, target, n, kmax=K)`` (log-space degeneracies,
  safeguarded Newton in log kappa vectorized over n, local slopes included), best of R;
  the spectrum and target are part of the timed call.
* baseline: the obvious implementation written in the same run: float64 arrays
  N(d,k) mu_k and N(d,k) c_k from the same spectrum, then for each n separately
  ``scipy.optimize.brentq`` on sum_k N mu_k/(mu_k+kappa) - n in kappa, E0 and the
  error from the eigenlearning formulas (no tail term, no slopes).
Agreement is the largest relative difference of gen_error between the two at the same
truncation K: specbias adds the Mercer tail mass beyond K to the kappa equation (first
order), the baseline drops it, so they differ by about that tail's share at large n.
"""

from __future__ import annotations

import math
import os
import platform
import time

import numpy as np
from scipy.optimize import brentq

import specbias as sb

D, K, N_POINTS, NU = 100, 10_000, 100, 2.0
REPEATS = 7


def best_time(fn, repeats=REPEATS):
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def baseline(n_values, mu, nmult, c):
    w_mu = nmult * mu
    w_c = nmult * c
    errors = []
    for n in n_values:
        f = lambda kap, n=n: np.sum(w_mu / (mu + kap)) - n  # noqa: E731
        kap = brentq(f, 1e-300, 1e3 * np.sum(w_mu) / n + 1.0, xtol=1e-300, rtol=1e-14)
        lk = mu / (mu + kap)
        e0 = n / (n - np.sum(nmult * lk**2))
        errors.append(e0 * np.sum(w_c * (1 - lk) ** 2))
    return np.array(errors)


def main() -> None:
    n = np.geomspace(10, 1e7, N_POINTS)
    target = sb.smooth_target(D, NU, parity="even")
    sb.learning_curve("ntk", target, n, kmax=K, rtol=1.0)  # warm caches (decay_law, imports)
    t_fast, lc = best_time(lambda: sb.learning_curve("ntk", target, n, kmax=K, rtol=1.0))
    spec = sb.eigenvalues("ntk", D, K)
    mu = spec.values
    nmult = np.exp(spec.log_multiplicity)
    keep = spec.sign > 0
    c = np.exp(target.log_c(K))
    t_base, err_base = best_time(lambda: baseline(n, mu[keep], nmult[keep], c[keep]), repeats=3)
    agree = float(np.max(np.abs(err_base / lc.gen_error - 1)))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, float64"
    )
    print(
        f"task: learning curve, {N_POINTS} n values in [10, 1e7], K = {K}, d = {D}, ntk, "
        f"smooth even target nu_t = {NU}"
    )
    print(f"{'method':<34}{'time':>12}{'ratio':>10}")
    print(f"{'specbias.learning_curve':<34}{t_fast * 1e3:>10.1f} ms{1.0:>10.2f}")
    print(
        f"{'baseline: brentq per n (no slopes)':<34}{t_base * 1e3:>10.1f} ms"
        f"{t_base / t_fast:>10.2f}"
    )
    print(f"max relative difference of gen_error: {agree:.1e}")
    print(f"target < 100 ms: {'met' if t_fast < 0.1 else 'NOT met'}")


if __name__ == "__main__":
    main()
