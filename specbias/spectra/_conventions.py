"""The one normalization convention used for every eigenvalue in specbias.

.. math::

    \\varphi(x\\cdot y) = \\sum_{k\\ge 0} \\mu_k\\, N(d,k)\\, P_k^{(d)}(x\\cdot y),
    \\qquad
    \\mu_k = c_d \\int_{-1}^{1} \\varphi(t) P_k^{(d)}(t) (1-t^2)^{(d-3)/2}\\,dt,
    \\qquad c_d = \\frac{\\Gamma(d/2)}{\\sqrt{\\pi}\\,\\Gamma((d-1)/2)},

with data uniform on :math:`S^{d-1}` under the *probability* measure,
:math:`P_k^{(d)}(1) = 1` (Chebyshev :math:`T_k` for d = 2, normalized Gegenbauer
:math:`C_k^{((d-2)/2)}/C_k^{((d-2)/2)}(1)` otherwise), and multiplicities
:math:`N(d,k)` *not* included in :math:`\\mu_k`.  Then :math:`\\mu_k` is the
eigenvalue of the integral operator on each degree-k harmonic and
:math:`\\sum_k N(d,k)\\mu_k = \\varphi(1)`.
"""

from __future__ import annotations

CONVENTION = (
    "mu_k = c_d * int_{-1}^{1} phi(t) P_k(t) (1-t^2)^((d-3)/2) dt: eigenvalue of "
    "phi(x.y) on degree-k spherical harmonics of S^{d-1} under the uniform probability "
    "measure; P_k(1) = 1 (Chebyshev T_k for d=2, normalized Gegenbauer otherwise); "
    "multiplicity N(d,k) NOT included; sum_k N(d,k) mu_k = phi(1)"
)

CONVENTION_SHORT = "uniform probability measure on S^{d-1}, P_k(1)=1, multiplicity not included"


def c_d_float(d: int) -> float:
    """The constant :math:`c_d = \\Gamma(d/2)/(\\sqrt\\pi\\,\\Gamma((d-1)/2))` in float64.

    >>> round(c_d_float(3), 12)  # c_3 = 1/2
    0.5
    """
    from math import exp, lgamma, pi, sqrt

    return exp(lgamma(d / 2) - lgamma((d - 1) / 2)) / sqrt(pi)
