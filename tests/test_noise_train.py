"""Train error and label noise: theory vs simulated kernel regression, and the noise rules.

Simulation route: kernel (ridge) regression on points uniform on S^{d-1} with a
Gaussian-field teacher drawn exactly (validation layer: sample_target,
kernel_regression), label noise of variance noise * Var f* (the relative convention).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import specbias as sb
from specbias.cli import app
from specbias.cli._output_curve import noise_lines
from specbias.theory._noise import noise_crossover, noise_exponents, optimal_ridge_curve
from specbias.validation import kernel_regression, sample_sphere_np, sample_target

runner = CliRunner()
TEACHER = "arccos1"
SEEDS = 10
#: Eigenlearning is exact as n -> inf; at n <= 256 on the sphere: 3 standard errors + 10%
#: (the issue's tolerance; the same as tests/test_learning_curve.py).
SE, SYSTEMATIC = 3.0, 0.10


def _simulate(kern, d, n, seed, *, ridge, noise_rel, n_test=300):
    """(clean test MSE, train MSE on the noisy labels) of one kernel regression run."""
    rng = np.random.default_rng([seed, n, d])
    x, xt = sample_sphere_np(n, d, rng=rng), sample_sphere_np(n_test, d, rng=rng)
    var = sb.kernel(TEACHER).phi(1.0)  # Var f* = K_T(1)
    s = sample_target(rng, x, xt, TEACHER, noise=noise_rel * var)
    pred = kernel_regression(x, s.y_train, np.vstack([x, xt]), kern, ridge).prediction
    return np.mean((pred[n:] - s.y_test) ** 2), np.mean((pred[:n] - s.y_train) ** 2)


def _close(sim: np.ndarray, theory: float) -> bool:
    se = np.std(sim, ddof=1) / math.sqrt(sim.size)
    return abs(np.mean(sim) - theory) <= SE * se + SYSTEMATIC * theory


@pytest.mark.parametrize(
    "d,ns",
    [
        (3, [128]),
        pytest.param(3, [64, 256], marks=pytest.mark.slow),
        pytest.param(5, [64, 256], marks=pytest.mark.slow),
    ],
)
def test_train_mse_matches_simulation(d, ns):
    ridge, noise = 1.0, 1.0  # noise-dominated: the relative convention matters
    lc = sb.learning_curve("ntk", sb.teacher_target(TEACHER, d), ns, ridge=ridge, noise=noise)
    for i, n in enumerate(ns):
        runs = np.array(
            [_simulate("ntk", d, n, s, ridge=ridge, noise_rel=noise) for s in range(SEEDS)]
        )
        assert _close(runs[:, 1], lc.train_mse[i]), (d, n, runs[:, 1].mean(), lc.train_mse[i])
        assert _close(runs[:, 0], lc.gen_error[i]), (d, n, runs[:, 0].mean(), lc.gen_error[i])
    # definition: (lambda/(n kappa))^2 test_mse, 0 ridgeless
    assert np.allclose(lc.train_mse, (ridge / (lc.n * lc.kappa)) ** 2 * lc.test_mse)
    ridgeless = sb.learning_curve("ntk", sb.teacher_target(TEACHER, d), ns, noise=noise)
    assert np.all(ridgeless.train_mse == 0)


@pytest.mark.slow  # 8 x 10 kernel regressions at n <= 256 (one is in the fast suite above)
@pytest.mark.parametrize("d,ridge", [(3, 0.0), (5, 0.0), (3, 1.0), (5, 1.0)])
def test_curve_noise_matches_simulation(d, ridge):
    noise, ns = 0.5, [64, 256]
    args = ["curve", "--d", str(d), "--target", f"teacher:{TEACHER}", "--n", "64,256"]
    res = runner.invoke(app, [*args, "--noise", str(noise), "--ridge", str(ridge), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert "RELATIVE" in out["noise_convention"] and out["noise_regimes"]["crossover_n"] > 0
    var = sb.teacher_target(TEACHER, d).variance
    assert out["noise_variance"] == pytest.approx(noise * var)
    for row, n in zip(out["rows"], ns, strict=True):
        runs = np.array(
            [_simulate("ntk", d, n, 50 + s, ridge=ridge, noise_rel=noise) for s in range(SEEDS)]
        )
        assert _close(runs[:, 0], row["gen_error"]), (d, ridge, n, runs[:, 0].mean(), row)


def test_noise_term_gaussian_design():
    """The noise term sigma^2 (E0 - 1) against Gaussian-design regression with the ntk's
    eigenvalues (the model the theory is exact for): 3 SE + 3%.  On the sphere the same
    term is ~12% lower at d = 3 (harmonics are not Gaussian; README)."""
    d, n, kmax = 3, 256, 60
    s = sb.eigenvalues("ntk", d, kmax)
    lam = np.repeat(s.values, [sb.harmonic_multiplicity(d, k) for k in range(kmax + 1)])
    lam = lam[lam > 0]
    tail = 1.0 - lam.sum()  # the rest of the trace acts as a ridge (isotropic part)
    vals = []
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        f, ft = rng.standard_normal((n, lam.size)), rng.standard_normal((500, lam.size))
        coef = np.linalg.solve((f * lam) @ f.T + tail * np.eye(n), rng.standard_normal(n))
        vals.append(np.mean(((ft * lam) @ f.T @ coef) ** 2))
    lc = sb.learning_curve("ntk", sb.smooth_target(d, 1.0), [n], rtol=1e-4)
    se = np.std(vals, ddof=1) / math.sqrt(SEEDS)
    assert abs(np.mean(vals) - (lc.e0[0] - 1)) <= 3 * se + 0.03 * (lc.e0[0] - 1)


def test_noise_rules_against_curves():
    d, tgt = 3, sb.smooth_target(3, 2.0, "even")
    ex = noise_exponents(d, 2.0, "ntk")
    assert (ex.a, ex.beta_noiseless, ex.beta_optimal_ridge) == (1.5, 2.0, 2 / 3)
    # ridgeless plateau: E0 - 1 -> a - 1 (continuum limit) on the exact spectrum
    lc = sb.learning_curve("ntk", tgt, [1e5], noise=0.01, rtol=1e-4)
    assert lc.e0[0] - 1 == pytest.approx(ex.plateau_factor, abs=0.005)
    # fixed ridge: local slope -> min(beta_0/a, 1 - 1/a) = 1/3
    lc = sb.learning_curve("ntk", tgt, [1e6], ridge=1.0, noise=0.01, rtol=1e-4)
    assert lc.local_slope[0] == pytest.approx(ex.beta_fixed_ridge, rel=0.03)
    # crossover: the curve's crossing vs the asymptotic (A/(sigma^2 (a-1)))^(1/beta_0)
    n_x, how = noise_crossover("ntk", tgt, 1e-6)
    a_sig = sb.learning_curve("ntk", tgt, [1e3], rtol=1e-4).gen_error[0] * 1e3**2
    assert how == "curve" and n_x == pytest.approx((a_sig / (1e-6 * 0.5)) ** 0.5, rel=0.02)


def test_optimal_ridge_is_a_minimum_and_slope_tends_to_beta_star():
    tgt, noise = sb.smooth_target(3, 2.0, "even"), 0.01
    lc = optimal_ridge_curve("ntk", tgt, [1e3, 1e4], noise, rtol=1e-4)
    assert lc.beta_predicted == pytest.approx(2 / 3)
    assert lc.local_slope[-1] == pytest.approx(2 / 3, rel=0.03)  # 0.657 at n = 1e4
    for i, n in enumerate(lc.n):  # second route: fixed-ridge curves around lambda*
        for f in (0.7, 1.4):
            other = sb.learning_curve("ntk", tgt, [n], ridge=f * lc.ridge[i], noise=noise)
            assert other.gen_error[0] > lc.gen_error[i]
    assert np.all(lc.ridge > 0) and lc.to_dict()["rows"][0]["ridge"] == lc.ridge[0]


def test_validate_noise_is_relative_and_keyed():
    from specbias.validation import ValidationConfig
    from specbias.validation._units import _noise_variance

    cfg = ValidationConfig(d=3, nu_t=3.5, solver="limit", noise=0.1)  # teacher |w.x|^3
    assert _noise_variance(cfg) == pytest.approx(0.1 * 15.0)  # K_T(1) = E (w.x)^6 = 15
    assert cfg.unit_config("lazy", "limit", 64, 0)["noise_convention"] == "relative"
    clean = ValidationConfig(d=3, nu_t=3.5, solver="limit")
    assert "noise_convention" not in clean.unit_config("lazy", "limit", 64, 0)


@pytest.mark.slow  # 32 kernel regressions at n <= 512 and the theory curves: ~10 s
def test_validate_noise_fitted_exponent_matches_noisy_prediction():
    from specbias.validation import ValidationConfig, run_validation

    cfg = ValidationConfig(
        d=3,
        nu_t=4.0,
        regimes=("lazy",),
        solver="limit",
        n_values=(64, 128, 256, 512),
        seeds=8,
        n_test=512,
        noise=0.1,
    )
    res = run_validation(cfg, jobs=1)
    curve = res.curve("lazy", "limit")
    pred = curve.noise_prediction
    assert curve.beta_predicted == pred["beta_effective"] < 0.5 * pred["beta_noiseless"]
    assert curve.in_ci, (curve.fit.beta, curve.fit.ci_low, curve.fit.ci_high, pred)
    out = json.loads(json.dumps(res.to_dict()))
    assert "RELATIVE" in out["noise_convention"] and out["curves"][0]["noise_prediction"]


def test_predict_noise_states_regime_boundaries():
    res = runner.invoke(app, ["predict", "--d", "3", "--nu", "2", "--noise", "0.01", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["kernel"]: r for r in json.loads(res.output)["noise"]}
    ntk = rows["ntk"]
    assert ntk["beta_optimal_ridge"] == pytest.approx(2 / 3) and ntk["plateau_factor"] == 0.5
    assert ntk["crossover_method"] == "curve" and 5 < ntk["crossover_n"] < 20
    text = "\n".join(noise_lines(ntk))  # what the table prints under it
    assert "crossover n ~" in text and "beta* = beta_0/(beta_0+1)" in text
    res = runner.invoke(app, ["curve", "--d", "3", "--nu", "2", "--n", "10", "--optimal-ridge"])
    assert res.exit_code == 1 and "--optimal-ridge needs --noise > 0" in res.output
