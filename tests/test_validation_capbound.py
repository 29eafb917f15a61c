"""Certified sup of the variation-norm dual function (branch and bound over caps)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.optimize import linprog

from specbias.validation import _capbound
from specbias.validation._capbound import sup_abs_dual
from specbias.validation._limits import (
    dual_values,
    min_variation_norm_interpolation,
    relu_features,
)
from specbias.validation._simplex import L1Simplex

# Resolution of the bracket asked from the branch and bound.
RTOL = 1e-3
# HiGHS feasibility tolerance, relative, on an O(1)-label LP.
LP_RTOL = 1e-7


def sphere(rng, n, d):
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


@pytest.mark.parametrize(("n", "d"), [(12, 3), (10, 4)])
def test_bracket_contains_every_sampled_value(n, d):
    rng = np.random.default_rng(n + d)
    x, lam = sphere(rng, n, d), rng.standard_normal(n)
    b = sup_abs_dual(x, lam, rtol=RTOL)
    sampled = np.abs(dual_values(sphere(rng, 50_000, d), x, lam)).max()
    assert sampled <= b.upper  # an upper bound, not a heuristic
    assert b.lower <= b.upper <= b.lower * (1 + RTOL) + 1e-12
    attained = abs(dual_values(b.theta_best[None], x, lam)[0])
    assert attained == pytest.approx(b.lower, rel=1e-12)
    assert sampled <= b.lower * (1 + RTOL) + 1e-12  # and it found the maximum


# the cap bound itself (chord and refined) is tested in test_validation_capkernel.py


def test_recorded_caps_violate_and_bound_stays_valid():
    rng = np.random.default_rng(3)
    x, lam = sphere(rng, 15, 3), rng.standard_normal(15)
    full = sup_abs_dual(x, lam, rtol=RTOL)
    level = 0.9 * full.lower
    rec = sup_abs_dual(x, lam, rtol=RTOL, prune_at=level, record_at=level)
    assert rec.points.shape[0] >= 1
    assert np.all(rec.values > level)
    np.testing.assert_allclose(rec.signs * dual_values(rec.points, x, lam), rec.values, rtol=1e-12)
    assert rec.upper >= full.lower


def highs_dictionary_l1(phi, y):
    m = phi.shape[1]
    res = linprog(
        np.ones(2 * m), A_eq=np.hstack([phi, -phi]), b_eq=y, bounds=(0, None), method="highs"
    )
    assert res.status == 0
    return float(res.fun)


@pytest.fixture(scope="module")
def certified_d3():
    rng = np.random.default_rng(8)
    x, y = sphere(rng, 20, 3), rng.standard_normal(20)
    old = min_variation_norm_interpolation(x, y, rng=np.random.default_rng(1))
    new = min_variation_norm_interpolation(x, y, rng=np.random.default_rng(1), certify=True)
    return x, y, old, new


def test_certified_lower_bound_is_below_every_interpolating_dictionary(certified_d3):
    x, y, _, fit = certified_d3
    assert fit.certified_sup >= 1.0 and fit.residual < 1e-8
    assert fit.certified_lower_bound <= fit.l1_norm  # weak duality
    assert 0.0 <= fit.duality_gap <= 1.0 - 1.0 / fit.certified_sup + 1e-12
    assert fit.certified_sup <= 1 + 2 * _limits_certify_tol()
    rng = np.random.default_rng(9)
    # the continuum optimum is below any dictionary LP (independent solver, HiGHS)
    for theta in (sphere(rng, 2000, 3), np.vstack([fit.theta, sphere(rng, 500, 3)])):
        assert fit.certified_lower_bound <= highs_dictionary_l1(relu_features(theta, x), y)
    # on the returned atoms HiGHS finds the same l1 norm (the LP optimum over them)
    assert highs_dictionary_l1(relu_features(fit.theta, x), y) == pytest.approx(
        fit.l1_norm, rel=LP_RTOL
    )


def test_dual_of_a_coarse_dictionary_scaled_by_the_bound_is_a_lower_bound():
    # lambda of a 40-neuron LP violates |g| <= 1 on the sphere; lambda / U must not
    rng = np.random.default_rng(12)
    x, y = sphere(rng, 20, 3), rng.standard_normal(20)
    coarse = L1Simplex(y, relu_features(sphere(rng, 40, 3), x))
    coarse.solve()
    lam = coarse.multipliers
    b = sup_abs_dual(x, lam, rtol=RTOL)
    assert b.lower > 1.1  # the coarse dual is far from feasible
    fine = highs_dictionary_l1(relu_features(sphere(rng, 4000, 3), x), y)
    assert float(y @ lam) / b.upper <= fine <= float(y @ lam)


def test_certified_and_heuristic_paths_agree(certified_d3):
    _, _, old, new = certified_d3
    # the certified path only adds columns: never worse, and within its own gap
    assert new.l1_norm <= old.l1_norm * (1 + LP_RTOL)
    assert old.l1_norm <= new.l1_norm / (1 - new.duality_gap) * (1 + LP_RTOL)
    assert np.isnan(old.duality_gap) and np.isnan(old.certified_lower_bound)


def _limits_certify_tol():
    from specbias.validation._limits import CERTIFY_TOL

    return CERTIFY_TOL


def test_doctests():
    assert doctest.testmod(_capbound, raise_on_error=True).failed == 0
