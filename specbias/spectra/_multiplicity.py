"""Number of linearly independent degree-k spherical harmonics on S^{d-1}."""

from __future__ import annotations

from math import comb

import numpy as np
from scipy.special import gammaln

from .._errors import InputError


def check_dimension(d: int) -> int:
    """Validate the sphere dimension parameter (data on S^{d-1} in R^d, d >= 2)."""
    try:
        ok = not isinstance(d, bool) and int(d) == d
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"d must be an integer >= 2, got {d!r}")
    d = int(d)
    if d < 2:
        raise InputError(f"d must be >= 2 (data on the sphere S^(d-1) in R^d), got d={d}")
    if d > D_MAX:
        raise InputError(f"d={d} is too large (at most {D_MAX})")
    return d


#: Largest supported dimension (float64 log-space paths are tested to d = 10^4).
D_MAX = 10_000_000


def harmonic_multiplicity(d: int, k: int) -> int:
    """Exact :math:`N(d,k) = \\frac{2k+d-2}{k}\\binom{k+d-3}{k-1}` (k >= 1), N(d,0) = 1.

    The dimension of the space of degree-k spherical harmonics on :math:`S^{d-1}`
    (Atkinson & Han, *Spherical Harmonics and Approximations on the Unit Sphere*, 2012).

    >>> harmonic_multiplicity(3, 4), harmonic_multiplicity(2, 7), harmonic_multiplicity(5, 0)
    (9, 2, 1)
    """
    d = check_dimension(d)
    k = int(k)
    if k < 0:
        raise InputError(f"degree k must be >= 0, got {k}")
    if k == 0:
        return 1
    return (2 * k + d - 2) * comb(k + d - 3, k - 1) // k


def harmonic_multiplicities(d: int, kmax: int) -> list[int]:
    """Exact N(d,k) for k = 0..kmax (Python ints), by one pass over binomials.

    N(d,k) = C(k+d-1, d-1) - C(k+d-3, d-1): harmonic polynomials of degree k are the
    homogeneous polynomials of degree k modulo |x|^2 times those of degree k-2.

    >>> harmonic_multiplicities(3, 4)
    [1, 3, 5, 7, 9]
    """
    d = check_dimension(d)
    kmax = int(kmax)
    if kmax < 0:
        raise InputError(f"kmax must be >= 0, got {kmax}")
    hom = [1]  # C(k+d-1, d-1) for k = 0..kmax
    for k in range(kmax):
        hom.append(hom[-1] * (k + d) // (k + 1))
    return [hom[k] - (hom[k - 2] if k >= 2 else 0) for k in range(kmax + 1)]


def log_harmonic_multiplicity(d: int, k) -> np.ndarray:
    """float64 :math:`\\log N(d,k)`, vectorized over k, valid where N overflows.

    >>> float(np.exp(log_harmonic_multiplicity(3, 4)))  # doctest: +ELLIPSIS
    9.00000000...
    """
    d = check_dimension(d)
    k = np.asarray(k, dtype=np.float64)
    kk = np.maximum(k, 1.0)
    out = np.log(2 * kk + d - 2) - np.log(kk) + gammaln(kk + d - 2) - gammaln(kk) - gammaln(d - 1.0)
    return np.where(k == 0, 0.0, out)
