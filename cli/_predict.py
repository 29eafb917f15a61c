"""``specbias predict``: learning-curve exponents, feature learning versus lazy training."""

from __future__ import annotations

import math
from typing import Annotated

import typer

import specbias
from specbias.theory._predict import TARGET_PARITIES

from ._output import show_prediction

#: Spellings of infinity accepted by ``--nu`` (case-insensitive): the constant target.
INF_WORDS = ("inf", "+inf", "infinity", "+infinity")
NU_HELP = (
    "Target smoothness nu_t > 0: c_k ~ k^(-2 nu_t - (d-1)); 'inf' (or infinity): the "
    "constant target f* = 1."
)


def parse_nu(text: str | None) -> float | None:
    """``--nu`` text -> float: a number > 0 or ``inf`` / ``infinity`` (any case).

    The option is read as text so that an overflowing literal such as ``1e400`` is
    refused instead of silently becoming the constant target; ``nan``, zero and
    negative values are refused (by :func:`specbias.theory._predict.check_nu`).

    >>> parse_nu("Inf"), parse_nu("2.5")
    (inf, 2.5)
    """
    if text is None:
        return None
    word = text.strip().lower()
    if word in INF_WORDS:
        return math.inf
    try:
        value = float(word)
    except ValueError:
        raise specbias.InputError(
            f"--nu must be a number > 0 or inf (the constant target), got {text!r}"
        ) from None
    if math.isinf(value) and value > 0:
        raise specbias.InputError(
            f"--nu {text} overflows float64; write inf for the constant target"
        )
    return value


def predict(
    d: Annotated[int, typer.Option(help="Ambient dimension: data uniform on S^(d-1), d >= 2.")],
    nu: Annotated[str, typer.Option(help=NU_HELP)],
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
    noise: Annotated[
        float | None,
        typer.Option(
            help="Label-noise variance relative to the target variance (sigma^2/Var f*): "
            "adds the noisy exponents of each lazy kernel and the regime boundaries."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Predict the test-error exponent beta (eps ~ n^-beta) for feature and lazy regimes."""
    prediction = specbias.predict(
        d,
        parse_nu(nu),
        activation=activation,
        kernels=tuple(kernel) if kernel else None,
        target_parity=target_parity,
    )
    if noise is None:
        show_prediction(prediction, as_json=json)
        return
    from specbias.theory._noise import noisy_lazy_rows

    from ._output import _print_json
    from ._output_curve import show_noise_prediction

    rows = noisy_lazy_rows(prediction, noise, tuple(kernel) if kernel else ("ntk", "arccos1"))
    if json:
        _print_json({**prediction.to_dict(), "noise": rows})
        return
    show_prediction(prediction, as_json=False)
    show_noise_prediction(rows)
