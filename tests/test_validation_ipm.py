"""Interior-point restricted master of the feature limit against the dense simplex and HiGHS."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.optimize import linprog

from specbias import AccuracyError, InputError
from specbias.validation import _ipm
from specbias.validation._ipm import l1_interior_point
from specbias.validation._limits import min_variation_norm_interpolation, relu_features
from specbias.validation._simplex import L1Simplex

# Same LP, two exact solvers (IPM stops at relative gap 1e-9, simplex at a vertex):
# optimal l1 norms agree to 1e-8 relative.
LP_RTOL = 1e-8
# Dual feasibility of the interior-point multipliers: z is computed from lambda,
# so |Phi^T lambda| <= 1 up to round-off of an O(n)-term sum.
DUAL_FEAS = 1e-9
# Predictions of two optimal basic solutions of a non-degenerate LP (the same vertex):
# equal up to the LP round-off of O(1) labels.
PRED_ATOL = 1e-7


def sphere(rng, n, d):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def smooth_labels(x):
    return np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2]


def test_interior_point_matches_simplex_and_highs_on_a_fixed_dictionary():
    rng = np.random.default_rng(0)
    x = sphere(rng, 64, 3)
    y = smooth_labels(x)
    phi = relu_features(sphere(rng, 400, 3), x)
    ipm = l1_interior_point(phi, y)
    lp = L1Simplex(y, phi)
    lp.solve()
    lp.finish()
    m = phi.shape[1]
    highs = linprog(np.ones(2 * m), A_eq=np.hstack([phi, -phi]), b_eq=y, bounds=(0, None))
    assert highs.status == 0
    for other in (lp.objective, highs.fun):
        assert ipm.primal == pytest.approx(other, rel=LP_RTOL)
        assert ipm.dual == pytest.approx(other, rel=LP_RTOL)
    assert np.max(np.abs(phi.T @ ipm.multipliers)) <= 1 + DUAL_FEAS
    assert np.max(np.abs(phi @ ipm.c - y)) < 1e-6 * np.abs(y).max()
    # same vertex: the interior-point c concentrates on the simplex's basis
    big = np.abs(ipm.c) > 1e-6 * np.abs(ipm.c).sum()
    assert set(np.flatnonzero(big)) <= set(lp.basis.tolist())


@pytest.mark.parametrize("n", [64, pytest.param(128, marks=pytest.mark.slow)])
def test_ipm_master_agrees_with_simplex_master_on_a_dictionary(n):
    """Both masters solve the same fixed-dictionary LP (d = 3 Fibonacci lattice)."""
    rng = np.random.default_rng(n)
    x, xt = sphere(rng, n, 3), sphere(rng, 200, 3)
    y, yt = smooth_labels(x), smooth_labels(xt)
    fits = [
        min_variation_norm_interpolation(x, y, xt, method="dictionary", n_dict=2000, master=m)
        for m in ("simplex", "ipm")
    ]
    old, new = fits
    assert new.l1_norm == pytest.approx(old.l1_norm, rel=LP_RTOL)
    assert new.residual < 1e-8 and new.n_atoms <= n
    np.testing.assert_allclose(new.prediction, old.prediction, rtol=0, atol=PRED_ATOL)
    err_old, err_new = (np.mean((f.prediction - yt) ** 2) for f in fits)
    assert err_new == pytest.approx(err_old, rel=1e-6)


@pytest.mark.slow
def test_ipm_master_column_generation_is_certified_and_agrees():
    """Continuum (column generation, certify=True) at d = 3: each master's l1 norm is
    above the other's certified lower bound, and the test errors agree."""
    rng = np.random.default_rng(5)
    x, xt = sphere(rng, 64, 3), sphere(rng, 300, 3)
    y, yt = smooth_labels(x), smooth_labels(xt)
    old, new = (
        min_variation_norm_interpolation(
            x, y, xt, rng=np.random.default_rng(1), certify=True, master=m
        )
        for m in ("simplex", "ipm")
    )
    assert new.residual < 1e-8 and 1 <= new.n_atoms <= 64
    assert 0 <= new.duality_gap <= 3e-3  # certify_tol 1e-3 on sup|g|, plus crossover
    assert new.certified_lower_bound <= old.l1_norm * (1 + LP_RTOL)
    assert old.certified_lower_bound <= new.l1_norm * (1 + LP_RTOL)
    # both reach the continuum optimum to the search tolerance (dual violation 1e-6)
    assert new.l1_norm == pytest.approx(old.l1_norm, rel=1e-5)
    err_old, err_new = (np.mean((f.prediction - yt) ** 2) for f in (old, new))
    assert err_new == pytest.approx(err_old, rel=1e-3)


def test_errors():
    rng = np.random.default_rng(2)
    x = sphere(rng, 10, 3)
    with pytest.raises(InputError, match="master"):
        min_variation_norm_interpolation(x, smooth_labels(x), rng=rng, master="bogus")
    phi = relu_features(sphere(rng, 40, 3), x)
    with pytest.raises(AccuracyError, match="interior point"):
        l1_interior_point(phi, smooth_labels(x), max_iter=2)


def test_doctests():
    assert doctest.testmod(_ipm, raise_on_error=True).failed == 0
