"""Restricted-master solvers of the feature-limit column generation (:mod:`._limits`).

Column generation for minimum variation-norm interpolation solves, round after
round, the LP  min |c|_1  s.t.  Phi(theta) c = y  over a finite pool of directions
theta, and prices new directions with its dual lambda.  Two masters share one
interface (``solve`` -> (c, lambda), ``prune``, ``add``, ``finish`` -> basic
solution):

* :class:`SimplexMaster` -- the warm-started dense simplex
  :class:`._simplex.L1Simplex` (exact vertex each round; ~3 n pivots per round,
  each a memory-bound O(n M) pass over the pool: O(n^2 M) per round).
* :class:`InteriorPointMaster` -- a cold dense interior-point solve per round
  (:func:`._ipm.l1_interior_point`, ~20 BLAS-3 iterations of n^2 M flops), its
  pool capped at ``POOL_CAP * n`` columns (the support and the largest |g|); after
  the last round a crossover to a basic solution: the simplex started from the
  n columns of largest |c| (a crash basis, optimal or a few pivots away).

The pruned support of the interior-point c is |c_h| > ``SUPPORT_TOL`` |c|_1.

The module never imports JAX.
"""

from __future__ import annotations

import numpy as np

from .._errors import InputError
from ._colgen import _initial_simplex
from ._ipm import l1_interior_point
from ._pricing import dual_values, relu_features
from ._simplex import L1Simplex

# Column pool: beyond POOL_SIZE * n + 64 columns, non-basic columns with
# |g_lambda| < POOL_KEEP are dropped (every pivot prices the whole pool).
POOL_SIZE = 4
POOL_KEEP = 0.5
# Interior-point master: pool capped at POOL_CAP * n columns (cost n^2 M per iteration).
POOL_CAP = 6
# Interior-point coefficients below SUPPORT_TOL * |c|_1 count as zero (pricing starts,
# pool pruning): the method stops at a relative gap IPM_TOL, well below this.
SUPPORT_TOL = 1e-7
IPM_TOL = 1e-9


class SimplexMaster:
    """Warm-started dense simplex over the pool (the basis survives new columns)."""

    name = "simplex"

    def __init__(self, theta, x, y, rng, method) -> None:
        self.x = x
        self.lp, self.theta = _initial_simplex(theta, x, y, rng, method)

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        self.lp.solve()
        return self.lp.coefficients(), self.lp.multipliers

    def prune(self, coef, lam) -> None:
        """Drop non-basic columns with |g| < POOL_KEEP once the pool is large."""
        n = self.x.shape[0]
        if self.theta.shape[0] > POOL_SIZE * n + 64:
            keep = (coef != 0) | (np.abs(dual_values(self.theta, self.x, lam)) >= POOL_KEEP)
            self.theta = self.theta[self.lp.keep_columns(keep)]

    def add(self, new: np.ndarray) -> None:
        self.theta = np.vstack([self.theta, new])
        self.lp.add_columns(relu_features(new, self.x))

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        self.lp.finish()
        return self.theta, self.lp.coefficients()


class InteriorPointMaster:
    """Cold interior-point solve of the restricted LP each round, capped pool."""

    name = "ipm"

    def __init__(self, theta, x, y, rng, method) -> None:
        del rng, method
        self.x, self.y = x, y
        self.theta = np.asarray(theta, dtype=np.float64)
        self.phi = relu_features(self.theta, x)
        self.iterations = 0

    def solve(self) -> tuple[np.ndarray, np.ndarray]:
        sol = l1_interior_point(self.phi, self.y, tol=IPM_TOL)
        self.iterations += sol.iterations
        self.c = sol.c
        coef = np.where(np.abs(sol.c) > SUPPORT_TOL * np.abs(sol.c).sum(), sol.c, 0.0)
        return coef, sol.multipliers

    def prune(self, coef, lam) -> None:
        """Keep the support and the columns of largest |g|, at most POOL_CAP * n."""
        n = self.x.shape[0]
        if self.theta.shape[0] <= POOL_CAP * n:
            return
        score = np.abs(dual_values(self.theta, self.x, lam))
        score[coef != 0] = np.inf
        keep = np.argsort(-score, kind="stable")[: POOL_CAP * n]
        keep = np.sort(keep[score[keep] >= POOL_KEEP])
        self.theta, self.phi = self.theta[keep], self.phi[:, keep]
        self.c = self.c[keep]

    def add(self, new: np.ndarray) -> None:
        self.theta = np.vstack([self.theta, new])
        self.phi = np.hstack([self.phi, relu_features(new, self.x)])
        self.c = np.concatenate([self.c, np.zeros(new.shape[0])])

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Crossover: the simplex from the crash basis of the n largest |c|."""
        order = np.argsort(-np.abs(self.c), kind="stable")
        n = self.x.shape[0]
        try:
            lp = L1Simplex(self.y, self.phi[:, order[:n]])
            lp.add_columns(self.phi[:, order[n:]])
        except InputError:  # the crash columns are rank deficient: let QR choose
            lp = L1Simplex(self.y, self.phi[:, order])
        self.crossover_pivots = lp.solve()
        lp.finish()
        return self.theta[order], lp.coefficients()


MASTERS = {"simplex": SimplexMaster, "ipm": InteriorPointMaster}
