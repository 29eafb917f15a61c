"""Power-law fits: exact recovery, bootstrap coverage, local slopes, n ranges."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from specbias import InputError
from specbias.validation import _fit
from specbias.validation._fit import PowerLawFit, beta_in_ci, fit_power_law

N = np.array([32, 64, 128, 256, 512, 1024])
PLANTED_BETA, PLANTED_A = 0.8, 3.0
# Coverage of a nominal 95% percentile-bootstrap interval with 16 seeds per n and
# lognormal noise: about 0.93 (bootstrap intervals are a bit narrow for few seeds);
# >= 85 of 100 fails with probability < 1% at that rate.
MIN_HITS = 85


def planted(rng: np.random.Generator, seeds: int, sigma: float = 0.3) -> np.ndarray:
    noise = np.exp(sigma * rng.standard_normal((N.size, seeds)))
    return PLANTED_A * N[:, None] ** -PLANTED_BETA * noise


def test_doctests():
    assert doctest.testmod(_fit).failed == 0


def test_exact_power_law_is_recovered():
    eps = PLANTED_A * N[:, None] ** -PLANTED_BETA * np.ones((N.size, 4))
    for average in ("mean", "geometric"):
        fit = fit_power_law(N, eps, rng=np.random.default_rng(0), average=average)
        assert fit.beta == pytest.approx(PLANTED_BETA, abs=1e-12)
        assert fit.prefactor == pytest.approx(PLANTED_A, rel=1e-12)
        np.testing.assert_allclose(fit.local_slopes, PLANTED_BETA, atol=1e-12)
        np.testing.assert_allclose(fit.local_n, np.sqrt(N[:-1] * N[1:]))
        assert fit.ci_high - fit.ci_low < 1e-12
        assert fit.n_range == (32.0, 1024.0)


def test_bootstrap_interval_covers_planted_beta():
    rng = np.random.default_rng(2024)
    hits = 0
    for _ in range(100):
        fit = fit_power_law(N, planted(rng, 16), rng=rng, n_boot=1000)
        assert fit.ci_low < fit.beta < fit.ci_high
        hits += beta_in_ci(fit, PLANTED_BETA)
    assert hits >= MIN_HITS


def test_interval_width_shrinks_with_seeds_and_level():
    rng = np.random.default_rng(3)
    few = fit_power_law(N, planted(rng, 4), rng=rng)
    many = fit_power_law(N, planted(rng, 64), rng=rng)
    assert many.ci_high - many.ci_low < few.ci_high - few.ci_low
    eps = planted(rng, 16)
    wide = fit_power_law(N, eps, rng=np.random.default_rng(1), level=0.99)
    narrow = fit_power_law(N, eps, rng=np.random.default_rng(1), level=0.5)
    assert wide.ci_low < narrow.ci_low and narrow.ci_high < wide.ci_high
    assert wide.beta == narrow.beta


def test_same_rng_seed_same_interval():
    eps = planted(np.random.default_rng(5), 8)
    a = fit_power_law(N, eps, rng=np.random.default_rng(7))
    b = fit_power_law(N, eps, rng=np.random.default_rng(7))
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)


def test_n_range_selects_the_asymptotic_regime():
    # eps = n^-0.5 up to n = 128, then n^-1.5 (continuous): a crossover
    eps_1d = np.where(N <= 128, N**-0.5, 128.0 * N**-1.5)
    eps = eps_1d[:, None] * np.ones((1, 3))
    late = fit_power_law(N, eps, rng=np.random.default_rng(0), n_range=(128, 1024))
    assert late.beta == pytest.approx(1.5, abs=1e-12)
    assert late.n_range == (128.0, 1024.0)
    full = fit_power_law(N, eps, rng=np.random.default_rng(0))
    assert 0.5 < full.beta < 1.5
    np.testing.assert_allclose(full.local_slopes, [0.5, 0.5, 1.5, 1.5, 1.5], atol=1e-12)
    with pytest.raises(InputError):
        fit_power_law(N, eps, rng=np.random.default_rng(0), n_range=(100, 120))


def test_ragged_seeds_and_single_seed():
    rng = np.random.default_rng(9)
    eps = [
        PLANTED_A * n**-PLANTED_BETA * np.exp(0.1 * rng.standard_normal(k))
        for n, k in zip(N, [3, 5, 8, 4, 6, 2], strict=True)
    ]
    fit = fit_power_law(N, eps, rng=rng)
    assert abs(fit.beta - PLANTED_BETA) < 0.1 and fit.ci_low < fit.ci_high
    single = fit_power_law(N, PLANTED_A * N**-PLANTED_BETA, rng=rng)  # one seed per n
    assert single.beta == pytest.approx(PLANTED_BETA)
    assert np.isnan(single.ci_low) and np.isnan(single.ci_high)
    with pytest.raises(InputError):
        beta_in_ci(single, 0.8)


def test_bad_inputs_are_input_errors():
    rng = np.random.default_rng(0)
    eps = np.ones((N.size, 2))
    bad = [
        dict(n=N[::-1], eps=eps),
        dict(n=N, eps=-eps),
        dict(n=N, eps=eps[:-1]),
        dict(n=N, eps=np.full((N.size, 2), np.nan)),
        dict(n=N[:1], eps=eps[:1]),
    ]
    for kwargs in bad:
        with pytest.raises(InputError):
            fit_power_law(rng=rng, **kwargs)
    with pytest.raises(InputError):
        fit_power_law(N, eps, rng=rng, level=1.0)
    with pytest.raises(InputError):
        fit_power_law(N, eps, rng=rng, average="median")
    with pytest.raises(InputError):
        fit_power_law(N, eps, rng=0)
    f = PowerLawFit(0.8, 0.7, 0.9, 1.0, np.zeros(0), np.zeros(0), (1.0, 2.0), 0.95, 10)
    assert beta_in_ci(f, 0.7) and beta_in_ci(f, 0.9) and not beta_in_ci(f, 0.95)


def test_paired_bootstrap_keeps_common_random_numbers():
    """Planted law with a per-seed prefactor shared across n (a nested design): the
    paired interval is narrow and covers beta; resampling each n independently
    ignores the pairing and gives a much wider one."""
    rng = np.random.default_rng(3)
    n = np.array([32, 64, 128, 256])
    amp = np.exp(rng.normal(0.0, 0.5, size=8))  # one teacher per seed
    eps = amp[None, :] * n[:, None] ** -2.5 * np.exp(rng.normal(0, 0.02, size=(4, 8)))
    paired = fit_power_law(n, eps, rng=np.random.default_rng(0), paired=True)
    loose = fit_power_law(n, eps, rng=np.random.default_rng(0))
    assert paired.ci_low <= 2.5 <= paired.ci_high
    assert (paired.ci_high - paired.ci_low) < 0.3 * (loose.ci_high - loose.ci_low)
    with pytest.raises(InputError, match="same number of seeds"):
        fit_power_law(n, [eps[0], eps[1], eps[2], eps[3][:5]], rng=rng, paired=True)


# ------------------------------------------------------------- paired exponent gap
def _shared_draws(beta_a, beta_b, seeds, rng, spread=0.6, own=0.03):
    """Errors of two regimes on the same draws: a per-draw factor common to both
    (and to every n: a nested design) with a spread of its log-slope, plus small
    regime-specific noise."""
    n = np.array([32.0, 64.0, 128.0, 256.0])
    tilt = rng.normal(0.0, spread, size=seeds)  # per-draw change of the local exponent
    level = np.exp(rng.normal(0.0, 0.5, size=seeds))
    common = level * (n[:, None] / 64.0) ** -tilt[None, :]
    a = n[:, None] ** -beta_a * common * np.exp(rng.normal(0, own, (n.size, seeds)))
    b = n[:, None] ** -beta_b * common * np.exp(rng.normal(0, own, (n.size, seeds)))
    return n, a, b


def test_paired_gap_separates_where_marginal_intervals_overlap():
    """Planted gap 0.3 under a large shared draw-to-draw spread: the marginal 95%
    intervals overlap, the paired one excludes 0 and holds the planted gap."""
    from specbias.validation import exponent_gap

    n, a, b = _shared_draws(2.3, 2.6, 12, np.random.default_rng(5))
    fa = fit_power_law(n, a, rng=np.random.default_rng(0), paired=True)
    fb = fit_power_law(n, b, rng=np.random.default_rng(0), paired=True)
    assert fb.ci_low < fa.ci_high  # the marginal intervals overlap
    gap = exponent_gap(n, a, b, rng=np.random.default_rng(1), across_n=True)
    assert gap.separated and gap.ci_low <= 0.3 <= gap.ci_high, gap
    assert gap.ci_high - gap.ci_low < 0.3 * (fb.ci_high - fb.ci_low + fa.ci_high - fa.ci_low)


def test_paired_gap_null_and_errors():
    from specbias.validation import exponent_gap

    hits = 0
    for seed in range(40):  # no planted gap: the interval covers 0 about 95% of the time
        n, a, b = _shared_draws(2.5, 2.5, 8, np.random.default_rng(100 + seed))
        g = exponent_gap(n, a, b, rng=np.random.default_rng(seed), n_boot=400, across_n=True)
        hits += g.ci_low <= 0 <= g.ci_high
    assert hits >= 33  # binomial(40, 0.95): P(hits < 33) ~ 0.1% (measured 37 of 40)
    n, a, b = _shared_draws(2.5, 2.5, 4, np.random.default_rng(0))
    with pytest.raises(InputError, match="same number"):
        exponent_gap(n, a, b[:, :3], rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="Generator"):
        exponent_gap(n, a, b, rng=0)
