"""Persistent, resumable result store: one SQLite row per finished run (stdlib only).

Every run is identified by its configuration (a JSON-able mapping: d, n, seed,
regime, width, teacher, ...).  Its key is the sha256 of the canonical JSON text
(sorted keys, no whitespace), so re-running a sweep skips what is already stored::

    with ResultStore("runs.sqlite") as store:
        for config in sweep:
            if not store.has(config):
                store.put(config, train_and_measure(config))

Crash safety: a row is written by one INSERT inside one transaction (WAL journal,
``synchronous=FULL``), so a process killed at any moment leaves either the whole row
or nothing; committed rows survive.  The unique run key makes :meth:`put`
idempotent, also across concurrent writer processes.

Opening a file that is not a result store (not SQLite, corrupt, foreign schema,
newer schema version) raises a one-line :class:`~specbias.InputError` and leaves the
file's bytes untouched: nothing is written before the checks pass.

JSON conventions: config values must be finite (NaN has no canonical text);
observables may hold NaN/inf (written as Python's ``NaN``/``Infinity`` tokens).
Integers and floats differ (``{"n": 100}`` and ``{"n": 100.0}`` are different runs);
tuples become lists, numpy scalars and arrays their Python equivalents.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._errors import InputError

SCHEMA_VERSION = 1
_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT_S = 60.0
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " run_key TEXT NOT NULL UNIQUE,"
    " config TEXT NOT NULL,"
    " observables TEXT NOT NULL,"
    " created_utc TEXT NOT NULL)",
)


class Run(NamedTuple):
    """One stored run."""

    key: str
    config: dict
    observables: dict
    created_utc: str


def canonical_json(obj: Any, *, allow_nan: bool = False) -> str:
    """Deterministic JSON text: sorted keys, compact separators, numpy -> Python.

    Examples:
        >>> canonical_json({"b": 1, "a": (1.5, np.int64(2))})
        '{"a":[1.5,2],"b":1}'
    """
    try:
        return json.dumps(
            _plain(obj),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=allow_nan,
        )
    except (TypeError, ValueError) as err:
        raise InputError(f"not JSON-serializable: {err}") from None


def run_key(config: Mapping) -> str:
    """sha256 hex digest of :func:`canonical_json` of the configuration.

    Examples:
        >>> run_key({"n": 8, "d": 3}) == run_key({"d": 3, "n": 8})
        True
    """
    if not isinstance(config, Mapping):
        raise InputError(f"config must be a mapping, got {type(config).__name__}")
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"keys must be strings, got {k!r}")
            out[k] = _plain(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_plain(v) for v in obj.tolist()]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


class ResultStore:
    """SQLite store of finished runs, keyed by :func:`run_key` of their configuration.

    Args:
        path: the database file; created (with the schema) if missing or empty.
        readonly: only read: the file must already be a result store, it is opened
            read-only and nothing (not even a schema or a journal mode) is written.

    Examples:
        >>> import tempfile, pathlib
        >>> tmp = pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite"
        >>> with ResultStore(tmp) as store:
        ...     store.put({"n": 8}, {"test_error": 0.5}), store.put({"n": 8}, {"x": 1})
        (True, False)
        >>> with ResultStore(tmp) as store:
        ...     [r.observables for r in store.rows({"n": 8})]
        [{'test_error': 0.5}]
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None
        fresh = _check_file(self.path)
        if readonly and fresh:
            what = "is empty" if self.path.exists() else "does not exist"
            raise InputError(f"{self.path}: no result store to read (the file {what})")
        conn = _connect(self.path, create=fresh, readonly=readonly)
        try:
            if fresh:
                _create_schema(conn)
            else:
                _check_schema(conn, self.path)
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as err:
            conn.close()
            raise InputError(f"{self.path}: not a usable result store ({err})") from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    # -- context management -----------------------------------------------------------
    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise InputError(f"{self.path}: result store is closed")
        return self._conn

    # -- queries ----------------------------------------------------------------------
    def has(self, key_or_config: str | Mapping) -> bool:
        """Whether the run (its key, or its configuration) is stored."""
        key = _key_of(key_or_config)
        cur = self.conn.execute("SELECT 1 FROM runs WHERE run_key = ?", (key,))
        return cur.fetchone() is not None

    def get(self, key_or_config: str | Mapping) -> Run | None:
        """The stored run, or None."""
        key = _key_of(key_or_config)
        cur = self.conn.execute(_SELECT + " WHERE run_key = ?", (key,))
        row = cur.fetchone()
        return None if row is None else _run(row)

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def keys(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT run_key FROM runs")}

    def rows(self, filter: Mapping | Callable[[dict], bool] | None = None) -> list[Run]:
        """Stored runs in insertion order, optionally filtered.

        ``filter``: a mapping of top-level config entries that must be equal (after
        JSON normalization), or a predicate on the config dict.
        """
        if filter is None:
            keep: Callable[[dict], bool] = lambda cfg: True  # noqa: E731
        elif isinstance(filter, Mapping):
            want = json.loads(canonical_json(filter))
            keep = lambda cfg: all(k in cfg and cfg[k] == v for k, v in want.items())  # noqa: E731
        elif callable(filter):
            keep = filter
        else:
            raise InputError(f"filter must be a mapping or a callable, got {type(filter).__name__}")
        return [run for run in self._iter() if keep(run.config)]

    def _iter(self) -> Iterator[Run]:
        for row in self.conn.execute(_SELECT + " ORDER BY id"):
            yield _run(row)

    # -- writes -----------------------------------------------------------------------
    def put(self, config: Mapping, observables: Mapping) -> bool:
        """Store a finished run atomically; False (and nothing written) if already stored."""
        if self.readonly:
            raise InputError(f"{self.path}: opened read-only, cannot store runs")
        key = run_key(config)
        if not isinstance(observables, Mapping):
            raise InputError(f"observables must be a mapping, got {type(observables).__name__}")
        cfg = canonical_json(config)
        obs = canonical_json(observables, allow_nan=True)
        now = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT OR IGNORE INTO runs (run_key, config, observables, created_utc)"
                " VALUES (?, ?, ?, ?)",
                (key, cfg, obs, now),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cur.rowcount == 1

    # -- export -----------------------------------------------------------------------
    def export(self, path: str | os.PathLike, fmt: str | None = None) -> Path:
        """Write all runs to CSV or JSON (``fmt`` defaults to the file suffix).

        CSV: columns ``run_key, created_utc, config.<k>..., obs.<k>...`` (nested
        mappings flattened with dots, lists as JSON text).  JSON: a list of objects
        ``{run_key, created_utc, config, observables}``.  Written to a temporary file
        and renamed, so the target is never half-written.
        """
        out = Path(path)
        fmt = (fmt or out.suffix.lstrip(".")).lower()
        if fmt not in ("csv", "json"):
            raise InputError(f"export format must be 'csv' or 'json', got {fmt!r}")
        runs = list(self._iter())
        tmp = out.with_name(f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "x", newline="", encoding="utf-8") as fh:
                if fmt == "json":
                    _write_json(fh, runs)
                else:
                    _write_csv(fh, runs)
            os.replace(tmp, out)
        except OSError as err:
            raise InputError(f"{out}: cannot write export ({err.strerror})") from None
        finally:
            if tmp.exists():
                tmp.unlink()
        return out


_SELECT = "SELECT run_key, config, observables, created_utc FROM runs"


def _run(row) -> Run:
    try:
        return Run(row[0], json.loads(row[1]), json.loads(row[2]), row[3])
    except ValueError:
        raise InputError(f"run {row[0][:12]}: stored JSON is corrupt") from None


def _key_of(key_or_config: str | Mapping) -> str:
    if isinstance(key_or_config, str):
        return key_or_config
    return run_key(key_or_config)


# ------------------------------------------------------------------------------------
# opening and validation (nothing is written to an existing file before these pass)
def _check_file(path: Path) -> bool:
    """True for a new store (missing or empty file); validates the SQLite header."""
    if not path.exists():
        if not path.parent.is_dir():
            raise InputError(f"{path}: directory {path.parent} does not exist")
        return True
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    if not head:
        return True
    if len(head) < 100 or head[:16] != _MAGIC:
        raise InputError(f"{path}: not an SQLite database (bad header)")
    return False


def _connect(path: Path, *, create: bool, readonly: bool = False) -> sqlite3.Connection:
    mode = "ro" if readonly else ("rwc" if create else "rw")
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    if readonly and not Path(f"{path}-wal").exists():
        # no writer has a WAL open: read the file as immutable, so that SQLite creates no
        # -wal/-shm files beside it (a read-only WAL connection leaves both behind); with
        # a -wal present a writer may be active and the normal locking read is used
        uri += "&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as err:
        raise InputError(f"{path}: cannot open ({err})") from None
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not have:  # another process may have created it meanwhile
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("application", "specbias.validation")],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Read-only checks: integrity, tables, schema version (raises InputError)."""
    try:
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if status != "ok":
            raise InputError(f"{path}: corrupt SQLite database ({status})")
        if not {"meta", "runs"} <= tables:
            raise InputError(f"{path}: SQLite database but not a specbias result store")
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    except sqlite3.DatabaseError as err:
        conn.close()
        raise InputError(f"{path}: corrupt or unreadable SQLite database ({err})") from None
    except InputError:
        conn.close()
        raise
    version = None if row is None else row[0]
    if version != str(SCHEMA_VERSION):
        conn.close()
        found = "no schema version" if version is None else f"schema version {version}"
        raise InputError(
            f"{path}: result store with {found}; this specbias reads only version {SCHEMA_VERSION}"
        )
    if cols[:2] != ["id", "run_key"]:
        conn.close()
        raise InputError(
            f"{path}: result store (schema version {version}) whose runs table has columns "
            f"{', '.join(cols) or 'none'}, not id, run_key, ...: not written by specbias"
        )


# ------------------------------------------------------------------------------------
# export formats
def _write_json(fh, runs: list[Run]) -> None:
    data = [
        {
            "run_key": r.key,
            "created_utc": r.created_utc,
            "config": r.config,
            "observables": r.observables,
        }
        for r in runs
    ]
    json.dump(data, fh, indent=1, sort_keys=True, allow_nan=True)
    fh.write("\n")


def _flatten(prefix: str, obj: Any, out: dict) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(obj, list):
        out[prefix] = json.dumps(obj, allow_nan=True)
    elif isinstance(obj, float) and not math.isfinite(obj):
        out[prefix] = repr(obj)
    else:
        out[prefix] = obj


def _write_csv(fh, runs: list[Run]) -> None:
    flat = []
    for r in runs:
        row: dict = {"run_key": r.key, "created_utc": r.created_utc}
        _flatten("config", r.config, row)
        _flatten("obs", r.observables, row)
        flat.append(row)
    cols = ["run_key", "created_utc"]
    extra = sorted({k for row in flat for k in row} - set(cols))
    cols += [k for k in extra if k.startswith("config.")] + [
        k for k in extra if k.startswith("obs.")
    ]
    writer = csv.DictWriter(fh, fieldnames=cols, restval="")
    writer.writeheader()
    writer.writerows(flat)
