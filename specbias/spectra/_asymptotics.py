"""Asymptotic decay laws |mu_k| ~ C(d) k^{-alpha} of kernel eigenvalues on S^{d-1}.

Derived, not tabulated:

* relu-power a (from the closed form, Gamma(x)/Gamma(x+h) ~ x^{-h}):
  |mu_k| ~ Gamma(d/2) Gamma(a+1) 2^{d/2-1} |sin(pi (k-a)/2)| / pi * k^{-(a + d/2)};
  abs-power doubles it on even k (odd k vanish).
* arccos_n = E|w|^{2n} (relu-power n)^2: alpha = d + 2n, C = 2^n Gamma(d/2+n)/Gamma(d/2) C_n^2.
* endpoint singularities (ntk of any depth, ntk-bias, laplace): if
  phi(t) = phi(1) + A_+ (1-t)^{1/2} + ... and phi(t) = phi(-1) + A_- (1+t)^{1/2} + ...,
  then mu_k ~ -sqrt(2) Q_k (A_+ + (-1)^k A_-),
  Q_k = 2^{d-3} Gamma(d/2)^2 k^{-d} / pi, from mu_k((1-t)^{1/2}) in closed form.
  A_+ = sqrt(2) dphi/dtheta(0) and A_- = -sqrt(2) dphi/dtheta(pi), computed exactly
  (sympy) or with mpmath to 30 digits.  alpha = d (Bietti & Bach arXiv 2009.14397).
* gaussian: faster than any power, mu_k ~ e^{-2c} Gamma(d/2) c^k / Gamma(k + d/2).

Reference: Bietti & Mairal arXiv 1905.12173 (ntk k^{-d}, arccos1 k^{-d-2}).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import sympy as sp

from .._errors import InputError
from ._kernels import Kernel, kernel
from ._multiplicity import check_dimension

D = sp.Symbol("d", positive=True, integer=True)


@dataclass(frozen=True)
class DecayLaw:
    """|mu_k| ~ constant * k^(-alpha) on the degrees listed by ``parity``.

    ``alpha`` is ``math.inf`` for faster-than-power decay.  ``constant`` is C(d) at
    this d; ``alpha_expr``/``constant_expr`` are sympy expressions in ``d`` when known
    exactly.  ``parity``: "even", "odd" or "all" (degrees on which the law holds; the
    others vanish for k large), ``sign`` describes the sign pattern.
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


def _relu_power_const(a):
    return sp.gamma(D / 2) * sp.gamma(a + 1) * 2 ** (D / 2 - 1) / sp.pi


def _endpoint_law(spec: str, d: int, a_plus, a_minus, exact: bool, m: int = 0) -> DecayLaw:
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


def _theta_singularity(kern: Kernel):
    """(m, A_+, A_-): first odd order 2m+1 of phi(cos theta) in theta at 0 or pi.

    Odd powers theta^{2m+1} are the (1-t)^{m+1/2} singular terms (theta^2 is analytic
    in t); A_+ = 2^g phi^{(2m+1)}(0)/(2m+1)!, A_- = -2^g phi^{(2m+1)}(pi)/(2m+1)!.
    """
    with mpmath.workdps(50):
        f = lambda th: kern.phi_theta(th, mp=True)  # noqa: E731
        scale = abs(f(mpmath.mpf(0))) + abs(f(mpmath.pi)) + 1
        for m in range(4):
            n = 2 * m + 1
            fac = mpmath.factorial(n)
            g = mpmath.mpf(2) ** (m + mpmath.mpf(1) / 2)
            bp = mpmath.diff(f, mpmath.mpf(0), n, direction=1) / fac
            bm = mpmath.diff(f, mpmath.pi, n, direction=-1) / fac
            if abs(bp) > 1e-25 * scale or abs(bm) > 1e-25 * scale:
                return m, float(g * bp), float(-g * bm)
    return None


def _polynomial_law(spec: str, d: int, why: str) -> DecayLaw:
    """A polynomial of degree a: mu_k = 0 for k > a (no power law)."""
    return DecayLaw(
        spec, d, math.inf, 0.0, "even", None, None, "zero", f"{why}: mu_k = 0 for k > a"
    )


def decay_law(kern: Kernel | str, d: int) -> DecayLaw:
    """The leading asymptotic law of mu_k for large k, with alpha and C(d).

    >>> law = decay_law("ntk", 5)
    >>> law.alpha, law.parity
    (5.0, 'even')
    >>> decay_law("relu", 5).alpha  # (d + 2)/2
    3.5
    """
    kern = kernel(kern)
    d = check_dimension(d)
    f = kern.family
    spec = kern.spec
    if f in ("relu", "step", "relu-power", "abs-power"):
        a = sp.nsimplify(
            {"relu": 1, "step": 0}.get(f, kern.get("a") if "a" in dict(kern.params) else 0)
        )
        c = _relu_power_const(a)
        alpha = a + D / 2
        is_int = bool(a.is_integer)
        if f == "abs-power":
            if is_int and int(a) % 2 == 0:
                return _polynomial_law(spec, d, "|t|^a with even integer a is a polynomial")
            c = 2 * c * sp.Abs(sp.sin(sp.pi * a / 2))
            parity, sign = "even", "alternating in k/2"
        elif is_int:
            parity = "even" if int(a) % 2 == 1 else "odd"
            sign = "alternating"
        else:
            parity, sign = "all", "period 4 in k"
        return DecayLaw(
            spec,
            d,
            float(_at(alpha, d)),
            float(_at(c, d)),
            parity,
            alpha,
            sp.simplify(c),
            sign,
            "" if is_int or f == "abs-power" else "times |sin(pi (k-a)/2)|",
        )
    if f == "abs-power-rf":
        a = sp.nsimplify(kern.get("a"))
        if a.is_integer and int(a) % 2 == 0:
            return _polynomial_law(spec, d, "even integer a: a polynomial kernel")
        moment = 2**a * sp.gamma(D / 2 + a) / sp.gamma(D / 2)
        c = moment * (2 * _relu_power_const(a) * sp.Abs(sp.sin(sp.pi * a / 2))) ** 2
        return DecayLaw(
            spec,
            d,
            float(2 * a + d),
            float(_at(c, d)),
            "even",
            2 * a + D,
            sp.simplify(c),
            "positive",
            "smoothness nu_t = a + 1/2",
        )
    if f in ("arccos0", "arccos2") or (f == "arccos1" and kern.depth == 1):
        n = int(f[-1])
        c = 2**n * sp.gamma(D / 2 + n) / sp.gamma(D / 2) * _relu_power_const(n) ** 2
        return DecayLaw(
            spec,
            d,
            float(d + 2 * n),
            float(_at(c, d)),
            "even" if n % 2 == 1 else "odd",
            D + 2 * n,
            sp.simplify(c),
            "positive",
        )
    if f == "ntk" and kern.depth == 1:
        a = -1 / (sp.sqrt(2) * sp.pi)
        return _endpoint_law(spec, d, a, a, exact=True)
    if f == "ntk-bias":
        return _endpoint_law(spec, d, -1 / sp.pi, sp.Integer(0), exact=True)
    if f == "laplace":
        return _endpoint_law(spec, d, -sp.nsimplify(kern.get("c")) * sp.sqrt(2), 0, exact=True)
    if f == "gaussian":
        return DecayLaw(
            spec,
            d,
            math.inf,
            0.0,
            "all",
            None,
            None,
            "positive",
            "mu_k ~ e^{-2c} Gamma(d/2) c^k / Gamma(k + d/2)",
        )
    if f in ("ntk", "arccos1"):  # deep: numeric endpoint expansion
        found = _theta_singularity(kern)
        if found is not None:
            m, ap, am = found
            return _endpoint_law(spec, d, ap, am, exact=False, m=m)
    raise InputError(
        f"no asymptotic law is derived for {spec}; fit the computed spectrum instead "
        "(e.g. a least-squares fit of log|mu_k| against log k)"
    )
