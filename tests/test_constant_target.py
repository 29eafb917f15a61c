"""The constant target f* = 1 (nu_t = inf, arXiv 2206.12314 Fig. 4): beta = 2 alpha/(d-1).

Three routes to the same exponents: the closed forms (d+2)/(d-1), 2d/(d-1),
2(d+2)/(d-1) written out here; ``predict`` (decay laws of the spectra); the local
slope of the eigenlearning curve of the constant target at large n (a numerical
solution of the kappa equation on the exact spectra), and, at small n, the
infinite-width solvers of ``validate`` (min variation-norm interpolation and NTK
regression on labels y = 1) with fitted exponents.
"""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import specbias
from specbias.cli import _predict as cli_predict
from specbias.cli import app
from specbias.theory import _predict, _targets
from specbias.validation import _targets_sample

runner = CliRunner()


# ------------------------------------------------------------------------ predict
@pytest.mark.parametrize("d", [2, 3, 5, 10])
def test_predict_constant_closed_forms(d):
    p = specbias.predict(d, math.inf)
    beta = {r.regime: r.beta for r in p.predictions}
    assert beta["feature"] == pytest.approx((d + 2) / (d - 1), rel=1e-12)  # relu: (d+2)/2
    assert beta["lazy-ntk"] == pytest.approx(2 * d / (d - 1), rel=1e-12)  # ntk: d
    assert beta["lazy-rf"] == pytest.approx(2 * (d + 2) / (d - 1), rel=1e-12)  # arccos1
    assert all(r.limited_by == "atoms" for r in p.predictions)
    out = p.to_dict()
    assert out["nu_t"] is None and out["target"].startswith("constant")
    json.dumps(out, allow_nan=False)


def test_predict_constant_is_the_limit_of_smooth_targets():
    for d in (3, 5):
        big = specbias.predict(d, 1e6)
        const = specbias.predict(d, math.inf)
        assert [r.beta for r in big.predictions] == [r.beta for r in const.predictions]


def test_predict_constant_faster_than_power_kernel_is_json_null():
    out = specbias.predict(3, math.inf, kernels=("gaussian",)).to_dict()
    assert out["predictions"][1]["beta"] is None  # faster than any power of n
    json.dumps(out, allow_nan=False)


def test_atoms_without_degree_zero_plateau(monkeypatch):
    zero = specbias.eigenvalues("relu", 3, 3)  # sign[3] = 0: borrow that entry as mu_0 = 0
    fake = type(zero)(**{**zero.__dict__, "sign": zero.sign[3:4], "k": zero.k[:1]})
    monkeypatch.setattr(_predict, "eigenvalues", lambda *a, **k: fake)
    r = specbias.exponent(3, math.inf, "relu")
    assert r.beta == 0.0 and r.limited_by == "parity" and "mu_0 = 0" in r.note


@pytest.mark.parametrize("parity", ["odd", "all"])
def test_constant_target_needs_even_parity(parity):
    with pytest.raises(specbias.InputError, match="constant target"):
        specbias.predict(3, math.inf, target_parity=parity)
    with pytest.raises(specbias.InputError, match="constant target"):
        specbias.exponent(3, math.inf, "ntk", parity)


@pytest.mark.parametrize("nu", [math.nan, -math.inf, 0.0, -2.0, "inf", True])
def test_bad_nu_refused_with_the_inf_hint(nu):
    with pytest.raises(specbias.InputError, match=r"or inf \(the constant target\)"):
        specbias.predict(3, nu)


# ------------------------------------------------------------------- eigenlearning
@pytest.mark.parametrize(
    ("d", "kern", "regime", "n"),
    [
        (3, "ntk", "lazy-ntk", 1e4),
        (5, "ntk", "lazy-ntk", 1e5),
        (3, "arccos1", "lazy-rf", 1e4),
        # a PSD kernel with relu's alpha at d = 3 ((d+2)/2 = 2a + d, a = -1/4): the
        # feature regime read as kernel regression with the activation's decay
        (3, "abs-power-rf:a=-0.25", "feature", 1e3),
        (3, "laplace", "lazy-ntk", 1e4),  # alpha = d too
    ],
)
def test_eigenlearning_slope_of_the_constant_target(d, kern, regime, n):
    """-dlog eps/dlog n of the eigenlearning curve tends to predict's beta."""
    target = specbias.smooth_target(d, math.inf)
    lc = specbias.learning_curve(kern, target, [n], rtol=1e-4)
    beta = specbias.predict(d, math.inf).regime(regime).beta
    assert specbias.decay_law(kern, d).alpha == pytest.approx(beta * (d - 1) / 2)
    assert lc.beta_predicted == pytest.approx(beta)
    assert lc.local_slope[0] == pytest.approx(beta, rel=0.01)


def test_constant_target_routes_agree():
    """smooth_target(d, inf), constant_target and a user spectrum [1] give one curve,
    and gen_error is the degree-0 residual E0 (kappa/(mu_0 + kappa))^2."""
    n = [30.0, 100.0, 300.0]
    curves = [
        specbias.learning_curve("ntk", t, n, rtol=1e-4)
        for t in (
            specbias.smooth_target(3, math.inf, "even"),
            specbias.constant_target(3),
            specbias.spectrum_target([1.0], 3),
        )
    ]
    for lc in curves[1:]:  # each certified to rtol = 1e-4 (own truncation degree K)
        np.testing.assert_allclose(lc.gen_error, curves[0].gen_error, rtol=2e-4)
    lc = curves[0]
    mu0 = float(specbias.eigenvalues("ntk", 3, 0).values[0])
    residual = lc.e0 * (lc.kappa / (mu0 + lc.kappa)) ** 2
    np.testing.assert_allclose(lc.gen_error, residual, rtol=1e-12)
    assert lc.target == "constant" and lc.to_dict()["nu_t"] is None


def test_constant_target_object():
    t = specbias.constant_target(4, "all")
    assert (t.nu_t, t.parity, t.variance, t.tail_mass(0)) == (math.inf, "even", 1.0, 0.0)
    assert t.degree_parity(10) == "even" and t.log_c(0).tolist() == [0.0]
    with pytest.raises(specbias.InputError, match="odd"):
        specbias.smooth_target(3, math.inf, "odd")


# ------------------------------------------------------------------------ validate
def test_validate_constant_target_limits():
    """Infinite-width solvers on labels y = 1: fitted exponents against the theory."""
    cfg = specbias.ValidationConfig(
        d=3, nu_t=math.inf, n_values=(16, 32, 64), seeds=4, solver="limit", n_test=128
    )
    res = specbias.run_validation(cfg, jobs=2)
    feat, lazy = res.curve("feature", "limit"), res.curve("lazy", "limit")
    assert (feat.beta_predicted, lazy.beta_predicted) == (2.5, 3.0)
    # feature: the asymptotic (d+2)/(d-1), reached early (its eigenlearning proxy is
    # within 0.01 of it from n = 16 on)
    assert feat.fit.ci_low <= 2.5 <= feat.fit.ci_high or abs(feat.fit.beta - 2.5) < 0.35
    # lazy: NTK regression against the eigenlearning curve over the same n (3.8 here,
    # pre-asymptotic: the local slope is 4.6 at n = 16 and 3.2 at n = 128)
    theory = specbias.learning_curve("ntk", specbias.constant_target(3), cfg.n_values, rtol=1e-4)
    slope = -np.polyfit(np.log(cfg.n_values), np.log(theory.gen_error), 1)[0]
    assert lazy.fit.ci_low <= slope <= lazy.fit.ci_high or abs(lazy.fit.beta - slope) < 0.35
    ratio = lazy.mean / theory.gen_error
    assert np.all((ratio > 0.2) & (ratio < 5)), ratio
    assert lazy.fit.beta > feat.fit.beta  # feature learning is worse on the constant
    out = res.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["config"]["nu_t"] is None and out["config"]["teacher"] == "constant"
    assert "y = 1" in out["label_convention"] and "(f(x) - 1)^2" in out["test_error_definition"]


def test_constant_labels_and_noise():
    rng = np.random.default_rng(0)
    x = specbias.validation.sample_sphere_np(5, 3, rng=rng)
    s = specbias.sample_target(rng, x, x[:2], "constant")
    assert s.y_train.tolist() == [1.0] * 5 and s.y_test.tolist() == [1.0] * 2 and s.jitter == 0
    noisy = specbias.sample_target(np.random.default_rng(1), x, x[:2], "constant", noise=0.25)
    assert not np.allclose(noisy.y_train, 1.0) and noisy.y_test.tolist() == [1.0] * 2
    assert _targets_sample.target_variance("constant") == 1.0


@pytest.mark.parametrize("solver", ["train", "both"])
def test_constant_target_refuses_the_mean_field_protocol(solver):
    with pytest.raises(specbias.InputError, match=r"got protocol 'mean-field'"):
        specbias.ValidationConfig(
            d=3, nu_t=math.inf, n_values=(8, 16), solver=solver, feature_protocol="mean-field"
        )
    args = ["validate", "--d", "3", "--nu", "inf", "--solver", solver, "--protocol", "mean-field"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    # the lazy regime alone needs no feature protocol
    specbias.ValidationConfig(
        d=3,
        nu_t=math.inf,
        n_values=(8, 16),
        solver=solver,
        regimes=("lazy",),
        feature_protocol="mean-field",
    )


#: trained / limit error on the same draw: the L1 net reaches the least-l1 optimum
#: (its error within 10%, as in test_validation_sliding); the lazy ensemble of 4 nets
#: at H = 4096 carries a finite-width excess (measured 9-10% at n <= 32; 28% at H = 1024).
CONSTANT_TRAINED_RTOL = {"feature": 0.10, "lazy": 0.20}


@pytest.mark.slow  # JAX lazy nets at H = 4096: ~15 CPU-s, once in CI's slow step
def test_trained_nets_on_the_constant_target():
    """Trained nets learn f* = 1 (the paper's Fig. 4 runs use the L1 protocol), and
    each trained error sits on its own infinite-width limit on the same draws."""
    cfg = specbias.ValidationConfig(
        d=3,
        nu_t=math.inf,
        n_values=(16, 32),
        seeds=2,
        width=4096,
        width2=1024,
        ensemble=4,
        feature_width=256,
        feature_ensemble=1,
        design="nested",
        solver="both",
        n_test=256,
        seed=7,
    )
    res = specbias.run_validation(cfg, jobs=1)
    ratios = res.trained_over_limit()
    for regime, key in (("feature", "single"), ("lazy", "ensemble")):
        worst = max(abs(r - 1) for r in ratios[regime][key])
        assert worst <= CONSTANT_TRAINED_RTOL[regime], (regime, ratios[regime])
    feat = res.curve("feature", "train")
    assert np.all(feat.mean < 0.05)  # it learned the constant (MSE of f - 1)
    l1_rows = [r for r in res.runs if r["config"]["solver"] == "train"]
    assert l1_rows and all(np.isfinite(r["observables"]["test_error"]) for r in l1_rows)


# ------------------------------------------------------------------------------ CLI
@pytest.mark.parametrize("text", ["inf", "Inf", "infinity", "INFINITY", "+inf", " inf "])
def test_cli_nu_inf_spellings(text):
    result = runner.invoke(app, ["predict", "--d", "3", "--nu", text, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["nu_t"] is None and out["predictions"][0]["beta"] == 2.5


@pytest.mark.parametrize("text", ["nan", "NaN", "-inf", "-1", "0", "abc", "1e400", ""])
@pytest.mark.parametrize("command", ["predict", "validate"])
def test_cli_bad_nu_one_line(text, command):
    args = [command, "--d", "3", "--nu", text]
    if command == "validate":
        args += ["--n", "8,16", "--seeds", "2", "--solver", "limit"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nu" in lines[0], lines


def test_doctests():
    for module in (_predict, _targets, cli_predict, _targets_sample):
        assert doctest.testmod(module).failed == 0, module.__name__
