"""Real random-features ridge regression, to check :func:`double_descent` (numpy only).

One run draws W (N x d) and X (n x d) uniform on S^{d-1}, features phi(X W^T) with phi
from :func:`activation_constants` (sigma(sqrt(d) t) for an activation), labels
y = sqrt(d) <beta, x> F1 + f_NL(x) + noise, f_NL(x) = F* (d x^T A x) / sd with A a random
symmetric traceless Gaussian matrix (a degree-2 harmonic spread over all directions,
variance exactly F*^2 on the sphere: Var(d x^T A x) = 2 d/(d+2) |A|_F^2), and solves

.. math:: \\hat c = \\arg\\min \\frac1n\\|y - Z c\\|^2 + \\frac{N\\lambda}{d}\\|c\\|^2

(least squares / minimum norm for lambda = 0).  The risk E_x (f(x) - f_*(x))^2 is
measured on ``n_test`` fresh points (arXiv 1908.05355 conventions, see
:mod:`._double_descent`).

>>> r = simulate_random_features("relu", 20, 40, 80, seed=0, n_test=500)
>>> bool(0 < r < 2)
True
"""

from __future__ import annotations

import math

import numpy as np

from ._double_descent import activation_constants, target_constants


def _sphere(rng: np.random.Generator, m: int, d: int) -> np.ndarray:
    x = rng.standard_normal((m, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def simulate_random_features(
    activation,
    d: int,
    n: int,
    N: int,
    *,
    ridge: float = 0.0,
    noise: float = 0.0,
    target=None,
    seed: int = 0,
    n_test: int = 2000,
) -> float:
    """Test risk (vs the clean target) of one random-features ridge regression run.

    Args:
      activation: as in :func:`double_descent`.
      d, n, N: dimension, samples, features.
      ridge, noise, target: as in :func:`double_descent`.
      seed: seed of the numpy Generator.
      n_test: test points.

    Returns:
      The test risk E (f - f*)^2 (a float).

    Example:
    >>> r = simulate_random_features("relu", 10, 50, 50, seed=0, n_test=200)
    >>> bool(r > 0)
    True

    References:
      Mei & Montanari arXiv 1908.05355.
    """
    const = activation_constants(activation, d)
    f1, fs = target_constants(target, d)
    rng = np.random.default_rng(seed)
    w = _sphere(rng, int(N), d)
    beta = rng.standard_normal(d)
    beta *= math.sqrt(f1) / np.linalg.norm(beta)
    a = rng.standard_normal((d, d))
    a = a + a.T
    a -= np.trace(a) / d * np.eye(d)
    a *= math.sqrt(fs / (2 * d / (d + 2) * np.sum(a * a)))

    def clean(x: np.ndarray) -> np.ndarray:
        return math.sqrt(d) * x @ beta + d * np.einsum("ij,jk,ik->i", x, a, x)

    x = _sphere(rng, int(n), d)
    z = const.feature(x @ w.T)
    y = clean(x) + math.sqrt(noise) * rng.standard_normal(int(n))
    reg = N * ridge / d
    if reg == 0:
        coef = np.linalg.lstsq(z, y, rcond=None)[0]
    elif N <= n:
        coef = np.linalg.solve(z.T @ z / n + reg * np.eye(int(N)), z.T @ y / n)
    else:
        coef = z.T @ np.linalg.solve(z @ z.T / n + reg * np.eye(int(n)), y / n)
    xt = _sphere(rng, int(n_test), d)
    return float(np.mean((const.feature(xt @ w.T) @ coef - clean(xt)) ** 2))


def simulate_mean(activation, d, n, N, *, seeds=(0, 1, 2, 3), **kw) -> tuple[float, float]:
    """(mean, standard error) of :func:`simulate_random_features` over ``seeds``."""
    vals = np.array([simulate_random_features(activation, d, n, N, seed=s, **kw) for s in seeds])
    return float(vals.mean()), float(vals.std(ddof=1) / math.sqrt(vals.size))
