"""Random-features double descent (arXiv 1908.05355): constants, solver, simulation, limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import specbias
from specbias.theory._double_descent import (
    activation_constants,
    rf_point,
    solve_kappa_bar,
    target_constants,
)
from specbias.theory._rf_simulation import simulate_mean

D, N_SAMPLES = 100, 300


def test_relu_constants_at_d100_and_large_d():
    c = activation_constants("relu", 100)
    assert (round(c.mu0_sq, 6), round(c.mu1_sq, 6), round(c.mustar_sq, 6)) == (
        0.159953,
        0.25,
        0.090047,
    )
    a = activation_constants("arccos1", 100)  # the same random-feature kernel
    assert math.isclose(a.mu0_sq, c.mu0_sq, rel_tol=1e-12)
    assert math.isclose(a.mustar_sq, c.mustar_sq, rel_tol=1e-10)
    big = activation_constants("relu", 10**5)
    assert math.isclose(big.mu0_sq, 1 / (2 * math.pi), rel_tol=1e-4)
    assert math.isclose(big.mustar_sq, 0.25 - 1 / (2 * math.pi), rel_tol=1e-3)


def test_other_activations_and_refusals():
    for name in ("step", "relu-power:a=2", "abs-power:a=1.5", "abs-power-rf:a=1.5", "arccos2"):
        c = activation_constants(name, 50)
        assert c.mustar_sq > 0 and c.mu1_sq >= 0
    assert activation_constants("abs-power:a=1.5", 50).mu1_sq == 0  # even: no linear part
    with pytest.raises(specbias.InputError):
        activation_constants("laplace", 50)
    with pytest.raises(specbias.InputError):
        target_constants((1.0, -1.0), 50)


def test_denominator_vanishes_at_threshold():
    zeta_sq = activation_constants("relu", D).zeta_sq
    for psi in (0.5, 1.0, 3.0, 10.0):
        assert abs(rf_point(psi, psi, 0.0, zeta_sq)["D"]) < 1e-12
        above = rf_point(psi * (1 + 1e-9), psi, 0.0, zeta_sq)["D"]
        assert 0 < above < 1e-6  # continuous from the overparametrized side
    r = specbias.double_descent("relu", D, N_SAMPLES, [N_SAMPLES])
    assert np.isinf(r.risk[0])


def test_solver_unique_positive_root_and_continuity_in_ridge():
    zeta_sq = activation_constants("relu", D).zeta_sq
    for p1, p2 in ((0.6, 3.0), (6.0, 3.0), (1e6, 2.0)):
        k0 = solve_kappa_bar(p1, p2, 1e-14, zeta_sq)
        k1 = solve_kappa_bar(p1, p2, 0.0, zeta_sq)
        assert k0 >= 0 and abs(k0 - k1) <= 1e-5 * (1 + k1)
    # risk is continuous as the ridge -> 0 (underparametrized: kappa_bar -> 0)
    r0 = specbias.double_descent("relu", D, N_SAMPLES, 60).risk[0]
    r1 = specbias.double_descent("relu", D, N_SAMPLES, 60, ridge=1e-12).risk[0]
    assert math.isclose(r0, r1, rel_tol=1e-6)


@pytest.mark.parametrize(
    "kw",
    [{}, {"ridge": 1e-3}, {"noise": 0.1, "target": (1.0, 0.2)}],
    ids=["ridgeless", "ridge1e-3", "noise0.1"],
)
def test_simulation_within_10_percent(kw):
    """d = 100, n = 300, 4 seeds, N/n outside [2/3, 3/2] (about 15 s per case on 2 cores)."""
    ns = (60, 600, 1500)
    theory = specbias.double_descent("relu", D, N_SAMPLES, list(ns), **kw).risk
    for big_n, th in zip(ns, theory, strict=True):
        mean, _ = simulate_mean("relu", D, N_SAMPLES, big_n, n_test=1000, **kw)
        assert abs(mean / th - 1) < 0.10, (big_n, mean, th)


@pytest.mark.parametrize("ridge", [0.0, 1e-3])
def test_kernel_limit_meets_learning_curve(ridge):
    """psi1 = 1e6: kernel ridge regression, kernel arccos1, ridge n lambda/d, c_1 = F1^2/d."""
    target = specbias.spectrum_target(np.array([0.0, 1.0 / D]), D)
    for psi2 in (0.5, 1.0, 2.0, 3.0):
        n = psi2 * D
        r = specbias.double_descent("relu", D, n, 1e6 * D, ridge=ridge, target=target)
        lc = specbias.learning_curve("arccos1", target, [n], ridge=n * ridge / D)
        assert abs(r.risk[0] / lc.gen_error[0] - 1) < 0.05


def test_to_dict_states_conventions():
    out = specbias.double_descent("relu", D, N_SAMPLES, [150, 300], ridge=1e-3).to_dict()
    assert "N lambda/d" in out["conventions"] and out["reference"] == "arXiv:1908.05355"
    assert len(out["rows"]) == 2 and out["rows"][0]["test_mse"] == out["rows"][0]["risk"]


def test_cli_table_json_and_plot(tmp_path):
    import json

    from typer.testing import CliRunner

    from specbias.cli._app import app

    runner = CliRunner()
    out = runner.invoke(app, ["double-descent", "--d", "100", "--N", "150,600", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [round(r["risk"], 3) for r in data["rows"]] == [0.617, 0.171]
    assert "N lambda/d" in data["conventions"]
    png = tmp_path / "dd.png"
    out = runner.invoke(app, ["double-descent", "--d", "100", "--N", "600", "--plot", str(png)])
    assert out.exit_code == 0 and png.stat().st_size > 0 and "conventions" in out.output
    bad = runner.invoke(app, ["double-descent", "--d", "100", "--activation", "laplace"])
    assert bad.exit_code == 1 and "error:" in bad.output
