"""``specbias spectrum``: eigenvalues mu_k, k = 0..kmax, with multiplicities and errors."""

from __future__ import annotations

from typing import Annotated

import typer

import specbias
from specbias.spectra._spectrum import METHODS

from ._output import TABLE_MAX_ROWS, check_output_path, show_spectrum, spectrum_output_seconds

#: Most rows that --json/--csv write without --allow-large: 10^6 rows take a few
#: seconds (about 1 s per 10^6 rows to format, plus the eigenvalues); 10^7 rows take
#: close to a minute on a loaded machine, so they need the explicit override.
FULL_OUTPUT_KMAX = 1_000_000


def spectrum(
    kernel: Annotated[
        str,
        typer.Option(
            help="Kernel or activation, NAME[:key=value,...], e.g. relu, ntk, "
            "relu-power:a=1.5, ntk:depth=3, laplace:c=1, 'expr:t**3 + exp(t)'."
        ),
    ],
    d: Annotated[int, typer.Option(help="Ambient dimension: data uniform on S^(d-1), d >= 2.")],
    kmax: Annotated[int, typer.Option(help="Largest degree k.")],
    exact: Annotated[
        bool, typer.Option("--exact", help="Add the exact (sympy) value of each mu_k.")
    ] = False,
    latex: Annotated[
        bool, typer.Option("--latex", help="Write exact values as LaTeX (with --exact).")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    method: Annotated[str, typer.Option(help=f"One of {', '.join(METHODS)}.")] = "auto",
    rtol: Annotated[
        float, typer.Option(help="Largest accepted estimated relative error of mu_k.")
    ] = 1e-10,
    csv: Annotated[
        str | None,
        typer.Option(
            help="Also write all rows to this .csv file (tables show a summary "
            f"past {TABLE_MAX_ROWS} rows)."
        ),
    ] = None,
    allow_large: Annotated[
        bool,
        typer.Option(
            "--allow-large",
            help="Skip the memory/time budget (half the RAM, 300 s; see README).",
        ),
    ] = False,
) -> None:
    """Eigenvalues mu_k of a dot-product kernel on S^(d-1) (multiplicity not included)."""
    if latex and not exact:
        raise specbias.InputError("--latex formats exact values: add --exact")
    if csv is not None:
        check_output_path(csv, "--csv", (".csv",))
    if (json or csv is not None) and isinstance(kmax, int) and isinstance(d, int):
        from specbias._budget import check_time
        from specbias.spectra._multiplicity import check_dimension
        from specbias.spectra._spectrum import check_kmax

        d_ok, k_ok = check_dimension(d), check_kmax(kmax)
        if k_ok > FULL_OUTPUT_KMAX and not allow_large:
            raise specbias.InputError(
                f"--json/--csv write every row: kmax={k_ok} is over {FULL_OUTPUT_KMAX} "
                "(about a minute and gigabytes of text); lower kmax, drop --json/--csv "
                "for a summary table, or pass --allow-large"
            )
        check_time(
            spectrum_output_seconds(d_ok, k_ok),
            f"writing {k_ok + 1} rows with exact multiplicities N(d={d_ok},k)",
            allow_large=allow_large,
            override="--allow-large",
        )
    spec = specbias.eigenvalues(kernel, d, kmax, method=method, rtol=rtol, allow_large=allow_large)
    exact_values = _exact_values(spec, latex, allow_large) if exact else None
    show_spectrum(spec, exact_values, as_json=json, csv_path=csv)


def _exact_values(
    spec: specbias.Spectrum, latex: bool, allow_large: bool = False
) -> tuple[str, list[str]]:
    """(formula line, exact mu_k as text), the largest k first so the limit is hit at once.

    The estimated time of all values (:func:`~specbias.spectra._exact.exact_seconds`,
    printing included) is checked first; rationals past CPython's 4300-digit
    ``int`` -> ``str`` limit are printed in full.
    """
    import sys

    import numpy as np
    import sympy as sp

    from specbias._budget import check_time
    from specbias.spectra._exact import eigenvalue_text, exact_eigenvalue, exact_seconds

    kmax = len(spec) - 1
    check_time(
        float(np.sum(exact_seconds(spec.kernel, spec.d, np.arange(kmax + 1), printing=True))),
        f"exact mu_k of {spec.kernel} at d={spec.d} for k <= {kmax}",
        allow_large=allow_large,
        override="--allow-large",
    )
    show = sp.latex if latex else sp.sstr
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        texts = [
            show(exact_eigenvalue(spec.kernel, spec.d, k, allow_large=True))
            for k in range(kmax, -1, -1)
        ]
    finally:
        sys.set_int_max_str_digits(limit)
    return eigenvalue_text(spec.kernel, latex=latex), texts[::-1]
