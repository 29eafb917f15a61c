"""The L1-protocol feature trainer (particle sliding) against independent routes."""

import math

import numpy as np
import pytest

from specbias import InputError
from specbias.validation import target_variance
from specbias.validation._experiment import ValidationConfig
from specbias.validation._limits import min_variation_norm_interpolation, relu_features
from specbias.validation._simplex import L1Simplex
from specbias.validation._sliding import train_l1_sliding
from specbias.validation._units import _data


def _draw(n, d=3, nu=4.0, seed=0):
    cfg = ValidationConfig(d=d, nu_t=nu, n_values=(n, 2 * n), n_test=500, solver="limit")
    x, xt, s = _data(cfg, n, seed)
    scale = math.sqrt(target_variance(cfg.teacher))
    return x, s.y_train / scale, xt, s.y_test / scale


@pytest.fixture(scope="module")
def d3():
    x, y, xt, yt = _draw(64)
    limit = min_variation_norm_interpolation(x, y, xt, rng=np.random.default_rng(0))
    run = train_l1_sliding(x, y, xt, yt, width=512, rng=np.random.default_rng(1))
    return x, y, xt, yt, limit, run


def test_endpoint_interpolates_sparsely(d3):
    x, y, _, _, _, run = d3
    assert run.residual < 1e-8 and run.train_mse < 1e-16
    assert 0 < run.n_atoms <= len(y)
    assert np.allclose(np.linalg.norm(run.theta, axis=1), 1.0)
    f = relu_features(run.theta, x) @ run.c
    assert np.max(np.abs(f - y)) < 1e-8
    assert run.stop_reason in ("converged", "kkt")


def test_sliding_approaches_the_continuum_limit(d3):
    """Route 1: particles from a random start; route 2: column generation over the
    continuum (its LP optimum is a lower bound on any net's l1 norm)."""
    _, _, _, yt, limit, run = d3
    assert run.l1_norm >= limit.lower_bound * (1 - 1e-9)
    assert run.l1_norm <= limit.l1_norm * 1.02  # within 2% of the continuum optimum
    e_run = np.mean((run.prediction - yt) ** 2)
    e_lim = np.mean((limit.prediction - yt) ** 2)
    assert abs(e_run / e_lim - 1) < 0.1  # measured 1-4% at n = 64..128, H = 512..1024


def test_sliding_improves_on_frozen_particles(d3):
    """The same particles without sliding (random-feature basis pursuit, the round-0
    LP) have a larger l1 norm: the input weights did move, and it paid."""
    x, y, _, _, _, run = d3
    lp = L1Simplex(y, relu_features(run.theta0, x))
    lp.solve()
    lp.finish()
    assert run.l1_norm < lp.objective * (1 - 1e-3)
    assert 0 < run.feature_movement < 1 and run.active_movement > 0
    assert 0 < run.relu_flips < 0.1


def test_tighter_stopping_rule_changes_little():
    x, y, xt, yt = _draw(64, seed=1)
    runs = [
        train_l1_sliding(x, y, xt, yt, width=512, rng=np.random.default_rng(3), conv_rtol=r)
        for r in (0.02, 0.005)
    ]
    e = [np.mean((r.prediction - yt) ** 2) for r in runs]
    assert abs(e[1] / e[0] - 1) < 0.02
    assert runs[1].rounds >= runs[0].rounds


def test_deterministic():
    x, y, xt, yt = _draw(32)
    a, b = (
        train_l1_sliding(x, y, xt, yt, width=128, rng=np.random.default_rng(7)) for _ in range(2)
    )
    assert np.array_equal(a.prediction, b.prediction)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(width=16), "width H >= n"),
        (dict(width=64, conv_rtol=0.0), "conv_rtol"),
        (dict(width=64, rng=0), "numpy.random.Generator"),
    ],
)
def test_bad_inputs(kwargs, message):
    x, y, xt, yt = _draw(32)
    kw = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(InputError, match=message):
        train_l1_sliding(x, y, xt, yt, **kw)
