"""The exponent gap beta_B - beta_A of two learning curves measured on the same draws.

Feature and lazy units of a validation sweep share every draw (data, teacher, test
set: one sample per (n, seed), ``_units._DataCache``), so the two fitted exponents are
correlated: a teacher with more high-frequency power lowers both.  Comparing their two
marginal intervals ignores that correlation and is needlessly weak.  The paired
bootstrap resamples seed indices *jointly for both curves* (and jointly across n in a
nested design, where a seed's draws at different n share their teacher), refits both
exponents on each resample and takes the percentile interval of their difference:

.. math:: \\Delta = \\beta_B - \\beta_A,\\qquad
          \\Delta^{*}_b = \\beta_B(\\text{seeds}_b) - \\beta_A(\\text{seeds}_b).

The claim "A learns more slowly than B" holds at the stated level when the interval
lies above 0 (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13;
paired comparison of learning-curve exponents as in Petrini et al. arXiv 2206.12314,
whose regimes share their data).  The module never imports JAX.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from ._fit import _check_curve, _log_average, _ols


@dataclass(frozen=True)
class ExponentGap:
    """beta_B - beta_A with its paired-bootstrap percentile interval at ``level``."""

    gap: float
    ci_low: float
    ci_high: float
    level: float
    n_boot: int
    paired_across_n: bool

    @property
    def separated(self) -> bool:
        """The interval lies above 0: B's exponent is larger at the stated level."""
        return bool(self.ci_low > 0)

    def to_dict(self) -> dict:
        return {
            "gap": self.gap,
            "ci": [self.ci_low, self.ci_high],
            "level": self.level,
            "n_boot": self.n_boot,
            "paired_across_n": self.paired_across_n,
            "separated": self.separated,
        }


def exponent_gap(
    n,
    eps_a,
    eps_b,
    *,
    rng: np.random.Generator,
    level: float = 0.95,
    n_boot: int = 2000,
    across_n: bool = False,
) -> ExponentGap:
    """Paired-bootstrap interval of beta_B - beta_A (fits of log mean eps on log n).

    Args:
        n: ``(k,)`` increasing training-set sizes.
        eps_a, eps_b: ``(k, s)`` errors; column j of both is the same draw at that n.
        rng: numpy Generator of the bootstrap.
        level: confidence level in (0, 1).
        n_boot: bootstrap refits.
        across_n: column j is also the same draw at every n (nested design): one
            resample of seed indices serves all n; otherwise each n is resampled on
            its own (still jointly for A and B).

    Returns:
        :class:`ExponentGap`.

    Example:
        >>> n = np.array([10.0, 20.0, 40.0])
        >>> a = n[:, None] ** -1.0 * np.array([1.0, 2.0, 3.0])
        >>> g = exponent_gap(n, a, a / n[:, None], rng=np.random.default_rng(0))
        >>> round(g.gap, 12), round(g.ci_low, 12), g.separated
        (1.0, 1.0, True)

    References:
        Petrini, Cagnetta, Vanden-Eijnden, Wyart, arXiv 2206.12314 (feature vs lazy).
    """
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1), got {level!r}")
    sizes, rows_a = _check_curve(n, eps_a)
    _, rows_b = _check_curve(n, eps_b)
    seeds = {r.size for r in rows_a} | {r.size for r in rows_b}
    if len(seeds) != 1 or min(seeds) < 2:
        raise InputError("exponent_gap needs the same number (>= 2) of seeds everywhere")
    s = seeds.pop()
    a, b = np.array(rows_a), np.array(rows_b)
    log_n = np.log(sizes)

    def beta(arr):  # (k, boot, s) or (k, s) -> exponents
        slope, _ = _ols(log_n, np.atleast_2d(_log_average(arr, "mean").T))
        return -slope

    nb = int(n_boot)
    if across_n:
        idx = np.broadcast_to(rng.integers(0, s, size=(nb, s)), (sizes.size, nb, s))
    else:
        idx = rng.integers(0, s, size=(sizes.size, nb, s))
    rows = np.arange(sizes.size)[:, None, None]
    boot = beta(b[rows, idx]) - beta(a[rows, idx])
    q = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return ExponentGap(
        gap=float(beta(b)[0] - beta(a)[0]),
        ci_low=float(q[0]),
        ci_high=float(q[1]),
        level=float(level),
        n_boot=nb,
        paired_across_n=bool(across_n),
    )
