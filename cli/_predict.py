"""``specbias predict``: learning-curve exponents, feature learning versus lazy training."""

from __future__ import annotations

from typing import Annotated

import typer

import specbias
from specbias.theory._predict import TARGET_PARITIES

from ._output import show_prediction


def predict(
    d: Annotated[int, typer.Option(help="Ambient dimension: data uniform on S^(d-1), d >= 2.")],
    nu: Annotated[
        float,
        typer.Option(help="Target smoothness nu_t > 0: c_k ~ k^(-2 nu_t - (d-1))."),
    ],
    activation: Annotated[
        str, typer.Option(help="Feature-regime atoms: the network's activation.")
    ] = "relu",
    kernel: Annotated[
        list[str] | None,
        typer.Option(
            help="Lazy-regime kernel, repeatable (default: ntk and arccos1, i.e. lazy-ntk "
            "and lazy-rf). Names as in `specbias spectrum --kernel`."
        ),
    ] = None,
    target_parity: Annotated[
        str,
        typer.Option(help=f"Degrees the target lives on: {', '.join(TARGET_PARITIES)}."),
    ] = "even",
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Predict the test-error exponent beta (eps ~ n^-beta) for feature and lazy regimes."""
    prediction = specbias.predict(
        d,
        nu,
        activation=activation,
        kernels=tuple(kernel) if kernel else None,
        target_parity=target_parity,
    )
    show_prediction(prediction, as_json=json)
