"""Independent high-precision route: mpmath quadrature of the Funk-Hecke integral.

.. math::

    \\mu_k = c_d \\int_0^\\pi \\varphi(\\cos\\theta)\\, P_k^{(d)}(\\cos\\theta)\\,
             \\sin^{d-2}\\theta\\, d\\theta

evaluated with tanh-sinh quadrature on subintervals short enough for the
oscillations of :math:`P_k` (and split at theta = pi/2 where relu-type activations
have a kink, and at the family's interior breakpoints), inside ``mpmath.workdps``;
the working precision is raised until the
result is far above the round-off floor.  Slow (seconds), exact to ~``digits``.
"""

from __future__ import annotations

import math

import mpmath

from .._budget import check_time
from .._errors import InputError
from ._kernels import Kernel, kernel
from ._multiplicity import check_dimension

#: Seconds of the quadrature at k = 100, d = 3, 20 digits (measured 1.8 s for relu,
#: 3.4 s for ntk; 2x pessimistic).  Cost ~ k^2 (k/2 pieces, an O(k) recurrence per
#: node), ~ digits^1.5, and a few times more at large d (sin^(d-2) needs more nodes).
_SECONDS_AT_K100 = 7.0


def gegenbauer_normalized_mp(k: int, d: int, x):
    """P_k^{(d)}(x) with P_k(1) = 1 by the three-term recurrence, in mpmath.

    (k + d - 2) P_{k+1} = (2k + d - 2) x P_k - k P_{k-1}; for d = 2 this is Chebyshev.
    """
    p0, p1 = mpmath.mpf(1), x
    if k == 0:
        return p0
    for j in range(1, k):
        p0, p1 = p1, ((2 * j + d - 2) * x * p1 - j * p0) / (j + d - 2)
    return p1


def reference_eigenvalue(
    kern: Kernel | str, d: int, k: int, digits: int = 20, *, allow_large: bool = False
):
    """mu_k by adaptive mpmath quadrature, with about ``digits`` correct digits.

    The cost grows like k^2 (about 2 s at k = 100, hours at k = 10^5): it is checked
    against the time budget first (``allow_large=True`` skips it).

    >>> from specbias.spectra._reference import reference_eigenvalue
    >>> float(reference_eigenvalue("relu", 3, 0))  # mu_0 = 1/4
    0.25
    """
    kern = kernel(kern)
    d = check_dimension(d)
    try:
        ok_k = not isinstance(k, bool) and int(k) == k and int(k) >= 0
        ok_digits = not isinstance(digits, bool) and int(digits) == digits
        ok_digits = ok_digits and 1 <= int(digits) <= 10_000
    except (TypeError, ValueError, OverflowError):
        ok_k = ok_digits = False
    if not ok_k:
        raise InputError(f"degree k must be an integer >= 0, got {k!r}")
    if not ok_digits:
        raise InputError(f"digits must be an integer between 1 and 10000, got {digits!r}")
    k, digits = int(k), int(digits)
    scale = (min(k, 10**9) + 2) / 100  # past 10^9 the estimate is "forever" anyway
    seconds = _SECONDS_AT_K100 * scale**2 * (digits / 20) ** 1.5
    seconds *= 1 + math.log10(d) / 2
    check_time(seconds, f"reference mu_k of {kern.spec} at d={d}, k={k}", allow_large=allow_large)
    dps = digits + 15
    for _ in range(3):
        with mpmath.workdps(dps):
            val = _quad(kern, d, k)
            # accept once the value is well above the cancellation floor 10^-(dps-digits)
            if val != 0 and mpmath.log10(abs(val)) > -(dps - digits - 5):
                return +val
        dps = 2 * dps
    # still at the round-off floor after raising the precision: zero to ~10^-(dps - digits)
    return mpmath.mpf(0)


def _quad(kern: Kernel, d: int, k: int):
    pi = mpmath.pi
    cd = mpmath.gamma(mpmath.mpf(d) / 2) / (mpmath.sqrt(pi) * mpmath.gamma(mpmath.mpf(d - 1) / 2))

    def f(th):
        x = mpmath.cos(th)
        return (
            kern.phi_theta(th, mp=True)
            * gegenbauer_normalized_mp(k, d, x)
            * mpmath.sin(th) ** (d - 2)
        )

    pieces = max(2, k // 2 + 2)
    pieces += pieces % 2  # even, so that pi/2 is a breakpoint
    pts = [pi * j / pieces for j in range(pieces + 1)]
    pts = sorted({*pts, *(mpmath.acos(mpmath.mpf(t)) for t in kern.record.breakpoints(kern.args))})
    return cd * mpmath.quad(f, pts)
