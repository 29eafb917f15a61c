"""Sizes of a Hessian experiment, checked before JAX loads (a refusal stays fast).

A bias-free one-hidden-layer net of width H on S^{d-1} has M = H (d + 1) parameters.
The experiment holds the n x n tangent Gram (3 n^2 floats: the Gram and its
eigendecomposition) and the n x H hidden activations (4 n H), and costs one
Hessian-vector product (~3 passes of n H (d + 1) multiply-adds) per Lanczos step, or
M of them for the full Hessian (``M <= FULL_MAX``).  These are checked against
:func:`specbias._budget.check_memory` / :func:`~specbias._budget.check_time` before
any work (Sagun et al. arXiv 1706.04454 for the experiment: :mod:`._hessian_experiment`).
numpy only.

Example:
    >>> check_sizes(3, 60, 8, regime="lazy", top=None, method="auto", train=False,
    ...             max_steps=400, allow_large=False)
    (60, 14)
"""

from __future__ import annotations

from .._budget import check_memory, check_time
from .._errors import InputError
from ._checks import check_int

#: regime -> xi of the net (1: lazy / NTK scaling, 0: mean-field)
REGIMES = {"lazy": 1.0, "feature": 0.0}
#: largest parameter count whose Hessian is diagonalized in full (eigh) by method "auto"
FULL_MAX = 2500


def check_sizes(
    d, n, width, *, regime, top, method, train, max_steps, allow_large
) -> tuple[int, int]:
    """``(n, top)`` of a valid experiment within the budgets (``top`` None: the
    harmonics of degree <= 2 and 5 more, at most M), else :class:`~specbias.InputError`
    or the budget's error."""
    if regime not in REGIMES:
        raise InputError(f"regime must be one of {', '.join(REGIMES)}, got {regime!r}")
    d, width = check_int("d", d, 2), check_int("width", width, 1)
    n = check_int("n", n, 2)
    m = width * (d + 1)
    if top is None:
        top = min(1 + d + (d + 2) * (d - 1) // 2 + 5, m)
    top = check_int("top", top, 1)
    if top > m:
        raise InputError(f"top = {top} exceeds the number of parameters M = {m}")
    check_memory(
        {"tangent Gram (3 n^2)": 24.0 * n * n, "activations (4 n H)": 32.0 * n * width},
        f"hessian n={n} width={width}",
        allow_large=allow_large,
    )
    check_time(
        _seconds(m, d, n, width, top, method, train, max_steps),
        f"hessian d={d} n={n} width={width}",
        allow_large=allow_large,
    )
    return n, top


def _seconds(m, d, n, width, top, method, train, max_steps) -> float:
    """Pessimistic run time: Hessian-vector products (each ~3 passes, ~1e-9 s per
    multiply-add on one loaded core) for Lanczos or the full Hessian, plus training."""
    full = method == "full" or (method == "auto" and m <= FULL_MAX)
    hvps = m if full else max(3 * top, top + 60) + 4 * 60
    pass_cost = 3e-9 * n * width * (d + 1)
    train_cost = max_steps * (n * n * width * d + n**3) * 1e-9 if train else 0.0
    return (1 + train) * hvps * pass_cost + train_cost
