"""Infinite-width references for one-hidden-layer ReLU nets on S^{d-1} (numpy/scipy only).

* Lazy limit: kernel (ridgeless) regression with the NTK, :func:`kernel_regression`.
* Feature limit: minimum variation-norm interpolation,
  :func:`min_variation_norm_interpolation`,

  .. math:: \\min \\sum_h |c_h| \\quad\\text{s.t.}\\quad
            \\sum_h c_h\\, \\sigma(\\theta_h\\cdot x_i) = y_i,\\ |\\theta_h| = 1,

  with sigma = ReLU.  ReLU is positively 1-homogeneous, so the weight-decay norm
  sum_h |c_h| |w_h| of a net with input weights w_h folds into c_h = c_h |w_h|,
  theta_h = w_h / |w_h|.  The problem is a linear program over the (continuous)
  dictionary of unit theta's; its dual is

  .. math:: \\max_\\lambda\\ y\\cdot\\lambda \\quad\\text{s.t.}\\quad
            |g_\\lambda(\\theta)| \\le 1\\ \\forall |\\theta| = 1,\\qquad
            g_\\lambda(\\theta) = \\sum_i \\lambda_i \\sigma(\\theta\\cdot x_i).

  A basic optimal solution of the LP has at most n nonzero coefficients (n equality
  constraints), hence the minimizer is a network of n_A <= n neurons (Petrini,
  Cagnetta, Vanden-Eijnden, Wyart arXiv 2206.12314, section on the feature regime).

Both references use float64; every numerical safeguard (Cholesky jitter, final dual
violation) is reported in the result, never applied silently.

The module never imports JAX.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_solve
from threadpoolctl import threadpool_limits

from .._errors import AccuracyError, InputError
from ..spectra import Kernel
from ..spectra import kernel as parse_kernel
from ._capbound import sup_abs_dual
from ._colgen import (  # some re-exported for the benchmarks and tests
    PRICINGS,
    _dense_dictionary,
    _new_columns,  # noqa: F401 (re-exported for the benchmarks and tests)
    _polish,
    _polish_records,
    _starts,
    _violation,
    _violators,
    heuristic_tol,
    pricing_effort,
)

# re-exported: these helpers lived here before the split into _gram
from ._gram import ANGLE_SWITCH as ANGLE_SWITCH
from ._gram import FIRST_REL_JITTER as FIRST_REL_JITTER
from ._gram import MAX_REL_JITTER as MAX_REL_JITTER
from ._gram import SPHERE_TOL as SPHERE_TOL
from ._gram import _check_labels as _check_labels
from ._gram import check_sphere_points as check_sphere_points
from ._gram import gram_matrix as gram_matrix
from ._gram import jittered_cholesky as jittered_cholesky
from ._gram import pair_angles as pair_angles
from ._master import MASTERS
from ._pricing import (
    _random_directions,
    dual_search,
    dual_values,  # noqa: F401 (re-exported for the benchmarks and tests)
    local_search,
    relu_features,
    sorted_distinct,
)

# Certified dual violation: branch and bound proves max|g_lambda| <= 1 + CERTIFY_TOL.
# Its cost grows like the number of caps of radius ~CERTIFY_TOL / slope around every
# peak of g (g = 1 at all n atoms); 1e-3 takes ~1e7 caps at d = 5, n = 256, while
# 1e-6 does not finish in 1e8 caps even at n = 32.
CERTIFY_TOL = 1e-3


# ------------------------------------------------------------------------------------
# lazy limit
class KernelRegression(NamedTuple):
    """Result of :func:`kernel_regression`.

    ``coef`` are the representer coefficients alpha = (K + (ridge + jitter) I)^{-1} y,
    ``prediction = K(x_test, x_train) alpha``; ``jitter`` is the absolute diagonal
    shift the Cholesky factorization needed (0.0 when none).
    """

    prediction: np.ndarray
    coef: np.ndarray
    jitter: float


def kernel_regression(
    x_train,
    y_train,
    x_test,
    kernel: str | Kernel = "ntk",
    ridge: float = 0.0,
    *,
    max_rel_jitter: float = MAX_REL_JITTER,
) -> KernelRegression:
    """Kernel (ridge / ridgeless) regression with a dot-product kernel on the sphere.

    .. math:: \\hat f(x) = K(x, X)\\,(K(X, X) + \\lambda I)^{-1} y

    solved by a float64 Cholesky factorization.  If ``K + ridge I`` is numerically
    singular a jitter is added (0, then 1e-14 trace/n, x10 each time, up to
    ``max_rel_jitter`` trace/n, then :class:`AccuracyError`) and reported.

    Args:
        x_train: ``(n, d)`` unit vectors.
        y_train: ``(n,)`` labels.
        x_test: ``(m, d)`` unit vectors.
        kernel: kernel name understood by :func:`specbias.kernel` (default: the
            two-layer ReLU NTK, the lazy-training limit).
        ridge: lambda >= 0 (absolute units of K); 0 = ridgeless interpolation.

    Returns:
        :class:`KernelRegression` ``(prediction, coef, jitter)``.

    Examples:
        >>> x = np.eye(3)
        >>> out = kernel_regression(x, [1.0, 2.0, 3.0], x, "ntk")
        >>> bool(np.allclose(out.prediction, [1, 2, 3])), out.jitter
        (True, 0.0)
    """
    xtr = check_sphere_points(x_train, "x_train")
    xte = check_sphere_points(x_test, "x_test", xtr.shape[1])
    y = _check_labels(y_train, xtr.shape[0])
    if not (np.isfinite(ridge) and ridge >= 0):
        raise InputError(f"ridge must be finite and >= 0, got {ridge!r}")
    k = parse_kernel(kernel)
    gram = gram_matrix(xtr, None, k)
    if ridge:
        gram = gram + ridge * np.eye(len(y))
    fac, jitter = jittered_cholesky(gram, max_rel_jitter=max_rel_jitter, what="kernel matrix")
    coef = cho_solve(fac, y, check_finite=False)
    prediction = gram_matrix(xte, xtr, k) @ coef
    return KernelRegression(prediction, coef, jitter)


# ------------------------------------------------------------------------------------
# feature limit
@dataclass(frozen=True)
class VariationNormFit:
    """Result of :func:`min_variation_norm_interpolation`.

    Attributes:
        theta: ``(n_atoms, d)`` unit input weights of the atoms.
        c: ``(n_atoms,)`` output weights; f(x) = sum_h c_h relu(theta_h . x).
        n_atoms: number of atoms with |c_h| > atom_tol * l1_norm (n_A <= n).
        l1_norm: sum_h |c_h| (the variation norm of the interpolant).
        residual: max_i |f(x_i) - y_i| on the training points.
        dual_violation: max |g_lambda(theta)| - 1 found by the dual search on the
            final LP dual (<= 0 means no improving neuron was found; a lower bound on
            the true violation since the search is heuristic for d > 2: at d = 5,
            n = 128 on a smooth teacher the search reported <= 1e-6 where branch and
            bound finds 5.5e-3; use ``certify=True`` for a proof).
        lower_bound: y . lambda / max(1, 1 + dual_violation): a lower bound on the
            continuum optimum, exact if the dual search found the global maximum.
        rounds: LP solves performed.
        dictionary_size: final number of candidate directions.
        method: ``"dictionary"`` or ``"colgen"``.
        prediction: f on ``x_test`` (None if no test points were given).
        certified_sup: with ``certify=True``, an upper bound U >= sup_theta |g_lambda|
            on the final LP dual, proved by branch and bound over spherical caps
            (:func:`._capbound.sup_abs_dual`, exact up to float64 round-off, which
            is covered by a margin); nan otherwise.
        certified_lower_bound: y . lambda / U, a lower bound on the continuum
            optimum (lambda / U is dual feasible); nan without ``certify``.
        duality_gap: (l1_norm - certified_lower_bound) / l1_norm, the certified
            relative sub-optimality of the returned network; nan without ``certify``.
    """

    theta: np.ndarray
    c: np.ndarray
    n_atoms: int
    l1_norm: float
    residual: float
    dual_violation: float
    lower_bound: float
    rounds: int
    dictionary_size: int
    method: str
    prediction: np.ndarray | None = None
    certified_sup: float = float("nan")
    certified_lower_bound: float = float("nan")
    duality_gap: float = float("nan")

    def predict(self, x) -> np.ndarray:
        """f(x) = sum_h c_h relu(theta_h . x) for ``(m, d)`` unit vectors."""
        xx = check_sphere_points(x, "x", self.theta.shape[1])
        return relu_features(self.theta, xx) @ self.c


def min_variation_norm_interpolation(
    x_train,
    y_train,
    x_test=None,
    *,
    rng: np.random.Generator | None = None,
    method: str = "auto",
    n_dict: int | None = None,
    tol: float = 1e-6,
    max_rounds: int = 500,
    restarts: int = 64,
    verify_restarts: int = 4096,
    ascent_steps: int = 40,
    atom_tol: float = 1e-10,
    certify: bool = False,
    certify_tol: float = CERTIFY_TOL,
    max_boxes: int = 400_000_000,
    master: str = "simplex",
    pricing: str = "single",
) -> VariationNormFit:
    """Minimum variation-norm (l1 over ReLU neurons) interpolant of ``(x_train, y_train)``.

    Methods:
        ``"colgen"`` (column generation): solve the LP over a pool of candidate
        neurons with the warm-started dense simplex :class:`._simplex.L1Simplex`,
        take its dual lambda, search the sphere for neurons with
        |g_lambda(theta)| > 1 + tol (:func:`._pricing.dual_search`, global, and
        :func:`._pricing.local_search`, around the support atoms and their
        antipodes, where new maxima appear after each solve; numba kernels), add
        them to the pool and resume the simplex from the current basis.  When the
        search finds none, a search with ``verify_restarts`` starts must confirm it;
        :class:`AccuracyError` after ``max_rounds``.  Initial pool: the data points
        +-x_i and ``n_dict`` (default max(2n, 32)) random directions, and for d = 2
        the arrangement vertices +-x_i^perp.  Needs ``rng``.

        ``"dictionary"`` (d <= 3 only): one LP over a dense deterministic dictionary of
        ``n_dict`` unit theta's, a uniform angle grid (d = 2, default 4096) or a
        Fibonacci lattice (d = 3, default 16384).  The dual violation of the
        continuum problem is measured and reported, not enforced.  Biased: on
        smooth targets in d = 3 the grid interpolant's test error is 2x lower
        than the continuum one at n = 128 with 4096 directions, and converges only
        slowly with the grid size; use it to cross-check, not to measure exponents.

        ``"auto"``: column generation for every d.

    Restricted master (``master``, :mod:`._master`): ``"simplex"`` (default,
    :class:`._simplex.L1Simplex` from the previous basis) or ``"ipm"`` (dense
    interior point :func:`._ipm.l1_interior_point` per round, then a crossover).

    Cost (one core, d = 3, smooth teacher): n = 128 about 2.5 s, n = 256 about 8 s,
    n = 512 about a minute; d = 5 with ``certify=True``: ``bench_feature_limit.py``.
    BLAS runs single-threaded inside (thread hand-offs cost more than they save).

    The returned network has n_A <= n atoms: an optimal basic solution of the LP has
    at most n nonzeros (n equality constraints).  The active coefficients are
    finally re-solved by least squares on that support (interpolation to
    round-off, kept only if it improves the residual and keeps the signs).

    Args:
        x_train: ``(n, d)`` unit vectors; y_train: ``(n,)`` labels.
        x_test: optional ``(m, d)`` unit vectors to predict on.
        rng: numpy Generator (required for column generation).
        n_dict: dictionary size (see Methods).
        tol: accepted dual violation max|g_lambda| - 1.
        max_rounds, restarts, verify_restarts, ascent_steps: search effort.
        atom_tol: atoms with |c_h| <= atom_tol * l1_norm are dropped.
        certify: column generation only.  Replace the final heuristic check by the
            branch and bound of :func:`._capbound.sup_abs_dual`: it either records
            violating caps (polished on their cells and added, and the loop goes
            on) or proves max|g_lambda| <= U <= 1 + ``certify_tol`` (the proof is
            relative to ``certify_tol``, 1e-3 by default, not to ``tol``).  The
            fit then carries
            ``certified_sup = U``, the certified lower bound y . lambda / U and the
            relative ``duality_gap`` <= 1 - 1 / U.  Cost: the proof subdivides the
            sphere into caps on which the bound (error O(n r^2 mean|lambda|)) is
            below 1 + certify_tol - |g|: with the chord cap bound about 5e6 caps
            at d = 5, n = 128 and 1e7 at n = 256 (growing about like n), ~2.9x
            fewer with the refined bound (default, :mod:`._capkernel`); budget
            ``max_boxes`` (beyond it U = inf and the lower bound is 0).
        certify_tol: tolerance of the certificate (``certify``); bracket resolved to <= 1e-3.
        max_boxes: cap budget of each branch and bound.
        master: restricted-master LP solver, ``"simplex"`` or ``"ipm"`` (see above).
        pricing: ``"single"`` (256 search end points polished, all violators added) or
            ``"batch"`` (4 n, the 4 n best, branch and bound earlier; :mod:`._colgen`).

    Returns:
        :class:`VariationNormFit` (``dual_violation`` and ``lower_bound`` come from the
        last, largest search and are exact only if it found the global maximum).

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((8, 4))
        >>> x /= np.linalg.norm(x, axis=1, keepdims=True)
        >>> fit = min_variation_norm_interpolation(x, rng.standard_normal(8), rng=rng)
        >>> fit.n_atoms <= 8, fit.residual < 1e-9, fit.dual_violation <= 1e-6
        (True, True, True)

    References:
        Petrini, Cagnetta, Vanden-Eijnden, Wyart, arXiv 2206.12314 (feature regime =
        min variation norm, sparse n_A <= n); Bach, arXiv 1412.8690 (variation norm
        and its conditional-gradient / column-generation dual).
    """
    xtr = check_sphere_points(x_train, "x_train")
    n, d = xtr.shape
    y = _check_labels(y_train, n)
    xte = None if x_test is None else check_sphere_points(x_test, "x_test", d)
    method = "colgen" if method == "auto" else method
    if method not in ("dictionary", "colgen"):
        raise InputError(f"method must be 'auto', 'dictionary' or 'colgen', got {method!r}")
    if method == "dictionary" and d > 3:
        raise InputError(f"method 'dictionary' needs d <= 3 (dense grid), got d = {d}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if master not in MASTERS:
        raise InputError(f"master must be one of {sorted(MASTERS)}, got {master!r}")
    if pricing not in PRICINGS:
        raise InputError(f"pricing must be one of {list(PRICINGS)}, got {pricing!r}")
    if method == "colgen" and rng is None:
        raise InputError("column generation needs rng=np.random.default_rng(seed)")
    if not (tol > 0 and max_rounds >= 1 and min(restarts, verify_restarts, ascent_steps) >= 1):
        raise InputError("need tol > 0 and max_rounds, restarts, ascent_steps, ... >= 1")
    scale = float(np.max(np.abs(y)))
    if scale == 0.0:
        empty = np.zeros((0, d))
        return _assemble(empty, np.zeros(0), xtr, y, xte, 0.0, -1.0, 0.0, 0, 0, method)
    ys = y / scale

    if method == "dictionary":
        theta = _dense_dictionary(d, int(n_dict or (4096 if d == 2 else 16384)))
    else:
        parts = [xtr, -xtr, _random_directions(rng, int(n_dict or max(2 * n, 32)), d)]
        if d == 2:
            perp = xtr[:, ::-1] * np.array([1.0, -1.0])
            parts += [perp, -perp]
        theta = np.vstack(parts)

    polish, max_add = pricing_effort(pricing, n)
    search_tol = heuristic_tol(pricing, tol, certify_tol)
    with threadpool_limits(1, user_api="blas"):
        lp = MASTERS[master](theta, xtr, ys, rng, method)
        rounds = 0
        while True:
            coef, lam = lp.solve()
            theta = lp.theta
            rounds += 1
            starts, signs = _starts(theta, coef, lam, xtr)
            more = {"rng": rng, "steps": ascent_steps, "polish": polish, "restarts": restarts}
            cand, val = dual_search(lam, xtr, starts, signs, **more)
            if method == "dictionary":
                break
            support = coef != 0
            sgn = np.sign(coef[support])
            near = local_search(lam, xtr, theta[support], sgn, rng=rng, polish=polish)
            cand, val = sorted_distinct(np.vstack([cand, near[0]]), np.concatenate([val, near[1]]))
            if _violation(val) <= (search_tol if certify else tol):
                if certify:  # global: branch and bound, violators polished on their cells
                    at = 1.0 + certify_tol
                    bb = dict(prune_at=at, record_at=at, max_boxes=max_boxes)
                    rtol = min(certify_tol, CERTIFY_TOL)  # resolution of the bracket
                    bound = sup_abs_dual(xtr, lam, candidates=theta[support], rtol=rtol, **bb)
                    cand, val = _polish_records(bound, xtr, lam)
                else:
                    more["restarts"] = verify_restarts
                    cand, val = dual_search(lam, xtr, starts, signs, **more)
                if _violation(val) <= tol:
                    break
            if rounds >= max_rounds:
                raise AccuracyError(
                    f"column generation did not converge in {max_rounds} rounds "
                    f"(dual violation {_violation(val):.2e} > tol {tol:.0e})"
                )
            lp.prune(coef, lam)
            lp.add(_violators(lp.theta, cand, val, tol, max_add))
        theta, coef = lp.finish()

    violation = _violation(val)
    lower = float(ys @ lam) / max(1.0, 1.0 + violation) * scale
    fit = _assemble(
        theta, coef * scale, xtr, y, xte, lower, violation, atom_tol, rounds, theta.shape[0], method
    )
    if not (certify and method == "colgen"):
        return fit
    sup = max(bound.upper, 1.0)
    certified = float(ys @ lam) / sup * scale
    gap = (fit.l1_norm - certified) / fit.l1_norm
    return replace(fit, certified_sup=sup, certified_lower_bound=certified, duality_gap=gap)


def _assemble(theta, coef, x, y, x_test, lower, violation, atom_tol, rounds, m, method):
    l1 = float(np.sum(np.abs(coef)))
    keep = np.abs(coef) > atom_tol * l1 if l1 > 0 else np.zeros(coef.shape, bool)
    th, c = theta[keep], coef[keep]
    if c.size:
        c = _polish(th, c, x, y)
    resid = float(np.max(np.abs(relu_features(th, x) @ c - y)))
    fit = VariationNormFit(
        theta=th,
        c=c,
        n_atoms=int(c.size),
        l1_norm=float(np.sum(np.abs(c))),
        residual=resid,
        dual_violation=float(violation),
        lower_bound=float(lower),
        rounds=int(rounds),
        dictionary_size=int(m),
        method=method,
    )
    if x_test is not None:
        fit = replace(fit, prediction=relu_features(th, x_test) @ c)
    return fit
