"""gaussian:c: exp(-c |x - y|^2) = exp(-2c (1 - t)), a modified Bessel closed form.

.. math::

    \\mu_k = e^{-2c}\\,\\Gamma(d/2)\\,c^{-(d-2)/2}\\,I_{k+(d-2)/2}(2c)
    \\sim e^{-2c}\\,\\frac{\\Gamma(d/2)\\,c^k}{\\Gamma(k+d/2)},

all positive, faster than any power of k (elementary for odd d and small k, where the
Bessel function has half-integer order; DLMF 10.25, 10.49).  Convention
:mod:`specbias.spectra._conventions`; Minh, Niyogi & Yao (2006), Bach arXiv 1412.8690.

>>> from specbias.spectra import eigenvalue_text
>>> eigenvalue_text("gaussian:c=1")
'mu_k = exp(-2)*besseli(d/2 + k - 1, 2)*gamma(d/2)'
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from .. import _closed_forms as cf
from .._expr import T
from .._laws import fast_law
from .._symbolic import _HALF
from ._base import C, Family, Numeric, rational

#: Largest half-integer Bessel order n + 1/2 written out in elementary functions.
_BESSEL_ELEMENTARY_MAX = 12


def _numeric(p) -> Numeric:
    c = p["c"]

    def run(d, k):
        sign, log_abs = cf.gaussian_log(c, d, k)
        return sign, log_abs, cf.gaussian_rel_error(c, d, log_abs)

    return Numeric("bessel", run)


def _besseli_half(m: int, z) -> sp.Expr:
    """I_{m+1/2}(z) in elementary functions (DLMF 10.49.8 / 10.47.7)."""
    a = [sp.factorial(m + j) / (2**j * sp.factorial(j) * sp.factorial(m - j)) for j in range(m + 1)]
    plus = sum((-1) ** j * a[j] / z ** (j + 1) for j in range(m + 1))
    minus = sum(a[j] / z ** (j + 1) for j in range(m + 1))
    i1 = (sp.exp(z) * plus + (-1) ** (m + 1) * sp.exp(-z) * minus) / 2
    return sp.sqrt(2 * z / sp.pi) * i1


def _gaussian_sym(c, d, k) -> sp.Expr:
    pre = sp.exp(-2 * c) * sp.gamma(d * _HALF) * c ** (-(d - 2) * _HALF)
    nu = k + (d - 2) * _HALF
    if isinstance(d, int) and d % 2 == 1 and nu - _HALF <= _BESSEL_ELEMENTARY_MAX:
        return sp.expand(pre * _besseli_half(int(nu - _HALF), 2 * c))
    return pre * sp.besseli(nu, 2 * c)


def _gaussian_mp(p, d: int, k: int, dps: int):
    c = rational(p["c"])
    with mpmath.workdps(dps + 15):
        cm = mpmath.mpf(c.p) / c.q
        nu = k + mpmath.mpf(d - 2) / 2
        val = (
            mpmath.exp(-2 * cm)
            * mpmath.gamma(mpmath.mpf(d) / 2)
            * cm ** (-(mpmath.mpf(d) - 2) / 2)
            * mpmath.besseli(nu, 2 * cm)
        )
    with mpmath.workdps(dps):
        return +val


def _phi(m, theta, p):
    s = m.sin(theta / 2)
    return m.exp(-4 * p["c"] * s * s)


GAUSSIAN = Family(
    name="gaussian",
    params=(C,),
    phi=_phi,
    sympy_phi=lambda p: sp.exp(-2 * rational(p["c"]) * (1 - T)),
    phi_t=lambda p: lambda t: np.exp(-2 * p["c"] * (1 - t)),
    numeric=_numeric,
    symbolic=lambda p, d, k, form: _gaussian_sym(rational(p["c"]), d, k),
    exact_mp=_gaussian_mp,
    decay=lambda p, spec, d: fast_law(spec, d, "mu_k ~ e^{-2c} Gamma(d/2) c^k / Gamma(k + d/2)"),
    analytic_interior=True,
    examples=("gaussian", "gaussian:c=2"),
)
