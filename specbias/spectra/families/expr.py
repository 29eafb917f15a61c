"""expr:<text>: any phi(t) in the safe expression language of :mod:`.._expr`.

A polynomial :math:`\\varphi(t) = \\sum_m a_m t^m` has exact rational eigenvalues

.. math:: \\mu_k(t^m) = (1 + (-1)^{m+k})\\,R_m(k),
   \\qquad \\mu_k = 0 \\text{ for } k > \\deg\\varphi,

R_m(k) = mu_k(max(0, t)^m) (:mod:`.relu_power`; Bach arXiv 1412.8690, App. D), summed in
float64 log space with a cancellation estimate.  Anything else has no formula here: its
spectrum is the float64 quadrature (split at phi's interior singular points), its exact
value the unevaluated Funk-Hecke integral.  Decay law: a polynomial has mu_k = 0 past its
degree; otherwise phi's singular points in [-1, 1] are found and expanded
(:mod:`.._singular`): interior kinks, jumps and cusps |t - t0|^a give alpha = a + d/2
with an oscillating factor (:mod:`.._interior`), endpoint terms (1 -+ t)^g give
2g + d - 1, none at all means phi is analytic on [-1, 1] (faster than any power).
Convention :mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import exact_eigenvalue, harmonic_multiplicity as N
>>> sum(N(4, k) * exact_eigenvalue("expr:t**4 - 3*t + 5", 4, k) for k in range(6))  # phi(1)
3
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ..._errors import InputError
from .. import _closed_forms as cf
from .._exact_arith import _Exact, _relu_power_exact
from .._expr import T, lambdified, parse_expression
from .._interior import interior_law
from .._laws import endpoint_law, fast_law, polynomial_law
from .._singular import analyse, expression_breakpoints
from .._symbolic import _relu_power_sym
from ._base import Family, Numeric

_EXPR_CACHE: dict[str, sp.Expr] = {}
_LAMBDA_CACHE: dict[tuple[str, bool], object] = {}


def expression(text: str) -> sp.Expr:
    """Safely parsed expression of a stored text, cached (a Kernel may be built by hand)."""
    if text not in _EXPR_CACHE:
        _EXPR_CACHE[text] = parse_expression(text)
    return _EXPR_CACHE[text]


def _lambdified(text: str, mp: bool):
    key = (text, mp)
    if key not in _LAMBDA_CACHE:
        _LAMBDA_CACHE[key] = lambdified(expression(text), mp=mp)
    return _LAMBDA_CACHE[key]


def _phi(m, theta, p):
    fn = _lambdified(p["text"], m.MP)
    t = m.cos(theta)
    if m.MP:
        return mpmath.mpf(fn(t))
    return np.broadcast_to(np.asarray(fn(t), dtype=np.float64), np.shape(t)).copy()


def polynomial(p) -> sp.Poly | None:
    """phi as a :class:`sympy.Poly` in t, or None when it is not a polynomial."""
    phi = expression(p["text"])
    if not phi.is_polynomial(T):
        return None
    return sp.Poly(phi, T)


def _numeric(p) -> Numeric | None:
    poly = polynomial(p)
    if poly is None:
        return None
    coeffs = [float(c) for c in reversed(poly.all_coeffs())]
    return Numeric("closed-form", lambda d, k: cf.polynomial_log(coeffs, d, k))


def _poly_sym(poly: sp.Poly, d, k) -> sp.Expr:
    total = sp.Integer(0)
    for (m,), coeff in poly.terms():
        m = sp.Integer(m)
        total += coeff * (1 + (-1) ** (m + k)) * _relu_power_sym(m, d, k)
    return sp.Piecewise((0, k > poly.degree()), (total, True))


def _symbolic(p, d, k, form):
    poly = polynomial(p)
    return None if poly is None else _poly_sym(poly, d, k)


def _exact(p, d: int, k: int):
    poly = polynomial(p)
    if poly is None:
        return None
    total = sp.Integer(0)
    for (m,), coeff in poly.terms():
        if m >= k and (m + k) % 2 == 0:
            total += coeff * (_relu_power_exact(Fraction(m), d, k) * _Exact(2)).to_sympy()
    return sp.expand(total)


def _parity(p) -> str:
    phi = expression(p["text"])
    flipped = phi.subs(T, -T)
    if sp.simplify(flipped - phi) == 0:
        return "even"
    if sp.simplify(flipped + phi) == 0:
        return "odd"
    return "none"


def _decay(p, spec: str, d: int):
    """The law from phi's singular points (module docstring); the slower one wins."""
    poly = polynomial(p)
    if poly is not None:
        return polynomial_law(spec, d, f"a polynomial of degree {poly.degree()}")
    try:
        points, ends = analyse(expression(p["text"]))
    except InputError:
        raise
    except Exception as err:  # sympy/mpmath gave up on this phi: no law, one line
        raise InputError(
            f"{spec}: its singular points could not be expanded ({type(err).__name__}); "
            "no decay law derived"
        ) from None
    laws = []
    if points:
        laws.append(interior_law(spec, d, points))
    if ends is not None:
        laws.append(endpoint_law(spec, d, ends[1], ends[2], exact=False, m=ends[0]))
    if not laws:
        note = "phi is analytic on [-1, 1] (no singular point): geometric decay"
        parity = {"even": "even", "odd": "odd"}.get(_parity(p), "all")
        return replace(fast_law(spec, d, note), parity=parity)
    return min(laws, key=lambda law: law.alpha)


EXPR = Family(
    name="expr",
    params=(),
    phi=_phi,
    sympy_phi=lambda p: expression(p["text"]),
    numeric=_numeric,
    symbolic=_symbolic,
    exact=_exact,
    parity=_parity,
    decay=_decay,
    breakpoints=lambda p: expression_breakpoints(p["text"]),
    free_text=True,
    examples=("expr:t**3 + exp(t)", "expr:t**4 - 3*t + 5", "expr:abs(t)**1.5"),
)
