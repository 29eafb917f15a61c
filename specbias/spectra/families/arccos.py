"""arccos kernels of order n = 0, 1, 2, and the deep ReLU NNGP ``arccos1:depth=L``.

.. math::

    \\kappa_n(t) = \\mathbb E_w[\\sigma_n(w\\cdot x)\\sigma_n(w\\cdot y)]
    = \\frac{J_n(\\theta)}{2\\pi},\\qquad \\sigma_n(u) = \\max(0,u)^n,
    \\qquad \\mu_k = 2^n\\frac{\\Gamma(d/2+n)}{\\Gamma(d/2)}\\,R_n(k)^2,

theta = arccos t, w ~ N(0, I_d), J_0 = pi - theta, J_1 = sin theta + (pi - theta)
cos theta, J_2 = 3 sin theta cos theta + (pi - theta)(1 + 2 cos^2 theta) (Cho & Saul
2009), R_n(k) = mu_k(max(0, t)^n) (:mod:`.relu_power`).  Decay: alpha = d + 2n,
C = 2^n Gamma(d/2+n)/Gamma(d/2) C_n^2 (Bietti & Mairal arXiv 1905.12173).  Depth L >= 2
(:func:`deep_relu_kernels`, Jacot et al. arXiv 1806.07572) has no closed form: its
spectrum is a quadrature, its decay law the numeric endpoint expansion.  Convention
:mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import exact_eigenvalue
>>> exact_eigenvalue("arccos1", 3, 0)  # mu_0 on S^2
3/16
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import _closed_forms as cf
from .._exact_arith import _arccos_exact
from .._expr import T
from .._laws import D, power_law, relu_power_const
from .._symbolic import _HALF, _relu_power_formula, _vanishes
from . import _phi_t as F
from ._base import DEPTH, SP, Family, Numeric, closed_form_rel, j0, j1, j2

_J = {0: j0, 1: j1, 2: j2}


def deep_relu_kernels(m, theta, depth: int):
    """(NNGP, NTK) of a depth-L ReLU net at angle theta (no bias).

    Recursion (Jacot et al. arXiv 1806.07572, Arora et al. arXiv 1904.11955) for the
    net x -> H^{-1/2} a . relu(W_L ... relu(W_1 x)) with N(0,1) weights and every
    pre-activation divided by sqrt(fan-in), no He factor sqrt(2):
    rho_0 = t, rho_h = kappa1(rho_{h-1}),  Sigma_h = 2^{-h} rho_h,
    Sigmadot_h = (pi - arccos rho_{h-1})/(2 pi),  Theta_0 = t,
    Theta_h = Theta_{h-1} Sigmadot_h + Sigma_h.
    Depth 1 gives ``arccos1`` and ``ntk``; on the diagonal Sigma_L(1) = 2^{-L} and
    Theta_L(1) = (L + 1) 2^{-L}.
    """
    th = theta
    rho = m.cos(th)
    ntk = rho
    sigma = rho
    for h in range(1, depth + 1):
        sdot = j0(m, th) / (2 * m.pi)
        sigma = j1(m, th) / (2 * m.pi * 2 ** (h - 1))
        ntk = ntk * sdot + sigma
        rho = j1(m, th) / m.pi
        th = m.acos(rho)
    return sigma, ntk


def _arccos_sym(n: int, d, k) -> sp.Expr:
    n = sp.Integer(n)
    moment = 2**n * sp.gamma(d * _HALF + n) / sp.gamma(d * _HALF)
    return sp.Piecewise((0, _vanishes(n, k)), (moment * _relu_power_formula(n, d, k) ** 2, True))


def _arccos_log(n: int, d, k):
    sign, log_abs = cf.arccos_log(n, d, k)
    return sign, log_abs, closed_form_rel(sign, log_abs)


def _arccos_law(n: int, spec: str, d: int):
    c = 2**n * sp.gamma(D / 2 + n) / sp.gamma(D / 2) * relu_power_const(n) ** 2
    parity = "even" if n % 2 == 1 else "odd"
    return power_law(spec, d, D + 2 * n, c, parity, "positive", alpha=float(d + 2 * n))


def _sympy_phi(n: int, p) -> sp.Expr:
    th = sp.acos(T)
    if n == 1:
        return deep_relu_kernels(SP, th, p["depth"])[0]
    if n == 0:
        return (sp.pi - th) / (2 * sp.pi)
    return (3 * sp.sqrt(1 - T**2) * T + (sp.pi - th) * (1 + 2 * T**2)) / (2 * sp.pi)


def _arccos(n: int) -> Family:
    """The family of order n (closed forms at depth 1)."""

    def shallow(p) -> bool:
        return p.get("depth", 1) == 1

    def phi(m, theta, p):
        if n == 1:
            return deep_relu_kernels(m, theta, p["depth"])[0]
        return _J[n](m, theta) / (2 * m.pi)

    def phi_t(p):
        if n == 1:
            return lambda t: F.deep_relu(t, p["depth"])[0]
        return lambda t: {0: F.j0, 2: F.j2}[n](t) / (2 * np.pi)

    def numeric(p):
        return Numeric("closed-form", lambda d, k: _arccos_log(n, d, k)) if shallow(p) else None

    return Family(
        name=f"arccos{n}",
        params=(DEPTH,) if n == 1 else (),
        phi=phi,
        sympy_phi=lambda p: _sympy_phi(n, p),
        phi_t=phi_t,
        numeric=numeric,
        symbolic=lambda p, d, k, form: _arccos_sym(n, d, k) if shallow(p) else None,
        exact=lambda p, d, k: _arccos_exact(n, d, k).to_sympy() if shallow(p) else None,
        decay=lambda p, spec, d: _arccos_law(n, spec, d) if shallow(p) else None,
        analytic_interior=True,
        examples=(f"arccos{n}", "arccos1:depth=2") if n == 1 else (f"arccos{n}",),
    )


ARCCOS0 = _arccos(0)
ARCCOS1 = _arccos(1)
ARCCOS2 = _arccos(2)
