"""Pricing for the feature-limit LP: large |g_lambda| on the sphere (numba kernels).

The dual function of minimum variation-norm interpolation (:mod:`._limits`) is

.. math:: g_\\lambda(\\theta) = \\sum_i \\lambda_i\\, \\sigma(\\theta\\cdot x_i),
          \\qquad \\sigma = \\mathrm{ReLU},\\ |\\theta| = 1.

Column generation needs directions with |g| > 1 (violated dual constraints).
:func:`ascend` runs projected normalized-gradient ascent of s g from many starts at
once: one fused loop over the data points gives g and its (piecewise constant)
gradient, O(d) working memory per start, starts in parallel (``prange``).  The
numpy route built (starts x n) matrices every step, 2 GB at 4096 starts and
n = 1024 (per step), and spent most of its time in memory traffic.
:func:`cell_maxima` maximizes s g exactly over the closed hyperplane-arrangement
cell of each end point: on the cell g(u) = u . v, and the maximum over cell and
unit ball is |P_C v| (Moreau decomposition v = P_C v + P_polar v, the polar part
from a nonnegative least-squares problem in the cell's constraint normals), solved
by a compiled Lawson-Hanson active-set loop on the d x n normal equations.

This module imports numba: it is imported lazily by :mod:`._limits` (first column
generation), never from ``specbias.__init__``.  The module never imports JAX.
"""

from __future__ import annotations

import numba as nb
import numpy as np

# Step schedule of the ascent: STEP_MAX (radians) decreasing linearly to STEP_MIN.
STEP_MAX = 0.5
STEP_MIN = 1e-3
# Two unit directions closer than this (Euclidean) are the same neuron; g_lambda is
# Lipschitz with constant sum|lambda| (often 1e2..1e4), so this must stay tiny.
SAME_DIRECTION = 1e-12
# Search end points with |g| below this are not worth the exact cell maximization
# (the cell maximum exceeds the ascent end point by far less in practice).
POLISH_FROM = 0.9
# Angular scales (radians) of the local search around the atoms.
LOCAL_SCALES = (0.003, 0.01, 0.03)
# Active-set iterations of the cone projection, per dimension (typically <= 2 d in all).
MAX_NNLS_STEPS = 20


@nb.njit(cache=True, inline="always")
def _dot_row(th, x, i):
    """th . x_i."""
    t = 0.0
    for k in range(x.shape[1]):
        t += th[k] * x[i, k]
    return t


@nb.njit(cache=True, inline="always")
def _value_grad(x, lam, th, sign, grad):
    """s g(th) and s grad g(th) (written into ``grad``), one pass over the points."""
    n, d = x.shape
    for k in range(d):
        grad[k] = 0.0
    val = 0.0
    for i in range(n):
        t = _dot_row(th, x, i)
        if t > 0.0:
            val += lam[i] * t
            for k in range(d):
                grad[k] += lam[i] * x[i, k]
    for k in range(d):
        grad[k] *= sign
    return sign * val


@nb.njit(cache=True, parallel=True)
def ascend(x, lam, starts, signs, steps, step_max=STEP_MAX):
    """Best points of the ascent of s_j g from each start (rows), and their values.

    Step k (0-based) moves by step_max (1 - k / steps) + STEP_MIN radians along the
    normalized tangential gradient; the best of the steps + 1 visited points is kept.
    """
    m, d = starts.shape
    best_th = np.empty((m, d))
    best_v = np.empty(m)
    for j in nb.prange(m):
        th = starts[j].copy()
        grad = np.empty(d)
        best = -np.inf
        for k in range(steps + 1):
            val = _value_grad(x, lam, th, signs[j], grad)
            if val > best:
                best = val
                for q in range(d):
                    best_th[j, q] = th[q]
            if k == steps:
                break
            gt = 0.0
            for q in range(d):
                gt += grad[q] * th[q]
            norm = 0.0
            for q in range(d):
                grad[q] -= gt * th[q]
                norm += grad[q] * grad[q]
            if norm == 0.0:
                break
            step = step_max * (1.0 - k / steps) + STEP_MIN
            scale = step / np.sqrt(norm)
            tn = 0.0
            for q in range(d):
                th[q] += scale * grad[q]
                tn += th[q] * th[q]
            tn = np.sqrt(tn)
            for q in range(d):
                th[q] /= tn
        best_v[j] = best
    return best_th, best_v


@nb.njit(cache=True)
def _lstsq_small(a, b):
    """Least squares min |a z - b| for a tall or square (d, k) matrix, by modified
    Gram-Schmidt QR; a column dependent on the previous ones gets z = 0."""
    d, k = a.shape
    q = a.copy()
    r = np.zeros((k, k))
    for c in range(k):
        for c2 in range(c):
            dot = 0.0
            for i in range(d):
                dot += q[i, c2] * q[i, c]
            r[c2, c] = dot
            for i in range(d):
                q[i, c] -= dot * q[i, c2]
        nrm = np.sqrt(np.sum(q[:, c] * q[:, c]))
        r[c, c] = nrm
        if nrm > 1e-12 * (np.sqrt(np.sum(a[:, c] * a[:, c])) + 1e-300):
            for i in range(d):
                q[i, c] /= nrm
        else:
            r[c, c] = 0.0
            for i in range(d):
                q[i, c] = 0.0
    z = np.zeros(k)
    for c in range(k - 1, -1, -1):
        if r[c, c] == 0.0:
            continue
        acc = 0.0
        for i in range(d):
            acc += q[i, c] * b[i]
        for c2 in range(c + 1, k):
            acc -= r[c, c2] * z[c2]
        z[c] = acc / r[c, c]
    return z


@nb.njit(cache=True)
def _nnls_cone(x, active, v, mu):
    """Lawson-Hanson NNLS for min |v - sum_i mu_i a_i|, mu >= 0, a_i = +-x_i.

    a_i = -x_i for active points (constraint u . x_i >= 0), +x_i otherwise.
    Returns the residual p = v - A mu (the projection of v on the cone
    {u : a_i . u <= 0}, by Moreau).  ``mu`` is an n-buffer.
    """
    n, d = x.shape
    for i in range(n):
        mu[i] = 0.0
    pset = np.zeros(n, dtype=np.bool_)
    p = v.copy()
    for _outer in range(MAX_NNLS_STEPS * d):
        # most positive gradient a_i . p among the zero set
        jbest = -1
        gbest = 1e-13 * (np.sqrt(np.sum(v * v)) + 1e-300)
        for i in range(n):
            if pset[i]:
                continue
            s = -1.0 if active[i] else 1.0
            t = 0.0
            for k in range(d):
                t += s * x[i, k] * p[k]
            if t > gbest:
                gbest = t
                jbest = i
        if jbest < 0:
            break
        pset[jbest] = True
        for _inner in range(MAX_NNLS_STEPS * d):
            # unconstrained least squares on the passive set
            idx = np.nonzero(pset)[0]
            k_ = idx.size
            a = np.empty((d, k_))
            for c in range(k_):
                s = -1.0 if active[idx[c]] else 1.0
                for k in range(d):
                    a[k, c] = s * x[idx[c], k]
            z = _lstsq_small(a, v)
            if np.all(z > 0.0):
                for c in range(k_):
                    mu[idx[c]] = z[c]
                break
            alpha = 1.0
            for c in range(k_):
                if z[c] <= 0.0:
                    r = mu[idx[c]] / (mu[idx[c]] - z[c])
                    if r < alpha:
                        alpha = r
            for c in range(k_):
                val = mu[idx[c]] + alpha * (z[c] - mu[idx[c]])
                mu[idx[c]] = val
                if val <= 1e-15 * (1.0 + abs(z[c])):
                    mu[idx[c]] = 0.0
                    pset[idx[c]] = False
        for k in range(d):
            p[k] = v[k]
        for i in range(n):
            if mu[i] != 0.0:
                s = -1.0 if active[i] else 1.0
                for k in range(d):
                    p[k] -= mu[i] * s * x[i, k]
    return p


@nb.njit(cache=True, parallel=True)
def cell_maxima(x, lam, points, signs):
    """argmax and max of s g over the closed arrangement cell of each point (rows).

    Falls back to the point itself when the cell maximum is not better (round-off).
    """
    m, d = points.shape
    n = x.shape[0]
    out = np.empty((m, d))
    vals = np.empty(m)
    for j in nb.prange(m):
        th = points[j]
        active = np.empty(n, dtype=np.bool_)
        v = np.zeros(d)
        for i in range(n):
            active[i] = _dot_row(th, x, i) > 0.0
            if active[i]:
                for k in range(d):
                    v[k] += signs[j] * lam[i] * x[i, k]
        grad = np.empty(d)
        val0 = _value_grad(x, lam, th, signs[j], grad)
        p = _nnls_cone(x, active, v, np.empty(n))
        norm = np.sqrt(np.sum(p * p))
        out[j] = th
        vals[j] = val0
        if norm > 0.0:
            t_ = p / norm
            val = _value_grad(x, lam, t_, signs[j], grad)
            if val >= val0:
                out[j] = t_
                vals[j] = val
    return out, vals


# ------------------------------------------------------------------------------------
# searches (numpy drivers of the kernels)
def relu_features(theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``Phi[i, h] = relu(theta_h . x_i)``, shape ``(len(x), len(theta))``."""
    return np.maximum(x @ theta.T, 0.0)


def _random_directions(rng: np.random.Generator, m: int, d: int) -> np.ndarray:
    g = rng.standard_normal((m, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def ascend_numpy(x, lam, starts, signs, steps):
    """Reference route of :func:`ascend` on (starts x n) matrices (tests, benchmarks):
    the same steps, O(starts n) memory per step."""
    th, sign = np.asarray(starts, dtype=np.float64), np.asarray(signs, dtype=np.float64)
    best_th, z = th.copy(), th @ x.T
    best_v = sign * (np.maximum(z, 0.0) @ lam)
    for k in range(steps):
        grad = sign[:, None] * (((z > 0) * lam) @ x)
        tang = grad - np.sum(grad * th, axis=1, keepdims=True) * th
        norm = np.linalg.norm(tang, axis=1, keepdims=True)
        step = STEP_MAX * (1.0 - k / steps) + STEP_MIN
        th = th + step * tang / np.where(norm > 0, norm, 1.0)
        th /= np.linalg.norm(th, axis=1, keepdims=True)
        z = th @ x.T
        val = sign * (np.maximum(z, 0.0) @ lam)
        better = val > best_v
        best_th[better], best_v[better] = th[better], val[better]
    return best_th, best_v


def dual_values(theta, x, lam) -> np.ndarray:
    """g_lambda(theta) = sum_i lambda_i relu(theta . x_i) for each row of ``theta``."""
    return np.maximum(theta @ x.T, 0.0) @ lam


def dual_search(
    lam,
    x,
    starts=None,
    signs=None,
    *,
    rng: np.random.Generator | None,
    restarts: int = 256,
    steps: int = 100,
    polish: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions with large |g_lambda(theta)|, sorted by decreasing |g| (heuristic).

    Each start ascends s * g by projected normalized-gradient steps on the sphere
    (:func:`ascend`, step 0.5 rad decreasing linearly to 1e-3): ``starts`` with their
    ``signs`` (None: both signs), plus ``restarts`` uniform directions with both
    signs if ``rng`` is given.  The ``polish`` best distinct end points are then
    maximized exactly over their hyperplane-arrangement cell (:func:`cell_maxima`),
    those below ``POLISH_FROM`` only if none is above.  For d > 2 the global
    maximum is not guaranteed.

    Returns:
        ``(directions (k, d), values (k,))`` with values = max(g, -g) > 0.
    """
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    th_s = np.zeros((0, d)) if starts is None else np.asarray(starts, dtype=np.float64)
    if signs is None:
        th_s, sign_s = np.vstack([th_s, th_s]), np.repeat([1.0, -1.0], th_s.shape[0])
    else:
        sign_s = np.asarray(signs, dtype=np.float64)
    th_r = _random_directions(rng, restarts, d) if rng is not None else np.zeros((0, d))
    th = np.vstack([th_s, th_r, th_r])
    sign = np.concatenate([sign_s, np.ones(len(th_r)), -np.ones(len(th_r))])
    best_th, best_v = ascend(x, np.asarray(lam, dtype=np.float64), th, sign, int(steps))
    return polish_ends(x, lam, best_th, best_v, sign, polish)


def local_search(
    lam,
    x,
    atoms,
    signs,
    *,
    rng: np.random.Generator,
    per_atom: int = 4,
    scales=LOCAL_SCALES,
    steps: int = 12,
    polish: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """Violators near the current atoms and their antipodes (heuristic, like
    :func:`dual_search`).

    The neighbours of an atom (other arrangement vertices a few 1e-3..1e-1 rad
    away) and the antipode -theta (g(-theta) = g(theta) - theta . X^T lambda) are
    where new maxima of |g| appear after an LP solve; the global ascent's first
    steps (0.5 rad) jump over them.  Starts: every atom moved by ``per_atom``
    random offsets of each angular ``scale``, ascended with steps up to 2 scale,
    and the antipodes of the atoms, all with the sign of g there.
    """
    x = np.asarray(x, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    atoms = np.asarray(atoms, dtype=np.float64)
    m, d = atoms.shape
    if m == 0:
        return np.zeros((0, d)), np.zeros(0)
    ths, sgs, vals = [], [], []
    for scale in scales:
        noise = rng.standard_normal((per_atom, m, d)) * scale
        th = (atoms[None] + noise).reshape(-1, d)
        th /= np.linalg.norm(th, axis=1, keepdims=True)
        sg = np.tile(np.asarray(signs, dtype=np.float64), per_atom)
        bt, bv = ascend(x, lam, th, sg, int(steps), 2.0 * scale)
        ths.append(bt)
        sgs.append(sg)
        vals.append(bv)
    anti = -atoms
    g_anti = dual_values(anti, x, lam)
    ths.append(anti)
    sgs.append(np.where(g_anti < 0, -1.0, 1.0))
    vals.append(np.abs(g_anti))
    return polish_ends(x, lam, np.vstack(ths), np.concatenate(vals), np.concatenate(sgs), polish)


def polish_ends(x, lam, best_th, best_v, sign, polish) -> tuple[np.ndarray, np.ndarray]:
    """Cell maxima of the ``polish`` best distinct search end points, those below
    POLISH_FROM only if none is above; distinct, sorted by decreasing value."""
    order = np.argsort(-best_v)
    _, first = np.unique(np.round(best_th[order] * 1e6), axis=0, return_index=True)
    chosen = order[np.sort(first)]
    chosen = chosen[: max(1, min(polish, int(np.sum(best_v[chosen] > POLISH_FROM))))]
    pts = np.ascontiguousarray(best_th[chosen])
    cand, vals = cell_maxima(x, np.asarray(lam, dtype=np.float64), pts, sign[chosen])
    return sorted_distinct(cand, vals)


def sorted_distinct(cand, vals) -> tuple[np.ndarray, np.ndarray]:
    """The candidates with positive value, sorted by decreasing value, without
    repeats (:func:`_distinct`)."""
    order = np.argsort(-vals)
    cand, vals = cand[order], vals[order]
    keep = _distinct(cand) & (vals > 0)
    return cand[keep], vals[keep]


def _distinct(points: np.ndarray) -> np.ndarray:
    """Mask keeping the first of every group of rows closer than SAME_DIRECTION."""
    keep = np.ones(len(points), dtype=bool)
    for j in range(1, len(points)):
        if np.min(np.linalg.norm(points[:j][keep[:j]] - points[j], axis=1)) < SAME_DIRECTION:
            keep[j] = False
    return keep
