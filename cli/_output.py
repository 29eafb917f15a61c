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

import typer
from rich.console import Console
from rich.table import Table

import specbias
from specbias.paper_checks import CheckResult, PaperCheck

_LN10 = math.log(10.0)


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
        title=f"specbias predict: d = {pred.d}, nu_t = {_g(pred.nu_t)}, "
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
    if pred.crossover_nu is not None:
        con.print(
            f"crossover: nu_t = {_g(pred.crossover_nu)} (alpha of {pred.predictions[0].atoms}); "
            "for smoother targets feature learning is worse than lazy training"
        )
    else:
        con.print("crossover: none")
    con.print(f"verdict: {pred.verdict}")
    con.print(f"rule: {pred.rule}")
    con.print(f"convention: {pred.convention}")
    for caveat in pred.caveats:
        con.print(f"caveat: {caveat}")


# --------------------------------------------------------------------------- spectrum
def spectrum_dict(spec: specbias.Spectrum, exact: tuple[str, list[str]] | None) -> dict:
    """The JSON form of a spectrum; ``exact`` = (formula line, exact mu_k texts)."""
    rows = []
    values = spec.values.tolist()
    signs = spec.sign.tolist()
    logs = spec.log_abs.tolist()
    rels = spec.rel_error.tolist()
    mults = specbias.harmonic_multiplicities(spec.d, int(spec.k[-1]))
    for i, k in enumerate(spec.k.tolist()):
        row = {
            "k": k,
            "multiplicity": _decimal(mults[k]),
            "value": values[i],
            "sign": signs[i],
            "log_abs": _finite(logs[i]),
            "rel_error": _finite(rels[i]),
        }
        if exact is not None:
            row["exact"] = exact[1][i]
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
    spec: specbias.Spectrum, exact: tuple[str, list[str]] | None, *, as_json: bool
) -> None:
    if as_json:
        _print_json(spectrum_dict(spec, exact))
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
    log_n = spec.log_multiplicity.tolist()
    for i, k in enumerate(spec.k.tolist()):
        sign, log_abs = int(spec.sign[i]), float(spec.log_abs[i])
        mult = (
            str(specbias.harmonic_multiplicity(spec.d, k))
            if log_n[i] < 15 * _LN10
            else _sci_from_log(1, log_n[i], 6)
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


# --------------------------------------------------------------------------- curve
def curve_dict(lc: specbias.LearningCurve) -> dict:
    out = lc.to_dict()
    out["beta_predicted"] = _finite(lc.beta_predicted) if lc.beta_predicted is not None else None
    return out


def show_curve(lc: specbias.LearningCurve, *, as_json: bool, plot: str | None) -> None:
    if as_json:
        _print_json(curve_dict(lc))
        return
    con = _console()
    con.print(
        f"kernel {lc.kernel} on S^(d-1), d = {lc.d}; target {lc.target} "
        f"(nu_t = {_g(lc.nu_t)}, parity {lc.target_parity}); ridge {_g(lc.ridge)}, "
        f"noise {_g(lc.noise)}"
    )
    con.print(f"test error: {lc.definition}")
    table = Table()
    for col in ("n", "test_mse", "gen_error", "local slope", "kappa"):
        table.add_column(col, justify="right")
    for i in range(len(lc.n)):
        table.add_row(
            _g(float(lc.n[i])),
            _g(float(lc.test_mse[i])),
            _g(float(lc.gen_error[i])),
            _g(float(lc.local_slope[i]), 4),
            _g(float(lc.kappa[i])),
        )
    con.print(table)
    n_asym = lc.n_asymptotic()
    con.print(
        f"predicted beta = {_g(lc.beta_predicted)}; local slope within 5% of it from "
        f"n = {_g(n_asym) if n_asym is not None else 'beyond this grid'}; degrees "
        f"summed to K = {lc.kmax} (certified truncation)"
    )
    con.print(
        "(kernel regression, i.e. lazy training; feature learning has no curve theory "
        "here: see `specbias predict`)"
    )
    if plot:
        con.print(f"figure written to {plot}")
