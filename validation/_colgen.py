"""Helpers of the feature-limit column generation (:mod:`._limits`): initial pool
and simplex, search starts, new columns, branch-and-bound records, final polish.

The module never imports JAX.
"""

from __future__ import annotations

import numpy as np

from .._errors import AccuracyError, InputError
from ._pricing import (
    SAME_DIRECTION,
    _random_directions,
    cell_maxima,
    dual_values,
    relu_features,
    sorted_distinct,
)
from ._simplex import L1Simplex

# Pricing by branch and bound: at most this many recorded caps are polished per round.
MAX_POLISHED_RECORDS = 512


def _polish_records(bound, x, lam) -> tuple[np.ndarray, np.ndarray]:
    """Exact cell maxima (:func:`._pricing.cell_maxima`) from the violating caps recorded by
    :func:`._capbound.sup_abs_dual`, distinct and sorted by decreasing value."""
    order = np.argsort(-bound.values)[:MAX_POLISHED_RECORDS]
    pts = np.ascontiguousarray(bound.points[order])
    cand, vals = cell_maxima(x, np.asarray(lam, dtype=np.float64), pts, bound.signs[order])
    return sorted_distinct(cand, vals)


def _initial_simplex(theta, x, y, rng, method) -> tuple[L1Simplex, np.ndarray]:
    """Simplex on the initial pool (and the pool's directions); column generation adds
    random neurons until the pool has rank n."""
    extra = np.zeros((0, x.shape[1]))
    for _ in range(4):
        try:
            pool = np.vstack([theta, extra])
            lp = L1Simplex(y, relu_features(pool, x))
        except InputError:
            if method != "colgen":
                raise InputError(
                    f"cannot interpolate with {theta.shape[0]} neurons: points may be "
                    "duplicated with different labels, or increase n_dict"
                ) from None
            extra = np.vstack([extra, _random_directions(rng, theta.shape[0], x.shape[1])])
            continue
        return lp, pool
    raise InputError("cannot interpolate: the training points are duplicated with different labels")


def _violation(values: np.ndarray) -> float:
    """max |g| - 1 from sorted search values (-1 when nothing positive was found)."""
    return float(values[0]) - 1.0 if values.size else -1.0


def _polish(theta, c, x, y) -> np.ndarray:
    """Re-solve the active coefficients by least squares (same support)."""
    phi = relu_features(theta, x)
    c_ls = np.linalg.lstsq(phi, y, rcond=None)[0]
    old = np.max(np.abs(phi @ c - y))
    new = np.max(np.abs(phi @ c_ls - y))
    same_signs = np.all(np.sign(c_ls) == np.sign(c))
    return c_ls if (new < old and same_signs) else c


def _dense_dictionary(d: int, m: int) -> np.ndarray:
    """Uniform angle grid on S^1 (d = 2) or Fibonacci lattice on S^2 (d = 3)."""
    if m < 4:
        raise InputError(f"n_dict must be >= 4, got {m}")
    if d == 2:
        a = 2 * np.pi * np.arange(m) / m
        return np.stack([np.cos(a), np.sin(a)], axis=1)
    k = np.arange(m) + 0.5
    z = 1 - 2 * k / m
    r = np.sqrt(1 - z * z)
    phi = np.pi * (1 + np.sqrt(5.0)) * k
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


def _starts(theta, coef, lam, x) -> tuple[np.ndarray, np.ndarray]:
    """Signed search starts: the LP support (sign of c_h = sign of g there) and the
    64 pool columns with largest |g| (sign of g)."""
    g = dual_values(theta, x, lam)
    top = np.argsort(-np.abs(g))[:64]
    support = coef != 0
    starts = np.vstack([theta[support], theta[top]])
    signs = np.concatenate([np.sign(coef[support]), np.sign(g[top])])
    return starts, np.where(signs == 0, 1.0, signs)


def _new_columns(theta: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The rows of ``new`` not already in ``theta`` (else :class:`AccuracyError`)."""
    keep = [t for t in new if np.min(np.linalg.norm(theta - t, axis=1)) >= SAME_DIRECTION]
    if not keep:
        raise AccuracyError("column generation stalled: violating neurons already in dictionary")
    return np.array(keep)


# ------------------------------------------------------------------------------------
# pricing effort per round
# "single": the fixed effort of the first column generation (at most POLISH_SINGLE
# polished end points per search, every violator added); "batch": polish
# BATCH_POLISH * n end points and add the BATCH_ADD * n best violators a round, so
# that all n atoms can move to their new cell maxima in one round (floor BATCH_MIN
# for small n).  Measured at d = 5 (smooth teacher, interior-point master,
# benchmarks/bench_feature_limit.py): rounds 40 -> 18 at n = 256, 62 -> 25 at n = 512.
POLISH_SINGLE = 256
BATCH_POLISH = 4
BATCH_ADD = 4
BATCH_MIN = 64
# With certify=True the batch route calls the branch and bound as soon as the heuristic
# search finds no violation above HEURISTIC_FRACTION * certify_tol (the heuristic's
# "1e-6" dual still had max|g| - 1 = 1.5e-3..5e-3 on the same teacher, found by the
# branch and bound).  Pays off with certify_tol = 1e-2 (n = 512: 18 rounds, 105 CPU-s);
# with 1e-3 it costs extra branch-and-bound calls (n = 256: 29 CPU-s of it, against 10
# when the search goes down to 1e-6 first).
HEURISTIC_FRACTION = 0.25
PRICINGS = ("single", "batch")


def pricing_effort(pricing: str, n: int) -> tuple[int, int | None]:
    """(end points polished per search, cap on new columns per round or None).

    Examples:
        >>> pricing_effort("single", 1024), pricing_effort("batch", 1024)
        ((256, None), (4096, 4096))
    """
    if pricing == "batch":
        return max(BATCH_MIN, BATCH_POLISH * n), max(BATCH_MIN, BATCH_ADD * n)
    return POLISH_SINGLE, None


def heuristic_tol(pricing: str, tol: float, certify_tol: float) -> float:
    """Violation below which a certified fit calls the branch and bound."""
    return max(tol, HEURISTIC_FRACTION * certify_tol) if pricing == "batch" else tol


def _violators(theta, cand, val, tol, max_add) -> np.ndarray:
    """New columns: candidates with value > 1 + tol (sorted, so the best first), at
    most ``max_add`` of them (None: all), not already in ``theta``."""
    new = cand[val > 1.0 + tol]
    return _new_columns(theta, new if max_add is None else new[:max_add])
