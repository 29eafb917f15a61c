"""Size limits derived from the machine: estimate memory first, refuse above a budget.

Every size argument (``kmax``, ``d``, the sample sizes ``n``, ...) is turned into an
estimate of the bytes the computation will hold at its peak, *before* any work
starts.  Above the budget the call is refused with one :class:`~specbias.InputError`
line that names the size, the estimate, the budget and the override.

* Budget: half the physical memory of this machine (``os.sysconf``), or the
  environment variable ``SPECBIAS_MEMORY_BUDGET`` (bytes, or with a K/M/G/T suffix).
* Override: ``allow_large=True`` in the API, ``--allow-large`` on the command line
  (for big machines, or when the estimate is known to be pessimistic).
* Time: where the work grows faster than the memory (endpoint series with many
  terms, huge exact integers), :func:`check_time` compares an estimate of the
  seconds with ``SPECBIAS_TIME_BUDGET`` (default 300 s), with the same override.

The estimates are deliberately simple (bytes per degree, per sample, per digit) and
pessimistic; each caller documents its own.  Other layers call :func:`check_memory`
with named contributions, e.g. the validation sweep (width H, seeds S, n, n_test,
dictionary size M, worker processes J; float64 = 8 bytes)::

    check_memory(
        {
            "kernel matrices (J n^2)": 8 * jobs * n_max**2,
            "test features (J n_test n)": 8 * jobs * n_test * n_max,
            "dictionary (J M d)": 8 * jobs * n_dict * d,
            "trained nets (S H (d + 2))": 8 * seeds * width * (d + 2) * 4,
        },
        "validate",
        allow_large=allow_large,
    )
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from ._errors import InputError

#: Environment variable that sets the memory budget (bytes, or 512M, 8G, ...).
BUDGET_ENV = "SPECBIAS_MEMORY_BUDGET"
#: Environment variable that sets the time budget in seconds.
TIME_BUDGET_ENV = "SPECBIAS_TIME_BUDGET"
#: Default time budget (seconds) for the few computations whose cost is not linear in
#: memory (long series, exact decimal multiplicities with 10^4+ digits).
TIME_BUDGET_S = 300.0
#: Budget when the physical memory cannot be read (4 GiB).
FALLBACK_BUDGET = 4 << 30
_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def physical_memory() -> int | None:
    """Bytes of physical memory of this machine, or None where the OS does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(pages) * int(size) if pages > 0 and size > 0 else None


def memory_budget() -> int:
    """Bytes one specbias computation may use: ``SPECBIAS_MEMORY_BUDGET`` or half the RAM.

    >>> memory_budget() > 0
    True
    """
    text = os.environ.get(BUDGET_ENV, "").strip().upper().removesuffix("B").removesuffix("I")
    if text:
        unit = text[-1] if text[-1] in _SUFFIX else ""
        try:
            value = float(text[: len(text) - len(unit)]) * _SUFFIX[unit]
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise InputError(
                f"{BUDGET_ENV} must be a size such as 8G or 512M, got {os.environ[BUDGET_ENV]!r}"
            )
        return int(value)
    ram = physical_memory()
    return FALLBACK_BUDGET if ram is None else ram // 2


def budget_text() -> str:
    """How the budget is set, for messages and the README (e.g. '12 GB: half the RAM')."""
    if os.environ.get(BUDGET_ENV, "").strip():
        return f"{format_bytes(memory_budget())} from {BUDGET_ENV}"
    ram = physical_memory()
    if ram is None:
        return f"{format_bytes(FALLBACK_BUDGET)}: RAM unknown"
    return f"{format_bytes(ram // 2)}: half of this machine's {format_bytes(ram)}"


def format_bytes(n: float) -> str:
    """1.5e9 -> '1.5 GB' (decimal units, two significant digits or more)."""
    n = float(n)
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def check_memory(
    estimate: float | Mapping[str, float],
    what: str,
    *,
    allow_large: bool = False,
    override: str = "allow_large=True (CLI: --allow-large)",
) -> float:
    """Refuse (:class:`~specbias.InputError`) when ``estimate`` bytes exceed the budget.

    Args:
      estimate: peak bytes, or a mapping {contribution name: bytes} (they are summed
        and the largest is named in the message).
      what: the sizes, as the user gave them (e.g. ``"spectrum kmax=10000000"``).
      allow_large: skip the check (big machines, pessimistic estimates).
      override: how the caller's user turns the check off, for the message.

    Returns:
      The estimate in bytes (a float), also when ``allow_large`` skips the check.

    >>> check_memory({"arrays": 1e6}, "test")
    1000000.0
    >>> check_memory(1e30, "kmax=10^30", allow_large=True)
    1e+30
    """
    parts = dict(estimate) if isinstance(estimate, Mapping) else {"": estimate}
    total = 0.0
    for value in parts.values():
        value = float(value)
        total += value if value == value else math.inf  # NaN estimate: refuse
    if allow_large:
        return total
    budget = memory_budget()
    if total > budget:
        largest = max(parts, key=lambda k: float(parts[k]))
        why = f", mostly {largest}" if largest and len(parts) > 1 else ""
        raise InputError(
            f"{what} needs about {format_bytes(total)} of memory{why}, over the budget "
            f"({budget_text()}); use smaller sizes, or pass {override} (or set {BUDGET_ENV})"
        )
    return total


def time_budget() -> float:
    """Seconds one computation may take: ``SPECBIAS_TIME_BUDGET`` or 300."""
    text = os.environ.get(TIME_BUDGET_ENV, "").strip().lower().removesuffix("s")
    if not text:
        return TIME_BUDGET_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(
            f"{TIME_BUDGET_ENV} must be a number of seconds, got {os.environ[TIME_BUDGET_ENV]!r}"
        )
    return value


def check_time(
    seconds: float,
    what: str,
    *,
    allow_large: bool = False,
    override: str = "allow_large=True (CLI: --allow-large)",
) -> float:
    """Refuse (:class:`~specbias.InputError`) when an estimated run time exceeds the budget.

    >>> check_time(1.0, "test")
    1.0
    """
    seconds = float(seconds)
    if seconds != seconds:
        seconds = math.inf
    if not allow_large and seconds > time_budget():
        raise InputError(
            f"{what} would take about {_duration(seconds)}, over the time budget "
            f"({_duration(time_budget())}); use smaller sizes, or pass {override} "
            f"(or set {TIME_BUDGET_ENV})"
        )
    return seconds


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "forever"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.3g} h"
