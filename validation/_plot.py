"""Feature-versus-lazy figure of a :class:`~._experiment.ValidationResult` (matplotlib).

Test error versus n on log-log axes: one marker series per (regime, solver) with the
mean over seeds and its standard error, the fitted power law (slope and bootstrap
interval in the legend) and the predicted slope as a dashed line anchored at the
geometric mean of the measured points.  Uses ``Figure`` + ``FigureCanvasAgg`` (no
pyplot, no global state, no display needed).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._errors import InputError
from ._experiment import ValidationResult

_COLORS = {"feature": "tab:red", "lazy": "tab:blue"}
_MARKERS = {"train-ensemble": "D", "limit": "o", "train": "s"}


def plot_validation(result: ValidationResult, path: str | os.PathLike) -> Path:
    """Draw the learning curves of ``result`` into ``path`` (format from the suffix)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out = Path(path)
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    cfg = result.config
    predicted_drawn: set[str] = set()
    for c in result.curves:
        n = np.asarray(c.n, dtype=float)
        mean, sem = c.mean, c.sem
        ok = np.isfinite(mean) & (mean > 0)
        color = _COLORS.get(c.regime, "k")
        label = f"{c.regime} ({c.solver})"
        if c.fit is not None:
            ci = ""
            if np.isfinite(c.fit.ci_low):
                ci = f" [{c.fit.ci_low:.2f}, {c.fit.ci_high:.2f}]"
            label += f": β = {c.fit.beta:.2f}{ci}"
        ax.errorbar(
            n[ok],
            mean[ok],
            yerr=np.minimum(sem[ok], 0.999 * mean[ok]),
            fmt=_MARKERS.get(c.solver, "o"),
            color=color,
            mfc="none" if c.solver == "train" else color,
            capsize=3,
            label=label,
        )
        if not ok.any():
            continue
        grid = np.geomspace(n[ok].min(), n[ok].max(), 50)
        if c.fit is not None:
            ax.plot(
                grid,
                c.fit.prefactor * grid ** (-c.fit.beta),
                "-",
                color=color,
                lw=1,
                alpha=0.7,
            )
        if c.regime in predicted_drawn:  # one predicted line per regime
            continue
        predicted_drawn.add(c.regime)
        # predicted slope through the geometric centre of the measured points
        ln, le = np.log(n[ok]), np.log(mean[ok])
        anchor = np.exp(le.mean() + c.beta_predicted * ln.mean())
        ax.plot(
            grid,
            anchor * grid ** (-c.beta_predicted),
            "--",
            color=color,
            lw=1,
            label=f"predicted β = {c.beta_predicted:g} ({c.predicted_regime})",
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("test error / Var f*")
    ax.set_title(
        f"feature vs lazy: d = {cfg.d}, ν_t = {cfg.nu_t:g}, {cfg.seeds} seeds", fontsize=10
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    try:
        fig.savefig(out)
    except (OSError, ValueError) as err:
        raise InputError(f"{out}: cannot write the figure ({err})") from None
    return out
