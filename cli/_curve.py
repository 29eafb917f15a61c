"""``specbias curve``: the full kernel-regression learning curve eps(n) from exact spectra."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
import typer

import specbias
from specbias.theory._noise import noise_summary, optimal_ridge_curve
from specbias.theory._plot import plot_learnability, plot_learning_curve
from specbias.theory._truncation import N_COUNT_MAX

from ._output import PLOT_FORMATS, check_output_path
from ._output_curve import show_curve
from ._predict import parse_nu
from ._student_file import read_student_spectrum


class _TooManySizes(Exception):
    """A start:stop:count grid with count above N_COUNT_MAX."""


def parse_n(text: str) -> np.ndarray:
    """``10,100,1000`` or ``start:stop:count`` (log-spaced integers, duplicates dropped)."""
    text = text.strip()
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            lo, hi, m = float(start), float(stop), int(count)
            if not (0 < lo <= hi and m >= 1):
                raise ValueError
            if m > N_COUNT_MAX:  # refused before the grid is built
                raise _TooManySizes(m)
            values = np.unique(np.rint(np.geomspace(lo, hi, m)).astype(np.int64))
        else:
            values = np.array([float(v) for v in text.split(",") if v.strip()])
            if not values.size:
                raise ValueError
    except _TooManySizes as err:
        raise specbias.InputError(
            f"--n {text}: at most {N_COUNT_MAX} sample sizes per curve, got count {err}"
        ) from None
    except ValueError:
        raise specbias.InputError(
            f"--n must be a comma list (10,100,1000) or start:stop:count, got {text!r}"
        ) from None
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise specbias.InputError(f"--n values must be finite and > 0, got {text!r}")
    return values


def parse_target(text: str, d: int, nu: float | None, parity: str) -> specbias.Target:
    """``smooth`` (needs --nu) or ``teacher:KERNEL`` (e.g. teacher:abs-power-rf:a=1.5)."""
    if text == "smooth":
        if nu is None:
            raise specbias.InputError("--nu is required for the smooth target (or give --target)")
        return specbias.smooth_target(d, nu, parity=parity)
    if text.startswith("teacher:"):
        return specbias.teacher_target(text.removeprefix("teacher:"), d)
    raise specbias.InputError(
        f"--target must be 'smooth' or 'teacher:KERNEL' (e.g. teacher:laplace), got {text!r}"
    )


def curve(
    d: Annotated[int, typer.Option(help="Ambient dimension: data uniform on S^(d-1), d >= 2.")],
    kernel: Annotated[str, typer.Option(help="Student kernel (PSD), e.g. ntk, laplace.")] = "ntk",
    nu: Annotated[
        str | None,
        typer.Option(help="Smoothness nu_t of the smooth target field; 'inf': the constant."),
    ] = None,
    n: Annotated[
        str, typer.Option(help="Sizes: comma list or start:stop:count (log-spaced).")
    ] = "10:100000:40",
    ridge: Annotated[float, typer.Option(help="Ridge lambda >= 0 (0 = ridgeless).")] = 0.0,
    noise: Annotated[
        float,
        typer.Option(
            help="Label-noise variance RELATIVE to the target variance, sigma^2/Var f* >= 0 "
            "(adds the noise regimes: crossover n, plateau, fixed and optimal ridge)."
        ),
    ] = 0.0,
    optimal_ridge: Annotated[
        bool,
        typer.Option(
            "--optimal-ridge",
            help="Use at each n the ridge lambda*(n) minimizing gen_error (needs --noise > 0).",
        ),
    ] = False,
    student_spectrum: Annotated[
        str | None,
        typer.Option(
            help="Student given by its eigenvalues instead of --kernel: CSV with header "
            "mu,multiplicity, one degree per row k = 0, 1, ... (.npy / .json also read).",
        ),
    ] = None,
    student_trace: Annotated[
        float | None,
        typer.Option(
            help="k(x,x) = sum over all degrees of N(d,k) mu_k of the student: the tail beyond "
            "the rows is then exact and certified (else: the rows are the whole kernel)."
        ),
    ] = None,
    target: Annotated[
        str, typer.Option(help="'smooth' (c_k ~ (k+1)^(-2nu-(d-1))) or 'teacher:KERNEL'.")
    ] = "smooth",
    target_parity: Annotated[
        str,
        typer.Option(
            help="Degrees of the smooth target: even (default, in the span of bias-free ReLU "
            "kernels, as for `predict`), odd or all."
        ),
    ] = "even",
    rtol: Annotated[float, typer.Option(help="Certified relative truncation error.")] = 1e-6,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    plot: Annotated[
        str | None, typer.Option(help="Write a log-log figure (png/pdf/svg) to this file.")
    ] = None,
    plot_degrees: Annotated[
        str | None,
        typer.Option(
            help="Write per-degree learnability L_k(n), k <= 5, to this file (the "
            "high-dimensional staircase, arXiv 1904.12191)."
        ),
    ] = None,
    allow_large: Annotated[
        bool,
        typer.Option(
            "--allow-large", help="Skip the memory/time budget (half the RAM, 300 s; see README)."
        ),
    ] = False,
) -> None:
    """Learning curve of kernel regression (eigenlearning theory) with its local slopes."""
    for option, path in (("--plot", plot), ("--plot-degrees", plot_degrees)):
        if path is not None:
            check_output_path(path, option, PLOT_FORMATS)
    sizes = parse_n(n)
    tgt = parse_target(target, d, parse_nu(nu), target_parity)
    student = kernel
    if student_spectrum is not None:
        student = read_student_spectrum(student_spectrum, d, student_trace)
    elif student_trace is not None:
        raise specbias.InputError("--student-trace needs --student-spectrum")
    if optimal_ridge and not noise > 0:
        raise specbias.InputError("--optimal-ridge needs --noise > 0 (without noise lambda* = 0)")
    if optimal_ridge and ridge != 0:
        raise specbias.InputError("give either --ridge or --optimal-ridge, not both")
    with _LazyProgress(enabled=not json) as progress:
        if optimal_ridge:
            lc = optimal_ridge_curve(student, tgt, sizes, noise, rtol=rtol)
        else:
            lc = specbias.learning_curve(
                student,
                tgt,
                sizes,
                ridge=ridge,
                noise=noise,
                rtol=rtol,
                progress=progress,
                allow_large=allow_large,
            )
    noise_info = noise_summary(student, tgt, noise) if noise > 0 else None
    if plot:
        plot_learning_curve(lc, plot)
    if plot_degrees:
        plot_learnability(lc, plot_degrees)
    show_curve(lc, as_json=json, plot=plot, noise_info=noise_info)


class _LazyProgress:
    """A rich progress bar that appears only once the work has taken over a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.bar = None
        self.task = None

    def __enter__(self):
        return self

    def __call__(self, kmax: int, bound: float, done: bool) -> None:
        if not self.enabled:
            return
        if self.bar is None and time.monotonic() - self.start > 1.0 and not done:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("truncation K", total=None)
        if self.bar is not None:
            self.bar.update(
                self.task, description=f"K = {kmax}: error bound {bound:.1e}", advance=1
            )

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
