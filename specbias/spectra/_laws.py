"""Decay laws |mu_k| ~ C(d) k^{-alpha} and the builders the kernel families share.

* :func:`relu_power_const`: |mu_k(max(0,t)^a)| ~ Gamma(d/2) Gamma(a+1) 2^{d/2-1}
  |sin(pi (k-a)/2)| / pi * k^{-(a + d/2)} (from Gamma(x)/Gamma(x+h) ~ x^{-h});
* :func:`endpoint_law`: phi = phi(1) + A_+ (1-t)^g + ... at t = 1 and phi(-1) + A_- (1+t)^g
  + ... at t = -1, g = m + 1/2, gives mu_k ~ -(-1)^m 2^g Q_g (A_+ + (-1)^k A_-)
  k^{-(2g+d-1)} (Bietti & Bach arXiv 2009.14397);
* :func:`polynomial_law`: a polynomial has mu_k = 0 beyond its degree.

Convention :mod:`specbias.spectra._conventions` (Bietti & Mairal arXiv 1905.12173).

>>> endpoint_law("ntk-bias", 3, -1 / sp.pi, sp.Integer(0), exact=True).alpha
3.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import sympy as sp

D = sp.Symbol("d", positive=True, integer=True)


@dataclass(frozen=True)
class DecayLaw:
    """|mu_k| ~ constant * k^(-alpha) on the degrees listed by ``parity``.

    ``alpha`` is ``math.inf`` for faster-than-power decay.  ``constant`` is C(d) at
    this d; ``alpha_expr``/``constant_expr`` are sympy expressions in ``d`` when known
    exactly.  ``parity``: "even", "odd" or "all" (degrees on which the law holds; the
    others vanish for k large), ``sign`` describes the sign pattern.

    Args:
      kernel: canonical kernel spec.
      d: ambient dimension.
      alpha, constant: the law |mu_k| ~ constant k^(-alpha) at this d.
      parity, sign: degrees where it holds, sign pattern.
      alpha_expr, constant_expr: exact sympy forms in d, or None.
      note: a remark (e.g. a periodic factor).

    Returns:
      A frozen record (built by :func:`~specbias.spectra.decay_law`).

    Example:
    >>> from specbias.spectra import decay_law
    >>> decay_law("relu", 3).alpha  # (d + 2)/2
    2.5

    References:
      Bietti & Mairal arXiv 1905.12173; Bietti & Bach arXiv 2009.14397.
    """

    kernel: str
    d: int
    alpha: float
    constant: float
    parity: str
    alpha_expr: sp.Expr | None
    constant_expr: sp.Expr | None
    sign: str
    note: str = ""

    @property
    def formula(self) -> str:
        if math.isinf(self.alpha):
            return f"|mu_k| decays faster than any power of k ({self.note})"
        cls = {"all": "all k", "even": "even k", "odd": "odd k"}[self.parity]
        return f"|mu_k| ~ {self.constant_text} * k^(-{_num(self.alpha)}) on {cls}"

    @property
    def constant_text(self) -> str:
        """C(d) to 6 digits, also where it overflows float64 (e.g. '2.18302e+32828524')."""
        if math.isfinite(self.constant) or self.constant_expr is None:
            return f"{self.constant:.6g}"
        return mpmath.nstr(mpmath.mpf(str(_at(self.constant_expr, self.d))), 6)

    def predicted(self, k):
        """C k^{-alpha} (float), the leading-order magnitude."""
        return self.constant * float(k) ** (-self.alpha)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _at(expr: sp.Expr, d: int) -> sp.Expr:
    """expr at D = d as a 30-digit sympy Float: Gamma(d/2) at d = 10^7 goes through
    mpmath (arbitrary exponent) instead of an exact factorial with millions of digits.
    ``float()`` of the result is inf where C(d) overflows float64 (JSON: null)."""
    return sp.N(expr.subs(D, sp.Float(d, 30)), 30)


def relu_power_const(a):
    return sp.gamma(D / 2) * sp.gamma(a + 1) * 2 ** (D / 2 - 1) / sp.pi


def endpoint_law(spec: str, d: int, a_plus, a_minus, exact: bool, m: int = 0) -> DecayLaw:
    """Law from phi ~ A_+ (1-t)^g at t=1 and A_- (1+t)^g at t=-1, g = m + 1/2.

    mu_k ~ -(-1)^m 2^g Q_g (A_+ + (-1)^k A_-) k^{-(2g+d-1)},
    Q_g = 2^{d-2} Gamma(d/2) Gamma(g+1) Gamma(g+(d-1)/2) / pi^{3/2}.
    """
    g = sp.Rational(2 * m + 1, 2)
    q = 2**g * 2 ** (D - 2) * sp.gamma(D / 2) * sp.gamma(g + 1) * sp.gamma(g + (D - 1) / 2)
    q = q / sp.pi ** sp.Rational(3, 2)
    ap = sp.nsimplify(a_plus) if exact else sp.Float(a_plus, 30)
    am = sp.nsimplify(a_minus) if exact else sp.Float(a_minus, 30)
    even_c = q * sp.Abs(ap + am)
    odd_c = q * sp.Abs(ap - am)
    ev_x, od_x = _at(even_c, d), _at(odd_c, d)
    ev, od = float(ev_x), float(od_x)
    if od_x <= 1e-20 * ev_x:
        parity, c_expr = "even", even_c
    elif ev_x <= 1e-20 * od_x:
        parity, c_expr = "odd", odd_c
    else:
        parity, c_expr = "all", sp.Max(even_c, odd_c)
    note = ""
    if parity == "all" and abs(ev_x - od_x) > 1e-12 * max(ev_x, od_x):
        note = f"constant differs by parity: even k {ev:.6g}, odd k {od:.6g} (max shown)"
    alpha = 2 * g + D - 1
    sign = "positive" if float(-((-1) ** m) * (ap + am)) >= 0 else "mixed"
    return DecayLaw(
        spec,
        d,
        float(_at(alpha, d)),
        float(_at(c_expr, d)),
        parity,
        alpha,
        sp.simplify(c_expr) if exact else None,
        sign,
        note,
    )


def polynomial_law(spec: str, d: int, why: str) -> DecayLaw:
    """A polynomial of degree a: mu_k = 0 for k > a (no power law)."""
    return DecayLaw(
        spec, d, math.inf, 0.0, "even", None, None, "zero", f"{why}: mu_k = 0 for k > a"
    )


def power_law(spec, d, alpha_expr, c_expr, parity, sign, note="", alpha=None) -> DecayLaw:
    """C(d) k^{-alpha(d)} from exact expressions in :data:`D` (alpha: its float, if given)."""
    value = float(_at(alpha_expr, d)) if alpha is None else alpha
    return DecayLaw(
        spec, d, value, float(_at(c_expr, d)), parity, alpha_expr, sp.simplify(c_expr), sign, note
    )


def fast_law(spec: str, d: int, note: str) -> DecayLaw:
    """Faster than any power of k (``note`` gives the law)."""
    return DecayLaw(spec, d, math.inf, 0.0, "all", None, None, "positive", note)
