"""``--scheduler`` and ``--jobs`` of the sweep commands (validate, fluctuations, jamming).

One option text and one executor context for every command whose units may run on a
local process pool or a Dask cluster (:mod:`specbias.validation._dask`); the
dashboard address goes to stderr (stdout stays the table or the JSON).
"""

from __future__ import annotations

import contextlib

import typer

import specbias

from ._output import _console

#: help of ``--scheduler`` (the same on every sweep command)
SCHEDULER_HELP = (
    "Run the units on a Dask cluster: tcp://HOST:PORT (a running dask scheduler) or "
    "local:N (N local worker processes); needs the 'distributed' extra of specbias. "
    "Default: local processes (--jobs)."
)


def check_jobs(scheduler: str | None, jobs: int | None) -> None:
    """``--jobs`` sizes the local pool: refused together with ``--scheduler``; a
    malformed ``--scheduler`` is refused here too, before the sweep's modules load."""
    if scheduler is not None:
        from specbias.validation._map import parse_scheduler

        parse_scheduler(scheduler)
    if scheduler is not None and jobs is not None:
        raise specbias.InputError(
            "--jobs sizes the local pool; with --scheduler the cluster's workers run the units"
        )


@contextlib.contextmanager
def executor(scheduler: str | None):
    """(Dask client, worker processes on this machine), or (None, 0): the local pool."""
    if scheduler is None:
        yield None, 0
        return
    from specbias.validation._dask import dashboard_link, dask_client, local_workers

    workers = local_workers(scheduler)
    with dask_client(scheduler) as client:
        link = dashboard_link(client)
        if link:
            typer.echo(f"dask dashboard: {link}", err=True)
        yield client, workers


class ProgressBar:
    """rich progress bar over the units (transient; off for --json): ``bar(done, total,
    description)`` is the ``progress`` callback of the sweeps.  It starts at the first
    call, so an input error raised before any unit prints its one line alone."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.task = None

    def __enter__(self):
        return self

    def _start(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=_console(),
        )
        self.bar.start()
        self.task = self.bar.add_task("runs", total=None)

    def __call__(self, done: int, total: int, description: str) -> None:
        if self.enabled and self.bar is None:
            self._start()
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=description)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
