"""Input checks shared by the validation modules (no JAX, no numpy)."""

from __future__ import annotations

import operator

from .._errors import InputError


def check_int(name: str, v, minimum: int = 1) -> int:
    """``v`` as an int (anything with ``__index__``) that is ``>= minimum``, else InputError."""
    try:
        v = operator.index(v)
    except TypeError:
        raise InputError(f"{name} must be an integer, got {v!r}") from None
    if v < minimum:
        raise InputError(f"need {name} >= {minimum}, got {name}={v}")
    return v
