"""``specbias runs``: list or export what a validation result store holds."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from ._output import EXPORT_FORMATS, _console, _g, _print_json, check_output_path

# config entries shown in the table, in this order (others go to --json / --export)
_COLUMNS = ("regime", "solver", "d", "nu_t", "n", "seed_index", "width")


def runs(
    store: Annotated[str, typer.Option(help="SQLite result store written by validate.")] = (
        "runs.db"
    ),
    export: Annotated[
        str | None, typer.Option(help="Write all runs to this .csv or .json file.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the finished runs of a result store, or export them to CSV/JSON."""
    from pathlib import Path

    import specbias
    from specbias.validation._store import ResultStore

    if export is not None:
        check_output_path(export, "--export", EXPORT_FORMATS)
    if not Path(store).is_file():
        raise specbias.InputError(f"{store}: no such result store")
    with ResultStore(store, readonly=True) as db:
        if export:
            out = db.export(export)
            typer.echo(f"exported {len(db)} runs to {out}")
            return
        rows = db.rows()
    if json:
        _print_json(
            [
                {
                    "run_key": r.key,
                    "created_utc": r.created_utc,
                    "config": r.config,
                    "observables": _jsonable(r.observables),
                }
                for r in rows
            ]
        )
        return
    from rich.table import Table

    table = Table(title=f"{store}: {len(rows)} runs", title_justify="left")
    for col in (*_COLUMNS, "test error", "seconds", "created (UTC)"):
        table.add_column(col)
    for r in rows:
        cfg, obs = r.config, r.observables
        table.add_row(
            *(_cell(_config_value(cfg, k)) for k in _COLUMNS),
            _g(obs.get("test_error"), 4),
            _g(obs.get("seconds"), 3),
            r.created_utc[:19],
        )
    _console().print(table)


def _config_value(cfg: dict, key: str):
    """A stored config entry; nu_t of the constant target is stored as null (JSON)."""
    if key == "nu_t" and cfg.get("teacher") == "constant":
        return math.inf
    return cfg.get(key)


def _cell(v) -> str:
    if v is None:
        return "-"
    return _g(v) if isinstance(v, float) else str(v)


def _jsonable(obj):
    """NaN/inf (allowed in stored observables) -> None for strict JSON."""

    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


__all__ = ["runs"]
