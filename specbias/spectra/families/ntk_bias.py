"""ntk-bias: the two-layer ReLU NTK with a bias, an exact endpoint series.

.. math::

    K(t) = \\frac{J_1(\\tilde\\theta)}{\\pi} + (t+1)\\frac{J_0(\\tilde\\theta)}{2\\pi},
    \\quad \\cos\\tilde\\theta = \\frac{1+t}{2};\\qquad
    K(t) = (1+t) + \\sum_{n\\ge0} g_n (1-t)^{n+1/2},

:math:`g_n = \\binom{2n}{n}(4n^2+16n-1) / (\\pi\\,16^n (2n-1)^2(2n+1))`, and
:math:`\\mu_k((1-t)^\\gamma) = 2^\\gamma(-1)^k M(\\gamma,k)` (:mod:`.._symbolic`);
polynomial part :math:`\\mu_0(1+t) = 1`, :math:`\\mu_1(1+t) = 1/d`.  ``form="hyper"``
writes the series as pFq at z = 1/2 (b = (3/2-k, k+d-1/2)).  Decay: A_+ = -1/pi, A_- = 0,
|mu_k| ~ C k^{-d} on all k (Bietti & Bach arXiv 2009.14397).  Convention
:mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import eigenvalues
>>> eigenvalues("ntk-bias", 3, 1).method
'series'
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from .. import _closed_forms as cf
from .._expr import T
from .._laws import endpoint_law
from .._series_mp import _certified_sum, _endpoint_step, _mp_endpoint_power
from .._symbolic import _HALF, NSUM, _endpoint_power
from . import _phi_t as F
from ._base import Family, Numeric, j0, j1


def _phi(m, theta, p):
    u = (1 + m.cos(theta)) / 2
    tht = m.acos(u)
    return j1(m, tht) / m.pi + 2 * u * j0(m, tht) / (2 * m.pi)


def _phi_t(t):
    u = (1 + t) / 2
    pmt = F.j0(u)
    out = F.j1(u, pmt) / np.pi
    out += (t + 1) * pmt / (2 * np.pi)
    return out


def _sympy_phi(p) -> sp.Expr:
    u = (1 + T) / 2
    tht = sp.acos(u)
    return (sp.sqrt(1 - u**2) + (sp.pi - tht) * u) / sp.pi + (T + 1) * (sp.pi - tht) / (2 * sp.pi)


def ntk_bias_coefficient(n) -> sp.Expr:
    """g_n of K_bias(t) = (1+t) + sum_n g_n (1-t)^{n+1/2}, exact (n an int or symbol).

    g_n = [binom(1/2,n)(-1/4)^n - 2 q_n + q_{n-1}]/pi, q_n = (1/2)_n/(n!(2n+1)4^n),
    q_{-1} = 0, which equals binom(2n,n)(4n^2+16n-1)/(pi 16^n (2n-1)^2 (2n+1)).

    >>> [ntk_bias_coefficient(n) * sp.pi for n in range(3)]
    [-1, 19/24, 47/1920]
    """
    return (
        sp.binomial(2 * n, n)
        * (4 * n**2 + 16 * n - 1)
        / (sp.pi * sp.Integer(16) ** n * (2 * n - 1) ** 2 * (2 * n + 1))
    )


def _ntk_bias_poly(d, k) -> sp.Expr:
    """mu_k(1 + t): 1 at k = 0, 1/d at k = 1, else 0."""
    if isinstance(k, int):
        return {0: sp.Integer(1), 1: 1 / sp.Integer(d)}.get(k, sp.Integer(0))
    return sp.Piecewise((1, sp.Eq(k, 0)), (1 / d, sp.Eq(k, 1)), (0, True))


def _ntk_bias_sym(d, k, form: str) -> sp.Expr:
    n = NSUM
    if form == "sum":
        term = ntk_bias_coefficient(n) * _endpoint_power(n + _HALF, d, k)
        return _ntk_bias_poly(d, k) + sp.Sum(term, (n, 0, sp.oo))
    # pi g_n = binom(2n,n)/16^n [4/(2n-1)^2 + 3/(2n-1) - 2/(2n+1)], each a pFq at z = 1/2
    h, b = _HALF, [3 * _HALF - k, k + d - _HALF]
    series = (
        4 * sp.hyper([-h, -h, 3 * h, d * h], [h, *b], h)
        - 3 * sp.hyper([-h, 3 * h, d * h], b, h)
        - 2 * sp.hyper([h, h, d * h], b, h)
    )
    return _ntk_bias_poly(d, k) + _endpoint_power(h, d, k) / sp.pi * series


def _ntk_bias_mp(d: int, k: int, dps: int) -> mpmath.mpf:
    def terms():
        # g_n = binom(2n,n)/16^n (4n^2+16n-1) / (pi (2n-1)^2 (2n+1)), h_n = mu_k((1-t)^{n+1/2})
        pi = mpmath.pi
        b = mpmath.mpf(1)  # binom(2n, n) / 16^n
        g = mpmath.mpf(1) / 2
        h = _mp_endpoint_power(g, d, k)
        yield (-1 / pi) * h + {0: 1, 1: mpmath.mpf(1) / d}.get(k, 0)
        n = 0
        while True:
            b = b * (2 * n + 1) / (8 * (n + 1))
            h = h * _endpoint_step(g, d, k)
            n += 1
            g += 1
            yield b * (4 * n * n + 16 * n - 1) / (pi * (2 * n - 1) ** 2 * (2 * n + 1)) * h

    def tail(n):  # sum_{m > n} |g_m h_m| <= sum_{m > n} 0.48 * 2^-m  (m >= 2)
        return mpmath.mpf(2) ** (-n) / 2

    return _certified_sum(terms, tail, dps, dps + 20)


NTK_BIAS = Family(
    name="ntk-bias",
    params=(),
    phi=_phi,
    sympy_phi=_sympy_phi,
    phi_t=lambda p: _phi_t,
    numeric=lambda p: Numeric("series", cf.ntk_bias_log, lambda: cf.NTK_BIAS_TERMS),
    symbolic=lambda p, d, k, form: _ntk_bias_sym(d, k, form),
    exact_mp=lambda p, d, k, dps: _ntk_bias_mp(d, k, dps),
    decay=lambda p, spec, d: endpoint_law(spec, d, -1 / sp.pi, sp.Integer(0), exact=True),
    analytic_interior=True,
    examples=("ntk-bias",),
)
