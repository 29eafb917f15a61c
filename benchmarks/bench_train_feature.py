"""Feature regime, time to converge: the L1-protocol sliding trainer vs today's GD trainers.

One draw of the unit-variance teacher ``abs-power-rf:a=nu-1/2`` at (d, n); E
initializations of width-H nets.  Trainers, each to its own stopping rule:

* ``l1-sliding (new)``: the paper's L1 path-norm protocol at lambda -> 0+ (theta on
  the sphere, w = 0 at start), :func:`specbias.validation._sliding.train_l1_sliding`,
  numpy float64, one BLAS thread, members one after the other; "converged" = halving
  its tolerance moved the test error by < 2%.
* ``adaptive GD (today)`` and ``fixed-step GD``: mean-field nets (xi = 0, O(1)
  initialization, no penalty; :func:`specbias.validation.train_ensemble`, JAX float64,
  one vmapped program), to ``rel_tol * L(0)`` or their step cap; the table says at
  what loss they stalled.  (They train the other feature protocol: their endpoint is
  not the L1 one, so the test errors differ by design.)

Reference: the infinite-width feature limit on the same draw (min variation-norm
interpolation by column generation), its test error and l1 norm.  Wall seconds
(JAX compile excluded: GD trainers run once to compile, then timed), ratio to the
new trainer, train loss relative to L(0), test MSE, ratio of test MSE to the limit's.

Usage::

    python benchmarks/bench_train_feature.py --d 3 --n 128 --width 1024   # CPU, seconds
    python benchmarks/bench_train_feature.py --d 5 --n 1024 --width 8192 --members 4 \\
        --gd-steps 20000                                                   # paper scale
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from _draw import trainer_parser, unit_variance_draw

from specbias.validation import (
    NetConfig,
    init_params,
    train_ensemble,
)
from specbias.validation._limits import min_variation_norm_interpolation
from specbias.validation._sliding import train_l1_sliding


def main() -> None:
    ap = trainer_parser(nu=4.0)
    ap.add_argument("--skip-gd", action="store_true", help="time only the new trainer")
    ap.add_argument("--skip-limit", action="store_true", help="no column-generation reference")
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    x, xt, y, yt = unit_variance_draw(args.d, args.n, args.nu)
    print(
        f"d={args.d} n={args.n} nu={args.nu} H={args.width} E={args.members}, float64, "
        f"JAX device {jax.devices()[0].platform}"
    )
    lim_mse = np.nan
    if not args.skip_limit:
        t = time.perf_counter()
        fit = min_variation_norm_interpolation(x, y, xt, rng=np.random.default_rng(0))
        lim_mse = float(np.mean((fit.prediction - yt) ** 2))
        print(
            f"feature limit (colgen): test MSE {lim_mse:.4e}, l1 {fit.l1_norm:.4f}, "
            f"n_A {fit.n_atoms}, {time.perf_counter() - t:.1f} s"
        )

    rows = []
    t = time.perf_counter()
    runs = [
        train_l1_sliding(x, y, xt, yt, width=args.width, rng=np.random.default_rng([1, e]))
        for e in range(args.members)
    ]
    sec = time.perf_counter() - t
    te = float(np.mean([np.mean((r.prediction - yt) ** 2) for r in runs]))
    loss = float(np.max([r.train_mse for r in runs]) / np.mean(y**2))
    stops = ",".join(sorted({r.stop_reason for r in runs}))
    rows.append(("l1-sliding (new)", sec, loss, te, stops, max(r.rounds for r in runs)))
    l1 = np.mean([r.l1_norm for r in runs])
    print(f"l1-sliding: mean l1 {l1:.4f}, n_A {np.mean([r.n_atoms for r in runs]):.0f}")

    if not args.skip_gd:
        cfg = NetConfig(args.width, args.d, xi=0.0)
        keys = jax.random.split(jax.random.key(0), args.members)
        p0 = jax.vmap(lambda k: init_params(cfg, key=k, dtype=jnp.float64))(keys)
        xj, yj, xtj = jnp.asarray(x), jnp.asarray(y), jnp.asarray(xt)

        def gd(adaptive):
            return train_ensemble(
                p0, xj, yj, cfg, rel_tol=args.rel_tol, max_steps=args.gd_steps, adaptive=adaptive
            )

        from specbias.validation import apply

        for name, adaptive in (("adaptive GD (today)", True), ("fixed-step GD", False)):
            r = gd(adaptive)
            jax.block_until_ready(r.params)  # compile
            t = time.perf_counter()
            r = gd(adaptive)
            jax.block_until_ready(r.params)
            sec = time.perf_counter() - t
            f = jax.vmap(lambda p, q: apply(p, q, xtj, cfg))(r.params, p0)
            te = float(np.mean(np.asarray(jnp.mean((f - yt) ** 2, axis=1))))
            loss = float(np.max(np.asarray(r.train_loss) / np.asarray(r.loss0)))
            stops = ",".join(sorted(set(r.stop_reason)))
            rows.append((name, sec, loss, te, stops, int(np.max(r.steps))))

    base = rows[0][1]
    print(
        f"{'trainer':22s} {'seconds':>9s} {'x new':>7s} {'L/L0':>9s} {'test MSE':>10s} "
        f"{'/limit':>7s} {'steps':>7s} stop"
    )
    for name, sec, loss, te, stop, steps in rows:
        print(
            f"{name:22s} {sec:9.3f} {sec / base:7.1f} {loss:9.2e} {te:10.4e} "
            f"{te / lim_mse:7.3f} {steps:7d} {stop}"
        )


if __name__ == "__main__":
    main()
