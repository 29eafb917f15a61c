"""Learning-curve theory: kappa root, direct kernel-regression simulation, slopes, staircase."""

import json
import math
import time

import mpmath
import numpy as np
import pytest

import specbias as sb
from specbias.theory._learning_curve import TEST_ERROR_DEFINITION, learning_curve, solve_kappa
from specbias.theory._staircase import learned_degrees, staircase
from specbias.theory._targets import smooth_target, teacher_target


@pytest.mark.parametrize(
    "kern,d,n,ridge",
    [
        ("ntk", 3, 50.0, 0.0),
        ("laplace", 5, 300.0, 0.0),
        ("ntk", 5, 1000.0, 0.1),
        ("gaussian", 3, 20.0, 0.0),
    ],
)
def test_kappa_matches_mpmath_root(kern, d, n, ridge):
    kmax = 300
    s = sb.eigenvalues(kern, d, kmax)
    with mpmath.workdps(30):
        nn = [mpmath.mpf(sb.harmonic_multiplicity(d, k)) for k in range(kmax + 1)]
        mu = [mpmath.mpf(float(v)) for v in s.values]
        tail = mpmath.mpf(float(sb.kernel(kern).phi(np.array([1.0]))[0])) - mpmath.fsum(
            a * b for a, b in zip(nn, mu, strict=True)
        )

        def f(u):
            return (
                mpmath.fsum(a * b / (b + mpmath.exp(u)) for a, b in zip(nn, mu, strict=True))
                + (tail + ridge) / mpmath.exp(u)
                - n
            )

        ref = float(mpmath.exp(mpmath.findroot(f, (-40, 5), solver="ridder", tol=1e-40)))
    got = solve_kappa(kern, d, [n], ridge=ridge, kmax=kmax)[0]
    assert got == pytest.approx(ref, rel=1e-11)


def _simulate(kern, teacher, d, n, rng, *, ridge=0.0, noise=0.0, n_test=200):
    x = rng.standard_normal((n + n_test, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    t = np.clip(x @ x.T, -1.0, 1.0)
    cov = sb.kernel(teacher).phi(t)
    kk = sb.kernel(kern).phi(t[:, :n])
    chol = np.linalg.cholesky(cov + 1e-10 * np.eye(n + n_test))  # jitter: noise var 1e-10
    f = chol @ rng.standard_normal(n + n_test)
    y = f[:n] + math.sqrt(noise) * rng.standard_normal(n)
    pred = kk[n:] @ np.linalg.solve(kk[:n] + ridge * np.eye(n), y)
    return float(np.mean((pred - f[n:]) ** 2))


CASES = [("ntk", 3), ("laplace", 3), ("ntk", 5), ("laplace", 5)]


@pytest.mark.parametrize("kern,d", CASES)
def test_theory_matches_kernel_regression_simulation(kern, d):
    teacher = "arccos1"
    tgt = teacher_target(teacher, d)
    ns = [32, 96, 256]
    lc = learning_curve(kern, tgt, ns, rtol=1e-5)
    seeds = 10
    for i, n in enumerate(ns):
        errs = [
            _simulate(kern, teacher, d, n, np.random.default_rng(1000 * i + s))
            for s in range(seeds)
        ]
        mean, se = np.mean(errs), np.std(errs, ddof=1) / math.sqrt(seeds)
        # theory is exact as n -> infinity; finite n: 3 standard errors + 10% systematic
        assert abs(mean - lc.gen_error[i]) <= 3 * se + 0.10 * lc.gen_error[i], (
            n,
            mean,
            se,
            lc.gen_error[i],
        )


def test_ridge_and_noise_vs_simulation():
    d, kern, teacher, n, ridge, noise = 3, "laplace", "arccos1", 200, 0.5, 0.1
    tgt = teacher_target(teacher, d)  # Var f* = arccos1(1) = 1/2: sigma^2 = noise / 2
    lc = learning_curve(kern, tgt, [n], ridge=ridge, noise=noise)
    sigma2 = noise * tgt.variance
    errs = [
        _simulate(kern, teacher, d, n, np.random.default_rng(77 + s), ridge=ridge, noise=sigma2)
        for s in range(12)
    ]
    mean, se = np.mean(errs), np.std(errs, ddof=1) / math.sqrt(12)
    assert abs(mean - lc.gen_error[0]) <= 3 * se + 0.10 * lc.gen_error[0]
    assert lc.noise_variance == pytest.approx(0.05)
    assert lc.test_mse[0] == pytest.approx(lc.gen_error[0] + sigma2)


def test_local_slope_tends_to_predicted_beta():
    for kern, d, nu in [("laplace", 3, 1.0), ("ntk", 3, 0.75), ("ntk", 5, 1.0)]:
        tgt = smooth_target(d, nu, "even")
        lc = learning_curve(kern, tgt, np.logspace(1, 5, 17), rtol=1e-4)
        beta = lc.beta_predicted
        assert beta == pytest.approx(2 * nu / (d - 1))
        assert abs(lc.local_slope[-1] - beta) < 0.05 * beta, (kern, d, lc.local_slope)
        assert lc.n_asymptotic() is not None and lc.n_asymptotic() <= 1e5
        # slope matches a finite difference of the curve itself
        lc2 = learning_curve(kern, tgt, lc.n * 1.01, rtol=1e-4)
        fd = -np.log(lc2.gen_error / lc.gen_error) / math.log(1.01)
        assert np.allclose(fd, 0.5 * (lc.local_slope + lc2.local_slope), atol=2e-3)


def test_parity_mismatch_plateaus():
    lc = learning_curve("ntk", smooth_target(3, 1.0, "all"), [1e3, 1e4], rtol=1e-4)
    assert lc.beta_predicted == 0.0 and lc.local_slope[-1] < 0.05


def test_per_degree_decomposition_and_json():
    tgt = smooth_target(5, 1.0, "even")
    lc = learning_curve("ntk", tgt, [10.0, 100.0, 1000.0], noise=0.01)
    per = lc.per_degree_error()
    total = per.sum(axis=1) + lc.e0 * lc.tail_mass_target + 0.01 * (lc.e0 - 1)
    assert np.allclose(total, lc.gen_error, rtol=1e-8)
    lk = lc.learnability([0, 2, 4])
    assert (np.diff(lk, axis=0) > 0).all()  # learnability grows with n
    assert lc.learned_degrees(0.5)[0][0] == 0
    out = json.loads(json.dumps(lc.to_dict()))
    assert out["definition"] == TEST_ERROR_DEFINITION and len(out["rows"]) == 3
    assert set(out["rows"][0]) >= {"n", "test_mse", "gen_error", "local_slope"}
    assert max(r["tail_bound"] for r in out["rows"]) <= 1e-6


def test_high_dimension_curve_is_fast():
    tgt = smooth_target(100, 2.0, "even")
    n = np.logspace(1, 7, 100)
    learning_curve("ntk", tgt, n, kmax=10_000)  # warm caches (decay law)
    t0 = time.perf_counter()
    lc = learning_curve("ntk", tgt, n, kmax=10_000)
    assert time.perf_counter() - t0 < 0.5  # ~50 ms on a laptop; generous for CI
    assert np.isfinite(lc.gen_error).all() and (np.diff(lc.gen_error) < 0).all()


def test_accuracy_error_when_truncation_too_small():
    with pytest.raises(sb.AccuracyError):
        learning_curve("ntk", smooth_target(3, 1.0, "even"), [1e4], kmax=16)
    with pytest.raises(sb.InputError):
        learning_curve("relu", smooth_target(3, 1.0), [10])  # not PSD


def test_staircase_large_d():
    d = 30
    lk = staircase("ntk", d, [d**1.5, d**2.25], kmax=3)
    assert lk[0, 1] >= 0.85 and lk[0, 2] <= 0.3  # n = d^1.5: degree 1 (mostly) learned, 2 not
    assert lk[1, 2] >= 0.85  # n = d^2.25: degree 2 learned
    d = 100
    lk = staircase("arccos1", d, [d**1.5, d**2.25], kmax=3)
    assert lk[0, 1] >= 0.95 and lk[0, 2] <= 0.3 and lk[1, 2] >= 0.95
    assert learned_degrees("ntk", 30, [30**1.5, 30**2.25]) == [[0, 1], [0, 1, 2]]
