"""Dense primal simplex for least-l1 interpolation over a growing column pool (numpy).

Solves

.. math:: \\min_c \\|c\\|_1 \\quad\\text{s.t.}\\quad A c = y,
          \\qquad A = [a_1, \\dots, a_M] \\in \\mathbb R^{n\\times M},

the linear program behind minimum variation-norm interpolation (feature limit of
one-hidden-layer nets, :mod:`._limits`), by the revised primal simplex on its split
form c = c+ - c-.  The structure makes every step cheap and dense:

* a basis is any n linearly independent columns B; it is always primal feasible,
  c_B = A_B^{-1} y, with the signs s = sign(c_B) choosing c+ or c-.  No phase one.
* the simplex multipliers are lambda = A_B^{-T} s, and column j can enter iff
  |g_j| = |a_j . lambda| > 1 (its reduced cost is 1 - |g_j|); pricing picks the
  largest (|g_j| - 1)^2 / w_j with devex reference weights w_j.  These are the dual
  variables and the dual constraint of the continuum problem, so new columns found
  by a search for large |g_lambda| (column generation) can be appended between
  solves and the solve resumes from the current basis (warm start) at no cost.
* long step (Barrodale-Roberts): basic variables whose sign flips along the edge
  stay basic; the step ends where the objective's slope turns non-negative, and
  that variable leaves (largest pivot among round-off ties).  An explicit inverse
  A_B^{-1} is updated by a rank-one product-form step and refactorized every
  ``REFACTOR_EVERY`` pivots (then c_B, s and g are recomputed from scratch).
* degeneracy (basic c_h = 0, typical when the labels come from a few neurons) is
  broken by solving with a slightly perturbed right-hand side (relative 1e-9,
  fixed pattern) and removing the perturbation in :meth:`L1Simplex.finish`.

Each pivot costs O(n^2 + n M) flops in BLAS, without the sparse-matrix overhead a
general LP code pays on these dense matrices (about half the entries of a ReLU
feature matrix are nonzero).  An optimal basis has n_A <= n nonzero coefficients.

References: Dantzig, Orden, Wolfe (1955) revised simplex; Barrodale and Roberts
(1973) l1 long step; Forrest and Goldfarb (1992) devex pricing; for the l1 /
column-generation view, Bach arXiv 1412.8690.

The module never imports JAX.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import qr
from scipy.linalg.blas import dger

from .._errors import AccuracyError, InputError

REFACTOR_EVERY = 50
# Relative right-hand-side perturbation y_i -> y_i + PERTURBATION max|y| r_i with
# fixed r_i in [0.5, 1.5): breaks the ties of degenerate vertices (many c_h = 0),
# where pivots make no progress and column generation stalls.
PERTURBATION = 1e-9
# Pivot elements below PIVOT_TOL * max|d| are not used (numerical stability).
PIVOT_TOL = 1e-9


class L1Simplex:
    """State of the dense simplex: column pool, current basis and its inverse.

    Args:
        y: ``(n,)`` right-hand side.
        columns: ``(n, M)`` initial pool, rank n (else :class:`InputError`).
        tol: optimality tolerance, a column enters iff ``|g_j| > 1 + tol``.

    The initial basis is the first n columns chosen by QR with column pivoting
    (well conditioned).  Use :meth:`add_columns` to grow the pool and :meth:`solve`
    to (re-)optimize over it.

    Examples:
        >>> a = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> lp = L1Simplex(np.array([1.0, 1.0]), a)
        >>> lp.solve()  # pivots made
        1
        >>> lp.finish()
        >>> lp.coefficients().round(12).tolist(), round(lp.objective, 12)
        ([0.0, 0.0, 1.0], 1.0)
    """

    def __init__(
        self,
        y: np.ndarray,
        columns: np.ndarray,
        *,
        tol: float = 1e-9,
        perturbation: float = PERTURBATION,
    ) -> None:
        self.y = np.asarray(y, dtype=np.float64)
        # right-hand side perturbation against degeneracy (see module docstring)
        i = np.arange(self.y.size)
        ramp = (i * 0.6180339887498949) % 1.0 + 0.5
        self._y_work = self.y + perturbation * float(np.max(np.abs(self.y), initial=0.0)) * ramp
        self.cols = np.array(columns, dtype=np.float64, order="F")
        n = self.y.shape[0]
        if self.cols.ndim != 2 or self.cols.shape[0] != n:
            raise InputError(f"columns must have shape ({n}, M), got {self.cols.shape}")
        self.tol = float(tol)
        self.pivots = 0
        _, r, perm = qr(self.cols, mode="economic", pivoting=True)
        diag = np.abs(np.diag(r))
        if diag.size < n or not diag[n - 1] > 1e-10 * diag[0]:
            raise InputError(
                f"the {self.cols.shape[1]} candidate neurons span rank < n = {n}: cannot "
                "interpolate (duplicated points with different labels, or too few neurons)"
            )
        self.basis = np.sort(perm[:n])
        self.sign = np.ones(n)
        self._refactor()

    # -- pool --------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self.cols.shape[1]

    def add_columns(self, columns: np.ndarray) -> None:
        """Append ``(n, k)`` columns to the pool (basis unchanged: warm start)."""
        columns = np.asarray(columns, dtype=np.float64)
        self.cols = np.asfortranarray(np.hstack([self.cols, columns]))

    def replace_columns(self, index: np.ndarray, columns: np.ndarray) -> None:
        """Overwrite the non-basic columns ``index`` with ``(n, k)`` ``columns``."""
        index = np.asarray(index, dtype=np.intp)
        if np.isin(index, self.basis).any():
            raise InputError("replace_columns: basic columns cannot be replaced")
        self.cols[:, index] = columns

    def keep_columns(self, keep: np.ndarray) -> np.ndarray:
        """Drop non-basic columns where ``keep`` is False; returns the kept indices."""
        keep = np.asarray(keep, bool).copy()
        keep[self.basis] = True
        idx = np.nonzero(keep)[0]
        new_index = np.cumsum(keep) - 1
        self.cols = np.asfortranarray(self.cols[:, idx])
        self.basis = new_index[self.basis]
        return idx

    # -- solution ----------------------------------------------------------------------
    @property
    def multipliers(self) -> np.ndarray:
        """lambda = A_B^{-T} s (the dual vector; g_j = a_j . lambda)."""
        return self.inv.T @ self.sign

    @property
    def objective(self) -> float:
        return float(np.sum(np.abs(self.c_basis)))

    def coefficients(self) -> np.ndarray:
        """``(M,)`` coefficients over the pool (zero off the basis)."""
        c = np.zeros(self.size)
        c[self.basis] = self.c_basis
        return c

    def _refactor(self) -> None:
        a_b = self.cols[:, self.basis]
        try:
            self.inv = np.asfortranarray(np.linalg.inv(a_b))
        except np.linalg.LinAlgError:
            raise AccuracyError("simplex basis became singular") from None
        self.c_basis = self.inv @ self._y_work
        nz = self.c_basis != 0
        self.sign[nz] = np.sign(self.c_basis[nz])
        self._since_refactor = 0

    # -- iterations --------------------------------------------------------------------
    def solve(self, max_pivots: int = 100_000) -> int:
        """Pivot until no pool column has |g_j| > 1 + tol; returns pivots made.

        Pricing: the largest (|g_j| - 1)^2 / w_j with devex reference weights w_j
        (Forrest and Goldfarb 1992), which need no extra product with the pool.
        g = A^T lambda is updated from the pivot row alpha = A^T (row r of A_B^{-1}),
        so one product with the pool per pivot suffices, and recomputed exactly at
        every refactorization.
        """
        start = self.pivots
        in_basis = np.zeros(self.size, bool)
        in_basis[self.basis] = True
        self.weights = np.ones(self.size)
        g = self.cols.T @ self.multipliers
        while True:
            excess = np.abs(g) - 1.0
            excess[in_basis | (excess <= self.tol)] = 0.0
            j = int(np.argmax(excess * excess / self.weights))
            if excess[j] == 0.0:
                return self.pivots - start
            if self.pivots - start >= max_pivots:
                raise AccuracyError(f"simplex did not converge in {max_pivots} pivots")
            leaving, g = self._pivot(j, 1.0 if g[j] > 0 else -1.0, 1.0 - abs(g[j]), g)
            in_basis[leaving] = False
            in_basis[j] = True

    def _pivot(self, j: int, s: float, slope: float, g: np.ndarray):
        """Bring pool column j in with sign s; returns (leaving pool column, new g).

        Long step (as in Barrodale and Roberts' l1 algorithm): along the edge
        c_B(t) = c_B - t s d the objective t + sum_h |c_h(t)| is convex piecewise
        linear with initial slope ``slope`` = 1 - |g_j| < 0; each basic variable
        crossing zero raises the slope by 2 |d_h| and merely flips its sign.  The
        step goes to the breakpoint where the slope turns non-negative, and that
        variable leaves.
        """
        d = self.inv @ self.cols[:, j]
        big = PIVOT_TOL * float(np.max(np.abs(d)))
        rate = s * self.sign * d  # > 0: s_h c_h decreases
        cand = np.nonzero(rate > big)[0]
        if cand.size == 0:  # cannot happen for a bounded objective; stay safe
            raise AccuracyError("simplex edge is unbounded: numerically singular basis")
        value = np.maximum(self.sign[cand] * self.c_basis[cand], 0.0)
        t_break = value / rate[cand]
        order = np.argsort(t_break, kind="stable")
        cum = slope + 2.0 * np.cumsum(np.abs(d[cand[order]]))
        k = min(int(np.searchsorted(cum, 0.0, side="left")), order.size - 1)
        # Harris-style tie break: among breakpoints within round-off of the chosen
        # one, leave with the largest pivot |d_r|.
        t = t_break[order[k]]
        tie = order[k:][t_break[order[k:]] <= t * (1 + 1e-12) + 1e-300]
        r = int(cand[tie[np.argmax(np.abs(d[cand[tie]]))]])
        crossed = cand[order[:k]]
        crossed = crossed[crossed != r]
        old_sign = self.sign.copy()
        self.c_basis = self.c_basis - t * s * d
        self.sign[crossed] = -self.sign[crossed]
        self.c_basis[r] = t * s
        self.sign[r] = s
        # g' = A^T B'^{-T} s' = g + A^T B^{-T}(s' - s) - kappa alpha (B'^{-1} = E B^{-1})
        # one pass over the pool for alpha = A^T (row r of B^{-1}) and the g update
        kappa = (d @ self.sign - self.sign[r]) / d[r]
        rows = np.empty((self.inv.shape[0], 2))
        rows[:, 0] = self.inv[r]
        rows[:, 1] = ((self.sign[r] - old_sign[r]) - kappa) * self.inv[r]
        if crossed.size:
            rows[:, 1] += self.inv[crossed].T @ (self.sign[crossed] - old_sign[crossed])
        prod = self.cols.T @ rows
        alpha = prod[:, 0]
        g = g + prod[:, 1]
        # devex weights
        w_q = self.weights[j]
        self.weights = np.maximum(self.weights, (alpha / d[r]) ** 2 * w_q)
        leaving = int(self.basis[r])
        self.weights[leaving] = max(w_q / d[r] ** 2, 1.0)
        if self.weights.max() > 1e6:
            self.weights[:] = 1.0
        # product-form update of the explicit inverse
        row = self.inv[r] / d[r]
        self.inv = dger(-1.0, d, row, a=self.inv, overwrite_a=True)
        self.inv[r] = row
        self.basis[r] = j
        self.pivots += 1
        self._since_refactor += 1
        if self._since_refactor >= REFACTOR_EVERY:
            self._refactor()
            g = self.cols.T @ self.multipliers
        return leaving, g

    def finish(self) -> None:
        """Drop the perturbation: c_B = A_B^{-1} y exactly on the final basis.

        A basis optimal for the perturbed right-hand side is optimal for y itself
        when the perturbation is small enough; coefficients that are zero for y
        (degenerate problems, e.g. labels made by a few planted neurons) come out
        at round-off level instead of at the perturbation's.
        """
        self._y_work = self.y
        self._refactor()
