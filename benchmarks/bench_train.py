"""Benchmark training throughput of the validation layer: optimized path vs plain reference.

    python benchmarks/bench_train.py            # default workload (d=5, H=4096, n=1024, 4 seeds)
    python benchmarks/bench_train.py --quick    # smoke run (H=512, n=256, 2 seeds)

Workload: a one-hidden-layer ReLU net (no bias) of width H on n points uniform on S^{d-1},
trained by full-batch gradient descent until L <= rel_tol * L(0) (or a step cap), for
several seeds (independent initializations, shared data), in the lazy (xi = 1) and the
feature (xi = 0) regime.  Target: one draw of the smooth Gaussian-random-field teacher
``abs-power-rf:a=1.5`` (``specbias.validation._targets_sample.sample_target``).

* **optimized:** ``train_ensemble`` -- adaptive step, all seeds vmapped in one jitted
  ``lax.while_loop``.  Compile time is measured separately (first call with
  ``max_steps=1``: compile + one step); the run time is the best of ``--repeats`` runs.
* **reference:** ``train_reference`` -- fixed step ``dt``, Python loop over a jitted step
  (the loss is pulled to the host every step), seeds one after the other, same stopping
  rule.  Its jit is warmed up first (``max_steps=1``); one timed pass over the seeds.

steps = attempted gradient evaluations summed over the seeds (rejected adaptive steps
included: every attempted step costs one forward+backward pass).  steps/s = steps / wall.
The vmapped loop runs until the slowest member stops (finished members are frozen but
still computed), so it executes seeds * max(steps) evaluations; the table counts only the
useful ones.

FLOP model per gradient evaluation (value and gradient of L, one net):

    F = (2 + s) * 2nHd + (7 + 3s) * nH,   s = 1 for xi = 1 (initial net subtracted), else 0

matmuls: forward x @ theta^T and backward dL/dtheta (2nHd each), plus the recomputed
forward of the subtracted initial net when s = 1; elementwise/vector: relu, hidden @ w,
dL/dw, outer product r w^T and the relu mask (7nH), and relu + matvec of the initial net
(3nH).  O(Hd) parameter updates are ignored.  GFLOP/s = F * steps / wall (a nominal rate:
at d = 5 the matmuls are skinny and the work is bound by memory traffic on (n, H) arrays).

Wall-clock times (time.perf_counter); on a shared machine rerun when it is idle.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from typing import NamedTuple

import jax

jax.config.update("jax_enable_x64", True)  # entry point: the library never flips it

import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from specbias.validation._network import NetConfig, init_ensemble  # noqa: E402
from specbias.validation._sphere import sample_sphere_np  # noqa: E402
from specbias.validation._train import train_ensemble  # noqa: E402
from specbias.validation._train_reference import train_reference  # noqa: E402

TEACHER = "abs-power-rf:a=1.5"
REGIMES = (("lazy", 1.0), ("feature", 0.0))
# Fixed reference steps: the largest power of two that converged (rel_tol 1e-3, 3000 steps)
# in a sweep dt = 0.5, 1, 2, 4, 8 at H = 512 on the same data; dt = 2 in the feature regime
# stalls (L/L0 ~ 0.08 after 3000 steps) and dt >= 4 diverges there.
REF_DT = {"lazy": 8.0, "feature": 1.0}

console = Console(width=max(Console().width, 160))


class Measured(NamedTuple):
    steps: int  # attempted steps summed over seeds
    steps_max: int  # slowest seed
    rejected: int  # attempted - accepted, summed
    wall: float  # seconds (all seeds)
    compile_s: float  # seconds (first call / warm-up)
    loss_max: float  # final train loss, max over seeds
    rel_max: float  # final L / L(0), max over seeds
    stops: str  # e.g. "4 converged"
    converged: bool  # every seed converged


def make_target(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One draw of the teacher field on x, or a fixed smooth function as fallback."""
    try:
        from specbias.validation._targets_sample import sample_target
    except ImportError:
        d = x.shape[1]
        omega = rng.standard_normal((8, d))
        phase = rng.uniform(0, 2 * np.pi, 8)
        amp = rng.standard_normal(8) / np.sqrt(8)
        return np.cos(x @ omega.T + phase) @ amp, "fallback: sum of 8 random cosines"
    y = sample_target(rng, x, np.zeros((0, x.shape[1])), TEACHER).y_train
    return y, TEACHER


def stop_summary(reasons: list[str]) -> str:
    names = sorted(set(reasons))
    return ", ".join(f"{reasons.count(r)} {r}" for r in names)


def run_optimized(p0, x, y, cfg, *, rel_tol, max_steps, repeats) -> Measured:
    kw = dict(rel_tol=rel_tol)
    t0 = time.perf_counter()
    r = train_ensemble(p0, x, y, cfg, max_steps=1, **kw)  # compile (+ one step)
    jax.block_until_ready((r.params, r.steps, r.train_loss))
    compile_s = time.perf_counter() - t0
    best, res = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        r = train_ensemble(p0, x, y, cfg, max_steps=max_steps, **kw)
        jax.block_until_ready((r.params, r.steps, r.train_loss))
        wall = time.perf_counter() - t0
        if wall < best:
            best, res = wall, r
    steps = np.asarray(res.steps)
    reasons = res.stop_reason
    return Measured(
        steps=int(steps.sum()),
        steps_max=int(steps.max()),
        rejected=int(steps.sum() - np.asarray(res.accepted).sum()),
        wall=best,
        compile_s=compile_s,
        loss_max=float(np.max(res.train_loss)),
        rel_max=float(np.max(np.asarray(res.train_loss) / np.asarray(res.loss0))),
        stops=stop_summary(reasons),
        converged=all(s == "converged" for s in reasons),
    )


def run_reference(p0, x, y, cfg, *, rel_tol, max_steps, dt) -> Measured:
    seeds = p0.theta.shape[0]
    members = [jax.tree.map(lambda a, i=i: a[i], p0) for i in range(seeds)]
    t0 = time.perf_counter()
    r = train_reference(members[0], x, y, cfg, dt=dt, rel_tol=rel_tol, max_steps=1)
    jax.block_until_ready((r.params, r.train_loss))
    compile_s = time.perf_counter() - t0
    results = []
    t0 = time.perf_counter()
    for p in members:
        r = train_reference(p, x, y, cfg, dt=dt, rel_tol=rel_tol, max_steps=max_steps)
        jax.block_until_ready(r.params)
        results.append(r)
    wall = time.perf_counter() - t0
    steps = [int(r.steps) for r in results]
    reasons = [r.stop_reason for r in results]
    return Measured(
        steps=sum(steps),
        steps_max=max(steps),
        rejected=0,
        wall=wall,
        compile_s=compile_s,
        loss_max=max(float(r.train_loss) for r in results),
        rel_max=max(float(r.train_loss / r.loss0) for r in results),
        stops=stop_summary(reasons),
        converged=all(s == "converged" for s in reasons),
    )


def flops_per_step(n: int, width: int, d: int, xi: float) -> float:
    s = 1 if xi != 0.0 else 0
    return (2 + s) * 2.0 * n * width * d + (7 + 3 * s) * float(n) * width


def speedup_text(opt: Measured, ref: Measured) -> str:
    ratio = ref.wall / opt.wall
    if opt.converged and ref.converged:
        return f"{ratio:.2f}x"
    if opt.converged:  # reference capped: its time to tolerance is longer
        return f">= {ratio:.2f}x (ref capped)"
    if ref.converged:
        return f"<= {ratio:.2f}x (opt capped)"
    return f"{ratio:.2f}x (both capped: not time to tolerance)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: H=512, n=256, 2 seeds")
    ap.add_argument("--d", type=int, default=None, help="input dimension (default 5)")
    ap.add_argument("--width", type=int, default=None, help="hidden width H (default 4096)")
    ap.add_argument("--n", type=int, default=None, help="training points (default 1024)")
    ap.add_argument("--seeds", type=int, default=None, help="ensemble size (default 4)")
    ap.add_argument(
        "--rel-tol", type=float, default=1e-2, help="stop at L <= rel_tol L(0) (default 1e-2)"
    )
    ap.add_argument(
        "--max-steps", type=int, default=400, help="step cap per seed, both paths (default 400)"
    )
    ap.add_argument("--repeats", type=int, default=2, help="timed runs of the optimized path")
    ap.add_argument("--ref-dt-lazy", type=float, default=REF_DT["lazy"])
    ap.add_argument("--ref-dt-feature", type=float, default=REF_DT["feature"])
    ap.add_argument(
        "--regimes", default="lazy,feature", help="comma list of lazy, feature (default both)"
    )
    ap.add_argument(
        "--peak-tflops",
        type=float,
        default=None,
        help="device peak FP64 matmul TFLOP/s; on a GPU prints the fraction of peak",
    )
    ap.add_argument("--seed", type=int, default=0, help="data / target / init seed")
    args = ap.parse_args(argv)

    quick = dict(d=5, width=512, n=256, seeds=2)
    full = dict(d=5, width=4096, n=1024, seeds=4)
    base = quick if args.quick else full
    d = args.d if args.d is not None else base["d"]
    width = args.width if args.width is not None else base["width"]
    n = args.n if args.n is not None else base["n"]
    seeds = args.seeds if args.seeds is not None else base["seeds"]
    regimes = [r for r in REGIMES if r[0] in args.regimes.split(",")]
    ref_dt = {"lazy": args.ref_dt_lazy, "feature": args.ref_dt_feature}

    dev = jax.devices()[0]
    dtype = jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))
    load0 = os.getloadavg()
    t_script = time.perf_counter()

    rng = np.random.default_rng(args.seed)
    x = sample_sphere_np(n, d, rng=rng)
    t0 = time.perf_counter()
    y, target_name = make_target(x, rng)
    t_target = time.perf_counter() - t0

    console.print(
        f"[bold]Training throughput[/bold]  platform={dev.platform} ({dev.device_kind}), "
        f"CPU count={os.cpu_count()}, jax {jax.__version__} (jaxlib {jaxlib.__version__}), "
        f"dtype={dtype}, "
        f"python {platform.python_version()}, {platform.machine()}"
    )
    console.print(
        f"workload: d={d}, H={width}, n={n}, seeds={seeds}, rel_tol={args.rel_tol:g}, "
        f"step cap={args.max_steps}/seed, target={target_name} (sampled in {t_target:.1f} s), "
        f"optimized best of {args.repeats}; load average at start "
        f"{load0[0]:.2f}/{load0[1]:.2f}/{load0[2]:.2f}"
    )

    rows = []
    for name, xi in regimes:
        cfg = NetConfig(width, d, xi=xi)
        p0 = init_ensemble(cfg, seeds, key=jax.random.key(args.seed + 1))
        opt = run_optimized(
            p0, x, y, cfg, rel_tol=args.rel_tol, max_steps=args.max_steps, repeats=args.repeats
        )
        console.print(f"  {name}: optimized done ({opt.wall:.1f} s)")
        ref = run_reference(
            p0, x, y, cfg, rel_tol=args.rel_tol, max_steps=args.max_steps, dt=ref_dt[name]
        )
        console.print(f"  {name}: reference done ({ref.wall:.1f} s)")
        rows.append((name, xi, opt, ref))

    on_gpu = dev.platform == "gpu"
    show_peak = on_gpu and args.peak_tflops is not None
    table = Table(title=f"Training to L <= {args.rel_tol:g} L(0): d={d}, H={width}, n={n}")
    for col in (
        "regime",
        "path",
        "steps (sum; max/seed)",
        "rejected",
        "compile s",
        "wall s",
        "steps/s",
        "GFLOP/s",
        *(["% peak"] if show_peak else []),
        "final L (max)",
        "L/L0 (max)",
        "stop",
    ):
        table.add_column(col, justify="left" if col in ("regime", "path", "stop") else "right")
    md = [
        "| regime | path | steps (sum; max/seed) | rejected | compile s | wall s | steps/s "
        "| GFLOP/s | final L (max) | L/L0 (max) | stop |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = []
    for name, xi, opt, ref in rows:
        fps = flops_per_step(n, width, d, xi)
        for label, m in (
            ("optimized", opt),
            (f"reference dt={ref_dt[name]:g}", ref),
        ):
            rate = m.steps / m.wall
            gflops = fps * rate / 1e9
            cells = [
                f"{name} (xi={xi:g})",
                label,
                f"{m.steps} ; {m.steps_max}",
                str(m.rejected),
                f"{m.compile_s:.2f}",
                f"{m.wall:.2f}",
                f"{rate:.1f}",
                f"{gflops:.2f}",
                *([f"{100 * gflops / (1e3 * args.peak_tflops):.2f}"] if show_peak else []),
                f"{m.loss_max:.3e}",
                f"{m.rel_max:.2e}",
                m.stops,
            ]
            table.add_row(*cells)
            md_cells = [c for i, c in enumerate(cells) if not (show_peak and i == 8)]
            md.append("| " + " | ".join(md_cells) + " |")
        ratios.append(
            (
                name,
                speedup_text(opt, ref),
                (opt.steps / opt.wall) / (ref.steps / ref.wall),
                fps,
            )
        )
    console.print(table)

    rt = Table(title="optimized vs reference")
    for col in ("regime", "speedup (ref wall / opt wall)", "steps/s ratio", "FLOP/step"):
        rt.add_column(col)
    md.append("")
    md.append("| regime | speedup (ref wall / opt wall) | steps/s ratio (opt / ref) | FLOP/step |")
    md.append("|---|---|---|---|")
    for name, sp, rr, fps in ratios:
        rt.add_row(name, sp, f"{rr:.2f}x", f"{fps:.3g}")
        md.append(f"| {name} | {sp} | {rr:.2f}x | {fps:.3g} |")
    console.print(rt)
    console.print(
        "optimized = train_ensemble (adaptive step, all seeds in one jitted call); "
        "reference = train_reference (fixed step, Python loop, seeds one after the other)"
    )
    if on_gpu and args.peak_tflops is None:
        console.print("(pass --peak-tflops to print the fraction of the device's peak)")

    load1 = os.getloadavg()
    console.print(
        f"total script time {time.perf_counter() - t_script:.0f} s; load average at end "
        f"{load1[0]:.2f}/{load1[1]:.2f}/{load1[2]:.2f}"
    )
    console.print("\nMarkdown:\n")
    print("\n".join(md))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
