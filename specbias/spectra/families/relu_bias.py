"""relu-bias:b=B[,a=A]: a ReLU (power) with bias, max(0, t + b)^a, kink at t0 = -b.

.. math:: \\varphi(t) = \\max(0, t + b)^a, \\qquad -1 < b < 1,\\ a > -1,

the atom sigma(w . x + b) of a unit-weight neuron with bias b (threshold -b; a = 1
ReLU, a = 0 a step at t0 = -b).  phi is analytic on both sides of t0 = -b in (-1, 1)
and has the singular term (t - t0)_+^a there, so (:mod:`.._interior`)

.. math:: \\mu_k \\simeq N^{-(a+d/2)}\\,\\mathrm{Re}\\big[Z e^{i(N\\theta_0-\\lambda\\pi/2)}\\big],
   \\quad |Z| = c_d K_\\lambda \\Gamma(a+1) (1-b^2)^{(a+\\lambda)/2},
   \\quad N = k + \\lambda,\\ \\lambda = (d-2)/2,\\ \\theta_0 = \\arccos(-b):

alpha = a + d/2 as for relu-power (b = 0), with an oscillating factor
|cos(N theta0 - lambda pi/2 - pi (a+1)/2)| instead of the parity zeros.  No closed
form is used: the float64 spectrum is the Gauss-Legendre quadrature in theta split
at theta0 (:mod:`.._quadrature`), exact values the mpmath quadrature split there too.
Convention :mod:`specbias.spectra._conventions`; Bach arXiv 1412.8690 (ReLU with
bias on the sphere), Bietti & Mairal arXiv 1905.12173 (b = 0).

>>> from specbias.spectra import decay_law
>>> law = decay_law("relu-bias:b=0.3", 5)
>>> law.alpha, law.parity, law.sign
(3.5, 'all', 'oscillating')
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ..._errors import InputError
from .._expr import T
from .._interior import SingularPoint, interior_law
from ._base import Family, Param, _check_a, rational


def _check_b(name: str, b: float) -> None:
    if not -1 < b < 1:
        raise InputError(
            f"kernel {name!r}: need -1 < b < 1 (for |b| >= 1 phi is 0 or analytic on "
            f"[-1, 1], no kink), got b={b:g}"
        )


#: The bias b (kink at t0 = -b) and the exponent a (default 1: a ReLU).
B = Param("b", float, None, _check_b)
A1 = Param("a", float, 1.0, _check_a)


def _phi(m, theta, p):
    a, b = p["a"], p["b"]
    u = m.cos(theta) + b
    if m.MP:
        if u > 0:
            return u**a
        return mpmath.mpf(0.5) if (u == 0 and a == 0) else mpmath.mpf(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(u > 0, np.abs(u) ** a, 0.0)


def _decay(p, spec, d):
    return interior_law(spec, d, [SingularPoint(-p["b"], p["a"], 1.0, 0.0)])


RELU_BIAS = Family(
    name="relu-bias",
    params=(A1, B),
    phi=_phi,
    sympy_phi=lambda p: sp.Piecewise(
        ((T + rational(p["b"])) ** rational(p["a"]), T > -rational(p["b"])), (0, True)
    ),
    decay=_decay,
    breakpoints=lambda p: (-p["b"],),
    examples=("relu-bias:b=0.3", "relu-bias:b=-0.5", "relu-bias:a=2,b=0.2"),
)
