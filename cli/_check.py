"""``specbias check``: recompute published claims (paper checks) and report pass/fail."""

from __future__ import annotations

import time
from typing import Annotated

import typer

import specbias
from specbias.paper_checks import all_checks, get_check

from ._output import show_checks
from ._scheduler import check_jobs, executor


def check(
    only: Annotated[str | None, typer.Option(help="Run only the check with this name.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Run the units of the sweep checks (validate, fluctuations, jamming) on "
            "a Dask cluster: tcp://HOST:PORT or local:N; the other checks run here."
        ),
    ] = None,
) -> None:
    """Run the paper checks; exit code 1 if any fails."""
    check_jobs(scheduler, None)  # a malformed --scheduler: refused before any check
    if only is not None and not only.strip():
        known = ", ".join(c.name for c in all_checks())
        raise specbias.InputError(f"--only needs a check name; known: {known}")
    checks = (get_check(only.strip()),) if only is not None else all_checks()
    results = []
    with executor(scheduler) as (client, _):
        for i, c in enumerate(checks, 1):
            eta = f", about {c.seconds / 60:.0f} min on two cores" if c.seconds else ""
            where = ", on the cluster" if client is not None and c.sweeps else ""
            typer.echo(f"[{i}/{len(checks)}] {c.name} ({c.reference}){eta}{where} ...", err=True)
            start = time.monotonic()
            results.append(c.run(client))
            verdict = "pass" if results[-1].passed else "FAIL"
            took = time.monotonic() - start
            typer.echo(f"[{i}/{len(checks)}] {c.name}: {verdict} in {took:.1f} s", err=True)
    show_checks(checks, results, as_json=json)
    if not all(r.passed for r in results):
        raise typer.Exit(code=1)
