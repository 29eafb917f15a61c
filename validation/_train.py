r"""Full-batch gradient descent to interpolation, following gradient flow.

The dynamics (see :mod:`._network` for the scalings) is gradient flow in time ``t``

.. math::

    \frac{dp}{dt} = -\frac{H^{1-\xi}}{\alpha^2}\,\nabla_p L,\qquad
    L = \frac{1}{2n}\sum_{i=1}^n (f(x_i) - y_i)^2,

discretized as ``p <- p - dt * H**(1-xi) / alpha**2 * grad L`` (``alpha = 1`` without the
alpha-trick); ``time`` is the sum of accepted ``dt``.  :func:`train` adapts ``dt``; with
``pred = dt * rate * |grad L|**2`` the first-order decrease the flow predicts
(``rate = H**(1-xi) / alpha**2``), a candidate step is

* **accepted** ("smooth") when ``L_new <= L - armijo * pred``; then ``dt *= grow`` (1.1);
* **accepted as zig-zag** (``zigzag=True``, the default) when it fails that test but
  still lowers the two-step maximum, ``L_new < max(L, L_prev)``; ``dt`` is kept;
* otherwise **rejected** (parameters kept) and ``dt *= shrink`` (0.5), not below the
  floor ``dt_min``; a step of size ``dt_min`` that fails both tests is **forced** through
  (plain gradient descent at ``dt_min``; counted in ``forced``).

Why the two extra rules: gradient flow on a ReLU net can *slide along a kink* -- a
neuron's hyperplane pinned on a training point (``theta_h . x_i + b_h = 0``), pushed back
from both sides.  Every finite step then crosses the kink; the loss rises on every other
step by an amount proportional to ``dt``, so no step size passes a monotone test and a
purely monotone rule shrinks ``dt`` to zero and stalls (seen in practice: mean-field nets
with bias on 12 points, and lazy nets with H = 1000 at tight tolerances).  Plain GD
zig-zags across the kink with amplitude ``O(dt)`` and follows the sliding (Filippov) flow;
the zig-zag rule accepts exactly this period-2 pattern, the forced floor is the last
resort.  The default ``dt_min = min(0.1, dt0)`` is stable at initialization, where
``lambda_max(Theta/n) <= Theta(x, x) = 1`` (2 with bias).

Monotonicity: without zig-zag and forced steps (``zigzag == forced == 0`` in the result)
the accepted losses decrease strictly; with zig-zag steps but no forced ones the two-step
maximum ``max(L_k, L_{k-1})`` decreases.

Accuracy: ``dt`` is controlled for stability, not for the local error; ``time`` is
gradient-flow time up to a first-order error ``O(dt * lambda)``, and ``dt_max`` caps the
step for a closer match (the error is first order in ``dt_max``).  ``armijo=0`` is the bare
rule "reject on any loss increase"; the default 0.9 asks for 90% of ``pred`` (on a
quadratic ``dt * lambda <~ 0.2`` for the curvatures that carry the gradient).  On kinked
feature-regime paths, accepted zig-zag steps at large ``dt`` can switch the path to a
nearby branch: the time to interpolation then differs from fine fixed-step GD by a few
percent (measured 2-5%); ``zigzag=False`` tracks it to ~1% but can need ~10x more steps
when a sliding phase is long (lazy nets at tight tolerances).

Stopping (``stop_code`` -> :data:`STOP_REASONS`): ``converged`` once
``L <= rel_tol * L(0)``; ``max_steps`` after that many attempted steps (accepted plus
rejected); ``diverged`` on a non-finite initial loss, a non-finite loss at a forced (or
fixed-step) step, or an accepted ``L > div_factor * L(0)``.

Precision: everything runs in :func:`default_float`, i.e. float64 when the caller has
enabled ``jax_enable_x64`` (this library never enables it), float32 otherwise; the
result's ``dtype`` says which.  Tight ``rel_tol`` (below ~1e-6) needs float64.

The whole loop is one ``jax.lax.while_loop`` inside ``jit``; :func:`train_ensemble`
``vmap``\ s it over a leading ensemble axis (seeds of the same shape; the loop runs
until every member has stopped, finished members are frozen).  Widths cannot be
batched (shapes differ): call once per width.  :func:`train_reference` is the plain
baseline (fixed step, Python loop over a jitted step, one net at a time).
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._errors import InputError
from ._checks import check_int
from ._network import (
    NetConfig,
    Params,
    check_config,
    learning_rate_scale,
    mse_loss,
)
from ._sphere import default_float
from ._train_result import TrainResult


class _Hyper(NamedTuple):
    dt0: jax.Array
    rel_tol: jax.Array
    max_steps: jax.Array
    grow: jax.Array
    shrink: jax.Array
    armijo: jax.Array
    zigzag: jax.Array
    dt_min: jax.Array
    dt_max: jax.Array
    div_factor: jax.Array


class _State(NamedTuple):
    params: Params
    loss: jax.Array
    loss_prev: jax.Array
    grads: Params
    gnorm2: jax.Array
    dt: jax.Array
    time: jax.Array
    steps: jax.Array
    accepted: jax.Array
    zigzag: jax.Array
    forced: jax.Array
    code: jax.Array
    history: jax.Array


def _tree_dot(a, b):
    return sum(jnp.vdot(u, v) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True))


def _core(params0, x, y, hp: _Hyper, *, cfg: NetConfig, history: int, adaptive: bool):
    """One training run as a while_loop (pure; vmapped for ensembles)."""
    a = 1.0 if cfg.alpha is None else cfg.alpha
    rate = learning_rate_scale(cfg) / a**2  # dp/dt = -rate * grad L
    value_and_grad = jax.value_and_grad(partial(mse_loss, params0=params0, x=x, y=y, cfg=cfg))
    loss0, g0 = value_and_grad(params0)
    dtype = loss0.dtype
    target = hp.rel_tol * loss0
    code0 = jnp.where(
        ~jnp.isfinite(loss0), 3, jnp.where(loss0 <= target, 1, jnp.where(hp.max_steps <= 0, 2, 0))
    )
    state = _State(
        params=params0,
        loss=loss0,
        loss_prev=loss0,
        grads=g0,
        gnorm2=_tree_dot(g0, g0),
        dt=hp.dt0.astype(dtype),
        time=jnp.zeros((), dtype),
        steps=jnp.zeros((), jnp.int32),
        accepted=jnp.zeros((), jnp.int32),
        zigzag=jnp.zeros((), jnp.int32),
        forced=jnp.zeros((), jnp.int32),
        code=code0.astype(jnp.int32),
        history=jnp.full((history,), jnp.nan, dtype),
    )

    def cond(s: _State):
        return s.code == 0

    def body(s: _State):
        cand = jax.tree.map(lambda p, g: p - (s.dt * rate) * g, s.params, s.grads)
        loss_c, g_c = value_and_grad(cand)
        finite = jnp.isfinite(loss_c)
        if adaptive:
            good = finite & (loss_c <= s.loss - hp.armijo * s.dt * rate * s.gnorm2)
            zig = finite & ~good & hp.zigzag & (loss_c < jnp.maximum(s.loss, s.loss_prev))
            at_floor = s.dt <= hp.dt_min
            forced = finite & ~good & ~zig & at_floor
            accept = good | zig | forced
            new_dt = jnp.where(
                good,
                jnp.minimum(s.dt * hp.grow, hp.dt_max),
                jnp.where(zig | at_floor, s.dt, jnp.maximum(s.dt * hp.shrink, hp.dt_min)),
            )
            blown = at_floor & ~finite
        else:
            accept = jnp.ones((), bool)
            zig = forced = jnp.zeros((), bool)
            new_dt = s.dt
            blown = ~finite
        bad = blown | (accept & (loss_c > hp.div_factor * loss0))
        keep = partial(jnp.where, accept)
        steps = s.steps + 1
        hist = s.history.at[s.accepted].set(loss_c, mode="drop") if history else s.history
        converged = accept & (loss_c <= target)
        code = jnp.where(
            converged, 1, jnp.where(bad, 3, jnp.where(steps >= hp.max_steps, 2, 0))
        ).astype(jnp.int32)
        return _State(
            params=jax.tree.map(keep, cand, s.params),
            loss=keep(loss_c, s.loss),
            loss_prev=keep(s.loss, s.loss_prev),
            grads=jax.tree.map(keep, g_c, s.grads),
            gnorm2=keep(_tree_dot(g_c, g_c), s.gnorm2),
            dt=new_dt,
            time=s.time + jnp.where(accept, s.dt, 0.0),
            steps=steps,
            accepted=s.accepted + accept.astype(jnp.int32),
            zigzag=s.zigzag + zig.astype(jnp.int32),
            forced=s.forced + forced.astype(jnp.int32),
            code=code,
            history=jnp.where(accept, hist, s.history),
        )

    s = jax.lax.while_loop(cond, body, state)
    return (
        s.params,
        s.steps,
        s.accepted,
        s.zigzag,
        s.forced,
        s.time,
        s.loss,
        loss0,
        s.dt,
        s.code,
        s.history,
    )


@partial(jax.jit, static_argnames=("cfg", "history", "adaptive", "ensemble", "shared_data"))
def _run(params0, x, y, hp, *, cfg, history, adaptive, ensemble, shared_data):
    fn = partial(_core, cfg=cfg, history=history, adaptive=adaptive)
    if ensemble:
        data_axis = None if shared_data else 0
        fn = jax.vmap(fn, in_axes=(0, data_axis, data_axis, None))
    return fn(params0, x, y, hp)


# ----------------------------------------------------------------------------------
# input checks


def _posfloat(name, v, *, lo=0.0, lo_open=True, hi=math.inf) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {v!r}") from None
    ok = (v > lo if lo_open else v >= lo) and v <= hi and math.isfinite(v)
    if not ok:
        lo_txt = f"{name} > {lo}" if lo_open else f"{name} >= {lo}"
        hi_txt = "" if hi == math.inf else f" and <= {hi}"
        raise InputError(f"need finite {lo_txt}{hi_txt}, got {name}={v}")
    return v


def _prepare(params0, x, y, cfg, dtype, ensemble):
    cfg = check_config(cfg)
    if not isinstance(params0, Params):
        raise InputError(f"params0 must be a Params, got {type(params0).__name__}")
    if (params0.b is not None) != cfg.bias:
        raise InputError(
            f"params0.b must be {'an array' if cfg.bias else 'None'} (bias={cfg.bias})"
        )
    dtype = default_float() if dtype is None else jnp.dtype(dtype)
    lead = 1 if ensemble else 0
    theta = jnp.asarray(params0.theta, dtype)
    want = (cfg.width, cfg.d)
    if theta.ndim != 2 + lead or theta.shape[lead:] != want:
        shape = "(E, H, d)" if ensemble else "(H, d)"
        raise InputError(f"params0.theta must have shape {shape} = {want}, got {theta.shape}")
    n_ens = theta.shape[0] if ensemble else None
    params0 = Params(
        theta,
        jnp.asarray(params0.w, dtype),
        None if params0.b is None else jnp.asarray(params0.b, dtype),
    )
    x = jnp.asarray(x, dtype)
    y = jnp.asarray(y, dtype)
    shared = ensemble and x.ndim == 2
    xl = 0 if (not ensemble or shared) else 1
    if x.ndim != 2 + xl or x.shape[-1] != cfg.d:
        raise InputError(f"x must have shape (n, d={cfg.d}) (or (E, n, d)), got {x.shape}")
    if x.shape[xl] < 1:
        raise InputError(f"need n >= 1 training points, got n={x.shape[xl]}")
    if y.shape != x.shape[:-1]:
        raise InputError(f"y must have shape {x.shape[:-1]} to match x, got {y.shape}")
    if ensemble and not shared and x.shape[0] != n_ens:
        raise InputError(f"x has {x.shape[0]} ensemble members, params0 has {n_ens}")
    return params0, x, y, cfg, dtype, shared


def _train(
    params0,
    x,
    y,
    cfg,
    *,
    ensemble,
    dt0,
    rel_tol,
    max_steps,
    grow,
    shrink,
    armijo,
    zigzag,
    dt_min,
    dt_max,
    history,
    adaptive,
    div_factor,
    dtype,
):
    params0, x, y, cfg, dtype, shared = _prepare(params0, x, y, cfg, dtype, ensemble)
    dt0 = _posfloat("dt0", dt0)
    rel_tol = _posfloat("rel_tol", rel_tol, lo_open=False, hi=1.0)
    max_steps = check_int("max_steps", max_steps)
    grow = _posfloat("grow", grow, lo=1.0, lo_open=False)
    shrink = _posfloat("shrink", shrink, hi=1.0)
    if adaptive and shrink >= 1.0:
        raise InputError(f"need shrink < 1 to retry rejected steps, got shrink={shrink}")
    armijo = _posfloat("armijo", armijo, lo_open=False, hi=1.0)
    dt_max = math.inf if dt_max is None else _posfloat("dt_max", dt_max)
    dt0 = min(dt0, dt_max)
    dt_min = min(0.1, dt0) if dt_min is None else _posfloat("dt_min", dt_min, hi=dt0)
    div_factor = _posfloat("div_factor", div_factor, lo=1.0)
    history = check_int("history", history, minimum=0)
    if not isinstance(zigzag, bool):
        raise InputError(f"zigzag must be True or False, got {zigzag!r}")
    real = partial(jnp.asarray, dtype=dtype)
    hp = _Hyper(
        dt0=real(dt0),
        rel_tol=real(rel_tol),
        max_steps=jnp.asarray(min(max_steps, 2**31 - 1), jnp.int32),
        grow=real(grow),
        shrink=real(shrink),
        armijo=real(armijo),
        zigzag=jnp.asarray(zigzag),
        dt_min=real(dt_min),
        dt_max=real(dt_max),
        div_factor=real(div_factor),
    )
    out = _run(
        params0,
        x,
        y,
        hp,
        cfg=cfg,
        history=history,
        adaptive=adaptive,
        ensemble=ensemble,
        shared_data=shared,
    )
    return TrainResult(*out, dtype=str(dtype))


def train(
    params0: Params,
    x: jax.Array,
    y: jax.Array,
    cfg: NetConfig,
    *,
    dt0: float = 1.0,
    rel_tol: float = 1e-3,
    max_steps: int = 100_000,
    grow: float = 1.1,
    shrink: float = 0.5,
    armijo: float = 0.9,
    zigzag: bool = True,
    dt_min: float | None = None,
    dt_max: float | None = None,
    history: int = 0,
    adaptive: bool = True,
    div_factor: float = 1e6,
    dtype=None,
) -> TrainResult:
    """Train one net from ``params0`` on ``(x (n, d), y (n,))`` to interpolation.

    Args:
        params0: initialization (also the subtracted initial net when ``xi = 1``).
        x, y: training data.
        cfg: the network (static: each new ``cfg`` compiles once).
        dt0: initial gradient-flow time step (the fixed step when ``adaptive=False``);
            clipped to ``dt_max``.
        rel_tol: stop when ``L <= rel_tol * L(0)``.
        max_steps: cap on attempted steps.
        grow, shrink: adaptive factors on accept / reject.
        armijo: sufficient-decrease fraction (0: reject only loss increases).
        zigzag: also accept (keeping ``dt``) steps that fail the Armijo test but lower
            ``max(L_k, L_{k-1})`` (ReLU-kink zig-zag); ``False`` for a strictly monotone run.
        dt_min: floor of the adaptive step, where failing steps are forced through
            (default ``min(0.1, dt0)``; must be ``<= min(dt0, dt_max)``).
        dt_max: cap on the adaptive step (default none); e.g. ``1/lambda_max`` of the
            tangent kernel ``Theta/n`` to forbid late edge-of-stability steps.
        history: record the loss after the first ``history`` accepted steps.
        adaptive: ``False`` for fixed-step gradient descent (same loop, jitted).
        div_factor: divergence threshold ``L > div_factor * L(0)``.
        dtype: default float64 under x64, float32 otherwise.

    Returns:
        :class:`TrainResult`.

    Examples:
        >>> import jax
        >>> from ._network import NetConfig, init_params
        >>> from ._sphere import sample_sphere
        >>> cfg = NetConfig(64, 3, xi=1.0)
        >>> x = sample_sphere(5, 3, key=jax.random.key(0))
        >>> res = train(init_params(cfg, key=jax.random.key(1)), x, x[:, 0], cfg)
        >>> res.stop_reason
        'converged'
    """
    return _train(
        params0,
        x,
        y,
        cfg,
        ensemble=False,
        dt0=dt0,
        rel_tol=rel_tol,
        max_steps=max_steps,
        grow=grow,
        shrink=shrink,
        armijo=armijo,
        zigzag=zigzag,
        dt_min=dt_min,
        dt_max=dt_max,
        history=history,
        adaptive=adaptive,
        div_factor=div_factor,
        dtype=dtype,
    )


def train_ensemble(
    params0: Params,
    x: jax.Array,
    y: jax.Array,
    cfg: NetConfig,
    *,
    dt0: float = 1.0,
    rel_tol: float = 1e-3,
    max_steps: int = 100_000,
    grow: float = 1.1,
    shrink: float = 0.5,
    armijo: float = 0.9,
    zigzag: bool = True,
    dt_min: float | None = None,
    dt_max: float | None = None,
    history: int = 0,
    adaptive: bool = True,
    div_factor: float = 1e6,
    dtype=None,
) -> TrainResult:
    """:func:`train` vmapped over a leading ensemble axis, in one compiled call.

    ``params0`` leaves carry a leading axis ``E`` (e.g. ``jax.vmap(init_params)`` over
    split keys, see :func:`init_ensemble`); ``x (E, n, d)``, ``y (E, n)`` give each
    member its own data, or ``x (n, d)``, ``y (n,)`` share one data set.  Each member
    follows its own adaptive step and stops on its own; the result arrays have the
    leading axis ``E``.
    """
    return _train(
        params0,
        x,
        y,
        cfg,
        ensemble=True,
        dt0=dt0,
        rel_tol=rel_tol,
        max_steps=max_steps,
        grow=grow,
        shrink=shrink,
        armijo=armijo,
        zigzag=zigzag,
        dt_min=dt_min,
        dt_max=dt_max,
        history=history,
        adaptive=adaptive,
        div_factor=div_factor,
        dtype=dtype,
    )
