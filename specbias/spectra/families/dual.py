"""nngp:act=NAME and ntk:act=NAME: the dual kernels of any activation (one hidden layer).

.. math::

    k(t) = \\mathbb E[\\sigma(u)\\sigma(v)] = \\sum_j a_j^2 t^j,\\qquad
    \\Theta(t) = k(t) + t\\,\\mathbb E[\\sigma'(u)\\sigma'(v)] = \\sum_j (1+j)\\,a_j^2\\,t^j,
    \\qquad \\mu_k = \\sum_{j \\ge k,\\ j \\equiv k\\ (2)} b_j\\,
    \\frac{\\Gamma(d/2)\\, j!}{2^j\\,\\Gamma(1+\\frac{j-k}{2})\\,\\Gamma(\\frac{d+j+k}{2})},

Convention: w ~ N(0, I_d), so for unit x, y the pre-activations u = w.x, v = w.y are
standard normal with correlation t = x.y (no 1/d, no He factor); Theta is today's ``ntk``
normalization (both layers trained, output weights N(0, 1)): ``ntk:act=relu`` *is* ``ntk``
and ``nngp:act=relu`` *is* ``arccos1`` (their closed forms are used).  a_j are the
Hermite coefficients of sigma (:mod:`._hermite`: certified tail from E[sigma^2] and
E[sigma'^2]); every term of mu_k is >= 0, so there is no cancellation, and each mu_k
carries the coefficient-error and truncation bounds.  ``act``: tanh, erf, gelu, sigmoid,
softplus, relu, or an expression in u in the safe language of :mod:`.._expr` (data,
never code), e.g. ``nngp:act=u*tanh(u)``.  The named smooth activations have C-infinity
kernels on [-1, 1]: mu_k decays faster than any power of k.  Deep versions are not done
(``ntk:depth=L`` stays the ReLU recursion of :mod:`.ntk`).

References: Williams (1997) "Computing with infinite networks" (erf: (2/pi)
asin(2t/3)); Cho & Saul (2009); Daniely, Frostig & Singer arXiv 1602.05897; Jacot,
Gabriel & Hongler arXiv 1806.07572; Novak et al. arXiv 1912.02803 (neural-tangents).
Convention :mod:`specbias.spectra._conventions`.

>>> from specbias.spectra import eigenvalues
>>> s = eigenvalues("nngp:act=erf", 10, 3)
>>> s.method, float(s.values[2])  # erf is odd: mu_k = 0 on even k
('series', 0.0)
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..._errors import InputError
from .._expr import T
from .._laws import fast_law
from . import _hermite as H
from ._base import DEPTH, Family, Numeric, Param
from .arccos import ARCCOS1
from .ntk import NTK


def _no_check(name: str, value) -> None:
    return None


def _act_param(default: str | None) -> Param:
    return Param("act", str, default, _no_check, parse=H.parse_activation)


def _own(p) -> bool:
    """True where the Hermite route applies (not ReLU, whose closed forms are used)."""
    if p["act"] == "relu":
        return False
    if p.get("depth", 1) != 1:
        raise InputError(f"act={p['act']}: only depth=1 is done (deep versions: not yet)")
    return True


def _dual(base: Family, kind: str, params: tuple, examples: tuple) -> Family:
    """``base`` (the ReLU closed forms) extended by an ``act`` parameter."""

    def relu(p) -> dict:
        return {"depth": 1, **{k: v for k, v in p.items() if k != "act"}}

    def pick(own, field: str):
        def run(p, *args):
            if _own(p):
                return own(p, *args)
            return getattr(base, field)(relu(p), *args)

        return run

    def numeric(p, *_):
        return Numeric(
            "series",
            lambda d, k: H.log_eigenvalues(p["act"], kind, d, k),
            terms=lambda: H.LADDER[-1],
        )

    def decay(p, spec, d):
        if p["act"] not in H.NAMED:  # an expression: smoothness unknown, no law derived
            return None
        law = fast_law(spec, d, f"{kind} of a smooth activation: a C-infinity kernel on [-1, 1]")
        return replace(
            law, parity={"odd": "odd", "even": "even"}.get(H.sigma_parity(p["act"]), "all")
        )

    def phi_t(p):
        if _own(p):
            return lambda t: H.horner(H.float_coefficients(p["act"], kind), t)
        return base.phi_t(relu(p))

    def phi(m, theta, p):
        if _own(p):
            return H.phi(m, theta, p["act"], kind)
        return base.phi(m, theta, relu(p))

    return Family(
        name=kind,
        params=params,
        phi=phi,
        phi_t=phi_t,
        sympy_phi=pick(lambda p: sp.Function(kind.upper())(T), "sympy_phi"),
        numeric=pick(numeric, "numeric"),
        symbolic=pick(lambda *_: None, "symbolic"),
        exact=pick(lambda *_: None, "exact"),
        exact_mp=pick(lambda *_: None, "exact_mp"),
        decay=pick(decay, "decay"),
        parity=pick(
            lambda p: {"odd": "odd", "even": "even"}.get(H.sigma_parity(p["act"]), "none"), "parity"
        ),
        analytic_interior=True,
        examples=examples,
    )


NNGP = _dual(ARCCOS1, "nngp", (_act_param(None),), ("nngp:act=tanh", "nngp:act=erf"))
#: ``ntk`` with an ``act`` parameter (default relu: exactly the old ``ntk``).
NTK_ACT = _dual(NTK, "ntk", (DEPTH, _act_param("relu")), (*NTK.examples, "ntk:act=tanh"))
