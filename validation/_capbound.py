"""Certified sup over the sphere of the dual function of the ReLU variation norm (numba).

For multipliers lambda and unit data x_i the dual function of minimum variation-norm
interpolation (:mod:`._limits`) is

.. math:: g_\\lambda(\\theta) = \\sum_i \\lambda_i\\, \\sigma(\\theta\\cdot x_i),
          \\qquad \\sigma = \\mathrm{ReLU},\\ |\\theta| = 1,

and lambda / sup|g| is dual feasible, so y . lambda / U is a lower bound on the
continuum optimum for every *upper bound* U >= sup|g|.  :func:`sup_abs_dual` computes
such a U by branch and bound over spherical caps.

Bound on a cap C(u, r) = {theta : angle(theta, u) <= r} (:mod:`._capkernel`): a
point x_i with |u . x_i| >= sin r has a fixed activation on the cap (arcsin |u . x_i|
is its angle to the hyperplane x_i^perp), so g is linear in it.  Each remaining
("undecided") term is replaced by a linear bound in theta valid on the cap, the chord
for a convex term (s lambda_i > 0 when bounding s g) and a slope s_i in [0, 1] through
the origin for a concave one, and sup_C theta . w = |w| cos(max(0, angle(u, w) - r))
is exact.  The chord-only bound (``refine=0``, every slope the chord's) errs by
O(r) per undecided point near the arrangement vertices where the peaks of g sit;
``refine`` sub-gradient updates of the concave slopes make it exact on caps whose
kinks are all concave (the peaks of g are such vertices), and never looser.

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

import numpy as np

from ._capkernel import MIN_DEPTH as MIN_DEPTH
from ._capkernel import _branch_and_bound

# Bounds are inflated by this many units of sum|lambda| * eps per data point (covers
# the round-off of the O(n)-term sums, with a factor 10 to spare).
ROUNDOFF_MARGIN = 10.0
# Slope updates of the concave terms in every cap bound (:mod:`._capkernel`; 0 = the
# chord bound).  On the final dual of a d = 5, n = 256 fit (prune at 1.01): 7.26e6 caps
# with 0, 3.29e6 with 1, 2.54e6 with 4 and 2.46e6 with 8 (benchmarks/README.md).
REFINE = 4


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
    refine: int = REFINE,
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
        refine: slope updates of the concave terms per cap bound (:mod:`._capkernel`;
            0 = the chord bound).  Any value gives a valid bound; more updates cost
            more per cap and cut the caps (module constant ``REFINE``).

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
        int(refine),
    )
    upper, lower, best, boxes, pts, vals, sgn, k = out
    return SupBound(float(upper), float(lower), best, int(boxes), pts[:k], vals[:k], sgn[:k])
