"""Figure of a :class:`~._fluctuations.FluctuationResult` (matplotlib, no pyplot).

Left: output variance ``|f - fbar|^2`` against the parameter count ``N`` (log-log), one
series per depth with its standard error, the fitted slope and its bootstrap interval
in the legend, and the predicted slope (-1 for one hidden layer, -1/2 for two) dashed.
Right: test MSE against ``N``: single nets, the ensemble average, and the NTK limit
(horizontal line) of each depth.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._fluctuations import FluctuationResult

_COLORS = {1: "tab:blue", 2: "tab:red"}


def plot_fluctuations(result: FluctuationResult, path: str | os.PathLike) -> Path:
    """Draw ``result`` into ``path`` (format from the suffix); returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(path)
    fig = Figure(figsize=(10.0, 5.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax_var, ax_err = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    fits = {f.depth: f for f in result.fits if f.against == "params"}
    for depth in sorted({r["depth"] for r in result.rows}):
        rows = [r for r in result.rows if r["depth"] == depth]
        big_n = np.array([r["params"] for r in rows], dtype=float)
        var = np.array([r["variance"] for r in rows])
        color = _COLORS.get(depth, "k")
        fit = fits[depth]
        ax_var.errorbar(
            big_n,
            var,
            yerr=[r["variance_se"] for r in rows],
            fmt="o",
            color=color,
            label=f"{depth} hidden layer{'s' * (depth > 1)}: slope {fit.slope:.3f} "
            f"[{fit.ci_low:.3f}, {fit.ci_high:.3f}]",
        )
        anchor = np.exp(np.mean(np.log(big_n))), np.exp(np.mean(np.log(var)))
        grid = np.geomspace(big_n[0], big_n[-1], 20)
        ax_var.plot(
            grid,
            anchor[1] * (grid / anchor[0]) ** fit.predicted,
            "--",
            color=color,
            lw=1,
            label=f"predicted N^{fit.predicted:g}",
        )
        ax_err.errorbar(
            big_n,
            [r["single_mse"] for r in rows],
            yerr=[r["single_mse_se"] for r in rows],
            fmt="s-",
            color=color,
            mfc="none",
            label=f"depth {depth}: single net",
        )
        ax_err.plot(
            big_n,
            [r["ensemble_mse"] for r in rows],
            "o-",
            color=color,
            label=f"depth {depth}: ensemble mean",
        )
        ax_err.axhline(
            rows[0]["ntk_mse"], color=color, ls=":", lw=1.2, label=f"depth {depth}: NTK limit"
        )
    cfg = result.config
    for ax, ylabel in ((ax_var, "variance |f - fbar|^2 (test average)"), (ax_err, "test MSE")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters N")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.suptitle(
        f"lazy ReLU nets, {cfg['members']} initializations, d = {cfg['d']}, n = {cfg['n']}, "
        f"teacher {cfg['teacher']} (arXiv 1901.01608)",
        fontsize=10,
    )
    fig.savefig(out)
    return out
