"""Harmonic multiplicities N(d,k): exact integers and their float64 logarithms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import specbias as sb
from specbias import InputError


def _monomials(d: int, k: int) -> int:
    """Brute force: count exponent tuples (e_1..e_d) >= 0 with sum k."""
    if k < 0:
        return 0
    return sum(1 for e in itertools.product(range(k + 1), repeat=d - 1) if sum(e) <= k)


def _poly_dimension_formula(d: int, k: int) -> int:
    """dim of degree-k homogeneous polynomials in d variables minus that of degree k-2."""
    below = math.comb(k + d - 3, d - 1) if k >= 2 else 0
    return math.comb(k + d - 1, d - 1) - below


@pytest.mark.parametrize("d", [2, 3, 4, 5])
def test_multiplicity_brute_force_count(d):
    # harmonics = homogeneous polynomials of degree k modulo |x|^2 * (degree k-2)
    kmax = {2: 30, 3: 20, 4: 12, 5: 8}[d]
    for k in range(kmax + 1):
        assert sb.harmonic_multiplicity(d, k) == _monomials(d, k) - _monomials(d, k - 2)


@pytest.mark.parametrize("d", [2, 3, 4, 6, 10, 37, 100, 1000])
def test_multiplicity_against_binomial_formula(d):
    for k in [*range(0, 40), 99, 100, 1000, 12345]:
        assert sb.harmonic_multiplicity(d, k) == _poly_dimension_formula(d, k)


def test_multiplicity_known_values():
    assert [sb.harmonic_multiplicity(2, k) for k in range(5)] == [1, 2, 2, 2, 2]
    assert [sb.harmonic_multiplicity(3, k) for k in range(5)] == [1, 3, 5, 7, 9]
    assert [sb.harmonic_multiplicity(4, k) for k in range(5)] == [1, 4, 9, 16, 25]
    for d in (2, 5, 50, 10**6):
        assert sb.harmonic_multiplicity(d, 1) == d
        assert sb.harmonic_multiplicity(d, 2) == d * (d + 1) // 2 - 1


def test_multiplicity_sums_to_polynomial_space():
    # sum_{j<=k} N(d,j) = dim of polynomials of degree <= k restricted to the sphere
    #                   = C(k+d-1, d-1) + C(k+d-2, d-1)
    for d in (2, 3, 7, 20):
        total = 0
        for k in range(60):
            total += sb.harmonic_multiplicity(d, k)
            assert total == math.comb(k + d - 1, d - 1) + math.comb(k + d - 2, d - 1)


# log N computed from exact big integers (math.log is exact-rounded on ints).
# The float64 log is a sum of log-Gammas of size up to L = lgamma(k + d - 2), so its
# absolute error is a few eps * L; allow 8 eps * (L + 1).
LOG_ULPS = 8


@pytest.mark.parametrize("d", [2, 3, 4, 10, 100, 1000, 10**4, 10**5, 10**6])
def test_log_multiplicity_against_exact(d):
    ks = np.array([0, 1, 2, 3, 7, 50, 999, 1000, 10**4, 10**5])
    got = sb.log_harmonic_multiplicity(d, ks)
    assert got.dtype == np.float64 and got.shape == ks.shape
    for k, g in zip(ks.tolist(), got.tolist(), strict=True):
        exact = math.log(sb.harmonic_multiplicity(d, k))
        scale = math.lgamma(k + d - 2) if k + d > 2 else 0.0
        assert abs(g - exact) <= LOG_ULPS * np.finfo(float).eps * (scale + 1), (d, k, g, exact)


def test_log_multiplicity_where_the_integer_overflows():
    # N(10^4, 10^5) has ~ 10^4 digits: far beyond float64, exact via integers
    n = sb.harmonic_multiplicity(10**4, 10**5)
    assert n.bit_length() > 2000
    got = float(sb.log_harmonic_multiplicity(10**4, 10**5))
    assert got == pytest.approx(math.log(n), rel=1e-13)


def test_log_multiplicity_vectorized_and_scalar():
    ks = np.arange(0, 500)
    vec = sb.log_harmonic_multiplicity(7, ks)
    for k in (0, 1, 13, 499):
        assert vec[k] == float(sb.log_harmonic_multiplicity(7, k))
    assert vec[0] == 0.0


@pytest.mark.parametrize("d", [1, 0, -2, 2.5, "4", True])
def test_multiplicity_bad_dimension(d):
    with pytest.raises(InputError):
        sb.harmonic_multiplicity(d, 3)
    with pytest.raises(InputError):
        sb.log_harmonic_multiplicity(d, 3)


def test_multiplicity_bad_degree():
    with pytest.raises(InputError):
        sb.harmonic_multiplicity(3, -1)
