"""Benchmark Lanczos on Hessian-vector products at M = 1e5 and 1e6 parameters.

    python benchmarks/bench_hessian.py [--steps 40]

Net: lazy one-hidden-layer ReLU, d = 9 (M = 10 H: H = 1e4 and 1e5), n = 200 points on
S^8, target sqrt(d) x_1.  Each size runs in its own process (so the peak resident
memory, ``ru_maxrss``, is that size's), float64, CPU: ``steps`` Lanczos steps with full
reorthogonalization (:func:`specbias.validation._lanczos.lanczos_top`) on the jitted
forward-over-reverse Hessian-vector product; the first call includes compilation, the
second is timed alone.  Printed: compile+run and run seconds, seconds per step, the
converged top eigenvalues, peak RSS and the Krylov basis' share ``8 (steps + 1) M``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

D, N_SAMPLES = 9, 200
SIZES = (100_000, 1_000_000)


def one(m: int, steps: int) -> dict:
    os.environ["JAX_ENABLE_X64"] = "1"
    import jax
    import numpy as np

    from specbias.validation import NetConfig, init_params, sample_sphere
    from specbias.validation._hessian import _hvp_fn, ravel
    from specbias.validation._lanczos import lanczos_top

    cfg = NetConfig(m // (D + 1), D)
    k_data, k_net, k_v = jax.random.split(jax.random.key(0), 3)
    x = sample_sphere(N_SAMPLES, D, key=k_data)
    p = init_params(cfg, key=k_net, dtype=x.dtype)
    args = (ravel(p), p, x, np.sqrt(D) * x[:, 0])
    times = []
    for _ in range(2):
        t = time.perf_counter()
        r = lanczos_top(_hvp_fn(cfg), args, m, key=k_v, steps=steps, dtype=x.dtype)
        times.append(time.perf_counter() - t)
    ok = r.residuals <= 1e-10 * abs(r.values[0])
    return {
        "M": m,
        "H": cfg.width,
        "steps": steps,
        "first_s": times[0],
        "run_s": times[1],
        "per_step_ms": 1e3 * times[1] / steps,
        "converged": int(np.argmin(ok)) if not ok.all() else int(ok.size),
        "top3": [float(v) for v in r.values[:3]],
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "basis_mb": 8 * (steps + 1) * m / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.steps)))
        return
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, n={N_SAMPLES}")
    print(
        "        M        H  steps  compile+run  run (s)  ms/step  converged  "
        "peak RSS (MB)  basis (MB)"
    )
    for m in SIZES:
        cmd = [sys.executable, __file__, "--one", str(m), "--steps", str(a.steps)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(
            f"{r['M']:9d} {r['H']:8d} {r['steps']:6d} {r['first_s']:12.1f} {r['run_s']:8.1f} "
            f"{r['per_step_ms']:8.1f} {r['converged']:10d} {r['maxrss_mb']:14.0f} "
            f"{r['basis_mb']:11.0f}"
        )


if __name__ == "__main__":
    main()
