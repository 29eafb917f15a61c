r"""Spectrum of the training loss' Hessian of the one-hidden-layer net: outliers and bulk.

.. math::

    \mathcal H = \frac{H^{1-\xi}}{\alpha^2}\,\nabla_p^2 L
    = \underbrace{\frac{H^{1-\xi}}{\alpha^2}\,\frac1n J^\top J}_{\text{Gauss-Newton } G}
      + \underbrace{\frac{H^{1-\xi}}{\alpha^2}\,\frac1n\sum_i r_i\,\nabla_p^2 f(x_i)}_{R},
    \qquad L = \frac1{2n}\sum_i r_i^2,\ r = f(X) - y,\ J = \partial f(X)/\partial p.

.. warning::

   **Convention.** The Hessian is that of the objective gradient flow descends in the
   time units of :mod:`._network` (the loss times the learning-rate scale
   ``flow_scale = H**(1 - xi) / alpha**2``; ``alpha = 1`` without the alpha-trick).  Then
   the nonzero spectrum of ``G`` is exactly that of ``Theta / n``, with ``Theta`` the
   empirical tangent kernel of :func:`~._network.empirical_ntk` (= ``tangent_gram``),
   which tends to ``kernel("ntk")`` (``"ntk-bias"`` with bias) as ``H -> inf`` at
   initialization, and ``Theta/n`` on ``n`` uniform points of S^{d-1} has eigenvalues
   near ``mu_k`` (specbias' convention: probability measure, multiplicity ``N(d,k)`` not
   in ``mu_k``) in groups of ``N(d,k)``.  For the lazy net (``xi = 1``, no alpha) the
   scale is 1: this *is* the Hessian of ``L``.  For the mean-field net (``xi = 0``)
   divide by ``H`` to get the Hessian of ``L`` in the raw parameters.

Rank: a ReLU neuron's gradient ``(sigma(z), w sigma'(z) x, w sigma'(z))`` lies in the
span of ``sigma'(z) x`` (and ``sigma'(z)`` with bias), because ``sigma(z) = sigma'(z) z``
(positive homogeneity); so ``rank G = min(n, H (d + bias))`` generically, and ``G`` has
at least ``M - min(n, H(d + bias))`` exact zeros (``M = H (d + 1 + bias)`` parameters).
``R`` is block diagonal over neurons (``sigma'' = 0`` a.e.): its only nonzero blocks couple
``w_h`` with ``(theta_h, b_h)``, with eigenvalues ``+- |v_h|``,
``v_h = flow_scale * c / n * sum_i r_i sigma'(z_{ih}) (x_i, 1)``, ``c = alpha H^{-(1-xi/2)}``.
At a global minimum of the square loss (``r = 0``) ``R = 0``; in the lazy net at
initialization it is ``O(|r| / sqrt(H))``.

Routes: ``method="full"`` builds the ``M x M`` Hessian (``jax.hessian``) and calls
``eigh``; ``"lanczos"`` runs :mod:`._lanczos` on Hessian-vector products (forward over
reverse) for the top eigenvalues and stochastic Lanczos quadrature for the density.
:func:`gauss_newton_spectrum` is the independent route through ``Theta / n``.

References: Sagun, Bottou, LeCun arXiv 1611.07476; Sagun, Evci, Guney, Dauphin, Bottou
arXiv 1706.04454; Papyan arXiv 1811.07062 (outliers from the Gauss-Newton term);
Ghorbani, Krishnan, Xiao arXiv 1901.10159 (SLQ for Hessians).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._budget import check_memory
from .._errors import InputError
from ._checks import check_int
from ._flow import tangent_gram

#: largest parameter count for which ``method="auto"`` builds the full Hessian
from ._hessian_sizes import FULL_MAX as FULL_MAX
from ._lanczos import lanczos_top, slq_nodes, smoothed_density
from ._network import NetConfig, Params, check_config, learning_rate_scale, mse_loss

#: eigenvalues below ``RANK_RTOL * lambda_max`` count as zero in the rank
RANK_RTOL = 1e-9
#: Lanczos Ritz values count as converged when the residual is below this * lambda_max
CONVERGED_RTOL = 1e-10
METHODS = ("auto", "full", "lanczos")


class HessianSpectrum(NamedTuple):
    """Outliers and bulk of :math:`\\mathcal H` (flow-scaled; see the module warning).

    Attributes:
        top: the top eigenvalues, descending (Lanczos: converged Ritz values only).
        residuals: their residual bounds (0 for ``full``).
        smallest: the smallest eigenvalue (``full``) or Ritz value over the SLQ probes.
        grid, density: spectral density ``(1/M) sum_j delta(lambda - lambda_j)`` smoothed
            by a Gaussian of width ``sigma`` (unit mass on the real line).
        sigma: the smoothing width.
        rank: number of eigenvalues with ``|lambda| > RANK_RTOL lambda_max`` (``full``
            only; ``None`` for Lanczos).
        n_params: ``M``.
        flow_scale: ``H**(1 - xi) / alpha**2`` (divide by it for the Hessian of ``L``).
        method: ``"full"`` or ``"lanczos"``.
    """

    top: np.ndarray
    residuals: np.ndarray
    smallest: float
    grid: np.ndarray
    density: np.ndarray
    sigma: float
    rank: int | None
    n_params: int
    flow_scale: float
    method: str


def flow_scale(cfg: NetConfig) -> float:
    """``H**(1 - xi) / alpha**2``: the gradient-flow learning-rate scale of :mod:`._network`."""
    a = 1.0 if cfg.alpha is None else cfg.alpha
    return learning_rate_scale(cfg) / a**2


def n_params(cfg: NetConfig) -> int:
    """``M = H (d + 1 + bias)``."""
    return cfg.width * (cfg.d + 1 + int(cfg.bias))


def ravel(p: Params) -> jax.Array:
    """Flat parameter vector ``(theta.ravel(), w, [b])``."""
    parts = [p.theta.ravel(), p.w] + ([] if p.b is None else [p.b])
    return jnp.concatenate(parts)


def unravel(v: jax.Array, cfg: NetConfig) -> Params:
    """Inverse of :func:`ravel` (the shapes come from ``cfg``)."""
    hd = cfg.width * cfg.d
    b = v[hd + cfg.width :] if cfg.bias else None
    return Params(v[:hd].reshape(cfg.width, cfg.d), v[hd : hd + cfg.width], b)


@lru_cache(maxsize=64)
def _loss_fn(cfg: NetConfig):
    scale = flow_scale(cfg)

    def loss(q, params0, x, y):
        return scale * mse_loss(unravel(q, cfg), params0, x, y, cfg)

    return loss


@lru_cache(maxsize=64)
def _hvp_fn(cfg: NetConfig):
    loss = _loss_fn(cfg)

    def hvp(args, v):
        q, params0, x, y = args
        return jax.jvp(lambda u: jax.grad(loss)(u, params0, x, y), (q,), (v,))[1]

    return hvp


@lru_cache(maxsize=64)
def _full_fn(cfg: NetConfig):
    return jax.jit(jax.hessian(_loss_fn(cfg)))


def _check_inputs(params, x, y, cfg, params0):
    cfg = check_config(cfg)
    if not isinstance(params, Params) or params.theta.shape != (cfg.width, cfg.d):
        raise InputError(
            f"params must be Params of one net with theta of shape (H, d) = ({cfg.width}, {cfg.d})"
        )
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.ndim != 2 or x.shape[1] != cfg.d or y.shape != (x.shape[0],):
        raise InputError(
            f"need x of shape (n, {cfg.d}) and y of shape (n,), got {x.shape} and {y.shape}"
        )
    return cfg, x, y.astype(x.dtype), params if params0 is None else params0


def hessian_spectrum(
    params: Params,
    x: jax.Array,
    y: jax.Array,
    cfg: NetConfig,
    *,
    key: jax.Array,
    params0: Params | None = None,
    method: str = "auto",
    top: int = 30,
    steps: int | None = None,
    probes: int = 4,
    slq_steps: int = 60,
    sigma: float | None = None,
    grid_size: int = 400,
    allow_large: bool = False,
) -> HessianSpectrum:
    """Top eigenvalues and bulk density of the flow-scaled loss Hessian at ``params``.

    Args:
        params: the point (one net, no ensemble axis).
        x, y: training data ``(n, d)``, ``(n,)``; ``L = (1/2n) |f(x) - y|^2``.
        cfg: the network.
        key: JAX key for the Lanczos start vector and the SLQ probes (keyword-only).
        params0: the initialization (the lazy net's subtracted function); default
            ``params``.
        method: ``"full"`` (``M x M`` Hessian and ``eigh``), ``"lanczos"``, or ``"auto"``
            (full when ``M <= FULL_MAX``).
        top: number of top eigenvalues wanted.
        steps: Lanczos steps for the top eigenvalues (default ``max(3 top, top + 60)``).
        probes, slq_steps: SLQ probe vectors and steps per probe (Lanczos only).
        sigma: smoothing width of the density (default ``(max - min) / 300``).
        grid_size: points of the density grid.
        allow_large: skip the memory check.

    Returns:
        :class:`HessianSpectrum`.

    Examples:
        >>> import jax
        >>> from specbias.validation import NetConfig, init_params, sample_sphere
        >>> cfg = NetConfig(6, 3)
        >>> p = init_params(cfg, key=jax.random.key(0))
        >>> x = sample_sphere(40, 3, key=jax.random.key(1))
        >>> s = hessian_spectrum(p, x, 0 * x[:, 0], cfg, key=jax.random.key(2))
        >>> s.method, s.n_params, s.rank  # rank min(n, H d) = 18 at a zero residual
        ('full', 24, 18)
    """
    cfg, x, y, params0 = _check_inputs(params, x, y, cfg, params0)
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    m = n_params(cfg)
    top = check_int("top", top, 1)
    if method == "auto":
        method = "full" if m <= FULL_MAX else "lanczos"
    steps = max(3 * top, top + 60) if steps is None else check_int("steps", steps, 1)
    probes = check_int("probes", probes, 1)
    slq_steps = check_int("slq_steps", slq_steps, 2)
    n = x.shape[0]
    krylov = 0 if method == "full" else max(steps, slq_steps) + 1
    check_memory(
        {
            "full Hessian (2 M^2)": 16.0 * m * m if method == "full" else 0.0,
            "Lanczos basis (steps M)": 8.0 * krylov * m,
            "forward/backward (4 n H d)": 32.0 * n * cfg.width * cfg.d,
        },
        f"hessian H={cfg.width} d={cfg.d} n={n}",
        allow_large=allow_large,
    )
    q = ravel(params)
    args = (q, params0, x, y)
    if method == "full":
        ev = np.linalg.eigvalsh(np.asarray(_full_fn(cfg)(*args)))[::-1]
        rank = numerical_rank(ev)
        nodes, weights = ev, np.full(m, 1.0 / m)
        top_vals, res = ev[:top], np.zeros(min(top, m))
    else:
        k_top, k_slq = jax.random.split(key)
        hvp = _hvp_fn(cfg)
        r = lanczos_top(hvp, args, m, key=k_top, steps=steps, dtype=q.dtype)
        bad = np.flatnonzero(r.residuals > CONVERGED_RTOL * abs(r.values[0]))
        top_vals, res = (a[: min(top, bad[0] if bad.size else top)] for a in r[:2])
        nodes, weights = slq_nodes(
            hvp, args, m, key=k_slq, probes=probes, steps=slq_steps, dtype=q.dtype
        )
        rank = None
    lo, hi = float(nodes.min()), float(max(nodes.max(), *top_vals[:1]))
    sigma = (hi - lo) / 300.0 if sigma is None else float(sigma)
    if not (math.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be a positive number, got {sigma}")
    grid = np.linspace(lo - 4 * sigma, hi + 4 * sigma, check_int("grid_size", grid_size, 2))
    density = smoothed_density(nodes, weights, grid, sigma)
    return HessianSpectrum(
        np.asarray(top_vals),
        np.asarray(res),
        lo,
        grid,
        density,
        sigma,
        rank,
        m,
        flow_scale(cfg),
        method,
    )


def gauss_newton_spectrum(
    params: Params, x: jax.Array, cfg: NetConfig, *, allow_large: bool = False
) -> np.ndarray:
    """Eigenvalues (descending) of ``Theta / n``, the nonzero spectrum of ``G``.

    ``Theta`` by the closed form :func:`~._flow.tangent_gram` (no autodiff): an
    independent route to the Gauss-Newton part of :func:`hessian_spectrum`.

    Examples:
        >>> import jax
        >>> from specbias.validation import NetConfig, init_params, sample_sphere
        >>> cfg = NetConfig(4, 3)
        >>> x = sample_sphere(30, 3, key=jax.random.key(1))
        >>> ev = gauss_newton_spectrum(init_params(cfg, key=jax.random.key(0)), x, cfg)
        >>> int((ev > 1e-9 * ev[0]).sum())  # rank H d = 12 < n
        12
    """
    cfg = check_config(cfg)
    x = jnp.asarray(x)
    n = x.shape[0]
    check_memory(
        {"Gram (3 n^2)": 24.0 * n * n, "features (4 n H)": 32.0 * n * cfg.width},
        f"Gauss-Newton spectrum n={n} H={cfg.width}",
        allow_large=allow_large,
    )
    gram = np.asarray(tangent_gram(params, x, x, cfg)) / n
    return np.linalg.eigvalsh(gram)[::-1]


def numerical_rank(ev: np.ndarray, rtol: float = RANK_RTOL) -> int:
    """Count of ``|ev| > rtol * max |ev|``."""
    ev = np.asarray(ev)
    return int(np.count_nonzero(np.abs(ev) > rtol * np.abs(ev).max()))
