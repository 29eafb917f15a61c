r"""Lazy ReLU nets with one or two hidden layers, their tangent kernel, and their training.

The net (NTK parametrization, no bias, the initial function subtracted, the
alpha-trick of Geiger, Spigler, Jacot, Wyart arXiv 1906.08034):

.. math::

    a_1 = \sigma(W_1 x),\quad a_2 = \sigma(W_2 a_1/\sqrt H)\ \text{(depth 2)},\quad
    g(p; x) = \frac{w\cdot a_L}{\sqrt H},\qquad F(x) = \alpha\,(g(p; x) - g(p_0; x)),

with ``W1 (H, d)``, ``W2 (H, H)``, ``w (H,)`` all ``N(0, 1)`` at initialization and
``x`` on S^{d-1}.  Depth 1 is :mod:`._network` with ``xi = 1`` (same draws, same
function).  Parameter count ``N = H d + (L - 1) H^2 + H``.

Gradient flow ``dp/dt = -alpha^{-2} grad_p L`` has the tangent kernel
``Theta = grad g . grad g``, independent of ``alpha``; in closed form
(:func:`tangent_gram`, no ``(n, N)`` Jacobian)

.. math::

    \Theta_1 &= \tfrac1H\big[a_1\cdot a_1' + (w\,\sigma'_1)\cdot(w\,\sigma'_1')\;x\cdot x'\big],\\
    \Theta_2 &= \tfrac1H\,a_2\cdot a_2'
        + \tfrac1H (w\sigma'_2)\cdot(w\sigma'_2')\;\tfrac1H a_1\cdot a_1'
        + (b\cdot b')\;x\cdot x',\quad b = \sigma'_1 \circ \tfrac{W_2^\top (w\,\sigma'_2)}{H},

which tends, as ``H -> inf``, to ``kernel("ntk:depth=L")`` (Jacot, Gabriel, Hongler
arXiv 1806.07572; :func:`specbias.spectra.families.arccos.deep_relu_kernels`) with
fluctuations of order ``H^{-1/2}``.

Training (both routes end at the same function up to ``O(1/alpha)``):

* ``alpha = inf`` (:func:`lazy_predict`): the linearized net, trained to
  interpolation by gradient flow, ends at ``F = Theta_0(x, X) Theta_0(X, X)^{-1} y``
  (pseudo-inverse if ``Theta_0(X, X)`` is singular)
  (the flow never leaves ``p0 + range(J^T)``), the min-norm (one Gauss-Newton step)
  solution; this is exact, not an approximation of the flow.
* finite ``alpha`` (:func:`train_gauss_newton`): the real net, Gauss-Newton
  minimum-norm steps ``p <- p - J^T (J J^T)^{-1} r`` until ``|r| <= tol |y|``; in the
  lazy regime two or three steps reach round-off.

Example:
    >>> import jax, jax.numpy as jnp
    >>> p = init_params(2, 16, 3, key=jax.random.key(0))
    >>> [a.shape for a in p], param_count(2, 16, 3)
    ([(16, 3), (16, 16), (16,)], 320)
    >>> x = jnp.eye(3)
    >>> bool(jnp.allclose(tangent_gram(p, x, x), empirical_gram(p, x, x)))  # closed form
    True
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .._errors import InputError
from ._fluctuations_sizes import DEPTHS as DEPTHS
from ._fluctuations_sizes import check_depth as check_depth


def param_count(depth: int, width: int, d: int) -> int:
    """``N = H d + (depth - 1) H^2 + H`` trained parameters."""
    return width * d + (check_depth(depth) - 1) * width * width + width


def init_params(depth: int, width: int, d: int, *, key: jax.Array, dtype=None) -> tuple:
    """``(W1, [W2,] w)`` with independent ``N(0, 1)`` entries.

    Depth 1 draws the same numbers as :func:`._network.init_params` (same key split).
    """
    depth = check_depth(depth)
    dtype = jnp.zeros(()).dtype if dtype is None else jnp.dtype(dtype)
    k1, kw, k2 = jax.random.split(key, 3)
    w1 = jax.random.normal(k1, (width, d), dtype)
    w = jax.random.normal(kw, (width,), dtype)
    if depth == 1:
        return (w1, w)
    return (w1, jax.random.normal(k2, (width, width), dtype), w)


def _forward(p: tuple, x: jax.Array):
    """Activations and derivatives: ``(a1, s1, a2, s2)`` (``a2 = s2 = None`` at depth 1)."""
    z1 = x @ p[0].T
    a1, s1 = jax.nn.relu(z1), (z1 > 0).astype(z1.dtype)
    if len(p) == 2:
        return a1, s1, None, None
    z2 = a1 @ p[1].T / math.sqrt(p[1].shape[0])
    return a1, s1, jax.nn.relu(z2), (z2 > 0).astype(z2.dtype)


def output(p: tuple, x: jax.Array) -> jax.Array:
    """``g(p; x) = w . a_L(x) / sqrt(H)`` for ``x (..., d)``."""
    a1, _, a2, _ = _forward(p, x)
    last = a1 if a2 is None else a2
    return last @ p[-1] / math.sqrt(p[-1].shape[0])


def apply(p: tuple, p0: tuple, x: jax.Array, alpha: float) -> jax.Array:
    """``F = alpha (g(p) - g(p0))``: zero at initialization."""
    return alpha * (output(p, x) - output(jax.lax.stop_gradient(p0), x))


def tangent_gram(p: tuple, x1: jax.Array, x2: jax.Array) -> jax.Array:
    """Closed-form empirical tangent kernel ``grad g(x1) . grad g(x2)`` (module doc)."""
    h = p[-1].shape[0]
    f1, f2 = _forward(p, x1), _forward(p, x2)
    inner = x1 @ x2.T
    w = p[-1][None, :]
    if len(p) == 2:
        (a1, s1, _, _), (b1, t1, _, _) = f1, f2
        return (a1 @ b1.T + ((s1 * w) @ (t1 * w).T) * inner) / h
    (a1, s1, a2, s2), (b1, t1, b2, t2) = f1, f2
    d2, e2 = s2 * w, t2 * w
    back1 = s1 * (d2 @ p[1]) / h
    back2 = t1 * (e2 @ p[1]) / h
    return (a2 @ b2.T + (d2 @ e2.T) * (a1 @ b1.T) / h) / h + (back1 @ back2.T) * inner


@jax.jit
def empirical_gram(p: tuple, x1: jax.Array, x2: jax.Array) -> jax.Array:
    """Reference route: ``J(x1) J(x2)^T`` from ``jax.jacrev`` (small nets only)."""
    j1 = jax.tree_util.tree_leaves(jax.jacrev(output)(p, x1))
    j2 = jax.tree_util.tree_leaves(jax.jacrev(output)(p, x2))
    n1, n2 = x1.shape[0], x2.shape[0]
    return sum(a.reshape(n1, -1) @ b.reshape(n2, -1).T for a, b in zip(j1, j2, strict=True))


def lazy_predict(p0: tuple, x: jax.Array, y: jax.Array, x_test: jax.Array) -> jax.Array:
    """``alpha = inf`` end point on ``x_test``: ``Theta_0(T, X) Theta_0(X, X)^{-1} y``."""
    return tangent_gram(p0, x_test, x) @ min_norm_coef(tangent_gram(p0, x, x), y)


def min_norm_coef(gram: jax.Array, y: jax.Array) -> jax.Array:
    """``Theta^+ y`` (pseudo-inverse): gradient flow's end point also when ``Theta`` is
    singular (a narrow net: then the data are fitted in least squares, not interpolated).
    """
    return jnp.linalg.pinv(gram, hermitian=True) @ y


def train_gauss_newton(
    p0: tuple,
    x: jax.Array,
    y: jax.Array,
    alpha: float,
    *,
    steps: int = 8,
    tol: float = 1e-10,
) -> tuple[tuple, jax.Array]:
    """Train the real net at finite ``alpha`` by Gauss-Newton min-norm steps.

    One step: ``c = Theta(p)^{-1} r / alpha``, ``p <- p - J_g^T c`` (a vector-Jacobian
    product), i.e. ``delta p = -J_F^T (J_F J_F^T)^{-1} r`` with ``J_F = alpha J_g``.
    Stops after ``steps`` steps or when ``|r| <= tol |y|``.

    Returns:
        ``(params, residual norm relative to |y|)``.
    """
    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0):
        raise InputError(f"alpha must be a finite number > 0, got {alpha!r}")
    p = p0
    y_norm = float(jnp.linalg.norm(y))
    rel = 1.0
    for _ in range(int(steps)):
        r = apply(p, p0, x, alpha) - y
        rel = float(jnp.linalg.norm(r)) / y_norm
        if rel <= tol:
            break
        p = _gn_step(p, x, r, alpha)
    else:
        rel = float(jnp.linalg.norm(apply(p, p0, x, alpha) - y)) / y_norm
    return p, jnp.asarray(rel)


@jax.jit
def _gn_step(p, x, r, alpha):
    gram = tangent_gram(p, x, x)
    c = min_norm_coef(gram, r) / alpha
    _, vjp = jax.vjp(lambda q: output(q, x), p)
    (jtc,) = vjp(c)
    return jax.tree.map(lambda a, g: a - g, p, jtc)
