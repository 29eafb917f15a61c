"""Output formatting of the CLI: rich tables for people, JSON for programs.

JSON is written with ``allow_nan=False``: quantities without a finite float value
(log|mu_k| of an exact zero, an infinite decay exponent) are ``null``.  Rich markup
is off, so sympy/LaTeX text with brackets prints verbatim.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

import specbias
from specbias.paper_checks import CheckResult, PaperCheck
from specbias.spectra._multiplicity import iter_harmonic_multiplicities

_LN10 = math.log(10.0)


# --------------------------------------------------------------------------- files
PLOT_FORMATS = (".png", ".pdf", ".svg")
EXPORT_FORMATS = (".csv", ".json")


def check_store_path(store: str | None) -> None:
    """Refuse an empty ``--store`` before any work (one line, as every user error)."""
    if store is not None and not store.strip():
        raise specbias.InputError("--store: empty path (give a file name, or leave --store out)")


def check_output_path(path: str, option: str, formats: Sequence[str]) -> Path:
    """Refuse an output file before any computation: its format, folder and writability.

    One check for every option that writes a file (``--plot``, ``--plot-degrees``,
    ``--csv``, ``--export``; ``validate --plot`` too).  Writability is probed by
    creating and removing a temporary file beside the target, which also catches
    read-only places and pseudo file systems such as /proc.
    """
    import tempfile

    if not path or not path.strip():
        raise specbias.InputError(f"{option}: empty file name")
    target = Path(path)
    if target.suffix.lower() not in formats:
        raise specbias.InputError(
            f"{option} file must end in {', '.join(formats)}, got {target.name or path!r}"
        )
    if target.is_dir() or path.endswith(("/", os.sep)):
        raise specbias.InputError(f"{option}: {path} is a directory, not a file")
    folder = target.parent
    if not folder.is_dir():
        raise specbias.InputError(f"{option}: cannot write {path}: folder {folder} does not exist")
    if target.exists() and not (target.is_file() and os.access(target, os.W_OK)):
        raise specbias.InputError(f"{option}: cannot write {path}: not a writable file")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".specbias-probe-"):
            pass
    except OSError as err:
        raise specbias.InputError(
            f"{option}: cannot write {path}: {err.strerror or err} in {folder}"
        ) from None
    return target


def _console() -> Console:
    con = Console(markup=False, emoji=False, highlight=False)
    if not con.is_terminal and "COLUMNS" not in os.environ:
        con.width = 120  # piped or captured: no terminal to fit, rich would use 80
    return con


def _print_json(obj: object) -> None:
    typer.echo(json.dumps(obj, indent=2, allow_nan=False))


def _finite(x: float) -> float | None:
    """A JSON number, or None where float64 has no finite value."""
    x = float(x)
    return x if math.isfinite(x) else None


def _g(x: float | None, digits: int = 6) -> str:
    if x is None:
        return "-"
    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}"


def _decimal(n: int) -> str:
    """All decimal digits of ``n``, also past Python's int->str digit limit (3.11+)."""
    try:
        return str(n)
    except ValueError:
        limit = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)
        try:
            return str(n)
        finally:
            sys.set_int_max_str_digits(limit)


def _sci_from_log(sign: int, log_abs: float, digits: int = 10) -> str:
    """sign * exp(log_abs) as text, also where the float itself under/overflows."""
    if sign == 0:
        return "0"
    l10 = log_abs / _LN10
    if -300 < l10 < 300:
        return f"{sign * math.exp(log_abs):.{digits}g}"
    e = math.floor(l10)
    return f"{'-' if sign < 0 else ''}{10 ** (l10 - e):.{digits - 1}f}e{e:+d}"


# --------------------------------------------------------------------------- predict
_LIMITED_BY = {
    "target": "target: 2 nu_t <= 2 alpha",
    "atoms": "atoms: 2 alpha < 2 nu_t",
    "parity": "parity: plateau",
}


def show_prediction(pred: specbias.Prediction, *, as_json: bool) -> None:
    if as_json:
        _print_json(pred.to_dict())
        return
    con = _console()
    table = Table(
        title=f"specbias predict: d = {pred.d}, nu_t = {_g(pred.nu_t)}"
        f"{' (constant target)' if math.isinf(pred.nu_t) else ''}, "
        f"target parity: {pred.target_parity}",
        title_justify="left",
    )
    for col in ("regime", "atoms", "alpha", "on", "beta", "limited by"):
        table.add_column(col)
    for r in pred.predictions:
        table.add_row(
            r.regime,
            r.atoms,
            _g(r.decay_exponent),
            f"{r.atom_parity} k",
            _g(r.beta),
            _LIMITED_BY.get(r.limited_by, r.limited_by),
        )
    con.print(table)
    con.print("alpha: |mu_k(atoms)| ~ k^-alpha (decay_law); beta: test error ~ n^-beta")
    for r in pred.predictions:
        if r.note:
            con.print(f"note ({r.regime}): {r.note}")
    worse = [c.lazy for c in pred.comparisons if c.crossover_nu is not None]
    if pred.crossover_nu is not None:
        con.print(
            f"crossover: nu_t = {_g(pred.crossover_nu)} (alpha of {pred.predictions[0].atoms}); "
            f"for smoother targets feature learning is worse than {', '.join(worse)}"
        )
    else:
        con.print("crossover: none")
    if pred.predictions[0].limited_by == "parity":
        con.print(f"verdict: {pred.verdict}")
    for c in pred.comparisons:  # one verdict per lazy kernel, named
        con.print(f"verdict vs {c.lazy}: {c.text}")
    con.print(f"target: {pred.target}")
    con.print(f"rule: {pred.rule}")
    con.print(f"convention: {pred.convention}")
    for caveat in pred.caveats:
        con.print(f"caveat: {caveat}")


# --------------------------------------------------------------------------- spectrum
#: Tables longer than this print their first and last rows and point to --json/--csv
#: (rich lays a table out in memory: 48 s for 10^5 rows).
TABLE_MAX_ROWS = 2000
_TABLE_EDGE = 10
_CHUNK = 1 << 16
#: Seconds per row of streamed JSON/CSV, and per squared decimal digit of an exact
#: multiplicity (CPython's int -> str is quadratic), with margin.
_SECONDS_PER_ROW = 4e-6
_SECONDS_PER_DIGIT2 = 6e-11


def spectrum_output_seconds(d: int, kmax: int) -> float:
    """Estimated seconds to write all rows with exact decimal multiplicities N(d,k)."""
    import numpy as np

    k = np.unique(np.linspace(0, kmax, 257).round())  # N(d,k) is smooth in k: sample it
    digits = specbias.log_harmonic_multiplicity(d, k) / _LN10 + 1
    mean_sq = float(np.mean(digits * digits))
    return (kmax + 1) * (_SECONDS_PER_ROW + mean_sq * _SECONDS_PER_DIGIT2)


def _spectrum_chunks(spec: specbias.Spectrum, exact: tuple[str, list[str]] | None):
    """Columns of ``_CHUNK`` rows at a time, as lists ready for text output.

    (k, multiplicity text, value, sign, log_abs|None, rel_error|None, exact|None) lists;
    column-wise so that formatting runs through ``map`` (C loops), about 1 s per 10^6
    rows, which keeps ``--json`` at kmax = 10^7 well under a minute.
    """
    mults = iter_harmonic_multiplicities(spec.d, len(spec) - 1)
    for lo in range(0, len(spec), _CHUNK):
        hi = min(lo + _CHUNK, len(spec))
        yield (
            range(lo, hi),
            [_decimal(next(mults)) for _ in range(hi - lo)],
            spec.values[lo:hi].tolist(),
            spec.sign[lo:hi].tolist(),
            _finite_list(spec.log_abs[lo:hi]),
            _finite_list(spec.rel_error[lo:hi]),
            [None] * (hi - lo) if exact is None else exact[1][lo:hi],
        )


def _finite_list(x) -> list[float | None]:
    """x.tolist() with None where float64 has no finite value (see :func:`_finite`)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    out = x.tolist()
    if not np.isfinite(x).all():
        for i in np.flatnonzero(~np.isfinite(x)).tolist():
            out[i] = None
    return out


def _spectrum_rows(spec: specbias.Spectrum, exact: tuple[str, list[str]] | None):
    """(k, multiplicity text, value, sign, log_abs|None, rel_error|None, exact|None), lazily."""
    for cols in _spectrum_chunks(spec, exact):
        yield from zip(*cols, strict=True)


def _json_value(x) -> str:
    return "null" if x is None else repr(x)


def write_spectrum_json(
    spec: specbias.Spectrum, exact: tuple[str, list[str]] | None, out=None
) -> None:
    """The JSON of :func:`spectrum_dict`, streamed row by row (constant memory)."""
    out = sys.stdout if out is None else out
    head = {"kernel": spec.kernel, "d": spec.d, "convention": spec.convention}
    head["method"] = spec.method
    if exact is not None:
        head["formula"] = exact[0]
    text = json.dumps(head, indent=2, allow_nan=False)
    out.write(text[: -len("\n}")] + ',\n  "eigenvalues": [')
    row = (
        '\n    {\n      "k": %d,\n      "multiplicity": "%s",\n      "value": %s,\n'
        '      "sign": %d,\n      "log_abs": %s,\n      "rel_error": %s'
    )
    first = True
    for k, mult, value, sign, log_abs, rel, ex in _spectrum_chunks(spec, exact):
        cols = [k, mult, map(repr, value), sign, map(_json_value, log_abs), map(_json_value, rel)]
        end = "\n    }"
        if exact is not None:
            cols.append(map(json.dumps, ex))
            end = ',\n      "exact": %s' + end
        text = ",".join(map((row + end).__mod__, zip(*cols, strict=True)))
        out.write(text if first else "," + text)
        first = False
    out.write("\n  ]\n}\n")
    out.flush()


def write_spectrum_csv(
    spec: specbias.Spectrum, exact: tuple[str, list[str]] | None, path: str
) -> None:
    """All rows as CSV: k, multiplicity, value, sign, log_abs, rel_error[, exact]."""
    import csv

    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            cols = ["k", "multiplicity", "value", "sign", "log_abs", "rel_error"]
            writer.writerow([*cols, "exact"] if exact is not None else cols)
            for k, mult, value, sign, log_abs, rel, ex in _spectrum_rows(spec, exact):
                row = [k, mult, repr(value), sign, _csv(log_abs), _csv(rel)]
                writer.writerow([*row, ex] if exact is not None else row)
    except OSError as err:
        raise specbias.InputError(f"cannot write {path}: {err.strerror or err}") from None


def _csv(x) -> str:
    return "" if x is None else repr(x)


def spectrum_dict(spec: specbias.Spectrum, exact: tuple[str, list[str]] | None) -> dict:
    """The JSON form of a spectrum; ``exact`` = (formula line, exact mu_k texts)."""
    rows = []
    for k, mult, value, sign, log_abs, rel, ex in _spectrum_rows(spec, exact):
        row = {
            "k": k,
            "multiplicity": mult,
            "value": value,
            "sign": sign,
            "log_abs": log_abs,
            "rel_error": rel,
        }
        if ex is not None:
            row["exact"] = ex
        rows.append(row)
    out = {
        "kernel": spec.kernel,
        "d": spec.d,
        "convention": spec.convention,
        "method": spec.method,
    }
    if exact is not None:
        out["formula"] = exact[0]
    out["eigenvalues"] = rows
    return out


def show_spectrum(
    spec: specbias.Spectrum,
    exact: tuple[str, list[str]] | None,
    *,
    as_json: bool,
    csv_path: str | None = None,
) -> None:
    if csv_path is not None:
        write_spectrum_csv(spec, exact, csv_path)
    if as_json:
        write_spectrum_json(spec, exact)
        return
    con = _console()
    con.print(f"kernel {spec.kernel} on S^(d-1), d = {spec.d}, method: {spec.method}")
    con.print(f"convention: {spec.convention}")
    if exact is not None:
        con.print(exact[0])
    table = Table()
    for col in ("k", "N(d,k)", "mu_k", "sign", "log|mu_k|", "rel. error"):
        table.add_column(col, justify="right", overflow="fold")
    if exact is not None:
        table.add_column("exact mu_k", overflow="fold")
    n = len(spec)
    shown = range(n) if n <= TABLE_MAX_ROWS else [*range(_TABLE_EDGE), *range(n - _TABLE_EDGE, n)]
    for i in shown:
        if n > TABLE_MAX_ROWS and i == n - _TABLE_EDGE:
            table.add_row("...", *([""] * (len(table.columns) - 1)))
        k = int(spec.k[i])
        sign, log_abs = int(spec.sign[i]), float(spec.log_abs[i])
        log_n = float(specbias.log_harmonic_multiplicity(spec.d, k))
        mult = (
            str(specbias.harmonic_multiplicity(spec.d, k))
            if log_n < 15 * _LN10
            else _sci_from_log(1, log_n, 6)
        )
        row = [
            str(k),
            mult,
            _sci_from_log(sign, log_abs),
            f"{sign:+d}" if sign else "0",
            _g(_finite(log_abs), 10),
            _g(_finite(float(spec.rel_error[i])), 2),
        ]
        if exact is not None:
            row.append(exact[1][i])
        table.add_row(*row)
    con.print(table)
    if n > TABLE_MAX_ROWS:
        worst = float(spec.rel_error.max())
        con.print(
            f"{n} rows: the first and last {_TABLE_EDGE} shown (largest rel. error "
            f"{_g(worst, 2)}); all rows with --json or --csv FILE"
            + (f" (written to {csv_path})" if csv_path else "")
        )
    elif csv_path:
        con.print(f"all rows written to {csv_path}")


# --------------------------------------------------------------------------- decay
def decay_dict(law: specbias.DecayLaw) -> dict:
    return {
        "kernel": law.kernel,
        "d": law.d,
        "alpha": _finite(law.alpha),
        "alpha_expr": None if law.alpha_expr is None else str(law.alpha_expr),
        "constant": law.constant,
        "constant_expr": None if law.constant_expr is None else str(law.constant_expr),
        "parity": law.parity,
        "sign": law.sign,
        "formula": law.formula,
        "note": law.note,
    }


def show_decay(law: specbias.DecayLaw, *, as_json: bool) -> None:
    if as_json:
        _print_json(decay_dict(law))
        return
    con = _console()
    table = Table(title=f"decay law of {law.kernel} on S^(d-1), d = {law.d}", title_justify="left")
    table.add_column("quantity")
    table.add_column("value")
    table.add_row("law", law.formula)
    table.add_row("alpha", _g(law.alpha, 12))
    if law.alpha_expr is not None:
        table.add_row("alpha(d)", str(law.alpha_expr))
    table.add_row("C", _g(law.constant, 12))
    if law.constant_expr is not None:
        table.add_row("C(d)", str(law.constant_expr))
    table.add_row("parity", f"law holds on {law.parity} k")
    table.add_row("sign", law.sign)
    if law.note:
        table.add_row("note", law.note)
    con.print(table)
    con.print(f"convention: {specbias.CONVENTION}")


# --------------------------------------------------------------------------- check
def checks_dict(checks: Sequence[PaperCheck], results: Sequence[CheckResult]) -> dict:
    return {
        "passed": all(r.passed for r in results),
        "checks": [
            {
                "name": c.name,
                "reference": c.reference,
                "description": c.description,
                "passed": r.passed,
                "details": r.details,
            }
            for c, r in zip(checks, results, strict=True)
        ],
    }


def show_checks(
    checks: Sequence[PaperCheck], results: Sequence[CheckResult], *, as_json: bool
) -> None:
    if as_json:
        _print_json(checks_dict(checks, results))
        return
    con = _console()
    summary = Table(title="paper checks", title_justify="left")
    for col in ("check", "reference", "result", "claim"):
        summary.add_column(col)
    for c, r in zip(checks, results, strict=True):
        summary.add_row(c.name, c.reference, "PASS" if r.passed else "FAIL", c.description)
    for c, r in zip(checks, results, strict=True):
        if not r.details:
            continue
        details = Table(title=f"{c.name} ({c.reference})", title_justify="left")
        keys = list(r.details[0])
        for key in keys:
            details.add_column(key, overflow="fold")
        for row in r.details:
            details.add_row(*(_cell(row.get(key)) for key in keys))
        con.print(details)
    con.print(summary)
    failed = [r.name for r in results if not r.passed]
    con.print(
        f"{len(results) - len(failed)}/{len(results)} passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return _g(value, 6)
    return str(value)
