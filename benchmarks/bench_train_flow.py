"""Time to converge: ETD1 / Gauss-Newton lazy trainer vs today's adaptive GD and fixed-step GD.

The new trainer is timed twice: from a Gauss-Newton first step (``first_step=1e12``,
what ``specbias validate``'s lazy units use) and from the explicit stability limit
(``first_step=1``, which grows Delta 10x per step).

One draw of the unit-variance teacher ``abs-power-rf:a=nu-1/2`` at (d, n), E
initializations (one vmapped program), lazy alpha-trick nets (xi = 1, alpha = 100).
Each trainer runs to its own stopping rule; the table gives wall seconds (compile
excluded: every trainer is run once to compile, then timed), the final train loss, the
test MSE, and the ratio to the new trainer.  "converged" for the new trainer means the
test error moved < 2% over the last halving of the loss; the GD trainers stop at
``rel_tol * L(0)`` or at their step cap, and the table says at what loss they stalled.

Usage::

    python benchmarks/bench_train_flow.py --d 5 --n 1024 --width 8192 --members 4 \\
        --gd-steps 20000        # GPU scale
    python benchmarks/bench_train_flow.py --d 3 --n 128 --width 1024   # CPU
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
from specbias.validation._flow import tangent_gram, train_flow


def main() -> None:
    ap = trainer_parser(nu=4.5)
    ap.add_argument("--alpha", type=float, default=100.0)
    ap.add_argument("--dtype", default="float64")
    ap.add_argument(
        "--skip-gd", action="store_true", help="time only the new trainer (precision runs)"
    )
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    dt = jnp.dtype(args.dtype)
    x, xt, y, yt = (jnp.asarray(a, dt) for a in unit_variance_draw(args.d, args.n, args.nu))
    cfg = NetConfig(args.width, args.d, xi=1.0, alpha=args.alpha)
    keys = jax.random.split(jax.random.key(0), args.members)
    p0 = jax.vmap(lambda k: init_params(cfg, key=k, dtype=dt))(keys)
    print(
        f"device {jax.devices()[0].platform}, dtype {args.dtype}, d={args.d} n={args.n} "
        f"H={args.width} E={args.members} alpha={args.alpha}"
    )

    def flow(first_step=1.0):
        return train_flow(
            p0,
            x,
            y,
            cfg,
            x_test=xt,
            y_test=yt,
            rel_tol=args.rel_tol,
            ensemble=True,
            first_step=first_step,
        )

    def test_mse(params):
        from specbias.validation import apply

        f = jax.vmap(lambda p, q: apply(p, q, xt, cfg))(params, p0)
        return np.asarray(jnp.mean((f - yt) ** 2, axis=1))

    def gd(adaptive):
        lam = (
            float(
                jnp.linalg.eigvalsh(tangent_gram(jax.tree.map(lambda a: a[0], p0), x, x, cfg))[-1]
            )
            / args.n
        )
        return train_ensemble(
            p0,
            x,
            y,
            cfg,
            rel_tol=args.rel_tol,
            max_steps=args.gd_steps,
            adaptive=adaptive,
            dt0=1.0 / lam if not adaptive else 1.0,
        )

    rows = []
    # validate's lazy units start with a Gauss-Newton step (first_step = 1e12)
    trainers = [("etd1, GN start (new)", lambda: flow(1e12)), ("etd1, stable start", flow)]
    if not args.skip_gd:
        trainers += [
            ("adaptive GD (today)", lambda: gd(True)),
            ("fixed-step GD", lambda: gd(False)),
        ]
    for name, fn in trainers:
        r = fn()
        jax.block_until_ready(r.params)  # compile
        t = time.perf_counter()
        r = fn()
        jax.block_until_ready(r.params)
        sec = time.perf_counter() - t
        loss = float(np.max(np.asarray(r.train_loss) / np.asarray(r.loss0)))
        rows.append(
            (
                name,
                sec,
                loss,
                float(np.mean(test_mse(r.params))),
                ",".join(sorted(set(r.stop_reason))),
                int(np.max(r.steps)),
            )
        )
    base = rows[0][1]
    print(
        f"{'trainer':24s} {'seconds':>9s} {'x new':>7s} {'L/L0':>9s} {'test MSE':>10s} "
        f"{'steps':>7s} stop"
    )
    for name, sec, loss, te, stop, steps in rows:
        print(f"{name:24s} {sec:9.3f} {sec / base:7.1f} {loss:9.2e} {te:10.4e} {steps:7d} {stop}")


if __name__ == "__main__":
    main()
