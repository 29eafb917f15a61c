"""Hermite expansion of an activation: its dual kernels as power series with certified tails.

For w ~ N(0, I_d) and unit x, y the pre-activations u = w.x, v = w.y are standard normal
with correlation t = x.y.  With the normalized Hermite polynomials
h_j = He_j / sqrt(j!) (orthonormal under N(0, 1)) and the coefficients

.. math::

    a_j = \\mathbb E[\\sigma(u)\\,h_j(u)],\\qquad
    \\mathbb E[h_i(u) h_j(v)] = \\delta_{ij}\\,t^j \\ \\text{(Mehler)},

the NNGP kernel and the NTK are power series with non-negative coefficients

.. math::

    k(t) = \\mathbb E[\\sigma(u)\\sigma(v)] = \\sum_j a_j^2 t^j,\\qquad
    \\Theta(t) = k(t) + t\\,\\mathbb E[\\sigma'(u)\\sigma'(v)] = \\sum_j (1 + j)\\,a_j^2 t^j,

since sigma' has coefficients sqrt(j+1) a_{j+1} (Jacot et al. arXiv 1806.07572; the
normalization of today's ``ntk``: Theta = kappa_1 + t kappa_0 for ReLU).  Truncation is
certified by Parseval: sum_{j>J} a_j^2 = E[sigma^2] - sum_{j<=J} a_j^2, with E[sigma^2]
(and E[sigma'^2] = sum_j j a_j^2 for the NTK) from an independent mpmath quadrature; the
tail bounds the truncation of k(t) on |t| <= 1.

The a_j are a trapezoid rule on [-U, U] for the integrand sigma(u) psi_j(u) e^{-u^2/4}
(psi_j = h_j e^{-u^2/4} (2 pi)^{-1/4}, the bounded Hermite functions, by their three-term
recurrence), exponentially accurate for analytic sigma; its error is estimated
(conservatively: the fine rule is far more accurate) by the difference to the rule of
double step, all in exact integer fixed point (a few hundred bits: the recurrence's
growth off its oscillatory range is e^{U^2/4} at most).  E[sigma^2] carries mpmath's
own error estimate; with these two estimates the tail bound is a certificate.
References: Williams (1997) "Computing with infinite networks" (erf closed form);
Cho & Saul (2009) (arc-cosine kernels); Daniely, Frostig & Singer arXiv 1602.05897
(dual activations, Hermite expansion); Novak et al. arXiv 1912.02803 (neural-tangents).

>>> s = series("erf", "nngp")
>>> round(float(s.b[1]), 12) == round(4 / (3 * 3.141592653589793), 12)  # (2/pi) asin(2t/3)
True
"""

from __future__ import annotations

import ast
import functools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..._errors import InputError
from .._expr import MAX_EXPR_LENGTH, T, parse_expression

#: The activation's variable.
U = sp.Symbol("u", real=True)

#: Named activations (GELU: u Phi(u); softplus: log(1 + e^u)).
NAMED: dict[str, sp.Expr] = {
    "tanh": sp.tanh(U),
    "erf": sp.erf(U),
    "gelu": U * (1 + sp.erf(U / sp.sqrt(2))) / 2,
    "sigmoid": 1 / (1 + sp.exp(-U)),
    "softplus": sp.log(1 + sp.exp(U)),
    "relu": sp.Max(U, 0),
}

#: Absolute accuracy (digits) of the Hermite coefficients a_j.
DIGITS = 45
#: Truncation orders tried in turn (the smallest meeting the target is used).
LADDER = (96, 192, 384, 768)
#: Relative error aimed at for every mu_k <= kmax (the CLI default rtol is 1e-10).
TARGET = 1e-12
_LN10 = math.log(10.0)
_SMOOTH_TAU = 1.2  # assumed half-width of sigma's analyticity strip (checked by 2h vs h)


def _fail(msg: str) -> InputError:
    return InputError(f"activation: {msg}")


def parse_activation(text: str) -> str:
    """Canonical text of an activation: a name of :data:`NAMED` or an expression in u.

    The expression is data, never code: it is renamed u -> t on its syntax tree and
    handed to the whitelisting parser of :mod:`.._expr` (no eval, no sympify).
    """
    text = str(text).strip()
    if text.lower() in NAMED:
        return text.lower()
    if not text or len(text) > MAX_EXPR_LENGTH:
        raise _fail(f"need a name ({', '.join(NAMED)}) or an expression in u, got {text!r}")
    try:
        tree = ast.parse(text, mode="eval")  # builds a tree only
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        known = ", ".join(NAMED)
        raise _fail(f"cannot parse {text!r}: a name ({known}) or e.g. u*tanh(u)") from None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if "t" in names:
        raise _fail(f"write the activation in the variable u, not t: {text!r}")
    expr = _expr_in_u(tree)
    if U not in expr.free_symbols:
        raise _fail(f"{text!r} is not a function of u (names: {', '.join(NAMED)})")
    _check_growth(expr, text)
    return sp.sstr(expr)


def _expr_in_u(tree: ast.Expression) -> sp.Expr:
    """The whitelisting parser of :mod:`.._expr` on the tree with u renamed to t."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "u":
            node.id = "t"
    return parse_expression(ast.unparse(tree)).subs(T, U)


def _check_growth(expr: sp.Expr, text: str) -> None:
    """sigma must be finite on [-40, 40] and E[sigma^2] finite (no exp(u**2))."""
    fn = sp.lambdify(U, expr, "mpmath")
    with mpmath.workdps(20):
        for u in (-40, -12, -3, 3, 12, 40):
            try:
                v = mpmath.mpmathify(fn(mpmath.mpf(u)))
            except (ArithmeticError, ValueError, TypeError):
                raise _fail(f"{text!r} cannot be evaluated at u = {u}") from None
            if not mpmath.isfinite(v) or mpmath.im(v) != 0:
                raise _fail(f"{text!r} is not real and finite at u = {u}")
            if abs(v) ** 2 * mpmath.exp(-(mpmath.mpf(u) ** 2) / 2) > 1e-30 and abs(u) == 40:
                raise _fail(f"{text!r} grows too fast: E[sigma(u)^2] must be finite")


def sigma_expr(act: str, scale: str = "1") -> sp.Expr:
    """The activation (canonical text from :func:`parse_activation`) as sympy in u;
    u -> scale * u when ``scale`` (the decimal text of an mpf) is not "1"."""
    expr = NAMED[act] if act in NAMED else _expr_in_u(ast.parse(act, mode="eval"))
    if scale != "1":
        expr = expr.subs(U, sp.Float(scale, DIGITS + 20) * U)
    return expr


@functools.lru_cache(maxsize=32)
def sigma_degrees(act: str) -> tuple[int | None, int | None]:
    """(even, odd): the largest j of each parity with a_j != 0 possible (-1: none,
    None: unbounded), from sigma's even and odd parts (gelu, softplus: odd part u/2)."""
    s = sigma_expr(act)
    f = s.subs(U, -U)
    out: list[int | None] = []
    for part in (sp.simplify((s + f) / 2), sp.simplify((s - f) / 2)):
        if part == 0:
            out.append(-1)
        elif part.is_polynomial(U):
            out.append(int(sp.degree(part, U)))
        else:
            out.append(None)
    return out[0], out[1]


def killed(act: str, j: np.ndarray) -> np.ndarray:
    """True where a_j = 0 exactly (j past the degree of sigma's part of j's parity)."""
    j = np.asarray(j)
    out = np.zeros(j.shape, dtype=bool)
    for parity, top in enumerate(sigma_degrees(act)):
        if top is not None:
            out |= (j % 2 == parity) & (j > top)
    return out


def sigma_parity(act: str) -> str:
    """``odd`` / ``even`` / ``none``: sigma's parity (the kernel's is the same)."""
    even, odd = sigma_degrees(act)
    return "odd" if even == -1 else "even" if odd == -1 else "none"


# ---------------------------------------------------------------------------------
# coefficients
def _moment(fn, dps: int):
    """(E[f(u)], error bound) for u ~ N(0, 1), mpmath tanh-sinh on split intervals."""
    with mpmath.workdps(dps):
        g = lambda u: fn(u) * mpmath.npdf(u)  # noqa: E731
        pts = [-mpmath.inf, -20, -8, -3, 0, 3, 8, 20, mpmath.inf]
        val, err = mpmath.quad(g, pts, error=True, maxdegree=10)
        return val, abs(err) + mpmath.mpf(10) ** (-dps + 5) * (1 + abs(val))


@functools.lru_cache(maxsize=16)
def _coefficients(act: str, jmax: int, scale: str = "1"):
    """(a_j as mpf, error bounds e_j) for j = 0..jmax (trapezoid rule, fixed point), of
    u -> sigma(scale * u)."""
    dps = DIGITS + 10
    bits = int(dps * _LN10 / math.log(2)) + 8
    half = 2 * math.sqrt((DIGITS + 5) * _LN10) + 1  # e^{-U^2/4} < 10^{-DIGITS-5}
    growth = int(half * half / 4 / math.log(2)) + 16
    prec = bits + growth
    # the coarse rule (step 2h) must resolve frequency sqrt(jmax) plus the strip decay
    tau = _SMOOTH_TAU / max(1.0, float(scale))  # sigma(s u): strip narrowed by 1/s
    step = math.pi / (math.sqrt(4 * jmax + 2) + DIGITS * _LN10 / tau)
    n = 2 * (int(half / (2 * step)) + 1)
    fn = sp.lambdify(U, sigma_expr(act, scale), "mpmath")
    with mpmath.workdps(dps + 10):
        h = mpmath.mpf(step)
        c0 = (2 * mpmath.pi) ** (-mpmath.mpf(1) / 4)
        us = [h * i for i in range(-n, n + 1)]
        env = [c0 * mpmath.exp(-u * u / 4) for u in us]
        wts = [h * mpmath.mpf(fn(u)) * e for u, e in zip(us, env, strict=True)]
        fix = lambda x: int(mpmath.nint(mpmath.ldexp(x, prec)))  # noqa: E731
        uf = np.array([fix(u) for u in us], dtype=object)
        w = np.array([fix(x) for x in wts], dtype=object)
        prev = np.array([fix(e) for e in env], dtype=object)
        sq = [fix(mpmath.sqrt(j)) for j in range(jmax + 2)]
        isq = [fix(1 / mpmath.sqrt(j)) if j else 0 for j in range(jmax + 2)]
    cur = (uf * prev) >> prec
    fine, coarse = [w.dot(prev), w.dot(cur)], [2 * w[::2].dot(prev[::2]), 2 * w[::2].dot(cur[::2])]
    for j in range(1, jmax):
        nxt = ((((uf * cur) >> prec) - ((sq[j] * prev) >> prec)) * isq[j + 1]) >> prec
        prev, cur = cur, nxt
        fine.append(w.dot(cur))
        coarse.append(2 * w[::2].dot(cur[::2]))
    rnd = mpmath.ldexp(1, -(prec - growth - 8)) * (2 * n + 1) * (jmax + 1)
    with mpmath.workdps(dps):
        a = [mpmath.ldexp(f, -2 * prec) for f in fine]
        err = [abs(mpmath.ldexp(f - c, -2 * prec)) + rnd for f, c in zip(fine, coarse, strict=True)]
    return a, err


@dataclass(frozen=True)
class Series:
    """phi(t) = sum_{j<=J} b_j t^j + R(t), |R(t)| <= tail on |t| <= 1, b_j >= 0.

    ``b`` (float64), ``log_b`` and ``log_err`` (log of a bound on |error of b_j|) over
    j = 0..J; ``b_mp`` the mpf coefficients; ``tail`` the certified bound (mpf).
    """

    b: np.ndarray
    log_b: np.ndarray
    log_err: np.ndarray
    b_mp: tuple
    tail: object
    total: object


def _log(x) -> float:
    return float(mpmath.log(x)) if x > 0 else -math.inf


@functools.lru_cache(maxsize=64)
def series(act: str, kind: str, jmax: int = LADDER[0]) -> Series:
    """The NNGP (``kind="nngp"``) or NTK power series of ``act`` to order ``jmax``."""
    a, err = _coefficients(act, jmax)
    dead = killed(act, np.arange(jmax + 1))
    dps = DIGITS + 10
    fn = sp.lambdify(U, sigma_expr(act), "mpmath")
    total, terr = _moment(lambda u: fn(u) ** 2, dps)
    with mpmath.workdps(dps):
        keep = [not x for x in dead]
        a = [x if k else mpmath.mpf(0) for x, k in zip(a, keep, strict=True)]
        err = [e if k else mpmath.mpf(0) for e, k in zip(err, keep, strict=True)]
        weight = [mpmath.mpf(1)] * (jmax + 1)
        if kind == "ntk":
            dfn = sp.lambdify(U, sp.diff(sigma_expr(act), U), "mpmath")
            dtot, derr = _moment(lambda u: dfn(u) ** 2, dps)
            total, terr = total + dtot, terr + derr
            weight = [mpmath.mpf(1 + j) for j in range(jmax + 1)]
        b = [wj * x * x for wj, x in zip(weight, a, strict=True)]
        berr = [wj * (2 * abs(x) * e + e * e) for wj, x, e in zip(weight, a, err, strict=True)]
        tail = max(total - mpmath.fsum(b), 0) + terr + mpmath.fsum(berr)
        return Series(
            b=np.array([float(x) for x in b]),
            log_b=np.array([_log(x) for x in b]),
            log_err=np.array([_log(x) for x in berr]),
            b_mp=tuple(b),
            tail=tail,
            total=total,
        )


# ---------------------------------------------------------------------------------
# eigenvalues: mu_k = sum_j b_j mu_k(t^j), every term >= 0 (no cancellation)
def log_c(d: int, k: np.ndarray, j: np.ndarray) -> np.ndarray:
    """log mu_k(t^j) = log[Gamma(d/2) j! / (2^j Gamma(1 + (j-k)/2) Gamma((d+j+k)/2))], j >= k."""
    from scipy.special import gammaln

    return (
        gammaln(d / 2.0)
        + gammaln(j + 1.0)
        - j * math.log(2.0)
        - gammaln(1 + (j - k) / 2.0)
        - gammaln((d + j + k) / 2.0)
    )


def _log_cmax(d: int, k: np.ndarray, jmax: int) -> np.ndarray:
    """log max_{j > J, j = k mod 2} mu_k(t^j): the sequence rises until
    (d-1) j >= (k-2)(k+d) + 2 and falls after (ratio (j+1)(j+2)/((j-k+2)(j+k+d)))."""
    k = k.astype(np.float64)
    first = jmax + 1 + ((jmax + 1 + k) % 2)
    turn = np.ceil(np.maximum((k - 2) * (k + d) + 2, 0) / (d - 1))
    turn = turn + ((turn + k) % 2)
    return log_c(d, k, np.maximum(first, turn))


def _mu(s: Series, d: int, k: np.ndarray, act: str, zero: np.ndarray | None = None):
    from .._closed_forms import relu_power_log

    log2 = math.log(2.0)
    acc = np.full(k.shape, -np.inf)
    acc_err = np.full(k.shape, -np.inf)
    for j in np.flatnonzero(np.isfinite(s.log_b)):
        sj, lj = relu_power_log(float(j), d, k)
        on = (sj != 0) & ((j + k) % 2 == 0)
        lc = np.where(on, lj + log2, -np.inf)
        acc = np.logaddexp(acc, lc + s.log_b[j])
        acc_err = np.logaddexp(acc_err, lc + s.log_err[j])
    zero = killed(act, k) if zero is None else zero
    sign = np.where(np.isfinite(acc) & ~zero, 1, 0).astype(np.int8)
    log_tail = _log(s.tail) + _log_cmax(d, k, len(s.b) - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        floor = 2e-15 + 4 * np.finfo(float).eps * (np.abs(acc) + 50)
        rel = floor + np.exp(acc_err - acc) + np.exp(log_tail - acc)
    rel = np.where(zero, 0.0, np.where(sign == 0, np.inf, rel))
    return sign, np.where(sign == 0, -np.inf, acc), rel


def log_eigenvalues(act: str, kind: str, d: int, k: np.ndarray):
    """(sign, log|mu_k|, rel_err) of the dual kernel: the smallest order of :data:`LADDER`
    that certifies every mu_k to :data:`TARGET` (checked on the largest degrees), else
    the largest, with its error estimate."""
    k = np.asarray(k, dtype=np.int64)
    probe = k[-4:] if k.size else k
    for jmax in LADDER:
        s = series(act, kind, jmax)
        if np.all(_mu(s, d, probe, act)[2] <= TARGET):
            break
    return _mu(s, d, k, act)


def phi_series(act: str, kind: str) -> Series:
    """The series phi is evaluated from: the first order with tail <= 1e-22 phi(1)."""
    for jmax in LADDER:
        s = series(act, kind, jmax)
        if s.tail <= 1e-22 * s.total:
            return s
    return s


def phi(m, theta, act: str, kind: str):
    """phi(cos theta) from the series (numpy float64 or mpmath, namespace ``m``)."""
    t = m.cos(theta)
    if m.MP:  # integer fixed-point Horner at the working precision (b_j >= 0, |t| <= 1)
        prec = int(mpmath.mp.prec) + 24
        coef = _fixed_coefficients(act, kind, prec)
        x = int(mpmath.nint(mpmath.ldexp(t, prec)))
        acc = 0
        for c in coef:
            acc = ((acc * x) >> prec) + c
        return mpmath.ldexp(acc, -prec)
    return horner(float_coefficients(act, kind), t)


@functools.lru_cache(maxsize=32)
def float_coefficients(act: str, kind: str) -> np.ndarray:
    """b_j of :func:`phi_series` without the trailing terms that sum to < 1e-18 phi(1)
    (below float64 rounding on |t| <= 1, since b_j >= 0): fewer Horner steps."""
    b = phi_series(act, kind).b
    suffix = np.cumsum(b[::-1])[::-1]
    keep = np.flatnonzero(suffix > 1e-18 * suffix[0])
    return b[: int(keep[-1]) + 1] if keep.size else b[:1]


def horner(b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """sum_j b_j t^j by Horner's rule, in place (one accumulator, no temporaries)."""
    t = np.asarray(t, dtype=np.float64)
    acc = np.full(t.shape, b[-1], dtype=np.float64)
    for c in b[-2::-1]:
        acc *= t
        acc += c
    return acc


@functools.lru_cache(maxsize=32)
def _fixed_coefficients(act: str, kind: str, prec: int) -> tuple[int, ...]:
    """b_j * 2^prec, highest j first (trailing coefficients that round to 0 dropped)."""
    s = phi_series(act, kind)
    with mpmath.workdps(int(prec / 3.3) + 10):
        fixed = [int(mpmath.nint(mpmath.ldexp(b, prec))) for b in s.b_mp]
    while len(fixed) > 1 and fixed[-1] == 0:
        fixed.pop()
    return tuple(reversed(fixed))
