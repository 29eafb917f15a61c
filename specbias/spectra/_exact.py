"""Exact (symbolic) eigenvalues mu_k, in the style of sympy's ``gegenbauer``.

A closed form where one exists, an exact infinite series where that is the truth,
and an unevaluated Funk-Hecke integral otherwise.  Convention
(:mod:`specbias.spectra._conventions`):

.. math::

    \\mu_k = c_d \\int_{-1}^{1} \\varphi(t) P_k^{(d)}(t) (1-t^2)^{(d-3)/2}\\,dt,
    \\qquad c_d = \\frac{\\Gamma(d/2)}{\\sqrt\\pi\\,\\Gamma((d-1)/2)},

uniform probability measure on :math:`S^{d-1}`, :math:`P_k^{(d)}(1) = 1`,
multiplicity :math:`N(d,k)` *not* included.

Formulas (Bach arXiv 1412.8690, App. D; Bietti & Mairal arXiv 1905.12173;
derivations in :mod:`specbias.spectra._closed_forms`), with
:math:`R_a(k) = \\Gamma(d/2)\\Gamma(a+1) / (2^{a+1}\\Gamma(1+(a-k)/2)\\Gamma((d+a+k)/2))`:

* ``relu-power:a`` (``relu`` a=1, ``step`` a=0): :math:`\\mu_k = R_a(k)`; for integer
  a it is exactly 0 when k >= a+2 and k = a (mod 2) (a pole of
  :math:`\\Gamma(1+(a-k)/2)`), shown as a Piecewise.
* ``abs-power:a``: :math:`(1+(-1)^k) R_a(k)`.
* ``arccos0/1/2`` (n = 0, 1, 2): :math:`2^n \\Gamma(d/2+n)/\\Gamma(d/2)\\, R_n(k)^2`.
* ``ntk`` (depth 1) = arccos1 + t arccos0:
  :math:`\\mu_k = A^1_k + (k A^0_{k-1} + (k+d-2) A^0_{k+1})/(2k+d-2)`, and
  :math:`\\mu_0 = A^1_0 + A^0_1`.
* ``gaussian:c`` = exp(-2c(1-t)):
  :math:`e^{-2c}\\Gamma(d/2) c^{-(d-2)/2} I_{k+(d-2)/2}(2c)` (elementary for odd d
  and small k, where the Bessel function has half-integer order).
* ``expr`` polynomial in t: :math:`\\mu_k(t^m) = (1+(-1)^{m+k}) R_m(k)`, exact rationals.
* ``ntk-bias`` (exact series; d = 2 already gives elliptic integrals):
  :math:`K(t) = (1+t) + \\sum_{n\\ge0} g_n (1-t)^{n+1/2}` with
  :math:`g_n = [\\binom{1/2}{n}(-1/4)^n - 2q_n + q_{n-1}]/\\pi`,
  :math:`q_n = (1/2)_n/(n!(2n+1)4^n)`, which simplifies to
  :math:`g_n = \\binom{2n}{n}(4n^2+16n-1) / (\\pi\\,16^n (2n-1)^2(2n+1))`, and
  :math:`\\mu_k((1-t)^\\gamma) = 2^\\gamma(-1)^k M(\\gamma,k)`,
  :math:`M = 2^{d-2}\\Gamma(d/2)\\Gamma(\\gamma+1)\\Gamma(\\gamma+(d-1)/2)
  / (\\sqrt\\pi\\,\\Gamma(\\gamma-k+1)\\Gamma(\\gamma+k+d-1))`;
  polynomial part :math:`\\mu_0(1+t) = 1`, :math:`\\mu_1(1+t) = 1/d`.
* ``laplace:c`` = exp(-c sqrt(2-2t)): :math:`\\sum_j (-c\\sqrt2)^j/j!\\,
  \\mu_k((1-t)^{j/2})`, split into integer powers (j = 2n, n >= k: lower ones are
  polynomials of degree < k) and half-integer powers.
* The same two series as generalized hypergeometric functions (``form="hyper"``),
  with :math:`b = (3/2-k, k+d-1/2)`:
  ntk-bias :math:`= (1+t)\\text{-part} + \\mu_k((1-t)^{1/2})/\\pi\\,[4\\,{}_4F_3(-\\tfrac12,
  -\\tfrac12,\\tfrac32,\\tfrac d2; \\tfrac12, b; \\tfrac12) - 3\\,{}_3F_2(-\\tfrac12,\\tfrac32,
  \\tfrac d2; b; \\tfrac12) - 2\\,{}_3F_2(\\tfrac12,\\tfrac12,\\tfrac d2; b; \\tfrac12)]`
  (from :math:`\\pi g_n = \\binom{2n}{n}16^{-n}[4/(2n-1)^2 + 3/(2n-1) - 2/(2n+1)]`);
  laplace :math:`= E_0\\,{}_1F_2(k+\\tfrac{d-1}2; k+\\tfrac12, 2k+d-1; c^2)
  + O_0\\,{}_1F_2(\\tfrac d2; b; c^2)`, :math:`E_0 = (2c)^{2k}/(2k)!\\,(-1)^k M(k,k)`,
  :math:`O_0 = -2c(-1)^k M(\\tfrac12,k)`.
* anything else (non-polynomial ``expr``, ``ntk:depth>=2``, ``arccos1:depth>=2``):
  the unevaluated Funk-Hecke :class:`sympy.Integral`, with
  :math:`P_k = T_k` (d = 2) or :math:`C_k^{(d-2)/2}(t)/\\binom{k+d-3}{k}`.

Kernel parameters (``a``, ``c``) are read as the decimal rationals they print as
(``c=0.1`` is exactly 1/10).

>>> from specbias.spectra._exact import exact_eigenvalue
>>> [exact_eigenvalue("relu", 3, k) for k in range(5)]
[1/4, 1/6, 1/16, 0, -1/96]
>>> from specbias.spectra._multiplicity import harmonic_multiplicity as N
>>> sum(N(4, k) * exact_eigenvalue("expr:t**4 - 3*t + 5", 4, k) for k in range(6))  # phi(1)
3
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import mpmath
import sympy as sp

from .._budget import check_time
from .._errors import AccuracyError, InputError
from ._kernels import Kernel, T, kernel
from ._multiplicity import check_dimension

#: Symbols of :func:`eigenvalue_expr`: dimension d (data on S^{d-1}), degree k.
D = sp.Symbol("d", integer=True, positive=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
#: Summation index of the series kernels (ntk-bias, laplace).
NSUM = sp.Symbol("n", integer=True, nonnegative=True)

#: Largest degree k accepted by the exact routes.
K_EXACT_MAX = 5000
#: Largest half-integer Bessel order n + 1/2 written out in elementary functions.
_BESSEL_ELEMENTARY_MAX = 12
#: Above this k the laplace hyper prefactor keeps its Gamma functions unevaluated.
_BIG_FACTORIAL_K = 300
#: Largest k for which P_k is expanded into an explicit polynomial in Integrals.
_PK_EXPAND_MAX = 60

_HALF = sp.Rational(1, 2)


# ---------------------------------------------------------------------------------
# input handling
def _check_k(k) -> int:
    try:
        ok = not isinstance(k, bool) and int(k) == k
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"degree k must be an integer >= 0, got {k!r}")
    k = int(k)
    if k < 0:
        raise InputError(f"degree k must be >= 0, got k={k}")
    if k > K_EXACT_MAX:
        raise InputError(
            f"k={k} is too large for exact eigenvalues (at most {K_EXACT_MAX}); "
            "use specbias.eigenvalues for large k"
        )
    return k


#: Seconds of one exact value at d + k = 10^5: its Gamma-function rationals have O(d + k)
#: digits and building them costs ~ (d + k)^2 (measured 1.1 s for relu, 1.3 s for
#: gaussian at d = 10^5; the model is 4x pessimistic).
_EXACT_S_AT_1E5 = 5.0
#: Per value: sympy construction and printing (ntk-bias at k = 5000: 4 ms a row).
_EXACT_S_PER_VALUE = 5e-3
#: laplace values are summed when printed: ~7e-5 k^2 s (k = 300: 5 s), twice that here.
_LAPLACE_PRINT_S_PER_K2 = 1.5e-4


def exact_seconds(kern: Kernel | str, d: int, k, *, printing: bool = False):
    """Estimated seconds to build exact mu_k (and to print it, with ``printing``).

    Vectorized over ``k``; used to refuse oversized exact requests before any work
    (:func:`specbias._budget.check_time`).

    >>> bool(exact_seconds("relu", 10**7, 5) > 3600)
    True
    """
    import numpy as np

    kern = kernel(kern)
    k = np.asarray(k, dtype=np.float64)
    size = (float(d) + k) / 1e5
    out = _EXACT_S_PER_VALUE + _EXACT_S_AT_1E5 * size * size
    if printing and kern.family == "laplace":
        out = out + _LAPLACE_PRINT_S_PER_K2 * k * k
    return out


def _rational(x) -> sp.Rational:
    """A kernel parameter (float) as the decimal rational it prints as."""
    return sp.nsimplify(x, rational=True)


def _frac(x: sp.Rational) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def _power_of(kern: Kernel) -> sp.Rational | None:
    """The exponent a of relu-power-type kernels (relu 1, step 0), else None."""
    f = kern.family
    if f == "relu":
        return sp.Integer(1)
    if f == "step":
        return sp.Integer(0)
    if f in ("relu-power", "abs-power"):
        return _rational(kern.get("a"))
    return None


@functools.lru_cache(maxsize=64)
def _phi(kern: Kernel) -> sp.Expr:
    """kern.sympy_expr(), cached (deep kernels take seconds to simplify)."""
    return kern.sympy_expr()


def _polynomial(kern: Kernel) -> sp.Poly | None:
    if kern.family != "expr":
        return None
    phi = _phi(kern)
    if not phi.is_polynomial(T):
        return None
    return sp.Poly(phi, T)


def _has_closed_form(kern: Kernel) -> bool:
    """False where only the unevaluated Funk-Hecke integral is available."""
    f = kern.family
    if f in ("arccos1", "ntk"):
        return kern.depth == 1
    if f == "expr":
        return _polynomial(kern) is not None
    return True


# ---------------------------------------------------------------------------------
# exact arithmetic on  coef * 2^p2 * pi^(hpi/2) * prod Gamma(r)^e,  r in (0, 1) \ {1/2}
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


def _ntk_exact(d: int, k: int) -> sp.Expr:
    a1 = _arccos_exact(1, d, k).to_sympy()
    if k == 0:
        return a1 + _arccos_exact(0, d, 1).to_sympy()
    lo = _arccos_exact(0, d, k - 1).to_sympy()
    hi = _arccos_exact(0, d, k + 1).to_sympy()
    return a1 + (k * lo + (k + d - 2) * hi) / sp.Integer(2 * k + d - 2)


# ---------------------------------------------------------------------------------
# symbolic building blocks; d, k are sympy symbols or Python ints
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


def _abs_power_sym(a, d, k) -> sp.Expr:
    pieces = [(0, sp.Eq(sp.Mod(k, 2), 1))]
    if a.is_integer:
        pieces.append((0, _vanishes(a, k)))
    return sp.Piecewise(*pieces, (2 * _relu_power_formula(a, d, k), True))


def _arccos_sym(n: int, d, k) -> sp.Expr:
    n = sp.Integer(n)
    moment = 2**n * sp.gamma(d * _HALF + n) / sp.gamma(d * _HALF)
    return sp.Piecewise((0, _vanishes(n, k)), (moment * _relu_power_formula(n, d, k) ** 2, True))


def _ntk_sym(d, k) -> sp.Expr:
    rest = (k * _arccos_sym(0, d, k - 1) + (k + d - 2) * _arccos_sym(0, d, k + 1)) / (2 * k + d - 2)
    return _arccos_sym(1, d, k) + sp.Piecewise((_arccos_sym(0, d, 1), sp.Eq(k, 0)), (rest, True))


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


def _lazy_gamma(x) -> sp.Expr:
    return sp.gamma(sp.sympify(x), evaluate=False)


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


def _poly_sym(poly: sp.Poly, d, k) -> sp.Expr:
    total = sp.Integer(0)
    for (m,), coeff in poly.terms():
        m = sp.Integer(m)
        total += coeff * (1 + (-1) ** (m + k)) * _relu_power_sym(m, d, k)
    return sp.Piecewise((0, k > poly.degree()), (total, True))


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


def _build(kern: Kernel, d, k, form: str = "sum") -> sp.Expr:
    """The eigenvalue expression; d, k symbols (eigenvalue_expr) or ints (exact values)."""
    f = kern.family
    if f in ("relu", "step", "relu-power"):
        return _relu_power_sym(_power_of(kern), d, k)
    if f == "abs-power":
        return _abs_power_sym(_power_of(kern), d, k)
    if f == "arccos0" or f == "arccos2" or (f == "arccos1" and kern.depth == 1):
        return _arccos_sym(int(f[-1]), d, k)
    if f == "ntk" and kern.depth == 1:
        return _ntk_sym(d, k)
    if f == "ntk-bias":
        return _ntk_bias_sym(d, k, form)
    if f == "laplace":
        return _laplace_sym(_rational(kern.get("c")), d, k, form)
    if f == "gaussian":
        return _gaussian_sym(_rational(kern.get("c")), d, k)
    poly = _polynomial(kern)
    if poly is not None:
        return _poly_sym(poly, d, k)
    return _integral_sym(_phi(kern), d, k)


# ---------------------------------------------------------------------------------
# public API
FORMS = ("sum", "hyper")


def _check_form(form: str) -> str:
    if form not in FORMS:
        raise InputError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
    return form


def eigenvalue_expr(kern: Kernel | str, form: str = "sum") -> sp.Expr:
    """mu_k as a sympy expression in the symbols :data:`D` (d) and :data:`K` (k).

    A closed form (Gamma functions, Piecewise for the exact zeros), an exact
    infinite series for ntk-bias and laplace (``form="sum"``: unevaluated
    :class:`sympy.Sum`; ``form="hyper"``: the same series as a few generalized
    hypergeometric :class:`sympy.hyper` functions), or the unevaluated
    Funk-Hecke :class:`sympy.Integral` where no closed form is known.  See the
    module docstring for the formulas; convention: probability measure on
    S^{d-1}, P_k(1) = 1, multiplicity not included.

    >>> e = eigenvalue_expr("relu")
    >>> e.subs({D: 3, K: 4}), e.subs({D: 3, K: 5})  # relu: 0 for odd k >= 3
    (-1/96, 0)
    """
    return _build(kernel(kern), D, K, _check_form(form))


def exact_eigenvalue(
    kern: Kernel | str, d: int, k: int, form: str = "sum", *, allow_large: bool = False
) -> sp.Expr:
    """Exact mu_k of ``kern`` on S^{d-1} (d >= 2, 0 <= k <= 5000) as a sympy number.

    Closed forms give rationals times powers of pi, sqrt(2), Gamma(1/4), ...
    (Gamma poles give an exact 0); gaussian a Bessel value (elementary for odd d,
    small k); other kernels without a closed form an unevaluated
    :class:`sympy.Integral` (try ``.doit()`` for small k).  ntk-bias and laplace
    give their exact series with d, k substituted: ``form="sum"`` an unevaluated
    :class:`sympy.Sum` (``.evalf(n)`` works, but sympy's hypergeometric-term
    detection slows down like k^2 and beyond k ~ 150 takes seconds, and printing
    a laplace value evaluates it); ``form="hyper"`` the same value as
    :class:`sympy.hyper` functions (fast ``.evalf`` at any k).
    :func:`exact_eigenvalue_mp` is the fast certified numeric route.  Values at large
    d (O(d) digits, ~(d/10^5)^2 s each) are checked against the time budget first
    (``allow_large=True`` skips it; :mod:`specbias._budget`).

    Exact rationals are not rounded: at large k they can exceed CPython's
    4300-digit ``int`` -> ``str`` limit (printing then raises ValueError; evalf works).

    >>> exact_eigenvalue("ntk", 3, 0), exact_eigenvalue("ntk", 3, 1)
    (1/4, 1/6)
    >>> exact_eigenvalue("relu", 2, 0)  # (1/pi) int_0^{pi/2} cos
    1/pi
    """
    kern = kernel(kern)
    d = check_dimension(d)
    k = _check_k(k)
    form = _check_form(form)
    check_time(
        float(exact_seconds(kern, d, k)),
        f"exact mu_k of {kern.spec} at d={d}, k={k}",
        allow_large=allow_large,
    )
    f = kern.family
    a = _power_of(kern)
    if f in ("relu", "step", "relu-power"):
        return _relu_power_exact(_frac(a), d, k).to_sympy()
    if f == "abs-power":
        if k % 2:
            return sp.Integer(0)
        return (_relu_power_exact(_frac(a), d, k) * _Exact(2)).to_sympy()
    if f == "arccos0" or f == "arccos2" or (f == "arccos1" and kern.depth == 1):
        return _arccos_exact(int(f[-1]), d, k).to_sympy()
    if f == "ntk" and kern.depth == 1:
        return _ntk_exact(d, k)
    poly = _polynomial(kern)
    if poly is not None:
        total = sp.Integer(0)
        for (m,), coeff in poly.terms():
            if m >= k and (m + k) % 2 == 0:
                total += coeff * (_relu_power_exact(Fraction(m), d, k) * _Exact(2)).to_sympy()
        return sp.expand(total)
    return _build(kern, d, k, form)


def exact_eigenvalue_mp(kern: Kernel | str, d: int, k: int, dps: int = 50) -> mpmath.mpf:
    """mu_k to ``dps`` significant digits with mpmath (local precision, never global).

    Closed forms are evaluated from the exact value; ntk-bias and laplace are
    summed with a certified tail bound (:math:`|\\mu_k((1-t)^\\gamma)| \\le 2^\\gamma`
    since :math:`|P_k| \\le 1`, so the ntk-bias terms are at most
    :math:`0.48\\cdot 2^{-n}` for n >= 2 and the laplace terms at most
    :math:`(2c)^j/j!`) and a working precision raised until the round-off bound of
    the alternating sum is below the target; unevaluated integrals fall back to
    the independent quadrature :func:`~specbias.reference_eigenvalue`.

    >>> import mpmath
    >>> x = exact_eigenvalue_mp("gaussian:c=1", 3, 0, dps=40)  # (1 - e^-4)/4 on S^2
    >>> with mpmath.workdps(45):
    ...     bool(abs(x - (1 - mpmath.exp(-4)) / 4) < mpmath.mpf(10) ** -39)
    True
    """
    kern = kernel(kern)
    d = check_dimension(d)
    k = _check_k(k)
    if isinstance(dps, bool) or int(dps) != dps or not 5 <= int(dps) <= 10_000:
        raise InputError(f"dps must be an integer between 5 and 10000, got {dps!r}")
    dps = int(dps)
    f = kern.family
    if f == "ntk-bias":
        return _ntk_bias_mp(d, k, dps)
    if f == "laplace":
        return _laplace_mp(_rational(kern.get("c")), d, k, dps)
    if f == "gaussian":
        c = _rational(kern.get("c"))
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
    if not _has_closed_form(kern):
        from ._reference import reference_eigenvalue

        with mpmath.workdps(dps):
            return +reference_eigenvalue(kern, d, k, digits=dps)
    return _sympy_to_mp(exact_eigenvalue(kern, d, k), dps)


def _sympy_to_mp(value: sp.Expr, dps: int) -> mpmath.mpf:
    if value == 0:
        return mpmath.mpf(0)
    num = value.evalf(dps + 10, maxn=10 * (dps + 100))
    if not num.is_real or not isinstance(num, sp.Float):
        raise InputError(f"cannot evaluate {value} to a real number")
    with mpmath.workdps(dps):
        return +mpmath.mpf(num._mpf_)


# ---------------------------------------------------------------------------------
# certified summation of the endpoint series
def _mp_endpoint_power(g, d: int, k: int):
    """mu_k((1-t)^g) at the current mpmath precision (0 at poles of Gamma(g-k+1))."""
    return (
        mpmath.mpf(2) ** g
        * (-1) ** k
        * mpmath.mpf(2) ** (d - 2)
        * mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(g + 1)
        * mpmath.gamma(g + mpmath.mpf(d - 1) / 2)
        / mpmath.sqrt(mpmath.pi)
        * mpmath.rgamma(g - k + 1)
        * mpmath.rgamma(g + k + d - 1)
    )


def _endpoint_step(g, d: int, k: int):
    """mu_k((1-t)^{g+1}) / mu_k((1-t)^g)."""
    return 2 * (g + 1) * (g + mpmath.mpf(d - 1) / 2) / ((g - k + 1) * (g + k + d - 1))


def _certified_sum(terms, tail_bound, dps: int, start_wp: int) -> mpmath.mpf:
    """Sum a series at rising working precision until truncation and round-off are certified.

    ``terms(wp)`` yields the terms computed at the current precision; ``tail_bound(n)``
    bounds sum_{m > n} |t_m| (an mpf).  Each term carries relative round-off below
    (n + 10) 2^{-prec} from its recurrence, so the accumulated error is at most
    (N + 10) * sum |t_m| * 2^{-prec}; both that and the tail must be below
    10^{-dps-3} |S|.
    """
    wp = start_wp
    for _ in range(12):
        with mpmath.workdps(wp):
            s = mpmath.mpf(0)
            absum = mpmath.mpf(0)
            n = -1
            for n, t in enumerate(terms()):
                s += t
                absum += abs(t)
                if n >= 4 and tail_bound(n) <= mpmath.mpf(10) ** (-dps - 3) * abs(s):
                    break
                if n > 40 * (wp + 50):
                    break
            tail_ok = tail_bound(n) <= mpmath.mpf(10) ** (-dps - 3) * abs(s)
            round_err = (n + 10) * absum * mpmath.mpf(2) ** (-mpmath.mp.prec)
            round_ok = s != 0 and round_err <= mpmath.mpf(10) ** (-dps - 3) * abs(s)
            if tail_ok and round_ok:
                with mpmath.workdps(dps):
                    return +s
            if s != 0 and absum > 0:
                loss = float(mpmath.log10(absum / abs(s)))
                need = int(dps + 10 + loss + math.log10(n + 10))
            else:
                need = 2 * wp
            wp = max(need, wp + 10, int(1.5 * wp) if not tail_ok else 0)
    raise AccuracyError("series for the exact eigenvalue did not converge")  # pragma: no cover


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


# ---------------------------------------------------------------------------------
# printing
def to_latex(expr: sp.Expr) -> str:
    """LaTeX of an eigenvalue expression (thin wrapper of :func:`sympy.latex`)."""
    return sp.latex(expr)


def eigenvalue_text(kern: Kernel | str, latex: bool = False, form: str = "sum") -> str:
    """``"mu_k = <closed form in d, k>"`` as one printable line (or LaTeX).

    ``form`` as in :func:`eigenvalue_expr` (series kernels only).

    >>> eigenvalue_text("gaussian:c=1")
    'mu_k = exp(-2)*besseli(d/2 + k - 1, 2)*gamma(d/2)'
    """
    expr = eigenvalue_expr(kern, form)
    if latex:
        return "\\mu_k = " + sp.latex(expr)
    return "mu_k = " + sp.sstr(expr)
