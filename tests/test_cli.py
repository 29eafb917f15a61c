"""The ``specbias`` command line, through typer's CliRunner (and once as a real process)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy as sp
from typer.testing import CliRunner

import specbias
from specbias.cli import app
from specbias.paper_checks import bietti_mairal_2019

runner = CliRunner()

#: float64 closed forms: rel. error ~1e-15 + 4 eps |log mu| (module doc of _spectrum).
FLOAT_TOL = 1e-13


def run_ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(*args: str):
    return json.loads(run_ok(*args, "--json"))


# --------------------------------------------------------------------------- predict
def test_predict_json_d5_nu2():
    out = run_json("predict", "--d", "5", "--nu", "2")
    assert out["d"] == 5 and out["nu_t"] == 2.0 and out["crossover_nu"] == 3.5
    rows = {p["regime"]: p for p in out["predictions"]}
    assert [p["regime"] for p in out["predictions"]] == ["feature", "lazy-ntk", "lazy-rf"]
    assert rows["feature"]["atoms"] == "relu"
    assert (rows["feature"]["decay_exponent"], rows["feature"]["beta"]) == (3.5, 1.0)
    assert rows["lazy-ntk"]["decay_exponent"] == 5.0
    assert rows["lazy-rf"]["decay_exponent"] == 7.0
    assert all(isinstance(p["beta"], float) for p in out["predictions"])  # JSON numbers
    assert out["convention"] == specbias.spectra.CONVENTION_SHORT
    assert "beta = min(2 nu_t, 2 alpha)/(d-1)" in out["rule"]


def test_predict_json_smooth_target_feature_worse():
    rows = {p["regime"]: p for p in run_json("predict", "--d", "5", "--nu", "4")["predictions"]}
    assert rows["feature"]["beta"] == 1.75  # 2 alpha/(d-1) = 7/4, limited by the atoms
    assert rows["lazy-ntk"]["beta"] == 2.0  # 2 nu/(d-1)
    assert rows["feature"]["limited_by"] == "atoms"


def test_predict_table_shows_the_reasoning():
    out = run_ok("predict", "--d", "5", "--nu", "2")
    for text in ("feature", "lazy-ntk", "lazy-rf", "relu", "ntk", "arccos1", "3.5", "7"):
        assert text in out
    assert "crossover: nu_t = 3.5" in out
    assert "verdict vs lazy-ntk:" in out and "rule:" in out and "convention:" in out
    assert "odd k >= 3" in out  # the parity caveat


def test_predict_parity_all_plateaus():
    out = run_json("predict", "--d", "5", "--nu", "2", "--target-parity", "all")
    feature = out["predictions"][0]
    assert feature["beta"] == 0.0 and feature["limited_by"] == "parity"
    assert "plateau" in feature["note"]
    table = run_ok("predict", "--d", "5", "--nu", "2", "--target-parity", "all")
    assert "plateau" in table


def test_predict_kernel_option_repeatable():
    out = run_json(
        "predict", "--d", "5", "--nu", "2", "--kernel", "ntk-bias", "--kernel", "laplace"
    )
    assert [p["regime"] for p in out["predictions"]] == ["feature", "lazy-ntk-bias", "lazy-laplace"]


# --------------------------------------------------------------------------- spectrum
RELU_D3 = ["1/4", "1/6", "1/16", "0", "-1/96"]  # Bach arXiv 1412.8690, by hand


def test_spectrum_json_relu_d3():
    out = run_json("spectrum", "--kernel", "relu", "--d", "3", "--kmax", "4")
    assert out["kernel"] == "relu" and out["d"] == 3 and out["method"] == "closed-form"
    assert out["convention"] == specbias.CONVENTION
    rows = out["eigenvalues"]
    assert [r["k"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["multiplicity"] for r in rows] == ["1", "3", "5", "7", "9"]  # 2k + 1
    for r, text in zip(rows, RELU_D3, strict=True):
        assert r["value"] == pytest.approx(float(Fraction(text)), rel=FLOAT_TOL, abs=0)
        assert "exact" not in r
    assert [r["sign"] for r in rows] == [1, 1, 1, 0, -1]
    assert rows[3]["log_abs"] is None  # exact zero: valid JSON, not -Infinity
    assert rows[0]["log_abs"] == pytest.approx(math.log(0.25), rel=FLOAT_TOL)
    assert all(0 <= r["rel_error"] < 1e-13 for r in rows)


def test_spectrum_json_exact_strings_match_floats():
    out = run_json("spectrum", "--kernel", "relu", "--d", "3", "--kmax", "4", "--exact")
    rows = out["eigenvalues"]
    assert [r["exact"] for r in rows] == RELU_D3
    assert out["formula"].startswith("mu_k = ")
    for r in rows:  # the exact (sympy) route against the float64 closed form
        assert float(sp.sympify(r["exact"])) == pytest.approx(r["value"], rel=FLOAT_TOL)


def test_spectrum_exact_latex():
    out = run_json("spectrum", "--kernel", "relu", "--d", "3", "--kmax", "2", "--exact", "--latex")
    assert [r["exact"] for r in out["eigenvalues"]] == [
        "\\frac{1}{4}",
        "\\frac{1}{6}",
        "\\frac{1}{16}",
    ]
    assert out["formula"].startswith("\\mu_k = ")


def test_spectrum_exact_sum_rule_polynomial():
    # sum_k N(d,k) mu_k = phi(1) = 0 for phi = t^4 + t^3 + t^2 + t - 4 (degree 4: mu_k = 0
    # for k > 4), exactly; the float closed form for polynomials agrees with the exact values
    phi = "expr:t**4 + t**3 + t**2 + t - 4"
    out = run_json("spectrum", "--kernel", phi, "--d", "4", "--kmax", "6", "--exact")
    assert out["method"] == "closed-form"
    assert [r["sign"] for r in out["eigenvalues"][5:]] == [0, 0]
    total = sum(int(r["multiplicity"]) * sp.Rational(r["exact"]) for r in out["eigenvalues"])
    assert total == 0
    for r in out["eigenvalues"]:
        assert float(sp.Rational(r["exact"])) == pytest.approx(r["value"], rel=1e-10)


def test_spectrum_huge_multiplicity_and_underflow():
    out = run_json("spectrum", "--kernel", "relu", "--d", "2000", "--kmax", "1000")
    last = out["eigenvalues"][-1]
    n = int(last["multiplicity"])
    assert n == specbias.harmonic_multiplicity(2000, 1000) and n > 10**308  # beyond float
    # second route: float64 log N(d, k) from gammaln
    assert math.log(n) == pytest.approx(float(specbias.log_harmonic_multiplicity(2000, 1000)))
    assert last["value"] == 0.0 and last["sign"] != 0  # underflows; log_abs carries it
    assert last["log_abs"] < math.log(sys.float_info.min)


def test_spectrum_table():
    out = run_ok("spectrum", "--kernel", "relu", "--d", "3", "--kmax", "4", "--exact")
    assert "convention:" in out and "multiplicity N(d,k) NOT included" in out
    assert "closed-form" in out
    for text in ("N(d,k)", "mu_k", "log|mu_k|", "rel. error", "-1/96", "0.0625"):
        assert text in out


def test_spectrum_table_prints_underflowed_values_from_logs():
    out = run_ok("spectrum", "--kernel", "relu", "--d", "2000", "--kmax", "1000")
    assert "e-" in out.splitlines()[-2]  # e.g. 1.2...e-420, not 0


# --------------------------------------------------------------------------- decay
def test_decay_json_relu():
    out = run_json("decay", "--kernel", "relu", "--d", "5")
    assert out["alpha"] == 3.5 and out["alpha_expr"] == "d/2 + 1"
    assert out["parity"] == "even"
    # C(d) = Gamma(d/2) 2^(d/2-1)/pi for relu (Gamma(x)/Gamma(x+h) ~ x^-h), by hand
    assert out["constant"] == pytest.approx(math.gamma(2.5) * 2**1.5 / math.pi, rel=1e-14)
    assert float(sp.sympify(out["constant_expr"]).subs("d", 5)) == pytest.approx(out["constant"])


def test_decay_json_ntk_and_gaussian():
    ntk = run_json("decay", "--kernel", "ntk", "--d", "5")
    assert ntk["alpha"] == 5.0 and ntk["parity"] == "even"
    assert ntk["constant"] == pytest.approx(2**3 * math.gamma(2.5) ** 2 / math.pi**2, rel=1e-14)
    gauss = run_json("decay", "--kernel", "gaussian", "--d", "3")
    assert gauss["alpha"] is None  # faster than any power: JSON has no infinity


def test_decay_table():
    out = run_ok("decay", "--kernel", "ntk", "--d", "5")
    assert "k^(-5) on even k" in out and "C(d)" in out and "alpha(d)" in out


# --------------------------------------------------------------------------- check
# The full checks are run once in CI by the ``slow`` tests (``pytest -m slow``); here the
# registered checks keep their names and references but run cheap stand-ins.
def _cheap_run(check):
    if check.name == bietti_mairal_2019.CHECK_NAME:  # the real check, on one dimension
        return lambda: bietti_mairal_2019.run(dimensions=(3,))
    return lambda: specbias.paper_checks.CheckResult(check.name, True, [{"row": 1, "passed": True}])


@pytest.fixture
def cheap_checks(monkeypatch):
    registered = specbias.paper_checks.all_checks()
    cheap = tuple(dataclasses.replace(c, runner=_cheap_run(c)) for c in registered)
    monkeypatch.setattr("specbias.paper_checks._CHECKS", cheap)
    return registered


def test_check_passes(cheap_checks):
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "bietti_mairal_2019" in result.stdout and "PASS" in result.stdout
    for c in cheap_checks:  # every registered check is run and reported
        assert c.name in result.stdout and c.reference.removeprefix("arXiv:") in result.stdout
    n = len(cheap_checks)
    assert f"{n}/{n} passed" in result.stdout


def test_check_json_only(cheap_checks):
    out = run_json("check", "--only", "bietti_mairal_2019")
    assert out["passed"] is True
    (entry,) = out["checks"]
    assert entry["name"] == "bietti_mairal_2019" and entry["reference"] == "arXiv:1905.12173"
    # one dimension here (d = 3; the full check's 10 rows are asserted by the slow tests)
    assert len(entry["details"]) == 2 and all(r["passed"] for r in entry["details"])
    assert {r["kernel"] for r in entry["details"]} == {"ntk", "arccos1"}


def test_check_failure_exits_1(monkeypatch):
    wrong = specbias.paper_checks.PaperCheck(
        name="wrong_exponent",
        reference="arXiv:0000.00000",
        description="the NTK decaying as k^-(d+1) (false)",
        runner=lambda: bietti_mairal_2019.run({"ntk": lambda d: d + 1}, dimensions=(3,)),
    )
    monkeypatch.setattr("specbias.cli._check.all_checks", lambda: (wrong,))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "0/1 passed" in result.stdout


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict", "--d", "1", "--nu", "2"], "d must be >= 2"),
        (["predict", "--d", "5", "--nu", "0"], "nu_t must be"),
        (["predict", "--d", "5", "--nu", "-1"], "nu_t must be"),
        (["predict", "--d", "5", "--nu", "2", "--target-parity", "weird"], "target parity"),
        (["predict", "--d", "5", "--nu", "2", "--kernel", "nope"], "unknown kernel 'nope'"),
        (["spectrum", "--kernel", "nope", "--d", "3", "--kmax", "3"], "unknown kernel"),
        (["spectrum", "--kernel", "relu-power:a=x", "--d", "3", "--kmax", "3"], "a must be"),
        (["spectrum", "--kernel", "relu-power", "--d", "3", "--kmax", "3"], "needs parameter"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "100000000"], "too large"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "-1"], "kmax must be"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "6000", "--exact"], "exact"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "3", "--latex"], "--exact"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "3", "--method", "x"], "method"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "3", "--rtol", "1e-30"], "certify"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "3", "--rtol", "0"], "rtol must"),
        (["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "3", "--rtol", "nan"], "rtol must"),
        (["decay", "--kernel", "relu", "--d", "0"], "d must be >= 2"),
        (["check", "--only", "nope"], "unknown paper check"),
    ],
)
def test_bad_input_one_line_error(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # handled, not an uncaught exception
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [["predict", "--d", "x", "--nu", "2"], ["predict", "--nu", "2"], ["spectrum", "--bogus"]],
)
def test_usage_errors_exit_2(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_version():
    assert run_ok("--version").strip() == f"specbias {specbias.__version__}"


def test_real_process_one_line_stderr(tmp_path):
    # cwd away from the checkout: there `-m` would import the source folder specbias/,
    # which does not contain cli/ (mapped to specbias.cli only when installed)
    proc = subprocess.run(
        [sys.executable, "-m", "specbias.cli", "predict", "--d", "1", "--nu", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "error: d must be >= 2 (data on the sphere S^(d-1) in R^d), got d=1"
    ]


def test_multiplicity_text_beyond_int_str_limit():
    from specbias.cli._output import _decimal

    n = 7 * 10**6000 + 1  # more digits than Python's default int->str limit (4300)
    assert _decimal(n) == "7" + "0" * 5999 + "1"
    assert _decimal(n) == _decimal(n)  # the global limit is restored afterwards
    with pytest.raises(ValueError):
        str(n)
