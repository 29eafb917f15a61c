"""Deep dual kernels of any activation: the dual map iterated over L hidden layers.

The net is neural-tangents' ``stax.serial(*[Dense(W_std=sw, b_std=sb), act] * L,
Dense(W_std=sw, b_std=sb))`` on inputs scaled so that x.y / fan-in = t (sw, sb are
standard deviations; sw^2, sb^2 the weight and bias variances).  On S^{d-1} every layer's
kernel is a function of t alone:

.. math::

    p_0 = s_w^2 t + s_b^2,\\quad q_0 = s_w^2 + s_b^2,\\quad \\rho_{h-1} = p_{h-1}/q_{h-1},\\\\
    \\Sigma_h = S_h(\\rho_{h-1}) = \\sum_j a_j(q_{h-1})^2 \\rho_{h-1}^j,\\qquad
    \\dot\\Sigma_h = \\dot S_h(\\rho_{h-1}) = \\frac1{q_{h-1}}\\sum_j (j+1)\\,a_{j+1}(q_{h-1})^2
    \\rho_{h-1}^j,\\\\
    p_h = s_w^2\\Sigma_h + s_b^2,\\quad
    q_h = s_w^2\\,\\mathbb E[\\sigma(\\sqrt{q_{h-1}}u)^2] + s_b^2,
    \\quad \\Theta_0 = p_0,\\quad \\Theta_h = p_h + s_w^2\\,\\dot\\Sigma_h\\,\\Theta_{h-1},

NNGP = p_L, NTK = Theta_L.  a_j(q) are the Hermite coefficients of u -> sigma(sqrt(q) u):
the pre-activations of a layer have variance q on the diagonal and correlation rho, and
Mehler's formula gives E[sigma(sqrt q u) sigma(sqrt q v)] = sum_j a_j(q)^2 rho^j; since
d/du sigma(sqrt q u) = sum_j sqrt(j+1) a_{j+1} h_j, E[sigma' sigma'] is S-dot (Daniely et
al. arXiv 1602.05897, Poole et al. arXiv 1606.05340 for q_h, Jacot et al. arXiv
1806.07572 for Theta, Novak et al. arXiv 1912.02803 for the stax convention).
L = 1, sw = 1, sb = 0 is ``nngp:act`` / ``ntk:act``; ReLU with sw = 1, sb = 0 is
``arccos1:depth=L`` / ``ntk:depth=L`` (no He factor).

Spectrum.  Each step maps power series with non-negative coefficients to such series,
so K(t) = sum_n c_n t^n, c_n >= 0.  The per-layer series are truncated at J (lower
bounds (|a_j| - e_j)^2 of the coefficients), the composition at N = J, in extended
precision (``np.longdouble``).  Error bound of mu_k = sum_n c_n mu_k(t^n):

* D_low = K(1) - K_J(1): per-layer truncation and coefficient errors, where K(1) comes
  from the variance recursion above by quadrature (independent of the Hermite series)
  and K_J(1) is the composition of the truncated series at t = 1 (mpmath); this mass
  may sit at any n >= k: times max_{n>=k} mu_k(t^n);
* D_high = K_J(1) - sum_{n<=N} c_n: the composition's mass beyond N, times
  max_{n>N} mu_k(t^n);
* rounding: a bound e_n on each coefficient, carried through the layers: the powers
  rho^j (binary splitting: log2 J products of N + 1 terms) and the sums add a relative
  (log2 J (N + 2) + J) u each, and an input error delta of rho becomes
  S(rho + delta) - S(rho) <= 2 S'(rho) delta (while (1 + max delta/rho)^J <= 2);
  mu_k's share is sum_n e_n mu_k(t^n).

>>> from specbias.spectra.families._base import NP
>>> float(phi(NP, 1.0, ("relu", 2, 1.0, 0.0), "nngp"))  # K(1) = q_2 = 1/4 (no bias)
0.25
>>> float(phi(NP, 1.0, ("relu", 2, 1.0, 1.0), "nngp"))  # q_h = q_{h-1}/2 + 1: 2, 2
2.0
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..._errors import AccuracyError
from . import _hermite as H

#: Working digits of the variances and series (the Hermite coefficients carry 45).
DPS = H.DIGITS + 10
#: Orders J = N tried in turn (cost ~ L J^3 in long double: 0.3 s at J = 384).
LADDER = (96, 192, 384)
_U_LD = float(np.finfo(np.longdouble).eps) / 2
_U64 = float(np.finfo(np.float64).eps) / 2


@dataclass(frozen=True)
class Layer:
    """One hidden layer's dual maps at input variance q (coefficient lower bounds)."""

    q: object
    b: tuple
    bd: tuple
    s1: object  # E[sigma(sqrt q u)^2]
    sd1: object  # E[sigma'(sqrt q u)^2]
    err: object  # quadrature error bound of s1 and sd1


@functools.lru_cache(maxsize=32)
def layers(act: str, depth: int, sw: float, sb: float, jmax: int) -> tuple[Layer, ...]:
    """The L layers of ``act`` (Hermite coefficients at each layer's variance q_{h-1})."""
    out = []
    with mpmath.workdps(DPS):
        sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        q = sw2 + sb2
        dead = H.killed(act, np.arange(jmax + 1))
        for _ in range(depth):
            scale = mpmath.nstr(mpmath.sqrt(q), DPS)
            q = mpmath.mpf(scale) ** 2  # the variance the coefficients are taken at
            a, e = H._coefficients(act, jmax, scale)
            lo = [
                mpmath.mpf(0) if z else max(abs(x) - ex, 0) ** 2
                for x, ex, z in zip(a, e, dead, strict=True)
            ]
            s1, e1 = _square_moment(H.sigma_expr(act, scale))
            s = sp.Float(scale, DPS + 10)
            sd1, e2 = _square_moment(sp.diff(H.sigma_expr(act), H.U).subs(H.U, s * H.U))
            bd = tuple((j + 1) * lo[j + 1] / q for j in range(jmax))
            out.append(Layer(q, tuple(lo), bd, s1, sd1, e1 + e2))
            q = sw2 * s1 + sb2
    return tuple(out)


def _square_moment(expr: sp.Expr):
    """(E[f(u)^2], error bound), u ~ N(0, 1), f given as sympy in u."""
    fn = sp.lambdify(H.U, expr, "mpmath")
    return H._moment(lambda u: fn(u) ** 2, DPS)


def _variances(m, sw: float, sb: float):
    """(sw^2, sb^2) of the float parameters, in float64 or exactly in mpmath."""
    if m.MP:
        return mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
    return sw * sw, sb * sb


def _iterate(m, t, sw: float, sb: float, maps):
    """(p_L, Theta_L) at t through ``maps``: (q, S(m, rho), S-dot(m, rho)) per layer."""
    sw2, sb2 = _variances(m, sw, sb)
    p = sw2 * t + sb2
    theta = p
    for q, s_map, sd_map in maps:
        rho = p / q
        rho = max(min(rho, 1), -1) if m.MP else np.clip(rho, -1.0, 1.0)
        p_new = sw2 * s_map(m, rho) + sb2
        theta = p_new + sw2 * sd_map(m, rho) * theta
        p = p_new
    return p, theta


def _poly(coef: tuple):
    """S(m, rho) = sum_j coef_j rho^j (float64 Horner or mpmath)."""
    b64 = np.array([float(c) for c in coef])

    def run(m, rho):
        if m.MP:
            return mpmath.polyval(list(reversed(coef)), rho)
        return H.horner(b64, rho)

    return run


def relu_maps(m, depth: int, sw: float, sb: float):
    """ReLU's layer maps in closed form: S = q J_1(rho)/(2 pi), S-dot = J_0/(2 pi),
    q_h = sw^2 S(1) + sb^2 = sw^2 q_{h-1}/2 + sb^2 (Cho & Saul 2009).  q_h is formed by
    the same operations as p_h(1), so rho = 1 exactly on the diagonal (S has a
    sqrt(1 - rho) term: an ulp of rho would cost 1e-8)."""

    def s_map(q):
        return lambda m, rho: q * (m.sqrt(1 - rho * rho) + (m.pi - m.acos(rho)) * rho) / (2 * m.pi)

    def sd_map(m, rho):
        return (m.pi - m.acos(rho)) / (2 * m.pi)

    one = mpmath.mpf(1) if m.MP else 1.0
    sw2, sb2 = _variances(m, sw, sb)
    out, q = [], sw2 * one + sb2
    for _ in range(depth):
        out.append((q, s_map(q), sd_map))
        q = sw2 * s_map(q)(m, one) + sb2
    return out


def phi(m, t, args: tuple, kind: str):
    """The deep NNGP (``kind="nngp"``) or NTK at t; ``args`` = (act, depth, sw, sb)."""
    act, depth, sw, sb = args
    if act == "relu":
        maps = relu_maps(m, depth, sw, sb)
    else:
        ls = _phi_layers(act, depth, sw, sb)
        maps = [(float(x.q) if not m.MP else x.q, _poly(x.b), _poly(x.bd)) for x in ls]
    out = _iterate(m, t, sw, sb, maps)
    return out[0] if kind == "nngp" else out[1]


@functools.lru_cache(maxsize=32)
def _phi_layers(act: str, depth: int, sw: float, sb: float) -> tuple[Layer, ...]:
    """The first order of :data:`LADDER` whose per-layer tails are <= 1e-18 S(1) (the
    truncation error of phi on [-1, 1], as b_j >= 0: far below float64 rounding)."""
    for jmax in LADDER:
        ls = layers(act, depth, sw, sb, jmax)
        with mpmath.workdps(DPS):
            if all(x.s1 - mpmath.fsum(x.b) <= 1e-18 * x.s1 for x in ls):
                return ls
    return ls


@dataclass(frozen=True)
class Composed:
    """K(t) = sum_{n<=N} c_n t^n + error (see the module doc): c (float64), err (a
    bound on each coefficient's rounding error), D_low, D_high, K(1)."""

    c: np.ndarray
    err: np.ndarray
    d_low: float
    d_high: float
    k1: float
    depth: int


def _powers(rho: np.ndarray, jmax: int) -> np.ndarray:
    """rho^j, j = 0..J, truncated at degree N = len(rho) - 1 (binary splitting)."""
    n = rho.size
    out = np.zeros((jmax + 1, n), dtype=np.longdouble)
    out[0, 0] = 1
    out[1] = rho
    for j in range(2, jmax + 1):
        out[j] = np.convolve(out[j // 2], out[j - j // 2])[:n]
    return out


@functools.lru_cache(maxsize=32)
def compose(act: str, kind: str, depth: int, sw: float, sb: float, jmax: int) -> Composed:
    """The power series of the deep kernel with its three error terms."""
    ls = layers(act, depth, sw, sb, jmax)
    n = jmax + 1
    u = _U_LD
    sw2, sb2 = np.longdouble(sw) ** 2, np.longdouble(sb) ** 2
    p = np.zeros(n, dtype=np.longdouble)
    p[0], p[1] = sb2, sw2
    theta = p.copy()
    e_p, e_th = 3 * u * p, 3 * u * p  # absolute rounding bounds, coefficientwise
    local = (math.ceil(math.log2(jmax)) + 2) * (n + 2) * u + (jmax + 4) * u

    def conv(a, b):
        return np.convolve(a, b)[:n]

    for x in ls:
        q = np.longdouble(str(x.q))
        rho = p / q
        e_rho = e_p / q + u * rho
        with np.errstate(divide="ignore", invalid="ignore"):
            r_max = float(np.max(np.where(rho > 0, e_rho / rho, 0.0)))
        if jmax * r_max > 0.5:  # (1 + r)^J <= 2 is used below
            raise AccuracyError(f"deep kernel: rounding grew to {r_max:.1e} (depth {depth})")
        powers = _powers(rho, jmax)
        b = np.array([np.longdouble(str(v)) for v in x.b])
        bd = np.array([np.longdouble(str(v)) for v in x.bd])
        j = np.arange(1, jmax + 1, dtype=np.longdouble)
        s, sd = b @ powers, bd @ powers[:jmax]
        # S(rho + delta) - S(rho) <= S'(rho + delta) delta <= 2 S'(rho) delta (c >= 0)
        e_s = 2 * conv(j * b[1:] @ powers[:jmax], e_rho) + local * s
        e_sd = 2 * conv(j[:-1] * bd[1:] @ powers[: jmax - 1], e_rho) + local * sd
        p_new = sw2 * s
        p_new[0] += sb2
        sd_th = conv(sd, theta)
        e_p = sw2 * e_s + 3 * u * p_new
        e_th = e_p + sw2 * (conv(e_sd, theta) + conv(sd + e_sd, e_th) + (n + 2) * u * sd_th)
        theta = p_new + sw2 * sd_th
        e_th += 3 * u * theta
        p = p_new
    c = (p if kind == "nngp" else theta).astype(np.float64)
    err = (e_p if kind == "nngp" else e_th).astype(np.float64) + 2 * _U64 * c
    pick = 0 if kind == "nngp" else 1
    k1, k1_err = _at_one(ls, sw, sb, kind)
    with mpmath.workdps(DPS):
        kj1 = _truncated_at(ls, sw, sb, mpmath.mpf(1))[pick]
        d_low = max(k1 + k1_err - kj1, 0)
        # mass beyond N: K_J(1) minus the computed sum (the rounding allowance included),
        # or sum_{n>N} c_n <= [eps^m] K_J(1 + eps) / binom(N+1, m) (c_n >= 0)
        d_high = max(kj1 - mpmath.fsum(float(v) for v in c - err), 0)
        taylor = _taylor_at_one(ls, sw, sb, TAYLOR_M)[pick]
        for m, coef in enumerate(taylor):
            d_high = min(d_high, coef / mpmath.binomial(jmax + 1, m))
    return Composed(c, err, float(d_low), float(d_high), float(k1), depth)


#: Order of the Taylor expansion at t = 1 in the tail bound (moments up to binom(n, 64)).
TAYLOR_M = 64


def _mul(a: list, b: list) -> list:
    """Product of two truncated power series (mpmath lists of equal length)."""
    n = len(a)
    return [mpmath.fsum(a[i] * b[k - i] for i in range(k + 1)) for k in range(n)]


def _shift(coef: tuple, r0, m: int) -> list:
    """Taylor coefficients s_i, i <= m, of sum_j coef_j (r0 + delta)^j (synthetic division)."""
    work = list(coef)
    out = []
    for _ in range(m + 1):
        acc = mpmath.mpf(0)
        for j in range(len(work) - 1, -1, -1):
            acc = acc * r0 + work[j]
            work[j] = acc
        out.append(work[0])
        work = work[1:] or [mpmath.mpf(0)]
    return out


def _taylor_at_one(ls, sw: float, sb: float, m: int):
    """Taylor coefficients in eps of (p_L, Theta_L)(1 + eps), truncated series, order m."""
    with mpmath.workdps(DPS):
        sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        zero = [mpmath.mpf(0)] * (m + 1)
        p = [sw2 + sb2, sw2, *zero[2:]]
        th = list(p)
        for lay in ls:
            delta = [mpmath.mpf(0)] + [x / lay.q for x in p[1:]]
            out = []
            for coef in (lay.b, lay.bd):
                s = _shift(coef, p[0] / lay.q, m)
                acc = [s[m], *zero[1:]]
                for i in range(m - 1, -1, -1):
                    acc = _mul(acc, delta)
                    acc[0] += s[i]
                out.append(acc)
            p = [sw2 * x for x in out[0]]
            p[0] += sb2
            th = [a + sw2 * b for a, b in zip(p, _mul(out[1], th), strict=True)]
        return p, th


def _truncated_at(ls, sw: float, sb: float, x):
    """(p_L, Theta_L) of the truncated series composed, at a real x (mpmath)."""
    sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
    p = th = sw2 * x + sb2
    for lay in ls:
        rho = p / lay.q
        s = mpmath.polyval(list(reversed(lay.b)), rho)
        sd = mpmath.polyval(list(reversed(lay.bd)), rho)
        p = sw2 * s + sb2
        th = p + sw2 * sd * th
    return p, th


def _at_one(ls, sw: float, sb: float, kind: str):
    """(K(1) by the quadrature variances, an error bound of it)."""
    with mpmath.workdps(DPS):
        sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        p = th = sw2 + sb2
        err = mpmath.mpf(0)
        for x in ls:
            p = sw2 * x.s1 + sb2
            th = p + sw2 * x.sd1 * th
            err = (err + x.err) * (1 + sw2) * (1 + sw2 * x.sd1) * 4  # generous propagation
        k1 = p if kind == "nngp" else th
        return k1, err + mpmath.mpf(10) ** (-DPS + 10) * k1


def deep_parity(act: str, sb: float) -> str:
    """``odd``/``even`` when sigma is and there is no bias (a bias breaks the parity)."""
    par = H.sigma_parity(act)
    return par if sb == 0 else "none"


def log_eigenvalues(act: str, kind: str, depth: int, sw: float, sb: float, d: int, k):
    """(sign, log|mu_k|, rel_err): the smallest order of :data:`LADDER` meeting
    :data:`~._hermite.TARGET` on the largest degrees, else the order with the smallest
    error there (a higher order cuts the truncation but widens the rounding bound)."""
    k = np.asarray(k, dtype=np.int64)
    probe = k[-4:] if k.size else k
    best, best_err = None, np.inf
    for jmax in LADDER:
        comp = compose(act, kind, depth, sw, sb, jmax)
        err = float(np.max(_mu(comp, d, probe, act, sb)[2], initial=0.0))
        if err < best_err:
            best, best_err = comp, err
        if err <= H.TARGET:
            break
    return _mu(best, d, k, act, sb)


def _mu(comp: Composed, d: int, k: np.ndarray, act: str, sb: float):
    with np.errstate(divide="ignore"):
        log_c = np.log(comp.c)
        log_err = np.log(comp.err)
    s = H.Series(comp.c, log_c, log_err, (), comp.d_high, comp.k1)
    par = deep_parity(act, sb)
    zero = ((k % 2 == 0) & (par == "odd")) | ((k % 2 == 1) & (par == "even"))
    sign, acc, rel = H._mu(s, d, k, act, zero=zero)
    low = H._log(comp.d_low) + H._log_cmax(d, k, k - 1) if comp.d_low > 0 else -np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        rel = np.where(sign != 0, rel + np.exp(low - acc), rel)
    return sign, acc, rel
