"""float64 Gauss-Legendre quadrature in theta for kernels without a closed form.

.. math::

    \\mu_k \\approx c_d \\sum_j w_j\\, \\varphi(\\cos\\theta_j)\\,
             P_k^{(d)}(\\cos\\theta_j)\\,\\sin^{d-2}\\theta_j

In theta the integrands of all built-in kernels are analytic on [0, pi] (the
sqrt(1-t) singularities of the ReLU kernels become smooth in theta), so
Gauss-Legendre converges exponentially once the nodes resolve the oscillations
of P_k.  Two node counts give a discretization error estimate; a round-off
bound ``eps * sum |terms|`` says where float64 can no longer resolve mu_k (the
tiny high-k eigenvalues of smooth kernels).  Entries whose estimated relative
error exceeds the tolerance are refused upstream, never returned silently.
"""

from __future__ import annotations

import numpy as np
from scipy.special import roots_legendre

from .._errors import AccuracyError, InputError
from ._conventions import c_d_float
from ._kernels import Kernel

QUADRATURE_KMAX = 4000


def _nodes(n: int, d: int):
    x, w = roots_legendre(n)
    theta = (x + 1.0) * (np.pi / 2.0)
    with np.errstate(divide="ignore"):
        logw = np.log(w * (np.pi / 2.0)) + (d - 2) * np.log(np.sin(theta)) + np.log(c_d_float(d))
    return theta, np.exp(logw)


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
    n1 = 2 * kmax + int(12 * np.sqrt(d)) + 96
    n2 = n1 + n1 // 2
    out = []
    for n in (n1, n2):
        theta, wts = _nodes(n, d)
        with np.errstate(all="ignore"):
            phi = np.asarray(kern.phi_theta(theta), dtype=np.float64)
        if not np.all(np.isfinite(phi)):
            raise InputError(f"kernel {kern.spec} is not finite on [-1, 1]")
        out.append(_project(phi, theta, wts, d, kmax))
    (mu1, _), (mu2, scale) = out
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(mu2 - mu1) + 64 * np.finfo(float).eps * scale
    if not (np.all(np.isfinite(mu2)) and np.all(np.isfinite(err))):
        kb = int(np.flatnonzero(~(np.isfinite(mu2) & np.isfinite(err)))[0])
        raise AccuracyError(
            f"quadrature of {kern.spec} at d={d} overflows float64 from k={kb} on "
            "(mu_k or its error is not finite)"
        )
    return mu2, err
