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
carries the coefficient-error and truncation bounds.  Deep versions
``nngp:act=A,depth=L,sw=W,sb=B`` (weight and bias standard deviations, neural-tangents'
``W_std``, ``b_std``) iterate the dual map (:mod:`._deep`, with the error bound carried
through the layers); ReLU with sw = 1, sb = 0 is ``arccos1:depth=L`` / ``ntk:depth=L``.
``act``: tanh, erf, gelu, sigmoid,
softplus, relu, or an expression in u in the safe language of :mod:`.._expr` (data,
never code), e.g. ``nngp:act=u*tanh(u)``.  The named smooth activations have C-infinity
kernels on [-1, 1] at every depth: mu_k decays faster than any power of k.

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
from . import _deep
from . import _hermite as H
from ._base import DEPTH, NP, Family, Numeric, Param
from .arccos import ARCCOS1
from .ntk import NTK


def _no_check(name: str, value) -> None:
    return None


def _act_param(default: str | None) -> Param:
    return Param("act", str, default, _no_check, parse=H.parse_activation)


def _check_sw(name: str, sw: float) -> None:
    if not 0 < sw <= 10:
        raise InputError(f"kernel {name!r}: need 0 < sw <= 10 (weight std), got sw={sw:g}")


def _check_sb(name: str, sb: float) -> None:
    if not 0 <= sb <= 10:
        raise InputError(f"kernel {name!r}: need 0 <= sb <= 10 (bias std), got sb={sb:g}")


#: Weight and bias standard deviations of every layer (neural-tangents' W_std, b_std).
SW = Param("sw", float, 1.0, _check_sw)
SB = Param("sb", float, 0.0, _check_sb)


def _mode(p) -> str:
    """``relu`` (the closed forms of the base family), ``shallow`` (one layer, the
    Hermite series of :mod:`._hermite`) or ``deep`` (:mod:`._deep`)."""
    plain = p.get("sw", 1.0) == 1 and p.get("sb", 0.0) == 0
    if p["act"] == "relu" and plain:
        return "relu"
    return "shallow" if plain and p.get("depth", 1) == 1 else "deep"


def _own(p) -> bool:
    return _mode(p) != "relu"


def _deep_args(p) -> tuple:
    return p["act"], int(p.get("depth", 1)), float(p.get("sw", 1.0)), float(p.get("sb", 0.0))


def _dual(base: Family, kind: str, params: tuple, examples: tuple) -> Family:
    """``base`` (the ReLU closed forms) extended by an ``act`` parameter."""

    def relu(p) -> dict:
        return {"depth": 1, **{k: v for k, v in p.items() if k not in ("act", "sw", "sb")}}

    def pick(own, field: str):
        def run(p, *args):
            if _own(p):
                return own(p, *args)
            return getattr(base, field)(relu(p), *args)

        return run

    def numeric(p, *_):
        if _mode(p) == "deep":
            act, depth, sw, sb = _deep_args(p)
            if act == "relu":  # slow Hermite decay: the quadrature fallback
                return None
            return Numeric(
                "series",
                lambda d, k: _deep.log_eigenvalues(act, kind, depth, sw, sb, d, k),
                terms=lambda: _deep.LADDER[-1],
            )
        return Numeric(
            "series",
            lambda d, k: H.log_eigenvalues(p["act"], kind, d, k),
            terms=lambda: H.LADDER[-1],
        )

    def parity(p) -> str:
        par = _deep.deep_parity(p["act"], float(p.get("sb", 0.0)))
        return {"odd": "odd", "even": "even"}.get(par, "none")

    def decay(p, spec, d):
        if p["act"] not in H.NAMED or p["act"] == "relu":  # smoothness unknown / a kink
            return None
        law = fast_law(spec, d, f"{kind} of a smooth activation: a C-infinity kernel on [-1, 1]")
        return replace(law, parity={"none": "all"}.get(parity(p), parity(p)))

    def phi_t(p):
        if _mode(p) == "deep":
            return lambda t: _deep.phi(NP, t, _deep_args(p), kind)
        if _own(p):
            return lambda t: H.horner(H.float_coefficients(p["act"], kind), t)
        return base.phi_t(relu(p))

    def phi(m, theta, p):
        if _mode(p) == "deep":
            return _deep.phi(m, m.cos(theta), _deep_args(p), kind)
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
        parity=pick(parity, "parity"),
        analytic_interior=True,
        examples=examples,
    )


NNGP = _dual(ARCCOS1, "nngp", (_act_param(None), DEPTH, SW, SB), ("nngp:act=tanh", "nngp:act=erf"))
#: ``ntk`` with an ``act`` parameter (default relu: exactly the old ``ntk``).
NTK_ACT = _dual(NTK, "ntk", (DEPTH, _act_param("relu"), SW, SB), (*NTK.examples, "ntk:act=tanh"))
