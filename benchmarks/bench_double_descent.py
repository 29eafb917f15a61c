"""Benchmark the double-descent theory against one simulation of the same point.

    python benchmarks/bench_double_descent.py

Point: ReLU random features, d = 100, n = 300, N = 600 (N/n = 2), ridge lambda = 1e-3,
noise tau^2 = 0.1, linear target (arXiv 1908.05355 conventions, see
:mod:`specbias.theory._double_descent`).

* theory: ``specbias.double_descent`` at that point (constants from the spectra, the
  bracketed kappa solver, the closed-form Marchenko-Pastur traces), best of 7;
* simulation: one real random-features ridge regression with 2000 test points
  (``simulate_random_features``, numpy), best of 3.
Both in one process; the ratio is printed with the agreement (one seed, so the
simulation carries its own sampling error of a few percent).
"""

from __future__ import annotations

import os
import platform
import sys

import specbias
from specbias.theory._rf_simulation import simulate_random_features

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_curve import best_time  # best of R wall times, shared helper

D, N_SAMPLES, N_FEATURES, RIDGE, NOISE = 100, 300, 600, 1e-3, 0.1


def main() -> None:
    kw = {"ridge": RIDGE, "noise": NOISE}
    t_th, r = best_time(lambda: specbias.double_descent("relu", D, N_SAMPLES, N_FEATURES, **kw), 7)
    t_sim, sim = best_time(
        lambda: simulate_random_features("relu", D, N_SAMPLES, N_FEATURES, seed=0, **kw), 3
    )
    th = float(r.risk[0])
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus")
    print(f"point: relu, d={D}, n={N_SAMPLES}, N={N_FEATURES}, lambda={RIDGE}, tau^2={NOISE}")
    print(f"theory      {t_th * 1e3:9.2f} ms   risk {th:.5f}")
    print(f"simulation  {t_sim * 1e3:9.2f} ms   risk {sim:.5f}  (one seed)")
    print(f"speed-up    {t_sim / t_th:9.1f} x   relative difference {abs(sim / th - 1):.3f}")


if __name__ == "__main__":
    main()
