"""Dot-product kernels and activations phi(t), t = x . y on S^{d-1}, by name.

Names (CLI ``--kernel NAME[:key=value,...]`` and the Python API alike):

===================  ==========================================================
``relu``             max(0, t)                       (activation)
``step``             Theta(t)                        (activation)
``relu-power:a=A``   max(0, t)^A, A > -1             (activation)
``abs-power:a=A``    |t|^A, A > -1                   (activation / teacher)
``abs-power-rf:a=A`` E_w[|w.x|^A |w.y|^A] = 2^A Gamma((A+1)/2)^2/pi 2F1(-A/2,-A/2;1/2;t^2):
                     the random-feature teacher of arXiv 2206.12314 (smoothness A + 1/2)
``arccos0``          (pi - theta) / (2 pi)           E_w[Theta(w.x) Theta(w.y)]
``arccos1``          (sin th + (pi - th) cos th)/(2 pi)   E_w[relu(w.x) relu(w.y)]
``arccos2``          (3 sin th cos th + (pi-th)(1 + 2 cos^2 th))/(2 pi)
``ntk``              (J1(th) + t J0(th)) / (2 pi): two-layer ReLU NTK, both layers
``ntk-bias``         J1(th~)/pi + (t+1) J0(th~)/(2 pi), cos th~ = (1+t)/2
``ntk:depth=L``      NTK of an L-hidden-layer ReLU net (see :func:`deep_relu_kernels`)
``arccos1:depth=L``  its last-layer random-feature (NNGP) kernel
``laplace:c=C``      exp(-C |x-y|) = exp(-C sqrt(2-2t)), default C = 1
``gaussian:c=C``     exp(-C |x-y|^2) = exp(-2C (1-t)), default C = 1
``expr:<text>``      any expression in t, e.g. ``expr:t**3 + exp(t)``, in the safe
                     language of :mod:`._expr` (parsed as data, never run as code)
===================  ==========================================================

theta = arccos t, w ~ N(0, I_d) (Cho & Saul 2009, arccos kernels; Jacot et al.
arXiv 1806.07572 for the NTK).  Nothing here depends on d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp
from scipy.special import hyp2f1

from .._errors import InputError
from ._expr import T, canonical_text, lambdified, parse_expression

_PARAMS: dict[str, dict[str, tuple[type, float | int | None]]] = {
    "relu": {},
    "step": {},
    "relu-power": {"a": (float, None)},
    "abs-power": {"a": (float, None)},
    "abs-power-rf": {"a": (float, None)},
    "arccos0": {},
    "arccos1": {"depth": (int, 1)},
    "arccos2": {},
    "ntk": {"depth": (int, 1)},
    "ntk-bias": {},
    "laplace": {"c": (float, 1.0)},
    "gaussian": {"c": (float, 1.0)},
    "expr": {},
}

KERNEL_NAMES = tuple(_PARAMS)
#: Largest exponent a (relu-power, abs-power, abs-power-rf): Gamma(a + 1) and the exact
#: sympy constants stay cheap; larger a is a polynomial-like spike at t = +-1 anyway.
A_MAX = 1000.0
#: Largest scale c (laplace, gaussian): exp(-c |x-y|) is then zero to float64 off x = y.
C_MAX = 1e6
#: Smallest scale c: below it phi is 1 to float64 precision and its decay constant
#: underflows.
C_MIN = 1e-6


@dataclass(frozen=True)
class Kernel:
    """A named dot-product function phi(t) with its parameters.

    Build one with :func:`kernel` (``kernel("relu-power:a=1.5")``).
    ``family`` is the base name, ``params`` a sorted tuple of (key, value).
    """

    family: str
    params: tuple = ()
    expr_text: str | None = None

    def get(self, key: str):
        return dict(self.params)[key]

    @property
    def spec(self) -> str:
        """Canonical ``NAME[:key=value,...]`` string (round-trips through :func:`kernel`)."""
        if self.family == "expr":
            return f"expr:{self.expr_text}"
        shown = []
        for key, value in self.params:
            default = _PARAMS[self.family][key][1]
            if value != default:
                shown.append(f"{key}={_fmt(value)}")
        return self.family + (":" + ",".join(shown) if shown else "")

    def __str__(self) -> str:
        return self.spec

    # -- evaluation ---------------------------------------------------------------
    @property
    def depth(self) -> int:
        return int(dict(self.params).get("depth", 1))

    def sympy_expr(self) -> sp.Expr:
        """phi as a sympy expression in the real symbol ``t`` on [-1, 1]."""
        return _sympy_phi(self)

    def phi_theta(self, theta, *, mp: bool = False):
        """phi(cos theta) for theta in [0, pi]; numpy (float64) or mpmath (``mp=True``).

        theta-native formulas avoid the arccos(cos theta) round-off of phi(t) near t = 1.
        """
        return _phi_theta(self, theta, mp)

    def phi(self, t, *, mp: bool = False):
        """phi(t) for t in [-1, 1]; numpy (float64) or mpmath (``mp=True``)."""
        if mp:
            return _phi_theta(self, mpmath.acos(t), True)
        return _phi_theta(self, np.arccos(np.clip(np.asarray(t, dtype=np.float64), -1, 1)), False)


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def kernel(spec: str | Kernel) -> Kernel:
    """Parse ``NAME[:key=value,...]`` (or ``expr:<sympy expression in t>``) into a Kernel.

    >>> kernel("relu-power:a=1.5").get("a")
    1.5
    >>> kernel("ntk:depth=3").spec
    'ntk:depth=3'
    """
    if isinstance(spec, Kernel):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"kernel must be a non-empty string, got {spec!r}")
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name == "expr":
        return _parse_expr(rest)
    if name not in _PARAMS:
        raise InputError(f"unknown kernel {name!r}; known: {', '.join(KERNEL_NAMES)}")
    allowed = _PARAMS[name]
    given: dict[str, float | int] = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in allowed:
            keys = ", ".join(allowed) or "none"
            raise InputError(f"kernel {name!r}: bad parameter {item!r} (parameters: {keys})")
        typ = allowed[key][0]
        try:
            num = float(value)
            if typ is int:
                if not num.is_integer():
                    raise ValueError
                num = int(num)
        except ValueError:
            raise InputError(f"kernel {name!r}: {key} must be a number, got {value!r}") from None
        if not math.isfinite(num):
            raise InputError(f"kernel {name!r}: {key} must be finite, got {value!r}")
        given[key] = num
    params = {}
    for key, (_typ, default) in allowed.items():
        if key not in given and default is None:
            raise InputError(f"kernel {name!r} needs parameter {key}= (e.g. {name}:{key}=1.5)")
        params[key] = given.get(key, default)
    if "a" in params and not -1 < params["a"] <= A_MAX:
        raise InputError(
            f"kernel {name!r}: need -1 < a <= {A_MAX:g} (a > -1 for an integrable |t|^a), "
            f"got a={params['a']:g}"
        )
    if "c" in params and not C_MIN <= params["c"] <= C_MAX:
        raise InputError(
            f"kernel {name!r}: need {C_MIN:g} <= c <= {C_MAX:g}, got c={params['c']:g}"
        )
    if "depth" in params and not 1 <= params["depth"] <= 50:
        raise InputError(f"kernel {name!r}: depth must be between 1 and 50, got {params['depth']}")
    if name == "relu-power" and params["a"] in (0.0, 1.0):
        pass  # kept as relu-power; `relu` and `step` are the named special cases
    return Kernel(name, tuple(sorted(params.items())))


def _parse_expr(text: str) -> Kernel:
    """``expr:`` text through the safe expression language (never evaluated as code)."""
    return Kernel("expr", (), canonical_text(_expression(text)))


_EXPR_CACHE: dict[str, sp.Expr] = {}


def _expression(text: str) -> sp.Expr:
    """Safely parsed expression of a stored text, cached (a Kernel may be built by hand)."""
    if text not in _EXPR_CACHE:
        _EXPR_CACHE[text] = parse_expression(text)
    return _EXPR_CACHE[text]


# ---------------------------------------------------------------------------------
# phi(cos theta): numpy and mpmath share one code path through a tiny namespace.
class _NP:
    pi = np.pi
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    acos = staticmethod(lambda x: np.arccos(np.clip(x, -1.0, 1.0)))
    sqrt = staticmethod(np.sqrt)
    exp = staticmethod(np.exp)


class _MP:
    pi = mpmath.pi
    sin = staticmethod(mpmath.sin)
    cos = staticmethod(mpmath.cos)
    acos = staticmethod(lambda x: mpmath.acos(max(min(x, 1), -1)))
    sqrt = staticmethod(mpmath.sqrt)
    exp = staticmethod(mpmath.exp)


def _j0(m, th):
    return m.pi - th


def _j1(m, th):
    return m.sin(th) + (m.pi - th) * m.cos(th)


def _j2(m, th):
    c = m.cos(th)
    return 3 * m.sin(th) * c + (m.pi - th) * (1 + 2 * c * c)


def _kappa1(m, rho):
    """Normalized arccos-1 map: kappa1(rho) = J1(arccos rho)/pi, kappa1(1) = 1."""
    return _j1(m, m.acos(rho)) / m.pi


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
        sdot = _j0(m, th) / (2 * m.pi)
        sigma = _j1(m, th) / (2 * m.pi * 2 ** (h - 1))
        ntk = ntk * sdot + sigma
        rho = _j1(m, th) / m.pi
        th = m.acos(rho)
    return sigma, ntk


def _phi_theta(k: Kernel, theta, mp: bool):
    m = _MP if mp else _NP
    if not mp:
        theta = np.asarray(theta, dtype=np.float64)
    f = k.family
    p = dict(k.params)
    if f in ("relu", "step", "relu-power", "abs-power"):
        a = {"relu": 1.0, "step": 0.0}.get(f, p.get("a"))
        t = m.cos(theta)
        if mp:
            if f == "abs-power":
                return abs(t) ** a if t != 0 else (mpmath.mpf(1) if a == 0 else mpmath.mpf(0))
            if t > 0:
                return t**a
            return mpmath.mpf(0.5) if (t == 0 and a == 0) else mpmath.mpf(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if f == "abs-power":
                return np.abs(t) ** a
            return np.where(t > 0, np.abs(t) ** a, 0.0)
    if f == "abs-power-rf":
        a = p["a"]
        t = m.cos(theta)
        if mp:
            pre = 2**a * mpmath.gamma((a + 1) / 2) ** 2 / mpmath.pi
            return pre * mpmath.hyp2f1(-a / 2, -a / 2, 0.5, t * t)
        pre = 2**a * math.gamma((a + 1) / 2) ** 2 / math.pi
        return pre * hyp2f1(-a / 2, -a / 2, 0.5, t * t)
    if f == "arccos0":
        return _j0(m, theta) / (2 * m.pi)
    if f == "arccos2":
        return _j2(m, theta) / (2 * m.pi)
    if f in ("arccos1", "ntk"):
        sigma, ntk = deep_relu_kernels(m, theta, p["depth"])
        return sigma if f == "arccos1" else ntk
    if f == "ntk-bias":
        u = (1 + m.cos(theta)) / 2
        tht = m.acos(u)
        return _j1(m, tht) / m.pi + 2 * u * _j0(m, tht) / (2 * m.pi)
    if f == "laplace":
        return m.exp(-p["c"] * 2 * m.sin(theta / 2))
    if f == "gaussian":
        s = m.sin(theta / 2)
        return m.exp(-4 * p["c"] * s * s)
    if f == "expr":
        fn = _lambdified(k.expr_text, mp)
        t = m.cos(theta)
        if mp:
            return mpmath.mpf(fn(t))
        return np.broadcast_to(np.asarray(fn(t), dtype=np.float64), np.shape(t)).copy()
    raise InputError(f"unknown kernel {f!r}")


_LAMBDA_CACHE: dict[tuple[str, bool], object] = {}


def _lambdified(text: str, mp: bool):
    key = (text, mp)
    if key not in _LAMBDA_CACHE:
        expr = _expression(text)
        _LAMBDA_CACHE[key] = lambdified(expr, mp=mp)
    return _LAMBDA_CACHE[key]


def _sympy_phi(k: Kernel) -> sp.Expr:
    f = k.family
    p = dict(k.params)
    t = T
    th = sp.acos(t)
    pi = sp.pi
    if f in ("relu", "step", "relu-power"):
        a = {"relu": 1, "step": 0}.get(f, p.get("a"))
        return sp.Piecewise((t ** sp.nsimplify(a, rational=True), t > 0), (0, True))
    if f == "abs-power":
        return sp.Abs(t) ** sp.nsimplify(p["a"], rational=True)
    if f == "abs-power-rf":
        a = sp.nsimplify(p["a"], rational=True)
        pre = 2**a * sp.gamma((a + 1) / 2) ** 2 / pi
        return pre * sp.hyper([-a / 2, -a / 2], [sp.Rational(1, 2)], t**2)
    if f == "arccos0":
        return (pi - th) / (2 * pi)
    if f == "arccos2":
        return (3 * sp.sqrt(1 - t**2) * t + (pi - th) * (1 + 2 * t**2)) / (2 * pi)
    if f in ("arccos1", "ntk"):
        sigma, ntk = deep_relu_kernels(_SP, th, p["depth"])
        return sigma if f == "arccos1" else ntk
    if f == "ntk-bias":
        u = (1 + t) / 2
        tht = sp.acos(u)
        return (sp.sqrt(1 - u**2) + (pi - tht) * u) / pi + (t + 1) * (pi - tht) / (2 * pi)
    if f == "laplace":
        return sp.exp(-sp.nsimplify(p["c"], rational=True) * sp.sqrt(2 - 2 * t))
    if f == "gaussian":
        return sp.exp(-2 * sp.nsimplify(p["c"], rational=True) * (1 - t))
    if f == "expr":
        return _expression(k.expr_text)
    raise InputError(f"unknown kernel {f!r}")


class _SP:
    pi = sp.pi
    sin = staticmethod(sp.sin)
    cos = staticmethod(sp.cos)
    acos = staticmethod(sp.acos)
    sqrt = staticmethod(sp.sqrt)
    exp = staticmethod(sp.exp)
