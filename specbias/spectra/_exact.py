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

import mpmath
import sympy as sp

from .._budget import check_time
from .._errors import InputError
from ._exact_arith import _gamma_exact as _gamma_exact
from ._kernels import Kernel, kernel
from ._multiplicity import check_dimension
from ._symbolic import NSUM as NSUM
from ._symbolic import D, K, _integral_sym
from .families.ntk_bias import ntk_bias_coefficient as ntk_bias_coefficient

#: Largest degree k accepted by the exact routes.
K_EXACT_MAX = 5000


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
    cost = kern.record.print_cost
    if printing and cost:
        out = out + cost * k * k
    return out


@functools.lru_cache(maxsize=64)
def _phi(kern: Kernel) -> sp.Expr:
    """kern.sympy_expr(), cached (deep kernels take seconds to simplify)."""
    return kern.sympy_expr()


def _build(kern: Kernel, d, k, form: str = "sum") -> sp.Expr:
    """The eigenvalue expression; d, k symbols (eigenvalue_expr) or ints (exact values).

    The family's closed form or exact series, else the unevaluated Funk-Hecke integral.
    """
    value = kern.record.symbolic(kern.args, d, k, form)
    return _integral_sym(_phi(kern), d, k) if value is None else value


def _has_closed_form(kern: Kernel) -> bool:
    """False where only the unevaluated Funk-Hecke integral is available."""
    return kern.record.symbolic(kern.args, D, K, "sum") is not None


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

    Args:
      kern: a kernel name or Kernel.
      form: ``"sum"`` or ``"hyper"`` (series kernels).

    Returns:
      A sympy expression in the symbols d and k.

    Example:
    >>> e = eigenvalue_expr("relu")
    >>> e.subs({D: 3, K: 4}), e.subs({D: 3, K: 5})  # relu: 0 for odd k >= 3
    (-1/96, 0)

    References:
      Bach arXiv 1412.8690 (Funk-Hecke, App. D); Bietti & Mairal arXiv 1905.12173.
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

    Args:
      kern: a kernel name or Kernel.
      d: dimension, d >= 2.
      k: degree, 0 <= k <= 5000.
      form: ``sum`` or ``hyper`` (series kernels).
      allow_large: skip the time budget.

    Returns:
      A sympy number (exact).

    Example:
    >>> exact_eigenvalue("ntk", 3, 0), exact_eigenvalue("ntk", 3, 1)
    (1/4, 1/6)
    >>> exact_eigenvalue("relu", 2, 0)  # (1/pi) int_0^{pi/2} cos
    1/pi

    References:
      Bach arXiv 1412.8690 (Funk-Hecke, App. D); Bietti & Mairal arXiv 1905.12173.
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
    value = kern.record.exact(kern.args, d, k)
    return _build(kern, d, k, form) if value is None else value


def exact_eigenvalue_mp(kern: Kernel | str, d: int, k: int, dps: int = 50) -> mpmath.mpf:
    """mu_k to ``dps`` significant digits with mpmath (local precision, never global).

    Closed forms are evaluated from the exact value; ntk-bias and laplace are
    summed with a certified tail bound (:math:`|\\mu_k((1-t)^\\gamma)| \\le 2^\\gamma`
    since :math:`|P_k| \\le 1`, so the ntk-bias terms are at most
    :math:`0.48\\cdot 2^{-n}` for n >= 2 and the laplace terms at most
    :math:`(2c)^j/j!`) and a working precision raised until the round-off bound of
    the alternating sum is below the target; unevaluated integrals fall back to
    the independent quadrature :func:`~specbias.reference_eigenvalue`.

    Args:
      kern: a kernel name or Kernel.
      d, k: dimension and degree.
      dps: significant digits wanted.

    Returns:
      An ``mpmath.mpf`` correct to about ``dps`` digits.

    Example:
    >>> import mpmath
    >>> x = exact_eigenvalue_mp("gaussian:c=1", 3, 0, dps=40)  # (1 - e^-4)/4 on S^2
    >>> with mpmath.workdps(45):
    ...     bool(abs(x - (1 - mpmath.exp(-4)) / 4) < mpmath.mpf(10) ** -39)
    True

    References:
      Bach arXiv 1412.8690 (Funk-Hecke, App. D); Bietti & Mairal arXiv 1905.12173.
    """
    kern = kernel(kern)
    d = check_dimension(d)
    k = _check_k(k)
    if isinstance(dps, bool) or int(dps) != dps or not 5 <= int(dps) <= 10_000:
        raise InputError(f"dps must be an integer between 5 and 10000, got {dps!r}")
    dps = int(dps)
    value = kern.record.exact_mp(kern.args, d, k, dps)
    if value is not None:
        return value
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
# printing
def to_latex(expr: sp.Expr) -> str:
    """LaTeX of an eigenvalue expression (thin wrapper of :func:`sympy.latex`)."""
    return sp.latex(expr)


def eigenvalue_text(kern: Kernel | str, latex: bool = False, form: str = "sum") -> str:
    """``"mu_k = <closed form in d, k>"`` as one printable line (or LaTeX).

    ``form`` as in :func:`eigenvalue_expr` (series kernels only).

    Args:
      kern: a kernel name or Kernel.
      latex: LaTeX instead of plain text.
      form: as in :func:`eigenvalue_expr`.

    Returns:
      One line of text.

    Example:
    >>> eigenvalue_text("gaussian:c=1")
    'mu_k = exp(-2)*besseli(d/2 + k - 1, 2)*gamma(d/2)'

    References:
      Bach arXiv 1412.8690 (Funk-Hecke, App. D); Bietti & Mairal arXiv 1905.12173.
    """
    expr = eigenvalue_expr(kern, form)
    if latex:
        return "\\mu_k = " + sp.latex(expr)
    return "mu_k = " + sp.sstr(expr)
