"""The jamming study's units on a local pool or a Dask cluster (:func:`._map.map_units`).

Two kinds of unit, both independent of each other and of the executor:

* ``("search", P)``: :func:`~._jamming.find_jamming` at one P, every data set.  The
  gallop-and-bisect is serial within a data set, and data set k starts from data set
  k - 1's H* (fewer runs when that guess is close), so the data sets of one P are one
  unit: splitting them would change which widths are trained, i.e. the results.
* ``("run", width, split, init)``: one trained net of the test-error sweep.

The driver is the only store writer.  A search whose runs are all stored is replayed
here from the store, never submitted; otherwise it is sent with the stored runs of its
P (read-only rows, as a dict), so a resumed search trains only what is missing, and
returns the rows it trained, which the driver stores.  A sweep run is sent only when
not stored; each data split is drawn again on the worker from ``(seed, P, split)``
(cached per process), and the run's initialization from its own generator
(:func:`~._jamming.train_run`), so the stored numbers are bit-identical whatever the
executor.  What goes over the wire: a few scalars per sweep run and its observables
back (P gaps, n_test outputs); per search, its stored rows and its new ones.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from ._jamming import (
    JammingPoint,
    _check_sizes,
    _config,
    draw_data,
    find_jamming,
    run_from_observables,
    run_observables,
    sweep_from_runs,
    train_run,
)
from ._map import map_units
from ._store import run_key

#: test points of the data sets of a search (as in find_jamming)
SEARCH_N_TEST = 200


class _NotStored(Exception):
    """A replayed search needs a run the store does not hold."""


class _Stored(NamedTuple):
    observables: dict


class _Memo:
    """A read-only view of stored runs that records the runs trained on top of it
    (the ``store`` protocol of :func:`~._jamming.train_run`: ``get`` and ``put``)."""

    def __init__(self, rows: dict[str, dict], *, strict: bool = False) -> None:
        self.rows, self.strict, self.new = dict(rows), strict, []

    def get(self, config) -> _Stored | None:
        obs = self.rows.get(run_key(config))
        if obs is None and self.strict:
            raise _NotStored
        return None if obs is None else _Stored(obs)

    def put(self, config, observables) -> None:
        self.rows[run_key(config)] = observables
        self.new.append((config, observables))


def search_unit(P: int, kwargs: dict, stored: dict[str, dict]) -> tuple[JammingPoint, list]:
    """On a worker: find_jamming at P over the ``stored`` rows; (point, new rows)."""
    memo = _Memo(stored)
    return find_jamming(P, **kwargs, store=memo), memo.new


@functools.lru_cache(maxsize=16)
def _split(task, P, d, seed, split, n_test, noise):
    return draw_data(task, P, d, seed=seed, split=split, n_test=n_test, noise=noise)


def sweep_unit(data_args: tuple, width: int, init: int, train_kw: dict) -> dict:
    """On a worker: one run of the test-error sweep; its stored observables."""
    data = _split(*data_args)
    run = train_run(data, width, init, seed=data_args[3], split=data_args[4], **train_kw)
    return run_observables(run)


def _unit(kind: str, *args):
    return search_unit(*args) if kind == "search" else sweep_unit(*args)


def run_study_units(
    P, search_kw: dict, sweep: dict | None, *, store, client, jobs: int, progress=None
):
    """Every search and sweep run of a jamming study on ``client`` or ``jobs`` processes.

    ``search_kw``: find_jamming's keywords but P and store; ``sweep``: width_sweep's
    arguments (task, P, widths, ensemble, splits, d, seed, noise, n_test, activation,
    max_evaluations, allow_large), or None.  Returns (points in the order of P, sweep or None).
    """
    rows = [] if store is None else store.rows({"kind": "jamming"})
    stored = {r.key: r.observables for r in rows}
    points, tasks = {}, {}
    for p in P:
        mine = {r.key: r.observables for r in rows if r.config["P"] == p}
        try:  # every run stored: replayed here (and the arguments checked), not submitted
            points[p] = find_jamming(p, **search_kw, store=_Memo(mine, strict=True))
        except _NotStored:
            tasks["search", p] = ("search", p, search_kw, mine)
    data, runs, configs = [], {}, {}
    if sweep is not None:
        sweep = {**sweep, "widths": sorted({int(w) for w in sweep["widths"]})}
        _check_sizes(
            sweep["P"],
            sweep["d"],
            sweep["widths"],
            sweep["ensemble"] * sweep["splits"],
            sweep["max_evaluations"],
            sweep["allow_large"],
            "test-error sweep",
        )
        train_kw = {k: sweep[k] for k in ("noise", "activation", "max_evaluations")}
        for k in range(sweep["splits"]):
            s = sweep
            args = (s["task"], s["P"], s["d"], s["seed"], k, s["n_test"], s["noise"])
            data.append(_split(*args))
            for width in sweep["widths"]:
                for e in range(sweep["ensemble"]):
                    unit = (width, k, e)
                    configs[unit] = _config(data[k], width, e, sweep["seed"], k, **train_kw)
                    obs = stored.get(run_key(configs[unit]))
                    if obs is not None:
                        runs[unit] = obs
                    else:
                        tasks[("run", *unit)] = ("run", args, width, e, train_kw)
    total, done = len(tasks), 0

    def finish(key, result) -> None:
        nonlocal done
        if key[0] == "search":
            point, new = result
            for config, obs in new if store is not None else ():
                store.put(config, obs)
            points[key[1]] = point
        else:
            if store is not None:
                store.put(configs[key[1:]], result)
            runs[key[1:]] = result
        done += 1
        if progress is not None:
            progress(done, total, " ".join(map(str, key)))

    map_units(_unit, tasks, finish, client=client, jobs=jobs, describe=_name)
    result = None
    if sweep is not None:
        heads = {u: (data[u[1]].task, sweep["P"], sweep["d"], u[1], u[0], u[2]) for u in runs}
        built = {u: run_from_observables(heads[u], obs) for u, obs in runs.items()}
        args = (sweep["task"], sweep["P"], sweep["d"], sweep["widths"], data)
        result = sweep_from_runs(*args, sweep["ensemble"], built)
    return [points[p] for p in P], result


def _name(key) -> str:
    return f"jamming search P={key[1]}" if key[0] == "search" else f"jamming run {key[1:]}"
