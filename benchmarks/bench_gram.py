"""Benchmark phi(t) on an n x n Gram matrix (n = 2000 points on S^4), same process.

    python benchmarks/bench_gram.py            # n = 2000, d = 5 (about a minute)
    python benchmarks/bench_gram.py --n 500    # quicker

Task: phi(X X^T) for n uniform points X on S^{d-1}, float64.  Routes, best-of-``--repeat``
wall time each (compiled/warmed once before timing):

* ``before``: specbias' route up to the family registry, phi(arccos t) through the
  theta-native formulas (``Kernel.phi_theta(arccos(clip t))``);
* ``after``: ``specbias.kernel(spec).phi(t)``, the family's fused formula in t, run
  block by block (:mod:`specbias.spectra.families._phi_t`);
* ``numpy``: plain whole-array numpy on t, the textbook formula (arccos1 and ntk only);
* ``jax-jit``: ``jax.jit`` of neural-tangents' closed forms (safe arccos, sqrt of
  (1-t)(1+t)), the computation inside its ``kernel_fn`` (arccos1 and ntk only);
* ``neural-tangents``: ``stax.serial(Dense(1), Relu(), Dense(1))``'s jitted
  ``kernel_fn`` on sqrt(d) X (NT divides by the fan-in), when neural-tangents is
  installed and importable; skipped otherwise (it is not a dependency).

The Gram product X X^T is timed on its own and added to the phi routes in the
``+gram`` column, to compare with ``kernel_fn`` (which forms it).  Printed: seconds,
the ratio to ``after``, and the largest difference from ``after`` (agreement).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

import specbias as sb

os.environ.setdefault("JAX_ENABLE_X64", "1")

#: The kernels timed against every baseline (neural-tangents has both); the rest
#: compare before/after only.
NT_SPECS = ("arccos1", "ntk")
OTHER_SPECS = ("relu", "arccos0", "arccos2", "ntk:depth=3", "ntk-bias", "laplace", "nngp:act=tanh")


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def textbook(spec: str, t: np.ndarray) -> np.ndarray:
    """Whole-array numpy: k1 = (sqrt(1-t^2) + (pi - arccos t) t)/(2 pi), ntk = k1 + t k0."""
    t = np.clip(t, -1, 1)
    th = np.arccos(t)
    k1 = (np.sqrt(1 - t * t) + (np.pi - th) * t) / (2 * np.pi)
    return k1 if spec == "arccos1" else k1 + t * (np.pi - th) / (2 * np.pi)


def jax_route(spec: str):
    import jax
    import jax.numpy as jnp

    @jax.jit
    def fn(t):
        t = jnp.clip(t, -1.0, 1.0)
        pmt = jnp.pi - jnp.arccos(t)
        k1 = (jnp.sqrt((1 - t) * (1 + t)) + pmt * t) / (2 * jnp.pi)
        return k1 if spec == "arccos1" else k1 + t * pmt / (2 * jnp.pi)

    return fn


def nt_route(spec: str):
    """neural-tangents' jitted kernel_fn, or the reason it is skipped."""
    try:
        import jax
        from neural_tangents import stax
    except ImportError as err:  # optional baseline: not installed, or not importable
        return None, f"{type(err).__name__}: {err}"
    _, _, kernel_fn = stax.serial(stax.Dense(1), stax.Relu(), stax.Dense(1))
    get = "nngp" if spec == "arccos1" else "ntk"
    return jax.jit(lambda x: kernel_fn(x, None, get)), ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    x = np.random.default_rng(args.seed).standard_normal((args.n, args.d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    t = x @ x.T
    gram = best(lambda: x @ x.T, args.repeat)
    print(f"# n = {args.n}, d = {args.d}: {args.n**2:.2e} entries; X X^T {gram * 1e3:.1f} ms")
    print(
        f"{'kernel':16s} {'route':16s} {'ms':>8s} {'+gram ms':>9s} {'x after':>8s} {'max diff':>9s}"
    )
    for spec in NT_SPECS + OTHER_SPECS:
        k = sb.kernel(spec)
        ref = k.phi(t)
        routes = {
            "after": lambda k=k: k.phi(t),
            "before": lambda k=k: k.phi_theta(np.arccos(np.clip(t, -1, 1))),
        }
        if spec in NT_SPECS:
            import jax.numpy as jnp

            routes["numpy"] = lambda spec=spec: textbook(spec, t)
            fn, tj = jax_route(spec), jnp.asarray(t)
            routes["jax-jit"] = lambda fn=fn, tj=tj: fn(tj).block_until_ready()
        after = None
        for name, fn in routes.items():
            sec = best(fn, args.repeat)
            after = sec if name == "after" else after
            diff = float(np.max(np.abs(np.asarray(fn()) - ref)))
            print(
                f"{spec:16s} {name:16s} {sec * 1e3:8.1f} {(sec + gram) * 1e3:9.1f} "
                f"{sec / after:8.2f} {diff:9.1e}"
            )
        if spec in NT_SPECS:
            fn, why = nt_route(spec)
            if fn is None:
                print(f"{spec:16s} {'neural-tangents':16s} skipped ({why[:70]})")
                continue
            xs = jnp.asarray(x * math.sqrt(args.d))
            sec = best(lambda fn=fn, xs=xs: fn(xs).block_until_ready(), args.repeat)
            diff = float(np.max(np.abs(np.asarray(fn(xs)) - ref)))
            total = after + gram
            print(
                f"{spec:16s} {'neural-tangents':16s} {sec * 1e3:8.1f} {sec * 1e3:9.1f} "
                f"{sec / total:8.2f} {diff:9.1e}  (kernel_fn forms X X^T: ratio to after+gram)"
            )


if __name__ == "__main__":
    main()
