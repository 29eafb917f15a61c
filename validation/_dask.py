"""Validation sweeps on a Dask cluster: the driver submits units, workers return rows.

The driver (the process that calls :func:`~._experiment.run_validation`) is the only
writer of the :class:`~._store.ResultStore`: units already stored are never
submitted; each task computes the units of one data draw (one (n, seed index), as the
local process pool does) and returns their observables, which the driver stores one
unit at a time as the task finishes.  A worker killed mid-task loses nothing: its
task is rescheduled by Dask's scheduler on another worker (up to
``distributed.scheduler.allowed-failures`` deaths, default 3, then :class:`ClusterError`),
and no row exists before the driver has the whole result.  Killing the driver leaves
the store with every finished unit; the same command resumes.

What goes over the wire: to a worker, the :class:`~._config.ValidationConfig` (a
frozen dataclass of a few hundred bytes) and the unit names ``(n, seed index,
((regime, solver), ...))``; back, one dict of observables (floats, short lists) per
unit.  Data are not sent: each worker draws them again from the unit's own seeded
generator (``numpy.random.default_rng([seed, n, seed_index])``), so the stored numbers
are bit-identical whatever the executor and the number of workers (one BLAS thread
per unit, as in the local pool; workers need the same specbias, numpy and scipy).

GPU units (trained nets with ``device="gpu"``) ask for the worker resource ``GPU=1``
when a worker advertises it (``dask worker ... --resources GPU=1``), so they wait for
a GPU worker; CPU units then prefer the other workers, so they do not hold a GPU
worker's thread while one of those is alive.

Uses Dask's distributed scheduler (Rocklin, "Dask: parallel computation with blocked
algorithms and task scheduling", SciPy 2015); no networking, queue or retry of ours.

Example:
    >>> parse_scheduler("local:2"), parse_scheduler("tcp://10.0.0.1:8786")
    (2, 'tcp://10.0.0.1:8786')
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from .._errors import InputError, SpecbiasError
from ._config import ValidationConfig
from ._map import SCHEMES as SCHEMES
from ._map import parse_scheduler as parse_scheduler
from ._schedule import _device_context, _limit_worker, x64_enabled
from ._units import _compute_unit, _data, _describe

#: the most workers ``local:N`` starts on this machine (like ``--jobs``: 4x the CPUs)
LOCAL_WORKERS_PER_CPU = 4
#: seconds to reach a running scheduler before giving up
CONNECT_TIMEOUT_S = 30


class ClusterError(SpecbiasError, RuntimeError):
    """The cluster could not finish a unit (its workers kept dying, or none is left)."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(
            "a Dask scheduler needs the distributed package: pip install 'specbias[distributed]'"
        ) from None
    return distributed


@contextlib.contextmanager
def dask_client(scheduler: str) -> Iterator:
    """A ``distributed.Client`` for ``scheduler`` (see :func:`parse_scheduler`).

    ``local:N`` starts a ``LocalCluster`` of N worker processes with one thread each
    (spawned, so JAX in this process is no obstacle; they inherit its environment,
    ``JAX_ENABLE_X64`` included) and closes it on exit; an address connects to a
    running scheduler and leaves it running.
    """
    target = parse_scheduler(scheduler)
    distributed = _distributed()
    if isinstance(target, int):
        from ._schedule import available_cpus

        if target > LOCAL_WORKERS_PER_CPU * available_cpus():
            raise InputError(f"scheduler local:{target}: above 4x the CPUs of this machine")
        with (
            distributed.LocalCluster(
                n_workers=target,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(target, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as err:
        raise InputError(f"cannot reach the Dask scheduler at {target}: {err}") from None
    with client:
        yield client


def dashboard_link(client) -> str | None:
    """The scheduler's dashboard address, or None when it serves none (no bokeh)."""
    services = client.scheduler_info().get("services", {})
    return client.dashboard_link if "dashboard" in services else None


def local_workers(scheduler: str) -> int:
    """Worker processes ``scheduler`` starts on this machine (for the memory budget)."""
    target = parse_scheduler(scheduler)
    return target if isinstance(target, int) else 1


def _cluster_task(cfg: ValidationConfig, n: int, k: int, kinds: tuple) -> list[dict]:
    """On a worker: the units ``(regime, solver, n, k)`` for ``kinds`` of one draw."""
    if all(cfg.numpy_unit((r, s)) for r, s in kinds):
        return _limit_worker(cfg, n, k, kinds)
    if not x64_enabled():
        raise InputError(
            "a Dask worker runs JAX in float32: start dask workers with JAX_ENABLE_X64=1 "
            "(trained nets run in float64)"
        )
    from threadpoolctl import threadpool_limits

    with _device_context(cfg.device), threadpool_limits(1, user_api="blas"):
        data = _data(cfg, n, k)
        return [_compute_unit(cfg, (r, s, n, k), data) for r, s in kinds]


def _groups(cfg: ValidationConfig, units) -> dict[tuple, list[tuple[str, str]]]:
    """Units by (n, seed index, numpy?): one task each, largest n first."""
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for regime, solver, n, k in units:
        groups.setdefault((n, k, cfg.numpy_unit((regime, solver))), []).append((regime, solver))
    return dict(sorted(groups.items(), key=lambda item: (-item[0][0], item[0][1], item[0][2])))


def _worker_resources(client) -> dict[str, dict]:
    """Worker address -> the resources it advertises (``--resources GPU=1``)."""
    try:
        workers = client.scheduler_info(n_workers=-1).get("workers", {})
    except TypeError:  # distributed before n_workers: every worker is listed
        workers = client.scheduler_info().get("workers", {})
    return {a: dict(w.get("resources") or {}) for a, w in workers.items()}


def _placement(cfg: ValidationConfig, numpy_only: bool, workers: dict[str, dict]) -> dict:
    """Dask submit options: GPU units ask for ``GPU=1`` when a worker has it; CPU units
    then prefer the workers without one (loosely: any worker if none of those is left).

    Examples:
        >>> cfg = ValidationConfig(d=3, nu_t=2, regimes="lazy", solver="train", device="gpu")
        >>> _placement(cfg, False, {"tcp://a:1": {}, "tcp://g:1": {"GPU": 1}})
        {'resources': {'GPU': 1}}
        >>> _placement(cfg, False, {"tcp://a:1": {}})  # no GPU advertised: no tag
        {}
    """
    gpu = {a for a, res in workers.items() if res.get("GPU", 0) >= 1}
    if not gpu:
        return {}
    if not numpy_only and cfg.device == "gpu":
        return {"resources": {"GPU": 1}}
    cpu = sorted(set(workers) - gpu)
    return {"workers": cpu, "allow_other_workers": True} if cpu else {}


def map_on_cluster(client, fn, tasks, finish, *, options=None, describe=str) -> None:
    """:func:`._map.map_units` on the cluster of ``client``: one Dask task per key of
    ``tasks`` (submitted in their order, with ``options[key]`` as submit options);
    ``finish(key, result)`` runs here as each task completes."""
    if not tasks:  # nothing to compute (a resumed sweep): the cluster is not asked
        return
    distributed = _distributed()
    import dask
    from distributed.scheduler import KilledWorker

    options = options or {}
    futures = {
        client.submit(fn, *args, pure=False, **options.get(key, {})): key
        for key, args in tasks.items()
    }
    try:
        for fut in distributed.as_completed(futures):
            key = futures[fut]
            try:
                result = fut.result()
            except KilledWorker:
                allowed = dask.config.get("distributed.scheduler.allowed-failures")
                raise ClusterError(
                    f"{describe(key)}: more than {allowed} workers died running them "
                    "(distributed.scheduler.allowed-failures); finished units are stored, "
                    "rerun to resume"
                ) from None
            finish(key, result)
            fut.release()
    except BaseException:
        # Ctrl-C or an error: drop what is still queued (finished units are stored)
        client.cancel(list(futures))
        raise


def run_on_cluster(cfg: ValidationConfig, units, client, finish, progress, total, done) -> None:
    """Compute ``units`` on the cluster of ``client``; ``finish(unit, observables)``
    (the driver's store write) runs here, unit by unit, as their tasks complete."""
    groups = _groups(cfg, units)
    workers = _worker_resources(client)

    def finish_group(group, rows) -> None:
        n, k, _ = group
        kinds = groups[group]
        for (regime, solver), obs in zip(kinds, rows, strict=True):
            finish((regime, solver, n, k), obs)
        if progress is not None:
            progress(done(), total, f"cluster: {_describe((*kinds[-1], n, k))}")

    map_on_cluster(
        client,
        _cluster_task,
        {g: (cfg, g[0], g[1], tuple(kinds)) for g, kinds in groups.items()},
        finish_group,
        options={g: _placement(cfg, g[2], workers) for g in groups},
        describe=lambda g: f"units n={g[0]} seed {g[1]}",
    )


__all__ = [
    "ClusterError",
    "dashboard_link",
    "dask_client",
    "map_on_cluster",
    "parse_scheduler",
    "run_on_cluster",
]
