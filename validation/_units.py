"""Validation sweeps: one unit of work (data draw, limit solve or trained nets)."""

from __future__ import annotations

import math
import time
import zlib
from functools import lru_cache

import numpy as np

from ._config import ValidationConfig
from ._limits import kernel_regression, min_variation_norm_interpolation
from ._sliding import l1_ensemble
from ._sphere import sample_sphere_np
from ._targets_sample import (
    sample_target,
    target_variance,
)

# ------------------------------------------------------------------------------------
# running


def _noise_variance(cfg: ValidationConfig) -> float:
    """Absolute label-noise variance: ``cfg.noise`` is relative to Var f* = K_T(1)."""
    return cfg.noise * target_variance(cfg.teacher) if cfg.noise > 0 else 0.0


def _data(cfg: ValidationConfig, n: int, seed_index: int):
    """(x_train, x_test, TargetSample) of one draw; ``design`` says what is shared."""
    if cfg.design == "nested":
        return _nested(cfg, seed_index, max(cfg.n_values), n)
    rng = np.random.default_rng([cfg.seed, n, seed_index])
    x_train = sample_sphere_np(n, cfg.d, rng=rng)
    x_test = sample_sphere_np(cfg.n_test, cfg.d, rng=rng)
    sample = sample_target(rng, x_train, x_test, cfg.teacher, noise=_noise_variance(cfg))
    return x_train, x_test, sample


@lru_cache(maxsize=2)
def _nested_draw(cfg: ValidationConfig, seed_index: int, n_max: int):
    rng = np.random.default_rng([cfg.seed, seed_index, n_max, 1])
    x_all = sample_sphere_np(n_max, cfg.d, rng=rng)
    x_test = sample_sphere_np(cfg.n_test, cfg.d, rng=rng)
    return x_all, x_test, sample_target(rng, x_all, x_test, cfg.teacher, noise=_noise_variance(cfg))


def _nested(cfg: ValidationConfig, seed_index: int, n_max: int, n: int):
    x_all, x_test, s = _nested_draw(cfg, seed_index, n_max)
    return x_all[:n], x_test, s._replace(y_train=s.y_train[:n])


# Restricted master and pricing of the feature limit's column generation where the
# simplex's pivots (~n^2 of them, each O(n M)) dominate: same optimum within the dual
# tolerance (l1 3e-6, test MSE 3e-4 relative at d = 5, n = 256), 25.7 -> 14.8 CPU-s
# there, while at n = 128 the simplex is as fast (4.4 vs 4.9 CPU-s).
FAST_ROUTE_MIN_D, FAST_ROUTE_MIN_N = 4, 256


def limit_route(d: int, n: int) -> dict:
    """Keyword arguments of :func:`min_variation_norm_interpolation` for a sweep unit.

    Examples:
        >>> limit_route(5, 1024), limit_route(3, 1024), limit_route(5, 128)
        ({'master': 'ipm', 'pricing': 'batch'}, {}, {})
    """
    if d >= FAST_ROUTE_MIN_D and n >= FAST_ROUTE_MIN_N:
        return {"master": "ipm", "pricing": "batch"}
    return {}


def _run_limit(cfg, regime, n, seed_index, data) -> dict:
    x_train, x_test, s = data
    if regime == "lazy":
        out = kernel_regression(x_train, s.y_train, x_test, "ntk")
        pred, extra = out.prediction, {"solver_jitter": out.jitter}
    else:
        rng = np.random.default_rng([cfg.seed, n, seed_index, 1])
        fit = min_variation_norm_interpolation(
            x_train,
            s.y_train,
            x_test,
            rng=rng,
            method=cfg.feature_method,
            n_dict=cfg.n_dict,
            **limit_route(cfg.d, n),
        )
        pred = fit.prediction
        extra = {
            "n_atoms": fit.n_atoms,
            "l1_norm": fit.l1_norm,
            "train_residual": fit.residual,
            "dual_violation": fit.dual_violation,
        }
    return {"test_mse": float(np.mean((pred - s.y_test) ** 2)), **extra}


def _run_train(cfg, regime, n, seed_index, data) -> dict:
    """Train ``cfg.ensemble`` nets on one draw (unit-variance labels), see PROTOCOL.

    Returned MSEs are in the original label units (scaled back by K_T(1)).
    """
    x_train, x_test, s = data
    scale = math.sqrt(target_variance(cfg.teacher))
    y_train, y_test = s.y_train / scale, s.y_test / scale
    if regime == "lazy":
        key = _init_key(cfg, n, seed_index)
        obs = _train_lazy(cfg, cfg.width, x_train, y_train, x_test, y_test, key)
        if cfg.width2:
            small = _train_lazy(cfg, cfg.width2, x_train, y_train, x_test, y_test, key)
            obs["test_mse_width2"] = small["test_mse"]
            obs["test_mse_ensemble_width2"] = small["test_mse_ensemble"]
        limit = kernel_regression(x_train, y_train, x_test, "ntk").prediction
        obs["limit_test_mse"] = float(np.mean((limit - y_test) ** 2))
    elif cfg.feature_protocol == "l1":
        rngs = [
            np.random.default_rng([cfg.seed, n, seed_index, 7, e])
            for e in range(cfg.feature_ensemble)
        ]
        obs = l1_ensemble(
            x_train,
            y_train,
            x_test,
            y_test,
            width=cfg.feature_width,
            rngs=rngs,
            conv_rtol=cfg.conv_rtol,
        )
    else:
        key = _init_key(cfg, n, seed_index)
        obs = _train_feature(cfg, x_train, y_train, x_test, y_test, key)
    for k in [k for k in obs if "test_mse" in k or k == "train_mse"]:
        v = obs[k]
        obs[k] = [u * scale**2 for u in v] if isinstance(v, list) else v * scale**2
    obs["label_scale"] = scale
    return obs


def _init_key(cfg, n, seed_index):
    import jax

    return jax.random.key(zlib.crc32(f"{cfg.seed}/{n}/{seed_index}/init".encode()))


def _members(net, key, count: int):
    import jax
    import jax.numpy as jnp

    from ._network import init_params

    keys = jax.random.split(key, count)
    return jax.vmap(lambda k: init_params(net, key=k, dtype=jnp.float64))(keys)


def _summarize(net, params, params0, x_train, y_train, x_test, y_test, stops, extra):
    """Mean single-net observables, ensemble-averaged predictor, stop reasons."""
    import jax
    import jax.numpy as jnp

    from ._observables import member_outputs, observables

    xt, xs = jnp.asarray(x_train), jnp.asarray(x_test)
    f_tr = np.asarray(member_outputs(params, params0, xt, net))
    preds = np.asarray(member_outputs(params, params0, xs, net))
    per = []
    for e in range(params.w.shape[0]):
        p = jax.tree.map(lambda a, e=e: a[e], params)
        p0 = jax.tree.map(lambda a, e=e: a[e], params0)
        per.append(observables(p, p0, xt, y_train, xs, y_test, net, outputs=(f_tr[e], preds[e])))
    mean_pred = np.mean(preds, axis=0)
    out = {k: float(np.mean([o[k] for o in per])) for k in per[0]}
    out["test_mse_members"] = [o["test_mse"] for o in per]
    out["test_mse_ensemble"] = float(np.mean((mean_pred - y_test) ** 2))
    out["stop_reasons"] = list(stops)
    out["stop_reason"] = max(set(stops), key=lambda r: (r != "converged", stops.count(r)))
    out.update(extra)
    return out


def _finish(net, res, params0, x_train, y_train, x_test, y_test, method, extra) -> dict:
    """Observables of a JAX-trained ensemble: steps, flow time, dtype, method + extra."""
    extra = {
        "steps": int(np.max(res.steps)),
        "train_time": float(np.max(res.time)),
        **extra,
        "dtype": res.dtype,
        "method": method,
    }
    stops = res.stop_reason
    return _summarize(net, res.params, params0, x_train, y_train, x_test, y_test, stops, extra)


# Lazy units start the ETD1 flow with a Gauss-Newton step (Delta = 1e12 x the stability
# limit) when alpha >= GN_MIN_ALPHA: the net is linear to O(1/alpha), so the step is
# accepted and 2-3 steps replace ~8 (3x less time at n = 256, H = 4096, 16 nets; test
# errors within 0.7% of the stability-limit start, see train_flow's first_step).
LAZY_FIRST_STEP = 1e12
GN_MIN_ALPHA = 10.0


def _train_lazy(cfg, width, x_train, y_train, x_test, y_test, key) -> dict:
    import jax.numpy as jnp

    from ._flow import train_flow
    from ._network import NetConfig

    net = NetConfig(width, cfg.d, xi=1.0, alpha=cfg.lazy_alpha)
    params0 = _members(net, key, cfg.ensemble)
    res = train_flow(
        params0,
        jnp.asarray(x_train),
        jnp.asarray(y_train),
        net,
        x_test=jnp.asarray(x_test),
        y_test=jnp.asarray(y_test),
        rel_tol=cfg.rel_tol,
        conv_rtol=cfg.conv_rtol,
        max_steps=min(cfg.max_steps, 10_000),
        ensemble=True,
        first_step=LAZY_FIRST_STEP if cfg.lazy_alpha >= GN_MIN_ALPHA else 1.0,
    )
    extra = {"test_change": float(np.nanmax(res.test_change))}
    return _finish(net, res, params0, x_train, y_train, x_test, y_test, "etd1", extra)


def _train_feature(cfg, x_train, y_train, x_test, y_test, key) -> dict:
    import jax
    import jax.numpy as jnp

    from ._network import NetConfig
    from ._train import train_ensemble

    xs, ys = jnp.asarray(x_train), jnp.asarray(y_train)
    if cfg.feature_protocol == "alpha-trick":
        # F = a (f(p) - f(p0)) on L / a^2 equals f(q) - f(q0) with q = sqrt(a) p (f is
        # 2-homogeneous), and its flow dp/dt = -H a^-2 grad_p L is dq/dt' = -H grad_q L
        # in t' = t / a: mean-field gradient flow from a sqrt(a)-scaled initialization,
        # with the (order-a) initial function subtracted (alpha = 1.0 in NetConfig).
        # Integrated by the mean-field protocol's adaptive gradient descent to rel_tol
        # (ETD1 from the end of a GD phase was tried: its error control keeps the step
        # tiny while ReLU kinks cross the data, 1e5 steps without converging at n = 16).
        net = NetConfig(cfg.feature_width, cfg.d, xi=0.0, alpha=1.0)
        scale = math.sqrt(cfg.feature_alpha)
        members = _members(net, key, cfg.feature_ensemble)
        params0 = jax.tree_util.tree_map(lambda a: a * scale, members)
    else:
        net = NetConfig(cfg.feature_width, cfg.d, xi=0.0)
        params0 = _members(net, key, cfg.feature_ensemble)
    res = train_ensemble(params0, xs, ys, net, rel_tol=cfg.rel_tol, max_steps=cfg.max_steps)
    # variation (path) norm (1/H) sum_h |w_h| |theta_h| of the trained f, in the trained
    # label units: the quantity the L1 protocol and the feature limit minimize
    theta, w = np.asarray(res.params.theta), np.asarray(res.params.w)
    extra = {"path_norm": float(np.mean(np.abs(w) * np.linalg.norm(theta, axis=-1)))}
    return _finish(net, res, params0, x_train, y_train, x_test, y_test, "adaptive-gd", extra)


def _describe(unit) -> str:
    regime, solver, n, k = unit
    return f"{regime}/{solver} n={n} seed {k}"


class _DataCache:
    """The data of the last (n, seed index) asked for: units are ordered so that
    both regimes of a draw come one after the other and share one sample."""

    def __init__(self, cfg: ValidationConfig) -> None:
        self.cfg, self.key, self.data = cfg, None, None

    def __call__(self, unit) -> tuple:
        key = (unit[2], unit[3])
        if key != self.key:
            self.key, self.data = key, _data(self.cfg, *key)
        return self.data


def _compute_unit(cfg: ValidationConfig, unit, data) -> dict:
    """Observables of one (regime, solver, n, seed index) unit on its data draw."""
    regime, solver, n, k = unit
    runner = _run_limit if solver == "limit" else _run_train
    t = time.monotonic()
    obs = runner(cfg, regime, n, k, data)
    var = target_variance(cfg.teacher)
    for key in [key for key in obs if key.startswith(("test_mse", "limit_test_mse"))]:
        v = obs[key]
        new = key.replace("test_mse", "test_error")
        obs[new] = [u / var for u in v] if isinstance(v, list) else v / var
    obs["target_jitter"] = data[2].jitter
    obs["seconds"] = time.monotonic() - t
    obs["device"] = "cpu" if cfg.numpy_unit(unit) else cfg.device
    return obs
