"""`specbias curve` through typer's CliRunner: table, JSON, plot, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import specbias
from specbias.cli import app
from specbias.cli._curve import parse_n

runner = CliRunner()


def test_parse_n_forms():
    assert parse_n("10,100,1000").tolist() == [10, 100, 1000]
    grid = parse_n("10:100000:40")
    assert grid[0] == 10 and grid[-1] == 100000 and np.all(np.diff(grid) > 0)
    assert len(grid) <= 40


def test_curve_json_matches_library():
    res = runner.invoke(
        app,
        ["curve", "--kernel", "ntk", "--d", "5", "--nu", "2", "--n", "100,1000,10000", "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    lc = specbias.learning_curve("ntk", specbias.smooth_target(5, 2.0, "even"), [100, 1000, 10000])
    assert [r["n"] for r in out["rows"]] == [100, 1000, 10000]
    for row, g in zip(out["rows"], lc.gen_error, strict=True):
        assert row["gen_error"] == pytest.approx(g, rel=1e-12)
        assert row["test_mse"] == pytest.approx(g, rel=1e-12)  # no noise
    assert out["beta_predicted"] == 1.0
    assert "E0" in out["definition"]


def test_curve_noise_shifts_test_mse_only():
    res = runner.invoke(
        app,
        [
            "curve",
            "--d",
            "3",
            "--nu",
            "1",
            "--n",
            "50,500",
            "--noise",
            "0.1",
            "--ridge",
            "0.01",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    for row in json.loads(res.output)["rows"]:
        assert row["test_mse"] == pytest.approx(row["gen_error"] + 0.1, rel=1e-12)


def test_curve_table_and_plot(tmp_path):
    fig = tmp_path / "c.png"
    res = runner.invoke(
        app, ["curve", "--d", "5", "--nu", "2", "--n", "10:10000:8", "--plot", str(fig)]
    )
    assert res.exit_code == 0, res.output
    assert "predicted beta = 1" in res.output and "local slope" in res.output
    assert fig.exists() and fig.read_bytes()[:4] == b"\x89PNG"


def test_curve_teacher_target():
    res = runner.invoke(
        app,
        [
            "curve",
            "--kernel",
            "laplace",
            "--d",
            "3",
            "--target",
            "teacher:laplace",
            "--n",
            "1000,10000",
            "--rtol",
            "1e-3",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["nu_t"] == pytest.approx(0.5)
    assert out["rows"][-1]["local_slope"] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--d", "1", "--nu", "2"], "d must be >= 2"),
        (["--d", "5"], "--nu is required"),
        (["--d", "5", "--nu", "2", "--n", "1:2"], "--n must be"),
        (["--d", "5", "--nu", "2", "--n", "0,10"], "> 0"),
        (["--d", "5", "--nu", "-1"], "nu"),
        (["--d", "5", "--nu", "2", "--kernel", "nope"], "unknown kernel"),
        (["--d", "5", "--nu", "2", "--target", "bogus"], "--target must be"),
        (["--d", "5", "--nu", "2", "--ridge", "-1"], "ridge"),
        (["--d", "5", "--nu", "2", "--plot", "/nonexistent/dir/x.png"], "does not exist"),
    ],
)
def test_curve_bad_input_one_line(args, message):
    res = runner.invoke(app, ["curve", *args])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_curve_plot_degrees(tmp_path):
    fig = tmp_path / "stairs.png"
    res = runner.invoke(
        app,
        [
            "curve",
            "--kernel",
            "ntk-bias",
            "--d",
            "100",
            "--nu",
            "2",
            "--target-parity",
            "all",
            "--n",
            "10:1000000:20",
            "--plot-degrees",
            str(fig),
        ],
    )
    assert res.exit_code == 0, res.output
    assert fig.exists() and fig.read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(app, ["curve", "--d", "5", "--nu", "2", "--plot-degrees", "x.txt"])
    assert bad.exit_code == 1 and "must end in .png" in bad.output
