"""Before a learning curve: can the truncation at K <= kmax_max be certified at all?

:func:`specbias.learning_curve` raises K by factors of 4 until its certified
truncation bound (module docstring of :mod:`._learning_curve`) is below ``rtol``.
For very large n no K <= kmax_max gets there, and the stages up to K = 2^20 took
15-20 s before saying so (d = 3, n = 1e11; d = 2, n = 1e5).  Part of that bound
can be estimated before any stage runs:

.. math::

    \\text{bound} \\ge 4\\,\\epsilon_\\kappa \\ge
    \\frac{4\\, T(K)^2}{N(d, K+1)\\, \\kappa^2\\, n}, \\qquad
    \\kappa \\le \\min_{K_0:\\ D(K_0) < n} \\frac{T(K_0) + \\lambda}{n - D(K_0)},

with T(K) = sum_{k>K} N(d,k) mu_k the kernel's tail mass, D(K) = sum_{k<=K} N(d,k)
= N(d+1, K) and lambda the ridge.  (The first inequality: the bound's kappa term is
eps_kappa = (r* (T + dT)/kappa + ...)/dd with r* = T/(N(d,K+1) kappa) and dd <= n,
and e0 (b + noise) >= gen; the second: sum_k N mu_k/(mu_k+kappa) <= D(K_0) +
T(K_0)/kappa at the solution of the kappa equation.)  T comes from the kernel's
decay law |mu_k| ~ C k^-alpha (:func:`specbias.decay_law`) on its parity class:
T(K) ~ rho C N(d,K) K^(1-alpha)/(alpha-d+1) (rho = 1/2 on one parity, 1 on all).
With the exact tails this lower bound is within a factor ~6 of the bound computed
at K = 2^20 (ntk, d = 3, n = 1e7..1e11); a curve is refused when the estimate
exceeds 10 rtol, so the law's O(1/K) inaccuracy cannot refuse a curve that the
stages would certify.  Kernels without a power law (no law, or faster than any
power) are not estimated.  Checked first, exactly: ridgeless n above the D(kmax)
harmonic dimensions of degree <= kmax (the kappa equation then needs degrees past
kmax).  Sizes themselves are bounded by N_MAX and N_COUNT_MAX (:func:`_check_n`).
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import AccuracyError, InputError
from ..spectra._asymptotics import decay_law
from ..spectra._kernels import Kernel
from ..spectra._multiplicity import log_harmonic_multiplicity

#: Largest sample size: kappa(n) needs the spectrum down to mu ~ phi(1)/n, and beyond
#: 10^15 float64 no longer resolves n + 1 from n.
N_MAX = 1e15
#: Largest number of sample sizes in one curve (arrays of len(n) x degrees near the cut).
N_COUNT_MAX = 100_000


def _dims_up_to(d: int, kmax: int) -> float:
    """sum_{k <= kmax} N(d,k) = N(d+1, kmax) (float, may be inf)."""
    with np.errstate(over="ignore"):
        return float(np.exp(log_harmonic_multiplicity(d + 1, kmax)))


def _check_n(n) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(n, dtype=np.float64))
    except (TypeError, ValueError, OverflowError):
        raise InputError("n must be a non-empty 1-D array of finite numbers > 0") from None
    if arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all() or (arr <= 0).any():
        raise InputError("n must be a non-empty 1-D array of finite numbers > 0")
    if arr.max() > N_MAX:
        raise InputError(f"n must be at most {N_MAX:g}, got n = {arr.max():g}")
    if arr.size > N_COUNT_MAX:
        raise InputError(f"at most {N_COUNT_MAX} sample sizes per curve, got {arr.size}")
    return arr


#: Refuse only when the estimated lower bound exceeds rtol by this factor.
MARGIN = 10.0
#: Smallest K_0 where the decay law stands in for the tail mass.
K0_MIN = 16


def _log_tail(d: int, law, k: np.ndarray) -> np.ndarray:
    """log of the decay-law estimate of T(K) = sum_{k>K} N(d,k) |mu_k|."""
    rho = 1.0 if law.parity == "all" else 0.5
    return (
        math.log(rho * law.constant / (law.alpha - d + 1))
        + log_harmonic_multiplicity(d, k)
        + (1 - law.alpha) * np.log(k)
    )


def truncation_lower_bound(kern: Kernel, d: int, n: float, ridge: float, kmax: int):
    """Estimated lower bound on the certified relative truncation error at K = kmax.

    Returns None where no estimate is made (no power law, alpha <= d-1, n too small
    for any K_0 >= 16 with D(K_0) < n).

    >>> from specbias.spectra import kernel
    >>> lb = truncation_lower_bound(kernel("ntk"), 3, 1e11, 0.0, 1 << 20)
    >>> 1e2 < lb < 1.5e4  # the stages end at 1.5e4 after 15 s
    True
    """
    try:
        law = decay_law(kern, d)
    except InputError:
        return None
    if not (math.isfinite(law.alpha) and law.alpha > d - 1 and law.constant > 0):
        return None
    k0 = np.unique(np.geomspace(K0_MIN, kmax, 200).astype(np.int64))
    with np.errstate(over="ignore"):  # inf at large d: no such K_0
        dims = np.exp(log_harmonic_multiplicity(d + 1, k0))
    ok = dims < n
    if not ok.any():
        return None
    with np.errstate(over="ignore"):
        kappa = float(np.min((np.exp(_log_tail(d, law, k0[ok])) + ridge) / (n - dims[ok])))
    log_t = float(_log_tail(d, law, np.array([kmax]))[0])
    log_lb = (
        math.log(4.0)
        + 2 * log_t
        - float(log_harmonic_multiplicity(d, kmax + 1))
        - 2 * math.log(kappa)
        - math.log(n)
    )
    return math.exp(min(log_lb, 700.0))


def refuse_uncertifiable(
    kern: Kernel, target_name: str, d: int, n_all, ridge: float, rtol: float, kmax: int
) -> None:
    """AccuracyError before any stage: ridgeless n above the harmonic dimensions of
    degree <= kmax, or :func:`truncation_lower_bound` above MARGIN rtol."""
    n = float(np.max(n_all))
    if ridge == 0 and _dims_up_to(d, kmax) < n:
        # ridgeless: sum_k N L_k = n with L_k < 1 needs degrees past kmax, where the
        # truncation treats mu_k << kappa; the x4 stages would only find that after minutes
        raise AccuracyError(
            f"learning curve at d={d}: n = {n:.3g} is more than the "
            f"{_dims_up_to(d, kmax):.3g} harmonic dimensions of degree <= "
            f"{kmax}, so the truncation cannot be certified; use smaller n, a ridge, "
            "or a larger kmax_max"
        )
    lb = truncation_lower_bound(kern, d, n, ridge, kmax)
    if lb is not None and lb > MARGIN * rtol:
        raise AccuracyError(
            f"learning curve of {kern.spec} on {target_name} at d={d}: n = {n:.3g} is too "
            f"large to certify with a truncation K <= {kmax}: the error bound there is at "
            f"least ~{lb:.1e} > rtol={rtol:g} (estimated from the decay law before "
            "computing); use smaller n, a ridge, or raise rtol/kmax_max"
        )
