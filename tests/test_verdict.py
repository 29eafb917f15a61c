"""The predict verdict, one named comparison per lazy kernel (issue 11 item 5).

Two routes: the relation each Comparison states is checked against the betas of the
same Prediction's own table rows (beta_feature vs beta_lazy), and against hand values
alpha(relu) = (d+2)/2, alpha(ntk) = d, alpha(arccos1) = d+2 (Bietti & Mairal arXiv
1905.12173) through beta = min(2 nu, 2 alpha)/(d-1).
"""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from specbias import predict
from specbias.cli._app import app
from specbias.theory._verdict import RELATIONS

ALPHA = {"relu": lambda d: (d + 2) / 2, "ntk": lambda d: d, "arccos1": lambda d: d + 2}
KERNEL = {"lazy-ntk": "ntk", "lazy-rf": "arccos1"}


def _hand_relation(d: int, nu: float, lazy: str) -> str:
    def beta(a):
        return min(2 * nu, 2 * a) / (d - 1)

    bf, bl = beta(ALPHA["relu"](d)), beta(ALPHA[KERNEL[lazy]](d))
    return "equal" if math.isclose(bf, bl) else ("feature-worse" if bf < bl else "feature-better")


def test_d2_nu3_each_lazy_kernel():
    # the case: lazy-rf beta 6 > feature 4 = lazy-ntk 4
    p = predict(2, 3.0)
    by = {c.lazy: c for c in p.comparisons}
    assert (by["lazy-ntk"].relation, by["lazy-ntk"].beta_lazy) == ("equal", 4.0)
    assert (by["lazy-rf"].relation, by["lazy-rf"].beta_lazy) == ("feature-worse", 6.0)
    assert by["lazy-ntk"].crossover_nu is None and by["lazy-rf"].crossover_nu == 2.0
    assert "lazy-ntk" in p.verdict and "lazy-rf" in p.verdict
    assert "not worse" not in p.verdict
    assert p.crossover_nu == 2.0


@pytest.mark.parametrize("d", (2, 3, 5, 10))
@pytest.mark.parametrize("nu", (0.5, 2.0, 3.0, 4.0, 7.0, math.inf))
def test_relation_matches_table_and_hand_values(d, nu):
    p = predict(d, nu)
    rows = {r.regime: r for r in p.predictions}
    assert [c.lazy for c in p.comparisons] == ["lazy-ntk", "lazy-rf"]
    for c in p.comparisons:
        assert c.relation in RELATIONS
        assert c.lazy in c.text and c.kernel == KERNEL[c.lazy]
        assert (c.beta_feature, c.beta_lazy) == (rows["feature"].beta, rows[c.lazy].beta)
        assert c.relation == _hand_relation(d, nu, c.lazy)
        # feature is worse than kernel K for nu above alpha_relu iff alpha_relu < alpha_K
        below = ALPHA["relu"](d) < ALPHA[KERNEL[c.lazy]](d)
        assert c.crossover_nu == (ALPHA["relu"](d) if below else None)


def test_feature_better_than_a_rougher_kernel():
    # relu-power a = 1/2 decays as k^-(1/2 + d/2) = k^-3 at d = 5, slower than relu's k^-3.5
    p = predict(5, 4.0, kernels=("relu-power:a=0.5",))
    (c,) = p.comparisons
    assert c.relation == "feature-better" and c.lazy == "lazy-relu-power:a=0.5"
    assert (c.beta_feature, c.beta_lazy) == (1.75, 1.5)
    assert "feature > lazy-relu-power:a=0.5" in p.verdict


def test_parity_plateaus_are_named():
    p = predict(5, 2.0, kernels=("ntk", "ntk-bias"), target_parity="all")
    assert {c.lazy: c.relation for c in p.comparisons} == {
        "lazy-ntk": "both-plateau",
        "lazy-ntk-bias": "feature-worse",
    }
    q = predict(5, 2.0, activation="ntk-bias", kernels=("ntk",), target_parity="all")
    assert q.comparisons[0].relation == "lazy-plateaus"


def test_json_and_table_name_the_kernel():
    runner = CliRunner()
    res = runner.invoke(app, ["predict", "--d", "2", "--nu", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rel = {c["lazy"]: (c["relation"], c["beta_lazy"]) for c in out["comparisons"]}
    assert rel == {"lazy-ntk": ("equal", 4.0), "lazy-rf": ("feature-worse", 6.0)}
    table = runner.invoke(app, ["predict", "--d", "2", "--nu", "3"]).stdout
    assert "verdict vs lazy-ntk: feature = lazy-ntk" in table
    assert "verdict vs lazy-rf: feature < lazy-rf" in table
    assert "worse than lazy-rf" in table
    inf = json.loads(runner.invoke(app, ["predict", "--d", "3", "--nu", "inf", "--json"]).stdout)
    json.dumps(inf, allow_nan=False)
