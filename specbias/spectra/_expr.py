"""A safe expression language for ``expr:`` kernels: user text is data, never code.

``expr:<text>`` describes phi(t) on [-1, 1].  The text is parsed by Python's ``ast``
module (which only builds a tree and never runs it), checked against a whitelist, and
then translated node by node into sympy objects.  No ``eval``, ``exec``, ``sympify`` or
``parse_expr`` ever sees the user's string.

Grammar (everything else is refused with an :class:`~specbias.InputError`)::

    expr   := number | NAME | expr OP expr | -expr | +expr | FUNC(expr, ...) | (expr)
    OP     := + - * / **
    NAME   := t | pi | E
    FUNC   := exp log sqrt cbrt sin cos tan asin acos atan sinh cosh tanh asinh atanh
              abs Abs sign Heaviside Max Min erf erfc

Bounds, checked before sympy builds anything: at most :data:`MAX_EXPR_LENGTH`
characters and :data:`MAX_EXPR_NODES` syntax nodes; numbers finite and at most
:data:`MAX_LITERAL` in size; every exponent whose value does not depend on t is at
most :data:`MAX_EXPONENT` in size (so ``(t+1)**5000`` and towers like ``9**9**9`` are
refused before anything is expanded).  After translation phi must be real and finite
on a grid of [-1, 1] (away from t = 0 and t = +-1, where integrable singularities such
as ``abs(t)**(-1/2)`` are allowed): ``nan``, ``t/0``, ``sqrt(t)`` (complex for t < 0)
are refused with the reason.

>>> str(parse_expression("t**3 + exp(t)"))
't**3 + exp(t)'
>>> parse_expression("__import__('os').system('id')")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specbias._errors.InputError: kernel 'expr': only calls of named functions are allowed, ...
"""

from __future__ import annotations

import ast
import math
import warnings

import numpy as np
import sympy as sp

from .._errors import InputError

#: The variable of phi(t): a real symbol on [-1, 1].
T = sp.Symbol("t", real=True)

#: Longest accepted ``expr:`` text (characters).
MAX_EXPR_LENGTH = 1000
#: Most syntax nodes in one expression (bounds sympy's work and the recursion depth).
MAX_EXPR_NODES = 400
#: Largest absolute value of a number literal.
MAX_LITERAL = 1e15
#: Largest absolute value of an exponent that does not depend on t.
MAX_EXPONENT = 200

_CONSTANTS = {"t": T, "pi": sp.pi, "E": sp.E}

#: name -> (sympy callable, allowed argument counts)
_FUNCTIONS: dict[str, tuple[object, tuple[int, ...]]] = {
    "exp": (sp.exp, (1,)),
    "log": (sp.log, (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "cbrt": (sp.cbrt, (1,)),
    "sin": (sp.sin, (1,)),
    "cos": (sp.cos, (1,)),
    "tan": (sp.tan, (1,)),
    "asin": (sp.asin, (1,)),
    "acos": (sp.acos, (1,)),
    "atan": (sp.atan, (1,)),
    "sinh": (sp.sinh, (1,)),
    "cosh": (sp.cosh, (1,)),
    "tanh": (sp.tanh, (1,)),
    "asinh": (sp.asinh, (1,)),
    "atanh": (sp.atanh, (1,)),
    "abs": (sp.Abs, (1,)),
    "Abs": (sp.Abs, (1,)),
    "sign": (sp.sign, (1,)),
    "Heaviside": (lambda x, h0=None: sp.Heaviside(x, sp.S.Half if h0 is None else h0), (1, 2)),
    "Max": (sp.Max, (2, 3, 4, 5, 6, 7, 8)),
    "Min": (sp.Min, (2, 3, 4, 5, 6, 7, 8)),
    "erf": (sp.erf, (1,)),
    "erfc": (sp.erfc, (1,)),
}

_ALLOWED_TEXT = "allowed: t, pi, E and the functions " + ", ".join(
    sorted((n for n in _FUNCTIONS if n != "Abs"), key=str.lower)
)

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

# Interior check points: Gauss-Legendre nodes (an even count, so none is 0 or +-1).
_CHECK_T = np.polynomial.legendre.leggauss(64)[0]


def _fail(msg: str) -> InputError:
    return InputError(f"kernel 'expr': {msg}")


def parse_expression(text: str) -> sp.Expr:
    """Parse user text into a sympy expression in :data:`T`, safely (see module doc).

    Raises :class:`~specbias.InputError` (one line, naming the problem) for anything
    outside the grammar or the bounds, and for a phi that is not real and finite on
    [-1, 1].
    """
    if not isinstance(text, str):
        raise _fail(f"the expression must be a string, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise _fail("needs an expression in t, e.g. expr:t**3 + exp(t)")
    if len(text) > MAX_EXPR_LENGTH:
        raise _fail(f"expression is {len(text)} characters long; at most {MAX_EXPR_LENGTH}")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _fail(f"cannot parse {text!r} (grammar: numbers, t, + - * / **, functions)") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_EXPR_NODES:
        raise _fail(f"expression has {nodes} syntax nodes; at most {MAX_EXPR_NODES}")
    _check_tree(tree.body)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expr = _build(tree.body)
    except InputError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise _fail(f"cannot build {text!r}: {type(exc).__name__}") from None
    _check_value(expr, text)
    return expr


def _check_tree(node: ast.AST) -> None:
    """Whitelist walk over the syntax tree (nothing is evaluated here)."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _fail(f"only real numbers are allowed as constants, got {v!r}")
        if not math.isfinite(v) or abs(v) > MAX_LITERAL:
            raise _fail(f"number {v!r} is out of range (|x| <= {MAX_LITERAL:g}, finite)")
        return
    if isinstance(node, ast.Name):
        _check_name(node.id)
        if node.id not in _CONSTANTS:
            if node.id in _FUNCTIONS:
                raise _fail(f"{node.id!r} is a function: call it, e.g. {node.id}(t)")
            raise _fail(f"unknown name {node.id!r}; {_ALLOWED_TEXT}")
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        _check_tree(node.operand)
        return
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            raise _fail("'^' is not a power: write t**2")
        if type(node.op) not in _BINOPS:
            raise _fail(f"operator {type(node.op).__name__} is not allowed (only + - * / **)")
        _check_tree(node.left)
        _check_tree(node.right)
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _fail("only calls of named functions are allowed, e.g. exp(t)")
        name = node.func.id
        _check_name(name)
        if name not in _FUNCTIONS:
            raise _fail(f"unknown function {name!r}; {_ALLOWED_TEXT}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _fail(f"{name}() takes plain positional arguments only")
        counts = _FUNCTIONS[name][1]
        if len(node.args) not in counts:
            want = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
            raise _fail(f"{name}() takes {want} argument(s), got {len(node.args)}")
        for a in node.args:
            _check_tree(a)
        return
    if isinstance(node, ast.Attribute):
        raise _fail("attribute access ('.') is not allowed")
    raise _fail(f"{type(node).__name__} is not allowed in an expression")


def _check_name(name: str) -> None:
    if name.startswith("_"):
        raise _fail(f"names may not start with '_' ({name!r}); {_ALLOWED_TEXT}")


def _check_exponent(node: ast.AST) -> None:
    """An exponent free of t must be a modest number (no towers, no huge powers)."""
    if any(isinstance(n, ast.Name) and n.id == "t" for n in ast.walk(node)):
        # t in the exponent (e.g. 2**t): t is in [-1, 1], sympy keeps the power
        # unevaluated, and the value check on [-1, 1] refuses an overflowing tower.
        return
    value = _float_value(node)
    if value is None or not math.isfinite(value) or abs(value) > MAX_EXPONENT:
        raise _fail(f"exponents must be at most {MAX_EXPONENT} in size")


def _float_value(node: ast.AST) -> float | None:
    """Float value of a t-free, already whitelisted subtree (None on overflow/domain)."""
    try:
        with np.errstate(all="raise"):
            return float(_build_float(node))
    except (ArithmeticError, ValueError, FloatingPointError, OverflowError):
        return None


def _build_float(node: ast.AST) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return {"pi": math.pi, "E": math.e}[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _build_float(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = _build_float(node.left), _build_float(node.right)
        if isinstance(node.op, ast.Pow):
            if abs(b) > MAX_EXPONENT:
                raise OverflowError
            return math.pow(a, b)
        return _BINOPS[type(node.op)](a, b)
    # A function of constants: evaluate through sympy on bounded arguments.
    args = [sp.Float(_build_float(a)) for a in node.args]
    return float(sp.N(_FUNCTIONS[node.func.id][0](*args)))


def _build(node: ast.AST) -> sp.Expr:
    """Translate a whitelisted tree into sympy objects (no text is evaluated)."""
    if isinstance(node, ast.Constant):
        v = node.value
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
    if isinstance(node, ast.Name):
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _build(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_build(node.left), _build(node.right))
    fn = _FUNCTIONS[node.func.id][0]
    return fn(*(_build(a) for a in node.args))


def _check_value(expr: sp.Expr, text: str) -> None:
    """phi must be a real finite function of t alone (checked on interior points)."""
    if not isinstance(expr, sp.Expr):
        raise _fail(f"{text!r} is not an expression")
    bad = [a for a in (sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) if expr.has(a)]
    if bad:
        raise _fail(f"{text!r} is not real and finite (contains {bad[0]})")
    extra = expr.free_symbols - {T}
    if extra:
        raise _fail(f"only the variable t is allowed, found {sorted(map(str, extra))}")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow) and node.exp.is_number:
            e = complex(node.exp.evalf(15))
            if e.imag != 0 or abs(e.real) > MAX_EXPONENT:
                raise _fail(f"exponents must be real and at most {MAX_EXPONENT} in size")
    fn = lambdified(expr, mp=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vals = np.asarray(fn(_CHECK_T), dtype=np.complex128)
        except (ArithmeticError, ValueError, TypeError):
            raise _fail(f"{text!r} cannot be evaluated in float64 on [-1, 1]") from None
    vals = np.broadcast_to(vals, _CHECK_T.shape)
    if not np.all(np.isfinite(vals)) or np.any(vals.imag != 0):
        i = int(np.argmax(~np.isfinite(vals) | (vals.imag != 0)))
        what = "not finite" if not np.isfinite(vals[i]) else "complex"
        raise _fail(f"phi(t) = {text} is {what} at t = {_CHECK_T[i]:.4f} (must be real on [-1, 1])")


def lambdified(expr: sp.Expr, *, mp: bool) -> object:
    """phi(t) as a numeric function: float64 numpy/scipy, or mpmath (``mp=True``).

    The code lambdify generates is printed from whitelisted sympy objects only.
    """
    return sp.lambdify(T, expr, "mpmath" if mp else ["scipy", "numpy"])


def canonical_text(expr: sp.Expr) -> str:
    """The text a Kernel stores: sympy's printing, which this grammar parses back."""
    return sp.sstr(expr)
