"""Staircase of learned degrees for large d (Ghorbani, Mei, Misiakiewicz, Montanari
arXiv 1904.12191): with n ~ d^s samples, kernel ridge(less) regression on S^{d-1}
learns the degrees k < s and none above, since N(d,k) ~ d^k / k!.

Computed from the same kappa equation as :func:`learning_curve` (no target needed):
L_k(n) = mu_k / (mu_k + kappa(n)).
"""

from __future__ import annotations

import numpy as np

from .._errors import InputError
from ..spectra._kernels import Kernel, kernel
from ..spectra._multiplicity import check_dimension
from ._learning_curve import _check_n, _check_nonneg, _solve_kappa, prepare
from ._targets import spectrum_target


def staircase(
    kern: Kernel | str,
    d: int,
    n,
    *,
    kmax: int = 4,
    ridge: float = 0.0,
    ktrunc: int = 2048,
) -> np.ndarray:
    """Learnabilities L_k(n) for k = 0..kmax, shape (len(n), kmax+1).

    ``ktrunc`` is the degree truncation of the kappa equation (its Mercer tail mass
    enters at first order, as in :func:`learning_curve`).

    Args:
      kern: a kernel name or Kernel.
      d: dimension.
      n: sample sizes.
      kmax: largest degree reported.
      ridge: lambda >= 0.
      ktrunc: degree truncation of the kappa equation.

    Returns:
      float64 array of L_k(n), shape (len(n), kmax + 1).

    Example:
    >>> L = staircase("arccos1", 100, [100**1.5, 100**2.25], kmax=3)
    >>> bool((L[:, 1] > 0.95).all() and L[0, 2] < 0.3 < 0.9 < L[1, 2])
    True

    References:
      Ghorbani et al. arXiv 1904.12191; Simon et al. arXiv 2110.03922.
    """
    kern = kernel(kern)
    d = check_dimension(d)
    n = _check_n(n)
    ridge = _check_nonneg(ridge, "ridge")
    if int(kmax) != kmax or kmax < 0 or kmax > ktrunc:
        raise InputError(f"kmax must be an integer in [0, ktrunc], got {kmax!r}")
    p = prepare(kern, spectrum_target(np.array([1.0]), d, name="none"), int(ktrunc))
    u, _ = _solve_kappa(p, n, ridge)
    lmu = np.empty(p.kmax + 1)
    lmu[p.order] = p.lmu
    from scipy.special import log_expit

    return np.exp(log_expit(lmu[None, : kmax + 1] - u[:, None]))


def learned_degrees(
    kern: Kernel | str, d: int, n, *, threshold: float = 0.5, kmax: int = 8, ridge: float = 0.0
) -> list[list[int]]:
    """For each n, the degrees k <= kmax with L_k(n) >= threshold.

    Args:
      kern: a kernel name or Kernel.
      d: dimension.
      n: sample sizes.
      threshold: learnability counted as learned.
      kmax: largest degree.
      ridge: lambda >= 0.

    Returns:
      For each n, the list of learned degrees.

    Example:
    >>> learned_degrees("arccos1", 100, [100**1.5, 100**2.25], kmax=3)
    [[0, 1], [0, 1, 2]]

    References:
      Ghorbani et al. arXiv 1904.12191; Simon et al. arXiv 2110.03922.
    """
    lk = staircase(kern, d, n, kmax=kmax, ridge=ridge)
    return [np.flatnonzero(row >= threshold).tolist() for row in lk]
