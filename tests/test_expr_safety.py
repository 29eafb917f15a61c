"""The ``expr:`` language is data, never code (issue: arbitrary code execution).

Hostile strings must be refused with an InputError *before* anything runs: a
subprocess parses each of them in an empty directory and the test asserts that no
file appeared and no child process was started (the payloads would create files).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import specbias as sb
from specbias import InputError, kernel
from specbias.spectra._expr import MAX_EXPONENT, MAX_EXPR_LENGTH, parse_expression

# Each payload, if executed, writes a file named PWNED* into the working directory.
HOSTILE = [
    "t**2+__import__('subprocess').getoutput('id > PWNED1')*0",
    "t+__import__('os').system('touch PWNED2')",
    "t+open('PWNED3','w').write('x')",
    "().__class__.__base__.__subclasses__()",
    'exec(\'open("PWNED4","w")\')',
    "eval('1')",
    "Function('f')(t)",
    "Symbol('x')",
    "sympify('t')",
    "t.func",
    "lambda x: open('PWNED5','w')",
    "[open('PWNED6','w') for _ in 'a']",
    "globals()",
    "__builtins__",
    "getattr(t, 'func')",
    "t if open('PWNED7','w') else t",
    "(t).__class__",
    "exp(t)._eval_subs",
    "Max(t, __import__('os').system('touch PWNED8'))",
    "exp(x=__import__('os'))",
    "exp(*[t])",
    "'a'*10**9",
    "f'{t}'",
    "t;import os",
    "t\nimport os",
    "(yield t)",
    "await t",
    "t := 3",
]

BAD = [
    "nan",
    "t/0",
    "zoo",
    "I*t",
    "oo",
    "1e400*t",
    "(t+1)**5000",
    "besselj(0,100*t)",
    "Integral(t,t)",
    "9**9**9",
    "t**(10**10)",
    "sqrt(t)",
    "log(t)",
    "t^2",
    "exp",
    "x",
    "True",
    "1j*t",
    "Max(t)",
    "exp(t, 2)",
    "exp(1000)*t",
    "acos(2*t)",
    "",
    "(" * 600 + "t" + ")" * 600,
    "+".join(["t"] * 20000),
    "10**400",
    "2.0**1e6",
]


def test_hostile_strings_never_execute(tmp_path):
    """Parse every hostile string in a clean subprocess; nothing may be created."""
    script = textwrap.dedent(
        """
        import json, sys
        from specbias import kernel, SpecbiasError
        out = []
        for s in json.loads(sys.argv[1]):
            try:
                kernel("expr:" + s)
                out.append("accepted")
            except SpecbiasError:
                out.append("refused")
            except BaseException as exc:  # noqa: BLE001 - reported to the test
                out.append(type(exc).__name__)
        print(json.dumps(out))
        """
    )
    res = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HOSTILE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(res.stdout) == ["refused"] * len(HOSTILE), res.stdout
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("text", BAD)
def test_bad_expressions_refused(text):
    with pytest.raises(InputError, match="kernel 'expr'"):
        kernel("expr:" + text)


@pytest.mark.parametrize("text", ["t/0", "nan", "sqrt(t)", "1e400*t"])
def test_refused_through_every_entry_point(text):
    for call in (
        lambda: sb.eigenvalues("expr:" + text, 3, 4),
        lambda: sb.decay_law("expr:" + text, 3),
        lambda: sb.predict(5, 2.0, activation="expr:" + text),
    ):
        with pytest.raises(InputError):
            call()


def test_hand_built_kernel_is_parsed_safely_too(tmp_path, monkeypatch):
    """A Kernel made directly from malicious text goes through the same parser."""
    monkeypatch.chdir(tmp_path)
    k = sb.Kernel("expr", (), "t+__import__('os').system('touch PWNED')")
    with pytest.raises(InputError):
        k.phi(0.5)
    with pytest.raises(InputError):
        k.sympy_expr()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "text",
    [
        "t**3 + exp(t)",
        "Max(0, t + 0.3)",
        "Heaviside(t)",
        "abs(t)**(-0.5)",
        "2**t",
        "exp(t)*cos(2*t) + t**3",
        "sqrt(1 - t**2)",
        "erf(3*t)",
        "t**5 - 2*t**3 + t/3 + 7",
        "pi*E*t",
        "sign(t)*abs(t)**1.5",
        "tanh(2*t) + atan(t)",
    ],
)
def test_good_expressions_round_trip_and_evaluate(text):
    k = kernel("expr:" + text)
    assert kernel(k.spec) == k  # canonical text parses back to the same kernel
    ts = np.linspace(-0.95, 0.95, 7)
    vals = k.phi(ts)
    ref = [float(k.phi(float(t), mp=True)) for t in ts]
    np.testing.assert_allclose(vals, ref, rtol=1e-12, atol=1e-14)


def test_bounds_are_stated_constants():
    with pytest.raises(InputError, match=str(MAX_EXPR_LENGTH)):
        parse_expression("t" + "+t" * MAX_EXPR_LENGTH)
    with pytest.raises(InputError, match=str(MAX_EXPONENT)):
        parse_expression(f"t**{MAX_EXPONENT + 1}")
    assert parse_expression(f"t**{MAX_EXPONENT}").is_polynomial()
