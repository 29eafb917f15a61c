"""The ``specbias`` command line: thin typer commands over the library.

``specbias predict | spectrum | decay | curve | check | validate | runs``; every
command makes one library call and hands the result to :mod:`._output` for printing.  Nothing in the
library imports the CLI.
"""

from ._app import app as app


def main() -> None:
    """Console-script entry point (``specbias = specbias.cli:main``)."""
    app()
