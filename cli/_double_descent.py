"""``specbias double-descent``: asymptotic risk of random-features ridge regression.

Mei & Montanari, arXiv 1908.05355: N random features sigma(sqrt(d) w.x), n samples on
S^(d-1), ridge (1/n) sum (y - f)^2 + (N lambda/d)|c|^2.  The table gives the risk at the
(n, N) pairs; ``--plot`` draws risk against N/n at fixed n and against n at fixed N.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

import specbias
from specbias.theory._double_descent import CONVENTIONS, DoubleDescent

from ._curve import parse_n
from ._output import PLOT_FORMATS, _print_json, check_output_path


def _risk_axes(fig, activation, d, n, big_n, ridge, noise, target) -> None:
    """Left: risk vs N/n at fixed n; right: risk vs n at fixed N (log-spaced, 0.1x..10x)."""
    grid = np.geomspace(0.1, 10, 301)
    for ax, fixed, label in (
        (fig.add_subplot(1, 2, 1), "n", "N/n"),
        (fig.add_subplot(1, 2, 2), "N", "n/N"),
    ):
        if fixed == "n":
            r = specbias.double_descent(
                activation, d, n, grid * n, ridge=ridge, noise=noise, target=target
            )
            title = f"fixed n = {n:g}"
        else:
            r = specbias.double_descent(
                activation, d, grid * big_n, big_n, ridge=ridge, noise=noise, target=target
            )
            title = f"fixed N = {big_n:g}"
        ax.loglog(grid, np.where(np.isfinite(r.risk), r.risk, np.nan), lw=1.5)
        ax.axvline(1.0, color="0.6", ls=":", lw=1)
        ax.set_xlabel(label)
        ax.set_ylabel("test risk vs clean target")
        ax.set_title(title, fontsize=10)


#: --simulate cap: each seed is one random-features regression per --N value (~0.5 s).
MAX_SIMULATE_SEEDS = 1000


def plot_double_descent(
    activation, d, n, big_n, ridge, noise, target, path, sim_at=(), seeds=0
) -> None:
    """Theory curves; with ``seeds`` > 0, simulation means (+- s.e.) at N in ``sim_at``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from specbias.theory._rf_simulation import simulate_mean

    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    FigureCanvasAgg(fig)
    _risk_axes(fig, activation, d, n, big_n, ridge, noise, target)
    if seeds > 0:
        kw = {"ridge": ridge, "noise": noise, "target": target, "seeds": range(seeds)}
        pts = [(m, *simulate_mean(activation, d, int(n), int(m), **kw)) for m in sim_at]
        pts = [p for p in pts if p[0] != n]
        x, y, err = (np.array(v, dtype=float) for v in zip(*pts, strict=True))
        fig.axes[0].errorbar(x / n, y, yerr=err, fmt="o", ms=4, label=f"simulation, {seeds} seeds")
        fig.axes[0].legend(fontsize=8)
    fig.suptitle(
        f"random features {activation}, d = {d}, lambda = {ridge:g}, tau^2 = {noise:g} "
        "(arXiv 1908.05355)",
        fontsize=10,
    )
    fig.savefig(path)


def show_double_descent(r: DoubleDescent, *, as_json: bool) -> None:
    if as_json:
        _print_json(r.to_dict())
        return
    from rich.table import Table

    from ._output import _console

    con = _console()
    con.print(
        f"random features {r.activation} on S^{r.d - 1}: mu0^2 = {r.mu0_sq:.6g}, "
        f"mu1^2 = {r.mu1_sq:.6g}, mu*^2 = {r.mustar_sq:.6g}; lambda = {r.ridge:g} "
        f"(lambda_bar = {r.ridge / r.mustar_sq:.4g}), tau^2 = {r.noise:g}, "
        f"F1^2 = {r.f1_sq:g}, F*^2 = {r.fstar_sq:g}"
    )
    table = Table("n", "N", "N/n", "chi", "E0", "bias", "variance", "risk", "test_mse")
    for i in range(r.n.size):
        vals = (r.chi[i], r.e0[i], r.bias[i], r.variance[i], r.risk[i])
        table.add_row(
            f"{r.n[i]:g}",
            f"{r.N[i]:g}",
            f"{r.N[i] / r.n[i]:.4g}",
            *(f"{v:.6g}" for v in vals),
            f"{r.test_mse[i]:.6g}",
        )
    con.print(table)
    con.print(f"conventions: {CONVENTIONS}", soft_wrap=True)


def double_descent(
    d: Annotated[int, typer.Option(help="Dimension: data and weights uniform on S^(d-1).")],
    n: Annotated[str, typer.Option("--n", help="Samples: comma list or start:stop:count.")] = "300",
    big_n: Annotated[
        str, typer.Option("--N", help="Features: comma list or start:stop:count (log-spaced).")
    ] = "30:3000:12",
    activation: Annotated[
        str,
        typer.Option(
            help="relu, step, relu-power:a=A, abs-power:a=A (applied as sigma(sqrt(d) w.x)) or "
            "a random-feature kernel arccos0/1/2, abs-power-rf:a=A."
        ),
    ] = "relu",
    ridge: Annotated[float, typer.Option(help="lambda in (1/n)|y-f|^2 + (N lambda/d)|c|^2.")] = 0.0,
    noise: Annotated[float, typer.Option(help="Label-noise variance tau^2.")] = 0.0,
    linear: Annotated[float, typer.Option(help="F1^2: variance of the linear target part.")] = 1.0,
    nonlinear: Annotated[float, typer.Option(help="F*^2: variance of the degree>=2 part.")] = 0.0,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    plot: Annotated[
        str | None,
        typer.Option(help="Write risk vs N/n (fixed n) and vs n (fixed N) to this file."),
    ] = None,
    simulate: Annotated[
        int,
        typer.Option(
            help="With --plot: overlay real random-features regressions (this many seeds) at "
            "the --N values and the first --n (slow: ~0.5 s per run)."
        ),
    ] = 0,
) -> None:
    """Random-features double descent: asymptotic risk vs N and n (arXiv 1908.05355)."""
    if not 0 <= simulate <= MAX_SIMULATE_SEEDS:
        raise specbias.InputError(
            f"--simulate: seeds must be in [0, {MAX_SIMULATE_SEEDS}], got {simulate}"
        )
    if simulate and plot is None:
        raise specbias.InputError("--simulate overlays simulations on the plot: give --plot too")
    if plot is not None:
        check_output_path(plot, "--plot", PLOT_FORMATS)
    ns = parse_n(n)
    try:
        bigs = parse_n(big_n)
    except specbias.InputError as err:
        raise specbias.InputError(str(err).replace("--n", "--N")) from None
    if ns.size > 1 and bigs.size > 1 and ns.size != bigs.size:
        ns, bigs = (a.ravel() for a in np.meshgrid(ns, bigs, indexing="ij"))
    target = (linear, nonlinear)
    r = specbias.double_descent(activation, d, ns, bigs, ridge=ridge, noise=noise, target=target)
    if plot:
        plot_double_descent(
            activation,
            d,
            float(ns[0]),
            float(bigs[-1]),
            ridge,
            noise,
            target,
            plot,
            sim_at=bigs,
            seeds=simulate,
        )
    show_double_descent(r, as_json=json)
