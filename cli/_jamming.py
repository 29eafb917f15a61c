"""``specbias jamming``: the jamming transition of the quadratic hinge loss (arXiv 1810.09665).

N* at each P by two definitions: N*_1/2, where the fraction of runs at zero loss crosses
1/2 (interpolated; the one the paper check compares), and N*_all, the smallest width whose
runs all reach zero loss (bisection); N_Delta/N just below N*_all; and the test error of
single nets and of ensembles across widths.
Sizes come from a preset (``check``: the paper check, ``large``: for a big machine);
the options override them.  ``--plot`` draws N_Delta/N against P/N, the gaps of the
jammed runs, and the test error against N.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

import specbias

from ._output import PLOT_FORMATS, _console, _print_json, check_output_path, check_store_path
from ._scheduler import SCHEDULER_HELP, ProgressBar, check_jobs, executor

#: the gap histogram shows |h| < GAP_RANGE (satisfied margins have an unbounded tail)
GAP_RANGE = 2.0


def _ints(text: str | None, option: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise specbias.InputError(
            f"{option} must be a comma list of positive integers, got {text!r}"
        )
    return values


def plot_jamming(study, path: str) -> None:
    """Three panels: N_Delta/N vs P/N, histogram of gaps at H_- (just below N*_1/2),
    test error vs N."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    panels = 3 if study.sweep is not None else 2
    fig = Figure(figsize=(4.0 * panels, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax, ax_gap = fig.add_subplot(1, panels, 1), fig.add_subplot(1, panels, 2)
    for p in study.points:
        widths = sorted({r.width for r in p.runs})
        frac = [np.mean([r.n_unsatisfied / r.n_params for r in p.at(w)]) for w in widths]
        ratio = [p.P / (w * p.d) for w in widths]
        label = f"P = {p.P}: P/N*_1/2 = {p.ratio_half:.2f} (all runs: {p.ratio:.2f})"
        line = ax.plot(ratio, frac, "o-", ms=4, label=label)
        ax.axvline(p.ratio_half, color=line[0].get_color(), ls=":", lw=1)
        gaps = [r.gaps for r in p.below_half() if not r.zero_loss]
        if gaps:
            ax_gap.hist(
                np.concatenate(gaps),
                bins=np.linspace(-GAP_RANGE, GAP_RANGE, 41),
                histtype="step",
                density=True,
                label=f"P = {p.P}, H_- = {p.width_below_half}",
            )
    ax.set_xlabel("P / N")
    ax.set_ylabel("N_Delta / N (mean over runs)")
    ax.set_title(f"{study.points[0].task} labels, d = {study.points[0].d}", fontsize=10)
    ax.legend(fontsize=8)
    ax_gap.axvline(0.0, color="0.6", ls=":", lw=1)
    ax_gap.set_xlabel(f"gap h = y f - 1, |h| < {GAP_RANGE:g} (jammed runs at H_-)")
    ax_gap.set_ylabel("density")
    ax_gap.legend(fontsize=8)
    if study.sweep is not None:
        s, ax_err = study.sweep, fig.add_subplot(1, panels, 3)
        n = s.n_params
        ax_err.errorbar(n, s.single_error, yerr=s.single_se, fmt="o-", ms=4, label="single net")
        ax_err.plot(n, s.ensemble_error, "D-", ms=4, label="ensemble average")
        if s.width_star is not None:
            ax_err.axvline(s.width_star * s.d, color="0.6", ls=":", lw=1, label="N*")
        ax_err.set_xscale("log")
        ax_err.xaxis.set_major_formatter(ScalarFormatter())
        ax_err.xaxis.set_minor_formatter(NullFormatter())
        ax_err.set_xlabel("N = H d")
        ax_err.set_ylabel("test error")
        ax_err.set_title(f"{s.task}, P = {s.P}, d = {s.d}", fontsize=10)
        ax_err.legend(fontsize=8)
    fig.suptitle("quadratic hinge loss, bias-free one hidden layer (arXiv 1810.09665)", fontsize=10)
    fig.savefig(path)


def show_jamming(study, *, as_json: bool) -> None:
    if as_json:
        _print_json(study.to_dict())
        return
    from rich.table import Table

    con = _console()
    table = Table(
        "task",
        "P",
        "d",
        "runs per width",
        "H_1/2",
        "N*_1/2",
        "P/N*_1/2",
        "H_-",
        "N_Delta/N at H_-",
        "stuck at H_-",
        title="jamming point N*_1/2: where the SAT fraction crosses 1/2",
    )
    old = Table(
        "P",
        "H*_all per data set",
        "N*_all",
        "P/N*_all",
        "N_Delta/N at H*_all - 1",
        "runs trained",
        "seconds",
        title="N*_all: smallest width whose runs all reach zero loss",
    )
    for p in study.points:
        below = p.below_half()
        stuck = sum(not r.zero_loss for r in below)
        table.add_row(
            p.task,
            str(p.P),
            str(p.d),
            str(p.sat.runs),
            f"{p.sat.width_half:.3f}",
            f"{p.n_half:.4g}",
            f"{p.ratio_half:.3f}",
            str(p.width_below_half),
            f"{p.stuck_fraction_half:.3f}",
            f"{stuck}/{len(below)}",
        )
        old.add_row(
            str(p.P),
            ",".join(map(str, p.width_stars)),
            f"{p.n_star:.4g}",
            f"{p.ratio:.3f}",
            f"{p.stuck_fraction:.3f}",
            str(len(p.runs)),
            f"{sum(r.seconds for r in p.runs):.1f}",
        )
    con.print(table)
    con.print(old)
    for p in study.points:
        curve = ", ".join(
            f"{f:.2f} at H = {w}" for w, f in zip(p.sat.widths, p.sat.fraction, strict=True)
        )
        con.print(f"P = {p.P}: SAT fraction {curve}")
    con.print(
        "N*_1/2 = d H_1/2, where the fraction of runs at zero loss (pooled over data sets and "
        "initializations) crosses 1/2, interpolated between widths; N*_all = d x mean over "
        "data sets of the smallest H whose runs all reach zero loss; H_- = widest width with SAT "
        "fraction < 1/2 (just below N*_1/2)"
    )
    if study.sweep is None:
        return
    s = study.sweep
    table = Table(
        "H",
        "N",
        "P/N",
        "zero loss",
        "mean N_Delta",
        "single error",
        "+- s.e.",
        "ensemble error",
        title=f"test error, {s.task}, P = {s.P}",
    )
    for i, w in enumerate(s.widths):
        table.add_row(
            str(w),
            str(w * s.d),
            f"{s.P / (w * s.d):.3g}",
            f"{s.zero_fraction[i]:.2f}",
            f"{s.n_delta[i]:.1f}",
            f"{s.single_error[i]:.4f}",
            f"{s.single_se[i]:.4f}",
            f"{s.ensemble_error[i]:.4f}",
        )
    con.print(table)
    con.print(f"N* on this task: {s.width_star and s.width_star * s.d} (H* = {s.width_star})")


def jamming(
    P: Annotated[
        str | None, typer.Option("--P", help="Training-set sizes for N*: comma list.")
    ] = None,
    task: Annotated[str, typer.Option(help="Labels for N*: random, teacher or digits.")] = "random",
    d: Annotated[
        int | None,
        typer.Option(help="Input dimension for N* (digits: PCA components; presets: 4)."),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Initializations per width for N*.")] = None,
    datasets: Annotated[int | None, typer.Option(help="Data sets per P for N*.")] = None,
    sweep_task: Annotated[
        str | None,
        typer.Option(help="Task of the test-error sweep: digits, teacher, random or none."),
    ] = None,
    sweep_p: Annotated[int | None, typer.Option("--sweep-P", help="P of the sweep.")] = None,
    sweep_d: Annotated[
        int | None, typer.Option(help="Input dimension of the sweep (presets: 8).")
    ] = None,
    widths: Annotated[str | None, typer.Option(help="Widths H of the sweep: comma list.")] = None,
    ensemble: Annotated[
        int | None, typer.Option(help="Initializations per width and split.")
    ] = None,
    splits: Annotated[int | None, typer.Option(help="Data splits averaged in the sweep.")] = None,
    sweep_noise: Annotated[
        float | None,
        typer.Option(
            help="Fraction of flipped labels in the sweep's data (presets: 0.1; 0 = clean)."
        ),
    ] = None,
    n_test: Annotated[int | None, typer.Option(help="Test points of the sweep.")] = None,
    preset: Annotated[str, typer.Option(help="Default sizes: check or large.")] = "check",
    seed: Annotated[int, typer.Option(help="Seed of the data and initializations.")] = 0,
    activation: Annotated[str, typer.Option(help="leaky-relu (slope 0.1) or relu.")] = "leaky-relu",
    max_evaluations: Annotated[int, typer.Option(help="Loss evaluations per run.")] = 30_000,
    store: Annotated[
        str | None, typer.Option(help="SQLite result store: trained runs are kept and reused.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    plot: Annotated[str | None, typer.Option(help="Write the figure to this file.")] = None,
    allow_large: Annotated[
        bool, typer.Option("--allow-large", help="Lift the size and time limits.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Local worker processes: the N* search of each P and each run of the "
            "sweep at once (default 1: all in this process). Results do not depend on it."
        ),
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
) -> None:
    """Jamming transition with the quadratic hinge loss: N*, N_Delta, test error (1810.09665)."""
    from specbias.validation._jamming_study import PRESETS, jamming_study
    from specbias.validation._store import ResultStore

    if preset not in PRESETS:
        raise specbias.InputError(f"unknown --preset {preset!r}; known: {', '.join(PRESETS)}")
    if plot is not None:
        check_output_path(plot, "--plot", PLOT_FORMATS)
    check_store_path(store)
    sizes = dict(PRESETS[preset])
    given = {
        "P": _ints(P, "--P"),
        "d": d,
        "sweep_d": sweep_d,
        "seeds": seeds,
        "datasets": datasets,
        "sweep_P": sweep_p,
        "widths": _ints(widths, "--widths"),
        "ensemble": ensemble,
        "splits": splits,
        "sweep_noise": sweep_noise,
        "n_test": n_test,
    }
    sizes.update({k: v for k, v in given.items() if v is not None})
    if sweep_task is not None:
        sizes["sweep_task"] = None if sweep_task == "none" else sweep_task
    check_jobs(scheduler, jobs)
    db = ResultStore(store) if store is not None else None
    try:
        with executor(scheduler) as (client, _), ProgressBar(enabled=not json) as bar:
            study = jamming_study(
                **sizes,
                task=task,
                seed=seed,
                activation=activation,
                max_evaluations=max_evaluations,
                store=db,
                allow_large=allow_large,
                jobs=1 if jobs is None else jobs,
                client=client,
                progress=bar,
            )
    finally:
        if db is not None:
            db.close()
    if plot:
        plot_jamming(study, plot)
    show_jamming(study, as_json=json)
