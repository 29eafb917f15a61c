"""SAT fraction and its 1/2 point (validation/_jamming_sat.py, arXiv 1810.09665).

Two routes each: Cover's closed form against its recursion and exact values; the SAT
fraction of one-unit nets (a perceptron through the origin) trained by L-BFGS against
Cover's probability; the walk's interpolated crossing against the inverse of a known
piecewise-linear fraction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import specbias
from specbias.validation import _jamming, _jamming_sat
from specbias.validation._jamming_sat import cover_probability, half_crossing, sat_curve

#: binomial standard errors allowed between a simulated SAT fraction and Cover's value
SIGMAS = 4.0


def test_cover_closed_form_against_recursion_and_exact_values():
    # C(P+1, N) = (C(P, N) + C(P, N-1)) / 2 (add one point: Cover 1965), C(P, N) = 1 for P <= N
    for N in range(2, 12):
        assert cover_probability(N, N) == 1.0
        assert cover_probability(2 * N, N) == 0.5  # exactly 1/2 at P = 2N, every N
        for P in range(1, 40):
            rec = 0.5 * (cover_probability(P, N) + cover_probability(P, N - 1))
            assert cover_probability(P + 1, N) == pytest.approx(rec, rel=1e-12)
    assert cover_probability(3, 1) == 0.25  # 1-d, through 0: labels must follow the sign
    with pytest.raises(specbias.InputError):
        cover_probability(0, 3)


@pytest.mark.parametrize("P", [6, 8, 11])
def test_one_unit_sat_fraction_is_cover(P):
    """H = 1: sign f = sign(w) sign(theta . x), so zero hinge loss <=> separable through 0."""
    d, sets = 4, 60
    data = [_jamming.draw_data("random", P, d, seed=7, split=k) for k in range(sets)]
    hits = [_jamming.train_run(data[k], 1, 0, seed=7, split=k) for k in range(sets)]
    frac = np.mean([r.zero_loss for r in hits])
    p = cover_probability(P, d)
    assert abs(frac - p) <= SIGMAS * math.sqrt(p * (1 - p) / sets) + 1e-12


def test_half_crossing_interpolates_between_the_bracket():
    assert half_crossing((8, 9), (0.25, 0.75)) == 8.5
    assert half_crossing((3, 4, 5), (0.0, 0.4, 0.9)) == pytest.approx(4.2)
    assert half_crossing((1,), (1.0,)) == 0.5  # width 0 fits nothing
    with pytest.raises(specbias.InputError, match="never reaches"):
        half_crossing((3, 4), (0.1, 0.2))


@pytest.mark.parametrize("start", [1, 5, 9, 14, 30])
def test_walk_finds_the_crossing_of_a_known_curve(start):
    # p(H) = clip((H - 6) / 8, 0, 1): crosses 1/2 at H = 10 exactly
    calls: list[int] = []

    def p(h):
        calls.append(h)
        return float(np.clip((h - 6) / 8, 0, 1))

    curve = sat_curve(p, start, 99, runs=4)
    assert curve.width_half == pytest.approx(10.0)
    assert len(calls) == len(set(calls)) == len(curve.widths)  # each width once
    assert list(curve.widths) == list(range(curve.widths[0], curve.widths[-1] + 1))
    with pytest.raises(specbias.InputError, match="below 1/2"):
        sat_curve(lambda h: 0.0, 3, 20, runs=1)


def test_doctests():
    import doctest

    assert doctest.testmod(_jamming_sat).failed == 0
