"""The learning-curve paper checks pass, and fail when handed a false claim."""

from __future__ import annotations

import pytest

from specbias.paper_checks import get_check
from specbias.paper_checks import ghorbani_mei_2019 as gm
from specbias.paper_checks import spigler_geiger_wyart_2019 as sgw


def test_staircase_check_passes():
    result = get_check("ghorbani_mei_2019").run()
    assert result.passed
    assert [r["degree"] for r in result.details] == [1, 2, 2]


@pytest.mark.parametrize(
    "false_claim",
    [
        ((1.5, 2, "learned"),),  # degree 2 is not yet learned at n = d^1.5
        ((2.25, 3, "learned"),),  # nor degree 3 at n = d^2.25
        ((1.5, 1, "not learned"),),
    ],
)
def test_staircase_check_fails_on_false_claims(false_claim):
    rows = gm.staircase_rows(cases=false_claim)
    assert not any(r["passed"] for r in rows)


@pytest.mark.parametrize("D", [3, 5])
def test_laplace_theory_slope_is_manifold_dimension(D):
    assert sgw.theory_row(D)["passed"]
    # the ambient-dimension exponent 1/D is rejected by the same route
    assert not sgw.theory_row(D, expected=1.0 / D)["passed"]


def test_laplace_simulation_row():
    fit = sgw.simulate()
    row = sgw.simulation_row(fit=fit)
    assert row["passed"], row
    assert not sgw.simulation_row(expected=1.0 / sgw.SIM_D, fit=fit)["passed"]
