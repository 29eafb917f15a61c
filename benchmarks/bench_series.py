"""Benchmark the compiled endpoint series against the numpy grid route, same process.

    python benchmarks/bench_series.py          # K = 10^4 and 10^5 (about a minute)

Task: mu_k, k = 0..K, of ntk-bias (96 terms) and laplace:c=1 (68 terms) on S^2 by the
endpoint series.  Baseline: ``_closed_forms.endpoint_series_log`` (numpy, builds
terms x degrees grids).  Compiled: ``_series_jit.endpoint_series_log_jit`` (numba, one
fused loop, O(1) memory per degree; compiled once before timing).  Printed: best-of-3
wall time of each, their ratio, and the peak traced memory (tracemalloc) of each.
"""

from __future__ import annotations

import math
import sys
import time
import tracemalloc
from functools import partial

import numpy as np

from specbias.spectra import _closed_forms as cf
from specbias.spectra._series_jit import endpoint_series_log_jit


def series_inputs(name: str, d: int, k: np.ndarray):
    if name == "ntk-bias":
        coeffs = cf.ntk_bias_coefficients(cf.NTK_BIAS_TERMS)
        c_sign = np.array([np.sign(float(c)) for c in coeffs], dtype=np.int8)
        c_log = np.array([cf._log_abs_fraction(c) for c in coeffs]) - cf.LOG_PI
        poly = (
            np.where(k <= 1, 1, 0).astype(np.int8),
            np.where(k == 0, 0.0, np.where(k == 1, -math.log(d), -np.inf)),
        )
        return c_sign, c_log, np.arange(cf.NTK_BIAS_TERMS) + 0.5, poly
    j = np.arange(cf.laplace_series_terms(1.0), dtype=np.float64)
    c_log = j * math.log(math.sqrt(2.0)) - cf.gammaln(j + 1.0)
    return np.where(j % 2 == 1, -1, 1).astype(np.int8), c_log, j / 2.0, None


def measure(fn, repeats: int = 3) -> tuple[float, float]:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def main() -> None:
    sizes = [10_000, 100_000] if "--quick" not in sys.argv else [10_000]
    d = 3
    endpoint_series_log_jit(*series_inputs("laplace", d, np.arange(10))[:3], d, np.arange(10))
    print(
        f"{'kernel':10s} {'K':>8s} {'numpy s':>9s} {'numba s':>9s} {'ratio':>7s} "
        f"{'numpy MB':>9s} {'numba MB':>9s}"
    )
    for name in ("ntk-bias", "laplace"):
        for big_k in sizes:
            k = np.arange(big_k + 1)
            args = (*series_inputs(name, d, k)[:3], d, k, series_inputs(name, d, k)[3])
            t_np, m_np = measure(partial(cf.endpoint_series_log, *args))
            t_jit, m_jit = measure(partial(endpoint_series_log_jit, *args))
            print(
                f"{name:10s} {big_k:8d} {t_np:9.3f} {t_jit:9.3f} {t_np / t_jit:7.1f} "
                f"{m_np / 1e6:9.1f} {m_jit / 1e6:9.1f}"
            )


if __name__ == "__main__":
    main()
