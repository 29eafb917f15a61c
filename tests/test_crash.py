"""Crash safety of ``validate --store``: SIGKILL at a random moment, then resume."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG, /proc")


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _rows(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            return c.execute("select count(*) from runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_leaves_a_sound_store_and_rerun_finishes_the_rest(tmp_path):
    db = tmp_path / "runs.db"
    cmd = [sys.executable, "-m", "specbias.cli", "validate", "--d", "3", "--nu", "4",
           "--n", "32,64,128", "--seeds", "4", "--solver", "limit",
           "--store", str(db), "--jobs", "2", "--json"]  # fmt: skip
    # cwd: import the installed package, not the source tree (CI installs non-editable)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, text=True
    )
    deadline = time.monotonic() + 60
    while _rows(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _rows(db) > 0, f"validate stored nothing (exit {proc.poll()})"
    time.sleep(random.uniform(0.0, 0.5))  # a random moment after the first stored row
    workers = _children(proc.pid)
    proc.kill()
    proc.wait(timeout=10)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before the kill (very fast machine)")
    deadline = time.monotonic() + 10  # workers get SIGTERM from PR_SET_PDEATHSIG
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers)), workers

    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
        rows = c.execute("select run_key, config, observables from runs").fetchall()
    assert rows
    for _, config, observables in rows:  # no partial row: every field whole JSON
        assert json.loads(config) and json.loads(observables)

    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=120, check=True, cwd=tmp_path
    ).stdout
    res = json.loads(out)
    assert res["units_skipped"] == len(rows)
    assert res["units_computed"] + res["units_skipped"] == _rows(db)
    assert res["units_computed"] > 0 or proc.returncode == 0
