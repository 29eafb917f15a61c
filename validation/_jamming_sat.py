r"""The SAT fraction across widths and its probability-1/2 point N*_1/2 (arXiv 1810.09665).

At fixed P, the fraction of runs (data sets x initializations) that reach zero hinge
loss (the SAT fraction) rises from 0 to 1 over a few widths; the jamming transition of
Spigler et al. is where it jumps.  Here it is located at the probability-1/2 point

.. math::

    H_{1/2} = H_- + \frac{1/2 - p(H_-)}{p(H_- + 1) - p(H_-)},\qquad N^*_{1/2} = d\,H_{1/2},

with :math:`p(H)` the pooled SAT fraction at width H, :math:`H_-` the width where
:math:`p < 1/2` and :math:`p(H_- + 1) \ge 1/2`, and linear interpolation between them
(continuous in N: no steps of d).

Why the 1/2 point and not "the smallest N whose runs all succeed" (:func:`find_jamming`'s
``N*``): that one is a maximum over runs, so it moves up with the number of runs and sits
on the transition's upper tail.  The single perceptron (one unit, N = d) shows the
difference exactly: by Cover's counting theorem (:func:`cover_probability`) P random
points with random labels are separable through the origin with probability
:math:`2^{1-P}\sum_{k<N}\binom{P-1}{k}`, which is exactly 1/2 at P = 2N for every N,
while the point where *all* of R draws are separable drifts below 2N like
:math:`\sqrt N` and with R.

The walk assumes :math:`p(H)` increases with H (it does at jamming up to sampling noise);
it returns the first crossing it meets from its start.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from .._errors import InputError


def cover_probability(P: int, N: int) -> float:
    r"""Probability that P labelled points in general position in R^N are separable
    through the origin, labels fair coins (Cover 1965).

    .. math:: C(P, N) = 2^{1-P} \sum_{k=0}^{N-1} \binom{P-1}{k}

    Examples:
        >>> cover_probability(16, 8), cover_probability(4, 8)
        (0.5, 1.0)
    """
    if P < 1 or N < 1:
        raise InputError(f"cover_probability: need P >= 1 and N >= 1, got P={P}, N={N}")
    return math.fsum(math.comb(P - 1, k) for k in range(min(N, P))) / 2.0 ** (P - 1)


class SatCurve(NamedTuple):
    """SAT fraction ``p(H)`` at the widths walked, and the interpolated 1/2 point."""

    widths: tuple[int, ...]  # increasing
    fraction: tuple[float, ...]  # pooled fraction of runs at zero loss
    runs: int  # runs per width (data sets x initializations)

    @property
    def width_half(self) -> float:
        """``H_1/2``: linear interpolation of ``p`` to 1/2 between the bracketing widths."""
        return half_crossing(self.widths, self.fraction)


def half_crossing(widths, fraction) -> float:
    """First crossing of 1/2 by ``fraction`` over increasing ``widths`` (interpolated;
    a width below the first holds ``p = 0``, the empty net fits nothing).

    Examples:
        >>> half_crossing((8, 9), (0.25, 0.75))
        8.5
    """
    prev_w, prev_p = widths[0] - 1, 0.0
    for w, p in zip(widths, fraction, strict=True):
        if p >= 0.5:
            return prev_w + (w - prev_w) * (0.5 - prev_p) / (p - prev_p)
        prev_w, prev_p = w, p
    raise InputError(f"SAT fraction never reaches 1/2 at widths {list(widths)}")


def sat_curve(fraction_at: Callable[[int], float], start: int, limit: int, runs: int) -> SatCurve:
    """Walk in steps of one width from ``start`` to the bracket ``p(H_-) < 1/2 <= p(H_- + 1)``.

    ``fraction_at(H)`` trains (or reads) every run at width H and returns the pooled
    SAT fraction; each width is evaluated once.
    """
    seen: dict[int, float] = {}

    def p(h: int) -> float:
        if h < 1:
            return 0.0
        if h not in seen:
            if h > limit:
                raise InputError(f"SAT fraction below 1/2 up to width {limit}")
            seen[h] = float(fraction_at(h))
        return seen[h]

    h = max(1, start)
    if p(h) >= 0.5:
        while p(h - 1) >= 0.5:
            h -= 1
    else:
        while p(h + 1) < 0.5:
            h += 1
    widths = tuple(sorted(seen))
    return SatCurve(widths, tuple(seen[w] for w in widths), runs)
