r"""Lanczos with full reorthogonalization, and stochastic Lanczos quadrature (SLQ).

For a symmetric operator ``A`` on R^M given only by products ``v -> A v`` (a Hessian-
vector product), ``m`` Lanczos steps from a unit vector ``q_1`` build an orthonormal
basis ``Q_m`` of the Krylov space and the tridiagonal ``T_m = Q_m^T A Q_m``:

.. math::

    A Q_m = Q_m T_m + \beta_m q_{m+1} e_m^T,\qquad
    \|A (Q_m s_i) - \theta_i Q_m s_i\| = |\beta_m\, s_{m,i}|,

so each Ritz value ``theta_i`` (eigenvalue of ``T_m``, eigenvector ``s_i``) carries the
exact residual ``|beta_m s_{m,i}|``; a symmetric ``A`` has an eigenvalue within that
distance of ``theta_i`` (Parlett, *The Symmetric Eigenvalue Problem*, Thm 11.4.1; Golub
& Van Loan §10.1).  Every new vector is orthogonalized against all previous ones, twice
("twice is enough", classical Gram-Schmidt; Giraud et al. 2005), so no ghost copies
appear and the basis stays orthonormal to rounding.  Breakdown (``beta_j ~ 0``: an
invariant subspace, e.g. a low-rank Hessian whose Krylov space is exhausted) stops the
run early; the Ritz values are then exact eigenvalues.

Exactly repeated eigenvalues are seen once from a single start vector (the Krylov space
holds one vector of each eigenspace); the Hessians here have near-degenerate groups
split by finite-n and finite-width fluctuations, which Lanczos resolves given enough
steps (the residuals say which Ritz values have converged).

SLQ (Golub & Meurant 2010; Ubaru, Chen, Saad 2017; Ghorbani, Krishnan, Xiao arXiv
1901.10159): for a random unit vector ``v`` (Rademacher / sqrt(M)), the Gauss quadrature
of the spectral measure of ``(A, v)`` has nodes ``theta_i`` and weights ``s_{1,i}^2``;
averaged over probes it estimates the spectral density ``(1/M) sum_j delta(lambda -
lambda_j)``, smoothed here by a Gaussian of width ``sigma``.

The whole run is one ``jax.lax.fori_loop`` under ``jit``: the basis ``(m + 1, M)`` is
preallocated (rows not yet built are zero, so projecting on all rows is exact).  Memory
``8 (m + 1) M`` bytes in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

#: relative size of ``beta_j`` (against the largest |alpha|, |beta| so far) below which
#: the Krylov space counts as invariant (breakdown)
BREAKDOWN_RTOL = 1e-10


class Tridiagonal(NamedTuple):
    """Lanczos coefficients: ``alpha (m,)``, ``beta (m,)`` (``beta[j]`` couples j, j+1),
    and ``steps``, the number of valid steps (< m after a breakdown)."""

    alpha: np.ndarray
    beta: np.ndarray
    steps: int


class RitzPairs(NamedTuple):
    """Ritz values (descending), residual bounds ``|beta_m s_{m,i}|`` and the first
    components ``s_{1,i}`` (quadrature weights are their squares)."""

    values: np.ndarray
    residuals: np.ndarray
    first: np.ndarray


@partial(jax.jit, static_argnums=(0, 3))
def _lanczos(matvec: Callable, args, q1: jax.Array, steps: int):
    dim = q1.shape[0]
    basis = jnp.zeros((steps + 1, dim), q1.dtype).at[0].set(q1 / jnp.linalg.norm(q1))
    zeros = jnp.zeros((steps,), q1.dtype)

    def body(j, carry):
        basis, alpha, beta, scale, alive = carry
        v = basis[j]
        w = matvec(args, v)
        a = jnp.vdot(v, w)
        for _ in range(2):  # full reorthogonalization, twice
            w = w - basis.T @ (basis @ w)
        b = jnp.linalg.norm(w)
        scale = jnp.maximum(scale, jnp.maximum(jnp.abs(a), b))
        alive = alive & (b > BREAKDOWN_RTOL * scale)
        nxt = jnp.where(alive, w / jnp.where(alive, b, 1.0), 0.0)
        basis = basis.at[j + 1].set(nxt)
        alpha = alpha.at[j].set(a)
        beta = beta.at[j].set(jnp.where(alive, b, 0.0))
        return basis, alpha, beta, scale, alive

    init = (basis, zeros, zeros, jnp.zeros((), q1.dtype), jnp.array(True))
    _, alpha, beta, _, _ = jax.lax.fori_loop(0, steps, body, init)
    return alpha, beta


def lanczos(matvec: Callable, args, q1: jax.Array, steps: int) -> Tridiagonal:
    """``steps`` Lanczos steps of ``v -> matvec(args, v)`` from ``q1`` (normalized here).

    ``matvec`` must be a hashable module-level function (a ``jit`` static argument);
    ``args`` a pytree of arrays.  Returns the tridiagonal up to the first breakdown.

    Examples:
        >>> import jax.numpy as jnp
        >>> a = jnp.diag(jnp.arange(1.0, 6.0))
        >>> t = lanczos(lambda m, v: m @ v, a, jnp.ones(5), 5)
        >>> t.steps, [round(float(v), 8) for v in ritz(t).values]
        (5, [5.0, 4.0, 3.0, 2.0, 1.0])
    """
    alpha, beta = (np.asarray(a) for a in _lanczos(matvec, args, q1, int(steps)))
    dead = np.flatnonzero(beta == 0.0)
    m = int(dead[0]) + 1 if dead.size else int(steps)
    return Tridiagonal(alpha[:m], beta[:m], m)


def ritz(t: Tridiagonal) -> RitzPairs:
    """Ritz values of ``T_m`` with their residual bounds (0 after a breakdown)."""
    from scipy.linalg import eigh_tridiagonal

    theta, s = eigh_tridiagonal(t.alpha, t.beta[: t.steps - 1])
    order = np.argsort(theta)[::-1]
    theta, s = theta[order], s[:, order]
    return RitzPairs(theta, np.abs(t.beta[t.steps - 1] * s[-1]), s[0])


def lanczos_top(
    matvec: Callable, args, dim: int, *, key: jax.Array, steps: int, dtype
) -> RitzPairs:
    """Ritz pairs of one Lanczos run from a Gaussian start vector (``key``)."""
    q1 = jax.random.normal(key, (dim,), dtype)
    return ritz(lanczos(matvec, args, q1, min(int(steps), dim)))


def slq_nodes(
    matvec: Callable, args, dim: int, *, key: jax.Array, probes: int, steps: int, dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights (each probe's weights sum to ``1 / probes``)."""
    nodes, weights = [], []
    for k in jax.random.split(key, probes):
        q1 = jax.random.rademacher(k, (dim,), dtype)
        r = ritz(lanczos(matvec, args, q1, min(int(steps), dim)))
        nodes.append(r.values)
        weights.append(r.first**2 / probes)
    return np.concatenate(nodes), np.concatenate(weights)


def smoothed_density(
    nodes: np.ndarray, weights: np.ndarray, grid: np.ndarray, sigma: float
) -> np.ndarray:
    """``sum_i w_i N(lambda; theta_i, sigma^2)`` on ``grid`` (unit mass if sum w = 1).

    Examples:
        >>> g = np.linspace(-1, 1, 2001)
        >>> rho = smoothed_density(np.array([0.0]), np.array([1.0]), g, 0.05)
        >>> round(float(rho.sum() * (g[1] - g[0])), 6)
        1.0
    """
    z = (np.asarray(grid)[:, None] - np.asarray(nodes)[None, :]) / sigma
    return (np.exp(-0.5 * z * z) @ np.asarray(weights)) / (sigma * np.sqrt(2.0 * np.pi))
