"""``specbias fluctuations``: output variance over initializations, ensembles, NTK limit.

Geiger et al., arXiv 1901.01608: lazy nets with one and two hidden layers, ``E``
initializations per width on one data set; variance ``|f - fbar|^2`` against width and
parameter count (fitted slopes, bootstrap intervals), single-net and ensemble test
errors against the NTK limit (:func:`specbias.validation.fluctuations`).
"""

from __future__ import annotations

from typing import Annotated

import typer

import specbias

from ._curve import parse_n
from ._output import PLOT_FORMATS, _console, _g, _print_json, check_output_path, check_store_path
from ._scheduler import SCHEDULER_HELP, ProgressBar, check_jobs, executor


def _widths(text: str, option: str) -> list[int]:
    try:
        values = parse_n(text)
    except specbias.InputError as err:
        raise specbias.InputError(str(err).replace("--n", option)) from None
    if any(v != int(v) for v in values):
        raise specbias.InputError(f"{option} values must be integers, got {text!r}")
    return [int(v) for v in values]


def fluctuations(
    widths: Annotated[
        str, typer.Option(help="One-hidden-layer widths H: comma list or start:stop:count.")
    ] = "256:4096:5",
    widths2: Annotated[
        str, typer.Option(help="Two-hidden-layer widths H (H x H middle layer).")
    ] = "128:512:3",
    depths: Annotated[str, typer.Option(help="Hidden layers to run: 1, 2 or 1,2.")] = "1,2",
    members: Annotated[int, typer.Option(help="Initializations E per width.")] = 20,
    d: Annotated[int, typer.Option(help="Dimension: data uniform on S^(d-1).")] = 5,
    n: Annotated[int, typer.Option("--n", help="Training points (one data set).")] = 64,
    n_test: Annotated[int, typer.Option(help="Test points.")] = 512,
    teacher: Annotated[
        str, typer.Option(help="Covariance of the Gaussian-field target (kernel name).")
    ] = "abs-power-rf:a=1.5",
    alpha: Annotated[
        float | None,
        typer.Option(
            help="Finite alpha-trick scale: train the real nets (Gauss-Newton); "
            "default: the lazy limit (empirical-NTK regression, exact)."
        ),
    ] = None,
    classify: Annotated[
        bool, typer.Option("--classify", help="Also sign(f*) labels with the quadratic hinge.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (data, teacher, inits).")] = 0,
    store: Annotated[
        str | None, typer.Option(help="SQLite result store: stored widths are not recomputed.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    plot: Annotated[
        str | None, typer.Option(help="Write variance and test error against N to this file.")
    ] = None,
    allow_large: Annotated[
        bool, typer.Option("--allow-large", help="Skip the memory and time budgets.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Local worker processes, one (depth, width) at a time each (default 1: "
            "in this process). Results do not depend on it."
        ),
    ] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
) -> None:
    """Initialization fluctuations of lazy nets and ensembling (arXiv 1901.01608)."""
    if plot is not None:
        check_output_path(plot, "--plot", PLOT_FORMATS)
    check_store_path(store)
    try:
        ds = [int(v) for v in depths.split(",") if v.strip()]
    except ValueError:
        raise specbias.InputError(f"--depths must be 1, 2 or 1,2, got {depths!r}") from None
    plan = {1: _widths(widths, "--widths"), 2: _widths(widths2, "--widths2")}
    check_jobs(scheduler, jobs)
    from specbias.validation._fluctuations_sizes import HINGE_STEPS, check_study

    check_study(  # sizes and budgets before JAX and numba load (a refusal stays fast)
        {k: v for k, v in plan.items() if k in ds}, ds, members, d, n, n_test, alpha, seed,
        HINGE_STEPS, teacher, classify, 1 if jobs is None else jobs, allow_large,
    )  # fmt: skip
    from specbias.validation import fluctuations as run
    from specbias.validation._fluctuations_plot import plot_fluctuations

    with executor(scheduler) as (client, workers), ProgressBar(enabled=not json) as bar:
        result = run(
            {k: v for k, v in plan.items() if k in ds},
            depths=ds,
            members=members,
            d=d,
            n=n,
            n_test=n_test,
            teacher=teacher,
            alpha=alpha,
            classify=classify,
            seed=seed,
            store=store,
            allow_large=allow_large,
            jobs=workers or (1 if jobs is None else jobs),
            client=client,
            progress=bar,
        )
    if plot:
        plot_fluctuations(result, plot)
    _show(result, as_json=json)


_COLUMNS = (
    ("depth", "depth"),
    ("width", "H"),
    ("params", "N"),
    ("variance", "|f-fbar|^2"),
    ("single_mse", "single MSE"),
    ("ensemble_mse", "ensemble MSE"),
    ("ntk_mse", "NTK MSE"),
    ("ensemble_vs_ntk", "ens/NTK-1"),
)
_CLASSIFY = (("single_err", "single err"), ("ensemble_err", "ens err"), ("ntk_err", "NTK err"))


def _show(result, *, as_json: bool) -> None:
    if as_json:
        _print_json(result.to_dict())
        return
    from rich.table import Table

    con = _console()
    cfg = result.config
    con.print(
        f"lazy ReLU nets, {cfg['members']} initializations per width, d = {cfg['d']}, "
        f"n = {cfg['n']}, {cfg['n_test']} test points, teacher {cfg['teacher']}, "
        f"alpha = {'inf (linearized)' if cfg['alpha'] is None else _g(cfg['alpha'])}, "
        f"seed {cfg['seed']}"
    )
    cols = _COLUMNS + (_CLASSIFY if cfg["classify"] else ())
    table = Table(*(title for _, title in cols))
    for row in result.rows:
        table.add_row(*(_g(row[key], 4) if key in row else "-" for key, _ in cols))
    con.print(table)
    fits = Table("depth", "against", "slope", "95% interval", "predicted")
    for f in result.fits:
        fits.add_row(
            str(f.depth),
            f.against,
            f"{f.slope:.3f}",
            f"[{f.ci_low:.3f}, {f.ci_high:.3f}]",
            f"{f.predicted:g}",
        )
    con.print("variance ~ x^slope:")
    con.print(fits)
