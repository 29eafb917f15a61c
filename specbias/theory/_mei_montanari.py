"""The Mei-Montanari fixed point and risk polynomials (arXiv 1908.05355, Definition 1, Thm 1).

(nu1, nu2) are analytic on the upper half plane, map it to itself, and solve

.. math::

    \\nu_1 = \\psi_1\\Big(-\\xi - \\nu_2
            - \\frac{\\zeta^2\\nu_2}{1-\\zeta^2\\nu_1\\nu_2}\\Big)^{-1},
    \\qquad
    \\nu_2 = \\psi_2\\Big(-\\xi - \\nu_1
            - \\frac{\\zeta^2\\nu_1}{1-\\zeta^2\\nu_1\\nu_2}\\Big)^{-1};

chi = nu1 nu2 at xi = i s, s = sqrt(psi1 psi2 lambda_bar).  The risk is

.. math:: R = F_1^2 \\frac{E_1}{E_0} + (\\tau^2 + F_*^2)\\frac{E_2}{E_0} + F_*^2

with E0, E1, E2 the polynomials in chi of :func:`risk_polynomials` (E1 as identified here:
psi2 chi^3 zeta^4 - psi2 chi^2 zeta^2 + psi1 psi2 chi zeta^2 - psi1 psi2, checked to 1e-11
against the independent two-step derivation of :mod:`._double_descent` on 400 random
points, and by simulation).

Reduction to real positive unknowns: the equations are invariant under nu -> -conj(nu),
xi -> -conj(xi), so on the imaginary axis the analytic solution is nu_j = i a_j, a_j > 0:

.. math::

    a_1 = \\frac{\\psi_1}{s + a_2 h},\\quad a_2 = \\frac{\\psi_2}{s + a_1 h},\\quad
    h = 1 + \\frac{\\zeta^2}{1 + \\zeta^2 p},\\quad p = a_1 a_2 = -\\chi .

Hence s a_j = psi_j - q with q(p) = p h = p + zeta^2 p/(1 + zeta^2 p) increasing, and p
solves the single equation F(p) = s^2 p - (psi1 - q)(psi2 - q) = 0 on [0, p_max], q(p_max)
= psi = min(psi1, psi2) (a_1, a_2 > 0 there).  F rises strictly from -psi1 psi2 to s^2 p_max,
so the root is unique: bisection on the bracket lands on the one branch with Im nu > 0, where
iterations from guessed starting points can converge to another root of the quintic-like
system.  Ridgeless (s = 0): p = p_max, the closed form

.. math:: \\chi = -\\frac{(\\psi\\zeta^2-\\zeta^2-1) + \\sqrt{(\\psi\\zeta^2-\\zeta^2-1)^2
          + 4\\zeta^2\\psi}}{2\\zeta^2},

and E0 = 0 exactly at psi1 = psi2 (E0 = quot Q(psi) + (psi_a - psi_b) S with Q the quadratic
above, evaluated so that this cancellation is exact): the risk diverges at N = n.

>>> round(chi_ridgeless(3.0, 0.25 / 0.090047), 6)
-2.143843
"""

from __future__ import annotations

import math


def chi_ridgeless(psi: float, zeta_sq: float) -> float:
    """chi at lambda = 0 from the closed form (psi = min(psi1, psi2))."""
    b = 1.0 + zeta_sq - zeta_sq * psi
    root = math.sqrt(b * b + 4.0 * zeta_sq * psi)
    p = 2.0 * psi / (b + root) if b > 0 else (root - b) / (2.0 * zeta_sq)
    return -p


def solve_chi(psi1: float, psi2: float, lam_bar: float, zeta_sq: float) -> float:
    """chi = nu1 nu2 at xi = i sqrt(psi1 psi2 lam_bar): unique root of F(p) on [0, p_max]."""
    p_max = -chi_ridgeless(min(psi1, psi2), zeta_sq)
    s2 = psi1 * psi2 * lam_bar
    if s2 == 0.0:
        return -p_max

    def f(p: float) -> float:
        q = p + zeta_sq * p / (1.0 + zeta_sq * p)
        return s2 * p - (psi1 - q) * (psi2 - q)

    lo, hi = 0.0, p_max
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return -0.5 * (lo + hi)


def nu_pair(psi1: float, psi2: float, lam_bar: float, zeta_sq: float) -> tuple[complex, complex]:
    """(nu1, nu2) = (i a1, i a2) at xi = i s, s > 0 (a_j = (psi_j - q)/s)."""
    s = math.sqrt(psi1 * psi2 * lam_bar)
    if s == 0.0:
        raise ValueError("nu1, nu2 are individually infinite at lambda = 0 (only chi is finite)")
    p = -solve_chi(psi1, psi2, lam_bar, zeta_sq)
    q = p + zeta_sq * p / (1.0 + zeta_sq * p)
    return 1j * (psi1 - q) / s, 1j * (psi2 - q) / s


def risk_polynomials(chi: float, psi1: float, psi2: float, zeta_sq: float, *, ridgeless=False):
    """(E0, E1, E2) of arXiv 1908.05355 (z = zeta^2); E0 symmetric in psi1, psi2.

    E0 = quot(chi) Q(chi) + (psi_a - psi_b) S(chi) exactly (polynomial division by the
    ridgeless quadratic Q of psi_a = min(psi1, psi2)).  With ``ridgeless=True`` chi is
    the root of Q by definition, so Q = 0 is used exactly: E0 = (psi_a - psi_b) S, which
    is 0 at psi1 = psi2 without rounding (E0's terms grow like psi^4, so evaluating Q at
    the rounded chi would leave ~1e-16 psi^4).
    """
    c, z = chi, zeta_sq
    pa, pb = min(psi1, psi2), max(psi1, psi2)
    quad = 0.0 if ridgeless else z * c * c + (pa * z - z - 1.0) * c - pa
    quot = (
        -(c**3) * z**2
        + c**2 * (pa * z**2 - z**2 + 2 * z)
        + c * (-(pa**2) * z**2 + pa * pb * z**2 + pa * z**2 - 2 * pa * z - pb * z**2 - z - 1)
        + pa**3 * z**2
        - pa**2 * pb * z**2
        - 2 * pa**2 * z**2
        + 2 * pa**2 * z
        + 2 * pa * pb * z**2
        - 2 * pa * pb * z
        + pa * z**2
        + pa
        - pb * z**2
    )
    rem = -(pa - pb) * (
        c * (pa**3 * z**3 - 3 * pa**2 * z**3 + 2 * pa**2 * z**2 + 3 * pa * z**3)
        + c * (-pa * z**2 + pa * z - z**3 - z**2)
        - pa**3 * z**2
        + 2 * pa**2 * z**2
        - 2 * pa**2 * z
        - pa * z**2
        - pa
    )
    e0 = quot * quad + rem
    e1 = psi2 * c**3 * z**2 - psi2 * c**2 * z + psi1 * psi2 * c * z - psi1 * psi2
    e2 = (
        c**5 * z**3
        - 3 * c**4 * z**2
        + (psi1 - 1) * c**3 * z**3
        + 2 * c**3 * z**2
        + 3 * c**3 * z
        - (psi1 + 1) * c**2 * z**2
        - 2 * c**2 * z
        - c**2
    )
    return e0, e1, e2


def e0_expanded(chi: float, psi1: float, psi2: float, zeta_sq: float) -> float:
    """E0 as printed (monomial form), for checking the cancellation-free evaluation."""
    c, z, p1, p2 = chi, zeta_sq, psi1, psi2
    return (
        -(c**5) * z**3
        + 3 * c**4 * z**2
        + (p1 * p2 - p2 - p1 + 1) * c**3 * z**3
        - 2 * c**3 * z**2
        - 3 * c**3 * z
        + (p1 + p2 - 3 * p1 * p2 + 1) * c**2 * z**2
        + 2 * c**2 * z
        + c**2
        + 3 * p1 * p2 * c * z
        - p1 * p2
    )
