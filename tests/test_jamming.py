"""Jamming sweeps (arXiv 1810.09665): hinge gradient, convergence, bisection, store, CLI.

Two routes each: the hand-written gradient against ``jax.grad`` of the same loss; the
reported loss against the loss recomputed from the gaps; zero loss against the margins
recomputed from the returned parameters; a stuck end point against the first-order
condition (gradient ~ 0) and the scale condition sum_Delta (1 - yf) yf = 0; N* from
the bisection against a linear scan; ensemble errors recomputed from the stored outputs.
The full paper check (``spigler_2018``) runs once in the slow suite.
"""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from typer.testing import CliRunner

import specbias
from specbias.cli._app import app
from specbias.paper_checks import spigler_geiger_dascoli_2018_jamming as check_mod
from specbias.validation import (
    _jamming,
    _jamming_data,
    _jamming_sat,
    _jamming_study,
    _jamming_train,
)
from specbias.validation._jamming_train import MARGIN_TOL, fit_hinge, hinge_loss_and_grad
from specbias.validation._store import ResultStore

pytestmark = pytest.mark.usefixtures("jax_float64")

#: float64 gradients of the same expression by two codes: round-off only
GRAD_RTOL = 1e-10
#: a stuck L-BFGS end point is stationary in the smooth directions (w) to this gradient
#: norm (pgtol 1e-14; restarts stop at a relative loss decrease of 1e-12)
STATIONARY_TOL = 1e-6


def _sphere(P, d, seed):
    return specbias.validation.sample_sphere_np(P, d, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("activation", ["leaky-relu", "relu"])
def test_gradient_matches_jax(activation):
    import jax
    import jax.numpy as jnp

    P, d, H = 30, 4, 5
    x = _sphere(P, d, 0)
    y = np.where(np.random.default_rng(1).random(P) < 0.5, -1.0, 1.0)
    z = np.random.default_rng(2).standard_normal(H * d + H)
    slope = _jamming_train.activation_slope(activation)

    def loss(zz):
        th, w = zz[: H * d].reshape(H, d), zz[H * d :]
        pre = jnp.asarray(x) @ th.T
        f = jnp.where(pre > 0, pre, slope * pre) @ w / jnp.sqrt(float(H))
        return 0.5 * jnp.mean(jnp.maximum(0.0, 1.0 - jnp.asarray(y) * f) ** 2)

    value, grad = hinge_loss_and_grad(z, x, y, H, slope)
    assert value > 0
    np.testing.assert_allclose(value, float(loss(jnp.asarray(z))), rtol=GRAD_RTOL)
    np.testing.assert_allclose(
        grad, np.asarray(jax.grad(loss)(jnp.asarray(z))), rtol=GRAD_RTOL, atol=1e-14
    )


def test_zero_loss_fit_satisfies_every_margin():
    x = _sphere(40, 4, 3)
    y = np.where(x[:, 0] > 0, 1.0, -1.0)  # linearly separable through the origin
    fit = fit_hinge(x, y, 6, rng=np.random.default_rng(0))
    assert fit.converged and fit.zero_loss and fit.loss <= MARGIN_TOL**2
    margins = y * fit.predict(x)  # second route: from the returned parameters
    assert margins.min() >= 1.0 - MARGIN_TOL
    np.testing.assert_allclose(fit.gaps, margins - 1.0, rtol=0, atol=1e-12)


def test_stuck_fit_is_a_stationary_point():
    x = _sphere(60, 3, 4)
    y = np.where(np.random.default_rng(5).random(60) < 0.5, -1.0, 1.0)
    fit = fit_hinge(x, y, 2, rng=np.random.default_rng(1))  # N = 6 << P = 60: jammed
    assert fit.converged and not fit.zero_loss
    # the loss from the gaps, and stationarity of the returned parameters
    unsat = np.maximum(0.0, -fit.gaps)
    np.testing.assert_allclose(fit.loss, 0.5 * np.mean(unsat**2), rtol=1e-12)
    z = np.concatenate([fit.theta.ravel(), fit.w])
    _, grad = hinge_loss_and_grad(z, x, y, 2, fit.slope)
    # L is smooth in w at fixed theta (the kinks of sigma are in theta: a minimum may sit
    # on one, where the theta-gradient jumps), so the w-gradient must vanish
    assert np.linalg.norm(grad[fit.theta.size :]) < STATIONARY_TOL
    # homogeneity: d/dc L(c z) = 0 at c = 1 means sum over unsatisfied of (1 - yf) yf = 0
    yf = fit.gaps + 1.0
    scale = np.sum(unsat * yf) / np.sum(unsat)
    assert abs(scale) < STATIONARY_TOL * 10 and fit.n_unsatisfied >= fit.n_params


def test_gallop_and_bisect_finds_the_threshold():
    for true in range(1, 30):
        for guess in range(1, 35):
            calls: list[int] = []

            def monotone(h, calls=calls, true=true):
                calls.append(h)
                return h >= true

            found = _jamming._smallest_zero_width(monotone, guess, 99)
            assert found == true and len(calls) <= 2 * abs(guess - true).bit_length() + 3
    with pytest.raises(specbias.InputError, match="no zero loss"):
        _jamming._smallest_zero_width(lambda h: False, 4, 50)


def test_bisection_agrees_with_a_linear_scan():
    pt = _jamming.find_jamming(40, d=4, seeds=2, datasets=2, seed=3)
    for k, h_star in enumerate(pt.width_stars):
        data = _jamming.draw_data("random", 40, 4, seed=3, split=k, n_test=200)
        scan = [
            all(_jamming.train_run(data, w, s, seed=3, split=k).zero_loss for s in range(2))
            for w in range(1, h_star + 1)
        ]
        assert scan[-1] and not any(scan[:-1])
        assert len(pt.at(h_star - 1, k)) == 2  # first stuck width completed over the seeds
    assert pt.ratio == pytest.approx(40 / (np.mean(pt.width_stars) * 4))
    assert pt.stuck_fraction > 0
    # SAT fractions of the walk, recounted from the runs: every (data set, seed) at each width
    for w, frac in zip(pt.sat.widths, pt.sat.fraction, strict=True):
        at = pt.at(w)
        assert len(at) == 4 and frac == pytest.approx(np.mean([r.zero_loss for r in at]))
    assert len({(r.split, r.width, r.init) for r in pt.runs}) == len(pt.runs)  # none twice
    # the 1/2 point lies in its bracket, at or below the all-runs point
    lo = max(w for w, f in zip(pt.sat.widths, pt.sat.fraction, strict=True) if f < 0.5)
    assert lo <= pt.sat.width_half <= lo + 1 and pt.sat.width_half <= max(pt.width_stars)
    assert pt.ratio_half == pytest.approx(40 / (4 * pt.sat.width_half))
    below = pt.below_half()  # H_-: every run there, SAT fraction < 1/2, N_Delta/N recounted
    assert pt.width_below_half == lo and len(below) == 4
    assert np.mean([r.zero_loss for r in below]) < 0.5
    stuck = [r.n_unsatisfied / (4 * lo) for r in below if not r.zero_loss]
    assert pt.stuck_fraction_half == pytest.approx(np.mean(stuck))


def test_sweep_is_resumable_and_ensemble_recomputes(tmp_path, monkeypatch):
    db = tmp_path / "runs.sqlite"
    kw = {"ensemble": 3, "splits": 2, "d": 4, "n_test": 60, "seed": 1}
    with ResultStore(db) as store:
        first = _jamming.width_sweep("teacher", 30, [1, 6], store=store, **kw)
        assert len(store) == 12
    monkeypatch.setattr(_jamming, "fit_hinge", lambda *a, **k: pytest.fail("retrained"))
    with ResultStore(db) as store:
        again = _jamming.width_sweep("teacher", 30, [1, 6], store=store, **kw)
    np.testing.assert_array_equal(first.single_error, again.single_error)
    np.testing.assert_array_equal(first.ensemble_error, again.ensemble_error)
    # ensemble error of the last width, recomputed from the runs and the data
    last = [r for r in first.runs if r.width == 6]
    errs = []
    for k in range(2):
        data = _jamming.draw_data("teacher", 30, 4, seed=1, split=k, n_test=60)
        f = np.mean([r.f_test for r in last[3 * k : 3 * k + 3]], axis=0)
        errs.append(np.mean(np.sign(f) != data.y_test))
    assert first.ensemble_error[-1] == pytest.approx(np.mean(errs))


def test_data_tasks():
    rng = np.random.default_rng(0)
    t = _jamming_data.jamming_data("teacher", 100, 5, rng=rng, n_test=100)
    assert np.sum(np.concatenate([t.y, t.y_test]) > 0) == 100  # median split: balanced
    np.testing.assert_allclose(np.linalg.norm(t.x, axis=1), 1.0)
    if _jamming_data.digits_available():
        g = _jamming_data.jamming_data("digits", 500, 8, rng=rng, n_test=2000)
        assert g.x_test.shape == (1297, 8) and 0.4 < np.mean(g.y > 0) < 0.6
        np.testing.assert_allclose(np.linalg.norm(g.x_test, axis=1), 1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: _jamming_data.jamming_data("mnist", 10, 3, rng=np.random.default_rng()), "task"),
        (lambda: _jamming.find_jamming(10**5), "P <="),
        (lambda: _jamming.width_sweep("random", 64, [4096]), "widths"),
        (lambda: _jamming_train.activation_slope("tanh"), "activation"),
    ],
)
def test_bad_input_is_one_line(call, match):
    with pytest.raises(specbias.InputError, match=match) as err:
        call()
    assert "\n" not in str(err.value)


def test_peak_row_logic():
    widths = np.array([2, 4, 6, 8, 12, 16, 24, 32])  # H* = 8, large widths >= 24
    zero = np.array([0, 0, 0, 1, 1, 1, 1, 1], dtype=float)

    def verdict(single, ensemble):
        n = widths.size
        sweep = _jamming.WidthSweep(
            "teacher",
            256,
            8,
            widths,
            np.array(single),
            np.full(n, 0.002),
            np.array(ensemble),
            zero,
            np.zeros(n),
            [],
        )
        return check_mod.peak_row(sweep)["passed"]

    cusp = [0.25, 0.27, 0.29, 0.31, 0.30, 0.29, 0.28, 0.28]
    ens = [0.22, 0.24, 0.26, 0.265, 0.26, 0.26, 0.26, 0.26]
    assert verdict(cusp, ens)
    assert not verdict([0.25, 0.27, 0.29, 0.31, 0.31, 0.31, 0.31, 0.31], ens)  # no decay
    assert not verdict([0.40, 0.27, 0.29, 0.31, 0.30, 0.29, 0.28, 0.28], ens)  # no rise
    assert not verdict(cusp, [0.22, 0.24, 0.26, 0.29, 0.27, 0.26, 0.26, 0.26])  # ensemble keeps it


def test_cli_json_and_plot(tmp_path):
    out = tmp_path / "jam.png"
    args = [
        "jamming",
        "--P",
        "24",
        "--d",
        "4",
        "--seeds",
        "2",
        "--sweep-task",
        "teacher",
        "--sweep-P",
        "24",
        "--widths",
        "1,6",
        "--ensemble",
        "2",
        "--splits",
        "1",
        "--json",
        "--plot",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pt = data["points"][0]
    assert pt["P"] == 24 and pt["P_over_N_star_all"] == pytest.approx(24 / pt["N_star_all"])
    assert pt["P_over_N_star_half"] == pytest.approx(24 / pt["N_star_half"])
    assert "crosses 1/2" in pt["N_star_definition"]
    assert [r["width"] for r in data["sweep"]["rows"]] == [1, 6] and out.stat().st_size > 0


def test_cli_user_error():
    result = CliRunner().invoke(app, ["jamming", "--P", "12,x"])
    assert result.exit_code == 1 and result.stderr.strip().startswith("error: --P")


def test_doctests():
    for module in (_jamming, _jamming_train, _jamming_data, _jamming_study, _jamming_sat):
        assert doctest.testmod(module).failed == 0, module.__name__


@pytest.mark.slow
def test_spigler_2018_rows(paper_check_result):
    rows = paper_check_result(check_mod.CHECK_NAME).details
    ratios = [r for r in rows if r["quantity"] == "P/N*_1/2"]
    assert [r["P"] for r in ratios] == [128, 256]
    assert all(1.5 < r["value"] < 3.5 for r in ratios)  # the paper's window for P/N*


def test_study_sizes_refused_before_any_search(monkeypatch):
    """An oversized test-error sweep is refused before the N* searches train (it came
    after them: 1-2 s of training at P = 16, minutes at the check's P)."""
    from specbias.validation import _jamming_study

    def no_search(*a, **k):
        raise AssertionError("a search ran before the sweep's sizes were checked")

    monkeypatch.setattr(_jamming_study, "find_jamming", no_search)
    with pytest.raises(specbias.InputError, match="test-error sweep"):
        _jamming_study.jamming_study((16,), d=3, sweep_P=16, widths=(2, 4), ensemble=10**7)
