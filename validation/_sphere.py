"""Uniform samples on the unit sphere S^{d-1} (normalized Gaussian vectors).

If g ~ N(0, I_d) then g / |g| is uniform on S^{d-1} (rotation invariance of the
Gaussian).  Two routes: JAX (explicit ``key``) and numpy (explicit ``rng``), used by
the training code and by the numpy kernel-regression references respectively.

The JAX route reads the x64 setting and never flips it: the default dtype is float64
when ``jax_enable_x64`` is on and float32 otherwise.  JAX is imported by the JAX
route only, so the numpy route (and everything that sizes a sweep before running it)
does not pay for it.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from .._errors import InputError

if TYPE_CHECKING:
    import jax
    import jax.numpy as jnp


def _check_nd(n, d) -> tuple[int, int]:
    try:
        n_i, d_i = operator.index(n), operator.index(d)
    except TypeError:
        raise InputError(f"n and d must be integers, got n={n!r}, d={d!r}") from None
    if n_i < 1:
        raise InputError(f"need n >= 1 sample points, got n={n_i}")
    if d_i < 2:
        raise InputError(f"need dimension d >= 2 for the sphere S^(d-1), got d={d_i}")
    return n_i, d_i


def default_float() -> jnp.dtype:
    """float64 when ``jax_enable_x64`` is on, else float32 (never changes the setting)."""
    import jax
    import jax.numpy as jnp

    return jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.float64))


def sample_sphere(n: int, d: int, *, key: jax.Array, dtype=None) -> jax.Array:
    """``n`` points uniform on S^{d-1}, shape ``(n, d)``.

    Args:
        n: number of points (>= 1).
        d: ambient dimension (>= 2).
        key: a JAX PRNG key (keyword-only).
        dtype: floating dtype; default float64 under x64, float32 otherwise.

    Returns:
        Array ``(n, d)`` with unit-norm rows.

    Examples:
        >>> import jax
        >>> x = sample_sphere(5, 3, key=jax.random.key(0))
        >>> x.shape
        (5, 3)
        >>> bool(jax.numpy.allclose(jax.numpy.linalg.norm(x, axis=1), 1.0, atol=1e-6))
        True
    """
    import jax
    import jax.numpy as jnp

    n, d = _check_nd(n, d)
    dtype = default_float() if dtype is None else jnp.dtype(dtype)
    g = jax.random.normal(key, (n, d), dtype=dtype)
    return g / jnp.linalg.norm(g, axis=1, keepdims=True)


def sample_sphere_np(n: int, d: int, *, rng: np.random.Generator) -> np.ndarray:
    """numpy twin of :func:`sample_sphere`: ``(n, d)`` float64 points uniform on S^{d-1}.

    Examples:
        >>> x = sample_sphere_np(4, 3, rng=np.random.default_rng(0))
        >>> np.allclose(np.linalg.norm(x, axis=1), 1.0)
        True
    """
    n, d = _check_nd(n, d)
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)
