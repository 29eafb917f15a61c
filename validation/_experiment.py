"""End-to-end feature-versus-lazy experiment: sample, train or solve, fit, compare.

One *unit* of work is a (regime, solver, n, seed) tuple:

* regime ``feature`` or ``lazy``;
* solver ``train`` (a width-H one-hidden-layer ReLU net trained by gradient flow,
  ``xi = 0`` mean-field / ``xi = 1`` NTK scaling, see :mod:`._network`) or ``limit``
  (its infinite-width limit: minimum variation-norm interpolation for ``feature``,
  ridgeless NTK kernel regression for ``lazy``, see :mod:`._limits`);
* n training points uniform on S^{d-1}, labelled by the even random-feature teacher
  ``abs-power-rf:a=nu_t-1/2`` (smoothness nu_t), plus ``n_test`` test points.

The data of a unit depend only on ``(seed, n, seed index)`` (a numpy Generator seeded
with that triple), so all regimes and solvers see the same draws at a given (n, seed
index), and the results do not depend on the order of the units or on resumption.
Each finished unit is written to a :class:`~._store.ResultStore` under a
configuration holding everything that affects its result; a unit already stored is
skipped (its observables are read back).  Test errors are normalized by the target
variance K_T(1) (error of the zero predictor = 1).

Per (regime, solver) the exponent beta of eps(n) ~ n^-beta is fitted with a bootstrap
confidence interval over seeds (:func:`._fit.fit_power_law`) and compared with
:func:`specbias.predict` (``feature`` -> ReLU atoms, ``lazy`` -> the NTK).

JAX precision: trained nets need float64 JAX, which the library never switches on
(``jax.config`` is the caller's): :func:`run_validation` refuses to train without it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .._budget import check_memory, check_time
from .._errors import InputError

# "X as X" names are re-exported from the modules this one was split into
from ._config import PRESETS, Progress, ValidationConfig, _int
from ._config import with_overrides as with_overrides
from ._results import CurveResult, ValidationResult, _finite_width, _fit_curves
from ._results import _separated as _separated
from ._schedule import (
    _run_limits_parallel,
    _run_training,
    available_cpus,
    dictionary_seconds,
    gpu_devices,
    memory_estimate,
    x64_enabled,
)
from ._store import ResultStore


def run_validation(
    cfg: ValidationConfig,
    *,
    store: ResultStore | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    allow_large: bool = False,
    client=None,
) -> ValidationResult:
    """Run (or resume) the sweep ``cfg``, fit exponents and compare with theory.

    Args:
        cfg: the sweep.
        store: optional result store; finished units are written there and units
            already present are read back instead of recomputed.
        progress: optional ``progress(done, total, description)`` callback.
        jobs: worker processes for the infinite-width units (numpy only, one BLAS
            thread each; capped at the number of (n, seed) groups to run); trained
            nets always run in this process.  Results do not depend on ``jobs``:
            every unit draws from its own seeded generators.
        allow_large: skip the memory budget (:func:`memory_estimate`, checked
            before any work against :func:`specbias._budget.memory_budget`).
        client: optional ``distributed.Client`` (:func:`._dask.dask_client`): every
            unit to compute, trained nets included, runs on its cluster instead, and
            this process only stores the rows (:func:`._dask.run_on_cluster`);
            ``jobs`` then only sizes the memory budget (workers on this machine).

    Precision: nets trained with JAX need float64 (``jax_enable_x64``, or the
    ``JAX_ENABLE_X64=1`` environment variable before JAX is imported); the library
    never changes ``jax.config``: the CLI, the benchmarks and the tests' conftest
    turn it on.  Without it :class:`InputError` before any work.

    Returns:
        :class:`ValidationResult`.
    """
    if not isinstance(cfg, ValidationConfig):
        raise InputError(f"cfg must be a ValidationConfig, got {type(cfg).__name__}")
    jobs = _int("jobs", jobs, 1)
    if jobs > 4 * available_cpus():
        raise InputError(f"jobs = {jobs} is above 4x the CPUs of this machine")
    check_memory(memory_estimate(cfg, jobs), "validate", allow_large=allow_large)
    check_time(
        dictionary_seconds(cfg, jobs),
        f"validate feature limit with n_dict={cfg.n_dict}",
        allow_large=allow_large,
    )
    units = cfg.units()
    if not all(cfg.numpy_unit(u) for u in units) and not x64_enabled():
        raise InputError(
            "trained nets run in float64: call jax.config.update('jax_enable_x64', True) "
            "or set JAX_ENABLE_X64=1 before importing JAX (the specbias CLI does)"
        )
    t0 = time.monotonic()
    total = len(units)
    observed: dict[tuple, dict] = {}
    for unit in units:
        run = store.get(cfg.unit_config(*unit)) if store is not None else None
        if run is not None:
            observed[unit] = run.observables
    skipped = len(observed)
    done = skipped

    def finish(unit, obs):
        nonlocal done
        if store is not None:
            store.put(cfg.unit_config(*unit), obs)
        observed[unit] = obs
        done += 1

    todo = [u for u in units if u not in observed]
    limits = [u for u in todo if cfg.numpy_unit(u)] if client is None else []
    if progress is not None:
        first = "infinite-width limits" if limits else "training"
        progress(done, total, "cluster" if client is not None else first)
    if client is not None:
        from ._dask import run_on_cluster

        run_on_cluster(cfg, todo, client, finish, progress, total, lambda: done)
    groups = len({(u[2], u[3]) for u in limits})
    jobs = min(jobs, groups)
    if jobs > 1 and len(limits) > 1:
        _run_limits_parallel(cfg, limits, jobs, finish, progress, total, lambda: done)
    else:
        from threadpoolctl import threadpool_limits

        from ._units import _compute_unit, _DataCache, _describe

        # one BLAS thread, as in the workers: the same reduction order, so the
        # stored numbers are bit-identical whatever ``jobs`` is
        with threadpool_limits(1, user_api="blas"):
            data = _DataCache(cfg)
            for unit in limits:
                if progress is not None:
                    progress(done, total, _describe(unit))
                finish(unit, _compute_unit(cfg, unit, data(unit)))
    training = [u for u in todo if not cfg.numpy_unit(u)] if client is None else []
    if training:
        _run_training(cfg, training, finish, progress, total, lambda: done)
    if progress is not None:
        progress(total, total, "fitting")
    errors: dict[tuple[str, str, int], list[float]] = {}
    widths: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    runs: list[dict] = []
    for unit in units:
        obs = observed[unit]
        regime, solver, n, _ = unit
        errors.setdefault((regime, solver, n), []).append(float(obs["test_error"]))
        if solver == "train" and max(cfg.ensemble, cfg.feature_ensemble) > 1:
            key = (regime, "train-ensemble", n)
            errors.setdefault(key, []).append(float(obs["test_error_ensemble"]))
        if solver == "train" and "test_error_width2" in obs:
            widths.setdefault((regime, n), []).append(
                (obs["test_error"], obs["test_error_width2"], obs["limit_test_error"])
            )
        runs.append({"config": cfg.unit_config(*unit), "observables": obs})
    curves = _fit_curves(cfg, errors, _finite_width(cfg, widths))
    computed = total - skipped
    return ValidationResult(cfg, curves, computed, skipped, time.monotonic() - t0, runs)


__all__: Sequence[str] = (  # the other names above are re-exported for the CLI and tests
    "PRESETS",
    "CurveResult",
    "ValidationConfig",
    "ValidationResult",
    "gpu_devices",
    "run_validation",
)
