"""The learning-curve paper checks pass, and fail when handed a false claim.

The full runs are ``slow`` (CI runs them once, with ``pytest -m slow``, sharing each
check's result through ``paper_check_result``); the rows' verdicts are exercised in
the fast suite on cheap or fabricated inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from specbias.paper_checks import ghorbani_mei_2019 as gm
from specbias.paper_checks import spigler_geiger_wyart_2019 as sgw
from specbias.validation._fit import PowerLawFit


def fake_fit(beta, lo, hi):
    return PowerLawFit(beta, lo, hi, 1.0, np.zeros(0), np.zeros(0), (64, 1024), 0.95, 8)


@pytest.mark.slow
def test_staircase_check_rows(paper_check_result):
    result = paper_check_result(gm.CHECK_NAME)
    assert result.passed, result.details
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


def test_laplace_theory_row_verdicts():
    # the route at D = 5 (0.5 s; D = 3 takes ~15 s and is left to the slow full check,
    # which asserts 1/(D-1) for D = 3, 4, 5): it accepts 1/(D-1) and rejects the ambient
    # 1/D and an exponent just beyond THEORY_TOL
    D = 5
    assert sgw.theory_row(D)["passed"]
    assert not sgw.theory_row(D, expected=1.0 / D)["passed"]
    assert not sgw.theory_row(D, expected=1.0 / (D - 1) + 2 * sgw.THEORY_TOL)["passed"]


@pytest.mark.slow
def test_laplace_check_rows(paper_check_result):
    result = paper_check_result(sgw.CHECK_NAME)
    assert result.passed, result.details
    theory = [r for r in result.details if r["route"] == "theory"]
    (sim,) = [r for r in result.details if r["route"] == "simulation"]
    assert [r["D"] for r in theory] == list(sgw.THEORY_DIMENSIONS)
    for row in (*theory, sim):
        assert abs(row["beta"] - 1 / (row["D"] - 1)) < abs(row["beta"] - 1 / row["D"])


def test_laplace_simulation_row_verdicts():
    # the verdict on a (fabricated) fit: inside the CI, within SIM_TOL, or neither; and
    # never when the fit is closer to the ambient 1/D (the simulation itself is slow)
    assert sgw.simulation_row(fit=fake_fit(0.47, 0.44, 0.52))["passed"]
    assert sgw.simulation_row(fit=fake_fit(0.45, 0.43, 0.47))["passed"]  # within SIM_TOL
    assert not sgw.simulation_row(fit=fake_fit(0.38, 0.36, 0.40))["passed"]
    assert not sgw.simulation_row(expected=1.0 / sgw.SIM_D, fit=fake_fit(0.47, 0.44, 0.52))[
        "passed"
    ]
    # a wide CI that covers 1/(D-1) still fails when the fit sits nearer 1/D
    assert not sgw.simulation_row(fit=fake_fit(0.40, 0.30, 0.55))["passed"]
