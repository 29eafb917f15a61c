"""Independent units of a sweep, computed in this process, a local pool or a Dask cluster.

Every sweep command (``validate``, ``fluctuations``, ``jamming``) has the same shape: a
driver lists the units its store does not hold yet, something computes them, and the
driver stores each result as it arrives (the driver is the only store writer).
:func:`map_units` is that "something", with one signature for three executors:

* in this process, in the given order (the default);
* ``jobs > 1``: a ``concurrent.futures`` pool of ``jobs`` local worker processes
  (forked, or spawned once JAX runs here; each dies with its parent);
* ``client``: a ``distributed.Client`` (:func:`._dask.map_on_cluster`), units as Dask
  tasks, retried by Dask's scheduler when a worker dies.

``fn`` must be a module-level function of picklable arguments, whose result depends on
its arguments only (per-unit seeds): then the stored results do not depend on the
executor or on the number of workers.

Example:
    >>> out = {}
    >>> map_units(pow, {"a": (2, 3), "b": (3, 2)}, out.__setitem__)
    >>> out
    {'a': 8, 'b': 9}
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from .._errors import InputError

Finish = Callable[[Hashable, Any], None]


def map_units(
    fn: Callable,
    tasks: Mapping[Hashable, tuple],
    finish: Finish,
    *,
    client=None,
    jobs: int = 1,
    options: Mapping[Hashable, dict] | None = None,
    describe: Callable[[Hashable], str] = str,
) -> None:
    """Call ``finish(key, fn(*args))`` for every ``key, args`` of ``tasks``.

    ``finish`` runs in this process, unit by unit, as results arrive (in order without
    ``client`` and ``jobs``; in completion order otherwise).  ``options``: per-key Dask
    submit options (worker resources); ``describe(key)`` names a unit in errors.  On an
    error or Ctrl-C the units still queued are dropped (finished ones were finished).
    """
    if client is not None:
        from ._dask import map_on_cluster

        map_on_cluster(client, fn, tasks, finish, options=options, describe=describe)
    elif jobs > 1 and len(tasks) > 1:
        map_on_pool(fn, tasks, finish, jobs=jobs)
    else:
        for key, args in tasks.items():
            finish(key, fn(*args))


def map_on_pool(fn: Callable, tasks: Mapping[Hashable, tuple], finish: Finish, *, jobs: int):
    """:func:`map_units` on a pool of ``min(jobs, len(tasks))`` local processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from ._schedule import _die_with_parent, _start_method

    ctx = multiprocessing.get_context(_start_method())
    workers = min(jobs, len(tasks))
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_die_with_parent) as pool:
        futures = {pool.submit(fn, *args): key for key, args in tasks.items()}
        try:
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
        except BaseException:
            # Ctrl-C or an error: stop now, not after the running units (what is
            # finished is already stored; a unit is stored whole or not at all)
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


#: the schemes a Dask ``Client`` connects to (``--scheduler tcp://HOST:PORT``)
SCHEMES = ("tcp://", "tls://", "ucx://", "inproc://")


def parse_scheduler(text: str) -> int | str:
    """``"local:N"`` -> N (start a LocalCluster of N workers); an address -> itself.

    Examples:
        >>> parse_scheduler("local:4")
        4
    """
    spec = str(text).strip()
    if spec.startswith("local:"):
        count = spec[len("local:") :]
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"scheduler {text!r}: local:N needs a worker count N >= 1")
        return int(count)
    if spec.startswith(SCHEMES) and len(spec) > spec.index("//") + 2:
        return spec
    raise InputError(
        f"scheduler {text!r}: give local:N (N local workers) or a Dask scheduler address "
        "tcp://HOST:PORT"
    )


__all__ = ["SCHEMES", "map_on_pool", "map_units", "parse_scheduler"]
