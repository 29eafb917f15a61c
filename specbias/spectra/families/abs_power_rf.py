"""abs-power-rf: the random-feature teacher E_w[|w.x|^a |w.y|^a], w ~ N(0, I_d).

.. math::

    \\varphi(t) = \\frac{2^a\\,\\Gamma((a+1)/2)^2}{\\pi}\\,
        {}_2F_1(-a/2, -a/2; 1/2; t^2),
    \\qquad \\mu_k = \\mathbb E|w|^{2a}\\,\\mu_k(|t|^a)^2,
    \\quad \\mathbb E|w|^{2a} = 2^a \\Gamma(d/2+a)/\\Gamma(d/2)

(Funk-Hecke twice), so mu_k = 0 on odd k and |mu_k| ~ C k^{-(2a+d)}: smoothness
nu_t = a + 1/2 (Cagnetta et al. arXiv 2206.12314).  Convention
:mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import decay_law
>>> decay_law("abs-power-rf:a=1.5", 3).alpha
6.0
"""

from __future__ import annotations

import math

import mpmath
import sympy as sp
from scipy.special import hyp2f1

from .. import _closed_forms as cf
from .._expr import T
from .._laws import D, polynomial_law, power_law, relu_power_const
from ._base import A, Family, Numeric, closed_form_rel, rational


def _phi(m, theta, p):
    a = p["a"]
    t = m.cos(theta)
    if m.MP:
        pre = 2**a * mpmath.gamma((a + 1) / 2) ** 2 / mpmath.pi
        return pre * mpmath.hyp2f1(-a / 2, -a / 2, 0.5, t * t)
    pre = 2**a * math.gamma((a + 1) / 2) ** 2 / math.pi
    return pre * hyp2f1(-a / 2, -a / 2, 0.5, t * t)


def _sympy_phi(p) -> sp.Expr:
    a = rational(p["a"])
    pre = 2**a * sp.gamma((a + 1) / 2) ** 2 / sp.pi
    return pre * sp.hyper([-a / 2, -a / 2], [sp.Rational(1, 2)], T**2)


def _numeric(p) -> Numeric:
    def run(d, k):
        sign, log_abs = cf.abs_power_rf_log(p["a"], d, k)
        return sign, log_abs, closed_form_rel(sign, log_abs)

    return Numeric("closed-form", run)


def _decay(p, spec, d):
    a = sp.nsimplify(p["a"])
    if a.is_integer and int(a) % 2 == 0:
        return polynomial_law(spec, d, "even integer a: a polynomial kernel")
    moment = 2**a * sp.gamma(D / 2 + a) / sp.gamma(D / 2)
    c = moment * (2 * relu_power_const(a) * sp.Abs(sp.sin(sp.pi * a / 2))) ** 2
    return power_law(
        spec, d, 2 * a + D, c, "even", "positive", "smoothness nu_t = a + 1/2", float(2 * a + d)
    )


def _exact_mp(p, d: int, k: int, dps: int):
    """E|w|^{2a} (2 R_a(k))^2 on even k (0 on odd k) in mpmath, a read as a rational."""
    if k % 2:
        return mpmath.mpf(0)
    a = rational(p["a"])
    with mpmath.workdps(dps + 15):
        am = mpmath.mpf(a.p) / a.q
        h = mpmath.mpf(d) / 2
        r = (
            mpmath.gamma(h)
            * mpmath.gamma(am + 1)
            * mpmath.rgamma(1 + (am - k) / 2)
            * mpmath.rgamma((d + am + k) / 2)
            / 2**am
        )
        val = 2**am * mpmath.gamma(h + am) / mpmath.gamma(h) * r * r
    with mpmath.workdps(dps):
        return +val


ABS_POWER_RF = Family(
    name="abs-power-rf",
    params=(A,),
    phi=_phi,
    sympy_phi=_sympy_phi,
    numeric=_numeric,
    exact_mp=_exact_mp,
    decay=_decay,
    parity=lambda p: "even",
    analytic_interior=True,
    examples=("abs-power-rf:a=1.5", "abs-power-rf:a=1"),
)
