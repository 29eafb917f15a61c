"""`fluctuations` and `jamming` on a local pool or a Dask cluster (issue 14's "every sweep").

Two routes to every stored number: the command in this process (the default, serial)
and the same sweep as units on an executor (a LocalCluster of two worker processes, or
the unit path run in-process).  Each unit draws from its own seeds, so the stored rows
must be equal bit for bit (the ``seconds`` timing aside) and so the results.  A store
that already holds every unit must submit none.
"""

from __future__ import annotations

import sqlite3
import sys

import pytest
import typer
from typer.testing import CliRunner

from specbias.cli._app import _Group
from specbias.cli._check import check as check_cmd
from specbias.cli._fluctuations import fluctuations as fluctuations_cmd
from specbias.cli._jamming import jamming as jamming_cmd
from specbias.paper_checks import CheckResult, PaperCheck, all_checks
from specbias.validation import fluctuations
from specbias.validation._jamming_study import jamming_study
from specbias.validation._jamming_units import run_study_units
from specbias.validation._map import map_units
from specbias.validation._store import ResultStore

distributed = pytest.importorskip("distributed")

app = typer.Typer(cls=_Group, add_completion=False)
app.command("fluctuations")(fluctuations_cmd)
app.command("jamming")(jamming_cmd)
app.command("check")(check_cmd)
runner = CliRunner()

#: 2 (depth, width) units of 3 members on 8 points: ~2 s of JAX compilation in all
FLUCT = dict(widths=[8, 16], depths=[1], members=3, n=8, n_test=16, n_boot=20)
#: 2 N* searches (P = 16, 24; 2 data sets each) and 3 x 2 x 2 = 12 sweep runs: ~1 s
JAM = dict(P=(16, 24), d=4, seeds=2, datasets=2, sweep_task="teacher", sweep_P=32, sweep_d=4,
           widths=(2, 4, 8), ensemble=2, splits=2, n_test=50)  # fmt: skip
#: observables that are timings, not results (everything else must be bit-identical)
TIMINGS = {"seconds"}


def _rows(path) -> dict[str, tuple]:
    """run_key -> (config, observables without timings)."""
    with ResultStore(path) as db:
        return {
            r.key: (r.config, {k: v for k, v in r.observables.items() if k not in TIMINGS})
            for r in db.rows()
        }


def _study(st) -> dict:
    """A jamming study as JSON-like data, timings aside."""
    out = st.to_dict()
    for point in out["points"]:
        for run in point["runs"]:
            run.pop("seconds")
    return out


class NoSubmit:
    """A stand-in Dask client for a fully stored sweep: any submission is an error."""

    def submit(self, *args, **kwargs):
        raise AssertionError(f"submitted a unit: {args[1:3]}")

    def cancel(self, futures):
        assert futures == []


class Counting:
    """A Dask client that counts the units submitted to it."""

    def __init__(self, client) -> None:
        self.client, self.submitted = client, []

    def submit(self, fn, *args, **kwargs):
        self.submitted.append(args[:2])
        return self.client.submit(fn, *args, **kwargs)

    def cancel(self, futures):
        self.client.cancel(futures)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: both sweeps in this process, stored."""
    root = tmp_path_factory.mktemp("serial")
    f = fluctuations(**FLUCT, store=str(root / "f.db"))
    with ResultStore(root / "j.db") as db:
        j = jamming_study(**JAM, store=db)
    return {"f": (f, root / "f.db"), "j": (j, root / "j.db")}


# -- fast: the unit path in this process, resume, errors -------------------------------
def test_map_units_in_order():
    out = []
    map_units(divmod, {"a": (7, 2), "b": (9, 4)}, lambda k, r: out.append((k, r)))
    assert out == [("a", (3, 1)), ("b", (2, 1))]


def test_stored_sweeps_submit_nothing(serial, tmp_path):
    """Resume: every unit stored -> zero units submitted, the same results."""
    f, f_db = serial["f"]
    again = fluctuations(**FLUCT, store=str(f_db), client=NoSubmit())
    assert again.to_dict() == f.to_dict()
    j, j_db = serial["j"]
    with ResultStore(j_db) as db:
        n = len(db)
        st = jamming_study(**JAM, store=db, client=NoSubmit())
        assert len(db) == n
    assert _study(st) == _study(j)


def test_jamming_unit_path_equals_serial(serial, tmp_path):
    """The driver/worker split of the jamming study, run in this process: searches as
    units (a partly stored one resumes over its stored runs) and one unit per sweep
    run store the same rows and give the same study as the serial command."""
    j, j_db = serial["j"]
    path = tmp_path / "units.db"
    with ResultStore(j_db) as ref:
        part = ref.rows({"kind": "jamming", "P": 16, "split": 0})
    with ResultStore(path) as db:  # the P = 16 search, partly stored
        for run in part:
            db.put(run.config, run.observables)
        stored = len(db)
        calls = []
        search = dict(task="random", d=4, seeds=2, datasets=2, seed=0, activation="leaky-relu",
                      max_evaluations=30_000, allow_large=False)  # fmt: skip
        sweep = dict(task="teacher", P=32, widths=(8, 2, 4), ensemble=2, splits=2, d=4,
                     seed=0, noise=0.1, n_test=50, activation="leaky-relu",
                     max_evaluations=30_000, allow_large=False)  # fmt: skip
        points, sw = run_study_units(
            (16, 24), search, sweep, store=db, client=None, jobs=1,
            progress=lambda *a: calls.append(a),
        )  # fmt: skip
    assert stored > 0 and calls[-1][:2] == (14, 14)  # 2 searches + 12 sweep runs
    assert _rows(path) == _rows(j_db)
    assert _study(type(j)(points, sw)) == _study(j)


def test_check_passes_the_client_to_the_sweep_checks_only():
    seen = []
    sweeping = PaperCheck(
        "a", "arXiv:0", "", lambda client=None: seen.append(client) or CheckResult("a", True),
        sweeps=True,
    )  # fmt: skip
    plain = PaperCheck("b", "arXiv:0", "", lambda: CheckResult("b", True))
    assert sweeping.run("C").passed and plain.run("C").passed and sweeping.run().passed
    assert seen == ["C", None]
    assert {c.name for c in all_checks() if c.sweeps} == {
        "geiger_2019",
        "petrini_cagnetta_vanden_eijnden_wyart_2022",
        "spigler_2018",
    }


@pytest.mark.parametrize("command", ["fluctuations", "jamming"])
def test_scheduler_errors_one_line(command, monkeypatch):
    args = [command, "--scheduler", "local:2", "--jobs", "2"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1 and "--jobs" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, [command, "--scheduler", "host:1"])
    assert res.exit_code == 1 and "tcp://HOST:PORT" in res.output
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    for args in ([command, "--scheduler", "local:2"], ["check", "--scheduler", "local:2"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1 and "pip install 'specbias[distributed]'" in res.output
        assert len(res.output.strip().splitlines()) == 1


def test_too_many_jobs():
    with pytest.raises(Exception, match="4x the CPUs"):
        jamming_study(**JAM, jobs=100_000)
    with pytest.raises(Exception, match="4x the CPUs"):
        fluctuations(**FLUCT, jobs=100_000)


@pytest.mark.parametrize("command", ["jamming --P 16 --d 3", "fluctuations --d 3 --n 16"])
def test_zero_jobs_refused(command, tmp_path, monkeypatch):
    """--jobs 0 is a bad input (it once fell back to one process and exited 0)."""
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, [*command.split(), "--jobs", "0"])
    assert res.exit_code == 1 and "jobs >= 1" in res.output


# -- slow: a LocalCluster of two workers ------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from specbias.validation._dask import dask_client

    with dask_client("local:2") as c:
        yield c


@pytest.mark.slow  # LocalCluster start-up, JAX imported and compiled in each worker: ~30 s
def test_fluctuations_cluster_rows_identical(serial, client, tmp_path):
    f, f_db = serial["f"]
    counting = Counting(client)
    there = fluctuations(**FLUCT, store=str(tmp_path / "f.db"), client=counting)
    assert len(counting.submitted) == 2  # one task per (depth, width)
    assert _rows(tmp_path / "f.db") == _rows(f_db)  # every stored number, bit for bit
    assert there.to_dict() == f.to_dict()
    again = Counting(client)
    fluctuations(**FLUCT, store=str(tmp_path / "f.db"), client=again)
    assert again.submitted == []


@pytest.mark.slow  # LocalCluster start-up: ~10 s
def test_jamming_cluster_rows_identical_and_killed_worker(serial, client, tmp_path):
    """LocalCluster(2) against the serial study; a worker SIGKILLed mid-unit on the way
    (its unit rescheduled by Dask): same rows, each once, store intact; resume: none."""
    from _dask_kill import KillOnce

    j, j_db = serial["j"]
    marker = tmp_path / "killed"
    client.register_plugin(KillOnce(str(marker)))
    try:
        counting = Counting(client)
        with ResultStore(tmp_path / "j.db") as db:
            st = jamming_study(**JAM, store=db, client=counting)
    finally:
        client.unregister_worker_plugin(KillOnce.name)
    assert marker.exists() and len(counting.submitted) == 14
    assert _rows(tmp_path / "j.db") == _rows(j_db)
    assert _study(st) == _study(j)
    with sqlite3.connect(tmp_path / "j.db") as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
    again = Counting(client)
    with ResultStore(tmp_path / "j.db") as db:
        jamming_study(**JAM, store=db, client=again)
    assert again.submitted == []


@pytest.mark.slow  # two spawned processes importing specbias: ~10 s
def test_jamming_local_pool_identical(serial, tmp_path):
    j, j_db = serial["j"]
    with ResultStore(tmp_path / "pool.db") as db:
        st = jamming_study(**JAM, store=db, jobs=2)
    assert _rows(tmp_path / "pool.db") == _rows(j_db) and _study(st) == _study(j)


def test_doctests():
    import doctest

    from specbias.validation import _map

    assert doctest.testmod(_map).failed == 0
