"""Numerical checks of the fast float64 spectra against independent high-precision routes.

Convention (see specbias.spectra._conventions): mu_k = c_d int phi(t) P_k(t) (1-t^2)^((d-3)/2) dt,
P_k(1) = 1, probability measure, multiplicities not included, sum_k N(d,k) mu_k = phi(1).

* every fast path against the mpmath quadrature :func:`specbias.reference_eigenvalue`,
  compared in log space (mpmath), so values far below 1e-308 compare fine;
* exact zeros (parities), the trace identity, fitted power-law exponents;
* huge d and K against an mpmath evaluation of the Gamma closed form;
* input validation and the refusal (AccuracyError) of uncertifiable quadrature.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import specbias as sb
from specbias import AccuracyError, InputError

EPS = float(np.finfo(float).eps)


def fast_value_mp(spec: sb.Spectrum, k: int):
    """mu_k of a float64 Spectrum as an mpmath number (exact conversion of sign, log|mu_k|)."""
    if spec.sign[k] == 0:
        return mpmath.mpf(0)
    with mpmath.workdps(40):
        return int(spec.sign[k]) * mpmath.exp(mpmath.mpf(float(spec.log_abs[k])))


def log_rel_error(spec: sb.Spectrum, k: int, ref) -> float:
    """|log|mu_k(fast)| - log|mu_k(ref)||, which is the relative error to first order.

    Computed in mpmath, so values far below the float64 range compare fine.
    Signs must agree (checked here); an exact zero must be matched by a zero.
    """
    if ref == 0 or spec.sign[k] == 0:
        assert ref == 0 and spec.sign[k] == 0, f"k={k}: zero mismatch ({spec.sign[k]}, {ref})"
        return 0.0
    assert int(spec.sign[k]) == int(mpmath.sign(ref)), f"k={k}: sign mismatch"
    with mpmath.workdps(40):
        return float(abs(mpmath.mpf(float(spec.log_abs[k])) - mpmath.log(abs(ref))))


# ---------------------------------------------------------------------------------
# 1. fast paths vs the independent mpmath reference
#
# Relative error required of the closed forms everywhere (also at k = 80, d = 10, 20).
CLOSED_FORM_TOL = 1e-12
# Series (ntk-bias, laplace) and Bessel (gaussian) routes: same bound; their own
# per-k estimate must also bound the true error (to a factor 2).
SERIES_TOL = 1e-12
# The rtol under which the quadrature route calls an eigenvalue certified (the default).
RTOL = 1e-10
# An error estimate is accepted as a bound when the true error is at most this times it.
ESTIMATE_FACTOR = 2.0

# Points (d, k) are chosen on the non-vanishing parity class of each kernel: mpmath
# cannot certify an exact zero cheaply (it climbs to 4x the working precision, ~40 s at
# k = 80), and the exact zeros are checked analytically in test_vanishing_parities.
# Non-zero mu_k for k >= 2: even k (relu, abs-power, arccos1, ntk), odd k (step,
# arccos0 = E[step step], arccos2), all k (relu-power with non-integer a).
_EVEN_POINTS = [(2, 40), (3, 6), (4, 12), (5, 0), (5, 1), (10, 80), (20, 80)]
_ODD_POINTS = [(2, 41), (3, 7), (4, 13), (5, 0), (5, 1), (10, 79), (20, 79)]
_ALL_POINTS = [(2, 41), (3, 7), (4, 12), (5, 0), (5, 1), (10, 80), (20, 80)]
CLOSED_FORM_CASES = (
    [("relu", d, k) for d, k in _EVEN_POINTS]
    + [("abs-power:a=0.5", d, k if k != 1 else 2) for d, k in _EVEN_POINTS]  # mu_1 = 0
    + [("arccos1", d, k) for d, k in _EVEN_POINTS]
    + [("ntk", d, k) for d, k in _EVEN_POINTS]
    + [("step", d, k) for d, k in _ODD_POINTS]
    + [("arccos0", d, k) for d, k in _ODD_POINTS]
    + [("arccos2", d, k) for d, k in _ODD_POINTS]
    + [("relu-power:a=1.5", d, k) for d, k in _ALL_POINTS]
)
# polynomial user expressions: exact closed form, mu_k = 0 for k > degree
POLY = "expr:t**5 - 2*t**3 + t/3 + 7"
POLY_CASES = [(POLY, 2, 5), (POLY, 3, 3), (POLY, 10, 1), (POLY, 20, 5), ("expr:t**4 + t", 4, 4)]
SERIES_CASES = [
    ("ntk-bias", 2, 40),
    ("ntk-bias", 3, 9),
    ("ntk-bias", 4, 1),
    ("ntk-bias", 10, 20),
    ("ntk-bias", 20, 40),
    ("laplace", 2, 40),
    ("laplace", 3, 9),
    ("laplace", 5, 0),
    ("laplace", 10, 20),
    ("laplace", 20, 40),
    ("laplace:c=2", 2, 3),
    ("laplace:c=2", 4, 40),
    ("laplace:c=2", 5, 1),
    ("laplace:c=2", 20, 10),
    ("gaussian", 2, 30),
    ("gaussian", 3, 1),
    ("gaussian", 4, 0),
    ("gaussian", 10, 12),
    ("gaussian", 20, 20),
]
EXPR = "expr:exp(t)*cos(2*t) + t**3"
# (kernel, d, k, certified): certified = the float quadrature must reach RTOL there
# (k below the first uncertifiable degree, which falls with d: the kernels are smooth
# only to finite order, so mu_k drops under eps * sum|terms| early at large d).
QUADRATURE_CASES = [
    ("ntk:depth=2", 2, 20, True),
    ("ntk:depth=2", 3, 40, False),
    ("ntk:depth=2", 5, 0, True),
    ("ntk:depth=2", 10, 8, True),
    ("ntk:depth=2", 20, 3, True),
    ("ntk:depth=2", 20, 30, False),
    ("arccos1:depth=2", 2, 6, True),
    ("arccos1:depth=2", 3, 20, False),
    ("arccos1:depth=2", 4, 1, True),
    ("arccos1:depth=2", 10, 5, True),
    ("arccos1:depth=2", 20, 4, True),
    (EXPR, 2, 5, True),
    (EXPR, 3, 12, False),
    (EXPR, 5, 0, True),
    (EXPR, 10, 6, True),
    (EXPR, 20, 4, True),
]
ALL_REFERENCE_CASES = (
    CLOSED_FORM_CASES
    + POLY_CASES
    + SERIES_CASES
    + [(kern, d, k) for kern, d, k, _ in QUADRATURE_CASES]
)


# ``refs`` (tests/conftest.py): the reference values of the selected tests, computed in
# background worker processes from the start of the session (longest first).


def test_reference_case_count():
    # keep the expensive mpmath part of the suite modest
    assert 60 <= len(set(ALL_REFERENCE_CASES)) <= 100


@pytest.mark.parametrize("kern,d,k", CLOSED_FORM_CASES + POLY_CASES)
def test_closed_form_matches_reference(refs, kern, d, k):
    s = sb.eigenvalues(kern, d, k)
    assert s.method == "closed-form"
    ref = refs.get(kern, d, k)
    assert ref != 0
    err = log_rel_error(s, k, ref)
    assert err <= CLOSED_FORM_TOL, f"{kern} d={d} k={k}: relative error {err:.2e}"
    assert err <= ESTIMATE_FACTOR * s.rel_error[k], f"estimate {s.rel_error[k]:.1e} < {err:.1e}"


@pytest.mark.parametrize("kern,d,k", SERIES_CASES)
def test_series_and_bessel_match_reference(refs, kern, d, k):
    s = sb.eigenvalues(kern, d, k, rtol=RTOL)  # strict: every mu_k certified to RTOL
    assert s.method == ("bessel" if kern.startswith("gaussian") else "series")
    ref = refs.get(kern, d, k)
    err = log_rel_error(s, k, ref)
    assert err <= SERIES_TOL, f"{kern} d={d} k={k}: relative error {err:.2e}"
    assert err <= ESTIMATE_FACTOR * s.rel_error[k], f"estimate {s.rel_error[k]:.1e} < {err:.1e}"


@pytest.mark.parametrize("kern,d,k,certified", QUADRATURE_CASES)
def test_quadrature_error_estimate_is_honest(refs, kern, d, k, certified):
    s = sb.eigenvalues(kern, d, k, strict=False)
    assert s.method == "quadrature"
    est = float(s.rel_error[k])
    ref = refs.get(kern, d, k)
    with mpmath.workdps(40):
        err = float(abs(fast_value_mp(s, k) - ref) / abs(ref))
    assert err <= ESTIMATE_FACTOR * est, f"{kern} d={d} k={k}: error {err:.1e} > 2 x {est:.1e}"
    assert (est <= RTOL) == certified, f"estimate {est:.1e}"
    if certified:
        assert err <= RTOL
        # and the strict call accepts it (all mu_j, j <= k, certified)
        strict = sb.eigenvalues(kern, d, k)
        assert np.array_equal(strict.log_abs, s.log_abs)


# ---------------------------------------------------------------------------------
# 2. exact zeros (vanishing parities) and signs
def _expected_zeros(kern: str, k: np.ndarray) -> np.ndarray:
    odd, even = k % 2 == 1, k % 2 == 0
    return {
        "relu": odd & (k >= 3),  # 1/Gamma(1 + (1-k)/2), pole at odd k >= 3
        "step": even & (k >= 2),  # 1/Gamma(1 - k/2)
        "relu-power:a=1.5": np.zeros_like(odd),
        "abs-power:a=0.5": odd,  # even function
        "abs-power:a=1.5": odd,
        "arccos0": even & (k >= 2),  # ~ mu_k(step)^2
        "arccos1": odd & (k >= 3),  # ~ mu_k(relu)^2
        "arccos2": even & (k >= 4),  # ~ mu_k(max(0,t)^2)^2
        "ntk": odd & (k >= 3),  # arccos1 + t arccos0
        "ntk-bias": np.zeros_like(odd),
        "laplace": np.zeros_like(odd),
        "gaussian": np.zeros_like(odd),
    }[kern]


ZERO_KMAX = 3000


@pytest.mark.parametrize("d", [2, 3, 4, 10, 1000])
@pytest.mark.parametrize(
    "kern",
    [
        "relu",
        "step",
        "relu-power:a=1.5",
        "abs-power:a=0.5",
        "abs-power:a=1.5",
        "arccos0",
        "arccos1",
        "arccos2",
        "ntk",
        "ntk-bias",
        "laplace",
        "gaussian",
    ],
)
def test_vanishing_parities(kern, d):
    kmax = 200 if kern == "gaussian" else ZERO_KMAX  # gaussian: mu_k ~ 1/k! leaves float range
    s = sb.eigenvalues(kern, d, kmax)
    zero = _expected_zeros(kern, s.k)
    assert np.array_equal(s.sign == 0, zero)
    # exact zeros are exact: sign 0, log -inf, value 0.0, error 0
    assert np.all(s.log_abs[zero] == -np.inf)
    assert np.all(s.values[zero] == 0.0)
    assert np.all(s.rel_error[zero] == 0.0)
    # everything else is a finite, certified number
    assert np.all(np.isfinite(s.log_abs[~zero]))
    assert np.all(s.rel_error[~zero] <= RTOL)


@pytest.mark.parametrize("d", [2, 3, 10, 100])
def test_polynomial_expression_zeros(d):
    s = sb.eigenvalues(POLY, d, 300)
    # odd part t^5 - 2t^3 + t/3 reaches k = 1, 3, 5; even part is the constant 7
    assert np.array_equal(np.flatnonzero(s.sign), [0, 1, 3, 5])
    assert s.values[0] == pytest.approx(7.0, rel=1e-14)
    assert np.all(s.log_abs[6:] == -np.inf)


@pytest.mark.parametrize(
    "kern", ["arccos0", "arccos1", "arccos2", "ntk", "ntk-bias", "laplace", "gaussian"]
)
@pytest.mark.parametrize("d", [2, 5, 20])
def test_positive_definite_kernels_have_nonnegative_spectra(kern, d):
    s = sb.eigenvalues(kern, d, 200 if kern == "gaussian" else 2000)
    assert np.all(s.sign >= 0)


@pytest.mark.parametrize("d", [2, 3, 7, 50])
def test_activation_signs_alternate(d):
    k = np.arange(2001)
    relu = sb.eigenvalues("relu", d, 2000).sign
    step = sb.eigenvalues("step", d, 2000).sign
    m = k // 2
    # sign 1/Gamma(1 + (1-k)/2) for even k >= 2, 1/Gamma(1 - k/2) for odd k
    even = (k % 2 == 0) & (k >= 2)
    assert np.array_equal(relu[even], np.where(m[even] % 2 == 1, 1, -1))
    odd = k % 2 == 1
    assert np.array_equal(step[odd], np.where(m[odd] % 2 == 0, 1, -1))
    assert relu[0] == relu[1] == step[0] == 1


def test_relu_d3_exact_rationals():
    # mu_k(relu) on S^2: 1/4, 1/6, 1/16, 0, -1/96, 0, 1/256 (Gamma closed form, exact)
    s = sb.eigenvalues("relu", 3, 6)
    exact = [Fraction(1, 4), Fraction(1, 6), Fraction(1, 16), 0, Fraction(-1, 96), 0]
    exact.append(Fraction(1, 256))
    for k, q in enumerate(exact):
        assert s.values[k] == pytest.approx(float(q), rel=4 * EPS, abs=0)


# ---------------------------------------------------------------------------------
# 3. trace identity sum_k N(d,k) mu_k = phi(1)
#
# Sums of up to 1e5 float64 terms (math.fsum), each with relative error <= rel_error:
# the round-off allowance is sum_k N mu_k rel_error_k plus a few ulp of phi(1).
SUM_ULPS = 16
# Tail beyond K: the terms T(k) = N(d,k) mu_k follow A k^{-p} (1 + beta/k + ...).  The
# tail model is a pure power law with the secant exponent of T on [K/2, K], summed by
# Euler-Maclaurin: sum_{k>K} T ~ T(K) K/((p-1) s) - T(K)/2 (s = 1 or 2 by parity).  Its
# error is the O(1/k) correction, of size |beta| T(K) with |beta| ~ (d-2) for these
# Gamma-ratio spectra (measured: 0.94 (d-2) T(K) for laplace at d = 3, 4).
TAIL_SLACK = 2.0


def _trace_terms(kern, d, kmax):
    s = sb.eigenvalues(kern, d, kmax)
    lt = s.log_abs + sb.log_harmonic_multiplicity(d, s.k)
    with np.errstate(under="ignore"):
        terms = s.sign * np.exp(lt)
    return s, lt, terms


def _phi1(kern: str) -> float:
    return float(sb.kernel(kern).phi(1.0))


@pytest.mark.parametrize("kern", ["gaussian", "gaussian:c=3", "gaussian:c=0.2"])
@pytest.mark.parametrize("d", [2, 3, 10, 100])
def test_trace_identity_gaussian(kern, d):
    # mu_k ~ c^k / k! ... : the series is exhausted (terms < 1e-300) long before k = 400
    s, _, terms = _trace_terms(kern, d, 400)
    assert terms[-1] < 1e-300
    total = math.fsum(terms)
    tol = SUM_ULPS * EPS + math.fsum(terms * s.rel_error)
    assert abs(total - _phi1(kern)) <= tol


@pytest.mark.parametrize(
    "kern,d,kmax,step",
    [
        ("laplace", 2, 20000, 1),
        ("laplace", 3, 20000, 1),
        ("laplace", 4, 20000, 1),
        ("laplace:c=2", 2, 20000, 1),
        ("ntk-bias", 2, 20000, 1),
        ("ntk-bias", 3, 20000, 1),
        ("ntk", 2, 100000, 2),
        ("ntk", 3, 100000, 2),
        ("arccos1", 2, 4000, 2),
        ("arccos1", 3, 4000, 2),
        ("arccos1", 5, 4000, 2),
    ],
)
def test_trace_identity_with_power_law_tail(kern, d, kmax, step):
    s, lt, terms = _trace_terms(kern, d, kmax)
    assert kmax % step == 0
    k0 = kmax // 2 + (kmax // 2) % step  # same parity class as kmax
    p = -(lt[kmax] - lt[k0]) / math.log(kmax / k0)
    # the power law of the terms: N ~ k^{d-2} times mu_k ~ k^{-alpha}
    alpha = {"arccos1": d + 2}.get(kern.split(":")[0], d)
    assert p == pytest.approx(alpha - (d - 2), abs=0.01)
    t_k = terms[kmax]
    tail = t_k * kmax / ((p - 1) * step) - t_k / 2
    partial = math.fsum(terms)
    roundoff = SUM_ULPS * EPS * _phi1(kern) + math.fsum(np.abs(terms) * s.rel_error)
    tol = TAIL_SLACK * max(d - 2, 1) * t_k + roundoff
    assert abs(partial + tail - _phi1(kern)) <= tol
    # the check is not vacuous: without the tail the identity fails by far
    assert tail > 10 * tol


# ---------------------------------------------------------------------------------
# 4. fitted decay exponents |mu_k| ~ k^{-alpha} on the non-vanishing parity class
SLOPE_KMIN, SLOPE_KMAX = 500, 5000
EXPECTED_ALPHA = {
    "relu": lambda d: (d + 2) / 2,
    "arccos1": lambda d: d + 2,
    "ntk": lambda d: d,
    "laplace": lambda d: d,
    "ntk-bias": lambda d: d,
    "abs-power:a=0.5": lambda d: 0.5 + d / 2,
    "abs-power:a=1.5": lambda d: 1.5 + d / 2,
}


@pytest.mark.parametrize("d", [2, 3, 5, 10])
@pytest.mark.parametrize("kern", list(EXPECTED_ALPHA))
def test_fitted_decay_exponent(kern, d):
    alpha = EXPECTED_ALPHA[kern](d)
    s = sb.eigenvalues(kern, d, SLOPE_KMAX)
    k = np.arange(SLOPE_KMIN, SLOPE_KMAX + 1)
    k = k[s.sign[k] != 0]
    x = np.log(k)
    slope = np.polyfit(x, s.log_abs[k], 1)[0]
    # log|mu_k| = -alpha log k + C + beta/k + O(1/k^2): for these Gamma-function ratios
    # beta = -alpha (d-2)/2 (Gamma(m+x)/Gamma(m+y) = m^{x-y}(1 + (x-y)(x+y-1)/(2m) + ...)),
    # which moves the least-squares slope by beta * c, c = regression coefficient of 1/k
    # on log k over the fitted k (~6e-4 here).  Allow twice that (and alpha c at d = 2,
    # where the first correction vanishes), plus 1e-4.
    c = np.polyfit(x, 1.0 / k, 1)[0]
    tol = 2 * abs(c) * alpha * max(d - 2, 1) / 2 + 1e-4
    assert abs(-slope - alpha) <= tol, f"fitted {-slope:.5f} vs {alpha} (tol {tol:.1e})"


# ---------------------------------------------------------------------------------
# 5. huge d and K: the float path vs the Gamma closed form evaluated in mpmath
HUGE_D, HUGE_K = 10_000, 100_000
HUGE_KS = [0, 1, 2, 3, 4, 10, 11, 999, 1000, 4999, 5000, 5001, 10000, 54321, 99999, 100000]
# relative-error ceiling at these sizes (the per-k estimates are ~1e-11: 4 eps |log mu_k|)
HUGE_TOL = 1e-10


def _relu_power_mp(a, d, k):
    """Gamma(d/2) Gamma(a+1) / (2^{a+1} Gamma(1 + (a-k)/2) Gamma((d+a+k)/2)), mpmath."""
    a = mpmath.mpf(a)
    return (
        mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(a + 1)
        / 2 ** (a + 1)
        * mpmath.rgamma(1 + (a - k) / 2)
        * mpmath.rgamma((d + a + k) / 2)
    )


def _huge_mp(kern, d, k):
    if kern in ("relu", "step"):
        return _relu_power_mp(1 if kern == "relu" else 0, d, k)
    if kern.startswith("relu-power"):
        return _relu_power_mp(kern.split("=")[1], d, k)
    if kern.startswith("abs-power"):
        return (1 + (-1) ** k) * _relu_power_mp(kern.split("=")[1], d, k)
    if kern == "arccos1":  # E|w|^2 mu_k(relu)^2, E|w|^2 = d
        return d * _relu_power_mp(1, d, k) ** 2
    raise AssertionError(kern)


@pytest.mark.parametrize(
    "kern", ["relu", "step", "relu-power:a=1.5", "relu-power:a=-0.5", "abs-power:a=0.5", "arccos1"]
)
def test_huge_dimension_and_degree(kern):
    s = sb.eigenvalues(kern, HUGE_D, HUGE_K)
    assert len(s) == HUGE_K + 1
    nz = s.sign != 0
    assert np.all(np.isfinite(s.log_abs[nz]))
    assert np.all(s.log_abs[~nz] == -np.inf)
    assert np.all(s.rel_error <= RTOL)
    with mpmath.workdps(50):
        for k in HUGE_KS:
            ref = _huge_mp(kern, HUGE_D, k)
            err = log_rel_error(s, k, ref)
            assert err <= HUGE_TOL, f"k={k}: {err:.1e}"
            assert err <= ESTIMATE_FACTOR * s.rel_error[k] or err == 0.0


def test_huge_values_underflow_only_in_values():
    s = sb.eigenvalues("relu", HUGE_D, HUGE_K)
    assert s.log_abs[HUGE_K] < -700  # far below float64
    assert s.values[HUGE_K] == 0.0 and s.sign[HUGE_K] != 0


def test_ntk_recurrence_at_huge_sizes():
    # ntk = arccos1 + t arccos0 via t P_k = (k P_{k-1} + (k+d-2) P_{k+1})/(2k+d-2), in mpmath
    d = HUGE_D
    s = sb.eigenvalues("ntk", d, HUGE_K)
    with mpmath.workdps(50):

        def arccos0(j):
            return _relu_power_mp(0, d, j) ** 2  # E|w|^0 = 1

        for k in [0, 2, 100, 5000, 99998]:
            t_part = arccos0(1) if k == 0 else (k * arccos0(k - 1) + (k + d - 2) * arccos0(k + 1))
            if k:
                t_part /= 2 * k + d - 2
            ref = d * _relu_power_mp(1, d, k) ** 2 + t_part
            assert log_rel_error(s, k, ref) <= HUGE_TOL


def _endpoint_mp(g, d, k):
    """mu_k((1-t)^g) = 2^g (-1)^k 2^{d-2} Gamma(d/2) Gamma(g+1) Gamma(g+(d-1)/2)
    / (sqrt(pi) Gamma(g-k+1) Gamma(g+k+d-1)), in mpmath."""
    g = mpmath.mpf(g)
    num = 2**g * (-1) ** k * 2 ** (d - 2) * mpmath.gamma(mpmath.mpf(d) / 2) * mpmath.gamma(g + 1)
    num *= mpmath.gamma(g + mpmath.mpf(d - 1) / 2) * mpmath.rgamma(g - k + 1)
    return num / (mpmath.sqrt(mpmath.pi) * mpmath.gamma(g + k + d - 1))


@pytest.mark.parametrize("family", ["ntk-bias", "laplace"])
@pytest.mark.parametrize("d", [2, 10, 100])
def test_series_float_evaluation_at_large_k(family, d):
    # The endpoint series at degrees far beyond any quadrature, summed term by term in
    # mpmath (the series itself is checked against the quadrature reference above).
    # Regression: the float terms once lost O(eps k log k) to two cancelling huge
    # log-Gammas (1e-10 relative at k = 1e5) while the estimate claimed 2e-15.
    from specbias.spectra import _closed_forms as cf

    ks = np.array([1000, 10_000, 100_000])
    if family == "ntk-bias":
        sign, log_abs, rel = cf.ntk_bias_log(d, ks)
        fracs = cf.ntk_bias_coefficients(96)
        coef = [mpmath.mpf(q.numerator) / q.denominator / mpmath.pi for q in fracs]
        gammas = [mpmath.mpf(j) + 0.5 for j in range(96)]
    else:
        sign, log_abs, rel = cf.laplace_log(1.0, d, ks)
        coef = [(-mpmath.sqrt(2)) ** j / mpmath.factorial(j) for j in range(60)]
        gammas = [mpmath.mpf(j) / 2 for j in range(60)]
    with mpmath.workdps(40):
        for i, k in enumerate(ks.tolist()):
            ref = mpmath.fsum(a * _endpoint_mp(g, d, k) for a, g in zip(coef, gammas, strict=True))
            assert int(sign[i]) == int(mpmath.sign(ref))
            err = float(abs(mpmath.mpf(float(log_abs[i])) - mpmath.log(abs(ref))))
            assert err <= SERIES_TOL and err <= ESTIMATE_FACTOR * rel[i], (k, err, rel[i])


@pytest.mark.parametrize(
    "c,d", [(1.0, 2), (1.0, 300), (1.0, HUGE_D), (0.2, 50), (40.0, 3), (60.0, 300)]
)
def test_gaussian_against_mpmath_bessel(c, d):
    # mu_k = e^{-2c} Gamma(d/2) c^{-(d-2)/2} I_{k+(d-2)/2}(2c), evaluated with mpmath.besseli
    s = sb.eigenvalues(f"gaussian:c={c:g}", d, 3000)
    with mpmath.workdps(40):
        cm = mpmath.mpf(c)
        for k in [0, 1, 5, 30, 150, 1000, 3000]:
            nu = k + mpmath.mpf(d - 2) / 2
            ref = mpmath.exp(-2 * cm) * mpmath.gamma(mpmath.mpf(d) / 2)
            ref *= cm ** (-mpmath.mpf(d - 2) / 2) * mpmath.besseli(nu, 2 * cm)
            err = log_rel_error(s, k, ref)
            assert err <= 1e-11 and err <= ESTIMATE_FACTOR * s.rel_error[k], (k, err)


# ---------------------------------------------------------------------------------
# 6. bad input
@pytest.mark.parametrize("d", [1, 0, -3, 2.5, "3", True])
def test_bad_dimension(d):
    with pytest.raises(InputError):
        sb.eigenvalues("relu", d, 10)


@pytest.mark.parametrize("kmax", [-1, -100, 2.5, True])
def test_bad_kmax(kmax):
    with pytest.raises(InputError):
        sb.eigenvalues("relu", 3, kmax)


def test_input_error_is_value_error():
    with pytest.raises(ValueError):
        sb.eigenvalues("relu", 1, 10)
    assert issubclass(AccuracyError, ArithmeticError)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "   ",
        "nonsense",
        "relu2",
        "relu-power",  # needs a=
        "relu-power:a=-1",  # a > -1
        "relu-power:a=abc",
        "relu-power:a=nan",
        "relu-power:b=2",
        "relu:a=1",
        "abs-power:a=-2",
        "laplace:c=0",
        "laplace:c=-1",
        "gaussian:c=inf",
        "ntk:depth=0",
        "ntk:depth=1.5",
        "ntk:depth=51",
        "arccos1:depth",
        "expr:",
        "expr:t + x",
        "expr:exp(",
    ],
)
def test_bad_kernel(spec):
    with pytest.raises(InputError):
        sb.eigenvalues(spec, 3, 5)


def test_bad_method():
    with pytest.raises(InputError):
        sb.eigenvalues("relu", 3, 5, method="magic")
    with pytest.raises(InputError):
        sb.eigenvalues("relu", 3, 5, method="series")  # not available for relu
    with pytest.raises(InputError):
        sb.eigenvalues("ntk:depth=2", 3, 5000)  # quadrature limited to k <= 4000


def test_quadrature_refuses_what_it_cannot_certify():
    with pytest.raises(AccuracyError, match="ntk:depth=2"):
        sb.eigenvalues("ntk:depth=2", 20, 60)
    # the same request without strict returns the estimates, flagged
    s = sb.eigenvalues("ntk:depth=2", 20, 60, strict=False)
    assert np.any(s.rel_error > RTOL) and np.all(s.rel_error[:4] <= RTOL)
    # a looser rtol does not make round-off-level eigenvalues acceptable
    with pytest.raises(AccuracyError):
        sb.eigenvalues(EXPR, 3, 40, rtol=1e-6)


def test_reference_bad_input():
    with pytest.raises(InputError):
        sb.reference_eigenvalue("relu", 1, 3)
    with pytest.raises(InputError):
        sb.reference_eigenvalue("bogus", 3, 3)
