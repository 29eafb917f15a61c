"""Result store: idempotent puts, crash safety under SIGKILL / os._exit, corrupt files."""

from __future__ import annotations

import csv
import doctest
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from specbias import InputError
from specbias.validation import _store
from specbias.validation._store import SCHEMA_VERSION, ResultStore, canonical_json, run_key

# Writer subprocesses: a fresh interpreter per process so a kill hits real I/O.
WRITER = textwrap.dedent(
    """
    import sys
    import time
    from specbias.validation._store import ResultStore
    path, start, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = ResultStore(path)
    new = 0
    for i in range(start, stop):
        config = {"i": i, "d": 3, "teacher": "abs-power-rf:a=1", "regime": "feature"}
        obs = {"test_error": 1.0 / (i + 1), "curve": list(range(200))}
        new += store.put(config, obs)
        print("committed", i, flush=True)
        if i >= 20 and len(sys.argv) > 4:
            time.sleep(0.002)  # keep writing past the parent's kill, even on tmpfs
    print("new", new, flush=True)
    """
)


def _config(i: int) -> dict:
    return {"i": i, "d": 3, "teacher": "abs-power-rf:a=1", "regime": "feature"}


def _spawn(path, start, stop) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(start), str(stop), "slow"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(path).parent,  # not the repo root: its source folder would shadow the install
    )


def test_doctests():
    assert doctest.testmod(_store).failed == 0


def test_run_key_is_canonical():
    a = {"n": 8, "d": 3, "w": (1, 2)}
    b = {"w": [np.int64(1), 2], "d": np.int32(3), "n": 8}
    assert run_key(a) == run_key(b)
    assert run_key({"n": 8}) != run_key({"n": 8.0})  # documented: int and float differ
    assert len(run_key(a)) == 64
    assert canonical_json({"b": [1.5], "a": None}) == '{"a":null,"b":[1.5]}'
    with pytest.raises(InputError):
        run_key({"n": float("nan")})
    with pytest.raises(InputError):
        run_key({1: 2})


def test_put_has_rows_and_reopen(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore(path) as store:
        assert store.put({"n": 8, "seed": 0}, {"err": 0.5}) is True
        assert store.put({"n": 8, "seed": 1}, {"err": float("nan")}) is True
        assert store.put({"seed": 0, "n": 8}, {"err": 99.0}) is False  # idempotent
        assert len(store) == 2
        assert store.has({"n": 8, "seed": 0}) and not store.has({"n": 16, "seed": 0})
        assert store.has(run_key({"n": 8, "seed": 1}))
    with ResultStore(path) as store:  # persisted
        assert [r.observables["err"] for r in store.rows({"seed": 0})] == [0.5]
        assert np.isnan(store.get({"n": 8, "seed": 1}).observables["err"])
        assert len(store.rows(lambda cfg: cfg["n"] == 8)) == 2
        assert store.rows({"n": 9}) == []
        assert store.get({"n": 9}) is None
        meta = dict(store.conn.execute("SELECT key, value FROM meta"))
        assert meta["schema_version"] == str(SCHEMA_VERSION)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_export_csv_and_json(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.put({"n": 8, "model": {"width": 64}}, {"err": 0.25, "curve": [1.0, 0.5]})
        store.put({"n": 16}, {"err": 0.125})
        out_csv = store.export(tmp_path / "r.csv")
        out_json = store.export(tmp_path / "dump.txt", "json")
        with pytest.raises(InputError):
            store.export(tmp_path / "r.xml")
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["config.n"] for r in rows] == ["8", "16"]
    assert rows[0]["config.model.width"] == "64" and rows[1]["config.model.width"] == ""
    assert json.loads(rows[0]["obs.curve"]) == [1.0, 0.5]
    data = json.loads(out_json.read_text())
    assert data[1]["observables"] == {"err": 0.125}
    assert data[0]["run_key"] == run_key({"n": 8, "model": {"width": 64}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.txt", "r.csv", "r.sqlite"]


def test_sigkilled_writer_loses_nothing_committed(tmp_path):
    path = tmp_path / "runs.sqlite"
    total = 200
    proc = _spawn(path, 0, total)
    announced = []
    while len(announced) < 20:  # let it commit some rows, then kill it mid-stream
        line = proc.stdout.readline()
        assert line, "writer died early"
        announced.append(int(line.split()[1]))
    time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    with ResultStore(path) as store:
        rows = store.rows()
        keys = [r.key for r in rows]
        assert len(keys) == len(set(keys))
        stored = {r.config["i"] for r in rows}
        assert set(announced) <= stored  # every committed row survived
        assert stored == set(range(len(stored)))  # a prefix: no holes, no partial rows
        assert len(stored) < total, "writer finished before the kill; test proves nothing"
        for r in rows:  # complete rows only
            assert r.config == _config(r.config["i"])
            assert r.observables["curve"] == list(range(200))
    before = len(stored)

    rerun = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), "0", str(total)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(path).parent,
    )
    assert rerun.stdout.strip().splitlines()[-1] == f"new {total - before}"
    with ResultStore(path) as store:
        assert len(store) == total
        assert len(store.keys()) == total


def test_exit_inside_transaction_leaves_no_row(tmp_path):
    path = tmp_path / "runs.sqlite"
    with ResultStore(path) as store:
        store.put(_config(0), {"ok": True})
    script = textwrap.dedent(
        """
        import os, sys
        from specbias.validation._store import ResultStore, run_key
        store = ResultStore(sys.argv[1])
        store.conn.execute("BEGIN IMMEDIATE")
        store.conn.execute(
            "INSERT INTO runs (run_key, config, observables, created_utc) VALUES (?,?,?,?)",
            (run_key({"i": 1}), '{"i": 1}', '{"half": ', "now"),
        )
        os._exit(3)
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", script, str(path)], check=False, cwd=Path(path).parent
    )
    assert res.returncode == 3
    with ResultStore(path) as store:
        assert [r.config for r in store.rows()] == [_config(0)]
        assert store.put({"i": 1}, {"full": 1}) is True


def _corrupt_cases(tmp_path):
    good = tmp_path / "good.sqlite"
    with ResultStore(good) as store:
        for i in range(50):
            store.put(_config(i), {"curve": list(range(100))})
    raw = good.read_bytes()
    rng = np.random.default_rng(0)
    cases = {
        "text": b"d,n,err\n3,8,0.5\n",
        "short": raw[:50],
        "header_then_noise": raw[:100] + rng.bytes(len(raw) - 100),
        "pages_clobbered": raw[:4096] + rng.bytes(len(raw) - 4096),
    }
    foreign = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    cases["foreign_schema"] = foreign.read_bytes()
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(raw)
    con = sqlite3.connect(newer)
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    cases["newer_schema"] = newer.read_bytes()
    return cases


def test_corrupt_or_foreign_file_is_input_error_and_untouched(tmp_path):
    for name, content in _corrupt_cases(tmp_path).items():
        path = tmp_path / f"{name}.db"
        path.write_bytes(content)
        with pytest.raises(InputError) as info:
            ResultStore(path)
        assert "\n" not in str(info.value), name
        assert path.read_bytes() == content, f"{name}: file modified"


def test_empty_file_becomes_store_and_directory_is_error(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with ResultStore(empty) as store:
        assert store.put({"n": 1}, {}) is True
    with pytest.raises(InputError):
        ResultStore(tmp_path)
    with pytest.raises(InputError):
        ResultStore(tmp_path / "missing_dir" / "x.sqlite")
