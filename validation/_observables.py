"""Scalar diagnostics of a trained net: errors, movement, atoms n_A, ReLU flips."""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ._network import NetConfig, Params, apply, check_config
from ._train import _posfloat

ATOM_THRESHOLD = 1e-2
"""Default relative cut for :func:`observables`: a neuron counts towards the atoms when
``|w_h| * |(theta_h, b_h)| >= ATOM_THRESHOLD * max_h(...)`` (one percent of the largest
neuron, so neurons whose contribution has collapsed are not counted)."""


def observables(
    params: Params,
    params0: Params,
    x_train: jax.Array,
    y_train: jax.Array,
    x_test: jax.Array,
    y_test: jax.Array,
    cfg: NetConfig,
    *,
    atom_threshold: float = ATOM_THRESHOLD,
    outputs: tuple | None = None,
) -> dict[str, float | int]:
    """Scalar diagnostics of one trained net (no ensemble axis; loop or index for those).

    Returns:
        dict with

        * ``test_mse``, ``train_mse``: ``mean((f(x) - y)**2)`` (= 2 L on the train set);
        * ``feature_movement``: ``|theta - theta0|_F / |theta0|_F`` (with bias: of the
          stacked ``(theta, b)``);
        * ``weight_movement``: ``|w - w0| / |w0|``;
        * ``n_atoms``: number of distinct atoms ``n_A`` -- counted neurons grouped by
          their activation pattern ``1[theta_h . x_i + b_h > 0]`` on the training set;
          a neuron is counted when ``|w_h| * |(theta_h, b_h)| >= atom_threshold`` times
          the largest such value (default :data:`ATOM_THRESHOLD` = 1e-2) and it is active
          on at least one training point;
        * ``n_counted``: number of counted neurons;
        * ``relu_flips``: fraction of (training point, neuron) pairs whose ReLU
          switched on or off between ``params0`` and ``params``.

    ``outputs``: optional precomputed ``(f(x_train), f(x_test))`` of this net (e.g.
    from one jitted pass over an ensemble, :func:`member_outputs`); default: computed
    here with :func:`~._network.apply`.
    """
    cfg = check_config(cfg)
    atom_threshold = _posfloat("atom_threshold", atom_threshold, lo_open=False, hi=1.0)
    if outputs is None:
        outputs = (
            apply(params, params0, jnp.asarray(x_train), cfg),
            apply(params, params0, jnp.asarray(x_test), cfg),
        )
    f_tr, f_te = (np.asarray(f) for f in outputs)
    train_mse = float(np.mean((f_tr - np.asarray(y_train)) ** 2))
    test_mse = float(np.mean((f_te - np.asarray(y_test)) ** 2))

    def stacked(p):
        th = np.asarray(p.theta)
        return th if p.b is None else np.concatenate([th, np.asarray(p.b)[:, None]], axis=1)

    v, v0 = stacked(params), stacked(params0)
    w, w0 = np.asarray(params.w), np.asarray(params0.w)
    feature_movement = float(np.linalg.norm(v - v0) / np.linalg.norm(v0))
    w0_norm = np.linalg.norm(w0)
    weight_movement = float(np.linalg.norm(w - w0) / w0_norm) if w0_norm > 0 else math.inf

    xt = np.asarray(x_train)

    def activity(p):
        pre = xt @ np.asarray(p.theta).T
        return (pre + np.asarray(p.b)) > 0 if p.b is not None else pre > 0

    active = activity(params)  # (n, H)
    relu_flips = float(np.mean(active != activity(params0)))
    contrib = np.abs(w) * np.linalg.norm(v, axis=1)
    top = contrib.max() if contrib.size else 0.0
    keep = (contrib >= atom_threshold * top) & (top > 0) & active.any(axis=0)
    patterns = np.packbits(active[:, keep].T, axis=1)
    n_atoms = int(np.unique(patterns, axis=0).shape[0]) if keep.any() else 0
    return {
        "test_mse": test_mse,
        "train_mse": train_mse,
        "feature_movement": feature_movement,
        "weight_movement": weight_movement,
        "n_atoms": n_atoms,
        "n_counted": int(keep.sum()),
        "relu_flips": relu_flips,
    }


@partial(jax.jit, static_argnames=("cfg",))
def member_outputs(params: Params, params0: Params, x: jax.Array, cfg: NetConfig) -> jax.Array:
    """``f(x)`` of every member of an ensemble (leading axis of ``params``), ``(E, m)``.

    One compiled pass, the members one after the other (``lax.map``), so memory stays
    that of one ``(m, H)`` hidden layer (a ``vmap`` would hold E of them).

    Examples:
        >>> cfg = NetConfig(8, 3, xi=1.0)
        >>> keys = jax.random.split(jax.random.key(0), 2)
        >>> from ._network import init_params
        >>> p0 = jax.vmap(lambda k: init_params(cfg, key=k))(keys)
        >>> member_outputs(p0, p0, jnp.eye(3), cfg).shape
        (2, 3)
    """
    return jax.lax.map(lambda pp: apply(pp[0], pp[1], x, cfg), (params, params0))
