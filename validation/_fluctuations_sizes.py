"""Sizes of a fluctuations study, checked before JAX loads (a refusal stays fast).

The widths per depth, the ensemble size, the data sizes and the worker count are
validated, and the study's peak memory and floating-point work are estimated from
them and checked against :func:`specbias._budget.check_memory` /
:func:`~specbias._budget.check_time` before any unit runs (Geiger et al. arXiv
1901.01608 for the study itself: :mod:`._fluctuations`).  numpy only.

Example:
    >>> plan, cfg, jobs = check_study({1: [16, 32]}, [1], 4, 3, 16, 32, None, 0, 100,
    ...                               "teacher", False, 1, False)
    >>> plan, cfg["members"], jobs
    ({1: [16, 32]}, 4, 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from .._budget import check_memory, check_time
from .._errors import InputError
from ._checks import check_int

#: hidden layers a fluctuations study trains
DEPTHS = (1, 2)
#: Default Euler steps of :func:`._fluctuations_hinge.hinge_flow`.
HINGE_STEPS = 4000
#: Floating-point operations per second assumed by the time budget (2 busy cores).
FLOPS = 2e9


def check_depth(depth) -> int:
    """``depth`` as an int in :data:`DEPTHS` (:class:`~specbias.InputError` otherwise)."""
    if depth not in DEPTHS or isinstance(depth, bool):
        raise InputError(f"depth (hidden layers) must be 1 or 2, got {depth!r}")
    return int(depth)


def check_study(
    widths, depths, members, d, n, n_test, alpha, seed, hinge_steps, teacher, classify,
    jobs, allow_large,
) -> tuple[dict, dict, int]:  # fmt: skip
    """(plan {depth: widths}, sizes, jobs) of a valid study within the budgets, else
    :class:`~specbias.InputError` / the budget's error."""
    from ._schedule import available_cpus

    plan, cfg = _check(widths, depths, members, d, n, n_test, alpha, seed, hinge_steps)
    cfg.update(teacher=teacher, classify=bool(classify))
    jobs = check_int("jobs", jobs, 1)
    if jobs > 4 * available_cpus():
        raise InputError(f"jobs = {jobs} is above 4x the CPUs of this machine")
    _budget(plan, cfg, allow_large, workers=jobs)
    return plan, cfg, jobs


def _check(widths, depths, members, d, n, n_test, alpha, seed, hinge_steps):
    depths = [check_depth(v) for v in depths]
    if not depths or len(set(depths)) != len(depths):
        raise InputError(f"depths must be distinct values among 1, 2, got {depths!r}")
    plan = {}
    for depth in depths:
        hs = widths.get(depth) if isinstance(widths, Mapping) else widths
        if hs is None:
            raise InputError(f"no widths given for depth {depth}")
        hs = [check_int("width", h, 1) for h in hs]
        if len(hs) < 2 or any(b <= a for a, b in itertools.pairwise(hs)):
            raise InputError(f"need >= 2 strictly increasing widths, got {hs}")
        plan[depth] = hs
    if alpha is not None and not (isinstance(alpha, (int, float)) and 0 < alpha < np.inf):
        raise InputError(f"alpha must be None (lazy limit) or a finite number > 0, got {alpha!r}")
    cfg = {
        "members": check_int("members", members, 2),
        "d": check_int("d", d, 2),
        "n": check_int("n", n, 2),
        "n_test": check_int("n_test", n_test, 1),
        "alpha": None if alpha is None else float(alpha),
        "seed": check_int("seed", seed, 0),
        "hinge_steps": check_int("hinge_steps", hinge_steps, 1),
    }
    return plan, cfg


def _budget(plan, cfg, allow_large, workers=1) -> None:
    """Refuse sizes over the memory or time budget before any work starts (the
    memory of ``workers`` processes measuring at once on this machine)."""
    e, d, n, m = cfg["members"], cfg["d"], cfg["n"], cfg["n_test"]
    peak, flops = 0.0, 0.0
    for depth, hs in plan.items():
        for h in hs:
            per_member = (n + m) * h * (d + 2 * (depth - 1) * h) + 3 * (n + m) * n * h
            flops += 2.0 * e * per_member
            if cfg["classify"]:
                flops += 2.0 * e * cfg["hinge_steps"] * n * n
            weights = 8.0 * (h * d + (depth - 1) * h * h + h)
            acts = 8.0 * 8 * (n + m) * h
            peak = max(peak, 4 * weights + acts + 8.0 * e * (m + n) * n)
    what = f"fluctuations widths={dict(plan)} members={e} n={n} n_test={m}"
    check_memory(workers * peak, what, allow_large=allow_large)
    check_time(flops / FLOPS, what, allow_large=allow_large)
