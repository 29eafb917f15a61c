"""``specbias decay``: the asymptotic law |mu_k| ~ C(d) k^-alpha(d) of a kernel."""

from __future__ import annotations

from typing import Annotated

import typer

import specbias

from ._output import show_decay


def decay(
    kernel: Annotated[str, typer.Option(help="Kernel or activation, NAME[:key=value,...].")],
    d: Annotated[int, typer.Option(help="Ambient dimension: data uniform on S^(d-1), d >= 2.")],
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Leading large-k decay of mu_k: exponent alpha(d), constant C(d), parity class."""
    show_decay(specbias.decay_law(kernel, d), as_json=json)
