"""The feature < lazy paper check (arXiv 2206.12314): it passes, and it can fail.

The full run is ``slow`` (deselected by the README's ``pytest``; CI runs it once with
``pytest -m slow``); the verdict logic runs in the fast suite on fabricated fits.
"""

from __future__ import annotations

import numpy as np
import pytest

from specbias.paper_checks import petrini_cagnetta_vanden_eijnden_wyart_2022 as pcvw
from specbias.validation._fit import PowerLawFit


def fake_curve(regime, beta, lo, hi, predicted):
    fit = PowerLawFit(beta, lo, hi, 1.0, np.zeros(0), np.zeros(0), (32, 256), 0.95, 10)

    class Curve:
        pass

    c = Curve()
    c.regime, c.fit, c.beta_predicted = regime, fit, predicted
    return c


def test_rows_fail_on_overlap_and_on_a_wrong_exponent():
    f = fake_curve("feature", 2.6, 2.4, 2.8, 2.5)
    lz = fake_curve("lazy", 3.0, 2.85, 3.2, 3.0)
    assert pcvw.gap_row(f, lz)["passed"]
    overlapping = fake_curve("lazy", 3.0, 2.7, 3.2, 3.0)
    assert not pcvw.gap_row(f, overlapping)["passed"]
    assert pcvw.curve_row(f, "smooth", 2.5)["passed"]
    wrong = 2.6 + pcvw.BETA_TOL + 0.25  # outside the CI and beyond the tolerance
    assert not pcvw.curve_row(f, "smooth", wrong)["passed"]


def test_limit_and_movement_rows_can_fail():
    n = (32, 64)
    assert pcvw.limit_row("smooth", "feature", n, [1.1, 0.8])["passed"]
    assert not pcvw.limit_row("smooth", "feature", n, [1.1, 0.7])["passed"]
    assert pcvw.movement_row([0.01, 0.049])["passed"]
    assert not pcvw.movement_row([0.01, 0.06])["passed"]


def test_eigenlearning_slope_of_the_lazy_limit():
    """Between the rough (1) and smooth (near the NTK's 3) predictions, and rising
    with nu_t towards min(nu_t, 3) * 2 / (d - 1)."""
    smooth = pcvw.eigenlearning_slope(3, 4.0, (32, 256))
    rough = pcvw.eigenlearning_slope(3, 1.0, (32, 256))
    assert 2.7 < smooth < 3.0 and 0.9 < rough < 1.2


@pytest.mark.slow
def test_feature_lazy_check_rows(paper_check_result):
    """The full check: ~10 minutes on two CPU cores; CI runs it once."""
    result = paper_check_result(pcvw.CHECK_NAME)
    rows = {(r["target"], r["regime"]): r for r in result.details}
    assert result.passed, result.details
    assert set(rows) == {
        ("smooth", "feature"),
        ("smooth", "lazy"),
        ("smooth", "lazy - feature"),
        ("smooth", "lazy - feature, paired"),
        ("smooth", "feature trained / limit"),
        ("smooth", "lazy trained / limit"),
        ("smooth", "lazy |theta - theta0| / |theta0|"),
        ("rough", "feature"),
        ("rough", "lazy"),
    }
    assert rows[("smooth", "feature")]["beta"] < rows[("smooth", "lazy")]["beta"]
    paired = rows[("smooth", "lazy - feature, paired")]
    # the paired row compares the two ensemble curves (feature E = 2), the marginal row
    # the single feature nets with the lazy ensemble: close, not equal (0.36 vs 0.38)
    assert paired["passed"] and paired["beta"] > 0
