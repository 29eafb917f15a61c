"""tanh, erf, gelu, sigmoid, softplus: a smooth activation itself as a dot-product function.

.. math:: \\varphi(t) = \\sigma(t),\\qquad t = \\theta\\cdot x \\in [-1, 1],

the feature-regime atoms sigma(theta . x) of a network with unit first-layer weights
(as ``relu`` is max(0, t)), for ``specbias predict --activation tanh``.  sigma is
analytic on a neighbourhood of [-1, 1] (tanh and sigmoid have their nearest poles at
|t| = pi/2 and pi, softplus its branch point at |t| = pi, erf and gelu are entire), so
mu_k decays faster than any power of k (geometrically): beta = min(2 nu_t, 2 alpha)/(d-1)
is then set by the target alone.  The spectrum is the float64 quadrature (no closed
form), the exact value the unevaluated Funk-Hecke integral.  Their dual kernels are
``nngp:act=NAME`` and ``ntk:act=NAME`` (:mod:`.dual`).  Convention
:mod:`specbias.spectra._conventions`; Bach arXiv 1412.8690 (smooth activations),
Petrini et al. arXiv 2206.12314 (feature-regime atoms).

>>> from specbias.spectra import decay_law
>>> decay_law("tanh", 3).alpha
inf
"""

from __future__ import annotations

from dataclasses import replace

import mpmath
import numpy as np
import sympy as sp

from .._expr import T
from .._laws import fast_law
from . import _hermite as H
from ._base import Family

_SMOOTH = ("tanh", "erf", "gelu", "sigmoid", "softplus")


def _law(spec: str, d: int, note: str, parity: str):
    """Faster than any power, on the degrees the parity leaves (odd sigma: odd k)."""
    return replace(
        fast_law(spec, d, note), parity={"even": "even", "odd": "odd"}.get(parity, "all")
    )


def _activation(name: str) -> Family:
    expr = H.NAMED[name].subs(H.U, T)
    fn_np = sp.lambdify(T, expr, ["scipy", "numpy"])
    fn_mp = sp.lambdify(T, expr, "mpmath")

    def phi(m, theta, p):
        t = m.cos(theta)
        if m.MP:
            return mpmath.mpf(fn_mp(t))
        return np.asarray(fn_np(t), dtype=np.float64)

    parity = H.sigma_parity(name)
    note = f"{name} is analytic on a neighbourhood of [-1, 1]: geometric decay"
    return Family(
        name=name,
        params=(),
        phi=phi,
        sympy_phi=lambda p: expr,
        decay=lambda p, spec, d: _law(spec, d, note, parity),
        parity=lambda p: parity,
        examples=(name,),
    )


#: One family per smooth named activation.
ACTIVATIONS: tuple[Family, ...] = tuple(_activation(n) for n in _SMOOTH)
