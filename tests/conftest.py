"""Shared test fixtures: mpmath reference eigenvalues computed in the background, and a
session-wide cache of full paper-check results (the ``slow`` tests).

Reference values.  The independent reference :func:`specbias.reference_eigenvalue`
(mpmath tanh-sinh quadrature of the Funk-Hecke integral) costs 0.1-15 s of CPU per
value, ~3 minutes in all.  A test that needs such values takes the ``refs`` fixture and
is parametrized with ``kern``, ``d``, ``k`` (and optionally ``digits``).  Right after
collection every selected test's case is submitted, longest first, to worker processes
at low CPU priority, and those tests are moved to the end of the session: the values
are computed on the cores the (mostly single-threaded) rest of the suite leaves idle,
and a test blocks only on values not yet ready.  ``refs.get(kern, d, k[, digits])`` of a
case nobody announced is computed in-process.  No value is stored between sessions.

BLAS.  While reference workers run, the test process itself runs single-threaded BLAS
(as the library's own solvers do): on the 2-core CI machine, with a reference worker on
the other core, two OpenBLAS threads per call oversubscribe the cores and small
factorizations stall (a 456 x 456 Cholesky in test_learning_curve took 0.8 s instead of
0.01 s under load).  Subprocesses the tests start are not affected, nor is a session
without reference tests (``pytest -m slow``).
"""

from __future__ import annotations

import os

# JAX configuration of the test session (the library never changes jax.config): float64,
# strict dtype promotion and no implicit rank promotion.  Environment variables, read by
# JAX at import, so that nothing imports JAX just to configure it.
os.environ["JAX_ENABLE_X64"] = "1"
os.environ["JAX_NUMPY_DTYPE_PROMOTION"] = "strict"
os.environ["JAX_NUMPY_RANK_PROMOTION"] = "raise"

import concurrent.futures as cfut
import multiprocessing
import os

import pytest

import specbias

REFERENCE_DIGITS = 20
#: the workers' nice increment: the suite's own processes come first
WORKER_NICENESS = 10


def _cost(case) -> float:
    """Rough relative cost of one reference value (for longest-job-first scheduling)."""
    kern, d, k, _ = case
    deep = 3.0 if ("depth" in kern or kern.startswith(("arccos", "ntk"))) else 1.0
    return deep * (k + 2) ** 2 * (1.0 + d / 10.0)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _case(kern: str, d: int, k: int, digits: int = REFERENCE_DIGITS) -> tuple:
    return (kern, d, k, digits)


class ReferencePool:
    """Session-wide cache of reference eigenvalues, keyed by ``(kern, d, k, digits)``."""

    def __init__(self) -> None:
        self._values: dict[tuple, object] = {}
        self._futures: dict[tuple, cfut.Future] = {}
        self._executor: cfut.ProcessPoolExecutor | None = None

    def fetch(self, cases) -> None:
        """Start computing ``cases`` ((kern, d, k) or (kern, d, k, digits)) in the background."""
        todo = {_case(*c) for c in cases} - self._values.keys() - self._futures.keys()
        if not todo:
            return
        try:
            if self._executor is None:
                # spawn: fresh interpreters (the parent may hold JAX threads; no fork)
                self._executor = cfut.ProcessPoolExecutor(
                    max_workers=max(1, min(len(todo), _cpus(), 8)),
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=os.nice,  # raising one's own niceness always works
                    initargs=(WORKER_NICENESS,),
                )
            for c in sorted(todo, key=_cost, reverse=True):
                self._futures[c] = self._executor.submit(specbias.reference_eigenvalue, *c)
        except (OSError, RuntimeError):  # no subprocesses here: computed on demand
            self.close()

    def get(self, kern: str, d: int, k: int, digits: int = REFERENCE_DIGITS):
        case = _case(kern, d, k, digits)
        if case not in self._values:
            fut = self._futures.pop(case, None)
            value = None
            if fut is not None:
                try:
                    value = fut.result()
                except cfut.process.BrokenProcessPool:  # a worker died: compute here
                    pass
            self._values[case] = (
                value if value is not None else specbias.reference_eigenvalue(*case)
            )
        return self._values[case]

    def close(self) -> None:
        """Stop the workers now (pending values are dropped; running ones killed)."""
        ex, self._executor = self._executor, None
        self._futures.clear()
        if ex is None:
            return
        procs = list((getattr(ex, "_processes", None) or {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.terminate()


_POOL = ReferencePool()
_BLAS_LIMITS = pytest.StashKey[object]()


def _reference_case(item) -> tuple | None:
    """The reference case of a test that takes ``refs`` and is parametrized by it."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "refs" in getattr(item, "fixturenames", ()) and {"kern", "d", "k"} <= params.keys():
        return _case(params["kern"], params["d"], params["k"],
                     params.get("digits", REFERENCE_DIGITS))  # fmt: skip
    return None


def pytest_unconfigure(config):
    limits = config.stash.get(_BLAS_LIMITS, None)
    if limits is not None:
        limits.restore_original_limits()


def pytest_collection_modifyitems(config, items):
    """Tests reading reference values run last, so their values have time to be computed."""

    def uses_refs(item) -> bool:
        return "refs" in getattr(item, "fixturenames", ())

    items[:] = [it for it in items if not uses_refs(it)] + [it for it in items if uses_refs(it)]


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    cases = [c for c in map(_reference_case, session.items) if c is not None]
    if cases:
        _POOL.fetch(cases)
        from threadpoolctl import threadpool_limits

        session.config.stash[_BLAS_LIMITS] = threadpool_limits(1, user_api="blas")


def pytest_sessionfinish(session, exitstatus):
    _POOL.close()


@pytest.fixture(scope="session")
def refs() -> ReferencePool:
    """The session's reference values: ``refs.get(kern, d, k[, digits])``."""
    return _POOL


@pytest.fixture(scope="session")
def reference_pool() -> ReferencePool:
    """Alias of ``refs`` (``fetch(cases)`` starts more values in the background)."""
    return _POOL


@pytest.fixture(scope="session")
def paper_check_result():
    """``result(name)``: the full run of paper check ``name``, computed once per session.

    Only the ``slow`` tests use it (deselected by the README's ``pytest``; CI runs them
    once with ``pytest -m slow``), so each full check runs exactly once in CI while
    several tests assert on its rows.
    """
    from specbias.paper_checks import get_check

    cache: dict = {}

    def result(name: str):
        if name not in cache:
            cache[name] = get_check(name).run()
        return cache[name]

    return result


@pytest.fixture(scope="module")
def jax_float64():
    """float64 JAX for one test module (restored after; the library never flips it).

    Use with ``pytestmark = pytest.mark.usefixtures("jax_float64")``.
    """
    import jax

    before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)
