"""Shared by the trainer benchmarks: one draw of the unit-variance teacher on S^{d-1}."""

from __future__ import annotations

import numpy as np

from specbias.validation import sample_sphere_np, sample_target, target_variance


def unit_variance_draw(d: int, n: int, nu: float, n_test: int = 1000):
    """``(x, x_test, y, y_test)`` float64: n training and n_test test points uniform on
    S^{d-1}, labels from ``abs-power-rf:a=nu-1/2`` divided by sqrt(K_T(1)); the
    Generator is seeded with (0, n, 0), as the benchmarks always were."""
    teacher = f"abs-power-rf:a={nu - 0.5:g}"
    rng = np.random.default_rng([0, n, 0])
    x = sample_sphere_np(n, d, rng=rng)
    xt = sample_sphere_np(n_test, d, rng=rng)
    s = sample_target(rng, x, xt, teacher)
    scale = np.sqrt(target_variance(teacher))
    return x, xt, s.y_train / scale, s.y_test / scale


def trainer_parser(nu: float):
    """argparse parser with the options every trainer benchmark shares."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=3)
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--nu", type=float, default=nu)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--members", type=int, default=4)
    ap.add_argument("--gd-steps", type=int, default=20000)
    ap.add_argument("--rel-tol", type=float, default=1e-6)
    return ap
