"""float64 Gauss-Legendre quadrature in theta for kernels without a closed form.

.. math::

    \\mu_k \\approx c_d \\sum_j w_j\\, \\varphi(\\cos\\theta_j)\\,
             P_k^{(d)}(\\cos\\theta_j)\\,\\sin^{d-2}\\theta_j

In theta the integrands of all built-in kernels are analytic on [0, pi] (the
sqrt(1-t) singularities of the ReLU kernels become smooth in theta), so
Gauss-Legendre converges exponentially once the nodes resolve the oscillations
of P_k.  Where phi has interior breakpoints (a ReLU with bias, ``expr:Max(0, t+0.3)``;
the family's ``breakpoints``) the rule is composite, split at their theta, so that
each piece is analytic again.  Two node counts give a discretization error estimate; a round-off
bound ``eps * sum |terms|`` says where float64 can no longer resolve mu_k (the
tiny high-k eigenvalues of smooth kernels).  Entries whose estimated relative
error exceeds the tolerance are refused upstream, never returned silently.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy.special import roots_legendre

from .._errors import AccuracyError, InputError
from ._conventions import c_d_float
from ._kernels import Kernel

QUADRATURE_KMAX = 4000


def _nodes(n: int, d: int, cuts: tuple[float, ...] = ()):
    """Gauss-Legendre nodes in theta, composite over the pieces between ``cuts`` (theta
    values of phi's interior breakpoints), about n nodes in all, each piece >= 32."""
    edges = [0.0, *sorted(c for c in cuts if 0.0 < c < np.pi), np.pi]
    thetas, weights = [], []
    for lo, hi in pairwise(edges):
        x, w = roots_legendre(max(32, int(np.ceil(n * (hi - lo) / np.pi))))
        half = (hi - lo) / 2.0
        thetas.append(lo + (x + 1.0) * half)
        weights.append(w * half)
    theta, w = np.concatenate(thetas), np.concatenate(weights)
    with np.errstate(divide="ignore"):
        logw = np.log(w) + (d - 2) * np.log(np.sin(theta)) + np.log(c_d_float(d))
    return theta, np.exp(logw)


def breakpoint_thetas(kern: Kernel) -> tuple[float, ...]:
    """arccos of the family's interior breakpoints of phi (where the pieces split)."""
    return tuple(float(np.arccos(t)) for t in kern.record.breakpoints(kern.args))


def _project(phi: np.ndarray, theta: np.ndarray, wts: np.ndarray, d: int, kmax: int):
    x = np.cos(theta)
    f = wts * phi
    mu = np.empty(kmax + 1)
    scale = np.empty(kmax + 1)
    p_prev = np.ones_like(x)
    p = x.copy()
    mu[0] = f.sum()
    scale[0] = np.abs(f).sum()
    if kmax >= 1:
        mu[1] = f @ p
        scale[1] = np.abs(f) @ np.abs(p)
    for j in range(1, kmax):
        p_prev, p = p, ((2 * j + d - 2) * x * p - j * p_prev) / (j + d - 2)
        mu[j + 1] = f @ p
        scale[j + 1] = np.abs(f) @ np.abs(p)
    return mu, scale


def quadrature_eigenvalues(kern: Kernel, d: int, kmax: int):
    """(mu, abs_err) for k = 0..kmax by Gauss-Legendre in theta, float64.

    abs_err = |mu(n) - mu(3n/2)| + 64 eps sum|terms|: discretization plus round-off.
    """
    if kmax > QUADRATURE_KMAX:
        raise InputError(
            f"kmax={kmax} too large for the quadrature method of {kern.spec} "
            f"(at most {QUADRATURE_KMAX}; float64 cannot resolve such tiny eigenvalues anyway)"
        )
    mu, disc, roundoff = _two_passes(kern, d, kmax)
    return mu, disc + roundoff


#: kmax of the cheap passes run before a large strict quadrature (its cost grows as
#: kmax^2: 15 s at kmax = 4000 on two loaded cores, against 0.1 s at 512).
QUADRATURE_STAGES = (64, 512)


def roundoff_refusal(kern: Kernel, d: int, kmax: int, rtol: float):
    """(k, rel_error) of a degree k <= kmax refused for round-off, from a cheap pass.

    The passes at the smaller kmax of :data:`QUADRATURE_STAGES` give each degree's
    error estimate as discretization |mu(n) - mu(3n/2)| plus round-off
    64 eps sum|terms|.  Only the first shrinks with more nodes: sum|terms| is a
    quadrature of c_d |phi P_k| (1-t^2)^((d-3)/2), the same for any node count
    that resolves degree k.  So a degree whose estimate exceeds 2 rtol |mu_k| with
    round-off the larger part sits on the float64 floor, and the full pass (nodes
    for degree kmax) refuses it as well; the factor 2 covers the round-off noise in
    mu_k itself.  Discretization-dominated failures (a node count too small for a
    sharp kernel) never refuse early.  ``expr:exp(t)`` at d = 3, rtol = 1: refused
    from k = 14 on after the kmax = 64 pass, not after the 15 s pass at kmax = 4000.
    """
    if kmax > QUADRATURE_KMAX:
        return None  # refused by quadrature_eigenvalues, before any pass
    for stage in QUADRATURE_STAGES:
        if stage >= kmax:
            return None
        mu, disc, roundoff = _two_passes(kern, d, stage)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (disc + roundoff) / np.abs(mu)
        bad = (roundoff >= disc) & (rel > 2 * rtol)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            return k, float(rel[k])
    return None


def _two_passes(kern: Kernel, d: int, kmax: int):
    """(mu, discretization error, round-off bound) from two node counts."""
    n1 = 2 * kmax + int(12 * np.sqrt(d)) + 96
    n2 = n1 + n1 // 2
    out = []
    cuts = breakpoint_thetas(kern)
    for n in (n1, n2):
        theta, wts = _nodes(n, d, cuts)
        with np.errstate(all="ignore"):
            phi = np.asarray(kern.phi_theta(theta), dtype=np.float64)
        if not np.all(np.isfinite(phi)):
            raise InputError(f"kernel {kern.spec} is not finite on [-1, 1]")
        out.append(_project(phi, theta, wts, d, kmax))
    (mu1, _), (mu2, scale) = out
    with np.errstate(invalid="ignore", over="ignore"):
        disc = np.abs(mu2 - mu1)
        roundoff = 64 * np.finfo(float).eps * scale
        err = disc + roundoff
    if not (np.all(np.isfinite(mu2)) and np.all(np.isfinite(err))):
        kb = int(np.flatnonzero(~(np.isfinite(mu2) & np.isfinite(err)))[0])
        raise AccuracyError(
            f"quadrature of {kern.spec} at d={d} overflows float64 from k={kb} on "
            "(mu_k or its error is not finite)"
        )
    return mu2, disc, roundoff
