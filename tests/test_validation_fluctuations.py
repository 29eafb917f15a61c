"""Fluctuations over initializations and ensembling (validation/_fluctuations*.py).

Two routes per claim: the closed-form tangent Gram of the one- and two-hidden-layer
nets against ``jax.jacrev`` (and, at depth 1, against ``_flow.tangent_gram``); at large
width against the ``ntk`` / ``ntk:depth=2`` kernels of the spectra layer; the lazy
(``alpha = inf``) member against the real net trained at finite alpha (by the package's
ETD1 trainer at depth 1, by Gauss-Newton steps at depth 2); the function-space hinge
flow against parameter-space gradient descent of the real net; the ensemble gap
against the variance (an identity).  The scaling laws themselves are the slow paper
check ``geiger_2019``.
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from typer.testing import CliRunner

from specbias._errors import InputError
from specbias.cli._app import app
from specbias.paper_checks import geiger_2019
from specbias.validation import FluctuationFit, FluctuationResult, fluctuations
from specbias.validation import _fluctuations_net as net
from specbias.validation._flow import tangent_gram as flow_gram
from specbias.validation._flow import train_flow
from specbias.validation._fluctuations_hinge import hinge_flow
from specbias.validation._limits import gram_matrix
from specbias.validation._network import NetConfig
from specbias.validation._network import apply as apply1
from specbias.validation._network import init_params as init1
from specbias.validation._sphere import sample_sphere_np

pytestmark = pytest.mark.usefixtures("jax_float64")

#: round-off of the closed-form Gram against the Jacobian product (sums of ~H terms)
GRAM_RTOL = 1e-12
#: |Theta_H - Theta_inf| is O(H^-1/2) with a constant ~2-4 (measured 1.8/sqrt(H) at
#: H = 4096 for depth 2, 0.9/sqrt(H) for depth 1); a wrong layer weight gives O(0.1-1)
LIMIT_CONST = 4.0
#: trained net at alpha vs its alpha = inf linearization: O(1/alpha) relative
ALPHA = 1e4
LAZY_RTOL = 1e-3
#: the same for whole-run statistics at H = 16..32 (the variance is a difference of
#: nearby functions: measured 1.9e-3 at alpha = 1e4); a wrong member is off by O(1)
PIPELINE_RTOL = 1e-2


def _data(n, d=4, m=30, seed=0):
    rng = np.random.default_rng(seed)
    x, xt = sample_sphere_np(n, d, rng=rng), sample_sphere_np(m, d, rng=rng)
    return jnp.asarray(x), jnp.asarray(np.cos(2 * x[:, 0]) + x[:, 1]), jnp.asarray(xt)


@pytest.mark.slow  # jax.jacrev of both nets: ~8 CPU-s
def test_tangent_gram_matches_jacobian():
    x, _, xt = _data(5)
    for depth, width in ((1, 24), (2, 12)):
        p = net.init_params(depth, width, 4, key=jax.random.key(depth))
        want = net.empirical_gram(p, x, xt[:4])
        got = net.tangent_gram(p, x, xt[:4])
        np.testing.assert_allclose(got, want, rtol=GRAM_RTOL, atol=1e-14)


def test_depth_one_is_the_package_net():
    """Same key -> same draws, same function and Gram as validation._network (xi = 1)."""
    x, _, xt = _data(5)
    cfg = NetConfig(32, 4, xi=1.0, alpha=2.0)
    key = jax.random.key(7)
    q0 = init1(cfg, key=key)
    p0 = net.init_params(1, 32, 4, key=key)
    np.testing.assert_array_equal(net.tangent_gram(p0, x, xt), flow_gram(q0, x, xt, cfg))
    moved = jax.tree.map(lambda a: a + 0.01, p0)
    q = q0._replace(theta=moved[0], w=moved[1])
    np.testing.assert_allclose(
        net.apply(moved, p0, xt, 2.0), apply1(q, q0, xt, cfg), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("depth, spec", [(1, "ntk"), (2, "ntk:depth=2")])
def test_gram_tends_to_the_ntk_kernel(depth, spec):
    width = 4096 if depth == 1 else 2048
    x, _, _ = _data(6)
    p = net.init_params(depth, width, 4, key=jax.random.key(3))
    err = np.abs(np.asarray(net.tangent_gram(p, x, x)) - gram_matrix(np.asarray(x), None, spec))
    assert err.max() < LIMIT_CONST / np.sqrt(width), err.max()


@pytest.mark.slow
def test_lazy_member_is_the_trained_net():
    """alpha = inf closed form == real nets trained at alpha = 1e4 (two trainers)."""
    x, y, xt = _data(12)
    key = jax.random.key(5)
    cfg = NetConfig(128, 4, xi=1.0, alpha=ALPHA)
    q0 = init1(cfg, key=key)
    flow = train_flow(q0, x, y, cfg, rel_tol=1e-10)
    lazy1 = net.lazy_predict(net.init_params(1, 128, 4, key=key), x, y, xt)
    got1 = apply1(flow.params, q0, xt, cfg)
    assert float(jnp.linalg.norm(got1 - lazy1) / jnp.linalg.norm(lazy1)) < LAZY_RTOL
    p0 = net.init_params(2, 64, 4, key=key)
    p, rel = net.train_gauss_newton(p0, x, y, ALPHA)
    assert float(rel) < 1e-8
    lazy2 = net.lazy_predict(p0, x, y, xt)
    got2 = net.apply(p, p0, xt, ALPHA)
    assert float(jnp.linalg.norm(got2 - lazy2) / jnp.linalg.norm(lazy2)) < LAZY_RTOL


@pytest.mark.slow
def test_hinge_flow_is_gradient_descent_of_the_net():
    x, y, xt = _data(10)
    lab = jnp.sign(y)
    p0 = net.init_params(1, 64, 4, key=jax.random.key(2))
    gram = net.tangent_gram(p0, x, x)
    steps = 300
    f_fun, ratio = hinge_flow(gram, net.tangent_gram(p0, xt, x), lab, steps=steps)
    dt = x.shape[0] / float(jnp.linalg.eigvalsh(gram)[-1])

    def loss(p):
        m = jax.nn.relu(1.0 - lab * net.apply(p, p0, x, ALPHA))
        return 0.5 * jnp.mean(m * m)

    grad = jax.jit(jax.grad(loss))
    p = p0
    for _ in range(steps):  # dp = -dt alpha^-2 grad L: the flow's parameter time
        p = jax.tree.map(lambda a, g: a - dt / ALPHA**2 * g, p, grad(p))
    f_par = net.apply(p, p0, xt, ALPHA)
    assert float(jnp.linalg.norm(f_par - f_fun) / jnp.linalg.norm(f_fun)) < LAZY_RTOL
    assert float(ratio) < 1e-6  # separable in the kernel's span: margins all reached


#: the tiny run shared by the library and CLI tests (same shapes: compiled once)
TINY = {"members": 3, "n": 8, "n_test": 20}


def _check_rows(rows, classify):
    for row in rows:  # averaging removes exactly the fluctuation: an identity
        gap = row["single_mse"] - row["ensemble_mse"]
        assert gap == pytest.approx((1 - 1 / row["members"]) * row["variance"], rel=1e-10)
        if classify:
            assert 0 <= row["ensemble_err"] <= 1 and row["hinge_loss_ratio"] < 1e-6


def test_tiny_run_identities_and_store(tmp_path):
    path = str(tmp_path / "fl.sqlite")
    r = fluctuations([16, 32], depths=[1], classify=True, store=path, n_boot=20, **TINY)
    assert [(row["depth"], row["width"]) for row in r.rows] == [(1, 16), (1, 32)]
    _check_rows(r.rows, True)
    assert [row["params"] for row in r.rows] == [16 * 6, 32 * 6]
    assert {(f.depth, f.against) for f in r.fits} == {(1, "width"), (1, "params")}
    again = fluctuations([16, 32], depths=[1], classify=True, store=path, n_boot=20, **TINY)
    assert again.rows == r.rows  # read back from the store, same numbers


@pytest.mark.slow
def test_tiny_run_two_layers_and_trained_nets():
    """Depth 2; and the whole pipeline with real nets (alpha = 1e4, Gauss-Newton) against
    the alpha = inf members: every statistic agrees to O(1/alpha)."""
    r = fluctuations([8, 16], depths=[2], classify=True, n_boot=20, **TINY)
    _check_rows(r.rows, True)
    assert r.rows[0]["params"] == 8 * 5 + 64 + 8
    lazy = fluctuations([16, 32], depths=[1, 2], n_boot=20, **TINY)
    real = fluctuations([16, 32], depths=[1, 2], alpha=ALPHA, n_boot=20, **TINY)
    for a, b in zip(lazy.rows, real.rows, strict=True):
        assert b["gn_residual"] < 1e-8
        for key in ("variance", "single_mse", "ensemble_mse"):
            assert b[key] == pytest.approx(a[key], rel=PIPELINE_RTOL), key


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"widths": [16]}, "strictly increasing"),
        ({"widths": [16, 8]}, "strictly increasing"),
        ({"widths": [8, 16], "depths": [3]}, "depth"),
        ({"widths": [8, 16], "members": 1}, "members >= 2"),
        ({"widths": [8, 16], "alpha": -1.0}, "alpha"),
        ({"widths": [8, 16], "teacher": "nope"}, "nope"),
        ({"widths": [10**5, 10**6], "depths": [2]}, "budget"),
    ],
)
def test_bad_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        fluctuations(**{"n": 8, "n_test": 8, **kwargs})


def test_cli_json_plot_and_errors(tmp_path):
    runner = CliRunner()
    png = tmp_path / "fl.png"
    args = ["fluctuations", "--widths", "16,32", "--depths", "1", "--members", "3", "--n", "8"]
    res = runner.invoke(app, [*args, "--n-test", "20", "--json", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [r["width"] for r in out["rows"]] == [16, 32] and png.stat().st_size > 0
    res = runner.invoke(app, [*args, "--n-test", "20"])
    assert res.exit_code == 0 and "ensemble MSE" in res.output and "slope" in res.output
    bad = runner.invoke(app, ["fluctuations", "--widths", "8", "--depths", "1"])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and "error:" in bad.output


def test_paper_check_rows_fail_on_wrong_slopes():
    def result(slope1, slope2, rel):
        fits = [
            FluctuationFit(1, "width", slope1, slope1 - 0.01, slope1 + 0.01, -1.0, (1, 2)),
            FluctuationFit(2, "params", slope2, slope2 - 0.01, slope2 + 0.01, -0.5, (1, 2)),
        ]
        rows = [{"depth": 1, "width": 1024, "ensemble_vs_ntk": rel}]
        return FluctuationResult({}, rows, fits)

    assert all(r["passed"] for r in geiger_2019.check_rows(result(-1.0, -0.5, 0.001)))
    # the N^(-1/2) law at depth 1 (slope in N == slope in H there), N^(-1) at depth 2
    bad = geiger_2019.check_rows(result(-0.5, -1.0, 0.05))
    assert not any(r["passed"] for r in bad)
