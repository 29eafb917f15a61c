"""The record a trainer returns, and its stop codes."""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from ._network import Params

STOP_REASONS = {0: "running", 1: "converged", 2: "max_steps", 3: "diverged"}
"""Stop codes of :class:`TrainResult` and their names."""


class TrainResult(NamedTuple):
    """Outcome of training (leading ensemble axis on every array for ensembles).

    Attributes:
        params: final parameters.
        steps: attempted steps (accepted + rejected).
        accepted: accepted steps (zig-zag and forced ones included).
        zigzag: steps accepted by the two-step (zig-zag) test only.
        forced: steps accepted at ``dt_min`` although both tests failed.
        time: gradient-flow time ``t`` reached (sum of accepted ``dt``).
        train_loss: final ``L = (1/2n) sum (f - y)**2`` (function space, no ``1/alpha**2``).
        loss0: initial loss ``L(0)``.
        dt: last time step (adaptive) or the fixed one.
        stop_code: integer code, see :data:`STOP_REASONS` and :attr:`stop_reason`.
        loss_history: losses after the first ``history`` accepted steps (NaN-padded;
            empty when ``history=0``).
        dtype: floating dtype of the run (``"float64"`` under x64).
    """

    params: Params
    steps: jax.Array
    accepted: jax.Array
    zigzag: jax.Array
    forced: jax.Array
    time: jax.Array
    train_loss: jax.Array
    loss0: jax.Array
    dt: jax.Array
    stop_code: jax.Array
    loss_history: jax.Array
    dtype: str

    @property
    def stop_reason(self) -> str | list[str]:
        """``"converged"``, ``"max_steps"`` or ``"diverged"`` (a list for ensembles)."""
        return stop_names(self.stop_code, STOP_REASONS)


def stop_names(codes, reasons: dict[int, str]) -> str | list[str]:
    """Stop code(s) -> name (a list when ``codes`` has an ensemble axis)."""
    codes = np.asarray(codes)
    if codes.ndim == 0:
        return reasons[int(codes)]
    return [reasons[int(c)] for c in codes.ravel()]
