"""Endpoint-series eigenvalues in one compiled loop: O(1) working memory per degree.

mu_k of phi(t) = sum_j a_j (1-t)^{gamma_j} (+ a polynomial part) is a signed sum over
the series terms j of closed forms (see :mod:`._closed_forms`).  The numpy route
builds (terms x degrees) grids, about 18 KB per degree for the 96-term ntk-bias
series (17 GB at k = 10^6); this numba loop evaluates each degree's terms into one
small buffer and keeps only sign, log|mu_k| and the error estimate per degree.  The
arithmetic is the numpy route's, term for term (Stirling-difference log-Gamma shifts,
reflection for Gamma at negative arguments), so the values agree to rounding.
``benchmarks/bench_series.py`` measures it against the numpy route in one process.
This module imports numba: import it lazily (first series evaluation), never from
``specbias.__init__``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._gamma import _STIRLING as _STIRLING_COEFFS
from ._gamma import _STIRLING_MIN

LOG_PI = math.log(math.pi)
LOG2 = math.log(2.0)
_EPS = float(np.finfo(float).eps)
# One set of Stirling coefficients and threshold, shared with the numpy route.
_STIRLING = np.array(_STIRLING_COEFFS)


@njit(cache=True, inline="always")
def _tail(z):
    zi = 1.0 / z
    zi2 = zi * zi
    acc = 0.0
    for i in range(_STIRLING.size - 1, -1, -1):
        acc = acc * zi2 + _STIRLING[i]
    return acc * zi


@njit(cache=True, inline="always")
def _lgamma_shift(y, h):
    """log Gamma(y + h) - log Gamma(y), as :func:`._gamma.log_gamma_shift`."""
    x = y + h
    if min(x, y) >= _STIRLING_MIN:
        return (y - 0.5) * math.log1p(h / y) + h * (math.log(x) - 1.0) + (_tail(x) - _tail(y))
    return math.lgamma(x) - math.lgamma(y)


_CHUNK = 2048  # degrees per parallel task (each task owns one small term buffer)


@njit(cache=True, parallel=True)
def _series(c_sign, c_log, gamma, d, k, p_sign, p_log, out_s, out_l, out_r):
    n_terms = gamma.size
    half = (d - 1) / 2.0
    base0 = (d - 2) * LOG2 + math.lgamma(d / 2.0) - 0.5 * LOG_PI
    base = np.empty(n_terms)
    refl = np.empty(n_terms)  # the k-independent part of a reflected term
    for j in range(n_terms):
        base[j] = base0 + math.lgamma(gamma[j] + 1.0) + gamma[j] * LOG2 + c_log[j]
        refl[j] = base[j] + math.lgamma(gamma[j] + half) - LOG_PI
    n_chunks = (k.size + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        lo = c * _CHUNK
        hi = min(lo + _CHUNK, k.size)
        _series_chunk(c_sign, gamma, d, k, p_sign, p_log, base, refl, lo, hi, out_s, out_l, out_r)


@njit(cache=True)
def _series_chunk(c_sign, gamma, d, k, p_sign, p_log, base, refl, lo, hi, out_s, out_l, out_r):
    n_terms = gamma.size
    has_poly = p_sign.size > 0
    ts = np.empty(n_terms + 1)
    tl = np.empty(n_terms + 1)
    half = (d - 1) / 2.0
    for i in range(lo, hi):
        kf = float(k[i])
        parity = -1.0 if k[i] % 2 == 1 else 1.0
        m = -np.inf
        n_used = n_terms
        for j in range(n_terms):
            g = gamma[j]
            z = g - kf + 1.0
            if z > 0:
                s = 1.0
                lg = base[j] - _lgamma_shift(g + half, kf + half) - math.lgamma(z)
            else:
                zr = z - 2.0 * math.floor(z / 2.0)
                if z == round(z):
                    s = 0.0
                    lg = -np.inf
                else:
                    sz = math.sin(math.pi * zr)
                    s = 1.0 if sz > 0 else (-1.0 if sz < 0 else 0.0)
                    lg = (
                        refl[j]
                        - _lgamma_shift(kf - g, 2.0 * g + d - 1.0)
                        + (math.log(abs(sz)) if sz != 0 else -np.inf)
                    )
            s = s * parity * c_sign[j]
            if s == 0:
                lg = -np.inf
            ts[j] = s
            tl[j] = lg
            if lg > m:
                m = lg
        if has_poly:
            ts[n_terms] = p_sign[i]
            tl[n_terms] = p_log[i] if p_sign[i] != 0 else -np.inf
            if tl[n_terms] > m:
                m = tl[n_terms]
            n_used = n_terms + 1
        if not np.isfinite(m):
            m = 0.0
        acc = 0.0
        mag = 0.0
        for j in range(n_used):
            v = ts[j] * math.exp(tl[j] - m)
            acc += v
            mag += abs(v)
        tl_max = max(tl[n_terms - 3], tl[n_terms - 2], tl[n_terms - 1]) + LOG2
        if acc == 0:
            out_s[i] = 0
            out_l[i] = -np.inf
            out_r[i] = np.inf
            continue
        log_abs = math.log(abs(acc)) + m
        log_scale = math.log(mag) + m
        floor = 2e-15 + 4 * _EPS * abs(log_abs)
        out_s[i] = 1 if acc > 0 else -1
        out_l[i] = log_abs
        out_r[i] = floor * np.exp(log_scale - log_abs) + np.exp(tl_max - log_abs)


def endpoint_series_log_jit(coef_sign, coef_log, gamma, d: int, k: np.ndarray, poly=None):
    """(sign, log_abs, rel_err) as :func:`._closed_forms.endpoint_series_log`, compiled.

    Needs at least three series terms (the truncation estimate reads the last three).
    """
    k = np.ascontiguousarray(np.asarray(k, dtype=np.int64).ravel())
    gamma = np.ascontiguousarray(gamma, dtype=np.float64)
    if gamma.size < 3:
        raise ValueError("endpoint series needs at least three terms")
    c_sign = np.ascontiguousarray(coef_sign, dtype=np.float64)
    c_log = np.ascontiguousarray(coef_log, dtype=np.float64)
    if poly is None:
        p_sign, p_log = np.empty(0), np.empty(0)
    else:
        p_sign = np.ascontiguousarray(poly[0], dtype=np.float64)
        p_log = np.ascontiguousarray(poly[1], dtype=np.float64)
    out_s = np.empty(k.size, dtype=np.int8)
    out_l = np.empty(k.size)
    out_r = np.empty(k.size)
    _series(c_sign, c_log, gamma, float(d), k, p_sign, p_log, out_s, out_l, out_r)
    return out_s, out_l, out_r
