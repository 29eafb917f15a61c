"""Subprocess that runs fuzz cases under resource limits (used by tests/test_fuzz.py).

Protocol: one JSON case per line on stdin, one JSON verdict per line on stdout.
A case is ``{"api": [function name, args, kwargs]}`` or ``{"cli": [argv...]}``.
Each case runs under an alarm of ``CASE_SECONDS``; the process itself under an
address-space rlimit of ``MEMORY_BYTES``, so a blow-up ends as MemoryError or a dead
worker (the test reports either), never as a stuck test run.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import traceback

CASE_SECONDS = int(os.environ.get("SPECBIAS_FUZZ_CASE_SECONDS", "30"))
MEMORY_BYTES = int(os.environ.get("SPECBIAS_FUZZ_MEMORY", str(6 << 30)))


class CaseTimeout(BaseException):
    """Raised by the alarm: not an Exception, so library code cannot swallow it."""


def _alarm(signum, frame):
    raise CaseTimeout


def _run_api(name: str, args: list, kwargs: dict) -> dict:
    import specbias

    result = getattr(specbias, name)(*args, **kwargs)
    return {"verdict": "ok", "type": type(result).__name__}


def _run_cli(argv: list[str]) -> dict:
    from typer.testing import CliRunner

    from specbias.cli import app

    result = CliRunner().invoke(app, argv)
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return {"verdict": "exception", "type": type(exc).__name__, "message": tb[-2000:]}
    stderr = result.stderr
    return {
        "verdict": "exit",
        "code": result.exit_code,
        "stderr": stderr[-2000:],
        "traceback": "Traceback" in stderr or "Traceback" in result.stdout,
    }


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    signal.signal(signal.SIGALRM, _alarm)
    import specbias
    import specbias.cli

    for line in sys.stdin:
        case = json.loads(line)
        signal.alarm(CASE_SECONDS)
        try:
            if "api" in case:
                out = _run_api(*case["api"])
            else:
                out = _run_cli(case["cli"])
        except CaseTimeout:
            out = {"verdict": "timeout"}
        except Exception as exc:  # classified by the test
            import specbias

            ours = isinstance(exc, specbias.SpecbiasError)
            out = {
                "verdict": "specbias-error" if ours else "exception",
                "type": type(exc).__name__,
                "message": str(exc)[:2000] if ours else traceback.format_exc()[-2000:],
            }
        finally:
            signal.alarm(0)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
