"""Certified sup over the sphere of the dual function of the ReLU variation norm (numba).

For multipliers lambda and unit data x_i the dual function of minimum variation-norm
interpolation (:mod:`._limits`) is

.. math:: g_\\lambda(\\theta) = \\sum_i \\lambda_i\\, \\sigma(\\theta\\cdot x_i),
          \\qquad \\sigma = \\mathrm{ReLU},\\ |\\theta| = 1,

and lambda / sup|g| is dual feasible, so y . lambda / U is a lower bound on the
continuum optimum for every *upper bound* U >= sup|g|.  :func:`sup_abs_dual` computes
such a U by branch and bound over spherical caps.

Bound on a cap C(u, r) = {theta : angle(theta, u) <= r}: a point x_i with
|u . x_i| >= sin r has a fixed activation on the cap (arcsin |u . x_i| is its angle to
the hyperplane x_i^perp), so g is linear there, g = theta . v.  With the set U of
the remaining ("undecided") points and sigma(t) = t/2 + |t|/2,

.. math:: g(\\theta) = \\theta\\cdot w + \\tfrac12 \\sum_{i\\in U}\\lambda_i
          |\\theta\\cdot x_i|,\\qquad w = v + \\tfrac12\\sum_{i\\in U}\\lambda_i x_i,

so sup_C (+-g) <= sup_C (+-theta . w) + 1/2 sum_U lambda_i^{+-} m_i with
m_i = sin(min(pi/2, arcsin|u . x_i| + r)) >= sup_C |theta . x_i| and
sup_C theta . w = |w| cos(max(0, angle(u, w) - r)) (exact).  The remainder is
O(r) per undecided point and |U| = O(n r), so the bound tightens like r^2 away
from the hyperplanes and like r at the arrangement vertices where the peaks of g sit.

Caps come from a dyadic subdivision of the 2d faces of the cube [-1, 1]^d projected
onto the sphere (a box with centre p and half-diagonal h lies in the cap of centre
p/|p| and radius arcsin(h/|p|)); children inherit their parent's fixed activations,
so a box costs O(|U_parent| d).  Depth-first search, children pruned when both
bounds are <= max(prune_at, best |g| found * (1 + rtol)).

Guarantee: the returned ``upper`` is >= sup_theta |g(theta)| up to float64
round-off, which is covered by a relative margin ``ROUNDOFF_MARGIN`` on every bound
(the products and sums involve at most n terms of size |lambda_i|; the margin is
n * 1e-15 * sum |lambda| in absolute terms).  ``lower`` is an attained value
|g(theta_best)|, so lower <= sup|g| <= upper.

References: Horst and Tuy, Global Optimization (1996), ch. 4-5 (branch and bound
with convex enclosures); Bach arXiv 1412.8690 (the dual of the variation norm).

The module never imports JAX.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

# Bounds are inflated by this many units of sum|lambda| * eps per data point (covers
# the round-off of the O(n)-term sums, with a factor 10 to spare).
ROUNDOFF_MARGIN = 10.0
# Boxes are never pruned above this depth (cap radius arcsin(sqrt(d - 1) / 2^k)).
MIN_DEPTH = 2


class SupBound(NamedTuple):
    """Result of :func:`sup_abs_dual`.

    Attributes:
        upper: certified upper bound on sup_theta |g(theta)| (inf if the box budget
            ran out).
        lower: |g(theta_best)|, attained.
        theta_best: ``(d,)`` unit vector attaining ``lower``.
        boxes: caps visited.
        points: ``(k, d)`` recorded box centres with s g > record_at (pricing).
        values: ``(k,)`` their values s g(theta) > 0, unsorted.
        signs: ``(k,)`` the sign s of each recorded point.
    """

    upper: float
    lower: float
    theta_best: np.ndarray
    boxes: int
    points: np.ndarray
    values: np.ndarray
    signs: np.ndarray


def sup_abs_dual(
    x: np.ndarray,
    lam: np.ndarray,
    *,
    candidates: np.ndarray | None = None,
    rtol: float = 1e-6,
    prune_at: float = 0.0,
    record_at: float = np.inf,
    record_radius: float = 0.05,
    max_records: int = 4096,
    max_depth: int = 40,
    max_boxes: int = 50_000_000,
) -> SupBound:
    """Certified bracket ``lower <= sup_{|theta|=1} |g_lambda(theta)| <= upper``.

    Branch and bound over spherical caps (module docstring).  A cap is pruned when
    its bound is <= max(``prune_at``, lower * (1 + ``rtol``)), so on return
    upper <= max(prune_at, lower * (1 + rtol)) unless a box reached ``max_depth``
    unresolved (its bound then enters ``upper`` as it is) or the budget
    ``max_boxes`` ran out (upper = inf).

    Pricing mode: with a finite ``record_at``, a cap of radius < ``record_radius``
    whose centre has s g > record_at is recorded (up to ``max_records``) and not
    subdivided further; its cap bound still enters ``upper``, which stays valid.

    Args:
        x: ``(n, d)`` unit vectors, d >= 2.
        lam: ``(n,)`` multipliers.
        candidates: optional ``(k, d)`` directions evaluated first (a good start value
            |g| makes the pruning effective from the first box).
        rtol: relative resolution of the bracket.
        prune_at: absolute pruning level (e.g. 1 + tol to only prove |g| <= 1 + tol).

    Returns:
        :class:`SupBound`.

    Examples:
        >>> x = np.eye(3)
        >>> b = sup_abs_dual(x, np.array([1.0, 1.0, 1.0]), rtol=1e-9)
        >>> exact = np.sqrt(3.0)  # at (1, 1, 1) / sqrt(3)
        >>> bool(abs(b.lower - exact) < 1e-14), bool(exact <= b.upper <= exact * (1 + 1e-8))
        (True, True)
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    n, d = x.shape
    margin = ROUNDOFF_MARGIN * n * np.finfo(float).eps * float(np.sum(np.abs(lam)))
    # attained start value: the candidates and the +-coordinate directions
    cand = np.vstack([np.eye(d), -np.eye(d)])
    if candidates is not None:
        cand = np.vstack([cand, np.asarray(candidates, dtype=np.float64).reshape(-1, d)])
    cand = cand / np.linalg.norm(cand, axis=1, keepdims=True)
    g0 = np.abs(np.maximum(cand @ x.T, 0.0) @ lam)
    j = int(np.argmax(g0))
    out = _branch_and_bound(
        x,
        lam,
        float(rtol),
        float(prune_at),
        float(record_at),
        float(record_radius),
        int(max_records),
        int(max_depth),
        int(max_boxes),
        margin,
        float(g0[j]),
        cand[j].copy(),
    )
    upper, lower, best, boxes, pts, vals, sgn, k = out
    return SupBound(float(upper), float(lower), best, int(boxes), pts[:k], vals[:k], sgn[:k])


@nb.njit(cache=True)
def _cap_bounds(x, lam, u, r, pu, pcount, pv, cu, cv, zout):
    """Classify the parent's undecided points on cap (u, r).

    Writes the undecided indices into ``cu`` and the fixed-active sum into ``cv``;
    returns (count, ub_plus, ub_minus, g(u), g(z)), z (written to ``zout``) the
    point of the cap maximizing the linear part of the larger bound (attained).
    An undecided point has theta . x_i in [a, b], a < 0 < b, on the cap; there
    beta t <= relu(t) <= beta t + gamma with beta = b / (b - a), gamma = -a b / (b - a)
    (chord and secant), so lambda_i relu <= lambda_i beta t + lambda_i^+ gamma.
    """
    d = x.shape[1]
    sr, cr = np.sin(r), np.cos(r)
    w = np.zeros(d)
    for k in range(d):
        cv[k] = pv[k]
    rem_p = 0.0
    rem_m = 0.0
    gu_rem = 0.0
    count = 0
    for a in range(pcount):
        i = pu[a]
        t = 0.0
        for k in range(d):
            t += u[k] * x[i, k]
        if t >= sr:
            for k in range(d):
                cv[k] += lam[i] * x[i, k]
        elif t > -sr:
            cu[count] = i
            count += 1
            # range [lo, hi] of theta.x_i on the cap: sin(arcsin t +- r), within [-1, 1]
            ct = np.sqrt(max(1.0 - t * t, 0.0))
            hi = 1.0 if t * sr >= ct * cr else t * cr + ct * sr
            lo = -1.0 if -t * sr >= ct * cr else t * cr - ct * sr
            beta = hi / (hi - lo)
            gamma = -lo * beta
            for k in range(d):
                w[k] += beta * lam[i] * x[i, k]
            if lam[i] > 0:
                rem_p += lam[i] * gamma
            else:
                rem_m -= lam[i] * gamma
            if t > 0:
                gu_rem += lam[i] * t
    for k in range(d):
        w[k] += cv[k]
    wu = 0.0
    ww = 0.0
    vu = 0.0
    for k in range(d):
        wu += w[k] * u[k]
        ww += w[k] * w[k]
        vu += cv[k] * u[k]
    wn = np.sqrt(ww)
    wt = np.sqrt(max(ww - wu * wu, 0.0))
    # sup over the cap of +-theta.w: |w| if the direction is inside, else cos(a - r)|w|
    up = wn if wu >= wn * cr else wu * cr + wt * sr
    um = wn if -wu >= wn * cr else -wu * cr + wt * sr
    # second attained value: g at the cap point maximizing the linear part s theta.w
    s = 1.0 if up + rem_p >= um + rem_m else -1.0
    z = np.empty(d)
    if wn == 0.0 or wt == 0.0:  # w = 0 or w parallel to u: evaluate at the centre
        for k in range(d):
            z[k] = u[k]
    elif s * wu >= wn * cr:
        for k in range(d):
            z[k] = s * w[k] / wn
    else:
        for k in range(d):
            z[k] = cr * u[k] + (sr / wt) * (s * w[k] - s * wu * u[k])
        zn = 0.0
        for k in range(d):
            zn += z[k] * z[k]
        zn = np.sqrt(zn)
        for k in range(d):
            z[k] /= zn
    gz = 0.0
    for k in range(d):
        gz += z[k] * cv[k]
    for a in range(count):
        i = cu[a]
        t = 0.0
        for k in range(d):
            t += z[k] * x[i, k]
        if t > 0:
            gz += lam[i] * t
    for k in range(d):
        zout[k] = z[k]
    return count, up + rem_p, um + rem_m, vu + gu_rem, gz


@nb.njit(cache=True, parallel=True)
def _branch_and_bound(
    x,
    lam,
    rtol,
    prune_at,
    record_at,
    record_radius,
    max_records,
    max_depth,
    max_boxes,
    margin,
    best0,
    theta0,
):
    """The 2d cube faces in parallel; merges their brackets and records."""
    d = x.shape[1]
    nf = 2 * d
    upper = np.zeros(nf)
    best = np.zeros(nf)
    best_theta = np.zeros((nf, d))
    for f in range(nf):
        best_theta[f] = theta0
    boxes = np.zeros(nf, dtype=np.int64)
    pts = np.empty((nf, max_records, d))
    vals = np.empty((nf, max_records))
    sgn = np.empty((nf, max_records))
    nrec = np.zeros(nf, dtype=np.int64)
    for face in nb.prange(nf):
        upper[face], best[face], boxes[face], nrec[face] = _face_search(
            x,
            lam,
            face,
            rtol,
            prune_at,
            record_at,
            record_radius,
            max_depth,
            max_boxes // nf + 1,
            margin,
            best0,
            best_theta[face],
            pts[face],
            vals[face],
            sgn[face],
        )
    total = 0
    out_p = np.empty((max_records, d))
    out_v = np.empty(max_records)
    out_s = np.empty(max_records)
    order = np.argsort(-best)
    for f in range(nf):
        for j in range(nrec[f]):
            if total < max_records:
                out_p[total] = pts[f, j]
                out_v[total] = vals[f, j]
                out_s[total] = sgn[f, j]
                total += 1
    f0 = order[0]
    return upper.max(), best[f0], best_theta[f0].copy(), boxes.sum(), out_p, out_v, out_s, total


@nb.njit(cache=True)
def _face_search(
    x,
    lam,
    face,
    rtol,
    prune_at,
    record_at,
    record_radius,
    max_depth,
    max_boxes,
    margin,
    best0,
    best_theta,
    pts,
    vals,
    sgn,
):
    """Depth-first branch and bound on one face of the cube (see module docstring)."""
    n, d = x.shape
    m = d - 1
    nchild = 1 << m
    max_records = pts.shape[0]
    lo = np.zeros((max_depth + 1, m))
    ubuf = np.empty((max_depth + 1, n), dtype=np.int64)
    ucount = np.zeros(max_depth + 1, dtype=np.int64)
    vbuf = np.zeros((max_depth + 1, d))
    child = np.zeros(max_depth + 1, dtype=np.int64)
    nrec = 0
    best = best0
    upper = 0.0
    boxes = 0
    u = np.empty(d)
    p = np.empty(d)
    z = np.empty(d)
    axis = face // 2
    side = 1.0 if face % 2 == 0 else -1.0
    for i in range(n):
        ubuf[0, i] = i
    ucount[0] = n
    for k in range(m):
        lo[0, k] = -1.0
    child[0] = 0
    level = 0
    while level >= 0:
        if child[level] == nchild:
            level -= 1
            continue
        c = child[level]
        child[level] += 1
        half = 1.0 / (1 << level)  # child width = 2 / 2^(level+1)
        for k in range(m):
            lo[level + 1, k] = lo[level, k] + half * ((c >> k) & 1)
        # centre of the child box on the cube face, and its cap radius
        q = 0
        norm2 = 1.0
        for k in range(d):
            if k == axis:
                p[k] = side
            else:
                p[k] = lo[level + 1, q] + 0.5 * half
                norm2 += p[k] * p[k]
                q += 1
        pn = np.sqrt(norm2)
        for k in range(d):
            u[k] = p[k] / pn
        ratio = 0.5 * half * np.sqrt(m) / pn
        r = np.pi / 2 if ratio >= 1.0 else np.arcsin(ratio) * (1 + 1e-12) + 1e-15
        boxes += 1
        if boxes > max_boxes:
            return np.inf, best, boxes, nrec
        cnt, ubp, ubm, gu, gz = _cap_bounds(
            x,
            lam,
            u,
            r,
            ubuf[level],
            ucount[level],
            vbuf[level],
            ubuf[level + 1],
            vbuf[level + 1],
            z,
        )
        ucount[level + 1] = cnt
        ub = max(ubp, ubm) + margin
        if abs(gu) > best:
            best = abs(gu)
            for k in range(d):
                best_theta[k] = u[k]
        if abs(gz) > best:
            best = abs(gz)
            for k in range(d):
                best_theta[k] = z[k]
        if level + 1 >= MIN_DEPTH and ub <= max(prune_at, best * (1.0 + rtol) + margin):
            upper = max(upper, ub)
            continue
        if r < record_radius and abs(gu) > record_at and nrec < max_records:
            for k in range(d):
                pts[nrec, k] = u[k]
            vals[nrec] = abs(gu)
            sgn[nrec] = 1.0 if gu > 0 else -1.0
            nrec += 1
            upper = max(upper, ub)
            continue
        if level + 1 >= max_depth:
            upper = max(upper, ub)
            continue
        level += 1
        child[level] = 0
    return max(upper, best), best, boxes, nrec
