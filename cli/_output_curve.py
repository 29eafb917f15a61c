"""Output of ``specbias curve`` (and the noise table of ``predict --noise``).

Moved out of :mod:`._output` (which was over 500 lines); same style: rich tables for
people, JSON (``allow_nan=False``) for programs.
"""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table

import specbias
from specbias.theory._curve_result import NOISE_CONVENTION, TRAIN_ERROR_DEFINITION

from ._output import _console, _finite, _g, _print_json


def curve_dict(lc: specbias.LearningCurve, noise_info: dict | None = None) -> dict:
    out = lc.to_dict()
    out["beta_predicted"] = _finite(lc.beta_predicted) if lc.beta_predicted is not None else None
    if noise_info is not None:
        out["noise_regimes"] = noise_info
    return out


def show_curve(
    lc: specbias.LearningCurve, *, as_json: bool, plot: str | None, noise_info: dict | None = None
) -> None:
    if as_json:
        _print_json(curve_dict(lc, noise_info))
        return
    con = _console()
    per_n = np.ndim(lc.ridge) > 0
    ridge = "optimal lambda*(n) (column)" if per_n else _g(lc.ridge)
    con.print(
        f"kernel {lc.kernel} on S^(d-1), d = {lc.d}; target {lc.target} "
        f"(nu_t = {_g(lc.nu_t)}, parity {lc.target_parity}); ridge {ridge}, "
        f"noise {_g(lc.noise)} (relative: sigma^2 = {_g(lc.noise_variance)})"
    )
    con.print(f"test error: {lc.definition}")
    con.print(f"train error: {TRAIN_ERROR_DEFINITION}")
    table = Table()
    cols = ["n", "test_mse", "gen_error", "train_mse", "local slope", "kappa"]
    for col in cols + (["lambda*"] if per_n else []):
        table.add_column(col, justify="right")
    train = lc.train_mse
    for i in range(len(lc.n)):
        row = [
            _g(float(lc.n[i])),
            _g(float(lc.test_mse[i])),
            _g(float(lc.gen_error[i])),
            _g(float(train[i])),
            _g(float(lc.local_slope[i]), 4),
            _g(float(lc.kappa[i])),
        ]
        table.add_row(*row, *([_g(float(lc.ridge[i]))] if per_n else []))
    con.print(table)
    n_asym = lc.n_asymptotic()
    what = "certified truncation" if lc.student is None else "the student's rows"
    con.print(
        f"predicted beta = {_g(lc.beta_predicted)}; local slope within 5% of it from "
        f"n = {_g(n_asym) if n_asym is not None else 'beyond this grid'}; degrees "
        f"summed to K = {lc.kmax} ({what})"
    )
    if lc.student is not None:
        _show_student(con, lc.student)
    if noise_info is not None:
        _show_noise_lines(con, noise_info)
    con.print(
        "(kernel regression, i.e. lazy training; feature learning has no curve theory "
        "here: see `specbias predict`)"
    )
    if plot:
        con.print(f"figure written to {plot}")


def _show_student(con, info: dict) -> None:
    con.print(f"student spectrum: {info['rows']} rows, trace {_g(info['trace'])}")
    con.print(f"certified: {info['certified']}")
    con.print(f"not certified: {info['not_certified']}")
    est = info.get("truncation_estimate")
    if "truncation_estimate" in info:
        worst = "no estimate (fewer than 8 rows or no summable power-law tail)"
        if est:
            worst = f"up to {_g(max(est), 2)} relative (estimated from the fitted tail)"
        con.print(f"truncation estimate: {worst}")


def _show_noise_lines(con, info: dict) -> None:
    con.print(f"noise convention: {NOISE_CONVENTION}")
    for line in noise_lines(info):
        con.print(line)


def noise_lines(info: dict) -> list[str]:
    """Regime boundaries and exponents of one kernel with label noise, as text lines."""
    k, b0 = info["kernel"], info["beta_noiseless"]
    n_x = info.get("crossover_n")
    if n_x is None:
        where = "(none: no noise, or a noiseless error that does not decay)"
    else:
        where = f"n ~ {_g(n_x, 3)} ({info.get('crossover_method')})"
    out = [f"{k}: noiseless beta_0 = {_g(b0)} for n below the crossover {where}"]
    if info.get("plateau_factor") is not None:
        out.append(
            f"{k}: ridgeless beyond it: noise term -> noise*(a-1) = "
            f"{_g(info['noise'] * info['plateau_factor'], 4)} (tempered), beta = 0"
        )
    if info.get("beta_fixed_ridge") is not None:
        out.append(
            f"{k}: fixed ridge lambda > 0, n >> lambda^(-1/(a-1)): beta = min(beta_0/a, 1-1/a)"
            f" = {_g(info['beta_fixed_ridge'], 4)} (noiseless "
            f"{_g(info['beta_fixed_ridge_noiseless'], 4)})"
        )
    if info.get("beta_optimal_ridge") is not None:
        out.append(
            f"{k}: optimal ridge lambda*(n) ~ n^{_g(info['optimal_ridge_exponent'], 4)}: beta* = "
            f"beta_0/(beta_0+1) = {_g(info['beta_optimal_ridge'], 4)}"
        )
    if info.get("note"):
        out.append(f"{k}: {info['note']}")
    return out


def show_noise_prediction(rows: list[dict], *, con=None) -> None:
    """The ``predict --noise`` table: one row per lazy kernel."""
    con = con or _console()
    table = Table(title="with label noise (lazy kernels; eigenlearning theory)")
    for col in ("kernel", "a", "beta_0", "n_x", "ridgeless", "fixed ridge", "optimal", "lambda*"):
        table.add_column(col)
    for r in rows:
        n_x = r.get("crossover_n")
        table.add_row(
            r["kernel"],
            _g(r["a"], 4),
            _g(r["beta_noiseless"], 4),
            "-" if n_x is None or not math.isfinite(n_x) else _g(n_x, 3),
            "0 (plateau)" if r.get("plateau_factor") is not None else "-",
            _g(r.get("beta_fixed_ridge"), 4),
            _g(r.get("beta_optimal_ridge"), 4),
            "-"
            if r.get("optimal_ridge_exponent") is None
            else f"n^{_g(r['optimal_ridge_exponent'], 4)}",
        )
    con.print(table)
    con.print(f"noise convention: {NOISE_CONVENTION}")
    for r in rows:
        for line in noise_lines(r):
            con.print(line)
