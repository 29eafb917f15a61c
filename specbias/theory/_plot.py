"""Learning-curve figures (the theory layer's plot writer; matplotlib, no pyplot state)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .._errors import InputError
from ._curve_result import LearningCurve


def plot_learning_curve(lc: LearningCurve, path: str | Path) -> Path:
    """Write a log-log plot of gen_error(n) with the asymptotic power law n^-beta.

    The power law is anchored at the largest n; its exponent is ``lc.beta_predicted``
    (min(2 nu_t, 2 alpha)/(d-1)).  The format follows the file suffix (png, pdf, svg).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = _check_path(path)
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n, err = np.asarray(lc.n, float), np.asarray(lc.gen_error, float)
    ax.loglog(n, err, "o-", ms=3, lw=1.5, label=f"theory ({lc.kernel})")
    beta = lc.beta_predicted
    if beta is not None and beta > 0 and math.isfinite(beta):
        ax.loglog(
            n,
            err[-1] * (n / n[-1]) ** (-beta),
            "--",
            color="0.4",
            label=f"$n^{{-{beta:.3g}}}$ (predicted $\\beta$)",
        )
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("generalization error (clean target)")
    ax.set_title(f"{lc.kernel} on S$^{{{lc.d - 1}}}$, target {lc.target}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=9)
    _save(fig, path)
    return path


def plot_learnability(lc: LearningCurve, path: str | Path, *, kmax: int = 5) -> Path:
    """Per-degree learnability L_k(n) = mu_k/(mu_k + kappa(n)) versus n, k = 0..kmax.

    In high dimension (d in the hundreds, n ~ d^kappa) the curves switch on one
    degree at a time: the staircase of arXiv 1904.12191.  Degrees with mu_k = 0 (odd
    k >= 3 for bias-free ReLU kernels) stay at 0.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = _check_path(path)
    kmax = min(int(kmax), lc.kmax)
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lk = lc.learnability(np.arange(kmax + 1))
    for k in range(kmax + 1):
        ax.semilogx(lc.n, lk[:, k], "-", lw=1.5, label=f"k = {k}")
    for ell in range(1, kmax + 1):  # n = d^ell guides
        if lc.n[0] <= lc.d**ell <= lc.n[-1]:
            ax.axvline(lc.d**ell, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel("training-set size n (dotted: n = d^l)")
    ax.set_ylabel("learnability $L_k = \\mu_k/(\\mu_k+\\kappa)$")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{lc.kernel} on S$^{{{lc.d - 1}}}$: which degrees are learned", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    _save(fig, path)
    return path


def _save(fig, path: Path) -> None:
    try:
        fig.savefig(path, dpi=120)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None


def _check_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"plot file must end in .png, .pdf or .svg, got {path.name!r}")
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    return path
