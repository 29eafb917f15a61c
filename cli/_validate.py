"""``specbias validate``: measure feature-vs-lazy learning curves and compare with theory."""

from __future__ import annotations

import contextlib
import math
from typing import Annotated

import typer

import specbias

from ._curve import parse_n
from ._output import PLOT_FORMATS, _console, _g, _print_json, check_output_path, check_store_path
from ._predict import parse_nu
from ._scheduler import SCHEDULER_HELP, check_jobs, executor
from ._scheduler import ProgressBar as _Bar


def parse_regimes(text: str) -> tuple[str, ...]:
    """``feature,lazy`` -> ("feature", "lazy") (checked by ValidationConfig)."""
    items = tuple(v.strip() for v in text.split(",") if v.strip())
    if not items:
        raise specbias.InputError("--regimes must name at least one of feature, lazy")
    return items


def validate(
    d: Annotated[
        int | None, typer.Option(help="Dimension: data uniform on S^(d-1), d >= 2.")
    ] = None,
    nu: Annotated[
        str | None,
        typer.Option(
            help="Teacher smoothness nu_t > 0 (teacher abs-power-rf:a=nu_t-1/2); 'inf': the "
            "constant target, labels y = 1, test error = MSE (feature nets: --protocol l1)."
        ),
    ] = None,
    regimes: Annotated[
        str | None, typer.Option(help="Comma list of regimes: feature, lazy.")
    ] = None,
    n: Annotated[
        str | None,
        typer.Option(help="Training-set sizes: comma list or start:stop:count (log-spaced)."),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Independent draws per n.")] = None,
    width: Annotated[int | None, typer.Option(help="Hidden width H of trained nets.")] = None,
    solver: Annotated[
        str | None,
        typer.Option(help="train (finite nets), limit (infinite-width limits) or both."),
    ] = None,
    n_test: Annotated[int | None, typer.Option(help="Test points per run.")] = None,
    noise: Annotated[
        float | None,
        typer.Option(
            help="Label-noise variance relative to the target variance, sigma^2/Var f* >= 0 "
            "(the lazy prediction becomes the noisy eigenlearning curve's slope)."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Base random seed.")] = None,
    rel_tol: Annotated[
        float | None, typer.Option(help="Training stops at loss <= rel_tol * initial loss.")
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="Training step cap.")] = None,
    feature_method: Annotated[
        str | None,
        typer.Option(
            help="Feature limit: colgen (continuum of neurons, default) or dictionary "
            "(fixed grid, d <= 3, biased; for cross-checks)."
        ),
    ] = None,
    n_dict: Annotated[
        int | None,
        typer.Option(help="Feature-limit grid size (dictionary) or initial pool (colgen)."),
    ] = None,
    lazy_alpha: Annotated[
        float | None,
        typer.Option(help="alpha-trick scale of the trained lazy nets (default 100)."),
    ] = None,
    ensemble: Annotated[
        int | None,
        typer.Option(help="Initializations per (n, seed) on the same data (ensemble average)."),
    ] = None,
    width2: Annotated[
        int | None,
        typer.Option(help="Second lazy width for the finite-width excess (default H/4; 0: off)."),
    ] = None,
    conv_rtol: Annotated[
        float | None,
        typer.Option(
            help="Trained nets stop when halving their tolerance moves the test error less "
            "(relative, default 0.02)."
        ),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(
            help="Feature-regime training: l1 (the paper's L1 path-norm protocol, "
            "lambda -> 0+, default), mean-field (xi = 0, plain gradient descent) or "
            "alpha-trick (xi = 0 at alpha = --feature-alpha, the paper's Fig. G.3)."
        ),
    ] = None,
    feature_alpha: Annotated[
        float | None,
        typer.Option(help="alpha of --protocol alpha-trick, in [1e-300, 1] (default 1e-6)."),
    ] = None,
    feature_width: Annotated[
        int | None,
        typer.Option(help="Width of the trained feature nets (default: --width)."),
    ] = None,
    feature_ensemble: Annotated[
        int | None,
        typer.Option(help="Initializations per draw of the feature nets (default: --ensemble)."),
    ] = None,
    design: Annotated[
        str | None,
        typer.Option(
            help="independent (each n draws its own teacher) or nested (one teacher and test "
            "set per seed; training sets are prefixes: narrower exponent intervals)."
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="smoke (about a minute on 2 CPU cores: d=3, limits), train-smoke (trained "
            "nets, d=3, CPU) or paper (d=5, nu=4.5, one GPU); other options override it."
        ),
    ] = None,
    device: Annotated[str, typer.Option(help="Where JAX trains: cpu or gpu.")] = "cpu",
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Worker processes for the infinite-width runs (default: the CPUs this "
            "process may use). Results do not depend on it."
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help=SCHEDULER_HELP),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(help="SQLite result store: finished runs are kept and skipped on rerun."),
    ] = None,
    plot: Annotated[
        str | None, typer.Option(help="Write the feature-vs-lazy figure (png/pdf/svg).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    allow_large: Annotated[
        bool,
        typer.Option(
            "--allow-large", help="Skip the memory budget (big machines; see README limits)."
        ),
    ] = False,
) -> None:
    """Train nets / solve infinite-width limits, fit exponents beta, compare with predict."""
    from specbias.validation._experiment import (
        ValidationConfig,
        available_cpus,
        gpu_devices,
        run_validation,
    )
    from specbias.validation._store import ResultStore

    if plot is not None:
        check_output_path(plot, "--plot", PLOT_FORMATS)
    fields = dict(
        d=d,
        nu_t=parse_nu(nu),
        regimes=None if regimes is None else parse_regimes(regimes),
        n_values=None if n is None else tuple(int(v) for v in _int_sizes(n)),
        seeds=seeds,
        width=width,
        solver=solver,
        n_test=n_test,
        noise=noise,
        seed=seed,
        rel_tol=rel_tol,
        max_steps=max_steps,
        feature_method=feature_method,
        n_dict=n_dict,
        device=device,
        lazy_alpha=lazy_alpha,
        ensemble=ensemble,
        width2=width2,
        conv_rtol=conv_rtol,
        feature_protocol=protocol,
        feature_alpha=feature_alpha,
        feature_width=feature_width,
        feature_ensemble=feature_ensemble,
        design=design,
    )
    if preset is not None:
        cfg = ValidationConfig.preset(preset, **fields)
    else:
        if d is None or nu is None:
            raise specbias.InputError("give --d and --nu (or --preset smoke|paper)")
        cfg = ValidationConfig(**{k: v for k, v in fields.items() if v is not None})
    if cfg.device == "gpu" and not gpu_devices():
        raise specbias.InputError(
            "--device gpu: JAX sees no GPU (install a CUDA jaxlib, or use --device cpu)"
        )
    check_store_path(store)
    check_jobs(scheduler, jobs)
    db = ResultStore(store) if store is not None else None
    try:
        with executor(scheduler) as (client, workers), _interrupt_message(db, store):
            with _Bar(enabled=not json) as bar:
                result = run_validation(
                    cfg,
                    store=db,
                    progress=bar,
                    jobs=workers or (available_cpus() if jobs is None else jobs),
                    allow_large=allow_large,
                    client=client,
                )
    finally:
        if db is not None:
            db.close()
    if plot:
        from specbias.validation._plot import plot_validation

        plot_validation(result, plot)
    _show(result, as_json=json, plot=plot, store=store)


@contextlib.contextmanager
def _interrupt_message(db, store):
    """Ctrl-C: one line saying what is kept and how to resume, exit code 130."""
    try:
        yield
    except KeyboardInterrupt:
        if db is not None:
            kept = f"{len(db)} runs are stored in {store}; rerun the same command to resume"
        else:
            kept = "nothing was stored (no --store); pass --store FILE to make runs resumable"
        typer.echo(f"interrupted: {kept}", err=True)
        raise typer.Exit(code=130) from None


def _int_sizes(text: str):
    values = parse_n(text)
    if any(not float(v).is_integer() for v in values):
        raise specbias.InputError(f"--n values must be integers, got {text!r}")
    return values


def _show(result, *, as_json: bool, plot: str | None, store: str | None) -> None:
    if as_json:
        out = result.to_dict()
        out["plot"] = plot
        out["store"] = store
        _print_json(out)
        return
    from rich.table import Table

    cfg = result.config
    con = _console()
    table = Table(
        title=f"specbias validate: d = {cfg.d}, nu_t = {_g(cfg.nu_t)} ({cfg.teacher}), "
        f"{cfg.seeds} seeds, n = {cfg.n_values[0]}..{cfg.n_values[-1]}",
        title_justify="left",
    )
    for col in ("regime", "solver", "beta fitted", f"{_level(result)} CI", "predicted", "in CI"):
        table.add_column(col)
    for c in result.curves:
        if c.fit is None:
            table.add_row(c.regime, c.solver, "-", "-", _g(c.beta_predicted), "-")
            continue
        ci = "-"
        if math.isfinite(c.fit.ci_low):
            ci = f"[{c.fit.ci_low:.3f}, {c.fit.ci_high:.3f}]"
        in_ci = {None: "-", True: "yes", False: "no"}[c.in_ci]
        table.add_row(c.regime, c.solver, f"{c.fit.beta:.3f}", ci, f"{c.beta_predicted:g}", in_ci)
    con.print(table)
    for c in result.curves:
        if c.noise_prediction is not None and c.solver == "limit":
            npred = c.noise_prediction
            con.print(
                f"noise {_g(cfg.noise)} (sigma^2/Var f*): {c.regime} predicted = slope of the "
                f"noisy eigenlearning curve over these n; noiseless {_g(npred['beta_noiseless'])}, "
                f"asymptotically {_g(npred['beta_asymptotic'])} (plateau {_g(npred['plateau'], 3)}"
                f" x Var f*) beyond n_x ~ {_g(npred['crossover_n'], 3)}"
            )
    for s, gap in result.gaps().items():
        if gap["feature_worse"] and gap["separated"]:
            verdict = "feature learning is worse (95% CIs separated)"
        elif gap["feature_worse"]:
            verdict = "feature exponent is lower, but the 95% CIs overlap"
        else:
            verdict = "feature learning is not worse"
        paired = gap.get("paired")
        if paired is not None:
            lo, hi = paired["ci"]
            verdict += f"; paired 95% CI over the shared draws [{_g(lo, 3)}, {_g(hi, 3)}]" + (
                " > 0" if paired["separated"] else " includes 0"
            )
        con.print(
            f"gap ({s}): lazy beta - feature beta = {_g(gap['fitted'], 3)} "
            f"(predicted {_g(gap['predicted'], 3)}): {verdict}"
        )
    for c in result.curves:
        if c.note:
            con.print(f"note ({c.regime}/{c.solver}): {c.note}")
    for regime, row in result.trained_over_limit().items():
        for kind in ("single", "ensemble"):
            if kind in row:
                ratios = ", ".join(
                    f"{n}: {_g(r, 3)}" for n, r in zip(row["n"], row[kind], strict=True)
                )
                con.print(f"trained / limit ({regime}, {kind}): {ratios}")
    if "train" in cfg.solvers:
        con.print(
            f"trained: feature {cfg.protocol('feature')} ("
            + (
                f"alpha = {_g(cfg.feature_alpha)}, "
                if cfg.feature_protocol == "alpha-trick"
                else ""
            )
            + f"H = {cfg.feature_width}, "
            f"E = {cfg.feature_ensemble}); lazy {cfg.protocol('lazy')} (alpha = "
            f"{_g(cfg.lazy_alpha)}, H = {cfg.width}, E = {cfg.ensemble}); design {cfg.design}"
        )
    con.print(f"labels: {result.to_dict()['label_convention']}")
    con.print(
        f"runs: {result.computed} computed, {result.skipped} read from the store"
        f"{f' ({store})' if store else ''}; {result.seconds:.1f} s"
    )
    if plot:
        con.print(f"figure: {plot}")


def _level(result) -> str:
    for c in result.curves:
        if c.fit is not None:
            return f"{round(100 * c.fit.level)}%"
    return "95%"


__all__ = ["validate"]
