"""Exact eigenvalues (specbias.spectra._exact) against independent routes.

Independent checks: mpmath quadrature of the Funk-Hecke integral
(``reference_eigenvalue``), the float64 log-space fast path (``eigenvalues``),
sympy integration of the Funk-Hecke integral, the trace identity
sum_k N(d,k) mu_k = phi(1), and hand-computed values.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import specbias
from specbias import InputError, eigenvalues, harmonic_multiplicity
from specbias.spectra import _exact as ex
from specbias.spectra._closed_forms import ntk_bias_coefficients
from specbias.spectra._exact import (
    D,
    K,
    eigenvalue_expr,
    eigenvalue_text,
    exact_eigenvalue,
    exact_eigenvalue_mp,
)
from specbias.spectra._kernels import T

CLOSED = [
    "relu",
    "step",
    "relu-power:a=1.5",
    "relu-power:a=0.3",
    "relu-power:a=2",
    "abs-power:a=0.5",
    "abs-power:a=3",
    "arccos0",
    "arccos1",
    "arccos2",
    "ntk",
    "gaussian:c=0.75",
    "expr:t**5 - 2*t**3 + t/3 + 7",
]
SERIES = ["ntk-bias", "laplace:c=1", "laplace:c=0.25", "laplace:c=6"]


def rel_err(a, b):
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if b == 0:
        return abs(a)
    return abs(a - b) / abs(b)


# ---------------------------------------------------------------------------------
# hand-computed values
def test_relu_d3_known_values():
    assert [exact_eigenvalue("relu", 3, k) for k in range(5)] == [
        sp.Rational(1, 4),
        sp.Rational(1, 6),
        sp.Rational(1, 16),
        0,
        sp.Rational(-1, 96),
    ]


def test_known_exact_values():
    r = sp.Rational
    # arccos0 = (pi - theta)/(2 pi): (1/2) int_0^pi (pi - th)/(2 pi) sin th dth = 1/4
    assert exact_eigenvalue("arccos0", 3, 0) == r(1, 4)
    assert exact_eigenvalue("arccos0", 3, 1) == r(1, 16)
    assert exact_eigenvalue("arccos1", 3, 0) == r(3, 16)
    assert exact_eigenvalue("arccos1", 3, 1) == r(1, 12)
    # ntk = arccos1 + t arccos0, t P_k = (k P_{k-1} + (k+1) P_{k+1})/(2k+1) on S^2:
    # mu_0 = 3/16 + 1/16, mu_1 = 1/12 + (1/4 + 2 * 0)/3 = 1/6
    assert exact_eigenvalue("ntk", 3, 0) == r(1, 4)
    assert exact_eigenvalue("ntk", 3, 1) == r(1, 6)
    assert exact_eigenvalue("ntk", 3, 2) == r(5, 128)
    assert exact_eigenvalue("relu", 2, 0) == 1 / sp.pi  # (1/pi) int_0^{pi/2} cos
    assert exact_eigenvalue("step", 2, 1) == 1 / sp.pi
    assert exact_eigenvalue("step", 3, 1) == r(1, 4)
    assert exact_eigenvalue("ntk", 2, 0) == 3 / sp.pi**2  # 2/pi^2 + 1/pi^2
    # relu-power a=1/2, d=3: (1/2) int_0^1 sqrt(t) dt = 1/3
    assert exact_eigenvalue("relu-power:a=0.5", 3, 0) == r(1, 3)
    # gaussian on S^2: (1/2) int e^{-2c(1-t)} dt = (1 - e^{-4c})/(4c), elementary
    g = exact_eigenvalue("gaussian:c=0.5", 3, 0)
    assert not g.has(sp.besseli)
    assert sp.simplify(g - (1 - sp.exp(-2)) / 2) == 0
    # t^2 = 1/3 + (2/3) P_2 = mu_0 + N(3,2) mu_2 P_2 on S^2
    assert exact_eigenvalue("expr:t**2", 3, 0) == r(1, 3)
    assert exact_eigenvalue("expr:t**2", 3, 2) == r(2, 15)
    assert exact_eigenvalue("expr:t**2", 3, 1) == 0


def test_ntk_bias_d3_mu0_is_one():
    # On S^2, mu_0 = (1/2) int K_bias(t) dt; the series gives exactly 1 (to 60 digits here).
    assert rel_err(exact_eigenvalue_mp("ntk-bias", 3, 0, dps=60), 1) < mpmath.mpf(10) ** -58


def test_ntk_bias_coefficients_match_fraction_recurrence():
    # the simplified g_n equals [binom(1/2,n)(-1/4)^n - 2 q_n + q_{n-1}]/pi exactly
    fr = ntk_bias_coefficients(30)
    for n, c in enumerate(fr):
        assert ex.ntk_bias_coefficient(n) * sp.pi == sp.Rational(c.numerator, c.denominator)


# ---------------------------------------------------------------------------------
# exact zeros
@pytest.mark.parametrize("d", [2, 3, 4, 9])
def test_vanishing_parity(d):
    for k in range(0, 61):
        relu = exact_eigenvalue("relu", d, k)
        step = exact_eigenvalue("step", d, k)
        a2 = exact_eigenvalue("relu-power:a=2", d, k)
        frac = exact_eigenvalue("relu-power:a=1.5", d, k)
        absp = exact_eigenvalue("abs-power:a=0.5", d, k)
        arc1 = exact_eigenvalue("arccos1", d, k)
        assert (relu == 0) == (k >= 3 and k % 2 == 1), (d, k)
        assert (step == 0) == (k >= 2 and k % 2 == 0), (d, k)
        assert (a2 == 0) == (k >= 4 and k % 2 == 0), (d, k)
        assert frac != 0
        assert (absp == 0) == (k % 2 == 1)
        assert (arc1 == 0) == (k >= 3 and k % 2 == 1)
        # two-layer NTK without bias: odd k >= 3 vanish too (Bietti & Mairal 1905.12173)
        assert (exact_eigenvalue("ntk", d, k) == 0) == (k >= 3 and k % 2 == 1)
    # ... and the bias removes every zero
    assert all(exact_eigenvalue_mp("ntk-bias", d, k, dps=15) > 0 for k in range(0, 30))


# ---------------------------------------------------------------------------------
# against the independent quadrature (about 20 evaluations, ~25 s of CPU; ``refs``: conftest)
REF_CASES = [
    ("relu", 2, 0, 20),
    ("relu", 4, 40, 20),
    ("step", 5, 41, 20),
    ("relu-power:a=1.5", 2, 7, 20),
    ("relu-power:a=0.5", 6, 44, 20),
    ("abs-power:a=2.5", 3, 6, 20),
    ("arccos0", 2, 3, 20),
    ("arccos1", 7, 4, 20),
    ("arccos2", 3, 2, 20),
    ("ntk", 2, 0, 20),
    ("ntk", 3, 1, 20),
    ("ntk", 5, 40, 20),
    ("gaussian:c=0.75", 2, 5, 20),
    ("gaussian:c=2", 5, 9, 20),
    ("expr:t**6 - t**3/3 + 2", 4, 3, 20),
    ("ntk-bias", 2, 3, 30),
    ("ntk-bias", 5, 8, 30),
    ("ntk-bias", 3, 40, 20),
    ("laplace:c=1.5", 3, 6, 30),
    ("laplace:c=0.5", 8, 2, 30),
    ("laplace:c=1", 2, 41, 26),
]


@pytest.mark.parametrize(("kern", "d", "k", "digits"), REF_CASES)
def test_exact_vs_reference_quadrature(refs, kern, d, k, digits):
    ref = refs.get(kern, d, k, digits)  # reference_eigenvalue, computed in the background
    assert ref != 0
    got = exact_eigenvalue_mp(kern, d, k, dps=digits + 10)
    assert rel_err(got, ref) < mpmath.mpf(10) ** (2 - digits), (got, ref)
    if kern.split(":")[0] in ("ntk-bias", "laplace") and digits >= 26:
        assert rel_err(got, ref) < mpmath.mpf(10) ** -25


# ---------------------------------------------------------------------------------
# against the float64 fast path, many k
@pytest.mark.parametrize("kern", CLOSED[:-1] + SERIES)
def test_exact_vs_float_fast_path(kern):
    for d in (2, 3, 4, 7):
        kmax = 160
        # strict=False: the float path may decline to certify (laplace:c=6 at d=2 has
        # estimated error 3e-9 for k=0); those entries are compared at their own error
        s = eigenvalues(kern, d, kmax, strict=False)
        ks = list(range(0, 24)) + list(range(24, kmax + 1, 17))
        for k in ks:
            v = exact_eigenvalue_mp(kern, d, k, dps=20)
            if s.sign[k] == 0:
                assert v == 0, (kern, d, k)
                continue
            assert v != 0
            assert np.sign(float(v)) == s.sign[k], (kern, d, k)
            assert abs(float(mpmath.log(abs(v))) - s.log_abs[k]) < 1e-11 + 2 * s.rel_error[k]


def test_exact_vs_float_fast_path_large_k():
    k = np.array([1000, 2001, 4999, 5000])
    for kern, d in [("relu", 3), ("relu-power:a=0.3", 2), ("ntk", 5), ("gaussian:c=2", 3)]:
        s = eigenvalues(kern, d, 5000)
        for kk in k:
            v = exact_eigenvalue_mp(kern, d, int(kk), dps=20)
            if s.sign[kk] == 0:
                assert v == 0
            else:
                rel = abs(float(mpmath.log(abs(v))) - s.log_abs[kk])
                assert rel < 1e-10, (kern, d, kk)
    for kern, d in [("ntk-bias", 3), ("laplace:c=1", 4)]:
        s = eigenvalues(kern, d, 3000, strict=False)
        v = exact_eigenvalue_mp(kern, d, 3000, dps=20)
        assert abs(float(mpmath.log(v)) - s.log_abs[3000]) < max(1e-9, 2 * s.rel_error[3000])


# ---------------------------------------------------------------------------------
# symbolic expression vs exact values
@pytest.mark.parametrize("kern", CLOSED)
def test_symbolic_expression_substitutes_to_exact(kern):
    e = eigenvalue_expr(kern)
    assert e.free_symbols <= {D, K}
    for d in (2, 3, 4, 5):
        for k in range(0, 9):
            sub = e.subs({D: d, K: k})
            val = exact_eigenvalue(kern, d, k)
            if val == 0:
                assert sub == 0, (kern, d, k, sub)
                continue
            diff = sp.N(sub - val, 40)
            assert abs(diff) <= 1e-35 * abs(sp.N(val, 40)), (kern, d, k, sub, val)


@pytest.mark.parametrize("kern", SERIES)
@pytest.mark.parametrize("form", ["sum", "hyper"])
def test_series_forms_evaluate_to_certified_sum(kern, form):
    e = eigenvalue_expr(kern, form=form)
    assert e.has(sp.Sum if form == "sum" else sp.hyper)
    cases = [(2, 0), (2, 1), (3, 0), (3, 2), (6, 5)]
    if form == "sum":  # sympy's Sum.evalf is slow (hypergeometric-term detection)
        cases = cases[1:4]
    for d, k in cases:
        mp = exact_eigenvalue_mp(kern, d, k, dps=30)
        val = exact_eigenvalue(kern, d, k, form=form)
        assert val.has(sp.Sum if form == "sum" else sp.hyper)
        assert rel_err(mpmath.mpf(val.evalf(30)), mp) < 1e-27
        if form == "hyper":  # the Sum form substitutes identically; its evalf is slower
            sub = e.subs({D: d, K: k}).evalf(30)
            assert rel_err(mpmath.mpf(sub), mp) < 1e-27


def test_hyper_form_large_k_is_fast_and_printable():
    for kern, d, k in [("laplace:c=10", 3, 1000), ("laplace:c=1", 50, 5000), ("ntk-bias", 4, 3000)]:
        val = exact_eigenvalue(kern, d, k, form="hyper")
        assert len(str(val)) < 2000
        got = mpmath.mpf(val.evalf(25))
        assert rel_err(got, exact_eigenvalue_mp(kern, d, k, dps=25)) < 1e-22


def test_gaussian_elementary_equals_bessel():
    c = sp.Rational(3, 4)
    for d, k in [(3, 0), (3, 5), (5, 2), (7, 9)]:
        e = exact_eigenvalue("gaussian:c=0.75", d, k)
        assert not e.has(sp.besseli)
        nu = k + sp.Rational(d - 2, 2)
        bessel = (
            sp.exp(-2 * c) * sp.gamma(sp.Rational(d, 2)) * c ** (-nu + k) * sp.besseli(nu, 2 * c)
        )
        assert abs(sp.N(e - bessel, 40)) < 1e-35 * abs(sp.N(bessel, 40))


# ---------------------------------------------------------------------------------
# polynomial kernels: exact identities
@pytest.mark.parametrize("d", [2, 3, 5, 8])
def test_trace_identity_polynomial(d):
    text = "t**5 - 2*t**3 + t/3 + 7 + pi*t**4"
    phi1 = sp.sympify(text, locals={"t": T}).subs(T, 1)
    total = sum(
        harmonic_multiplicity(d, k) * exact_eigenvalue(f"expr:{text}", d, k) for k in range(8)
    )
    assert sp.simplify(total - phi1) == 0
    for k in range(6, 12):
        assert exact_eigenvalue(f"expr:{text}", d, k) == 0


@pytest.mark.parametrize("d", [3, 5, 7])  # polynomial weights (1-t^2)^((d-3)/2): fast for sympy
def test_polynomial_formula_vs_sympy_integration(d):
    # the Funk-Hecke integral with sympy's gegenbauer, integrated exactly by sympy
    for m in range(0, 6):
        for k in range(0, m + 1):
            integral = ex._integral_sym(T**m, d, k).doit()
            assert sp.simplify(integral - exact_eigenvalue(f"expr:t**{m}", d, k)) == 0, (m, d, k)


def test_exp_integral_matches_gaussian():
    # exp(t) = e * exp(-(1 - t)) = e * gaussian(c=1/2): the unevaluated integral, done by sympy
    val = exact_eigenvalue("expr:exp(t)", 3, 2)
    assert val.has(sp.Integral)
    g = exact_eigenvalue("gaussian:c=0.5", 3, 2)
    assert sp.simplify(val.doit() - sp.E * g) == 0


# ---------------------------------------------------------------------------------
# unevaluated forms, text, API
def test_unevaluated_integral_kernels():
    e = eigenvalue_expr("ntk:depth=2")
    assert e.has(sp.Integral)
    val = exact_eigenvalue("ntk:depth=2", 3, 2)
    assert val.has(sp.Integral) and not val.free_symbols
    assert eigenvalue_expr("expr:exp(t)").has(sp.Integral)
    # numeric value falls back to the quadrature route
    want = sp.N(sp.E * exact_eigenvalue("gaussian:c=0.5", 3, 2), 30)
    assert rel_err(exact_eigenvalue_mp("expr:exp(t)", 3, 2, dps=20), want) < 1e-18


def test_eigenvalue_text():
    assert eigenvalue_text("relu").startswith("mu_k = Piecewise((0, ")
    assert eigenvalue_text("gaussian:c=1") == "mu_k = exp(-2)*besseli(d/2 + k - 1, 2)*gamma(d/2)"
    lat = eigenvalue_text("ntk-bias", latex=True)
    assert lat.startswith("\\mu_k = ") and "\\sum" in lat
    assert "{}_{4}F_{3}" in eigenvalue_text("ntk-bias", latex=True, form="hyper")
    assert ex.to_latex(eigenvalue_expr("step")).startswith("\\begin{cases}")


def test_mp_precision_is_local_and_certified():
    before = mpmath.mp.dps
    a = exact_eigenvalue_mp("laplace:c=6", 5, 30, dps=60)
    b = exact_eigenvalue_mp("laplace:c=6", 5, 30, dps=90)
    assert mpmath.mp.dps == before
    with mpmath.workdps(100):
        assert rel_err(a, b) < mpmath.mpf(10) ** -59
    a = exact_eigenvalue_mp("ntk-bias", 2, 2500, dps=40)
    b = exact_eigenvalue_mp("ntk-bias", 2, 2500, dps=70)
    with mpmath.workdps(100):
        assert rel_err(a, b) < mpmath.mpf(10) ** -39


def test_gamma_reduction_is_exact():
    g = ex._gamma_exact
    assert g(Fraction(5)).to_sympy() == 24
    assert g(Fraction(7, 2)).to_sympy() == sp.gamma(sp.Rational(7, 2))
    assert g(Fraction(-3, 2)).to_sympy() == sp.gamma(sp.Rational(-3, 2))
    assert sp.simplify(g(Fraction(-7, 4)).to_sympy() - sp.gamma(sp.Rational(-7, 4))) == 0
    assert g(Fraction(0)) is None and g(Fraction(-3)) is None
    # reflection: Gamma(1/4) Gamma(3/4) = pi sqrt(2)
    assert (g(Fraction(1, 4)) * g(Fraction(3, 4))).to_sympy() == sp.sqrt(2) * sp.pi


@pytest.mark.parametrize(
    ("args", "kw"),
    [
        (("relu", 1, 0), {}),
        (("relu", 3, -1), {}),
        (("relu", 3, 5001), {}),
        (("relu", 3, 1.5), {}),
        (("relu", 3, True), {}),
        (("relu", 2.5, 1), {}),
        (("nope", 3, 1), {}),
        (("ntk-bias", 3, 1), {"form": "series"}),
    ],
)
def test_bad_input(args, kw):
    with pytest.raises(InputError) as err:
        exact_eigenvalue(*args, **kw)
    assert "\n" not in str(err.value)
    with pytest.raises(InputError):
        if kw:
            eigenvalue_expr(args[0], **kw)
        else:
            exact_eigenvalue_mp(*args)


def test_bad_dps():
    with pytest.raises(InputError):
        exact_eigenvalue_mp("relu", 3, 1, dps=2)


def test_reexports():
    assert specbias.exact_eigenvalue is exact_eigenvalue
    assert specbias.spectra.eigenvalue_expr is eigenvalue_expr
    assert math.isclose(float(specbias.exact_eigenvalue_mp("relu", 3, 2, dps=20)), 1 / 16)
