"""laplace:c: exp(-c |x - y|) = exp(-c sqrt(2 - 2t)), an exact endpoint series.

.. math::

    \\mu_k = \\sum_{j\\ge0} \\frac{(-c\\sqrt2)^j}{j!}\\,\\mu_k\\big((1-t)^{j/2}\\big),
    \\qquad \\mu_k((1-t)^\\gamma) = 2^\\gamma(-1)^k M(\\gamma,k)

(:mod:`.._symbolic`), split into integer powers (j = 2n, n >= k: lower ones are
polynomials of degree < k) and half-integer powers.  ``form="hyper"``:
:math:`E_0\\,{}_1F_2(k+\\tfrac{d-1}2; k+\\tfrac12, 2k+d-1; c^2)
+ O_0\\,{}_1F_2(\\tfrac d2; b; c^2)`, :math:`E_0 = (2c)^{2k}/(2k)!\\,(-1)^k M(k,k)`,
:math:`O_0 = -2c(-1)^k M(\\tfrac12,k)`, b = (3/2-k, k+d-1/2).  Decay: A_+ = -c sqrt 2,
|mu_k| ~ C k^{-d} (Bietti & Bach arXiv 2009.14397; Geifman et al. arXiv 2007.01580).
Convention :mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import decay_law
>>> decay_law("laplace", 3).alpha
3.0
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from .. import _closed_forms as cf
from .._expr import T
from .._laws import endpoint_law
from .._series_mp import _certified_sum, _endpoint_step, _mp_endpoint_power
from .._symbolic import _HALF, NSUM, _endpoint_m, _endpoint_power, _lazy_gamma
from ._base import C, Family, Numeric, rational

#: Above this k the hyper prefactor keeps its Gamma functions unevaluated.
_BIG_FACTORIAL_K = 300
#: Printing an exact value sums it: ~7e-5 k^2 s (k = 300: 5 s), twice that here.
_PRINT_S_PER_K2 = 1.5e-4


def _numeric(p) -> Numeric:
    c = p["c"]
    return Numeric("series", lambda d, k: cf.laplace_log(c, d, k), lambda: cf.series_terms(c))


def _laplace_sym(c, d, k, form: str) -> sp.Expr:
    n = NSUM
    s = c * sp.sqrt(2)
    if form == "sum":
        even = sp.Sum(s ** (2 * n) / sp.factorial(2 * n) * _endpoint_power(n, d, k), (n, k, sp.oo))
        odd = sp.Sum(
            s ** (2 * n + 1) / sp.factorial(2 * n + 1) * _endpoint_power(n + _HALF, d, k),
            (n, 0, sp.oo),
        )
        return even - odd
    # term ratios: even chain (powers (1-t)^{k+n}) c^2 (n+k+(d-1)/2)/((n+1)(n+k+1/2)(n+2k+d-1)),
    # odd chain (powers (1-t)^{n+1/2}) c^2 (n+d/2)/((n+1)(n+3/2-k)(n+k+d-1/2))
    z = c**2
    h_even = sp.hyper([k + (d - 1) * _HALF], [k + _HALF, 2 * k + d - 1], z)
    h_odd = sp.hyper([d * _HALF], [3 * _HALF - k, k + d - _HALF], z)
    odd = -2 * c * (-1) ** k * _endpoint_m(_HALF, d, k) * h_odd
    if isinstance(k, int) and k > _BIG_FACTORIAL_K:
        # (2c)^{2k}, (2k)!, ... kept unevaluated: exact, where a 10^4-digit rational
        # would only break printing (CPython's int -> str limit)
        g = _lazy_gamma
        rest = (
            (-1) ** k
            * 2 ** (d - 2)
            * sp.gamma(d * _HALF)
            * g(k + 1)
            * g(k + (d - 1) * _HALF)
            / (sp.sqrt(sp.pi) * g(2 * k + 1) * g(2 * k + d - 1))
        )
        even = sp.Mul(sp.Pow(2 * c, 2 * k, evaluate=False), rest * h_even, evaluate=False)
    else:
        e0 = (2 * c) ** (2 * k) / sp.factorial(2 * k) * (-1) ** k * _endpoint_m(k, d, k)
        even = e0 * h_even
    return even + odd


def _laplace_mp(c: sp.Rational, d: int, k: int, dps: int) -> mpmath.mpf:
    def terms():
        cm = mpmath.mpf(c.p) / c.q
        s2 = 2 * cm * cm  # (c sqrt 2)^2
        # even chain j = 2m (m >= k): (c sqrt 2)^{2m}/(2m)! mu_k((1-t)^m)
        # odd chain j = 2m + 1: -(c sqrt 2)^{2m+1}/(2m+1)! mu_k((1-t)^{m+1/2})
        ev = None
        od = None
        j = 0
        while True:
            if j % 2 == 0:
                m = j // 2
                if m < k:
                    yield mpmath.mpf(0)
                elif ev is None:
                    ev = s2**m / mpmath.factorial(2 * m) * _mp_endpoint_power(m, d, k)
                    yield ev
                else:
                    ev = ev * s2 / ((j - 1) * j) * _endpoint_step(mpmath.mpf(m - 1), d, k)
                    yield ev
            else:
                m = (j - 1) // 2
                g = m + mpmath.mpf(1) / 2
                if od is None:
                    od = -cm * mpmath.sqrt(2) * _mp_endpoint_power(g, d, k)
                else:
                    od = od * s2 / ((j - 1) * j) * _endpoint_step(g - 1, d, k)
                yield od
            j += 1

    x = 2 * mpmath.mpf(c.p) / c.q

    def tail(n):  # sum_{j > n} (2c)^j / j!, geometric once (2c)/(n + 2) <= 1/2
        if n + 2 < 2 * x:
            return mpmath.inf
        return 2 * mpmath.exp((n + 1) * mpmath.log(x) - mpmath.loggamma(n + 2))

    return _certified_sum(terms, tail, dps, dps + 20 + int(x / 2.3))


LAPLACE = Family(
    name="laplace",
    params=(C,),
    phi=lambda m, theta, p: m.exp(-p["c"] * 2 * m.sin(theta / 2)),
    sympy_phi=lambda p: sp.exp(-rational(p["c"]) * sp.sqrt(2 - 2 * T)),
    phi_t=lambda p: lambda t: np.exp(-p["c"] * np.sqrt(2 - 2 * t)),
    numeric=_numeric,
    symbolic=lambda p, d, k, form: _laplace_sym(rational(p["c"]), d, k, form),
    exact_mp=lambda p, d, k, dps: _laplace_mp(rational(p["c"]), d, k, dps),
    decay=lambda p, spec, d: endpoint_law(
        spec, d, -sp.nsimplify(p["c"]) * sp.sqrt(2), 0, exact=True
    ),
    analytic_interior=True,
    print_cost=_PRINT_S_PER_K2,
    examples=("laplace", "laplace:c=0.5"),
)
