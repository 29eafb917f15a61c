"""The typer app: commands, ``--version``, and the one place errors become one line."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

import specbias

from ._check import check
from ._curve import curve
from ._decay import decay
from ._double_descent import double_descent
from ._fluctuations import fluctuations
from ._hessian import hessian
from ._jamming import jamming
from ._predict import predict
from ._runs import runs
from ._spectrum import spectrum
from ._validate import validate


class _Group(TyperGroup):
    """Turn every :class:`~specbias.SpecbiasError` into ``error: <message>``, exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except specbias.SpecbiasError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=1) from None


app = typer.Typer(
    cls=_Group,
    name="specbias",
    help="Spectral-bias theory calculator: kernel spectra on the sphere, learning-curve "
    "exponents, feature learning versus lazy training.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"specbias {specbias.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """The app's help text is given to typer.Typer above."""
    _float64_jax()


def _float64_jax() -> None:
    """Entry point: trained nets (validate, check) run in float64 JAX.  Set through the
    environment variable JAX reads at import, so JAX is not imported here (worker
    processes can still be forked) and the library never touches ``jax.config``."""
    import os
    import sys

    os.environ["JAX_ENABLE_X64"] = "1"
    if "jax" in sys.modules:  # already imported (e.g. the CLI called in-process)
        sys.modules["jax"].config.update("jax_enable_x64", True)


app.command("predict")(predict)
app.command("spectrum")(spectrum)
app.command("decay")(decay)
app.command("double-descent")(double_descent)
app.command("curve")(curve)
app.command("check")(check)
app.command("validate")(validate)
app.command("runs")(runs)
app.command("fluctuations")(fluctuations)
app.command("jamming")(jamming)
app.command("hessian")(hessian)
