"""The theory layer's exponent rule, checked against hand values and against decay_law."""

from __future__ import annotations

import json
import math

import pytest

import specbias
from specbias import InputError, decay_law, exponent, predict

DIMS = (2, 3, 5, 10, 20)
NUS = (0.5, 1.0, 2.0, 3.5, 4.0, 10.0)
#: Exponents are ratios of small rationals: equal up to float round-off.
EXACT = 1e-12


# Hand values: relu atoms decay as k^-(d+2)/2, the NTK as k^-d, arccos1 as k^-(d+2)
# (Bietti & Mairal arXiv 1905.12173); beta = min(2 nu, 2 alpha)/(d - 1).
HAND_ALPHA = {"relu": lambda d: (d + 2) / 2, "ntk": lambda d: d, "arccos1": lambda d: d + 2}


@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("nu", NUS)
@pytest.mark.parametrize("atoms", sorted(HAND_ALPHA))
def test_beta_rule_against_hand_values(d, nu, atoms):
    alpha = HAND_ALPHA[atoms](d)
    r = exponent(d, nu, atoms)
    assert r.decay_exponent == pytest.approx(alpha, abs=EXACT)
    assert r.beta == pytest.approx(min(2 * nu, 2 * alpha) / (d - 1), abs=EXACT)
    assert r.limited_by == ("target" if nu <= alpha else "atoms")


def test_d5_hand_numbers():
    p = predict(5, 2.0)
    got = [(r.regime, r.atoms, r.decay_exponent, r.beta) for r in p.predictions]
    assert got == [
        ("feature", "relu", 3.5, 1.0),
        ("lazy-ntk", "ntk", 5.0, 1.0),
        ("lazy-rf", "arccos1", 7.0, 1.0),
    ]
    assert p.crossover_nu == 3.5
    smooth = predict(5, 4.0)
    assert smooth.regime("feature").beta == 1.75  # 2 * 3.5 / 4
    assert smooth.regime("lazy-ntk").beta == 2.0  # 2 * 4 / 4
    assert smooth.regime("feature").beta < smooth.regime("lazy-ntk").beta
    assert "feature < lazy" in smooth.verdict


@pytest.mark.parametrize("d", (3, 4, 5, 10, 20))
def test_crossover_is_alpha_of_relu(d):
    p = predict(d, 1.0)
    assert p.crossover_nu == decay_law("relu", d).alpha
    assert p.crossover_nu == pytest.approx((d + 2) / 2, abs=EXACT)


def test_no_crossover_against_the_ntk_at_d2():
    # d = 2: relu and the NTK both decay as k^-2, so feature learning is never worse than
    # lazy-ntk; arccos1 decays as k^-4, so it is worse than lazy-rf for nu_t > 2
    p = predict(2, 10.0)
    crossings = {c.lazy: c.crossover_nu for c in p.comparisons}
    assert crossings == {"lazy-ntk": None, "lazy-rf": 2.0} and p.crossover_nu == 2.0
    assert p.regime("feature").beta == p.regime("lazy-ntk").beta == pytest.approx(4.0)
    assert p.regime("lazy-rf").beta == pytest.approx(8.0)


@pytest.mark.parametrize("d", (3, 5, 10))
def test_feature_worse_exactly_above_crossover(d):
    nu_c = (d + 2) / 2
    below, above = predict(d, nu_c), predict(d, nu_c + 0.5)
    assert below.regime("feature").beta == pytest.approx(below.regime("lazy-ntk").beta)
    assert above.regime("feature").beta < above.regime("lazy-ntk").beta


def test_parity_plateau():
    p = predict(5, 2.0, target_parity="all")
    for r in p.predictions:  # relu, ntk and arccos1 all vanish on odd k >= 3
        assert r.beta == 0.0
        assert r.limited_by == "parity"
        assert "plateau" in r.note
    assert "plateau" in p.verdict
    # ntk-bias fits every degree: no plateau for the lazy regime with a bias
    q = predict(5, 2.0, kernels=("ntk-bias",), target_parity="all")
    assert q.regime("lazy-ntk-bias").beta == pytest.approx(1.0)
    odd = predict(5, 2.0, target_parity="odd")
    assert odd.regime("feature").beta == 0.0


def test_to_dict_is_json_ready():
    d = predict(5, 2.0, kernels=("gaussian",)).to_dict()
    assert d["predictions"][1]["decay_exponent"] is None  # faster than any power
    assert d["nu_t"] == 2.0 and d["crossover_nu"] == 3.5
    json.dumps(d, allow_nan=False)


@pytest.mark.parametrize("nu", [0, -1, math.nan, -math.inf, "x"])
def test_bad_nu(nu):
    with pytest.raises(InputError, match="nu_t"):
        predict(5, nu)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"d": 1}, "d must be >= 2"),
        ({"d": 2.5}, "d must be an integer"),
        ({"target_parity": "weird"}, "target parity"),
        ({"activation": "nope"}, "unknown kernel"),
        ({"kernels": ("relu-power",)}, "needs parameter a"),
    ],
)
def test_bad_input_is_a_one_line_specbias_error(kwargs, match):
    args = {"d": 5, "nu_t": 2.0, **kwargs}
    with pytest.raises(specbias.SpecbiasError, match=match) as info:
        predict(**args)
    assert "\n" not in str(info.value)
