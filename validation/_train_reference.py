"""Baseline trainer: fixed-step gradient descent, a Python loop over a jitted step.

The simple reference that :func:`._train.train` (jitted, adaptive) is benchmarked and
cross-checked against (``benchmarks/bench_train.py``, ``tests/test_validation_train.py``).
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp

from ._checks import check_int
from ._network import NetConfig, Params, learning_rate_scale, mse_loss
from ._train import _posfloat, _prepare
from ._train_result import TrainResult

# reference implementation: fixed step, Python loop over a jitted step


@partial(jax.jit, static_argnames=("cfg",))
def _ref_step(params, grads, params0, x, y, step, *, cfg):
    new = jax.tree.map(lambda p, g: p - step * g, params, grads)
    loss, g = jax.value_and_grad(mse_loss)(new, params0, x, y, cfg)
    return new, loss, g


_ref_value_and_grad = jax.jit(jax.value_and_grad(mse_loss), static_argnames=("cfg",))


def train_reference(
    params0: Params,
    x: jax.Array,
    y: jax.Array,
    cfg: NetConfig,
    *,
    dt: float = 0.5,
    rel_tol: float = 1e-3,
    max_steps: int = 100_000,
    div_factor: float = 1e6,
    dtype=None,
) -> TrainResult:
    """Baseline: fixed-step gradient descent, one net, Python loop over a jitted step.

    Same scalings, loss and stopping rule as :func:`train` with ``adaptive=False``
    (``time = accepted * dt``); the loss is pulled to the host every step.  Meant as
    the simple reference for benchmarks and cross-checks, not for production runs.
    ``loss_history`` holds every step's loss.
    """
    params0, x, y, cfg, dtype, _ = _prepare(params0, x, y, cfg, dtype, False)
    dt = _posfloat("dt", dt)
    rel_tol = _posfloat("rel_tol", rel_tol, lo_open=False, hi=1.0)
    max_steps = check_int("max_steps", max_steps)
    div_factor = _posfloat("div_factor", div_factor, lo=1.0)
    a = 1.0 if cfg.alpha is None else cfg.alpha
    step = jnp.asarray(dt * learning_rate_scale(cfg) / a**2, dtype)

    loss, grads = _ref_value_and_grad(params0, params0, x, y, cfg=cfg)
    loss0 = float(loss)
    params, history, steps = params0, [], 0
    code = 3 if not math.isfinite(loss0) else (1 if loss0 <= rel_tol * loss0 else 0)
    while code == 0:
        params, loss, grads = _ref_step(params, grads, params0, x, y, step, cfg=cfg)
        steps += 1
        value = float(loss)
        history.append(value)
        if value <= rel_tol * loss0:
            code = 1
        elif not math.isfinite(value) or value > div_factor * loss0:
            code = 3
        elif steps >= max_steps:
            code = 2
    n = jnp.asarray(steps, jnp.int32)
    return TrainResult(
        params=params,
        steps=n,
        accepted=n,
        zigzag=jnp.zeros((), jnp.int32),
        forced=jnp.zeros((), jnp.int32),
        time=jnp.asarray(steps * dt, dtype),
        train_loss=jnp.asarray(loss, dtype),
        loss0=jnp.asarray(loss0, dtype),
        dt=jnp.asarray(dt, dtype),
        stop_code=jnp.asarray(code, jnp.int32),
        loss_history=jnp.asarray(history, dtype),
        dtype=str(dtype),
    )
