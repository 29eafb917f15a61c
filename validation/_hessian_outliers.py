r"""Predicted Hessian outliers from the kernel spectrum, and their measured counterparts.

At initialization (``H -> inf``) the Gauss-Newton part of the flow-scaled Hessian
(:mod:`._hessian`) has the nonzero spectrum of ``Theta / n``; for ``n`` points uniform on
S^{d-1} and ``n -> inf`` its top eigenvalues tend to the kernel's ``mu_k`` (specbias'
convention: uniform probability measure, ``P_k(1) = 1``), each repeated ``N(d, k)``
times (the degree-k spherical harmonics).  So the outliers come in groups
``(mu_k, N(d,k))`` sorted by ``mu_k``; for the two-layer ReLU NTK the odd ``k >= 3``
vanish (no group).  Group means converge faster than single eigenvalues: by the
addition theorem ``sum_m Y_km(x)^2 = N(d,k)`` the trace of each block is exact for any
sample, so the mean moves only at second order in the finite-n mixing; the leading
error at finite width is a global scale ``O(sqrt(2/H))`` (the empirical means of ``w_h^2``
and ``|theta_h|^2``).

Groups are assigned by the predicted multiplicities (consecutive blocks of the sorted
eigenvalues); :func:`gap_groups` is the prediction-free view (split at large gaps),
used for blob data where no closed-form prediction exists.

References: Sagun et al. arXiv 1706.04454; Papyan arXiv 1811.07062; Jacot et al.
arXiv 1806.07572 (the NTK); Bietti & Mairal arXiv 1905.12173 (its spectrum).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..spectra import eigenvalues, harmonic_multiplicity


class OutlierGroup(NamedTuple):
    """One predicted group and its measurement.

    ``separation``: smallest eigenvalue of the block over the largest of the next one
    (> 1 when the block stands apart; NaN when the next block was not measured).
    """

    k: int
    mu: float
    multiplicity: int
    measured_mean: float
    rel_error: float
    separation: float


def predicted_outliers(d: int, count: int, *, bias: bool = False) -> list[tuple[int, float, int]]:
    """``(k, mu_k, N(d,k))`` of the NTK, nonzero ``mu_k`` in descending order, until the
    multiplicities add up to at least ``count``.

    Examples:
        >>> [(k, round(m, 6), n) for k, m, n in predicted_outliers(5, 20)]
        [(0, 0.210938, 1), (1, 0.1, 5), (2, 0.015625, 14)]
    """
    kmax, total = 0, 1
    while total < count:  # degrees up to kmax hold at least `count` harmonics
        kmax += 1
        total += harmonic_multiplicity(d, kmax)
    vals = eigenvalues("ntk-bias" if bias else "ntk", d, kmax + 2).values  # + next nonzero
    out, total = [], 0
    for k in np.argsort(-vals, kind="stable"):
        if vals[k] <= 0 or total >= count:
            break
        out.append((int(k), float(vals[k]), harmonic_multiplicity(d, int(k))))
        total += out[-1][2]
    return out


def compare_groups(measured: np.ndarray, predicted) -> list[OutlierGroup]:
    """Consecutive blocks of the descending ``measured`` eigenvalues, sized by the
    predicted multiplicities, beside the predicted ``mu_k`` (only complete blocks)."""
    measured = np.asarray(measured)
    out, i = [], 0
    for k, mu, mult in predicted:
        if i + mult > measured.size:
            break
        block = measured[i : i + mult]
        nxt = measured[i + mult] if i + mult < measured.size else np.nan
        mean = float(block.mean())
        out.append(OutlierGroup(k, mu, mult, mean, mean / mu - 1.0, float(block[-1] / nxt)))
        i += mult
    return out


def gap_groups(values: np.ndarray, ratio: float = 1.5) -> list[tuple[int, float]]:
    """Split descending positive ``values`` where ``v_i / v_{i+1} > ratio``:
    ``(size, mean)`` per group; the last group is open-ended (cut by the list).

    Examples:
        >>> gap_groups(np.array([1.0, 0.98, 0.5, 0.49, 0.48, 0.1]))
        [(2, 0.99), (3, 0.49), (1, 0.1)]
    """
    v = np.asarray(values)
    v = v[v > 0]
    cuts = np.flatnonzero(v[:-1] / v[1:] > ratio) + 1
    return [(int(b.size), float(b.mean())) for b in np.split(v, cuts) if b.size]
