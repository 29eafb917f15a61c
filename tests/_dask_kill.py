"""A Dask worker plugin that SIGKILLs its worker process once (used by tests/test_dask.py).

The first worker to start executing a task after registration creates ``marker``
(``O_EXCL``: exactly one worker, once, across restarts) and kills its own process with
SIGKILL: no cleanup, no reply to the scheduler, as when a node dies mid-unit.
"""

from __future__ import annotations

import os
import signal

from distributed.diagnostics.plugin import WorkerPlugin


class KillOnce(WorkerPlugin):
    """SIGKILL the worker that first starts executing a task (marker file: once)."""

    name = "specbias-test-kill-once"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish != "executing":
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, f"{os.getpid()} {key}\n".encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)
