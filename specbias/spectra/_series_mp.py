"""Certified mpmath summation of endpoint series sum_j a_j mu_k((1-t)^{g_j}).

mu_k((1-t)^g) = 2^g (-1)^k M(g, k) with M as in :mod:`._symbolic`; |mu_k((1-t)^g)| <= 2^g
since |P_k| <= 1 (convention :mod:`specbias.spectra._conventions`), which bounds the
tails (Bietti & Bach arXiv 2009.14397 for the endpoint expansion).

>>> import mpmath
>>> with mpmath.workdps(20):
...     float(_mp_endpoint_power(mpmath.mpf(1), 3, 0))  # mu_0(1 - t) on S^2
1.0
"""

from __future__ import annotations

import math

import mpmath

from .._errors import AccuracyError


def _mp_endpoint_power(g, d: int, k: int):
    """mu_k((1-t)^g) at the current mpmath precision (0 at poles of Gamma(g-k+1))."""
    return (
        mpmath.mpf(2) ** g
        * (-1) ** k
        * mpmath.mpf(2) ** (d - 2)
        * mpmath.gamma(mpmath.mpf(d) / 2)
        * mpmath.gamma(g + 1)
        * mpmath.gamma(g + mpmath.mpf(d - 1) / 2)
        / mpmath.sqrt(mpmath.pi)
        * mpmath.rgamma(g - k + 1)
        * mpmath.rgamma(g + k + d - 1)
    )


def _endpoint_step(g, d: int, k: int):
    """mu_k((1-t)^{g+1}) / mu_k((1-t)^g)."""
    return 2 * (g + 1) * (g + mpmath.mpf(d - 1) / 2) / ((g - k + 1) * (g + k + d - 1))


def _certified_sum(terms, tail_bound, dps: int, start_wp: int) -> mpmath.mpf:
    """Sum a series at rising working precision until truncation and round-off are certified.

    ``terms(wp)`` yields the terms computed at the current precision; ``tail_bound(n)``
    bounds sum_{m > n} |t_m| (an mpf).  Each term carries relative round-off below
    (n + 10) 2^{-prec} from its recurrence, so the accumulated error is at most
    (N + 10) * sum |t_m| * 2^{-prec}; both that and the tail must be below
    10^{-dps-3} |S|.
    """
    wp = start_wp
    for _ in range(12):
        with mpmath.workdps(wp):
            s = mpmath.mpf(0)
            absum = mpmath.mpf(0)
            n = -1
            for n, t in enumerate(terms()):
                s += t
                absum += abs(t)
                if n >= 4 and tail_bound(n) <= mpmath.mpf(10) ** (-dps - 3) * abs(s):
                    break
                if n > 40 * (wp + 50):
                    break
            tail_ok = tail_bound(n) <= mpmath.mpf(10) ** (-dps - 3) * abs(s)
            round_err = (n + 10) * absum * mpmath.mpf(2) ** (-mpmath.mp.prec)
            round_ok = s != 0 and round_err <= mpmath.mpf(10) ** (-dps - 3) * abs(s)
            if tail_ok and round_ok:
                with mpmath.workdps(dps):
                    return +s
            if s != 0 and absum > 0:
                loss = float(mpmath.log10(absum / abs(s)))
                need = int(dps + 10 + loss + math.log10(n + 10))
            else:
                need = 2 * wp
            wp = max(need, wp + 10, int(1.5 * wp) if not tail_ok else 0)
    raise AccuracyError("series for the exact eigenvalue did not converge")  # pragma: no cover
