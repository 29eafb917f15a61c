"""Dense primal-dual interior-point solver for least-l1 interpolation (numpy).

Solves the split form of

.. math:: \\min_c \\|c\\|_1 \\quad\\text{s.t.}\\quad \\Phi c = y
          \\qquad\\Longleftrightarrow\\qquad
          \\min\\ 1\\cdot(u + v)\\ \\text{s.t.}\\ \\Phi(u - v) = y,\\ u, v \\ge 0,

with dual  max y . lambda  s.t.  |Phi^T lambda| <= 1  (slacks z_u = 1 - Phi^T lambda,
z_v = 1 + Phi^T lambda), by Mehrotra's predictor-corrector method.  Both halves of
the split share the column phi_j, so the normal equations are n x n,

.. math:: \\Phi\\, \\mathrm{diag}(u/z_u + v/z_v)\\, \\Phi^T\\, \\Delta\\lambda = r,

one symmetric rank-M product (BLAS-3 ``dsyrk``, n^2 M flops) and one Cholesky
factorization per iteration, shared by predictor and corrector.  This is the
restricted-master solver of the feature-limit column generation
(:func:`._limits.min_variation_norm_interpolation`, ``master="ipm"``): about 20
iterations whatever n, where the dense simplex (:class:`._simplex.L1Simplex`)
needs ~3 n pivots per round, each a memory-bound O(n M) pass (BLAS-2).

The dual iterate lambda is feasible to round-off at every iteration (z is computed
from it), so y . lambda / max(1, max|Phi^T lambda|) is a valid lower bound on the
restricted optimum, and the returned lambda is a central (analytic-centre-like)
optimal dual, the kind that makes cutting-plane / column-generation rounds few
(Goffin and Vial, 2002).  The primal c converges to the centre of the optimal
face; with a unique optimum (generic data) it is the basic solution up to
``tol``.  Near the optimum the normal matrix is singular to working precision; a
diagonal jitter (1e-14 trace / n, x10 until Cholesky succeeds) is added and
reported.

References: Mehrotra, SIAM J. Optim. 2 (1992) 575 (predictor-corrector); Wright,
Primal-Dual Interior-Point Methods (SIAM 1997), ch. 10; Goffin and Vial, Optim.
Methods Softw. 17 (2002) 805 (analytic centres in cutting-plane methods).

The module never imports JAX.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.linalg.blas import dsyrk

from .._errors import AccuracyError

# Fraction of the step to the boundary (Mehrotra / Wright ch. 10).
STEP_FRACTION = 0.995
# First diagonal jitter of the normal matrix, relative to trace / n.
FIRST_JITTER = 1e-14
MAX_JITTER = 1e-6
# Relative primal residual |y - phi c| / (1 + |y|) accepted at exit (the caller
# re-solves the support exactly); the duality-gap tolerance is ``tol``.
PRIMAL_TOL = 1e-8
# Complementarity u . z_u + v . z_v below EXHAUSTED (1 + |dual|): float64 exhausted.
EXHAUSTED = 1e-14
# Iterative-refinement steps of every normal-equation solve (O(n M) each).
REFINE_STEPS = 2


class L1InteriorPoint(NamedTuple):
    """Result of :func:`l1_interior_point`.

    Attributes:
        c: ``(M,)`` primal coefficients u - v (central optimal, not basic).
        multipliers: ``(n,)`` dual lambda, |Phi^T lambda| <= 1 up to round-off.
        primal: 1 . (u + v) at exit.
        dual: y . lambda at exit (<= the restricted optimum up to round-off).
        iterations: Newton iterations.
        jitter: largest diagonal jitter used (relative to trace / n).
    """

    c: np.ndarray
    multipliers: np.ndarray
    primal: float
    dual: float
    iterations: int
    jitter: float


def _max_step(x: np.ndarray, dx: np.ndarray) -> float:
    neg = dx < 0
    return float(min(1.0, np.min(-x[neg] / dx[neg]))) if neg.any() else 1.0


def l1_interior_point(
    phi: np.ndarray, y: np.ndarray, *, tol: float = 1e-9, max_iter: int = 80
) -> L1InteriorPoint:
    """min |c|_1 s.t. phi c = y by a dense primal-dual interior-point method.

    Stops when the relative duality gap |primal - dual| / (1 + |dual|) is below
    ``tol`` and the relative primal residual |y - phi c| / (1 + |y|) below
    ``PRIMAL_TOL``, or when the complementarity has fallen to float64 round-off
    with the gap below 1e3 ``tol``.

    Args:
        phi: ``(n, M)`` constraint matrix of rank n.
        y: ``(n,)`` right-hand side.
        tol: relative stopping tolerance.
        max_iter: iteration cap (:class:`AccuracyError` beyond it).

    Returns:
        :class:`L1InteriorPoint`.

    Examples:
        >>> phi = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> out = l1_interior_point(phi, np.array([1.0, 1.0]))
        >>> (out.c.round(8) + 0.0).tolist(), round(out.primal, 8), round(out.dual, 8)
        ([0.0, 0.0, 1.0], 1.0, 1.0)
    """
    phi = np.asarray(phi, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, m = phi.shape
    u, v = np.ones(m), np.ones(m)
    zu, zv = np.ones(m), np.ones(m)
    lam = np.zeros(n)
    scale_y = 1.0 + float(np.linalg.norm(y))
    worst_jitter = 0.0
    for it in range(max_iter + 1):
        g = phi.T @ lam
        rp = y - phi @ (u - v)
        rdu, rdv = 1.0 - g - zu, 1.0 + g - zv
        primal, dual = float(u.sum() + v.sum()), float(y @ lam)
        gap, res = (primal - dual) / (1.0 + abs(dual)), float(np.linalg.norm(rp)) / scale_y
        mu = (u @ zu + v @ zv) / (2 * m)
        # converged, or complementarity exhausted at float64 (further steps only
        # amplify round-off through the diverging scaling u / z)
        done = abs(gap) < tol and res < PRIMAL_TOL
        if done or (2 * m * mu < EXHAUSTED * (1.0 + abs(dual)) and abs(gap) < 1e3 * tol):
            return L1InteriorPoint(u - v, lam, primal, dual, it, worst_jitter)
        if it == max_iter:
            break
        dvec = u / zu + v / zv
        fac, jitter = _factor(phi, dvec)
        worst_jitter = max(worst_jitter, jitter)

        state = (phi, fac, dvec, u, v, zu, zv, rp, rdu, rdv)
        du, dv, _, dzu, dzv = _newton(state, -u * zu, -v * zv)  # predictor (affine scaling)
        ap = min(_max_step(u, du), _max_step(v, dv))
        ad = min(_max_step(zu, dzu), _max_step(zv, dzv))
        mu_aff = ((u + ap * du) @ (zu + ad * dzu) + (v + ap * dv) @ (zv + ad * dzv)) / (2 * m)
        sigma = (mu_aff / mu) ** 3
        du, dv, dl, dzu, dzv = _newton(
            state, sigma * mu - u * zu - du * dzu, sigma * mu - v * zv - dv * dzv
        )  # corrector
        ap = STEP_FRACTION * min(_max_step(u, du), _max_step(v, dv), 1.0 / STEP_FRACTION)
        ad = STEP_FRACTION * min(_max_step(zu, dzu), _max_step(zv, dzv), 1.0 / STEP_FRACTION)
        u, v = u + ap * du, v + ap * dv
        lam, zu, zv = lam + ad * dl, zu + ad * dzu, zv + ad * dzv
    raise AccuracyError(
        f"interior point did not converge in {max_iter} iterations "
        f"(gap {gap:.1e}, residual {res:.1e})"
    )


def _newton(state, rcu, rcv):
    """Newton direction (du, dv, dlambda, dz_u, dz_v) for complementarity targets rcu, rcv."""
    phi, fac, dvec, u, v, zu, zv, rp, rdu, rdv = state
    w = (rcu - u * rdu) / zu - (rcv - v * rdv) / zv
    rhs = rp - phi @ w
    dl = cho_solve(fac, rhs, check_finite=False)
    for _ in range(REFINE_STEPS):  # iterative refinement (jittered, ill-conditioned)
        dl += cho_solve(fac, rhs - phi @ (dvec * (phi.T @ dl)), check_finite=False)
    pg = phi.T @ dl
    dzu, dzv = rdu - pg, rdv + pg
    return (rcu - u * dzu) / zu, (rcv - v * dzv) / zv, dl, dzu, dzv


def _factor(phi: np.ndarray, dvec: np.ndarray):
    """Cholesky factor of phi diag(dvec) phi^T (+ the smallest working jitter)."""
    a = np.asfortranarray(phi * np.sqrt(dvec))
    k = dsyrk(1.0, a, lower=1)
    n = k.shape[0]
    base = float(np.trace(k)) / n
    rel = 0.0
    while True:
        try:
            fac = cho_factor(k + rel * base * np.eye(n), lower=True, check_finite=False)
            if np.all(np.isfinite(fac[0])):
                return fac, rel
        except np.linalg.LinAlgError:
            pass
        rel = FIRST_JITTER if rel == 0.0 else rel * 10.0
        if rel > MAX_JITTER:
            raise AccuracyError("interior point: normal matrix singular (rank of phi < n?)")
