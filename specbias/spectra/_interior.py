"""Decay laws from singular points t0 inside (-1, 1): kinks, jumps, |t - t0|^a cusps.

Derivation (Funk-Hecke in theta, convention :mod:`._conventions`):
mu_k = c_d int_0^pi phi(cos th) P_k(cos th) sin^{d-2} th dth.  Away from th = 0, pi
the normalized Gegenbauer polynomial has Darboux's asymptotics (Szego, Orthogonal
Polynomials, Thm 8.21.13, with C_k^lam(1) = Gamma(k + 2 lam)/(Gamma(2 lam) k!)),

.. math:: P_k(\\cos\\theta) = K_\\lambda\\, N^{-\\lambda} \\sin^{-\\lambda}\\theta\\,
   \\cos(N\\theta - \\lambda\\pi/2)\\,(1 + O(1/N)),\\qquad
   \\lambda = \\frac{d-2}{2},\\ N = k + \\lambda,\\
   K_\\lambda = \\frac{2^\\lambda\\,\\Gamma(\\lambda + 1/2)}{\\sqrt\\pi}

(Chebyshev cos(k theta) at d = 2, K_0 = 1).  Let phi = smooth + A_+ (t - t0)_+^a +
A_- (t0 - t)_+^a near t0 = cos theta0 (a kink: a = 1, A_+ the jump of phi'; a jump of
the m-th derivative: a = m, A_+ = jump/m!; |t - t0|^a: A_+ = A_- = 1).  Since
t - t0 = sin theta0 (theta0 - theta) + O((theta - theta0)^2), the Fourier transform of
the singularity, int (x)_+^a e^{iNx} dx ~ Gamma(a+1) e^{i pi (a+1)/2} N^{-(a+1)}, gives

.. math:: \\mu_k \\simeq N^{-(a + d/2)}\\,
   \\mathrm{Re}\\big[Z\\, e^{i(N\\theta_0 - \\lambda\\pi/2)}\\big],\\qquad
   Z = c_d K_\\lambda \\Gamma(a+1) \\sin^{a+\\lambda}\\theta_0
   \\big(A_- e^{i\\pi(a+1)/2} + A_+ e^{-i\\pi(a+1)/2}\\big),

so alpha = a + d/2 wherever t0 lies (the ReLU kink at t0 = 0 is the case a = 1 of
relu-power's k^-(a + d/2)), the constant carries (1 - t0^2)^{(a + lam)/2}, and |mu_k|
oscillates under the envelope |Z| N^-alpha with phase N theta0 (period 2 pi/theta0 in
k: no parity zeros unless t0 = 0).  Several points add their terms; the law keeps
the smallest a and C = sum |Z_j| (the envelope's maximum).  At t0 = 0 the formula
is exactly the large-k form of relu-power's Gamma closed form with N = k + lambda
(Gamma(x)/Gamma(x+h) ~ (x + (h-1)/2)^-h); elsewhere the relative correction is
O(d^2/k) (tests/test_interior_laws.py checks the signed mu_k against quadrature).

References: Szego (1939) Thm 8.21.13; Bietti & Mairal arXiv 1905.12173 (relu, t0 = 0);
Bach arXiv 1412.8690 App. D.

>>> law = interior_law("relu-bias:b=0.3", 3, [SingularPoint(-0.3, 1.0, 1.0, 0.0)])
>>> law.alpha, law.parity
(2.5, 'all')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ._conventions import c_d_float
from ._laws import D, DecayLaw

#: Oscillation factors below this fraction of their maximum count as zeros (parity).
_PARITY_ZERO = 1e-9
#: Degrees scanned for parity zeros of the oscillating factor (k = 10^4 .. 10^4 + 63).
_SCAN = np.arange(10_000, 10_064)


@dataclass(frozen=True)
class SingularPoint:
    """phi = smooth + a_plus (t - t0)_+^a + a_minus (t0 - t)_+^a near t0 in (-1, 1)."""

    t0: float
    a: float
    a_plus: float
    a_minus: float


def _log_amplitude(point: SingularPoint, d: int) -> tuple[float, complex]:
    """(log|Z| without the side factor, the side factor) of :func:`amplitude`, in log
    space so that d = 10^7 (2^lam Gamma(lam + 1/2) overflows) stays finite."""
    lam = (d - 2) / 2
    log_sin0 = 0.5 * math.log1p(-(point.t0**2))
    log_k = lam * math.log(2) + math.lgamma(lam + 0.5) - 0.5 * math.log(math.pi)
    log_mag = math.log(c_d_float(d)) + log_k + math.lgamma(point.a + 1)
    q = np.exp(0.5j * math.pi * (point.a + 1))
    return log_mag + (point.a + lam) * log_sin0, point.a_minus * q + point.a_plus / q


def amplitude(point: SingularPoint, d: int) -> complex:
    """Z of the module docstring: mu_k ~ N^-(a + d/2) Re[Z e^{i(N theta0 - lam pi/2)}]
    (its modulus overflows to inf, or underflows to 0, for huge d)."""
    log_mag, side = _log_amplitude(point, d)
    with np.errstate(over="ignore", under="ignore"):
        return complex(np.exp(log_mag) * side)


def interior_asymptotic(points, d: int, k) -> np.ndarray:
    """Signed leading-order mu_k of all ``points`` (their terms summed), k >= 1."""
    lam = (d - 2) / 2
    n = np.asarray(k, dtype=np.float64) + lam
    total = np.zeros_like(n)
    for p in points:
        phase = np.exp(1j * (n * math.acos(p.t0) - lam * math.pi / 2))
        total += np.real(amplitude(p, d) * phase) * n ** -(p.a + d / 2)
    return total


def envelope_slope(k, log_abs, d: int, window: int = 16) -> float:
    """alpha fitted on the envelope: log of the largest |mu_k| in each window of
    ``window`` consecutive degrees against log(k + lambda), least squares.

    The oscillating factor |cos(N theta0 + phase)| makes a fit through all degrees
    meaningless; its maximum over a window longer than the period 2 pi/theta0 is close
    to 1, so the window maxima follow |Z| N^-alpha.  ``k``, ``log_abs``: the degrees
    to use (non-zero, trusted values), increasing.

    >>> kk = np.arange(100, 400)
    >>> la = np.log(np.abs(np.cos(2.0 * kk)) + 1e-300) - 2.5 * np.log(kk + 0.5)
    >>> round(envelope_slope(kk, la, 3), 1)
    2.5
    """
    k = np.asarray(k)
    log_abs = np.asarray(log_abs, dtype=np.float64)
    lam = (d - 2) / 2
    xs, ys = [], []
    for start in range(int(k[0]), int(k[-1]) - window + 2, window):
        sel = (k >= start) & (k < start + window)
        if sel.sum() >= window // 2:
            i = int(np.argmax(log_abs[sel]))
            xs.append(np.log(k[sel][i] + lam))
            ys.append(log_abs[sel][i])
    return float(-np.polyfit(xs, ys, 1)[0])


def leading(points) -> list[SingularPoint]:
    """The points with the smallest exponent a (they set alpha = a + d/2)."""
    a_min = min(p.a for p in points)
    return [p for p in points if p.a <= a_min + 1e-12]


def _parity(points, d: int) -> str:
    """even/odd when the oscillating factor vanishes on all odd/even k (t0 = 0 cases)."""
    lam = (d - 2) / 2
    n = _SCAN + lam
    logs = [_log_amplitude(p, d) for p in points]
    top_log = max(lg for lg, _ in logs)
    fac = sum(
        np.real(
            np.exp(lg - top_log) * side * np.exp(1j * (n * math.acos(p.t0) - lam * math.pi / 2))
        )
        for p, (lg, side) in zip(points, logs, strict=True)
    )
    fac = np.abs(fac)
    top = fac.max()
    if np.all(fac[_SCAN % 2 == 1] <= _PARITY_ZERO * top):
        return "even"
    if np.all(fac[_SCAN % 2 == 0] <= _PARITY_ZERO * top):
        return "odd"
    return "all"


def interior_law(spec: str, d: int, points) -> DecayLaw:
    """|mu_k| <~ C (k + lam)^-alpha, alpha = a_min + d/2, from singular points (see module).

    ``constant`` is sum |Z_j| over the leading points: the envelope the oscillating
    |mu_k| (k + lam)^alpha touches where the phases N theta_j align (it reaches it for
    one point, whose factor |cos(N theta0 + phase)| comes close to 1 again and again).
    """
    top = leading(points)
    a = top[0].a
    with np.errstate(over="ignore"):
        const = float(sum(abs(amplitude(p, d)) for p in top))
    where = ", ".join(f"t0 = {p.t0:.6g} (a = {p.a:g})" for p in points)
    note = (
        f"envelope; mu_k oscillates: sum_j Re[Z_j e^(i(k + {(d - 2) / 2:g}) theta_j)], "
        f"theta_j = arccos t0_j, singular points: {where}"
    )
    alpha_expr = sp.nsimplify(a) + D / 2
    return DecayLaw(
        spec, d, a + d / 2, const, _parity(top, d), alpha_expr, None, "oscillating", note
    )
