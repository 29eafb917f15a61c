"""Upper bound of the variation-norm dual function on one spherical cap (numba kernel).

Used by the branch and bound of :mod:`._capbound`.  On a cap C(u, r) (angle to u at
most r) let U be the data points whose hyperplane x_i^perp meets the cap
(|u . x_i| < sin r); the others have a fixed activation, summed in v.  For the sign
s = +-1 of the bounded function s g, an undecided point has t_i = theta . x_i in
[a_i, b_i], a_i < 0 < b_i, on the cap, with

.. math:: \\beta_i t \\le \\sigma(t) \\le \\beta_i t + \\gamma_i,\\qquad
          \\beta_i = b_i / (b_i - a_i),\\ \\gamma_i = -a_i b_i / (b_i - a_i)

(the chord above, and any slope s_i in [0, 1] below: sigma(t) >= s_i t).  For
s lambda_i > 0 the chord is the tightest linear over-estimator of the convex term;
for s lambda_i < 0 the term is concave and *every* slope s_i in [0, 1] gives a valid
bound, so

.. math:: \\sup_C s g \\le h\\Big(s v + \\sum_{s\\lambda_i>0} s\\lambda_i\\beta_i x_i
          + \\sum_{s\\lambda_i<0} s\\lambda_i s_i x_i\\Big)
          + \\sum_{s\\lambda_i>0} s\\lambda_i\\gamma_i,
          \\qquad h(w) = \\sup_C \\theta\\cdot w = |w|\\cos(\\max(0, \\angle(u, w) - r)).

The right side is convex in the slopes (h is a support function) and its minimum
over [0, 1]^k is the exact sup over the cap of the partially relaxed g (chords on
the convex terms only, by Lagrange duality; g is 1-homogeneous, so the sup over the
convex hull of the cap is the sup over the cap when positive).  Today's bound takes
s_i = beta_i (the minimax slope of each term alone, ``refine = 0``); with
``refine = k`` the kernel takes k projected sub-gradient steps
s_i <- clip(s_i + z . x_i / (b_i - a_i), 0, 1), z the maximizer of the current
linear function on the cap (d h / d s_i = s lambda_i z . x_i), and returns the
smallest bound met, so it is never above today's.  Near the peaks of g (arrangement
vertices, where the column generation puts its atoms) the kinks are the concave
terms, and the refined bound is close to the true sup there.

References: Horst and Tuy, Global Optimization (1996), ch. 4-5 (convex enclosures);
Boyd and Vandenberghe, Convex Optimization (2004), sec. 5.2 (Lagrange dual bounds).

The module never imports JAX.
"""

from __future__ import annotations

import numba as nb
import numpy as np

# Boxes are never pruned above this depth (cap radius arcsin(sqrt(d - 1) / 2^k)).
MIN_DEPTH = 2


@nb.njit(cache=True, inline="always")
def _cap_sup(w, u, cr, sr, z):
    """sup over the cap (u, r) of theta . w (cr = cos r, sr = sin r); the maximizer
    is written into ``z`` (u itself when w = 0 or w is parallel to u).

    Examples:
        >>> z = np.empty(3)
        >>> r = 0.3  # w = e1 on the cap around e3: the sup sin r is at the rim
        >>> val = _cap_sup(np.array([1.0, 0, 0]), np.array([0, 0, 1.0]), np.cos(r), np.sin(r), z)
        >>> bool(np.isclose(val, np.sin(r))), bool(np.allclose(z, [np.sin(r), 0, np.cos(r)]))
        (True, True)
    """
    d = w.shape[0]
    wu = 0.0
    ww = 0.0
    for k in range(d):
        wu += w[k] * u[k]
        ww += w[k] * w[k]
    wn = np.sqrt(ww)
    wt = np.sqrt(max(ww - wu * wu, 0.0))
    if wn == 0.0 or wt == 0.0:
        for k in range(d):
            z[k] = u[k]
        return wn if wu >= wn * cr else wu * cr + wt * sr
    if wu >= wn * cr:
        for k in range(d):
            z[k] = w[k] / wn
        return wn
    zn = 0.0
    for k in range(d):
        z[k] = cr * u[k] + (sr / wt) * (w[k] - wu * u[k])
        zn += z[k] * z[k]
    zn = np.sqrt(zn)
    for k in range(d):
        z[k] /= zn
    return wu * cr + wt * sr


@nb.njit(cache=True)
def _signed_bound(
    x, lam, sign, u, cr, sr, cv, cu, count, lo, hi, refine, target, z, zbest, w, slope
):
    """Bound on sup_C sign * g (module docstring) and the maximizer of its best
    linear part (``zbest``, a point of the cap); the slope updates stop once the
    bound is <= ``target`` (the pruning level: a tighter bound would not change the
    search).  ``w`` (d) and ``slope`` (>= count) are work buffers."""
    d = x.shape[1]
    const = 0.0
    for k in range(d):
        w[k] = sign * cv[k]
    for a in range(count):
        i = cu[a]
        c = sign * lam[i]
        beta = hi[a] / (hi[a] - lo[a])
        slope[a] = beta
        if c > 0:
            const -= c * lo[a] * beta
        for k in range(d):
            w[k] += c * beta * x[i, k]
    best = _cap_sup(w, u, cr, sr, z) + const
    for k in range(d):
        zbest[k] = z[k]
    for _ in range(refine):
        if best <= target:
            break
        moved = False
        for a in range(count):
            i = cu[a]
            c = sign * lam[i]
            if c >= 0:
                continue
            t = 0.0
            for k in range(d):
                t += z[k] * x[i, k]
            new = min(1.0, max(0.0, slope[a] + t / (hi[a] - lo[a])))
            if new != slope[a]:
                moved = True
                for k in range(d):
                    w[k] += c * (new - slope[a]) * x[i, k]
                slope[a] = new
        if not moved:
            break
        val = _cap_sup(w, u, cr, sr, z) + const
        if val < best:
            best = val
            for k in range(d):
                zbest[k] = z[k]
    return best


@nb.njit(cache=True)
def _cap_bounds(x, lam, u, r, pu, pcount, pv, cu, cv, zout, refine=0, target=-np.inf):
    """:func:`_cap_bounds_into` with its own work buffers (tests)."""
    n, d = x.shape
    return _cap_bounds_into(
        x,
        lam,
        u,
        r,
        pu,
        pcount,
        pv,
        cu,
        cv,
        zout,
        refine,
        target,
        np.empty((3, n)),
        np.empty((4, d)),
    )


@nb.njit(cache=True)
def _cap_bounds_into(x, lam, u, r, pu, pcount, pv, cu, cv, zout, refine, target, wn, wd):
    """Classify the parent's undecided points on cap (u, r) and bound +-g there.

    Writes the undecided indices into ``cu`` and the fixed-active sum into ``cv``;
    returns (count, ub_plus, ub_minus, g(u), g(z)), z (written to ``zout``) the
    maximizer on the cap of the linear part of the larger bound (attained).  The
    bounds use up to ``refine`` slope updates (module docstring; 0 = chords and
    beta slopes for every undecided point), none once a bound is <= ``target``.
    ``wn`` (3, n) and ``wd`` (4, d) are work buffers (no allocation per cap).
    """
    d = x.shape[1]
    sr, cr = np.sin(r), np.cos(r)
    for k in range(d):
        cv[k] = pv[k]
    lo, hi, slope = wn[0], wn[1], wn[2]
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
            # range [lo, hi] of theta.x_i on the cap: sin(arcsin t +- r), within [-1, 1]
            ct = np.sqrt(max(1.0 - t * t, 0.0))
            hi[count] = 1.0 if t * sr >= ct * cr else t * cr + ct * sr
            lo[count] = -1.0 if -t * sr >= ct * cr else t * cr - ct * sr
            count += 1
            if t > 0:
                gu_rem += lam[i] * t
    vu = 0.0
    for k in range(d):
        vu += cv[k] * u[k]
    zp, zm, z, w = wd[0], wd[1], wd[2], wd[3]
    ubp = _signed_bound(
        x, lam, 1.0, u, cr, sr, cv, cu, count, lo, hi, refine, target, z, zp, w, slope
    )
    ubm = _signed_bound(
        x, lam, -1.0, u, cr, sr, cv, cu, count, lo, hi, refine, target, z, zm, w, slope
    )
    zbest = zp if ubp >= ubm else zm
    gz = 0.0
    for k in range(d):
        gz += zbest[k] * cv[k]
        zout[k] = zbest[k]
    for a in range(count):
        i = cu[a]
        t = 0.0
        for k in range(d):
            t += zbest[k] * x[i, k]
        if t > 0:
            gz += lam[i] * t
    return count, ubp, ubm, vu + gu_rem, gz


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
    refine,
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
            refine,
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
    refine,
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
    wn = np.empty((3, n))
    wd = np.empty((4, d))
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
        cnt, ubp, ubm, gu, gz = _cap_bounds_into(
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
            refine,
            max(prune_at, best * (1.0 + rtol) + margin) - margin,
            wn,
            wd,
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
