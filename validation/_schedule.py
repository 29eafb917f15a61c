"""Validation sweeps: worker processes, JAX device and precision, size budgets."""

from __future__ import annotations

from .._errors import InputError
from ._config import ValidationConfig


def _device_context(device: str):
    import contextlib

    import jax

    if device == "cpu":
        return jax.default_device(jax.devices("cpu")[0])
    gpus = gpu_devices()
    if not gpus:
        raise InputError("--device gpu: JAX sees no GPU (install jax[cuda] or use --device cpu)")
    return contextlib.nullcontext() if gpus[0] == jax.devices()[0] else jax.default_device(gpus[0])


def gpu_devices() -> list:
    """GPUs visible to JAX (empty list when none or no GPU backend)."""
    import jax

    try:
        return list(jax.devices("gpu"))
    except RuntimeError:
        return []


#: Seconds per atom and per (n + 4)^2 of one feature-limit unit with an explicit
#: n_dict: 74 s for n = 8,16 x 2 seeds, n_dict = 10^6 on 2 loaded cores (~1.4e-7).
_DICT_S_PER_ATOM_N2 = 2e-7


def dictionary_seconds(cfg: ValidationConfig, jobs: int) -> float:
    """Estimated seconds of the feature-limit units with an explicit ``n_dict`` (the
    default pools are small); the rest of a sweep is not estimated."""
    if not cfg.n_dict or "feature" not in cfg.regimes or "limit" not in cfg.solvers:
        return 0.0
    per_unit = [_DICT_S_PER_ATOM_N2 * cfg.n_dict * (n + 4) ** 2 for n in cfg.n_values]
    return sum(per_unit) * cfg.seeds / max(1, min(jobs, len(cfg.n_values) * cfg.seeds))


def memory_estimate(cfg: ValidationConfig, jobs: int) -> dict[str, int]:
    """Peak bytes by contribution (float64), for the budget check of run_validation.

    Limits (per worker): the NTK Gram n^2, test features n_test n, the teacher's joint
    Gram (n + n_test)^2, the feature-limit pool (n_dict or 4096 atoms, 6 n + d + 4 each:
    direction, features, simplex columns and their copy; measured 2.5 GB in one array
    at n = 16, n_dict = 10^7).
    Training (this process): E members x (a few n^2 Gram/eigh buffers, pre-activation
    matrices n H and n_test H, parameters H (d + 2)), doubled for autodiff.
    """
    n = max(cfg.n_values)
    e = max(cfg.ensemble, cfg.feature_ensemble)
    pool = cfg.n_dict or 4096
    workers = max(1, jobs)
    out = {
        "teacher Gram ((n + n_test)^2)": 8 * workers * (n + cfg.n_test) ** 2,
        "kernel regression (n^2 + n_test n)": 8 * workers * (n * n + cfg.n_test * n),
        # per atom: its direction (d), features on the data (n), the simplex's column
        # block [A; -A; 1] (2 n + 2) and its Fortran-ordered copy (2 n + 2)
        "feature-limit pool (n_dict (6 n + d + 4))": 8 * workers * pool * (6 * n + cfg.d + 4),
    }
    if "train" in cfg.solvers:
        h = max(cfg.width, cfg.feature_width)
        per = 6 * n * n + 4 * (n + cfg.n_test) * h + 4 * h * (cfg.d + 2)
        out["trained nets (E (6 n^2 + 4 (n + n_test) H))"] = 8 * 2 * e * per
    return out


def available_cpus() -> int:
    """CPUs this process may run on (the default number of worker processes)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _limit_worker(cfg: ValidationConfig, n: int, k: int, kinds) -> list[dict]:
    """The numpy units ``(regime, solver)`` in ``kinds`` of one (n, seed index) draw."""
    from threadpoolctl import threadpool_limits

    from ._units import _compute_unit, _data

    with threadpool_limits(1, user_api="blas"):
        data = _data(cfg, n, k)
        return [_compute_unit(cfg, (r, s, n, k), data) for r, s in kinds]


def _run_limits_parallel(cfg, units, jobs, finish, progress, total, done) -> None:
    """Infinite-width units in ``jobs`` local processes, grouped by (n, seed index).

    Each finished unit is stored by this process as soon as its group returns, so
    an interrupted sweep keeps everything already finished.
    """
    from ._map import map_on_pool

    groups: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for regime, solver, n, k in units:
        groups.setdefault((n, k), []).append((regime, solver))
    # largest n first: the slowest tasks start early, the pool drains evenly
    order = sorted(groups, key=lambda nk: (-nk[0], nk[1]))

    def finish_group(nk, rows) -> None:
        n, k = nk
        for (regime, solver), obs in zip(groups[nk], rows, strict=True):
            finish((regime, solver, n, k), obs)
        if progress is not None:
            progress(done(), total, f"limits n={n} seed {k}")

    tasks = {nk: (cfg, nk[0], nk[1], groups[nk]) for nk in order}
    map_on_pool(_limit_worker, tasks, finish_group, jobs=jobs)


def _die_with_parent() -> None:
    """Worker initializer: on Linux the kernel sends SIGTERM to the worker when its
    parent dies (prctl PR_SET_PDEATHSIG), so killing ``validate`` leaves no workers."""
    import ctypes
    import os
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        except OSError:
            return
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _start_method() -> str:
    """``fork`` (fast, no re-import of ``__main__``) unless this process runs threads
    a forked copy cannot inherit: JAX's runtime (a forked copy may deadlock) or
    numba's parallel pool (its OpenMP layer kills a forked child: "fork() called from
    a process already using GNU OpenMP").  Then ``spawn`` (scripts need the usual
    ``if __name__ == "__main__":`` guard)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and not (
        _jax_started() or _numba_threads_started()
    ):
        return "fork"
    return "spawn"


def _numba_threads_started() -> bool:
    """numba's parallel (``prange``) thread pool launched in this process (without
    importing numba; unknown -> True, i.e. the safe answer)."""
    import sys

    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return parallel is not None and bool(getattr(parallel, "_is_initialized", True))


def _jax_started() -> bool:
    """JAX imported in this process (it may have started its threads; public JAX has
    no way to ask without starting them)."""
    import sys

    return "jax" in sys.modules


def x64_enabled() -> bool:
    """Will JAX compute in float64 here?  ``jax_enable_x64`` if JAX is imported, else
    the ``JAX_ENABLE_X64`` environment variable it reads at import (not importing JAX,
    so that worker processes can still be forked)."""
    import os
    import sys

    if "jax" in sys.modules:
        return bool(sys.modules["jax"].config.jax_enable_x64)
    return os.environ.get("JAX_ENABLE_X64", "").strip().lower() in ("1", "true", "yes", "on")


def _run_training(cfg, units, finish, progress, total, done) -> None:
    """Trained-net units, in this process, on the chosen device (float64 JAX: checked
    by run_validation before any work; the library never changes ``jax.config``)."""
    from threadpoolctl import threadpool_limits

    from ._units import _compute_unit, _DataCache, _describe

    data = _DataCache(cfg)
    # one BLAS thread: JAX's CPU eigh / Cholesky call LAPACK, whose threads on these
    # small (n x n) matrices only contend (measured 100x slower on 2 loaded cores)
    with _device_context(cfg.device), threadpool_limits(1, user_api="blas"):
        for unit in units:
            if progress is not None:
                progress(done(), total, _describe(unit))
            finish(unit, _compute_unit(cfg, unit, data(unit)))
