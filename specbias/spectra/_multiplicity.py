"""Number of linearly independent degree-k spherical harmonics on S^{d-1}."""

from __future__ import annotations

from collections.abc import Iterator
from math import comb

import numpy as np
from scipy.special import gammaln

from .._budget import check_memory, check_time
from .._errors import InputError, shown


def check_dimension(d: int) -> int:
    """Validate the sphere dimension parameter (data on S^{d-1} in R^d, d >= 2)."""
    try:
        ok = not isinstance(d, bool) and int(d) == d
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"d must be an integer >= 2, got {shown(d)}")
    d = int(d)
    if d < 2:
        raise InputError(f"d must be >= 2 (data on the sphere S^(d-1) in R^d), got d={d}")
    if d > D_MAX:
        raise InputError(f"d={d} is too large (at most {D_MAX})")
    return d


#: Largest supported dimension (float64 log-space paths are tested to d = 10^4).
D_MAX = 10_000_000


#: Seconds to build an exact integer of D decimal digits ~ _DIGIT_SECONDS * (D/6e4)^2
#: (math.comb(2e5, 1e5), 60206 digits: 1.9 s on one loaded core).
_DIGIT_SECONDS = 2.0


def exact_digits_seconds(d: int, k) -> float:
    """Estimated seconds to build N(d,k) exactly (summed over an array of k)."""
    digits = log_harmonic_multiplicity(d, k) / np.log(10.0) + 1.0
    return float(np.sum(_DIGIT_SECONDS * (digits / 6e4) ** 2))


def harmonic_multiplicity(d: int, k: int, *, allow_large: bool = False) -> int:
    """Exact :math:`N(d,k) = \\frac{2k+d-2}{k}\\binom{k+d-3}{k-1}` (k >= 1), N(d,0) = 1.

    The dimension of the space of degree-k spherical harmonics on :math:`S^{d-1}`
    (Atkinson & Han, *Spherical Harmonics and Approximations on the Unit Sphere*, 2012).

    Args:
      d: dimension, d >= 2.
      k: degree, k >= 0.
      allow_large: skip the size check.

    Returns:
      N(d, k) as a Python int.

    Example:
    >>> harmonic_multiplicity(3, 4), harmonic_multiplicity(2, 7), harmonic_multiplicity(5, 0)
    (9, 2, 1)

    References:
      Atkinson & Han (2012), Spherical Harmonics; Bach arXiv 1412.8690 (App. D).
    """
    d = check_dimension(d)
    k = int(k)
    if k < 0:
        raise InputError(f"degree k must be >= 0, got {k}")
    if k == 0:
        return 1
    check_time(exact_digits_seconds(d, k), f"exact N(d={d}, k={k})", allow_large=allow_large)
    return (2 * k + d - 2) * comb(k + d - 3, k - 1) // k


def _total_digits(d: int, kmax: int) -> float:
    """Decimal digits of N(d, 0..kmax) together, for the budgets: log N(d, k) is smooth
    in k, so the mean over <= 4097 evenly spaced degrees estimates the sum (exact for
    kmax < 4097) without an O(kmax) pass before the refusal of a huge kmax."""
    ks = np.unique(np.linspace(0, kmax, min(kmax + 1, 4097)).round())
    mean = float(np.mean(log_harmonic_multiplicity(d, ks) / np.log(10.0) + 1.0))
    return mean * (kmax + 1)


def harmonic_multiplicities(d: int, kmax: int, *, allow_large: bool = False) -> list[int]:
    """Exact N(d,k) for k = 0..kmax (Python ints), by one pass over binomials.

    N(d,k) = C(k+d-1, d-1) - C(k+d-3, d-1): harmonic polynomials of degree k are the
    homogeneous polynomials of degree k modulo |x|^2 times those of degree k-2.

    Args:
      d: dimension, d >= 2.
      kmax: largest degree.
      allow_large: skip the memory budget.

    Returns:
      A list of Python ints N(d, 0..kmax).

    Example:
    >>> harmonic_multiplicities(3, 4)
    [1, 3, 5, 7, 9]

    References:
      Atkinson & Han (2012), Spherical Harmonics; Bach arXiv 1412.8690 (App. D).
    """
    d = check_dimension(d)
    kmax = int(kmax)
    if kmax >= 0:
        total = _total_digits(d, kmax)
        what = f"exact N(d={d}, k) for k <= {kmax}"
        check_memory(2 * total + 64 * (kmax + 1), what, allow_large=allow_large)
        # each step is one big-int product and division: linear in the digits
        check_time(total * 1e-8, what, allow_large=allow_large)
    return list(iter_harmonic_multiplicities(d, kmax))


def iter_harmonic_multiplicities(d: int, kmax: int) -> Iterator[int]:
    """N(d,0), ..., N(d,kmax) one at a time (memory of two binomials, for streaming).

    >>> list(iter_harmonic_multiplicities(2, 3))
    [1, 2, 2, 2]
    """
    d = check_dimension(d)
    kmax = int(kmax)
    if kmax < 0:
        raise InputError(f"kmax must be >= 0, got {kmax}")
    # C(k+d-1, d-1) for k-2, k-1, k
    older, old, hom = 0, 0, 1
    for k in range(kmax + 1):
        yield hom - older
        older, old, hom = old, hom, hom * (k + d) // (k + 1)


def log_harmonic_multiplicity(d: int, k) -> np.ndarray:
    """float64 :math:`\\log N(d,k)`, vectorized over k, valid where N overflows.

    Args:
      d: dimension, d >= 2.
      k: degrees (int or array).

    Returns:
      float64 array of log N(d, k).

    Example:
    >>> float(np.exp(log_harmonic_multiplicity(3, 4)))  # doctest: +ELLIPSIS
    9.00000000...

    References:
      Atkinson & Han (2012), Spherical Harmonics; Bach arXiv 1412.8690 (App. D).
    """
    d = check_dimension(d)
    k = np.asarray(k, dtype=np.float64)
    kk = np.maximum(k, 1.0)
    out = np.log(2 * kk + d - 2) - np.log(kk) + gammaln(kk + d - 2) - gammaln(kk) - gammaln(d - 1.0)
    return np.where(k == 0, 0.0, out)
