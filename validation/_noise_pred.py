"""The noisy prediction that ``validate --noise`` compares the lazy regime with.

Label noise is relative: ``cfg.noise`` = sigma^2 / Var f* (Var f* = K_T(1) of the
teacher, 1 for the constant target), the convention of :func:`specbias.learning_curve`
(:data:`specbias.theory.NOISE_CONVENTION`).  The lazy limit is ridgeless NTK
regression, whose eigenlearning curve with noise is

    gen_error(n) = E0 B(kappa) + sigma^2 (E0 - 1)

(measured as test_error = gen_error / Var f*, on noise-free test labels).  Its noise
term tends to the plateau sigma^2 (a - 1), so the asymptotic exponent is 0
(:mod:`specbias.theory._noise`); over the finite n range of a run the curve bends
from the noiseless beta_0 towards 0.  The predicted exponent of a run is therefore
the least-squares slope of log gen_error versus log n of the theory curve at the
run's own n values, the same estimator :func:`._fit.fit_power_law` applies to the
measured means.  The feature regime (minimum-norm interpolation by ReLU atoms) has
no noisy theory here: it keeps the noiseless prediction, with a note.
"""

from __future__ import annotations

import math

import numpy as np

from ..theory import constant_target, learning_curve, teacher_target
from ..theory._curve_result import NOISE_CONVENTION
from ..theory._noise import noise_crossover, noise_exponents
from ._config import ValidationConfig
from ._targets_sample import CONSTANT_TEACHER

FEATURE_NOTE = (
    "label noise: no noisy theory for the feature regime (min-norm interpolation of noisy "
    "labels); the prediction shown is the noiseless one"
)


def _target(cfg: ValidationConfig):
    if cfg.teacher == CONSTANT_TEACHER:
        return constant_target(cfg.d)
    return teacher_target(cfg.teacher, cfg.d)


def lazy_noise_prediction(cfg: ValidationConfig) -> dict | None:
    """The noisy lazy-ntk prediction of ``cfg`` (None without noise), JSON-ready.

    Keys: ``beta_effective`` (slope of the theory curve over cfg.n_values),
    ``beta_asymptotic`` (0: ridgeless plateau), ``plateau`` (noise * (a - 1), in units of
    Var f*), ``crossover_n`` and its ``crossover_method``, ``test_error`` (theory, per
    n, gen_error / Var f*), ``noise_convention``.
    """
    if cfg.noise <= 0:
        return None
    tgt = _target(cfg)
    ns = np.asarray(cfg.n_values, dtype=np.float64)
    lc = learning_curve("ntk", tgt, ns, noise=cfg.noise, rtol=1e-4)
    err = lc.gen_error / tgt.variance
    slope = -float(np.polyfit(np.log(ns), np.log(err), 1)[0])
    ex = noise_exponents(cfg.d, cfg.nu_t, "ntk")
    n_x, how = noise_crossover("ntk", tgt, cfg.noise)
    return {
        "regime": "lazy-ntk",
        "noise": cfg.noise,
        "noise_convention": NOISE_CONVENTION,
        "beta_effective": slope,
        "beta_noiseless": ex.beta_noiseless,
        "beta_asymptotic": ex.beta_ridgeless,
        "plateau": None if ex.plateau_factor is None else cfg.noise * ex.plateau_factor,
        "crossover_n": n_x if math.isfinite(n_x) else None,
        "crossover_method": how,
        "test_error": [float(v) for v in err],
    }
