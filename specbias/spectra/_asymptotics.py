"""Asymptotic decay laws |mu_k| ~ C(d) k^{-alpha} of kernel eigenvalues on S^{d-1}.

Derived, not tabulated:

* relu-power a (from the closed form, Gamma(x)/Gamma(x+h) ~ x^{-h}):
  |mu_k| ~ Gamma(d/2) Gamma(a+1) 2^{d/2-1} |sin(pi (k-a)/2)| / pi * k^{-(a + d/2)};
  abs-power doubles it on even k (odd k vanish).
* arccos_n = E|w|^{2n} (relu-power n)^2: alpha = d + 2n, C = 2^n Gamma(d/2+n)/Gamma(d/2) C_n^2.
* endpoint singularities (ntk of any depth, ntk-bias, laplace): if
  phi(t) = phi(1) + A_+ (1-t)^{1/2} + ... and phi(t) = phi(-1) + A_- (1+t)^{1/2} + ...,
  then mu_k ~ -sqrt(2) Q_k (A_+ + (-1)^k A_-),
  Q_k = 2^{d-3} Gamma(d/2)^2 k^{-d} / pi, from mu_k((1-t)^{1/2}) in closed form.
  A_+ = sqrt(2) dphi/dtheta(0) and A_- = -sqrt(2) dphi/dtheta(pi), computed exactly
  (sympy) or with mpmath to 30 digits.  alpha = d (Bietti & Bach arXiv 2009.14397).
* gaussian: faster than any power, mu_k ~ e^{-2c} Gamma(d/2) c^k / Gamma(k + d/2).

Each law lives in its family module (:mod:`specbias.spectra.families`); where a family
has none for its parameters but phi is analytic inside (-1, 1) (deep ReLU kernels), the
law comes from the numeric endpoint expansion below.

Reference: Bietti & Mairal arXiv 1905.12173 (ntk k^{-d}, arccos1 k^{-d-2}).
"""

from __future__ import annotations

import mpmath

from .._errors import InputError
from ._kernels import Kernel, kernel
from ._laws import DecayLaw as DecayLaw
from ._laws import endpoint_law
from ._multiplicity import check_dimension


def _theta_singularity(kern: Kernel):
    """(m, A_+, A_-): first odd order 2m+1 of phi(cos theta) in theta at 0 or pi.

    Odd powers theta^{2m+1} are the (1-t)^{m+1/2} singular terms (theta^2 is analytic
    in t); A_+ = 2^g phi^{(2m+1)}(0)/(2m+1)!, A_- = -2^g phi^{(2m+1)}(pi)/(2m+1)!.
    """
    with mpmath.workdps(50):
        f = lambda th: kern.phi_theta(th, mp=True)  # noqa: E731
        scale = abs(f(mpmath.mpf(0))) + abs(f(mpmath.pi)) + 1
        for m in range(4):
            n = 2 * m + 1
            fac = mpmath.factorial(n)
            g = mpmath.mpf(2) ** (m + mpmath.mpf(1) / 2)
            bp = mpmath.diff(f, mpmath.mpf(0), n, direction=1) / fac
            bm = mpmath.diff(f, mpmath.pi, n, direction=-1) / fac
            if abs(bp) > 1e-25 * scale or abs(bm) > 1e-25 * scale:
                return m, float(g * bp), float(-g * bm)
    return None


def decay_law(kern: Kernel | str, d: int) -> DecayLaw:
    """The leading asymptotic law of mu_k for large k, with alpha and C(d).

    Args:
      kern: a kernel name such as ``"ntk"`` or a :class:`~specbias.spectra.Kernel`.
      d: ambient dimension (data on S^{d-1}), d >= 2.

    Returns:
      A :class:`DecayLaw`: ``|mu_k| ~ C(d) k^(-alpha)`` on the degrees of ``parity``.

    Raises:
      InputError: where no law is derived (``expr`` kernels: fit the spectrum).

    Example:
    >>> law = decay_law("ntk", 5)
    >>> law.alpha, law.parity
    (5.0, 'even')
    >>> decay_law("relu", 5).alpha  # (d + 2)/2
    3.5

    References: Bietti & Mairal arXiv 1905.12173; Bietti & Bach arXiv 2009.14397.
    """
    kern = kernel(kern)
    d = check_dimension(d)
    fam = kern.record
    spec = kern.spec
    law = fam.decay(kern.args, spec, d)
    if law is not None:
        return law
    if fam.analytic_interior:  # numeric endpoint expansion
        found = _theta_singularity(kern)
        if found is not None:
            m, ap, am = found
            return endpoint_law(spec, d, ap, am, exact=False, m=m)
    raise InputError(
        f"no asymptotic law is derived for {spec}; fit the computed spectrum instead "
        "(e.g. a least-squares fit of log|mu_k| against log k)"
    )
