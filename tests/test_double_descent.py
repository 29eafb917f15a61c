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
from specbias.theory._mei_montanari import (
    chi_ridgeless,
    e0_expanded,
    nu_pair,
    risk_polynomials,
    solve_chi,
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
    tanh = activation_constants("expr:tanh(t)", 100)  # applied as tanh(10 t)
    assert tanh.mu0_sq < 1e-20 and abs(tanh.mu1_sq - 0.6057**2) < 0.01  # E[G tanh G]^2
    with pytest.raises(specbias.InputError):
        activation_constants("laplace", 50)
    with pytest.raises(specbias.InputError):
        target_constants((1.0, -1.0), 50)


def test_e0_vanishes_at_threshold():
    zeta_sq = activation_constants("relu", D).zeta_sq
    for psi in (0.1, 0.5, 1.0, 3.0, 10.0, 100.0):
        chi = solve_chi(psi, psi, 0.0, zeta_sq)
        assert chi == chi_ridgeless(psi, zeta_sq)
        assert abs(risk_polynomials(chi, psi, psi, zeta_sq, ridgeless=True)[0]) < 1e-12
        # Q evaluated at the rounded chi instead: ~1e-16 of E0's psi^4-sized terms
        e0 = risk_polynomials(chi, psi, psi, zeta_sq)[0]
        assert abs(e0) < 1e-12 * max(1.0, psi) ** 4
        assert abs(rf_point(psi, psi, 0.0, zeta_sq)["D"]) < 1e-12
        above = rf_point(psi * (1 + 1e-9), psi, 0.0, zeta_sq)["D"]
        assert 0 < above < 1e-6  # continuous from the overparametrized side
    r = specbias.double_descent("relu", D, N_SAMPLES, [N_SAMPLES])
    assert np.isinf(r.risk[0]) and np.isinf(r.risk_two_step[0])


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


def test_fixed_point_branch_and_two_routes_agree():
    """nu = i a, a > 0 solves Definition 1; MM polynomials = two-step derivation to 1e-8."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        p1, p2 = np.exp(rng.uniform(-2, 3, 2))
        z = float(np.exp(rng.uniform(-1.5, 1.5)))
        lb = float(np.exp(rng.uniform(-8, 2))) if rng.uniform() < 0.8 else 0.0
        chi = solve_chi(p1, p2, lb, z)
        e0, e1, e2 = risk_polynomials(chi, p1, p2, z, ridgeless=lb == 0)
        assert math.isclose(e0, e0_expanded(chi, p1, p2, z), rel_tol=1e-9, abs_tol=1e-9)
        pt = rf_point(p1, p2, lb, z)
        assert math.isclose(e1 / e0, pt["B"] / pt["D"], rel_tol=1e-8)
        assert math.isclose(e2 / e0, 1 / pt["D"] - 1, rel_tol=1e-8, abs_tol=1e-12)
        if lb > 0:
            n1, n2 = nu_pair(p1, p2, lb, z)
            xi = 1j * math.sqrt(p1 * p2 * lb)
            assert n1.imag > 0 and n2.imag > 0
            den = 1 - z * n1 * n2
            assert abs(n1 - p1 / (-xi - n2 - z * n2 / den)) < 1e-9 * abs(n1)
            assert abs(n2 - p2 / (-xi - n1 - z * n1 / den)) < 1e-9 * abs(n2)


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


def test_kernel_limit_with_noise_converges_like_one_over_d():
    """With label noise the finite-d kernel curve differs by O(1/d) (degree-2 modes are
    not yet white noise at d = 100: 7.6% at psi2 = 3); the gap falls ~4x per 4x in d."""
    gaps = []
    for d in (100, 400, 1600):
        target = specbias.spectrum_target(np.array([0.0, 1.0 / d]), d)
        n = 3.0 * d
        r = specbias.double_descent("relu", d, n, 1e6 * d, noise=0.1, target=target)
        lc = specbias.learning_curve("arccos1", target, [n], noise=0.1)
        gaps.append(abs(r.risk[0] / lc.gen_error[0] - 1))
    assert gaps[0] < 0.1 and gaps[1] < gaps[0] / 3 and gaps[2] < gaps[1] / 3 and gaps[2] < 0.01
