"""Infinite-width references (kernel regression, min variation-norm LP) and GP teachers."""

from __future__ import annotations

import ast
import doctest
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from specbias import AccuracyError, InputError, kernel
from specbias.validation import _limits, _targets_sample
from specbias.validation._limits import (
    jittered_cholesky,
    kernel_regression,
    min_variation_norm_interpolation,
    relu_features,
)
from specbias.validation._targets_sample import sample_target, target_variance

# Interpolation of O(1) labels: the LP support is re-solved by least squares.
INTERP_TOL = 1e-8
# Cholesky vs LU on a kernel matrix of condition <= 1e6: agreement to 1e-8 relative.
SOLVE_RTOL = 1e-8
# Column-generation target: dual violation max|g_lambda| - 1 (library default).
DUAL_TOL = 1e-6
# Covariance of M draws: each entry within 5 standard errors sqrt((K_ii K_jj + K_ij^2)/M).
COV_SIGMAS = 5.0


def sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def kahan_angles(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """theta = 2 atan2(|x - y|, |x + y|): accurate at every angle (W. Kahan)."""
    diff = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2)
    summ = np.linalg.norm(x[:, None, :] + y[None, :, :], axis=2)
    return 2.0 * np.arctan2(diff, summ)


# ---------------------------------------------------------------------------------- lazy
def test_kernel_regression_interpolates_and_matches_numpy_solve():
    rng = np.random.default_rng(0)
    x, xt = sphere(rng, 40, 3), sphere(rng, 25, 3)
    y = rng.standard_normal(40)
    out = kernel_regression(x, y, np.vstack([x, xt]), "ntk")
    assert out.jitter == 0.0
    assert np.max(np.abs(out.prediction[:40] - y)) < INTERP_TOL
    ntk = kernel("ntk").phi_theta
    alpha = np.linalg.solve(ntk(kahan_angles(x, x)), y)
    atol = SOLVE_RTOL * np.abs(alpha).max()
    np.testing.assert_allclose(out.coef, alpha, rtol=SOLVE_RTOL, atol=atol)
    direct = ntk(kahan_angles(xt, x)) @ alpha
    np.testing.assert_allclose(out.prediction[40:], direct, rtol=0, atol=1e-8 * np.abs(y).max())
    ridge = kernel_regression(x, y, xt, "laplace", ridge=0.1)
    lap = kernel("laplace").phi_theta(kahan_angles(x, x))
    np.testing.assert_allclose(ridge.coef, np.linalg.solve(lap + 0.1 * np.eye(40), y), rtol=1e-10)


def test_kernel_regression_reports_jitter_for_duplicate_points():
    rng = np.random.default_rng(1)
    x = sphere(rng, 12, 3)
    x = np.vstack([x, x[:1]])  # a duplicated point: singular Gram matrix
    y = np.append(rng.standard_normal(12), 0.0)
    y[-1] = y[0]
    out = kernel_regression(x, y, x, "ntk")
    assert 0.0 < out.jitter <= _limits.MAX_REL_JITTER * kernel("ntk").phi(1.0)
    assert np.max(np.abs(out.prediction - y)) < 1e-3
    with pytest.raises(AccuracyError):
        jittered_cholesky(-np.eye(3))


def test_inputs_off_the_sphere_are_rejected():
    rng = np.random.default_rng(2)
    x = sphere(rng, 5, 3)
    with pytest.raises(InputError):
        kernel_regression(2 * x, np.ones(5), x)
    with pytest.raises(InputError):
        kernel_regression(x, np.ones(4), x)
    with pytest.raises(InputError):
        min_variation_norm_interpolation(x, np.ones(5), method="colgen")  # no rng
    with pytest.raises(InputError):
        min_variation_norm_interpolation(x, np.ones(5), rng=rng, method="simplex")


# ------------------------------------------------------------------------------- feature
@pytest.fixture(scope="module")
def colgen_d5():
    rng = np.random.default_rng(5)
    x, xt = sphere(rng, 24, 5), sphere(rng, 30, 5)
    y = rng.standard_normal(24)
    fit = min_variation_norm_interpolation(x, y, xt, rng=rng, tol=DUAL_TOL)
    return x, y, xt, fit


def test_column_generation_d5_interpolates_with_small_dual_violation(colgen_d5):
    x, y, xt, fit = colgen_d5
    n = len(y)
    assert fit.method == "colgen"
    assert fit.residual < INTERP_TOL
    assert np.max(np.abs(fit.predict(x) - y)) < INTERP_TOL
    assert fit.dual_violation <= DUAL_TOL
    assert 1 <= fit.n_atoms <= n  # basic LP solution
    np.testing.assert_allclose(np.linalg.norm(fit.theta, axis=1), 1.0, atol=1e-12)
    assert fit.lower_bound <= fit.l1_norm * (1 + 1e-9)  # weak duality
    assert fit.l1_norm - fit.lower_bound <= 2 * DUAL_TOL * fit.l1_norm
    np.testing.assert_allclose(fit.prediction, fit.predict(xt), rtol=0, atol=1e-12)


def test_lp_is_sparse_while_kernel_coefficients_are_dense(colgen_d5):
    x, y, _, fit = colgen_d5
    alpha = kernel_regression(x, y, x, "ntk").coef
    assert np.all(np.abs(alpha) > 1e-6 * np.abs(alpha).max())  # all n representers used
    assert fit.n_atoms <= len(y)


def test_lp_norm_is_below_other_interpolating_combinations(colgen_d5):
    x, y, _, fit = colgen_d5
    rng = np.random.default_rng(7)
    bound = fit.l1_norm / (1 + DUAL_TOL)  # OPT >= l1 / (1 + violation)
    for _ in range(3):
        theta = sphere(rng, 3 * len(y), x.shape[1])
        phi = relu_features(theta, x)
        c_l2 = np.linalg.pinv(phi) @ y  # min-l2 interpolant on a random sub-dictionary
        assert np.max(np.abs(phi @ c_l2 - y)) < 1e-8
        assert np.sum(np.abs(c_l2)) >= bound
        # independent LP on that fixed dictionary (free c, |c| <= t formulation)
        m = phi.shape[1]
        res = linprog(
            np.r_[np.zeros(m), np.ones(m)],
            A_ub=np.block([[np.eye(m), -np.eye(m)], [-np.eye(m), -np.eye(m)]]),
            b_ub=np.zeros(2 * m),
            A_eq=np.hstack([phi, np.zeros((len(y), m))]),
            b_eq=y,
            bounds=(None, None),
            method="highs",
        )
        assert res.status == 0
        assert res.fun >= bound


def test_planted_neurons_bound_the_norm_and_dictionary_lp_is_above_continuum():
    rng = np.random.default_rng(11)
    x, xt = sphere(rng, 30, 3), sphere(rng, 10, 3)
    planted_theta, planted_c = sphere(rng, 3, 3), np.array([1.0, -0.7, 0.5])
    y = relu_features(planted_theta, x) @ planted_c
    fit = min_variation_norm_interpolation(x, y, xt, rng=rng)
    assert fit.residual < INTERP_TOL and fit.n_atoms <= 30
    assert fit.l1_norm <= np.abs(planted_c).sum() * (1 + DUAL_TOL)
    grid = min_variation_norm_interpolation(x, y, xt, method="dictionary", n_dict=4000)
    assert grid.method == "dictionary" and grid.residual < INTERP_TOL
    assert grid.n_atoms <= 30
    assert grid.l1_norm >= fit.l1_norm * (1 - DUAL_TOL)  # a sub-dictionary cannot do better
    assert grid.lower_bound <= fit.l1_norm * (1 + DUAL_TOL)


def test_circle_colgen_and_zero_labels():
    rng = np.random.default_rng(3)
    a = np.sort(rng.uniform(0, 2 * np.pi, 16))
    x = np.stack([np.cos(a), np.sin(a)], axis=1)
    y = np.sin(3 * a)
    fit = min_variation_norm_interpolation(x, y, rng=rng)
    assert fit.residual < INTERP_TOL and fit.n_atoms <= 16
    assert fit.dual_violation <= DUAL_TOL
    zero = min_variation_norm_interpolation(x, np.zeros(16), x, rng=rng)
    assert zero.n_atoms == 0 and zero.l1_norm == 0.0 and np.all(zero.prediction == 0)


# ------------------------------------------------------------------------------ teachers
def test_target_variance_closed_form():
    for a in (0.5, 1.0, 1.5, 2.0):  # E|g|^(2a) = 2^a Gamma(a + 1/2) / sqrt(pi)
        exact = 2**a * math.gamma(a + 0.5) / math.sqrt(math.pi)
        assert target_variance(f"abs-power-rf:a={a}") == pytest.approx(exact, rel=1e-12)


def test_sampled_covariance_matches_teacher_kernel():
    rng = np.random.default_rng(21)
    x = sphere(rng, 5, 3)
    teacher, draws = "abs-power-rf:a=1.5", 4000
    ys = np.empty((draws, 5))
    for k in range(draws):
        s = sample_target(rng, x[:3], x[3:], teacher)
        ys[k] = np.r_[s.y_train, s.y_test]
        assert s.jitter == 0.0
    emp = ys.T @ ys / draws  # the field is centred: no mean subtraction
    exact = kernel(teacher).phi(np.clip(x @ x.T, -1, 1))
    se = np.sqrt((np.outer(np.diag(exact), np.diag(exact)) + exact**2) / draws)
    assert np.all(np.abs(emp - exact) <= COV_SIGMAS * se)
    assert np.abs(ys.mean(axis=0)).max() <= COV_SIGMAS * np.sqrt(exact[0, 0] / draws)


def test_label_noise_adds_variance_to_training_labels_only():
    rng = np.random.default_rng(22)
    x = sphere(rng, 2, 4)
    draws, noise = 4000, 0.5
    tr = np.empty(draws)
    te = np.empty(draws)
    for k in range(draws):
        s = sample_target(rng, x[:1], x[1:], "abs-power-rf:a=1", noise=noise)
        tr[k], te[k] = s.y_train[0], s.y_test[0]
    var = target_variance("abs-power-rf:a=1")  # 1
    assert abs(np.mean(tr**2) - (var + noise)) <= COV_SIGMAS * (var + noise) * np.sqrt(2 / draws)
    assert abs(np.mean(te**2) - var) <= COV_SIGMAS * var * np.sqrt(2 / draws)


def test_sampling_is_reproducible_and_reports_jitter():
    x = sphere(np.random.default_rng(0), 30, 3)
    a = sample_target(np.random.default_rng(9), x[:20], x[20:], "abs-power-rf:a=1", noise=0.1)
    b = sample_target(np.random.default_rng(9), x[:20], x[20:], "abs-power-rf:a=1", noise=0.1)
    c = sample_target(np.random.default_rng(10), x[:20], x[20:], "abs-power-rf:a=1", noise=0.1)
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    dup = sample_target(np.random.default_rng(9), x[:20], x[:5], "abs-power-rf:a=1")
    assert dup.jitter > 0.0  # test points equal to training points: singular joint Gram
    np.testing.assert_allclose(dup.y_test, dup.y_train[:5], atol=1e-4)
    fixed = sample_target(np.random.default_rng(9), x[:20], x[:5], "abs-power-rf:a=1", jitter=1e-6)
    assert fixed.jitter == 1e-6
    none = sample_target(np.random.default_rng(9), x[:20], np.zeros((0, 3)), "abs-power-rf:a=1")
    assert none.y_test.shape == (0,)
    with pytest.raises(InputError):
        sample_target(np.random.default_rng(9), x, x, "abs-power-rf:a=1", noise=-1.0)
    with pytest.raises(InputError):
        sample_target(0, x, x, "abs-power-rf:a=1")


# --------------------------------------------------------------------------------- hygiene
def test_doctests():
    for module in (_limits, _targets_sample):
        assert doctest.testmod(module).failed == 0


def test_modules_do_not_import_jax():
    folder = Path(_limits.__file__).parent
    for name in ("_limits.py", "_targets_sample.py", "_fit.py", "_store.py"):
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                mods = [node.module or ""]
            else:
                continue
            assert not any(m.split(".")[0] == "jax" for m in mods), name


def test_pair_angles_are_accurate_near_zero_and_pi():
    rng = np.random.default_rng(4)
    x = sphere(rng, 20, 4)
    tiny = x + 1e-9 * rng.standard_normal(x.shape)
    tiny /= np.linalg.norm(tiny, axis=1, keepdims=True)
    y = np.vstack([x, tiny, -tiny, sphere(rng, 20, 4)])
    got = _limits.pair_angles(x, y)
    np.testing.assert_allclose(got, kahan_angles(x, y), rtol=1e-7, atol=1e-15)
    assert np.all(np.diag(got[:, :20]) == 0.0)
