"""Shared test fixtures: a session-wide, parallel cache of mpmath reference eigenvalues.

The independent reference :func:`specbias.reference_eigenvalue` (mpmath tanh-sinh
quadrature of the Funk-Hecke integral) costs 0.1-30 s per value, so the reference
values a test module needs are computed once per session, in parallel over the
available cores (longest jobs first), and looked up by ``(kernel, d, k)``.
"""

from __future__ import annotations

import concurrent.futures as cfut
import os

import pytest

import specbias

REFERENCE_DIGITS = 20


def _cost(case) -> float:
    """Rough relative cost of one reference value (for longest-job-first scheduling)."""
    kern, d, k = case
    deep = 3.0 if ("depth" in kern or kern.startswith(("arccos", "ntk"))) else 1.0
    return deep * (k + 2) ** 2 * (1.0 + d / 10.0)


class ReferencePool:
    """Session-wide cache of reference eigenvalues, filled in parallel."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, int, int], object] = {}

    def fetch(self, cases) -> None:
        todo = sorted({c for c in cases if c not in self._values}, key=_cost, reverse=True)
        if not todo:
            return
        workers = max(1, min(len(todo), os.cpu_count() or 1, 8))
        if workers > 1:
            try:
                with cfut.ProcessPoolExecutor(max_workers=workers) as ex:
                    futs = {
                        c: ex.submit(specbias.reference_eigenvalue, *c, REFERENCE_DIGITS)
                        for c in todo
                    }
                    for c, f in futs.items():
                        self._values[c] = f.result()
                return
            except (OSError, cfut.process.BrokenProcessPool):  # no subprocesses here
                pass
        for c in todo:
            self._values[c] = specbias.reference_eigenvalue(*c, REFERENCE_DIGITS)

    def get(self, kern: str, d: int, k: int):
        case = (kern, d, k)
        if case not in self._values:
            self.fetch([case])
        return self._values[case]


@pytest.fixture(scope="session")
def reference_pool() -> ReferencePool:
    return ReferencePool()
