"""Symbolic building blocks of exact eigenvalues: d, k sympy symbols or Python ints.

Convention :mod:`specbias.spectra._conventions`; formulas (Bach arXiv 1412.8690,
App. D; Bietti & Mairal arXiv 1905.12173):

* :math:`R_a(k) = \\Gamma(d/2)\\Gamma(a+1) / (2^{a+1}\\Gamma(1+(a-k)/2)\\Gamma((d+a+k)/2))`
  is mu_k of max(0, t)^a, exactly 0 for integer a when k >= a+2 and k = a (mod 2);
* :math:`\\mu_k((1-t)^g) = 2^g(-1)^k M(g,k)`,
  :math:`M = 2^{d-2}\\Gamma(d/2)\\Gamma(g+1)\\Gamma(g+(d-1)/2)
  / (\\sqrt\\pi\\,\\Gamma(g-k+1)\\Gamma(g+k+d-1))`;
* the unevaluated Funk-Hecke integral, with :math:`P_k = T_k` (d = 2) or
  :math:`C_k^{(d-2)/2}(t)/\\binom{k+d-3}{k}`.

>>> _relu_power_sym(sp.Integer(1), D, K).subs({D: 3, K: 4})
-1/96
"""

from __future__ import annotations

import sympy as sp

from ._expr import T

#: Symbols of :func:`eigenvalue_expr`: dimension d (data on S^{d-1}), degree k.
D = sp.Symbol("d", integer=True, positive=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
#: Summation index of the series kernels (ntk-bias, laplace).
NSUM = sp.Symbol("n", integer=True, nonnegative=True)

#: Largest k for which P_k is expanded into an explicit polynomial in Integrals.
_PK_EXPAND_MAX = 60

_HALF = sp.Rational(1, 2)


def _relu_power_formula(a, d, k) -> sp.Expr:
    return (
        sp.gamma(d * _HALF)
        * sp.gamma(a + 1)
        / (2 ** (a + 1) * sp.gamma(1 + (a - k) * _HALF) * sp.gamma((d + a + k) * _HALF))
    )


def _vanishes(a, k):
    """Condition (in symbolic k) under which R_a(k) = 0: integer a, k >= a+2, k = a mod 2."""
    return (k >= a + 2) & sp.Eq(sp.Mod(k - a, 2), 0)


def _relu_power_sym(a, d, k) -> sp.Expr:
    if a.is_integer:
        return sp.Piecewise((0, _vanishes(a, k)), (_relu_power_formula(a, d, k), True))
    return _relu_power_formula(a, d, k)


def _endpoint_m(g, d, k) -> sp.Expr:
    """M(g, k) = 2^{d-2} G(d/2) G(g+1) G(g+(d-1)/2) / (sqrt(pi) G(g-k+1) G(g+k+d-1)), G = Gamma."""
    return (
        2 ** (d - 2)
        * sp.gamma(d * _HALF)
        * sp.gamma(g + 1)
        * sp.gamma(g + (d - 1) * _HALF)
        / (sp.sqrt(sp.pi) * sp.gamma(g - k + 1) * sp.gamma(g + k + d - 1))
    )


def _endpoint_power(g, d, k) -> sp.Expr:
    """mu_k((1-t)^g) = 2^g (-1)^k M(g, k)."""
    return 2**g * (-1) ** k * _endpoint_m(g, d, k)


def _lazy_gamma(x) -> sp.Expr:
    return sp.gamma(sp.sympify(x), evaluate=False)


def _pk_sym(d, k, t) -> sp.Expr:
    """P_k^{(d)}(t), P_k(1) = 1: Chebyshev for d = 2, normalized Gegenbauer otherwise."""
    if isinstance(d, int) and isinstance(k, int):
        ev = k <= _PK_EXPAND_MAX
        if d == 2:
            return sp.chebyshevt(k, t, evaluate=ev)
        lam = sp.Rational(d - 2, 2)
        return sp.gegenbauer(k, lam, t, evaluate=ev) / sp.binomial(k + d - 3, k)
    return sp.Piecewise(
        (sp.chebyshevt(k, t), sp.Eq(d, 2)),
        (sp.gegenbauer(k, (d - 2) * _HALF, t) / sp.binomial(k + d - 3, k), True),
    )


def _integral_sym(phi: sp.Expr, d, k) -> sp.Expr:
    cd = sp.gamma(d * _HALF) / (sp.sqrt(sp.pi) * sp.gamma((d - 1) * _HALF))
    weight = (1 - T**2) ** ((d - 3) * _HALF)
    return cd * sp.Integral(phi * _pk_sym(d, k, T) * weight, (T, -1, 1))
