r"""One-hidden-layer ReLU network on S^{d-1} with feature (xi = 0) or lazy (xi = 1) scaling.

.. math::

    f(x) = \alpha\, H^{-(1-\xi/2)} \sum_{h=1}^H \big( w_h\, \sigma(\theta_h\cdot x + b_h)
           - s\, w^0_h\, \sigma(\theta^0_h\cdot x + b^0_h) \big),\qquad \sigma = \mathrm{relu},

following Petrini, Cagnetta, Vanden-Eijnden, Wyart, arXiv 2206.12314:

* ``xi = 0``: feature / mean-field scaling ``1/H``;
* ``xi = 1``: lazy / NTK scaling ``1/sqrt(H)`` with the initial function subtracted,
  so ``f = 0`` at initialization;
* ``alpha`` (the alpha-trick of Geiger, Spigler, Jacot, Wyart, arXiv 1906.08034):
  ``alpha=None`` (default) means ``alpha = 1`` and subtraction weight ``s = xi``
  (the formula above exactly as in 2206.12314); a float ``alpha > 0`` means
  ``F = alpha (f - f_0)``, i.e. ``s = 1``, trained on the loss divided by ``alpha**2``.
  Large ``alpha`` -> lazy, small ``alpha`` -> feature learning.

Intermediate ``0 < xi < 1`` are accepted and interpolate the output scaling (and the
subtraction weight ``s = xi``); only ``xi in {0, 1}`` are the paper's two regimes.

Initialization: ``theta_h ~ N(0, I_d)``, ``w_h ~ N(0, 1)``, ``b_h ~ N(0, 1)`` when
``bias=True`` (``b`` is ``None`` otherwise, and not trained).

Learning-rate scaling (used by :mod:`._train`): gradient flow in time ``t`` with
parameter learning rate ``eta = H**(1 - xi)`` on the objective ``L / alpha**2``,

.. math::

    \frac{dp}{dt} = -H^{1-\xi}\,\alpha^{-2}\,\nabla_p L,\qquad
    L = \frac{1}{2n}\sum_i (f(x_i) - y_i)^2,

so that ``df/dt = -(1/n) sum_j Theta(x, x_j) (f(x_j) - y_j)`` with the tangent kernel
:func:`empirical_ntk` of order one for every ``H``, ``xi`` and ``alpha`` (mean-field time
scale at ``xi = 0``, NTK time scale at ``xi = 1``).
"""

from __future__ import annotations

import math
import operator
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._errors import InputError
from ._checks import check_int
from ._sphere import default_float


class Params(NamedTuple):
    """Trainable parameters: ``theta (H, d)``, ``w (H,)``, ``b (H,)`` or ``None``.

    With a leading ensemble axis (``theta (E, H, d)`` ...) for :func:`train_ensemble`.
    """

    theta: jax.Array
    w: jax.Array
    b: jax.Array | None


class _NetConfigFields(NamedTuple):
    width: int
    d: int
    xi: float
    bias: bool
    alpha: float | None


class NetConfig(_NetConfigFields):
    """Static network description (hashable: usable as a ``jit`` static argument).

    Args:
        width: number of hidden neurons ``H >= 1``.
        d: input dimension ``d >= 2`` (data on S^{d-1}).
        xi: 0 (feature / mean-field) or 1 (lazy / NTK); values in ``[0, 1]`` interpolate.
        bias: train a first-layer bias ``b_h ~ N(0, 1)`` (default ``False``).
        alpha: ``None`` (default) or the alpha-trick scale ``alpha > 0``.

    Examples:
        >>> NetConfig(100, 3)
        NetConfig(width=100, d=3, xi=1.0, bias=False, alpha=None)
        >>> NetConfig(100, 1)
        Traceback (most recent call last):
        ...
        specbias._errors.InputError: need input dimension d >= 2 (data on S^(d-1)), got d=1
    """

    __slots__ = ()

    def __new__(
        cls,
        width: int,
        d: int,
        xi: float = 1.0,
        bias: bool = False,
        alpha: float | None = None,
    ):
        return super().__new__(cls, *_validated(width, d, xi, bias, alpha))


def _validated(width, d, xi, bias, alpha) -> tuple[int, int, float, bool, float | None]:
    try:
        width = operator.index(width)
    except TypeError:
        raise InputError(f"width must be an integer, got {width!r}") from None
    if width < 1:
        raise InputError(f"need network width H >= 1, got width={width}")
    try:
        d = operator.index(d)
    except TypeError:
        raise InputError(f"d must be an integer, got {d!r}") from None
    if d < 2:
        raise InputError(f"need input dimension d >= 2 (data on S^(d-1)), got d={d}")
    try:
        xi = float(xi)
    except (TypeError, ValueError):
        raise InputError(f"xi must be a number in [0, 1], got {xi!r}") from None
    if not 0.0 <= xi <= 1.0:  # also rejects nan
        raise InputError(
            f"xi must be in [0, 1] (0 = feature/mean-field, 1 = lazy/NTK), got xi={xi}"
        )
    if not isinstance(bias, bool):
        raise InputError(f"bias must be True or False, got {bias!r}")
    if alpha is not None:
        try:
            alpha = float(alpha)
        except (TypeError, ValueError):
            raise InputError(f"alpha must be None or a positive number, got {alpha!r}") from None
        if not (math.isfinite(alpha) and alpha > 0):
            raise InputError(f"alpha must be a finite positive number, got alpha={alpha}")
    return width, d, xi, bias, alpha


def check_config(cfg) -> NetConfig:
    """Re-validate ``cfg`` (``NetConfig._replace`` bypasses the constructor checks)."""
    if not isinstance(cfg, NetConfig):
        raise InputError(f"cfg must be a NetConfig, got {type(cfg).__name__}")
    return NetConfig(*cfg)


def output_scale(cfg: NetConfig) -> float:
    """``alpha * H**-(1 - xi/2)`` (``alpha = 1`` when ``cfg.alpha is None``)."""
    a = 1.0 if cfg.alpha is None else cfg.alpha
    return a * float(cfg.width) ** -(1.0 - cfg.xi / 2.0)


def subtract_weight(cfg: NetConfig) -> float:
    """Weight ``s`` of the subtracted initial network: ``xi``, or 1 with the alpha-trick."""
    return cfg.xi if cfg.alpha is None else 1.0


def learning_rate_scale(cfg: NetConfig) -> float:
    """Parameter learning rate per unit gradient-flow time on ``L / alpha**2``: ``H**(1-xi)``."""
    return float(cfg.width) ** (1.0 - cfg.xi)


def init_params(cfg: NetConfig, *, key: jax.Array, dtype=None) -> Params:
    """Draw ``theta ~ N(0, I_d)``, ``w ~ N(0, 1)`` and (with bias) ``b ~ N(0, 1)``.

    Args:
        cfg: the network.
        key: JAX PRNG key (keyword-only); split into three.
        dtype: default float64 under x64, float32 otherwise.

    Examples:
        >>> import jax
        >>> p = init_params(NetConfig(8, 3), key=jax.random.key(0))
        >>> p.theta.shape, p.w.shape, p.b
        ((8, 3), (8,), None)
    """
    cfg = check_config(cfg)
    dtype = default_float() if dtype is None else jnp.dtype(dtype)
    k_theta, k_w, k_b = jax.random.split(key, 3)
    theta = jax.random.normal(k_theta, (cfg.width, cfg.d), dtype=dtype)
    w = jax.random.normal(k_w, (cfg.width,), dtype=dtype)
    b = jax.random.normal(k_b, (cfg.width,), dtype=dtype) if cfg.bias else None
    return Params(theta, w, b)


def _hidden(p: Params, x: jax.Array) -> jax.Array:
    pre = x @ p.theta.T
    if p.b is not None:
        pre = pre + jnp.expand_dims(p.b, tuple(range(pre.ndim - 1)))
    return jax.nn.relu(pre)


def apply(params: Params, params0: Params, x: jax.Array, cfg: NetConfig) -> jax.Array:
    """Network output ``f(x)`` for ``x`` of shape ``(..., d)``; returns shape ``(...)``.

    Pure and jit-able (``cfg`` is static). ``params0`` is the initialization, used for
    the subtracted initial function; it is treated as a constant.

    Examples:
        >>> import jax
        >>> cfg = NetConfig(16, 3, xi=1.0)
        >>> p0 = init_params(cfg, key=jax.random.key(1))
        >>> x = jax.numpy.eye(3)
        >>> float(abs(apply(p0, p0, x, cfg)).max())  # lazy net vanishes at init
        0.0
    """
    out = _hidden(params, x) @ params.w
    s = subtract_weight(cfg)
    if s != 0.0:
        p0 = jax.lax.stop_gradient(params0)
        out = out - s * (_hidden(p0, x) @ p0.w)
    return output_scale(cfg) * out


def mse_loss(params: Params, params0: Params, x: jax.Array, y: jax.Array, cfg: NetConfig):
    """Function-space loss ``L = (1/2n) sum_i (f(x_i) - y_i)**2`` (no ``1/alpha**2``)."""
    r = apply(params, params0, x, cfg) - y
    return 0.5 * jnp.mean(r * r)


def empirical_ntk(
    params: Params, params0: Params, x1: jax.Array, x2: jax.Array, cfg: NetConfig
) -> jax.Array:
    r"""Tangent kernel of gradient flow, ``(n1, n2)``, via ``jax.jacrev``.

    Normalization: the learning-rate scaling is included,

    .. math::

        \Theta(x, x') = \frac{H^{1-\xi}}{\alpha^2}\,\nabla_p f(x)\cdot\nabla_p f(x')
        = \frac1H \sum_h \big[\sigma(z_h)\sigma(z_h') + w_h^2\,\sigma'(z_h)\sigma'(z_h')
          (x\cdot x' + [\text{bias}])\big],\quad z_h = \theta_h\cdot x + b_h,

    which is independent of ``xi`` and ``alpha`` and is what drives
    ``df/dt = -(1/n) Theta (f - y)``.  At initialization it tends, as ``H -> inf`` and on
    S^{d-1}, to ``kernel("ntk").phi(x.x')`` = arccos1 + t arccos0 (``"ntk-bias"`` with
    bias), with fluctuations of order ``1/sqrt(H)``.
    """
    return _empirical_ntk(params, params0, jnp.asarray(x1), jnp.asarray(x2), check_config(cfg))


@partial(jax.jit, static_argnums=4)
def _empirical_ntk(params, params0, x1, x2, cfg):
    def f(p, x):
        return apply(p, params0, x, cfg)

    j1 = jax.tree_util.tree_leaves(jax.jacrev(f)(params, x1))
    j2 = jax.tree_util.tree_leaves(jax.jacrev(f)(params, x2))
    n1, n2 = x1.shape[0], x2.shape[0]
    k = sum(a.reshape(n1, -1) @ b.reshape(n2, -1).T for a, b in zip(j1, j2, strict=True))
    a = 1.0 if cfg.alpha is None else cfg.alpha
    return k * (learning_rate_scale(cfg) / a**2)


def init_ensemble(cfg: NetConfig, n_members: int, *, key: jax.Array, dtype=None) -> Params:
    """``n_members`` independent initializations stacked on a leading axis."""
    n_members = check_int("n_members", n_members)
    keys = jax.random.split(key, n_members)
    return jax.tree.map(
        lambda *leaves: jnp.stack(leaves),
        *(init_params(cfg, key=k, dtype=dtype) for k in keys),
    )
