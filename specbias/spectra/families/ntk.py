"""ntk: the two-layer ReLU neural tangent kernel (both layers trained), and ``ntk:depth=L``.

.. math::

    \\Theta(t) = \\frac{J_1(\\theta) + t\\,J_0(\\theta)}{2\\pi} = \\kappa_1(t) + t\\,\\kappa_0(t),
    \\qquad \\mu_k = A^1_k + \\frac{k A^0_{k-1} + (k+d-2) A^0_{k+1}}{2k+d-2},
    \\quad \\mu_0 = A^1_0 + A^0_1,

A^n_k = mu_k(arccos n) (:mod:`.arccos`), from t P_k = (k P_{k-1} + (k+d-2) P_{k+1})/(2k+d-2).
Decay: phi = phi(+-1) - (1-+t)^{1/2}/(sqrt 2 pi) + ... at both ends gives
|mu_k| ~ 2^{d-2} Gamma(d/2)^2/pi^2 k^{-d} on even k (Bietti & Mairal arXiv 1905.12173,
Bietti & Bach arXiv 2009.14397).  Depth L >= 2 (Jacot et al. arXiv 1806.07572): the
recursion of :func:`~.arccos.deep_relu_kernels`, quadrature spectrum, numeric endpoint law.
Convention :mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import exact_eigenvalue
>>> exact_eigenvalue("ntk", 3, 0), exact_eigenvalue("ntk", 3, 1)
(1/4, 1/6)
"""

from __future__ import annotations

import sympy as sp

from .. import _closed_forms as cf
from .._exact_arith import _arccos_exact
from .._expr import T
from .._laws import endpoint_law
from ._base import DEPTH, SP, Family, Numeric, closed_form_rel
from ._phi_t import deep_relu
from .arccos import _arccos_sym, deep_relu_kernels


def _ntk_exact(d: int, k: int) -> sp.Expr:
    a1 = _arccos_exact(1, d, k).to_sympy()
    if k == 0:
        return a1 + _arccos_exact(0, d, 1).to_sympy()
    lo = _arccos_exact(0, d, k - 1).to_sympy()
    hi = _arccos_exact(0, d, k + 1).to_sympy()
    return a1 + (k * lo + (k + d - 2) * hi) / sp.Integer(2 * k + d - 2)


def _ntk_sym(d, k) -> sp.Expr:
    rest = (k * _arccos_sym(0, d, k - 1) + (k + d - 2) * _arccos_sym(0, d, k + 1)) / (2 * k + d - 2)
    return _arccos_sym(1, d, k) + sp.Piecewise((_arccos_sym(0, d, 1), sp.Eq(k, 0)), (rest, True))


def _ntk_log(d, k):
    sign, log_abs = cf.ntk_log(d, k)
    return sign, log_abs, closed_form_rel(sign, log_abs)


def _decay(spec: str, d: int):
    a = -1 / (sp.sqrt(2) * sp.pi)
    return endpoint_law(spec, d, a, a, exact=True)


def _shallow(p) -> bool:
    return p["depth"] == 1


NTK = Family(
    name="ntk",
    params=(DEPTH,),
    phi=lambda m, theta, p: deep_relu_kernels(m, theta, p["depth"])[1],
    sympy_phi=lambda p: deep_relu_kernels(SP, sp.acos(T), p["depth"])[1],
    phi_t=lambda p: lambda t: deep_relu(t, p["depth"])[1],
    numeric=lambda p: Numeric("closed-form", _ntk_log) if _shallow(p) else None,
    symbolic=lambda p, d, k, form: _ntk_sym(d, k) if _shallow(p) else None,
    exact=lambda p, d, k: _ntk_exact(d, k) if _shallow(p) else None,
    decay=lambda p, spec, d: _decay(spec, d) if _shallow(p) else None,
    analytic_interior=True,
    examples=("ntk", "ntk:depth=2"),
)
