"""Exact arithmetic on coef * 2^p2 * pi^(hpi/2) * prod Gamma(r)^e, r in (0, 1) \\ {1/2}.

The fast exact route of the Gamma-ratio closed forms: mu_k of max(0, t)^a on S^{d-1}
(convention :mod:`specbias.spectra._conventions`),

.. math:: R_a(k) = \\frac{\\Gamma(d/2)\\Gamma(a+1)}{2^{a+1}\\Gamma(1+(a-k)/2)\\Gamma((d+a+k)/2)},

built from exact rationals, never from sympy's simplifier (Bach arXiv 1412.8690, App. D).

>>> from fractions import Fraction
>>> _relu_power_exact(Fraction(1), 3, 4).to_sympy()  # relu on S^2, k = 4
-1/96
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from .._errors import InputError


def _frac(x: sp.Rational) -> Fraction:
    return Fraction(int(x.p), int(x.q))


class _Exact:
    __slots__ = ("coef", "gam", "hpi", "p2")

    def __init__(self, coef=Fraction(1), p2=Fraction(0), hpi=0, gam=None):
        self.coef = Fraction(coef)
        self.p2 = Fraction(p2)
        self.hpi = int(hpi)
        self.gam = dict(gam or {})

    def __mul__(self, other: _Exact) -> _Exact:
        gam = dict(self.gam)
        for r, e in other.gam.items():
            gam[r] = gam.get(r, 0) + e
            if gam[r] == 0:
                del gam[r]
        return _Exact(self.coef * other.coef, self.p2 + other.p2, self.hpi + other.hpi, gam)

    def inv(self) -> _Exact:
        return _Exact(1 / self.coef, -self.p2, -self.hpi, {r: -e for r, e in self.gam.items()})

    def to_sympy(self) -> sp.Expr:
        if self.coef == 0:
            return sp.Integer(0)
        out = (
            sp.Rational(self.coef.numerator, self.coef.denominator)
            * sp.Integer(2) ** sp.Rational(self.p2.numerator, self.p2.denominator)
            * sp.pi ** sp.Rational(self.hpi, 2)
        )
        gam = dict(self.gam)
        for r in sorted(gam):
            s = 1 - r
            if r < s and s in gam and gam[r] * gam[s] > 0:
                # reflection Gamma(r) Gamma(1-r) = pi / sin(pi r)
                m = min(abs(gam[r]), abs(gam[s])) * (1 if gam[r] > 0 else -1)
                out *= (sp.pi / sp.sin(sp.pi * sp.Rational(r.numerator, r.denominator))) ** m
                gam[r] -= m
                gam[s] -= m
        for r, e in sorted(gam.items()):
            if e:
                out *= sp.gamma(sp.Rational(r.numerator, r.denominator)) ** e
        return out


_ZERO = _Exact(0)


def _gamma_exact(x: Fraction) -> _Exact | None:
    """Gamma(x) for rational x exactly; None at a pole (x a non-positive integer)."""
    r = x - math.floor(x)
    n = int(x - r)  # x = r + n
    if r == 0:
        if x <= 0:
            return None
        return _Exact(math.factorial(int(x) - 1))
    p, q = r.numerator, r.denominator
    if n >= 0:  # Gamma(r + n) = Gamma(r) prod_{i<n} (r + i)
        coef = Fraction(math.prod(p + i * q for i in range(n)), q**n)
    else:  # Gamma(r - m) = Gamma(r) / prod_{i=1..m} (r - i)
        m = -n
        coef = Fraction(q**m, math.prod(p - i * q for i in range(1, m + 1)))
    if r == Fraction(1, 2):
        return _Exact(coef, hpi=1)
    return _Exact(coef, gam={r: 1})


def _gamma_ratio(num: list[Fraction], den: list[Fraction]) -> _Exact:
    """prod Gamma(num) / prod Gamma(den); exactly 0 when a denominator hits a pole."""
    out = _Exact()
    for x in den:
        g = _gamma_exact(x)
        if g is None:
            return _ZERO
        out = out * g.inv()
    for x in num:
        g = _gamma_exact(x)
        if g is None:  # cannot happen for the kernels here (a > -1, d >= 2)
            raise InputError(f"Gamma pole at {x} in an eigenvalue numerator")
        out = out * g
    return out


def _relu_power_exact(a: Fraction, d: int, k: int) -> _Exact:
    h = Fraction(1, 2)
    val = _gamma_ratio([Fraction(d) * h, a + 1], [1 + (a - k) * h, (d + a + k) * h])
    return val * _Exact(p2=-(a + 1))


def _arccos_exact(n: int, d: int, k: int) -> _Exact:
    r = _relu_power_exact(Fraction(n), d, k)
    if r.coef == 0:
        return _ZERO
    moment = _gamma_ratio([Fraction(d, 2) + n], [Fraction(d, 2)]) * _Exact(2**n)
    return moment * r * r
