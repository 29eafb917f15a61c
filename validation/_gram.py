"""Kernel Gram matrices on the unit sphere S^{d-1}, and their jittered Cholesky factor.

``K[i, j] = phi(x_i . y_j)`` for a dot-product kernel ``phi`` (a registry spec or a
:class:`~specbias.spectra.Kernel`), evaluated through the angle so that cusps at
t = 1 (the NTK's sqrt(1 - t)) keep full float64 accuracy.  Shared by the
infinite-width limits (:mod:`._limits`) and the teacher sampler
(:mod:`._targets_sample`); numpy/scipy only, so sizing a sweep never loads numba or
JAX.

Example:
    >>> import numpy as np
    >>> x = np.eye(3)
    >>> gram_matrix(x, None, "arccos1").round(4).tolist()[0]
    [0.5, 0.1592, 0.1592]
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor

from .._errors import AccuracyError, InputError
from ..spectra import Kernel
from ..spectra import kernel as parse_kernel

# |x| may differ from 1 by float32 round-off (1e-7) but not more.
SPHERE_TOL = 1e-6
# Jitter ladder of the Cholesky factorization, relative to mean(diag K):
# first 0, then 1e-14, 1e-13, ... up to MAX_REL_JITTER.
FIRST_REL_JITTER = 1e-14
MAX_REL_JITTER = 1e-4
# Beyond |x . y| > ANGLE_SWITCH the angle comes from the chord |x -+ y| (arccos loses
# digits there: d theta = dt / sin theta).
ANGLE_SWITCH = 0.99


def check_sphere_points(x, name: str, d: int | None = None) -> np.ndarray:
    """``x`` as a float64 ``(n, d)`` array of unit vectors, else :class:`InputError`."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 2:
        raise InputError(f"{name} must have shape (n, d) with n >= 1, d >= 2, got {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise InputError(f"{name} has dimension {arr.shape[1]}, expected d = {d}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains non-finite values")
    dev = float(np.max(np.abs(np.linalg.norm(arr, axis=1) - 1.0)))
    if dev > SPHERE_TOL:
        raise InputError(f"{name} must lie on the unit sphere (max ||x| - 1| = {dev:.3g})")
    return arr


def _check_labels(y, n: int, name: str = "y_train") -> np.ndarray:
    arr = np.asarray(y, dtype=np.float64)
    if arr.shape != (n,):
        raise InputError(f"{name} must have shape ({n},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains non-finite values")
    return arr


def gram_matrix(x: np.ndarray, y: np.ndarray | None, spec: str | Kernel) -> np.ndarray:
    """``K[i, j] = phi(x_i . y_j)`` for unit vectors (``y=None``: symmetric ``K(x, x)``).

    Evaluated through the angle, ``phi_theta``: kernels such as the NTK have a
    sqrt(1 - t) cusp at t = 1, where arccos of a rounded dot product would be off
    by 1e-8 (so a kernel interpolant would miss its own training points by
    1e-8 |alpha|).  Near-parallel pairs (|t| > ANGLE_SWITCH) get the angle from
    the chord, theta = 2 arcsin(|x - y| / 2), exactly 0 for identical points.
    """
    k = parse_kernel(spec)
    theta = pair_angles(x, x if y is None else y)
    if y is None:
        theta = 0.5 * (theta + theta.T)
        np.fill_diagonal(theta, 0.0)
    out = np.asarray(k.phi_theta(theta), dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise InputError(f"kernel {k.spec!r} is not finite on these points")
    return out


def pair_angles(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Angles arccos(x_i . y_j) in [0, pi], accurate near 0 and pi (chord formula)."""
    t = np.clip(x @ y.T, -1.0, 1.0)
    theta = np.arccos(t)
    for sgn, base in ((1.0, 0.0), (-1.0, np.pi)):
        i, j = np.nonzero(sgn * t > ANGLE_SWITCH)
        chord = np.linalg.norm(x[i] - sgn * y[j], axis=1)
        theta[i, j] = base + sgn * 2.0 * np.arcsin(np.minimum(chord / 2.0, 1.0))
    return theta


def jittered_cholesky(
    matrix: np.ndarray,
    *,
    max_rel_jitter: float = MAX_REL_JITTER,
    what: str = "kernel matrix",
) -> tuple[tuple[np.ndarray, bool], float]:
    """Lower Cholesky factor of ``matrix + jitter I`` with the smallest working jitter.

    The ladder is 0, then ``1e-14 * trace/n`` times 10, 100, ... up to
    ``max_rel_jitter * trace/n``; beyond it :class:`AccuracyError`.

    Returns:
        ``(cho_factor result (lower=True), jitter)``; ``jitter`` is absolute.
    """
    n = matrix.shape[0]
    scale = float(np.trace(matrix)) / n
    if not scale > 0:
        raise AccuracyError(f"{what} has non-positive trace {scale * n:.3g}")
    ladder = [0.0]
    rel = FIRST_REL_JITTER
    while rel <= max_rel_jitter * (1 + 1e-9):
        ladder.append(rel * scale)
        rel *= 10.0
    eye = np.eye(n)
    for jitter in ladder:
        try:
            fac = cho_factor(matrix + jitter * eye, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            continue
        if np.all(np.isfinite(fac[0])):
            return fac, jitter
    raise AccuracyError(
        f"{what} ({n}x{n}) is not positive definite even with jitter "
        f"{max_rel_jitter:.0e} * trace/n; points may be duplicated"
    )
