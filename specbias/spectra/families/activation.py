"""tanh, erf, gelu, sigmoid, softplus: a smooth activation itself as a dot-product function.

.. math:: \\varphi(t) = \\sigma(t),\\qquad t = \\theta\\cdot x \\in [-1, 1],

the feature-regime atoms sigma(theta . x) of a network with unit first-layer weights
(as ``relu`` is max(0, t)), for ``specbias predict --activation tanh``.  sigma is
analytic on a neighbourhood of [-1, 1] (tanh and sigmoid have their nearest poles at
|t| = pi/2 and pi, softplus its branch point at |t| = pi, erf and gelu are entire), so
mu_k decays faster than any power of k (geometrically): beta = min(2 nu_t, 2 alpha)/(d-1)
is then set by the target alone.  Float64 route (``series``): the Taylor series
sigma(t) = sum_j c_j t^j, mu_k = sum_{j>=k} c_j mu_k(t^j) in log space, with the
coefficients in closed form (tanh: c_{2n-1} = 4^n (4^n - 1) B_{2n}/(2n)!, sigmoid =
(1 + tanh(t/2))/2, softplus' = sigmoid, erf: c_{2n+1} = 2 (-1)^n/(sqrt(pi) n! (2n+1)),
gelu = t/2 + (t/2) erf(t/sqrt 2)), the cancellation estimate of the signed sum and a
truncation bound |c_j| <= C r^{-j} (r = pi/2, pi, pi, and 1/j! decay); past
k ~ 100-200 the alternating sum cancels too much and the error estimate says so.  The
exact value is the unevaluated Funk-Hecke integral.  Their dual kernels are
``nngp:act=NAME`` and ``ntk:act=NAME`` (:mod:`.dual`).  Convention
:mod:`specbias.spectra._conventions`; Bach arXiv 1412.8690 (smooth activations),
Petrini et al. arXiv 2206.12314 (feature-regime atoms).

>>> from specbias.spectra import decay_law
>>> decay_law("tanh", 3).alpha
inf
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from .._expr import T
from .._gamma import signed_logsumexp
from .._laws import fast_law
from . import _hermite as H
from ._base import Family, Numeric

#: Taylor terms past the largest degree (the terms decay geometrically or faster).
_EXTRA = 160
#: Largest degree with a Taylor route (beyond it the alternating sum has no digits left).
_KMAX = 400


def _taylor(name: str, jmax: int):
    """(c_j as mpf for j <= jmax, bound(j) on |c_j| for j > jmax, ratio of the bound)."""
    with mpmath.workdps(30):
        c = [mpmath.mpf(0)] * (jmax + 2)
        if name in ("erf", "gelu"):
            s = mpmath.mpf(1) / mpmath.sqrt(2) if name == "gelu" else mpmath.mpf(1)
            for n in range((jmax + 1) // 2 + 1):
                j = 2 * n + 1 + (name == "gelu")
                if j <= jmax + 1:
                    term = (
                        2 / mpmath.sqrt(mpmath.pi) * (-1) ** n / (mpmath.factorial(n) * (2 * n + 1))
                    )
                    c[j] = term * s ** (2 * n + 1) / (2 if name == "gelu" else 1)
            if name == "gelu":
                c[1] = mpmath.mpf(1) / 2
            return c[: jmax + 1], lambda j: 2 / mpmath.factorial(max((j - 2) // 2, 0)), 0.5
        for n in range(1, (jmax + 2) // 2 + 1):
            j = 2 * n - 1
            if j <= jmax + 1:
                c[j] = 4**n * (4**n - 1) * mpmath.bernoulli(2 * n) / mpmath.factorial(2 * n)
        if name == "tanh":
            return c[: jmax + 1], lambda j: 3.3 * (2 / mpmath.pi) ** (j + 1), 2 / mpmath.pi
        sig = [x / 2 ** (j + 1) for j, x in enumerate(c)]
        sig[0] = mpmath.mpf(1) / 2
        if name == "sigmoid":
            return sig[: jmax + 1], lambda j: 3.3 * mpmath.pi ** -(j + 1), 1 / mpmath.pi
        soft = [mpmath.log(2)] + [sig[j] / (j + 1) for j in range(jmax)]
        return soft, lambda j: 3.3 * mpmath.pi**-j, 1 / mpmath.pi


def _log_eigenvalues(name: str, d: int, k: np.ndarray):
    from .._closed_forms import relu_power_log

    k = np.asarray(k, dtype=np.int64)
    kmax = min(int(k.max(initial=0)), _KMAX)
    jmax = kmax + _EXTRA
    c, bound, q = _taylor(name, jmax)
    kk = np.minimum(k, kmax)
    rows_s, rows_l = [], []
    for j, cj in enumerate(c):
        if cj == 0:
            continue
        sj, lj = relu_power_log(float(j), d, kk)
        on = (sj != 0) & ((j + kk) % 2 == 0)
        rows_s.append(np.where(on, int(mpmath.sign(cj)), 0).astype(np.int8))
        rows_l.append(lj + np.log(2.0) + float(mpmath.log(abs(cj))))
    sign, log_abs, log_scale = signed_logsumexp(np.stack(rows_s), np.stack(rows_l), axis=0)
    log_tail = float(mpmath.log(bound(jmax + 1) / (1 - q))) + H._log_cmax(d, kk, jmax)
    eps = np.finfo(float).eps
    with np.errstate(over="ignore", invalid="ignore"):
        floor = 2e-15 + 4 * eps * (np.abs(log_abs) + 50)
        rel = floor * np.exp(log_scale - log_abs) + np.exp(log_tail - log_abs)
    zero = H.killed(name, k)
    rel = np.where(zero, 0.0, np.where((sign == 0) | (k > kmax), np.inf, rel))
    sign = np.where(zero | (k > kmax), 0, sign).astype(np.int8)
    return sign, np.where(sign == 0, -np.inf, log_abs), rel


_SMOOTH = ("tanh", "erf", "gelu", "sigmoid", "softplus")


def _law(spec: str, d: int, note: str, parity: str):
    """Faster than any power, on the degrees the parity leaves (odd sigma: odd k)."""
    return replace(
        fast_law(spec, d, note), parity={"even": "even", "odd": "odd"}.get(parity, "all")
    )


@cache
def _lambdified(name: str, backend: str):
    """phi as a numpy or mpmath function, built on first use (lambdify at import cost
    0.13 s of every CLI start)."""
    expr = H.NAMED[name].subs(H.U, T)
    return sp.lambdify(T, expr, ["scipy", "numpy"] if backend == "numpy" else "mpmath")


def _activation(name: str) -> Family:
    expr = H.NAMED[name].subs(H.U, T)

    def phi(m, theta, p):
        t = m.cos(theta)
        if m.MP:
            return mpmath.mpf(_lambdified(name, "mpmath")(t))
        return np.asarray(_lambdified(name, "numpy")(t), dtype=np.float64)

    note = f"{name} is analytic on a neighbourhood of [-1, 1]: geometric decay"
    return Family(
        name=name,
        params=(),
        phi=phi,
        sympy_phi=lambda p: expr,
        # the parity is derived with sympy on first use (at import: 0.7 s of every CLI start)
        decay=lambda p, spec, d: _law(spec, d, note, H.sigma_parity(name)),
        parity=lambda p: H.sigma_parity(name),
        numeric=lambda p: Numeric(
            "series", lambda d, k: _log_eigenvalues(name, d, k), terms=lambda: _EXTRA
        ),
        examples=(name,),
    )


#: One family per smooth named activation.
ACTIVATIONS: tuple[Family, ...] = tuple(_activation(n) for n in _SMOOTH)
