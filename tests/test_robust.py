"""Regression tests of the hostile-input campaign (issue 9): budgets, blow-ups, paths."""

from __future__ import annotations

import io
import json
import math
import sqlite3
import time
import tracemalloc

import numpy as np
import pytest
from typer.testing import CliRunner

import specbias
from specbias import _budget
from specbias.cli import app
from specbias.spectra import _closed_forms as cf

runner = CliRunner()


def one_line_error(*args: str, env: dict | None = None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# --------------------------------------------------------------------------- budget
def test_memory_budget_refuses_before_work(monkeypatch):
    monkeypatch.setenv(_budget.BUDGET_ENV, "100M")
    start = time.monotonic()
    with pytest.raises(specbias.InputError, match="allow_large=True"):
        specbias.eigenvalues("relu", 3, 10**7)
    assert time.monotonic() - start < 2.0
    monkeypatch.setenv(_budget.BUDGET_ENV, "1K")
    assert len(specbias.eigenvalues("relu", 3, 100, allow_large=True)) == 101


def test_budget_helper_names_the_largest_part(monkeypatch):
    monkeypatch.setenv(_budget.BUDGET_ENV, "1G")
    with pytest.raises(specbias.InputError, match="mostly kernel matrices"):
        _budget.check_memory({"kernel matrices": 2e9, "nets": 1e6}, "validate")
    assert _budget.check_memory({"a": 1e6, "b": 1e6}, "x") == 2e6
    monkeypatch.setenv(_budget.BUDGET_ENV, "lots")
    with pytest.raises(specbias.InputError, match=_budget.BUDGET_ENV):
        _budget.memory_budget()


def test_cli_budget_refusal_and_override(monkeypatch):
    env = {_budget.BUDGET_ENV: "100M"}
    line = one_line_error("spectrum", "--kernel", "ntk", "--d", "3", "--kmax", "10000000", env=env)
    assert "--allow-large" in line and "budget" in line
    result = runner.invoke(
        app,
        ["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "5", "--allow-large"],
        env={_budget.BUDGET_ENV: "1"},
    )
    assert result.exit_code == 0, result.output


def test_series_time_budget(monkeypatch):
    monkeypatch.setenv(_budget.TIME_BUDGET_ENV, "1")
    with pytest.raises(specbias.InputError, match="time budget"):
        specbias.eigenvalues("ntk-bias", 3, 10**6)


# --------------------------------------------------------------------------- blow-ups
def test_series_memory_is_constant_per_degree():
    """The numpy grid route held ~18 KB per degree (360 MB here); the loop holds ~25 B."""
    specbias.eigenvalues("ntk-bias", 3, 10)  # compile outside the measurement
    tracemalloc.start()
    specbias.eigenvalues("ntk-bias", 3, 20_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6, peak


@pytest.mark.parametrize("d", [2, 3, 7, 50])
def test_compiled_series_matches_numpy_route(d):
    """Two routes to the same sums: compiled loop and numpy grids (within the estimate)."""
    from specbias.spectra._series_jit import endpoint_series_log_jit

    k = np.arange(400)
    j = np.arange(cf.laplace_series_terms(2.0), dtype=float)
    c_log = j * math.log(2.0 * math.sqrt(2.0)) - cf.gammaln(j + 1.0)
    c_sign = np.where(j % 2 == 1, -1, 1).astype(np.int8)
    a = cf.endpoint_series_log(c_sign, c_log, j / 2.0, d, k)
    b = endpoint_series_log_jit(c_sign, c_log, j / 2.0, d, k)
    assert (a[0] == b[0]).all()
    ok = np.isfinite(a[1])
    assert (np.abs(a[1][ok] - b[1][ok]) <= 2 * a[2][ok] + 1e-14).all()


def test_predict_at_huge_d_is_fast():
    start = time.monotonic()
    p = specbias.predict(10**7, 2.0)
    assert time.monotonic() - start < 10
    assert p.regime("lazy-ntk").decay_exponent == 10**7
    law = specbias.decay_law("ntk", 10**7)
    assert math.isinf(law.constant) and "e+" in law.formula and "inf" not in law.formula


def test_exact_multiplicity_too_large_is_refused():
    start = time.monotonic()
    with pytest.raises(specbias.InputError, match="time budget"):
        specbias.harmonic_multiplicity(10**7, 10**7)
    with pytest.raises(specbias.InputError, match="budget"):
        specbias.harmonic_multiplicities(10**7, 10**6)
    assert time.monotonic() - start < 2.0


def test_spectrum_table_summarises_long_output(tmp_path):
    out_csv = tmp_path / "s.csv"
    result = runner.invoke(
        app, ["spectrum", "--kernel", "relu", "--d", "3", "--kmax", "5000", "--csv", str(out_csv)]
    )
    assert result.exit_code == 0, result.output
    assert "5001 rows" in result.stdout and "--json" in result.stdout
    assert len(result.stdout.splitlines()) < 60
    assert len(out_csv.read_text().splitlines()) == 5002


def test_spectrum_json_stream_is_the_dict():
    from specbias.cli._output import spectrum_dict

    spec = specbias.eigenvalues("ntk-bias", 4, 30)
    result = runner.invoke(
        app, ["spectrum", "--kernel", "ntk-bias", "--d", "4", "--kmax", "30", "--json"]
    )
    assert result.exit_code == 0
    assert result.stdout == json.dumps(spectrum_dict(spec, None), indent=2) + "\n"


# --------------------------------------------------------------------------- wrong answers
def test_nan_from_a_method_is_an_error(monkeypatch):
    def nan_forms(a, d, k):
        return np.ones(k.shape, np.int8), np.full(k.shape, np.nan)

    monkeypatch.setattr(cf, "relu_power_log", nan_forms)
    with pytest.raises(specbias.AccuracyError, match="NaN"):
        specbias.eigenvalues("relu", 3, 5, strict=False)


@pytest.mark.parametrize(
    "call",
    [
        lambda: specbias.predict(5, 10**400),
        lambda: specbias.smooth_target(3, 10**400),
        lambda: specbias.eigenvalues("relu", 3, 5, rtol=10**400),
        lambda: specbias.learning_curve("ntk", specbias.smooth_target(3, 2), [10**400]),
        lambda: specbias.learning_curve("ntk", specbias.smooth_target(3, 2), [1e308]),
        lambda: specbias.decay_law("relu-power:a=1e300", 3),
        lambda: specbias.eigenvalues("laplace:c=1e308", 3, 5),
        lambda: specbias.eigenvalues("laplace:c=60", 3, 5),
        lambda: specbias.staircase("ntk", 10**7, [1e300]),
    ],
)
def test_overflows_are_specbias_errors(call):
    with pytest.raises(specbias.SpecbiasError) as err:
        call()
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_staircase_at_huge_d_no_overflow():
    assert specbias.staircase("ntk", 10**7, [1e14]).shape == (1, 5)


# --------------------------------------------------------------------------- paths
@pytest.mark.parametrize("option", ["--plot", "--plot-degrees"])
@pytest.mark.parametrize("where", ["/proc/x.png", "{tmp}", "{tmp}/noext", "{tmp}/no/such/x.png"])
def test_curve_plot_path_refused_before_work(tmp_path, option, where):
    start = time.monotonic()
    line = one_line_error(
        "curve", "--kernel", "laplace", "--d", "3", "--nu", "2", "--n", "10:1000000:10",
        option, where.format(tmp=tmp_path),
    )  # fmt: skip
    assert option in line
    assert time.monotonic() - start < 2.0  # the minutes-long curve never started


def test_validate_plot_path_checked_like_curve(tmp_path):
    line = one_line_error("validate", "--preset", "smoke", "--plot", str(tmp_path / "noext"))
    assert ".png" in line


def test_runs_export_path_checked(tmp_path):
    line = one_line_error("runs", "--store", str(tmp_path / "x.db"), "--export", "/proc/x.csv")
    assert "--export" in line


# --------------------------------------------------------------------------- gaps
def test_check_only_empty_is_refused():
    line = one_line_error("check", "--only", "")
    assert "bietti_mairal_2019" in line


def test_check_reports_progress_on_stderr():
    result = runner.invoke(app, ["check", "--only", "ghorbani_mei_2019"])
    assert "[1/1] ghorbani_mei_2019" in result.stderr and " in " in result.stderr


def test_runs_never_writes_into_the_file_it_reads(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert "no result store" in one_line_error("runs", "--store", str(empty))
    assert empty.stat().st_size == 0
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = foreign.read_bytes()
    assert "not a specbias result store" in one_line_error("runs", "--store", str(foreign))
    assert foreign.read_bytes() == before


def test_schema_version_message_says_what_is_wrong(tmp_path):
    from specbias.validation._store import ResultStore

    path = tmp_path / "old.db"
    with ResultStore(path) as db:
        db.put({"n": 1}, {"e": 0.5})
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(specbias.InputError, match="schema version 7; this specbias reads only"):
        ResultStore(path, readonly=True)


# --------------------------------------------------------------------------- campaign 2
def test_full_output_rows_are_capped_fast():
    """--json at kmax = 10^7 formatted 10^7 rows for about a minute: refused, override named."""
    start = time.monotonic()
    line = one_line_error("spectrum", "--kernel", "relu", "--d", "3", "--kmax", "1000001", "--json")
    assert "--allow-large" in line and "1000000" in line
    assert time.monotonic() - start < 2.0


def test_spectrum_json_columns_match_rows():
    """The column-wise JSON writer gives the same rows as the row-wise dict form."""
    from specbias.cli._output import spectrum_dict, write_spectrum_json

    spec = specbias.eigenvalues("relu", 4, 70_000)  # two chunks, zeros (log_abs null)
    out = io.StringIO()
    write_spectrum_json(spec, None, out)
    assert json.loads(out.getvalue()) == spectrum_dict(spec, None)


def test_smooth_target_at_huge_d_is_fast_and_agrees():
    """The exact zeta-sum normalisation is O(d^2) big-int work: hours at d = 10^7."""
    from specbias.theory import _targets

    start = time.monotonic()
    specbias.smooth_target(10**7, 2.0, "odd")
    assert time.monotonic() - start < 2.0
    for d in (100, _targets.EXACT_NORM_MAX_D):
        for parity in ("all", "odd"):
            gamma = 2 * 0.3 + d - 1
            exact = _targets._log_smooth_norm.__wrapped__(d, gamma, parity)
            approx = _targets._log_smooth_norm_float(d, gamma, parity)
            assert approx == pytest.approx(exact, rel=1e-14, abs=1e-14)


def test_exact_and_reference_routes_refuse_fast():
    """Exact rationals at d = 10^7 and the O(k^2) quadrature at k = 10^5 ran for hours."""
    start = time.monotonic()
    with pytest.raises(specbias.InputError, match="time budget"):
        specbias.exact_eigenvalue("relu", 10**7, 5)
    with pytest.raises(specbias.InputError, match="time budget"):
        specbias.reference_eigenvalue("relu", 3, 10**5)
    for bad in (float("nan"), -1, 2.5):
        with pytest.raises(specbias.InputError, match="degree k"):
            specbias.reference_eigenvalue("relu", 3, bad)
    with pytest.raises(specbias.InputError, match="time budget"):  # was an OverflowError
        specbias.reference_eigenvalue("relu", 3, 10**400)
    with pytest.raises(specbias.InputError, match="degree k"):
        specbias.exact_eigenvalue("relu", 3, float("nan"))
    line = one_line_error("spectrum", "--kernel", "laplace", "--d", "3", "--kmax=5000", "--exact")
    assert "time budget" in line and "--allow-large" in line
    assert time.monotonic() - start < 2.0
    assert float(specbias.reference_eigenvalue("relu", 3, 0)) == 0.25


def test_exact_values_past_the_int_str_limit():
    """relu at d = 20000 has a 10^4-digit rational: sympy's str() hit CPython's limit."""
    result = runner.invoke(
        app, ["spectrum", "--kernel", "relu", "--d", "20000", "--kmax", "1", "--exact", "--json"]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    rows = json.loads(result.stdout)["eigenvalues"]
    assert len(rows[0]["exact"]) > 4300


def test_learning_curve_refuses_unreachable_accuracy_fast():
    """rtol = 0 and n past every harmonic dimension of degree <= kmax_max ran all the x4
    truncation stages (20 s, K = 2^20) before the AccuracyError."""
    target = specbias.smooth_target(3, 2.0, "even")
    start = time.monotonic()
    for rtol in (0.0, -1.0, math.nan):
        with pytest.raises(specbias.InputError, match="rtol"):
            specbias.learning_curve("ntk", target, [10.0], rtol=rtol)
    with pytest.raises(specbias.AccuracyError, match="harmonic dimensions"):
        specbias.learning_curve("ntk", target, [1e15])
    assert time.monotonic() - start < 2.0
    lc = specbias.learning_curve("ntk", target, [1e15], ridge=1e3)  # a ridge resolves it
    assert np.isfinite(lc.gen_error).all()


def test_validate_dictionary_size_is_budgeted(monkeypatch):
    """n_dict = 10^7 allocated a 2.5 GB simplex block after a minute (MemoryError under
    an 8 GB rlimit) while the estimate counted n + d floats per atom; 10^6 takes ~1 min."""
    from specbias.validation._experiment import memory_estimate

    cfg = specbias.ValidationConfig(d=3, nu_t=2.0, n_values=(8, 16), seeds=2, n_dict=10**7)
    simplex_block = 8 * 10**7 * (2 * 16 + 2)  # the array that failed, one worker
    assert sum(memory_estimate(cfg, 1).values()) > 2 * simplex_block
    monkeypatch.setenv(_budget.BUDGET_ENV, "1T")
    start = time.monotonic()
    with pytest.raises(specbias.InputError, match="time budget"):
        specbias.run_validation(cfg, jobs=1)
    assert time.monotonic() - start < 2.0


def test_validate_empty_store_path_is_refused(tmp_path, monkeypatch):
    """--store '' ran the sweep with no store at all (an empty string is falsy)."""
    monkeypatch.chdir(tmp_path)
    line = one_line_error(
        "validate", "--d", "3", "--nu", "2", "--n", "8,16", "--seeds", "2",
        "--solver", "limit", "--store", "",
    )  # fmt: skip
    assert "--store" in line
    assert list(tmp_path.iterdir()) == []


def test_runs_reader_leaves_no_sidecar_files(tmp_path):
    """A read-only SQLite connection to a WAL store left empty -wal and -shm files."""
    from specbias.validation._store import ResultStore

    db = tmp_path / "runs.db"
    with ResultStore(db) as store:
        store.put({"a": 1}, {"x": 1.0})
    (tmp_path / "trunc.db").write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    before = sorted(p.name for p in tmp_path.iterdir())
    assert runner.invoke(app, ["runs", "--store", str(db)]).exit_code == 0
    one_line_error("runs", "--store", str(tmp_path / "trunc.db"))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# ------------------------------------------------------- issue 9 leftovers: slow refusals
def test_quadrature_floor_refused_before_the_full_pass(monkeypatch):
    """expr:exp(t), d = 3, kmax = 4000, rtol = 1 ran the O(kmax^2) quadrature (two node
    sets of ~10^4 Legendre roots, 15 s) before refusing from k = 14 on: mu_k of exp(t)
    falls below the float64 round-off floor there, which a kmax = 64 pass already shows."""
    from specbias.spectra import _quadrature

    passes = []
    real = _quadrature._two_passes
    monkeypatch.setattr(
        _quadrature, "_two_passes", lambda kern, d, kmax: passes.append(kmax) or real(kern, d, kmax)
    )
    with pytest.raises(specbias.AccuracyError, match="from k=14 on"):
        specbias.eigenvalues("expr:exp(t)", 3, 4000, rtol=1)
    assert passes == [64]
    line = one_line_error("spectrum", "--kernel", "expr:exp(t)", "--d", "3", "--kmax", "4000",
                          "--rtol", "1")  # fmt: skip
    assert "cannot certify" in line


@pytest.mark.parametrize(
    ("kern", "d", "rtol"),
    [
        ("expr:exp(t)", 3, 1e-10),
        ("expr:exp(t)", 5, 1e-3),
        ("ntk:depth=2", 3, 1e-10),
        ("ntk:depth=2", 3, 1e-4),  # accepted both ways
        ("expr:exp(50*t)", 3, 1e-6),  # a sharp kernel
        ("arccos1:depth=3", 5, 1e-8),
    ],
)
def test_quadrature_early_refusal_agrees_with_the_full_pass(monkeypatch, kern, d, rtol):
    from specbias.spectra import _quadrature

    def outcome():
        try:
            return specbias.eigenvalues(kern, d, 600, rtol=rtol).log_abs.tolist()
        except specbias.AccuracyError:
            return "refused"

    early = outcome()
    monkeypatch.setattr(_quadrature, "QUADRATURE_STAGES", ())
    assert outcome() == early


def test_curve_uncertifiable_n_refused_before_the_stages():
    """ntk, d = 3, n = 1e11 ran the x4 truncation stages up to K = 2^20 (15-20 s) before
    refusing with a bound of 1.5e4; the decay-law lower bound says so before any stage."""
    stages = []
    target = specbias.smooth_target(3, 2.0, "even")
    for n in ([1e11], [1e9, 1e12], [1e7]):
        with pytest.raises(specbias.AccuracyError, match="too large to certify"):
            specbias.learning_curve("ntk", target, n, progress=lambda *a: stages.append(a))
    with pytest.raises(specbias.AccuracyError, match="too large to certify"):
        specbias.learning_curve("ntk", specbias.smooth_target(2, 2.0), [1e5])
    assert stages == []
    line = one_line_error("curve", "--kernel", "ntk", "--d", "3", "--nu", "2", "--n",
                          "100000000000")  # fmt: skip
    assert "too large to certify" in line
    lc = specbias.learning_curve("ntk", target, [1e11], ridge=1.0)  # a ridge resolves it
    assert np.isfinite(lc.gen_error).all()


@pytest.mark.parametrize(
    ("kern", "d", "n", "big_k", "parity"),
    [
        ("ntk", 3, 1e5, 4096, "even"),
        ("laplace", 3, 1e5, 4096, "all"),
        ("ntk", 2, 1e3, 4096, "even"),
        ("arccos1", 3, 1e5, 1024, "even"),
        ("ntk-bias", 3, 1e5, 4096, "all"),
        ("ntk", 5, 1e8, 1024, "even"),
    ],
)
def test_truncation_lower_bound_is_below_the_computed_bound(kern, d, n, big_k, parity):
    """The pre-check's estimate never exceeds the bound the stage itself certifies
    (measured ratios 2.7-77), so it cannot refuse a curve the stages would accept."""
    from specbias.theory._truncation import truncation_lower_bound

    target = specbias.smooth_target(d, 2.0, parity)
    lc = specbias.learning_curve(kern, target, [n], kmax=big_k, rtol=1e30)
    lb = truncation_lower_bound(specbias.kernel(kern), d, n * math.exp(1e-3), 0.0, big_k)
    assert 0 < lb <= lc.tail_bound.max()


def test_oversized_sizes_refused_before_the_work_they_describe(monkeypatch):
    """Refusals that used to build what they refuse (campaign: 2-5 CPU-s): a 10^7-point
    n grid, the digits of 10^7 multiplicities, a 10^8-element list.  Each refusal is
    counted here by the work it does not do (tracemalloc peak), not by a timer."""
    runner = CliRunner()
    tracemalloc.start()
    res = runner.invoke(app, ["curve", "--d", "3", "--nu", "2", "--n", "10:1000000:10000000"])
    with pytest.raises(specbias.InputError, match="77 TB"):
        specbias.harmonic_multiplicities(10**7, 10**7)
    huge = range(10**8)  # sized but not materialized: a conversion would take 800 MB
    with pytest.raises(specbias.InputError, match="at most 1000000 degrees"):
        specbias.theory.student_spectrum(huge, d=3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert res.exit_code == 1 and "at most 100000 sample sizes" in res.output
    assert peak < 50e6, peak  # the 10^7 grid alone is 80 MB
    # the estimate (mean digits over <= 4097 degrees) is exact below 4097 degrees and
    # within 1% of the exact digit count above
    from specbias.spectra._multiplicity import _total_digits, log_harmonic_multiplicity

    ks = np.arange(20001)
    exact = float(np.sum(log_harmonic_multiplicity(7, ks) / np.log(10.0) + 1.0))
    assert _total_digits(7, 20000) == pytest.approx(exact, rel=1e-2)
    assert specbias.harmonic_multiplicities(3, 4) == [1, 3, 5, 7, 9]
