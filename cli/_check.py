"""``specbias check``: recompute published claims (paper checks) and report pass/fail."""

from __future__ import annotations

from typing import Annotated

import typer

from specbias.paper_checks import all_checks, get_check

from ._output import show_checks


def check(
    only: Annotated[str | None, typer.Option(help="Run only the check with this name.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Run the paper checks; exit code 1 if any fails."""
    checks = (get_check(only),) if only else all_checks()
    results = [c.run() for c in checks]
    show_checks(checks, results, as_json=json)
    if not all(r.passed for r in results):
        raise typer.Exit(code=1)
