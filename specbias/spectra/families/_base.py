"""The record every kernel family exports, its parameter schema, and phi's namespaces.

A family is one frozen :class:`Family`: what it knows about phi(t) on S^{d-1}, each
capability a function of the parameter dict ``p`` that returns ``None`` where the
family has no such formula (the dispatchers in :mod:`specbias.spectra` then fall back
to quadrature, the unevaluated Funk-Hecke integral, or the numeric endpoint expansion).
Convention: :mod:`specbias.spectra._conventions` (probability measure on S^{d-1},
P_k(1) = 1, multiplicity N(d,k) not included).

>>> from specbias.spectra.families import family
>>> f = family("relu")
>>> f.base, dict(f.fixed)
('relu-power', {'a': 1.0})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..._errors import InputError

#: Largest exponent a (relu-power, abs-power, abs-power-rf): Gamma(a + 1) and the exact
#: sympy constants stay cheap; larger a is a polynomial-like spike at t = +-1 anyway.
A_MAX = 1000.0
#: Largest scale c (laplace, gaussian): exp(-c |x-y|) is then zero to float64 off x = y.
C_MAX = 1e6
#: Smallest scale c: below it phi is 1 to float64 precision and its decay constant
#: underflows.
C_MIN = 1e-6
#: Largest depth of the deep ReLU kernels.
DEPTH_MAX = 50


def _check_a(name: str, a: float) -> None:
    if not -1 < a <= A_MAX:
        raise InputError(
            f"kernel {name!r}: need -1 < a <= {A_MAX:g} (a > -1 for an integrable |t|^a), "
            f"got a={a:g}"
        )


def _check_c(name: str, c: float) -> None:
    if not C_MIN <= c <= C_MAX:
        raise InputError(f"kernel {name!r}: need {C_MIN:g} <= c <= {C_MAX:g}, got c={c:g}")


def _check_depth(name: str, depth: int) -> None:
    if not 1 <= depth <= DEPTH_MAX:
        raise InputError(f"kernel {name!r}: depth must be between 1 and 50, got {depth}")


@dataclass(frozen=True)
class Param:
    """One ``key=value`` of a kernel spec: type, default (None: required), range check.

    ``parse`` (optional) turns a non-numeric value's text into its canonical value (e.g.
    an activation name or expression); numbers are parsed by the spec parser.
    """

    key: str
    kind: type
    default: float | int | str | None
    check: Callable[[str, Any], None]
    parse: Callable[[str], Any] | None = None


#: The parameters in use: exponent a, scale c, depth L.
A = Param("a", float, None, _check_a)
C = Param("c", float, 1.0, _check_c)
DEPTH = Param("depth", int, 1, _check_depth)


@dataclass(frozen=True)
class Numeric:
    """A float64 log-space route: ``log_eigenvalues(d, k) -> (sign, log|mu_k|, rel_err)``.

    ``method`` names it (``closed-form``, ``series``, ``bessel``); ``terms()`` gives the
    number of series terms per degree (checked against the time budget; it may refuse
    a useless series), None for the closed forms.
    """

    method: str
    log_eigenvalues: Callable[[int, np.ndarray], tuple]
    terms: Callable[[], int] | None = None


def _none(*_args) -> None:
    return None


@dataclass(frozen=True)
class Family:
    """Everything specbias knows about one kernel family; ``p`` is the parameter dict.

    Fields (each a function of ``p``; ``None`` means "no formula: fall back"):

    * ``phi(m, theta, p)``: phi(cos theta) in the namespace ``m`` (:data:`NP` float64,
      :data:`MP` mpmath; ``m.MP`` tells which);
    * ``sympy_phi(p)``: phi as a sympy expression in the real symbol t;
    * ``numeric(p)``: a :class:`Numeric` float64 log-space route with per-k errors;
    * ``symbolic(p, d, k, form)``: mu_k in closed form or as an exact series, d and k
      sympy symbols or ints;
    * ``exact(p, d, k)``: a faster exact value at integer d, k (else ``symbolic``);
    * ``exact_mp(p, d, k, dps)``: a certified mpmath value (else the exact value, or
      the mpmath reference quadrature where there is none);
    * ``decay(p, spec, d)``: the :class:`~specbias.spectra.DecayLaw`;
    * ``parity(p)``: ``"even"`` (phi(-t) = phi(t): mu_k = 0 on odd k), ``"odd"``, or
      ``"none"``;
    * ``analytic_interior``: phi is analytic on (-1, 1), so its endpoint expansion gives
      the decay law (the numeric fallback of ``decay``);
    * ``breakpoints(p)``: the points t0 in (-1, 1) where phi is not analytic (a kink
      of a ReLU with bias): the quadratures split there;
    * ``fixed``: parameters set by the name (``relu`` is relu-power with a = 1);
    * ``print_cost``: seconds per k^2 to print an exact value (a series summed when
      printed);
    * ``free_text``: the spec's text after ``NAME:`` is one expression (``expr:``), not
      ``key=value`` pairs;
    * ``examples``: representative specs, checked by the registry tests.
    """

    name: str
    params: tuple[Param, ...]
    phi: Callable
    sympy_phi: Callable[[dict], sp.Expr]
    numeric: Callable[[dict], Numeric | None] = _none
    symbolic: Callable = _none
    exact: Callable = _none
    exact_mp: Callable = _none
    decay: Callable = _none
    parity: Callable[[dict], str] = lambda p: "none"
    analytic_interior: bool = False
    breakpoints: Callable[[dict], tuple[float, ...]] = lambda p: ()
    fixed: tuple = ()
    base: str = ""
    print_cost: float = 0.0
    free_text: bool = False
    examples: tuple[str, ...] = ()

    def alias(self, name: str, **fixed) -> Family:
        """The same family under another name, with some parameters fixed."""
        keep = tuple(p for p in self.params if p.key not in fixed)
        return replace(
            self,
            name=name,
            params=keep,
            fixed=tuple(sorted(fixed.items())),
            base=self.name,
            examples=(name,),
        )


def closed_form_rel(sign: np.ndarray, log_abs: np.ndarray) -> np.ndarray:
    """Relative error of a Gamma closed form in log space: 2e-15 + 4 eps |log mu_k|."""
    return np.where(sign == 0, 0.0, 2e-15 + 4 * np.finfo(float).eps * np.abs(log_abs))


# ---------------------------------------------------------------------------------
# phi(cos theta): numpy and mpmath (and sympy) share one code path through a namespace.
def _namespace(mp: bool, lib, acos) -> SimpleNamespace:
    return SimpleNamespace(
        MP=mp, pi=lib.pi, sin=lib.sin, cos=lib.cos, acos=acos, sqrt=lib.sqrt, exp=lib.exp
    )


#: float64 (numpy), mpmath and sympy namespaces of phi(cos theta); acos clipped to [-1, 1].
NP = _namespace(False, np, lambda x: np.arccos(np.clip(x, -1.0, 1.0)))
MP = _namespace(True, mpmath, lambda x: mpmath.acos(max(min(x, 1), -1)))
SP = _namespace(False, sp, sp.acos)


def j0(m, th):
    """J_0(theta) = pi - theta (Cho & Saul 2009)."""
    return m.pi - th


def j1(m, th):
    """J_1(theta) = sin theta + (pi - theta) cos theta."""
    return m.sin(th) + (m.pi - th) * m.cos(th)


def j2(m, th):
    """J_2(theta) = 3 sin theta cos theta + (pi - theta)(1 + 2 cos^2 theta)."""
    c = m.cos(th)
    return 3 * m.sin(th) * c + (m.pi - th) * (1 + 2 * c * c)


def rational(x) -> sp.Rational:
    """A kernel parameter (float) as the decimal rational it prints as (0.1 -> 1/10)."""
    return sp.nsimplify(x, rational=True)
