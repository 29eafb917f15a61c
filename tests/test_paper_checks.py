"""Paper checks: the registry, that each check passes, and that it can fail.

The full runs (``slow``) are deselected by the README's ``pytest``; CI runs them once,
with ``pytest -m slow``, each check computed once per session (``paper_check_result``).
The logic that makes a check fail runs in the fast suite on cheap inputs.
"""

from __future__ import annotations

import pytest

import specbias
from specbias.paper_checks import CheckResult, PaperCheck, all_checks, get_check
from specbias.paper_checks import bietti_mairal_2019 as bm


def test_registry():
    checks = all_checks()
    names = [c.name for c in checks]
    assert "bietti_mairal_2019" in names and len(set(names)) == len(names)
    for c in checks:
        assert isinstance(c, PaperCheck) and c.reference.startswith("arXiv:") and c.description
    assert get_check("bietti_mairal_2019") is bm.CHECK
    with pytest.raises(specbias.InputError, match="unknown paper check"):
        get_check("nope")


@pytest.mark.slow
@pytest.mark.parametrize("name", [c.name for c in all_checks()])
def test_paper_check_passes(paper_check_result, name):
    """Every registered check, run in full (once per session)."""
    result = paper_check_result(name)
    assert isinstance(result, CheckResult) and result.name == name
    assert result.details and all("passed" in r for r in result.details)
    assert result.passed, result.details
    assert result.passed == all(r["passed"] for r in result.details)


@pytest.mark.slow
def test_bietti_mairal_rows(paper_check_result):
    result = paper_check_result(bm.CHECK_NAME)
    kernels_dims = {(r["kernel"], r["d"]) for r in result.details}
    assert kernels_dims == {(k, d) for k in ("ntk", "arccos1") for d in bm.DIMENSIONS}


@pytest.mark.slow
def test_bietti_mairal_error_budget(paper_check_result):
    # the module's O(1/k) analysis: |c1| < d^2/2 gives shifts <= 0.01 (exponent) and
    # <= 0.005 (constant) on the chosen windows, well inside the stated tolerances
    for row in paper_check_result(bm.CHECK_NAME).details:
        assert abs(row["alpha fitted"] - row["alpha expected"]) <= 0.01 < bm.EXPONENT_TOL
        assert abs(row["C ratio"] - 1) <= 0.005 < bm.CONSTANT_TOL


@pytest.mark.parametrize(
    "wrong",
    [
        {"ntk": lambda d: d + 1},  # off by one
        {"arccos1": lambda d: d},  # the NTK's exponent for the random-feature kernel
        {"ntk": lambda d: d + 0.1},  # just outside the fit tolerance
    ],
)
def test_bietti_mairal_fails_on_a_wrong_exponent(wrong):
    result = bm.run(wrong, dimensions=(3, 10))
    assert not result.passed
    assert not any(r["passed"] for r in result.details)


def test_compare_decay_row():
    row = bm.compare_decay("arccos1", 5, expected_alpha=7)
    assert row["passed"] and row["odd k vanish"]
    assert row["alpha decay_law"] == 7.0
    assert row["even k"] == "1250-2500"
    assert not bm.compare_decay("arccos1", 5, expected_alpha=7.2)["passed"]
