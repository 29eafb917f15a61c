"""Training layer: sphere sampling, network scalings, tangent kernel, adaptive GD.

Two routes for every claim: the empirical tangent kernel (jax.jacrev) against an explicit
per-neuron formula and against the closed-form ``ntk`` of the spectra layer; trained lazy
nets against numpy kernel ridgeless regression; the adaptive jitted loop against a fine
fixed-step run, against the Python-loop reference, and vmapped against separate runs.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import specbias
from specbias._errors import InputError
from specbias.validation._network import (
    NetConfig,
    Params,
    apply,
    empirical_ntk,
    init_ensemble,
    init_params,
)
from specbias.validation._observables import observables
from specbias.validation._sphere import sample_sphere, sample_sphere_np
from specbias.validation._train import train, train_ensemble
from specbias.validation._train_reference import train_reference
from specbias.validation._train_result import STOP_REASONS

pytestmark = pytest.mark.usefixtures("jax_float64")


D = 3
N_TRAIN = 30

# Monte Carlo std of one tangent-kernel entry per neuron on the diagonal (the largest):
# no bias, g = relu(z)^2 + w^2 1[z>0], z ~ N(0,1): Var g = 3/2 + 2*1/2 + 3/2 - 1 = 3;
# with bias, z ~ N(0,2) and x.x'+1 = 2:          Var g = 6 + 2*2 + 6 - 4 = 12.
NTK_ENTRY_STD = {"ntk": np.sqrt(3.0), "ntk-bias": np.sqrt(12.0)}
# The max over ~200 entries of Gaussians stays below 6 standard deviations (p < 1e-6).
NTK_SIGMAS = 6.0
# Lazy net vs kernel regression: measured RMS gap ~ 0.5 |pred| / sqrt(H) (kernel
# fluctuation at init plus its O(1/sqrt H) drift during training); allow 4x.
KR_CONST = 2.0
# rel_tol for interpolation-level comparisons: the finite-width gap dominates from ~1e-6
# on (measured gap x sqrt(H) / |pred| = 0.44 at 1e-6, 1e-8 and 1e-10 alike).
TIGHT = 1e-8


def _teacher(x):
    return x[:, 0] + 0.5 * x[:, 1] * x[:, 2]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = sample_sphere_np(N_TRAIN, D, rng=rng)
    xt = sample_sphere_np(200, D, rng=rng)
    return x, _teacher(x), xt, _teacher(xt)


def _ntk_formula(p: Params, x1, x2, bias: bool):
    """Explicit per-neuron tangent kernel (1/H) sum_h [s s' + w^2 s. s.' (x.x' + bias)]."""
    z1, z2 = x1 @ p.theta.T, x2 @ p.theta.T
    if bias:
        z1, z2 = z1 + p.b[None, :], z2 + p.b[None, :]
    s1, s2 = jnp.maximum(z1, 0), jnp.maximum(z2, 0)
    d1, d2 = (z1 > 0).astype(z1.dtype) * p.w[None, :], (z2 > 0).astype(z2.dtype) * p.w[None, :]
    dots = x1 @ x2.T + (1.0 if bias else 0.0)
    return (s1 @ s2.T + dots * (d1 @ d2.T)) / p.theta.shape[0]


# --------------------------------------------------------------------------------
# sampling and configuration


def test_sample_sphere_both_routes():
    x = np.asarray(sample_sphere(20000, 4, key=jax.random.key(0)))
    xn = sample_sphere_np(20000, 4, rng=np.random.default_rng(0))
    assert x.dtype == np.float64
    for pts in (x, xn):
        np.testing.assert_allclose(np.linalg.norm(pts, axis=1), 1.0, rtol=1e-12)
        # uniform on S^{d-1}: E x = 0, E x x^T = I/d; MC error ~ 1/sqrt(20000) = 0.007
        np.testing.assert_allclose(pts.mean(axis=0), 0.0, atol=0.03)
        np.testing.assert_allclose(pts.T @ pts / len(pts), np.eye(4) / 4, atol=0.03)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width": 0, "d": 3}, "width H >= 1"),
        ({"width": 10, "d": 1}, "d >= 2"),
        ({"width": 10, "d": 3, "xi": 1.5}, r"xi must be in \[0, 1\]"),
        ({"width": 10, "d": 3, "xi": -0.1}, r"xi must be in \[0, 1\]"),
        ({"width": 10, "d": 3, "xi": float("nan")}, r"xi must be in \[0, 1\]"),
        ({"width": 10, "d": 3, "alpha": 0.0}, "alpha must be a finite positive"),
        ({"width": 2.5, "d": 3}, "width must be an integer"),
        ({"width": 10, "d": 3, "bias": 1}, "bias must be True or False"),
    ],
)
def test_bad_config_raises(kwargs, match):
    with pytest.raises(InputError, match=match):
        NetConfig(**kwargs)


def test_bad_sizes_raise():
    with pytest.raises(InputError, match="n >= 1"):
        sample_sphere(0, 3, key=jax.random.key(0))
    with pytest.raises(InputError, match="d >= 2"):
        sample_sphere_np(5, 1, rng=np.random.default_rng(0))
    cfg = NetConfig(8, 3)
    p0 = init_params(cfg, key=jax.random.key(0))
    with pytest.raises(InputError, match="n >= 1 training points"):
        train(p0, np.zeros((0, 3)), np.zeros(0), cfg)
    with pytest.raises(InputError, match=r"shape \(n, d=3\)"):
        train(p0, np.zeros((5, 4)), np.zeros(5), cfg)
    with pytest.raises(InputError, match="width H >= 1"):
        train(p0, np.zeros((5, 3)), np.zeros(5), cfg._replace(width=0))
    with pytest.raises(InputError, match="rel_tol"):
        train(p0, np.ones((5, 3)), np.zeros(5), cfg, rel_tol=-1.0)


# --------------------------------------------------------------------------------
# tangent kernel


@pytest.mark.parametrize(
    "cfg",
    [
        NetConfig(37, D, xi=1.0),
        NetConfig(37, D, xi=0.0),
        NetConfig(37, D, xi=0.5, bias=True),
        NetConfig(37, D, xi=1.0, alpha=0.1),
    ],
)
def test_empirical_ntk_jacobian_equals_formula(cfg, data):
    """jacrev route == explicit per-neuron sum: the eta/alpha^2 scaling removes xi, alpha."""
    x = data[0][:7]
    p0 = init_params(cfg, key=jax.random.key(1))
    moved = jax.tree.map(lambda a: a + 0.3, p0)  # away from init too
    for p in (p0, moved):
        k = empirical_ntk(p, p0, x, x[:5], cfg)
        np.testing.assert_allclose(k, _ntk_formula(p, x, x[:5], cfg.bias), rtol=1e-12)


@pytest.mark.parametrize(("bias", "name"), [(False, "ntk"), (True, "ntk-bias")])
def test_empirical_ntk_at_init_is_spectral_ntk(bias, name):
    """Infinite-width limit: E[s s'] + t E[w^2 s. s.'] = arccos1 + t arccos0 = ntk(t)."""
    h = 50_000
    x = sample_sphere_np(20, D, rng=np.random.default_rng(5))
    cfg = NetConfig(h, D, xi=1.0, bias=bias)
    p0 = init_params(cfg, key=jax.random.key(2))
    k_emp = np.asarray(empirical_ntk(p0, p0, x, x, cfg))
    k_inf = specbias.kernel(name).phi(np.clip(x @ x.T, -1, 1))
    err = np.abs(k_emp - k_inf).max()
    assert err <= NTK_SIGMAS * NTK_ENTRY_STD[name] / np.sqrt(h), err
    assert err > 0.05 * NTK_ENTRY_STD[name] / np.sqrt(h)  # really a finite-H estimate


# --------------------------------------------------------------------------------
# lazy training == kernel regression


def test_lazy_net_matches_ntk_ridgeless_regression(data):
    x, y, xt, _ = data
    ntk = specbias.kernel("ntk")
    gram = ntk.phi(np.clip(x @ x.T, -1, 1))
    pred = ntk.phi(np.clip(xt @ x.T, -1, 1)) @ np.linalg.solve(gram, y)
    scale = np.sqrt(np.mean(pred**2))
    errs = {}
    for h in (1000, 10_000):
        cfg = NetConfig(h, D, xi=1.0)
        p0 = init_ensemble(cfg, 3, key=jax.random.key(h))
        res = train_ensemble(p0, x, y, cfg, rel_tol=TIGHT, max_steps=20_000)
        assert res.stop_reason == ["converged"] * 3
        out = jax.vmap(lambda p, q, c=cfg: apply(p, q, jnp.asarray(xt), c))(res.params, p0)
        errs[h] = np.sqrt(np.mean((np.asarray(out) - pred) ** 2))
        assert errs[h] <= KR_CONST * scale / np.sqrt(h), (h, errs[h])
    ratio = errs[1000] / errs[10_000]
    assert np.sqrt(10) / 2 <= ratio <= 2 * np.sqrt(10), ratio  # ~ 1/sqrt(H)


# --------------------------------------------------------------------------------
# feature vs lazy


def test_feature_regime_moves_features_more_than_lazy(data):
    x, y, xt, yt = data
    h = 1000
    moves = {}
    for label, cfg in {
        "mean-field": NetConfig(h, D, xi=0.0),
        "lazy": NetConfig(h, D, xi=1.0),
        "small-alpha": NetConfig(h, D, xi=1.0, alpha=0.03),
        "large-alpha": NetConfig(h, D, xi=1.0, alpha=10.0),
    }.items():
        p0 = init_params(cfg, key=jax.random.key(7))
        res = train(p0, x, y, cfg, rel_tol=1e-3)
        assert res.stop_reason == "converged"
        obs = observables(res.params, p0, x, y, xt, yt, cfg)
        assert obs["train_mse"] == pytest.approx(2 * float(res.train_loss), rel=1e-9)
        moves[label] = obs["feature_movement"]
    assert moves["mean-field"] > 10 * moves["lazy"], moves
    assert moves["small-alpha"] > 100 * moves["large-alpha"], moves
    assert moves["lazy"] < 3 / np.sqrt(h)  # lazy: features move O(1/sqrt H)


# --------------------------------------------------------------------------------
# the adaptive loop


def test_adaptive_step_monotone_and_converges(data):
    x, y, _, _ = data
    cfg = NetConfig(300, D, xi=0.0)
    p0 = init_params(cfg, key=jax.random.key(3))
    res = train(p0, x, y, cfg, dt0=50.0, rel_tol=1e-4, history=2000, zigzag=False)
    assert res.dtype == "float64" and res.params.theta.dtype == jnp.float64
    assert res.stop_reason == "converged"
    assert float(res.train_loss) <= 1e-4 * float(res.loss0)
    assert int(res.steps) > int(res.accepted) > 0  # dt0 = 50 overshoots: rejections happen
    assert int(res.forced) == int(res.zigzag) == 0  # only smooth steps: strictly monotone
    hist = np.asarray(res.loss_history)[: int(res.accepted)]
    assert np.all(np.isfinite(hist)) and np.all(np.diff(hist) < 0)
    assert hist[0] < float(res.loss0) and hist[-1] == float(res.train_loss)


def test_adaptive_time_is_gradient_flow_time(data):
    """Capped at dt_max, the path at time t converges to the flow at first order in dt_max.

    Reference: fixed-step GD with dt = t / N, N large, run to the same time t.
    """
    x, y, _, _ = data
    cfg = NetConfig(500, D, xi=0.0)
    p0 = init_params(cfg, key=jax.random.key(4))
    xj = jnp.asarray(x)
    errs = []
    caps = (0.4, 0.2, 0.1)
    for cap in caps:
        res = train(p0, x, y, cfg, dt0=cap, dt_max=cap, rel_tol=1e-2)
        t = float(res.time)
        n_fine = int(t / 0.005) + 1
        ref = train(p0, x, y, cfg, adaptive=False, dt0=t / n_fine, max_steps=n_fine, rel_tol=0.0)
        assert float(ref.time) == pytest.approx(t, rel=1e-12)
        f, f_ref = apply(res.params, p0, xj, cfg), apply(ref.params, p0, xj, cfg)
        errs.append(float(jnp.linalg.norm(f - f_ref) / jnp.linalg.norm(f_ref - y)))
    slope = np.polyfit(np.log(caps), np.log(errs), 1)[0]
    assert 0.7 <= slope <= 1.3, (errs, slope)


@pytest.fixture(scope="module")
def kink_problem():
    """Mean-field nets with bias on 12 points: gradient flow slides along ReLU kinks."""
    cfg = NetConfig(64, D, xi=0.0, bias=True)
    keys = jax.random.split(jax.random.key(11), 3)
    xs = jnp.stack([sample_sphere(12, D, key=k) for k in keys])
    ys = jnp.sin(3 * xs[..., 0])
    p0 = init_ensemble(cfg, 3, key=jax.random.key(12))
    return cfg, p0, xs, ys


def test_ensemble_equals_separate_runs(kink_problem):
    cfg, p0, xs, ys = kink_problem
    ens = train_ensemble(p0, xs, ys, cfg, rel_tol=1e-4)
    for i in range(3):
        one = train(jax.tree.map(lambda a, i=i: a[i], p0), xs[i], ys[i], cfg, rel_tol=1e-4)
        assert one.stop_reason == ens.stop_reason[i] == "converged"
        assert int(one.steps) == int(ens.steps[i])
        assert int(one.forced) == int(ens.forced[i])
        assert float(one.time) == pytest.approx(float(ens.time[i]), rel=1e-10)
        for a, b in zip(jax.tree.leaves(one.params), jax.tree.leaves(ens.params), strict=True):
            np.testing.assert_allclose(a, b[i], rtol=1e-9, atol=1e-12)


def test_kink_sliding_keeps_going(kink_problem):
    """Hyperplanes pinned on data points: zig-zag / forced steps instead of a stall."""
    cfg, p0, xs, ys = kink_problem
    p = jax.tree.map(lambda a: a[0], p0)
    ref = train(p, xs[0], ys[0], cfg, rel_tol=1e-4, adaptive=False, dt0=0.03, max_steps=50_000)
    assert ref.stop_reason == "converged"

    # default: period-2 zig-zags across the kink are accepted, the two-step max decreases
    res = train(p, xs[0], ys[0], cfg, rel_tol=1e-4, history=10_000)
    assert res.stop_reason == "converged"
    assert int(res.zigzag) > 100 and int(res.forced) == 0
    hist = np.concatenate([[float(res.loss0)] * 2, np.asarray(res.loss_history)])
    two_step_max = np.maximum(hist[1:], hist[:-1])[: int(res.accepted) + 1]
    assert np.all(np.diff(two_step_max) <= 0)
    z = xs[0] @ res.params.theta.T + res.params.b[None, :]
    # a hyperplane is pinned on a data point, up to the O(dt) zig-zag (|z| ~ 1 otherwise)
    assert float(jnp.abs(z).min()) < 1e-3
    # large zig-zag steps may switch to a nearby branch: a few percent in time (measured 5%)
    assert float(res.time) == pytest.approx(float(ref.time), rel=0.1)

    # monotone rule: every kink crossing is rejected down to dt_min, then forced through;
    # this tracks the fixed-step flow time closely (measured 0.2%)
    mono = train(p, xs[0], ys[0], cfg, rel_tol=1e-4, zigzag=False)
    assert mono.stop_reason == "converged" and int(mono.forced) > 100
    assert float(mono.time) == pytest.approx(float(ref.time), rel=0.02)


def test_reference_loop_equals_jitted_fixed_step(data):
    x, y, _, _ = data
    cfg = NetConfig(200, D, xi=1.0)
    p0 = init_params(cfg, key=jax.random.key(5))
    ref = train_reference(p0, x, y, cfg, dt=1.0, rel_tol=1e-2)
    jit = train(p0, x, y, cfg, adaptive=False, dt0=1.0, rel_tol=1e-2)
    assert ref.stop_reason == jit.stop_reason == "converged"
    assert int(ref.steps) == int(jit.steps)
    np.testing.assert_allclose(ref.params.theta, jit.params.theta, rtol=1e-10)
    np.testing.assert_allclose(float(ref.train_loss), float(jit.train_loss), rtol=1e-10)
    # a step far above 2 / lambda_max blows up and is reported as such
    for run in (
        train_reference(p0, x, y, cfg, dt=200.0),
        train(p0, x, y, cfg, adaptive=False, dt0=200.0),
    ):
        assert run.stop_reason == "diverged"
    assert train(p0, x, y, cfg, max_steps=3).stop_reason == "max_steps"
    assert set(STOP_REASONS.values()) >= {"converged", "max_steps", "diverged"}


# --------------------------------------------------------------------------------
# observables


def test_atoms_counted_by_activation_pattern():
    x = sample_sphere_np(40, D, rng=np.random.default_rng(9))
    v, u = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    theta = np.stack([v, 2 * v, -v, u, u])
    w = np.array([1.0, 0.5, -1.0, 1e-5, 0.3])  # the 4th neuron is negligible
    cfg = NetConfig(5, D, xi=0.0)
    p = Params(jnp.asarray(theta), jnp.asarray(w), None)
    obs = observables(p, p, x, x[:, 0], x, x[:, 0], cfg)
    assert obs["n_counted"] == 4  # threshold drops 1e-5 against max 2 * 0.5 = 1
    assert obs["n_atoms"] == 3  # {v, 2v}, {-v}, {u}
    assert obs["feature_movement"] == 0.0
    f = np.maximum(x @ theta.T, 0) @ w / 5  # xi = 0: 1/H scaling, nothing subtracted
    assert obs["test_mse"] == pytest.approx(np.mean((f - x[:, 0]) ** 2), rel=1e-12)


def test_doctests():
    import doctest
    import importlib

    for name in ("_sphere", "_network", "_train"):
        module = importlib.import_module(f"specbias.validation.{name}")
        assert doctest.testmod(module).failed == 0, name
