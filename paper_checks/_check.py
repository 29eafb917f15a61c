"""The two records every paper check uses: the check itself and its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one paper check.

    ``details`` is a list of rows (dicts with the same keys, JSON-friendly values),
    one per compared quantity, so that a failure says exactly what disagreed.
    """

    name: str
    passed: bool
    details: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class PaperCheck:
    """A claim of a paper, re-derived from specbias' own numbers.

    ``reference`` is the arXiv id; ``run()`` recomputes everything and returns a
    :class:`CheckResult` (no caching, no randomness).
    """

    name: str
    reference: str
    description: str
    runner: Callable[[], CheckResult]
    #: rough wall time on two CPU cores, shown before a long check starts (None: short)
    seconds: float | None = None
    #: the runner takes ``client=``: a Dask client its sweeps run their units on
    #: (``specbias check --scheduler``); the results do not depend on it
    sweeps: bool = False

    def run(self, client=None) -> CheckResult:
        """The check's result; ``client`` (a ``distributed.Client``) serves the
        sweeps of a check with ``sweeps=True`` and is ignored by the others."""
        if self.sweeps and client is not None:
            return self.runner(client=client)
        return self.runner()
