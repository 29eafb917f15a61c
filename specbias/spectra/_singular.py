"""Singular points of a piecewise-smooth phi(t) given as a sympy expression (``expr:``).

phi is built from functions that are analytic on the real line except at known
places, so its singular points in [-1, 1] are among the zeros of:

* the arguments of Abs, sign, Heaviside and the pairwise differences of Max/Min
  arguments (where phi switches branch);
* the bases of powers with a non-integer or negative exponent (sqrt, cbrt, 1/u),
  the arguments of log, asin/acos/atanh minus +-1, and cos of tan's argument.

Each candidate t0 is found exactly (``solveset``) or to 50 digits (sign changes on a
grid, refined by ``mpmath.findroot``).  There the branches left and right of t0 (every
switch resolved at t0 -+ 10^-30) are expanded in s = |t - t0| (sympy Puiseux series,
:data:`ORDER` terms): phi(t0 + s) = sum c+_p s^p and phi(t0 - s) = sum c-_p s^p.  An
analytic phi has c-_p = (-1)^p c+_p for integer p and no other powers, so the first p
where this fails is the singular exponent a, with A_+ = c+_a, A_- = c-_a (for integer
a the common analytic part drops out of the law, :mod:`._interior`).  The endpoints
t = +-1 are expanded the same way in s = 1 -+ t: a non-integer power (1 -+ t)^g is an
endpoint singularity (:func:`._laws.endpoint_law`, g = 1/2, 3/2, ...).  Log terms,
poles and derivative jumps beyond :data:`ORDER` are refused (no law derived).

>>> from .families.expr import expression
>>> pts, ends = analyse(expression("Max(0, t + 0.3)"))
>>> [(float(p.t0), p.a, p.a_plus, p.a_minus) for p in pts], ends
([(-0.3, 1.0, 1.0, 0.0)], None)
"""

from __future__ import annotations

from functools import cache
from itertools import combinations, pairwise

import mpmath
import numpy as np
import sympy as sp

from .._errors import InputError
from ._expr import T
from ._interior import SingularPoint

#: Terms of the one-sided expansions: derivative jumps up to order ORDER - 1.
ORDER = 6
#: Most candidate points examined (an expression with more switches is refused).
MAX_POINTS = 32
#: Grid of the numeric root search (sign changes of a candidate function).
_GRID = 2001
_DELTA = sp.Rational(1, 10**30)
_DPS = 60
_SWITCH = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min)
_S = sp.Symbol("s", positive=True)


def _candidate_functions(expr: sp.Expr) -> list[sp.Expr]:
    out = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside, sp.log)):
            out.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            out.extend(u - v for u, v in combinations(node.args, 2))
        elif isinstance(node, sp.Pow) and not (node.exp.is_integer and node.exp >= 0):
            out.append(node.base)
        elif isinstance(node, (sp.asin, sp.acos, sp.atanh)):
            out.extend((node.args[0] - 1, node.args[0] + 1))
        elif isinstance(node, sp.tan):
            out.append(sp.cos(node.args[0]))
    return [u for u in out if u.has(T)]


def _roots(u: sp.Expr) -> list[sp.Expr]:
    """Zeros of u in (-1, 1): exact where solveset finds them, else to 50 digits."""
    try:
        found = sp.solveset(u, T, sp.Interval.open(-1, 1))
    except Exception:  # any solveset failure: numeric search below
        found = None
    if isinstance(found, sp.FiniteSet):
        return [r for r in found if r.is_real]
    f = sp.lambdify(T, u, "mpmath")
    grid = np.linspace(-1, 1, _GRID)[1:-1]
    with mpmath.workdps(_DPS):
        vals = [f(mpmath.mpf(x)) for x in grid]
        out = [
            sp.Float(str(mpmath.mpf(x)), _DPS) for x, v in zip(grid, vals, strict=True) if v == 0
        ]
        for (x0, v0), (x1, v1) in pairwise(zip(grid, vals, strict=True)):
            if mpmath.im(v0) == 0 and mpmath.im(v1) == 0 and v0 * v1 < 0:
                r = mpmath.findroot(f, (mpmath.mpf(x0), mpmath.mpf(x1)), solver="anderson")
                out.append(sp.Float(mpmath.nstr(r, _DPS), _DPS))
    return out


def _value(u: sp.Expr, at: sp.Expr):
    return sp.re(u.evalf(_DPS, subs={T: at}))


def _branch(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    """expr with every switch (Abs, sign, Heaviside, Max, Min) resolved at t = at."""
    if not expr.has(*_SWITCH):
        return expr
    args = [_branch(a, at) for a in expr.args]
    if isinstance(expr, sp.Abs):
        return args[0] if _value(args[0], at) >= 0 else -args[0]
    if isinstance(expr, sp.sign):
        return sp.Integer(int(sp.sign(_value(args[0], at))))
    if isinstance(expr, sp.Heaviside):
        return sp.Integer(1 if _value(args[0], at) > 0 else 0)
    if isinstance(expr, (sp.Max, sp.Min)):
        vals = [_value(a, at) for a in args]
        pick = max if isinstance(expr, sp.Max) else min
        return args[vals.index(pick(vals))]
    return expr.func(*args)


def _terms(branch: sp.Expr, t_of_s: sp.Expr, where: str) -> dict:
    """{p: c} of branch(t_of_s) = sum c s^p + O(s^ORDER); refuses logs and poles."""
    try:
        ser = sp.series(branch.subs(T, t_of_s), _S, 0, ORDER).removeO()
    except Exception as err:  # sympy cannot expand: no law
        raise InputError(f"cannot expand phi at {where} ({type(err).__name__})") from None
    out: dict = {}
    for term in sp.Add.make_args(sp.expand(ser)):
        c, p = term.as_coeff_exponent(_S)
        if c.has(_S) or not (p.is_number and c.is_number):
            raise InputError(f"phi has a logarithmic singularity at {where}: no decay law derived")
        if p <= -1:
            raise InputError(f"phi is not integrable at {where} (power s^{p}): no decay law")
        out[sp.nsimplify(p)] = out.get(sp.nsimplify(p), 0) + c
    return out


def _num(x) -> float:
    return float(sp.re(sp.N(x, 30)))


def _singular_exponent(plus: dict, minus: dict):
    """(a, A_+, A_-) of the first power that is not analytic, or None."""
    scale = max([abs(_num(c)) for c in [*plus.values(), *minus.values()]] + [1e-300])
    for p in sorted(set(plus) | set(minus)):
        cp, cm = _num(plus.get(p, 0)), _num(minus.get(p, 0))
        if p.is_integer:
            bad = abs(cp - (-1) ** int(p) * cm) > 1e-25 * scale
        else:
            bad = max(abs(cp), abs(cm)) > 1e-25 * scale
        if bad:
            return float(p), cp, cm
    return None


def _interior(expr: sp.Expr, t0: sp.Expr) -> SingularPoint | None:
    right, left = _branch(expr, t0 + _DELTA), _branch(expr, t0 - _DELTA)
    where = f"t0 = {_num(t0):.6g}"
    found = _singular_exponent(_terms(right, t0 + _S, where), _terms(left, t0 - _S, where))
    if found is not None:
        return SingularPoint(_num(t0), *found)
    if sp.simplify(right - left) != 0:
        raise InputError(
            f"phi switches branch at {where} with a derivative jump of order >= {ORDER}: "
            "no decay law derived"
        )
    return None


#: functions analytic on all of C: a branch built from them, t, numbers, sums, products
#: and non-negative integer powers has no singular term anywhere
_ENTIRE = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.erf)


def _entire(expr: sp.Expr) -> bool:
    """True when ``expr`` is visibly an entire function of t (sufficient, not necessary)."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow):
            if not (node.exp.is_Integer and node.exp >= 0):
                return False
        elif isinstance(node, sp.Function) and not isinstance(node, _ENTIRE):
            return False
    return True


def _endpoint(expr: sp.Expr, sign: int):
    """(g, A) of the first non-integer power (1 - sign t)^g at t = sign, or None."""
    end = sp.Integer(sign)
    branch = _branch(expr, end - sign * _DELTA)
    if _entire(branch):  # no singular term; spares sympy's series of exp(exp(exp(t)))
        return None  # (15 CPU-s for a result known in advance)
    terms = _terms(branch, end - sign * _S, f"t = {sign}")
    for p in sorted(terms):
        if not p.is_integer and abs(_num(terms[p])) > 0:
            return p, _num(terms[p])
    return None


def _candidates(expr: sp.Expr) -> list:
    """Distinct candidate singular points in (-1, 1), increasing (exact or 50 digits)."""
    roots = []
    for u in _candidate_functions(expr):
        roots.extend(_roots(u))
    uniq: list = []
    for r in sorted(roots, key=_num):
        if not uniq or abs(_num(r) - _num(uniq[-1])) > 1e-25:
            uniq.append(r)
    if len(uniq) > MAX_POINTS:
        raise InputError(f"phi has {len(uniq)} candidate singular points (at most {MAX_POINTS})")
    return uniq


def analyse(expr: sp.Expr):
    """(interior SingularPoints sorted by t0, endpoint data or None).

    Endpoint data: (m, A_+, A_-) with g = m + 1/2 the smaller singular power at
    t = 1 (A_+) and t = -1 (A_-), as :func:`._laws.endpoint_law` takes them.
    """
    expr = sp.nsimplify(expr, rational=True)
    points = [p for p in (_interior(expr, r) for r in _candidates(expr)) if p is not None]
    ends = [_endpoint(expr, 1), _endpoint(expr, -1)]
    gs = [e[0] for e in ends if e is not None]
    if not gs:
        return points, None
    g = min(gs)
    if not (g - sp.Rational(1, 2)).is_integer or g < 0:
        raise InputError(
            f"phi ~ (1 -+ t)^{g} at an endpoint: decay laws are derived for g = 1/2, 3/2, ..."
        )
    coef = [e[1] if e is not None and e[0] == g else 0.0 for e in ends]
    return points, (int(g - sp.Rational(1, 2)), coef[0], coef[1])


@cache
def expression_breakpoints(text: str) -> tuple[float, ...]:
    """Candidate singular points of ``expr:<text>`` in (-1, 1), where the quadratures
    split (no expansion: splitting at a regular point costs nothing); () when the
    search fails (the quadrature's own error estimate then shows any kink)."""
    from .families.expr import expression

    try:
        return tuple(_num(r) for r in _candidates(sp.nsimplify(expression(text), rational=True)))
    except Exception:  # any failure of the search: an unsplit rule, honestly estimated
        return ()
