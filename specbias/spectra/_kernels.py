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
arXiv 1806.07572 for the NTK).  Nothing here depends on d.  Each family is one module of
:mod:`specbias.spectra.families` (formulas, references); this module parses names into
a :class:`Kernel` and evaluates phi through the family record.

>>> round(float(kernel("relu").phi(0.5)), 12), kernel("relu").record.base
(0.5, 'relu-power')
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from .._errors import InputError
from ._expr import T as T
from ._expr import canonical_text
from .families import NAMES, Family, family
from .families._base import MP, NP
from .families._phi_t import blockwise
from .families.expr import expression

KERNEL_NAMES = NAMES


@dataclass(frozen=True)
class Kernel:
    """A named dot-product function phi(t) with its parameters.

    Build one with :func:`kernel` (``kernel("relu-power:a=1.5")``).
    ``family`` is the base name, ``params`` a sorted tuple of (key, value).

    Args:
      family: the registered family name.
      params: sorted (key, value) pairs.
      expr_text: the canonical text of an ``expr:`` kernel, else None.

    Returns:
      A frozen record; ``phi``, ``phi_theta``, ``sympy_expr`` evaluate it.

    Example:
    >>> k = kernel("arccos1")
    >>> k.family, round(float(k.phi(1.0)), 12)
    ('arccos1', 0.5)

    References:
      Cho & Saul (2009) arc-cosine kernels; Jacot et al. arXiv 1806.07572.
    """

    family: str
    params: tuple = ()
    expr_text: str | None = None

    def get(self, key: str):
        return dict(self.params)[key]

    @property
    def record(self) -> Family:
        """The registered :class:`~specbias.spectra.families.Family` of this kernel."""
        return family(self.family)

    @property
    def args(self) -> dict:
        """Parameters as the family functions see them (fixed ones and ``text`` included)."""
        out = {**dict(self.record.fixed), **dict(self.params)}
        if self.expr_text is not None:
            out["text"] = self.expr_text
        return out

    @property
    def spec(self) -> str:
        """Canonical ``NAME[:key=value,...]`` string (round-trips through :func:`kernel`)."""
        if self.expr_text is not None:
            return f"{self.family}:{self.expr_text}"
        defaults = {p.key: p.default for p in self.record.params}
        shown = [f"{key}={_fmt(value)}" for key, value in self.params if value != defaults[key]]
        return self.family + (":" + ",".join(shown) if shown else "")

    def __str__(self) -> str:
        return self.spec

    # -- evaluation ---------------------------------------------------------------
    @property
    def depth(self) -> int:
        return int(dict(self.params).get("depth", 1))

    def sympy_expr(self) -> sp.Expr:
        """phi as a sympy expression in the real symbol ``t`` on [-1, 1]."""
        return self.record.sympy_phi(self.args)

    def phi_theta(self, theta, *, mp: bool = False):
        """phi(cos theta) for theta in [0, pi]; numpy (float64) or mpmath (``mp=True``).

        theta-native formulas avoid the arccos(cos theta) round-off of phi(t) near t = 1.
        """
        if not mp:
            theta = np.asarray(theta, dtype=np.float64)
        return self.record.phi(MP if mp else NP, theta, self.args)

    def phi(self, t, *, mp: bool = False):
        """phi(t) for t in [-1, 1]; numpy (float64) or mpmath (``mp=True``).

        float64: the family's fused formula in t, block by block (:mod:`.families._phi_t`:
        a Gram matrix at the speed of a jitted kernel), else phi(arccos t); t is clipped
        to [-1, 1] first (safe arccos near +-1).
        """
        if mp:
            return self.phi_theta(mpmath.acos(t), mp=True)
        fused = self.record.phi_t(self.args)
        if fused is not None:
            return blockwise(fused, t)
        return self.phi_theta(np.arccos(np.clip(np.asarray(t, dtype=np.float64), -1, 1)))


def _fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def kernel(spec: str | Kernel) -> Kernel:
    """Parse ``NAME[:key=value,...]`` (or ``expr:<sympy expression in t>``) into a Kernel.

    Args:
      spec: ``NAME[:key=value,...]`` or ``expr:<text>`` (or a Kernel, returned as is).

    Returns:
      The parsed :class:`Kernel` (InputError for an unknown name or a bad value).

    Example:
    >>> kernel("relu-power:a=1.5").get("a")
    1.5
    >>> kernel("ntk:depth=3").spec
    'ntk:depth=3'

    References:
      Cho & Saul (2009); Jacot et al. arXiv 1806.07572; Novak et al. arXiv 1912.02803.
    """
    if isinstance(spec, Kernel):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"kernel must be a non-empty string, got {spec!r}")
    name, _, rest = spec.strip().partition(":")
    fam = family(name.strip().lower())
    name = fam.name
    if fam.free_text:  # text is data, parsed safely (never evaluated as code)
        return Kernel(name, (), canonical_text(expression(rest)))
    allowed = {p.key: p for p in fam.params}
    given: dict[str, float | int] = {}
    for item in filter(None, (s.strip() for s in _split_top(rest))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in allowed:
            keys = ", ".join(allowed) or "none"
            raise InputError(f"kernel {name!r}: bad parameter {item!r} (parameters: {keys})")
        parse = allowed[key].parse
        given[key] = parse(value) if parse else _number(name, key, value, allowed[key].kind)
    params = {}
    for key, param in allowed.items():
        if key not in given and param.default is None:
            raise InputError(f"kernel {name!r} needs parameter {key}= (e.g. {name}:{key}=1.5)")
        params[key] = given.get(key, param.default)
    for key, param in allowed.items():
        param.check(name, params[key])
    return Kernel(name, tuple(sorted(params.items())))


def _split_top(text: str) -> list[str]:
    """Split ``key=value`` items at commas outside parentheses (``act=Max(u, 0)``)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    return [*items, text[start:]]


def _number(name: str, key: str, value: str, kind: type) -> float | int:
    try:
        num = float(value)
        if kind is int:
            if not num.is_integer():
                raise ValueError
            num = int(num)
    except ValueError:
        raise InputError(f"kernel {name!r}: {key} must be a number, got {value!r}") from None
    if not math.isfinite(num):
        raise InputError(f"kernel {name!r}: {key} must be finite, got {value!r}")
    return num
