"""relu-power max(0, t)^a (with ``relu`` a = 1 and ``step`` a = 0) and abs-power |t|^a.

.. math::

    \\mu_k(\\max(0,t)^a) = R_a(k) = \\frac{\\Gamma(d/2)\\,\\Gamma(a+1)}
        {2^{a+1}\\,\\Gamma(1+(a-k)/2)\\,\\Gamma((d+a+k)/2)},
    \\qquad \\mu_k(|t|^a) = (1+(-1)^k) R_a(k),

a > -1, exactly 0 where 1 + (a-k)/2 is a pole (relu: odd k >= 3; step: even k >= 2).
Decay: |mu_k| ~ Gamma(d/2) Gamma(a+1) 2^{d/2-1} |sin(pi (k-a)/2)| / pi * k^{-(a+d/2)};
abs-power doubles it on even k, and is a polynomial (no power law) for even integer a.
Convention :mod:`specbias.spectra._conventions`; Bach arXiv 1412.8690 (App. D),
Bietti & Mairal arXiv 1905.12173.

>>> from specbias.spectra import exact_eigenvalue
>>> [exact_eigenvalue("relu", 3, k) for k in range(5)]
[1/4, 1/6, 1/16, 0, -1/96]
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from .. import _closed_forms as cf
from .._exact_arith import _Exact, _frac, _relu_power_exact
from .._expr import T
from .._laws import D, polynomial_law, power_law, relu_power_const
from .._symbolic import _relu_power_formula, _relu_power_sym, _vanishes
from ._base import A, Family, Numeric, closed_form_rel, rational


def _phi(m, theta, p, absolute: bool = False):
    a = p["a"]
    t = m.cos(theta)
    if m.MP:
        if absolute:
            return abs(t) ** a if t != 0 else (mpmath.mpf(1) if a == 0 else mpmath.mpf(0))
        if t > 0:
            return t**a
        return mpmath.mpf(0.5) if (t == 0 and a == 0) else mpmath.mpf(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if absolute:
            return np.abs(t) ** a
        return np.where(t > 0, np.abs(t) ** a, 0.0)


def _phi_t(p, absolute: bool = False):
    a = p["a"]

    def fused(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            if absolute:
                return np.abs(t) ** a
            return np.where(t > 0, np.abs(t) ** a, 0.0)

    return fused


def _numeric(p, absolute: bool = False):
    def run(d, k):
        log_fn = cf.abs_power_log if absolute else cf.relu_power_log  # looked up per call
        sign, log_abs = log_fn(p["a"], d, k)
        return sign, log_abs, closed_form_rel(sign, log_abs)

    return Numeric("closed-form", run)


def _exact(p, d, k, absolute: bool = False):
    if absolute and k % 2:
        return sp.Integer(0)
    value = _relu_power_exact(_frac(rational(p["a"])), d, k)
    return (value * _Exact(2) if absolute else value).to_sympy()


def _abs_power_sym(a, d, k) -> sp.Expr:
    pieces = [(0, sp.Eq(sp.Mod(k, 2), 1))]
    if a.is_integer:
        pieces.append((0, _vanishes(a, k)))
    return sp.Piecewise(*pieces, (2 * _relu_power_formula(a, d, k), True))


def _decay(p, spec, d, absolute: bool = False):
    a = sp.nsimplify(p["a"])
    c = relu_power_const(a)
    is_int = bool(a.is_integer)
    if absolute:
        if is_int and int(a) % 2 == 0:
            return polynomial_law(spec, d, "|t|^a with even integer a is a polynomial")
        c = 2 * c * sp.Abs(sp.sin(sp.pi * a / 2))
        parity, sign = "even", "alternating in k/2"
    elif is_int:
        parity = "even" if int(a) % 2 == 1 else "odd"
        sign = "alternating"
    else:
        parity, sign = "all", "period 4 in k"
    note = "" if is_int or absolute else "times |sin(pi (k-a)/2)|"
    return power_law(spec, d, a + D / 2, c, parity, sign, note)


RELU_POWER = Family(
    name="relu-power",
    params=(A,),
    phi=_phi,
    sympy_phi=lambda p: sp.Piecewise((T ** rational(p["a"]), T > 0), (0, True)),
    phi_t=_phi_t,
    numeric=_numeric,
    symbolic=lambda p, d, k, form: _relu_power_sym(rational(p["a"]), d, k),
    exact=_exact,
    decay=_decay,
    examples=("relu-power:a=1.5", "relu-power:a=0.3", "relu-power:a=2"),
)
RELU = RELU_POWER.alias("relu", a=1.0)
STEP = RELU_POWER.alias("step", a=0.0)

ABS_POWER = Family(
    name="abs-power",
    params=(A,),
    phi=lambda m, theta, p: _phi(m, theta, p, absolute=True),
    sympy_phi=lambda p: sp.Abs(T) ** rational(p["a"]),
    phi_t=lambda p: _phi_t(p, absolute=True),
    numeric=lambda p: _numeric(p, absolute=True),
    symbolic=lambda p, d, k, form: _abs_power_sym(rational(p["a"]), d, k),
    exact=lambda p, d, k: _exact(p, d, k, absolute=True),
    decay=lambda p, spec, d: _decay(p, spec, d, absolute=True),
    parity=lambda p: "even",
    examples=("abs-power:a=0.5", "abs-power:a=3", "abs-power:a=2"),
)
