"""Dense warm-started l1 simplex against an independent LP code (scipy's HiGHS)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.optimize import linprog

from specbias import InputError
from specbias.validation import _simplex
from specbias.validation._limits import relu_features
from specbias.validation._simplex import L1Simplex

# Objective agreement with HiGHS (both at 1e-9 feasibility; RHS perturbation 1e-9).
OBJ_RTOL = 1e-7
# Interpolation of O(1) labels by the final basis.
INTERP_TOL = 1e-9


def sphere(rng, n, d):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def highs_l1(a: np.ndarray, y: np.ndarray) -> float:
    """min |c|_1 s.t. a c = y in the free-c, |c| <= t formulation (independent route)."""
    n, m = a.shape
    res = linprog(
        np.r_[np.zeros(m), np.ones(m)],
        A_ub=np.block([[np.eye(m), -np.eye(m)], [-np.eye(m), -np.eye(m)]]),
        b_ub=np.zeros(2 * m),
        A_eq=np.hstack([a, np.zeros((n, m))]),
        b_eq=y,
        bounds=(None, None),
        method="highs",
    )
    assert res.status == 0
    return float(res.fun)


def check_optimal(lp: L1Simplex, a: np.ndarray, y: np.ndarray) -> None:
    c = lp.coefficients()
    assert np.max(np.abs(a @ c - y)) < INTERP_TOL
    assert np.count_nonzero(c) <= len(y)  # basic solution
    g = a.T @ lp.multipliers  # dual feasibility: |a_j . lambda| <= 1 on the pool
    assert np.max(np.abs(g)) <= 1 + 1e-8
    assert abs(float(y @ lp.multipliers) - lp.objective) <= 1e-7 * lp.objective  # no gap


@pytest.mark.parametrize(("n", "m", "d"), [(12, 60, 3), (40, 400, 3), (30, 300, 5)])
def test_matches_highs_on_random_relu_dictionaries(n, m, d):
    rng = np.random.default_rng(n + m + d)
    x, theta = sphere(rng, n, d), sphere(rng, m, d)
    a, y = relu_features(theta, x), rng.standard_normal(n)
    lp = L1Simplex(y, a)
    lp.solve()
    lp.finish()
    check_optimal(lp, a, y)
    assert lp.objective == pytest.approx(highs_l1(a, y), rel=OBJ_RTOL)


def test_warm_start_after_adding_columns_matches_a_cold_solve():
    rng = np.random.default_rng(5)
    x = sphere(rng, 30, 3)
    a1, a2 = relu_features(sphere(rng, 90, 3), x), relu_features(sphere(rng, 200, 3), x)
    y = rng.standard_normal(30)
    warm = L1Simplex(y, a1)
    warm.solve()
    before = warm.objective
    warm.add_columns(a2)
    warm.solve()
    warm.finish()
    assert warm.objective <= before * (1 + 1e-12)  # more columns cannot hurt
    both = np.hstack([a1, a2])
    check_optimal(warm, both, y)
    assert warm.objective == pytest.approx(highs_l1(both, y), rel=OBJ_RTOL)


def test_degenerate_planted_labels_recover_the_sparse_solution():
    # labels made by 3 of the columns: the optimal vertex has n - 3 zero basics
    rng = np.random.default_rng(2)
    x = sphere(rng, 25, 3)
    a = relu_features(sphere(rng, 300, 3), x)
    planted = np.zeros(300)
    planted[[4, 77, 150]] = [1.0, -0.6, 0.3]
    y = a @ planted
    lp = L1Simplex(y, a)
    lp.solve()
    lp.finish()
    c = lp.coefficients()
    assert lp.objective <= 1.9 * (1 + 1e-9)
    assert lp.objective == pytest.approx(highs_l1(a, y), rel=OBJ_RTOL)
    assert np.count_nonzero(np.abs(c) > 1e-9) <= 3


def test_keep_columns_preserves_the_basis():
    rng = np.random.default_rng(9)
    x = sphere(rng, 20, 3)
    a = relu_features(sphere(rng, 200, 3), x)
    y = rng.standard_normal(20)
    lp = L1Simplex(y, a)
    lp.solve()
    obj = lp.objective
    keep = np.zeros(200, bool)
    kept = lp.keep_columns(keep)  # drops every non-basic column
    assert lp.size == 20 and len(kept) == 20
    assert lp.objective == pytest.approx(obj, rel=1e-12)
    np.testing.assert_array_equal(np.sort(lp.basis), np.arange(20))


def test_rank_deficient_pool_is_refused():
    y = np.array([1.0, 2.0])
    with pytest.raises(InputError, match="rank"):
        L1Simplex(y, np.array([[1.0, 2.0], [1.0, 2.0]]))
    with pytest.raises(InputError, match="shape"):
        L1Simplex(y, np.ones((3, 4)))


def test_doctests():
    assert doctest.testmod(_simplex, raise_on_error=True).failed == 0
