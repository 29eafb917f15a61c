"""Property-based fuzzing: hostile kernel strings, CLI options and API arguments.

Every case must end in a valid result or a :class:`specbias.SpecbiasError` (CLI: exit
code 0, 1 with one ``error:`` line, or 2 for a malformed command line), never another
exception, a traceback, a timeout or a memory blow-up.  Cases run in one worker
subprocess (tests/_fuzz_worker.py) with an address-space rlimit and a per-case alarm;
hypothesis runs derandomized with a fixed number of examples, so the whole module takes
about a minute on two cores and is the same on every run.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import specbias

WORKER = Path(__file__).with_name("_fuzz_worker.py")
#: Small, fixed budget: deterministic (derandomize) and about a minute in total.
FUZZ = settings(
    max_examples=int(os.environ.get("SPECBIAS_FUZZ_EXAMPLES", "40")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: Memory and time caps small enough that the documented limits are what stop a case.
ENV = {
    "SPECBIAS_MEMORY_BUDGET": "1G",
    "SPECBIAS_TIME_BUDGET": "20",
    "SPECBIAS_FUZZ_CASE_SECONDS": "30",
    "SPECBIAS_FUZZ_MEMORY": str(6 << 30),
}


class Worker:
    def __init__(self) -> None:
        self.proc = None

    def start(self) -> None:
        env = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(self, case: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:  # killed (e.g. by the kernel's OOM killer): a failure of this case
            self.proc = None
            return {"verdict": "worker died"}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def check_api(worker: Worker, name: str, *args, **kwargs) -> dict:
    out = worker.run({"api": [name, list(args), kwargs]})
    assert out["verdict"] in ("ok", "specbias-error"), (name, args, kwargs, out)
    if out["verdict"] == "specbias-error":
        assert "\n" not in out["message"].strip(), out
    return out


def check_cli(worker: Worker, argv: list[str]) -> dict:
    out = worker.run({"cli": argv})
    assert out["verdict"] == "exit", (argv, out)
    assert not out["traceback"], (argv, out)
    assert out["code"] in (0, 1, 2), (argv, out)
    if out["code"] == 1:
        lines = out["stderr"].strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (argv, out)
    return out


# ----------------------------------------------------------------------------- strategies
NUMBERS = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "0.5",
            "1.5",
            "-0.999",
            "1e308",
            "-1e308",
            "1e-308",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "3",
            "50",
            "1000",
            "1001",
            "10000000",
            "",
            "x",
            "1e15",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
EXPR_ATOMS = st.sampled_from(
    [
        "t",
        "1",
        "2",
        "0",
        "pi",
        "E",
        "nan",
        "1e15",
        "1e300",
        "0.5",
        "-t",
        "(t+1)",
        "abs(t)",
        "exp(t)",
        "log(t)",
        "sqrt(t)",
        "1/t",
        "t**200",
        "t**-2",
        "9**9**9",
        "sin(t)",
        "Heaviside(t)",
        "__import__",
        "t.real",
        "lambda: 1",
        "[1]",
        "'a'",
        "exp(exp(t))",
    ]
)
EXPR = st.recursive(
    EXPR_ATOMS,
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
        lambda x: f"({x[0]}{x[1]}{x[2]})"
    ),
    max_leaves=6,
)


@st.composite
def kernel_strings(draw) -> str:
    name = draw(st.sampled_from([*specbias.KERNEL_NAMES, "RELU", "relu ", "nope", "", ":"]))
    if name == "expr":
        return "expr:" + draw(EXPR)
    keys = draw(st.lists(st.sampled_from(["a", "c", "depth", "b", "", "a=1=2"]), max_size=2))
    params = ",".join(f"{k}={draw(NUMBERS)}" for k in keys)
    sep = draw(st.sampled_from([":", ":", "::", ""]))
    return name + (sep + params if params or sep == "::" else "")


SIZES = st.one_of(
    st.sampled_from([0, 1, 2, 3, 5, 100, 10**4, 10**7, 10**7 + 1, 10**9, -1, 2**63, 10**400]),
    st.integers(min_value=-5, max_value=10**8),
)
SMALL_K = st.integers(min_value=0, max_value=60)


# ----------------------------------------------------------------------------- API
@FUZZ
@given(kern=kernel_strings(), d=st.sampled_from([2, 3, 5, 10**7]), kmax=SMALL_K)
def test_fuzz_kernel_grammar_api(worker, kern, d, kmax):
    check_api(worker, "kernel", kern)
    check_api(worker, "eigenvalues", kern, d, kmax)
    check_api(worker, "decay_law", kern, d)


@FUZZ
@given(
    d=SIZES,
    kmax=SIZES,
    nu=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([10**400])),
    rtol=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 10**400])),
)
def test_fuzz_api_sizes(worker, d, kmax, nu, rtol):
    check_api(worker, "eigenvalues", "ntk", d, kmax, rtol=rtol)
    check_api(worker, "predict", d, nu)
    check_api(worker, "harmonic_multiplicity", d, kmax if isinstance(kmax, int) else 0)


# ----------------------------------------------------------------------------- CLI
OPTION_VALUES = st.one_of(
    NUMBERS, st.sampled_from(["10:1000:5", "1:0:3", "10,100", "", "1e9:1e15:3"])
)


@FUZZ
@given(
    command=st.sampled_from(["spectrum", "decay", "predict", "curve", "check", "runs"]),
    kern=kernel_strings(),
    d=st.one_of(SIZES.map(str), NUMBERS),
    extra=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "--kmax",
                    "--nu",
                    "--n",
                    "--ridge",
                    "--noise",
                    "--rtol",
                    "--method",
                    "--target",
                    "--target-parity",
                    "--only",
                    "--store",
                    "--plot",
                    "--csv",
                ]
            ),
            OPTION_VALUES,
        ),
        max_size=3,
    ),
    flags=st.lists(st.sampled_from(["--json", "--exact", "--latex", "--allow-large"]), max_size=2),
)
def test_fuzz_cli(worker, tmp_path_factory, command, kern, d, extra, flags):
    argv = [command]
    if command in ("spectrum", "decay", "curve"):
        argv += ["--kernel", kern]
    if command in ("spectrum", "decay", "predict", "curve"):
        argv += ["--d", d]
    for opt, value in extra:
        if opt in ("--plot", "--csv", "--store"):
            value = str(tmp_path_factory.mktemp("fuzz") / (value or "x"))
        argv += [opt, value]
    if "--allow-large" not in flags or command != "spectrum":
        flags = [f for f in flags if f != "--allow-large"]
    if command == "check" and not any(o == "--only" for o, _ in extra):
        argv += ["--only", "not-a-check"]  # never start the minutes-long paper checks
    check_cli(worker, argv + flags)


def test_fuzz_budget_refusals_are_fast(worker):
    """Sizes far past the budget are refused by the estimate, before any work."""
    import time

    for argv in (
        ["spectrum", "--kernel", "ntk", "--d", "3", "--kmax", "10000000", "--json"],
        ["spectrum", "--kernel", "ntk-bias", "--d", "3", "--kmax", "10000000"],
        ["spectrum", "--kernel", "relu", "--d", "5000", "--kmax", "100000", "--json"],
    ):
        start = time.monotonic()
        out = check_cli(worker, argv)
        # refused with the override named (the memory/time budget or the full-output cap)
        assert out["code"] == 1 and "--allow-large" in out["stderr"], out
        assert time.monotonic() - start < 2.0
    assert math.isfinite(float(check_api(worker, "predict", 10**7, 2.0) and 1))
