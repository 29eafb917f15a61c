"""`validate --scheduler`: sweeps on a Dask cluster (LocalCluster, in-process driver).

Two routes to every stored number: the local process pool and a LocalCluster of two
worker processes compute the same units from the same per-unit seeds; the rows must be
equal bit for bit (timings aside), and so the fitted exponents.  A worker killed with
SIGKILL and a driver killed with SIGKILL must both leave a complete store, with every
unit exactly once and no unit computed twice.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import typer
from typer.testing import CliRunner

import specbias
from specbias.cli._app import _Group
from specbias.cli._validate import validate
from specbias.validation._dask import (
    _placement,
    _worker_resources,
    dask_client,
    parse_scheduler,
)
from specbias.validation._experiment import ValidationConfig, run_validation
from specbias.validation._store import ResultStore

distributed = pytest.importorskip("distributed")

app = typer.Typer(cls=_Group, add_completion=False)
app.command("validate")(validate)
app.command("other")(lambda: None)  # two commands: `validate` is named on the command line
runner = CliRunner()

# 8 units (2 regimes x 2 n x 2 seeds), limits only: about a second of CPU in all
TINY = dict(d=3, nu_t=2.0, n_values=(8, 16), seeds=2, n_test=32, n_dict=128, solver="limit")
#: observables that are timings, not results (everything else must be bit-identical)
TIMINGS = {"seconds"}


def _rows(db: ResultStore) -> dict[str, tuple]:
    """run_key -> (config, observables without timings): what must not depend on the
    executor (insertion order and creation times do)."""
    return {
        r.key: (r.config, {k: v for k, v in r.observables.items() if k not in TIMINGS})
        for r in db.rows()
    }


def _betas(res) -> dict:
    return {(c.regime, c.solver): (c.fit.beta, c.fit.ci_low, c.fit.ci_high) for c in res.curves}


@pytest.fixture(scope="module")
def client():
    """One LocalCluster of 2 worker processes for the module (started once: ~3 s)."""
    with dask_client("local:2") as c:
        yield c


@pytest.fixture(scope="module")
def local_pool(tmp_path_factory):
    """The reference: TINY through the local process pool, its rows and fitted betas."""
    path = tmp_path_factory.mktemp("pool") / "pool.db"
    with ResultStore(path) as db:
        res = run_validation(ValidationConfig(**TINY), store=db, jobs=2)
        return _rows(db), _betas(res)


@pytest.mark.slow  # LocalCluster start-up plus a local-pool reference run: ~20 s
def test_cluster_rows_identical_to_local_pool(tmp_path, client, local_pool):
    calls = []
    with ResultStore(tmp_path / "dask.db") as db:
        res = run_validation(
            ValidationConfig(**TINY), store=db, client=client, progress=lambda *a: calls.append(a)
        )
        rows = _rows(db)
    assert res.computed == 8 and res.skipped == 0
    assert rows == local_pool[0]  # every stored number, bit for bit
    assert _betas(res) == local_pool[1]
    # the bar counts units: from 0 to 8, never back, 2 units per finished (n, seed) task
    done = [c[0] for c in calls if c[2].startswith("cluster")]
    assert done == [0, 2, 4, 6, 8] and calls[-1][:2] == (8, 8)


@pytest.mark.slow  # a second cluster start after the SIGKILL
def test_killed_worker_is_survived(tmp_path, client, local_pool):
    """A worker SIGKILLed mid-unit: its task is rescheduled (Dask's allowed-failures),
    every unit is stored exactly once, equal to the local pool's, store intact."""
    from _dask_kill import KillOnce

    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(str(marker)))
    try:
        with ResultStore(tmp_path / "kill.db") as db:
            res = run_validation(ValidationConfig(**TINY), store=db, client=client)
            rows = _rows(db)
            assert len(db) == 8
    finally:
        client.unregister_worker_plugin(KillOnce.name)
    assert marker.exists()  # a worker really died mid-unit
    assert res.computed == 8 and rows == local_pool[0]
    with sqlite3.connect(tmp_path / "kill.db") as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert c.execute("select count(distinct run_key), count(*) from runs").fetchone() == (8, 8)


@pytest.mark.slow  # a CLI subprocess with its own LocalCluster: ~10 s of start-up
def test_killed_driver_resumes_without_recomputing(tmp_path, client):
    """SIGKILL the CLI driver mid-sweep: its LocalCluster workers go with it, the store is
    intact, and the same sweep resumes computing exactly the units not yet stored."""
    import psutil

    db = tmp_path / "runs.db"
    args = ["--d", "3", "--nu", "2", "--n", "8,16,32,64", "--seeds", "4", "--n-test", "32",
            "--solver", "limit"]  # fmt: skip
    cmd = [sys.executable, "-m", "specbias.cli", "validate", *args, "--json"]
    proc = subprocess.Popen(  # cwd: the installed package, not the source tree
        [*cmd, "--store", str(db), "--scheduler", "local:2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    deadline, stored = time.monotonic() + 120, 0
    while time.monotonic() < deadline and stored == 0 and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(db) as c:
                stored = c.execute("select count(*) from runs").fetchone()[0]
        except sqlite3.Error:
            pass
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert stored > 0, proc.stderr.read()[-500:]
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert alive == []  # no orphaned Dask worker
    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
    cfg = ValidationConfig(d=3, nu_t=2.0, n_values=(8, 16, 32, 64), seeds=4, n_test=32,
                           solver="limit")  # fmt: skip
    with ResultStore(db) as store:
        before = {r.key: r for r in store.rows()}
        res = run_validation(cfg, store=store, client=client)
        after = {r.key: r for r in store.rows()}
    total = len(cfg.units())
    assert res.skipped == len(before) and res.computed == total - len(before)  # none twice
    assert len(after) == total and all(after[k] == r for k, r in before.items())


@pytest.mark.slow  # needs the module's LocalCluster
def test_gpu_units_ask_for_a_gpu_worker_only_when_one_advertises_it(client):
    cpu_cfg = ValidationConfig(**TINY)
    gpu_cfg = ValidationConfig(**{**TINY, "solver": "train", "device": "gpu", "width": 16})
    plain = _worker_resources(client)  # the LocalCluster: two workers, no resources
    assert len(plain) == 2 and all(r == {} for r in plain.values())
    assert _placement(gpu_cfg, False, plain) == {}  # no GPU advertised: no tag
    mixed = {"tcp://a:1": {}, "tcp://g:1": {"GPU": 1.0}}
    assert _placement(gpu_cfg, False, mixed) == {"resources": {"GPU": 1}}
    cpu_side = {"workers": ["tcp://a:1"], "allow_other_workers": True}
    assert _placement(gpu_cfg, True, mixed) == cpu_side  # numpy units keep off the GPU
    assert _placement(cpu_cfg, True, mixed) == cpu_side
    assert _placement(cpu_cfg, True, {"tcp://g:1": {"GPU": 1}}) == {}  # only GPU workers


@pytest.mark.parametrize(
    ("spec", "message"),
    [("local:0", "N >= 1"), ("local:x", "N >= 1"), ("host:8786", "tcp://HOST:PORT"),
     ("tcp://", "tcp://HOST:PORT"), ("local:100000", "4x the CPUs")],
)  # fmt: skip
def test_bad_scheduler_one_line(spec, message):
    res = runner.invoke(app, ["validate", "--preset", "smoke", "--scheduler", spec])
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_scheduler_errors_one_line(monkeypatch):
    assert parse_scheduler(" tcp://10.0.0.1:8786 ") == "tcp://10.0.0.1:8786"
    res = runner.invoke(app, ["validate", "--preset", "smoke", "--scheduler", "local:1",
                              "--jobs", "2"])  # fmt: skip
    assert res.exit_code == 1 and "--jobs" in res.output
    # nothing listens on port 9 (discard): one line, no traceback
    monkeypatch.setattr("specbias.validation._dask.CONNECT_TIMEOUT_S", 1)
    with pytest.raises(specbias.InputError, match="cannot reach the Dask scheduler"):
        with dask_client("tcp://127.0.0.1:9"):
            pass
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    res = runner.invoke(app, ["validate", "--preset", "smoke", "--scheduler", "local:2"])
    assert res.exit_code == 1 and "pip install 'specbias[distributed]'" in res.output


@pytest.mark.slow  # the smoke preset twice: about 2 minutes on 2 idle cores
def test_smoke_preset_rows_and_exponents_identical(tmp_path, client):
    """The smoke preset (64 limit units): local pool (2 processes) and LocalCluster
    (2 workers) store the same rows, bit for bit, and fit the same exponents."""
    cfg = ValidationConfig.preset("smoke")
    with ResultStore(tmp_path / "pool.db") as a, ResultStore(tmp_path / "dask.db") as b:
        pool = run_validation(cfg, store=a, jobs=2)
        dask = run_validation(cfg, store=b, client=client)
        assert len(a) == len(b) == len(cfg.units()) == 64
        assert _rows(a) == _rows(b)
    assert _betas(pool) == _betas(dask)


def test_doctests():
    import doctest

    from specbias.validation import _dask

    assert doctest.testmod(_dask).failed == 0


@pytest.mark.slow  # JAX imported and compiled in each worker: ~30 s on 2 cores
def test_trained_units_on_the_cluster_equal_in_process(client):
    """Trained nets (JAX lazy nets and numpy L1 feature nets) computed by the workers
    store the same numbers as when trained in the driver (float64, one BLAS thread)."""
    cfg = ValidationConfig(d=3, nu_t=2.0, n_values=(4, 8), seeds=2, n_test=16, width=32,
                           solver="train", max_steps=3000, rel_tol=1e-2)  # fmt: skip
    here = run_validation(cfg)
    there = run_validation(cfg, client=client)

    def numbers(res):
        return [{k: v for k, v in r["observables"].items() if k not in TIMINGS} for r in res.runs]

    assert there.computed == 8 and numbers(there) == numbers(here)
    assert all(
        r["observables"]["dtype"] == "float64" for r in there.runs if "dtype" in r["observables"]
    )
