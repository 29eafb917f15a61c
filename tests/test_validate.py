"""`specbias validate` / `runs` and the experiment driver: tiny end-to-end sweeps."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import specbias
from specbias.cli._app import _Group
from specbias.cli._runs import runs
from specbias.cli._validate import validate
from specbias.validation._experiment import (
    ValidationConfig,
    ValidationResult,
    run_validation,
    with_overrides,
)
from specbias.validation._store import ResultStore

# the two commands on their own app (same central error handling as the real one)
app = typer.Typer(cls=_Group, add_completion=False)
app.command("validate")(validate)
app.command("runs")(runs)
runner = CliRunner()

TINY = dict(d=3, nu_t=2.0, n_values=(8, 16), seeds=2, n_test=32, n_dict=128, solver="limit")
TINY_ARGS = [
    "validate", "--d", "3", "--nu", "2", "--n", "8,16", "--seeds", "2", "--n-test", "32",
    "--solver", "limit",
]  # fmt: skip


def _errors(res: ValidationResult) -> dict:
    return {(c.regime, c.solver): c.errors for c in res.curves}


def test_tiny_sweep_store_and_resume(tmp_path):
    cfg = ValidationConfig(**TINY)
    calls = []
    with ResultStore(tmp_path / "runs.db") as db:
        first = run_validation(cfg, store=db, progress=lambda *a: calls.append(a))
        assert first.computed == 8 and first.skipped == 0
        assert len(db) == 8
        second = run_validation(cfg, store=db)
        assert second.computed == 0 and second.skipped == 8
        assert len(db) == 8  # no duplicates
    assert _errors(first) == _errors(second)
    assert calls[-1][:2] == (8, 8)
    # without a store: same numbers (deterministic per-unit seeding)
    assert _errors(run_validation(cfg)) == _errors(first)
    for c in first.curves:
        assert c.fit is not None and np.isfinite(c.fit.beta)
        assert all(0 < e < 10 for row in c.errors for e in row)
    pred = specbias.predict(3, 2.0)
    assert first.curve("feature", "limit").beta_predicted == pred.regime("feature").beta
    assert first.curve("lazy", "limit").beta_predicted == pred.regime("lazy-ntk").beta
    json.dumps(first.to_dict(), allow_nan=False)


def test_order_independence(tmp_path):
    """A partial sweep (one n) stored first gives the same numbers on resumption."""
    with ResultStore(tmp_path / "r.db") as db:
        part = ValidationConfig(**{**TINY, "n_values": (16, 32)})
        run_validation(part, store=db)
        full = run_validation(ValidationConfig(**TINY), store=db)
        assert full.skipped == 4 and full.computed == 4
    assert _errors(full) == _errors(run_validation(ValidationConfig(**TINY)))


def test_gap_verdict_needs_separated_intervals():
    from specbias.validation._experiment import _separated
    from specbias.validation._fit import PowerLawFit

    def fit(beta, lo, hi):
        return PowerLawFit(beta, lo, hi, 1.0, np.zeros(0), np.zeros(0), (8, 16), 0.95, 10)

    assert _separated(fit(2.4, 2.2, 2.6), fit(3.0, 2.7, 3.3)) is True
    assert _separated(fit(2.4, 2.2, 2.8), fit(3.0, 2.7, 3.3)) is False
    assert _separated(fit(2.4, np.nan, np.nan), fit(3.0, 2.7, 3.3)) is None
    gaps = run_validation(ValidationConfig(**TINY)).gaps()
    assert set(gaps["limit"]) == {"fitted", "predicted", "feature_worse", "separated", "paired"}
    paired = gaps["limit"]["paired"]  # same draws for both regimes: the paired bootstrap
    lo, hi = paired["ci"]
    assert lo <= paired["gap"] <= hi and paired["separated"] == (lo > 0)
    assert abs(paired["gap"] - gaps["limit"]["fitted"]) < 1e-12


def test_worker_processes_give_the_same_numbers(tmp_path):
    cfg = ValidationConfig(**TINY)
    with ResultStore(tmp_path / "p.db") as db:
        par = run_validation(cfg, store=db, jobs=2)
        assert par.computed == 8 and len(db) == 8
    seq = run_validation(cfg, jobs=1)
    assert _errors(par) == _errors(seq)

    # every stored number, bit for bit (timings aside): one BLAS thread per unit
    def numbers(res):
        skip = {"seconds"}
        return [{k: v for k, v in r["observables"].items() if k not in skip} for r in res.runs]

    assert numbers(par) == numbers(seq)
    with pytest.raises(specbias.InputError, match="jobs"):
        run_validation(cfg, jobs=0)


def test_dictionary_feature_method_is_a_separate_unit(tmp_path):
    grid = ValidationConfig(**{**TINY, "feature_method": "dictionary"})
    key_grid = grid.unit_config("feature", "limit", 8, 0)
    key_cg = ValidationConfig(**TINY).unit_config("feature", "limit", 8, 0)
    assert key_grid["method"] == "dictionary" and key_cg["method"] == "colgen"
    assert key_grid != key_cg
    res = run_validation(grid)
    assert all(0 < e < 10 for c in res.curves for row in c.errors for e in row)


def test_trained_nets_tiny():
    import jax

    assert bool(jax.config.jax_enable_x64)  # the conftest's (the library never sets it)
    cfg = ValidationConfig(
        d=3, nu_t=2.0, n_values=(4, 8), seeds=2, n_test=16, width=32, solver="train",
        max_steps=3000, rel_tol=1e-2,
    )  # fmt: skip
    res = run_validation(cfg)
    assert res.computed == 8
    obs = res.runs[0]["observables"]
    assert obs["dtype"] == "float64" and obs["stop_reason"] in ("converged", "max_steps")
    assert all(np.isfinite(e) for c in res.curves for row in c.errors for e in row)


def test_cli_json_and_runs_export(tmp_path):
    db = tmp_path / "runs.db"
    fig = tmp_path / "fig.png"
    res = runner.invoke(app, [*TINY_ARGS, "--store", str(db), "--json", "--plot", str(fig)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["units_computed"] == 8 and out["units_skipped"] == 0
    assert {(c["regime"], c["solver"]) for c in out["curves"]} == {
        ("feature", "limit"),
        ("lazy", "limit"),
    }
    assert fig.stat().st_size > 1000
    again = json.loads(runner.invoke(app, [*TINY_ARGS, "--store", str(db), "--json"]).output)
    assert again["units_computed"] == 0 and again["units_skipped"] == 8
    assert again["curves"] == out["curves"]
    # table output
    res = runner.invoke(app, [*TINY_ARGS, "--store", str(db)])
    assert res.exit_code == 0 and "beta fitted" in res.output and "8 read from" in res.output
    # runs: table, JSON, exports
    res = runner.invoke(app, ["runs", "--store", str(db)])
    assert res.exit_code == 0 and "8 runs" in res.output
    listed = json.loads(runner.invoke(app, ["runs", "--store", str(db), "--json"]).output)
    assert len(listed) == 8
    for fmt in ("csv", "json"):
        target = tmp_path / f"out.{fmt}"
        res = runner.invoke(app, ["runs", "--store", str(db), "--export", str(target)])
        assert res.exit_code == 0, res.output
        if fmt == "csv":
            with open(target, newline="") as fh:
                rows = list(csv.DictReader(fh))
            assert len(rows) == 8 and "obs.test_error" in rows[0]
        else:
            assert len(json.loads(target.read_text())) == 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--d", "1", "--nu", "2", "--n", "8,16"], "d >= 2"),
        (["--d", "3", "--nu", "0", "--n", "8,16"], "nu_t"),
        (["--d", "3", "--nu", "-1", "--n", "8,16"], "nu_t"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--regimes", "mean-field"], "unknown regime"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--regimes", ","], "regime"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--solver", "magic"], "unknown solver"),
        (["--d", "3", "--nu", "2", "--n", ""], "--n"),
        (["--d", "3", "--nu", "2", "--n", "8"], "at least 2"),
        (["--d", "3", "--nu", "2.5", "--n", "8,16"], "polynomial"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--device", "tpu"], "unknown device"),
        (["--preset", "huge"], "unknown preset"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--feature-method", "lp"], "feature_method"),
        (["--d", "5", "--nu", "2", "--n", "8,16", "--feature-method", "dictionary"], "d <= 3"),
        (["--d", "3", "--nu", "2", "--n", "8,16", "--jobs", "0"], "jobs"),
        (["--nu", "2"], "--d and --nu"),
    ],
)
def test_bad_configurations_one_line(args, message):
    res = runner.invoke(app, ["validate", *args])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], res.output


def test_device_gpu_without_gpu():
    from specbias.validation._experiment import gpu_devices

    if gpu_devices():
        pytest.skip("a GPU is visible")
    res = runner.invoke(app, [*TINY_ARGS, "--device", "gpu"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [res.output.strip()]
    assert "no GPU" in res.output


def test_runs_missing_store(tmp_path):
    res = runner.invoke(app, ["runs", "--store", str(tmp_path / "nope.db")])
    assert res.exit_code == 1 and "no such result store" in res.output


def test_presets():
    smoke = ValidationConfig.preset("smoke")
    assert smoke.d >= 3 and smoke.solver == "limit"
    assert specbias.predict(smoke.d, smoke.nu_t).regime("feature").beta < (
        specbias.predict(smoke.d, smoke.nu_t).regime("lazy-ntk").beta
    )
    paper = ValidationConfig.preset("paper", seeds=2)
    assert paper.d == 5 and paper.nu_t == 5.0 and paper.seeds == 2
    assert paper.n_values[0] == 64 and paper.n_values[-1] == 1024
    assert paper.width2 < paper.width and paper.ensemble > 1
    ts = ValidationConfig.preset("train-smoke")
    assert ts.solver == "both" and ts.ensemble > 1 and ts.width2 == ts.width // 4
    assert ts.feature_protocol == "l1" and ts.feature_width >= max(ts.n_values)


def test_ctrl_c_stops_workers_and_keeps_the_store(tmp_path):
    """SIGINT: exit 130 with one line, no worker left, store intact and resumable."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    db = tmp_path / "runs.db"
    cmd = [sys.executable, "-m", "specbias.cli", "validate", "--d", "3", "--nu", "4",
           "--n", "32,64,128,256", "--seeds", "8", "--solver", "limit",
           "--store", str(db), "--jobs", "2"]  # fmt: skip
    proc = subprocess.Popen(  # cwd: import the installed package, not the source tree
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until a unit is stored
        time.sleep(0.5)
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    if c.execute("select count(*) from runs").fetchone()[0] > 0:
                        break
            except sqlite3.Error:
                pass
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err[-500:]
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("interrupted:") and "rerun the same command" in last
    children = subprocess.run(
        ["pgrep", "-f", str(db)], capture_output=True, text=True
    ).stdout.split()
    assert children == []
    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_nested_design_shares_the_teacher_across_n():
    """Nested: the draw at n is the first n points (and labels) of the draw at n_max,
    with one test set per seed; independent draws differ; the store keys say which."""
    from specbias.validation._units import _data

    nested = ValidationConfig(d=3, nu_t=2.0, n_values=(8, 16), n_test=32, design="nested")
    small, big = _data(nested, 8, 0), _data(nested, 16, 0)
    assert np.array_equal(small[0], big[0][:8]) and np.array_equal(small[1], big[1])
    assert np.array_equal(small[2].y_train, big[2].y_train[:8])
    assert np.array_equal(small[2].y_test, big[2].y_test)
    assert not np.array_equal(_data(nested, 16, 1)[0], big[0])  # seeds differ
    indep = with_overrides(nested, design="independent")
    assert not np.array_equal(_data(indep, 8, 0)[0], _data(indep, 16, 0)[0][:8])
    key = nested.unit_config("lazy", "limit", 8, 0)
    assert key["design"] == "nested" and key["n_max"] == 16
    assert "design" not in indep.unit_config("lazy", "limit", 8, 0)
    with pytest.raises(specbias.InputError, match="unknown design"):
        with_overrides(nested, design="mixed")


def test_feature_limit_units_use_the_fast_route_at_large_d_and_n(monkeypatch):
    """d >= 4, n >= 256: interior-point master + batched pricing (same optimum; the
    agreement itself is tested in test_validation_batch_pricing / test_validation_ipm)."""
    import doctest

    from specbias.validation import ValidationConfig
    from specbias.validation import _units as units
    from specbias.validation._targets_sample import TargetSample

    assert doctest.testmod(units, report=False).failed == 0
    seen = {}

    class _Fit:
        prediction = np.zeros(2)
        n_atoms, l1_norm, residual, dual_violation = 1, 1.0, 0.0, 0.0

    def fake(x, y, xt, **kw):
        seen.update(kw)
        return _Fit()

    monkeypatch.setattr(units, "min_variation_norm_interpolation", fake)
    data = (np.eye(5)[:2], np.eye(5)[:2], TargetSample(np.zeros(2), np.zeros(2), 0.0))
    for d, n, want in ((5, 256, "ipm"), (5, 128, None), (3, 1024, None)):
        seen.clear()
        cfg = ValidationConfig(d=d, nu_t=4.0, n_values=(n // 2, n), seeds=1, solver="limit")
        units._run_limit(cfg, "feature", n, 0, data)
        assert seen.get("master") == want, (d, n, seen)
        assert seen.get("pricing") == ("batch" if want else None)
