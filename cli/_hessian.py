"""``specbias hessian``: outliers and bulk of the loss Hessian of a one-hidden-layer net.

Predicted outlier groups ``(mu_k(ntk), N(d,k))`` beside the measured group means, for the
flow-scaled Hessian (Lanczos or full ``eigh``) and the Gauss-Newton route ``Theta/n``;
``--train`` adds the same after gradient flow; ``--plot`` draws the density and the top
eigenvalues.  Sagun et al., arXiv 1611.07476 and 1706.04454.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer

from ._output import PLOT_FORMATS, _print_json, check_output_path


def plot_hessian(report, path: str) -> None:
    """Left: smoothed spectral density (log scale); right: top eigenvalues vs index."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax_d, ax_t = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for p in report.points:
        h = p.hessian
        ax_d.semilogy(h.grid, np.maximum(h.density, 1e-6), lw=1.2, label=p.label)
        ax_t.semilogy(np.arange(1, h.top.size + 1), np.abs(h.top), ".", label=f"{p.label}")
    steps = []
    for _, mu, mult in report.predicted:
        steps += [mu] * mult
        ax_d.axvline(mu, color="0.6", ls=":", lw=0.8)
    steps = steps[: max(p.hessian.top.size for p in report.points) + 2]
    ax_t.step(
        np.arange(1, len(steps) + 1),
        steps,
        where="mid",
        color="0.4",
        lw=1,
        label="mu_k(ntk), N(d,k)",
    )
    ax_d.set_xlabel("eigenvalue (flow-scaled)")
    ax_d.set_ylabel("density (1/M) sum delta")
    ax_d.set_ylim(1e-4, None)
    ax_t.set_xlabel("index")
    ax_t.set_ylabel("|eigenvalue|")
    for ax in (ax_d, ax_t):
        ax.legend(fontsize=7)
    c = report.cfg
    fig.suptitle(
        f"Hessian, H = {c.width}, d = {c.d}, xi = {c.xi:g}, n = {report.n}, {report.data} "
        "(arXiv 1706.04454)",
        fontsize=10,
    )
    fig.savefig(path)


def _gaps(groups) -> str:
    return ", ".join(f"({s}, {m:.3g})" for s, m in groups[:8])


def show_hessian(report, *, as_json: bool) -> None:
    if as_json:
        _print_json(report.to_dict())
        return
    from rich.table import Table

    from ._output import _console

    con = _console()
    info = report.to_dict()
    con.print(
        f"net H = {report.cfg.width}, d = {report.cfg.d}, xi = {report.cfg.xi:g}; "
        f"M = {info['n_params']} parameters, n = {report.n} points ({report.data}); "
        f"Hessian of {info['flow_scale']:g} * L (flow scale H^(1-xi)); "
        f"rank bound min(n, H d) = {info['rank_bound']}"
    )
    for p in report.points:
        h = p.hessian
        con.print(
            f"[{p.label}] loss {p.train_loss:.3g}; {h.method}; smallest eigenvalue "
            f"{h.smallest:.3g}; Hessian rank {h.rank}; Gauss-Newton rank {p.gn_rank}; "
            f"gap groups (size, mean) of the Hessian: {_gaps(p.gap_groups)}, of Theta/n: "
            f"{_gaps(p.gn_gap_groups)}",
            highlight=False,
        )
        if not p.groups:
            continue
        table = Table(
            "k", "mu_k(ntk)", "N(d,k)", "Hessian mean", "rel. error", "GN mean", "separation"
        )
        i = 0
        for g in p.groups:
            gn = float(p.gauss_newton[i : i + g.multiplicity].mean())
            i += g.multiplicity
            table.add_row(
                str(g.k),
                f"{g.mu:.6g}",
                str(g.multiplicity),
                f"{g.measured_mean:.6g}",
                f"{g.rel_error:+.2%}",
                f"{gn:.6g}",
                f"{g.separation:.3g}",
            )
        con.print(table)


def hessian(
    d: Annotated[int, typer.Option(help="Input dimension: data on S^(d-1).")] = 5,
    n: Annotated[int, typer.Option(help="Training points.")] = 500,
    width: Annotated[int, typer.Option(help="Hidden neurons H.")] = 1024,
    regime: Annotated[str, typer.Option(help="lazy (xi = 1) or feature (xi = 0).")] = "lazy",
    data: Annotated[
        str, typer.Option(help="sphere (target sqrt(d) x_1) or blobs:K (K Gaussian blobs).")
    ] = "sphere",
    train: Annotated[
        bool, typer.Option("--train", help="Also measure after gradient flow.")
    ] = False,
    top: Annotated[
        int | None, typer.Option(help="Top eigenvalues (default degree<=2 + 5).")
    ] = None,
    method: Annotated[str, typer.Option(help="auto, full (eigh) or lanczos.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of data, net and Lanczos vectors.")] = 0,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    plot: Annotated[str | None, typer.Option(help="Write the density and top eigenvalues.")] = None,
    allow_large: Annotated[
        bool, typer.Option("--allow-large", help="Skip the memory and time budgets.")
    ] = False,
) -> None:
    """Hessian outliers (predicted mu_k(ntk) x N(d,k) vs measured) and bulk (arXiv 1706.04454)."""
    from specbias.validation._hessian_sizes import check_sizes

    if plot is not None:
        check_output_path(plot, "--plot", PLOT_FORMATS)
    check_sizes(  # sizes and budgets before JAX loads (a refusal stays fast)
        d, n, width, regime=regime, top=top, method=method, train=train, max_steps=400,
        allow_large=allow_large,
    )  # fmt: skip
    from specbias.validation import hessian_experiment

    report = hessian_experiment(
        d,
        n,
        width,
        seed=seed,
        regime=regime,
        data=data,
        train=train,
        top=top,
        method=method,
        allow_large=allow_large,
    )
    if plot:
        plot_hessian(report, plot)
    show_hessian(report, as_json=json)
