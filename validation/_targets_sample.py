"""Gaussian-random-field teachers sampled exactly on finite point sets (numpy only).

The target of the feature-vs-lazy experiment (Petrini, Cagnetta, Vanden-Eijnden,
Wyart arXiv 2206.12314) is a centred Gaussian random field f* on S^{d-1} with
covariance E[f*(x) f*(y)] = K_T(x . y), e.g. the random-feature teacher
``abs-power-rf:a=A``, K_T = E_w[|w.x|^A |w.y|^A], w ~ N(0, I_d), of smoothness
nu_t = A + 1/2.  On the N = n + m train and test points together the field is an
N-dimensional Gaussian vector, drawn as L z with L the Cholesky factor of the joint
Gram matrix, so no spectral truncation is involved.  The only approximation is the
diagonal jitter needed when the Gram matrix is numerically singular (very smooth
teachers, nearly coincident points); it adds independent noise of that variance,
is the smallest of the ladder 0, 1e-14 trace/N, x10, ... that works, and is
reported in the result.

The constant target (``nu_t = inf``, teacher name ``"constant"``; arXiv 2206.12314
Fig. 4) is not a centred field: its labels are y = 1 exactly (plus label noise), and
unit variance is not defined for it, so errors are plain mean squared errors (the
zero predictor's error E f*^2 is 1, as K_T(1) is for the fields).

The module never imports JAX.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import cho_factor

from .._errors import AccuracyError, InputError
from ..spectra import Kernel
from ..spectra import kernel as parse_kernel
from ._gram import MAX_REL_JITTER, check_sphere_points, gram_matrix, jittered_cholesky

#: Teacher name of the constant target f* = 1 (``ValidationConfig(nu_t=math.inf)``).
CONSTANT_TEACHER = "constant"
#: ``label_convention`` and ``test_error_definition`` of validate's JSON, per target.
LABEL_CONVENTION = {
    "field": (
        "trained nets are fitted to y / sqrt(K_T(1)) (unit variance); limits are "
        "linear in y; every test_error is MSE / K_T(1) on noise-free test labels; label "
        "noise of variance `noise` * K_T(1) (`noise` is relative to Var f*) is added to "
        "the training labels before the rescaling"
    ),
    CONSTANT_TEACHER: (
        "constant target f* = 1 (nu_t = inf): labels y = 1 (plus label noise of variance "
        "`noise`, relative to E f*^2 = 1), not rescaled (unit variance is not defined "
        "for a constant); "
        "test_error = mean squared error, the zero predictor's error being 1"
    ),
}
TEST_ERROR_DEFINITION = {
    "field": "mean over test points of (f(x) - f*(x))^2 / Var f*(x)",
    CONSTANT_TEACHER: "mean over test points of (f(x) - 1)^2 (f* = 1)",
}


class TargetSample(NamedTuple):
    """One draw of the teacher field.

    ``y_train`` includes the label noise (if any), ``y_test`` is noise free;
    ``jitter`` is the absolute diagonal shift the joint Cholesky factorization needed.
    """

    y_train: np.ndarray
    y_test: np.ndarray
    jitter: float


def target_variance(teacher: str | Kernel) -> float:
    """Var f*(x) = K_T(1): the error of the zero predictor, used to normalize errors.

    For the constant target (``"constant"``) it is E f*^2 = 1 (errors stay MSEs).

    Examples:
        >>> round(target_variance("abs-power-rf:a=1"), 12)  # E[(w.x)^2] = 1
        1.0
        >>> round(target_variance("abs-power-rf:a=2"), 12)  # E[(w.x)^4] = 3
        3.0
    """
    if isinstance(teacher, str) and teacher == CONSTANT_TEACHER:
        return 1.0  # E f*^2 of f* = 1: the zero predictor's error
    value = float(parse_kernel(teacher).phi(1.0))
    if not (np.isfinite(value) and value > 0):
        raise InputError(f"teacher {teacher!s} has K_T(1) = {value}, not a covariance")
    return value


def sample_target(
    rng: np.random.Generator,
    x_train,
    x_test,
    teacher: str | Kernel,
    *,
    noise: float = 0.0,
    jitter: float | None = None,
    max_rel_jitter: float = MAX_REL_JITTER,
) -> TargetSample:
    """Draw f* ~ GP(0, K_T(x . y)) jointly on train and test points.

    Args:
        rng: numpy Generator (the only source of randomness; same state, same draw).
        x_train: ``(n, d)`` unit vectors.
        x_test: ``(m, d)`` unit vectors (m may be 0).
        teacher: covariance K_T as a kernel name, e.g. ``"abs-power-rf:a=1.5"``, or
            ``"constant"``: f* = 1 on every point (no field draw, jitter 0).
        noise: label-noise variance added to the training labels only (>= 0).
        jitter: None for the smallest working jitter of the ladder, or a fixed
            absolute jitter (an :class:`~specbias.AccuracyError` if it fails).
        max_rel_jitter: top of the ladder, relative to trace/N.

    Returns:
        :class:`TargetSample` ``(y_train, y_test, jitter)``.

    Draw order (for reproducibility): N standard normals for the field, then n for
    the label noise (only if ``noise > 0``).

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = np.eye(3)
        >>> s = sample_target(rng, x[:2], x[2:], "abs-power-rf:a=1")
        >>> s.y_train.shape, s.y_test.shape, s.jitter
        ((2,), (1,), 0.0)
    """
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    xtr = check_sphere_points(x_train, "x_train")
    xte = np.asarray(x_test, dtype=np.float64)
    if xte.size == 0:
        xte = np.zeros((0, xtr.shape[1]))
    else:
        xte = check_sphere_points(xte, "x_test", xtr.shape[1])
    if not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"noise variance must be finite and >= 0, got {noise!r}")
    if isinstance(teacher, str) and teacher == CONSTANT_TEACHER:
        return _constant_sample(rng, xtr.shape[0], xte.shape[0], noise)
    teacher_k = parse_kernel(teacher)
    target_variance(teacher_k)
    pts = np.vstack([xtr, xte])
    gram = gram_matrix(pts, None, teacher_k)
    if jitter is None:
        fac, used = jittered_cholesky(gram, max_rel_jitter=max_rel_jitter, what="teacher Gram")
    else:
        if not (np.isfinite(jitter) and jitter >= 0):
            raise InputError(f"jitter must be None or a finite number >= 0, got {jitter!r}")
        fac, used = _fixed_jitter_cholesky(gram, float(jitter))
    lower = np.tril(fac[0])
    field = lower @ rng.standard_normal(pts.shape[0])
    n = xtr.shape[0]
    y_train = field[:n].copy()
    if noise > 0:
        y_train += np.sqrt(noise) * rng.standard_normal(n)
    return TargetSample(y_train, field[n:].copy(), used)


def _constant_sample(rng: np.random.Generator, n: int, m: int, noise: float) -> TargetSample:
    """Labels of f* = 1: ones, plus n normals of label noise (drawn only if noise > 0)."""
    y_train = np.ones(n)
    if noise > 0:
        y_train += np.sqrt(noise) * rng.standard_normal(n)
    return TargetSample(y_train, np.ones(m), 0.0)


def _fixed_jitter_cholesky(gram: np.ndarray, jitter: float):
    try:
        fac = cho_factor(gram + jitter * np.eye(len(gram)), lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        raise AccuracyError(
            f"teacher Gram matrix is not positive definite with jitter {jitter:.3g}"
        ) from None
    return fac, jitter
