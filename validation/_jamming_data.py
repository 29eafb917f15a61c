"""Labelled data for the jamming sweeps: random labels, a teacher, digit parity.

Three tasks, all with inputs on the unit sphere S^{d-1} and labels ``y = +-1``:

* ``"random"``: ``x`` uniform on the sphere, ``y`` fair coin flips (test labels too,
  so the test error is 1/2 by construction): the pure memorization problem whose
  jamming point P/N* is what Spigler et al. (arXiv 1810.09665) measure first;
* ``"teacher"``: ``y = sign(g(x) - median g)`` for a fixed random bias-free ReLU net
  ``g`` of ``TEACHER_WIDTH`` units (balanced classes), optionally with a fraction
  ``noise`` of labels flipped (train and test);
* ``"digits"``: scikit-learn's ``load_digits`` (1797 8x8 images), centred and
  projected on its first ``d`` principal components, normalized onto the sphere,
  label = parity of the digit (even +1, odd -1); a random split of P training images,
  the rest (or ``n_test`` of them) for testing.  MNIST parity in the paper cannot be
  downloaded here; scikit-learn ships this set (optional extra ``specbias[digits]``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._errors import InputError
from ._sphere import sample_sphere_np

TASKS = ("random", "teacher", "digits")
TEACHER_WIDTH = 32
DIGITS_SIZE = 1797


class LabelledData(NamedTuple):
    """Training and test sets of one task."""

    task: str
    x: np.ndarray  # (P, d)
    y: np.ndarray  # (P,)
    x_test: np.ndarray  # (n_test, d)
    y_test: np.ndarray  # (n_test,)

    @property
    def P(self) -> int:
        return int(self.x.shape[0])

    @property
    def d(self) -> int:
        return int(self.x.shape[1])


def _teacher_labels(x: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    theta = rng.standard_normal((TEACHER_WIDTH, x.shape[1]))
    g = np.maximum(x @ theta.T, 0.0) @ rng.standard_normal(TEACHER_WIDTH)
    y = np.where(g > np.median(g), 1.0, -1.0)
    return np.where(rng.random(y.size) < noise, -y, y)


def digits_available() -> bool:
    """Whether scikit-learn (the source of ``load_digits``) can be imported."""
    try:
        import sklearn.datasets  # noqa: F401
    except ImportError:
        return False
    return True


def _digits(d: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InputError(
            "task 'digits' needs scikit-learn (pip install 'specbias[digits]')"
        ) from None
    images, labels = load_digits(return_X_y=True)
    if not 2 <= d <= images.shape[1]:
        raise InputError(f"digits: need 2 <= d <= {images.shape[1]} components, got d={d}")
    centred = images - images.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    x = centred @ vt[:d].T
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, np.where(labels % 2 == 0, 1.0, -1.0)


def jamming_data(
    task: str,
    P: int,
    d: int,
    *,
    rng: np.random.Generator,
    n_test: int = 1000,
    noise: float = 0.0,
) -> LabelledData:
    """Draw the training set (P points) and a test set of one task.

    Examples:
        >>> data = jamming_data("teacher", 16, 4, rng=np.random.default_rng(0), n_test=8)
        >>> data.x.shape, data.x_test.shape, set(np.unique(data.y)) <= {-1.0, 1.0}
        ((16, 4), (8, 4), True)
    """
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    if P < 1 or n_test < 1:
        raise InputError(f"need P >= 1 and n_test >= 1, got P={P}, n_test={n_test}")
    if not 0.0 <= noise < 0.5:
        raise InputError(f"label noise must be in [0, 0.5), got {noise}")
    if task == "digits":
        x, y = _digits(d)
        if P >= DIGITS_SIZE:
            raise InputError(f"digits has {DIGITS_SIZE} images: need P < {DIGITS_SIZE}, got {P}")
        y = np.where(rng.random(y.size) < noise, -y, y)
        order = rng.permutation(DIGITS_SIZE)
        train, test = order[:P], order[P:][:n_test]
        return LabelledData(task, x[train], y[train], x[test], y[test])
    x = sample_sphere_np(P + n_test, d, rng=rng)
    if task == "random":
        y = rng.choice(np.array([-1.0, 1.0]), P + n_test)
    else:
        y = _teacher_labels(x, rng, noise)
    return LabelledData(task, x[:P], y[:P], x[P:], y[P:])
