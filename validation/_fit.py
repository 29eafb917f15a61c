"""Power-law fits eps(n) ~ A n^(-beta) of measured learning curves (numpy only).

The exponent is the least-squares slope of log eps versus log n over a chosen range
of n, where eps(n) is the average over seeds (independent draws of data, teacher
and initialization).  Its uncertainty comes from a bootstrap over seeds: at every n
the seeds are resampled with replacement, averaged and refitted, and the
percentile interval of the refitted exponents is reported.  Local slopes between
consecutive n show whether the asymptotic regime is reached (they should be flat
over the fitted range).

The module never imports JAX.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._errors import InputError

AVERAGES = ("mean", "geometric")


@dataclass(frozen=True)
class PowerLawFit:
    """Result of :func:`fit_power_law` (exponent sign: eps ~ prefactor * n^(-beta)).

    Attributes:
        beta: fitted exponent on ``n_range``.
        ci_low, ci_high: bootstrap percentile interval at ``level`` (NaN when some n
            in the range has a single seed: nothing to resample).
        prefactor: A = exp(intercept).
        local_slopes: -(log eps_{k+1} - log eps_k) / (log n_{k+1} - log n_k) between
            consecutive n over *all* given n (same sign convention as beta).
        local_n: geometric midpoints sqrt(n_k n_{k+1}) of those slopes.
        n_range: (smallest, largest) n used in the fit.
        level: confidence level of the interval.
        n_boot: number of bootstrap refits.
    """

    beta: float
    ci_low: float
    ci_high: float
    prefactor: float
    local_slopes: np.ndarray
    local_n: np.ndarray
    n_range: tuple[float, float]
    level: float
    n_boot: int


def fit_power_law(
    n,
    eps,
    *,
    rng: np.random.Generator,
    n_range: tuple[float, float] | None = None,
    level: float = 0.95,
    n_boot: int = 2000,
    average: str = "mean",
    paired: bool = False,
) -> PowerLawFit:
    """Fit eps ~ A n^(-beta) by least squares of log(average eps) on log n.

    Args:
        n: ``(k,)`` increasing training-set sizes.
        eps: per-n errors over seeds: a ``(k, s)`` array or a length-k sequence of
            1-D arrays (seed counts may differ); every entry finite and > 0.
        rng: numpy Generator for the bootstrap (keyword-only).
        n_range: inclusive ``(n_min, n_max)`` of the fit (default: all n); it must
            contain at least two n.
        level: confidence level of the percentile interval, in (0, 1).
        n_boot: bootstrap refits.
        average: ``"mean"`` (log of the mean error, the test error of the ensemble
            average over data) or ``"geometric"`` (mean of log errors).
        paired: column s of every row is the same draw (nested designs: one teacher
            per seed at all n).  The bootstrap then resamples seed indices jointly
            across n, keeping the correlation that common random numbers create;
            resampling each n independently would ignore it (an interval as wide as
            for independent draws).  Needs the same number of seeds at every n.

    Returns:
        :class:`PowerLawFit`.

    Examples:
        >>> n = np.array([10, 20, 40, 80])
        >>> eps = 3.0 * n[:, None] ** -0.5 * np.ones((4, 3))
        >>> fit = fit_power_law(n, eps, rng=np.random.default_rng(0))
        >>> round(fit.beta, 12), round(fit.prefactor, 12), round(fit.ci_high - fit.ci_low, 12)
        (0.5, 3.0, 0.0)
    """
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    sizes, rows = _check_curve(n, eps)
    if average not in AVERAGES:
        raise InputError(f"average must be one of {AVERAGES}, got {average!r}")
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), got {level!r}")
    if int(n_boot) < 1:
        raise InputError(f"n_boot must be >= 1, got {n_boot!r}")
    lo, hi = (sizes[0], sizes[-1]) if n_range is None else map(float, n_range)
    sel = np.flatnonzero((sizes >= lo) & (sizes <= hi))
    if sel.size < 2:
        raise InputError(f"n_range ({lo:g}, {hi:g}) contains {sel.size} of the n; need >= 2")

    log_n = np.log(sizes)
    log_eps = np.array([_log_average(r[None, :], average)[0] for r in rows])
    slope, intercept = _ols(log_n[sel], log_eps[sel][None, :])
    local = -np.diff(log_eps) / np.diff(log_n)

    if min(rows[k].size for k in sel) < 2:
        ci = (float("nan"), float("nan"))
    else:
        boot = np.empty((int(n_boot), sel.size))
        sizes_sel = {rows[k].size for k in sel}
        if paired and len(sizes_sel) != 1:
            raise InputError("paired=True needs the same number of seeds at every n")
        shared = rng.integers(0, rows[sel[0]].size, size=(int(n_boot), rows[sel[0]].size))
        for j, k in enumerate(sel):
            r = rows[k]
            idx = shared if paired else rng.integers(0, r.size, size=(int(n_boot), r.size))
            boot[:, j] = _log_average(r[idx], average)
        b_slope, _ = _ols(log_n[sel], boot)
        q = np.quantile(-b_slope, [(1 - level) / 2, (1 + level) / 2])
        ci = (float(q[0]), float(q[1]))
    return PowerLawFit(
        beta=float(-slope[0]),
        ci_low=ci[0],
        ci_high=ci[1],
        prefactor=float(np.exp(intercept[0])),
        local_slopes=local,
        local_n=np.sqrt(sizes[:-1] * sizes[1:]),
        n_range=(float(sizes[sel[0]]), float(sizes[sel[-1]])),
        level=float(level),
        n_boot=int(n_boot),
    )


def beta_in_ci(fit: PowerLawFit, predicted: float) -> bool:
    """Whether a predicted exponent lies in the fit's confidence interval (inclusive).

    Examples:
        >>> f = PowerLawFit(0.8, 0.7, 0.9, 1.0, np.zeros(0), np.zeros(0), (1, 2), 0.95, 10)
        >>> beta_in_ci(f, 0.75), beta_in_ci(f, 1.0)
        (True, False)
    """
    if not np.isfinite(predicted):
        raise InputError(f"predicted beta must be finite, got {predicted!r}")
    if not (np.isfinite(fit.ci_low) and np.isfinite(fit.ci_high)):
        raise InputError("the fit has no confidence interval (need >= 2 seeds at every n)")
    return bool(fit.ci_low <= predicted <= fit.ci_high)


# ------------------------------------------------------------------------------------
def _check_curve(n, eps) -> tuple[np.ndarray, list[np.ndarray]]:
    sizes = np.asarray(n, dtype=np.float64)
    if sizes.ndim != 1 or sizes.size < 2:
        raise InputError(f"n must be a 1-D array of >= 2 sizes, got shape {sizes.shape}")
    if not (np.all(np.isfinite(sizes)) and np.all(sizes > 0)):
        raise InputError("n must be finite and > 0")
    if np.any(np.diff(sizes) <= 0):
        raise InputError("n must be strictly increasing")
    if isinstance(eps, np.ndarray) or not isinstance(eps, Sequence):
        arr = np.asarray(eps, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise InputError(f"eps must be (k, seeds) or a list of 1-D arrays, got {arr.shape}")
        rows = list(arr)
    else:
        rows = [np.atleast_1d(np.asarray(r, dtype=np.float64)) for r in eps]
    if len(rows) != sizes.size:
        raise InputError(f"eps has {len(rows)} rows for {sizes.size} values of n")
    for k, r in enumerate(rows):
        if r.ndim != 1 or r.size < 1:
            raise InputError(f"eps at n={sizes[k]:g} must be a non-empty 1-D array")
        if not (np.all(np.isfinite(r)) and np.all(r > 0)):
            raise InputError(f"eps at n={sizes[k]:g} must be finite and > 0")
    return sizes, rows


def _log_average(samples: np.ndarray, average: str) -> np.ndarray:
    """log of the mean (or mean of the log) along the last axis."""
    if average == "mean":
        return np.log(np.mean(samples, axis=-1))
    return np.mean(np.log(samples), axis=-1)


def _ols(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope and intercept of each row of ``v`` against ``u``."""
    uc = u - u.mean()
    slope = (v - v.mean(axis=1, keepdims=True)) @ uc / (uc @ uc)
    return slope, v.mean(axis=1) - slope * u.mean()
