"""Exceptions raised by specbias.

Every user-facing error is a :class:`SpecbiasError`; its message is one line that
names the problem, so the CLI can print it verbatim and exit non-zero.
"""

from __future__ import annotations


class SpecbiasError(Exception):
    """Base class of all specbias errors (one-line, user-facing messages)."""


class InputError(SpecbiasError, ValueError):
    """Bad input: d < 2, nu <= 0, unknown kernel, malformed option, ..."""


class AccuracyError(SpecbiasError, ArithmeticError):
    """A numeric method cannot certify the requested accuracy (refused, not guessed)."""


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for one-line messages about huge inputs.

    >>> shown(10**400)
    "1000000000000000000000000000000000000... (401 characters)"
    """
    text = repr(value) if not isinstance(value, int) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 3]}... ({len(text)} characters)"
