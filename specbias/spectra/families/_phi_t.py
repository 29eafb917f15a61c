"""phi(t) on large float64 arrays: fused formulas in t, evaluated block by block.

A Gram matrix of n = 2000 points is 4 10^6 values of t; the theta-native route
phi(cos(arccos t)) pays arccos, cos and sin over the whole array (each a full pass
through memory, plus temporaries).  The families' ``phi_t`` formulas use t itself
(sin theta = sqrt((1-t)(1+t)), cos theta = t, one arccos) and :func:`blockwise` runs
them on cache-sized blocks, so every temporary stays in cache (measured in
``benchmarks/bench_gram.py``: faster than neural-tangents' jitted ``kernel_fn``).
Safe spots as in neural-tangents: t is clipped to [-1, 1] before arccos, and
1 - t^2 is formed as (1-t)(1+t), clamped at 0 (no NaN from a Gram entry 1 + 1e-16).
Novak et al. arXiv 1912.02803 (neural-tangents' safe arccos and sqrt).

>>> import numpy as np
>>> t = np.array([-1.0000000000000002, 0.0, 1.0000000000000002])
>>> [float(x) for x in sqrt_one_minus_sq(clip(t))]
[0.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Values per block: 2^14 float64 (128 KB) keeps a formula's temporaries in L2 cache.
BLOCK = 1 << 14
_TWO_PI = 2.0 * np.pi


def clip(t: np.ndarray) -> np.ndarray:
    """t clipped to [-1, 1] (a Gram entry of unit vectors may round past +-1)."""
    return np.clip(t, -1.0, 1.0)


def sqrt_one_minus_sq(t: np.ndarray) -> np.ndarray:
    """sin(arccos t) = sqrt((1 - t)(1 + t)), >= 0 for clipped t (accurate near +-1)."""
    s = np.subtract(1.0, t)
    s *= 1.0 + t
    np.maximum(s, 0.0, out=s)
    return np.sqrt(s, out=s)


def j0(t: np.ndarray) -> np.ndarray:
    """J_0 = pi - arccos t (Cho & Saul 2009), t clipped."""
    return np.subtract(np.pi, np.arccos(t))


def j1(t: np.ndarray, pi_minus_theta: np.ndarray | None = None) -> np.ndarray:
    """J_1 = sqrt(1 - t^2) + (pi - arccos t) t, t clipped."""
    out = (j0(t) if pi_minus_theta is None else pi_minus_theta) * t
    out += sqrt_one_minus_sq(t)
    return out


def j2(t: np.ndarray) -> np.ndarray:
    """J_2 = 3 t sqrt(1 - t^2) + (pi - arccos t)(1 + 2 t^2), t clipped."""
    out = 2.0 * t * t
    out += 1.0
    out *= j0(t)
    out += 3.0 * t * sqrt_one_minus_sq(t)
    return out


def deep_relu(t: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(NNGP, NTK) of :func:`~.arccos.deep_relu_kernels` in t (no bias), t clipped."""
    rho, ntk = t, t
    sigma = t
    for h in range(1, depth + 1):
        pmt = j0(rho)
        ntk = ntk * (pmt / _TWO_PI)
        jj = j1(rho, pmt)
        sigma = jj / (_TWO_PI * 2 ** (h - 1))
        ntk += sigma
        rho = np.clip(jj / np.pi, -1.0, 1.0)
    return sigma, ntk


def blockwise(fn: Callable[[np.ndarray], np.ndarray], t) -> np.ndarray:
    """``fn`` (a fused formula on clipped t) on ``t`` of any shape, block by block."""
    t = np.asarray(t, dtype=np.float64)
    flat = np.ascontiguousarray(t).reshape(-1)
    out = np.empty(flat.shape, dtype=np.float64)
    for i in range(0, flat.size, BLOCK):
        out[i : i + BLOCK] = fn(clip(flat[i : i + BLOCK]))
    return out.reshape(t.shape)
