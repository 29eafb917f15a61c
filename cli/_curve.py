"""``specbias curve``: the full kernel-regression learning curve eps(n) from exact spectra."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
import typer

import specbias
from specbias.theory._plot import plot_learnability, plot_learning_curve

from ._output import PLOT_FORMATS, check_output_path, show_curve
from ._predict import parse_nu


def parse_n(text: str) -> np.ndarray:
    """``10,100,1000`` or ``start:stop:count`` (log-spaced integers, duplicates dropped)."""
    text = text.strip()
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            lo, hi, m = float(start), float(stop), int(count)
            if not (0 < lo <= hi and m >= 1):
                raise ValueError
            values = np.unique(np.rint(np.geomspace(lo, hi, m)).astype(np.int64))
        else:
            values = np.array([float(v) for v in text.split(",") if v.strip()])
            if not values.size:
                raise ValueError
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
    noise: Annotated[float, typer.Option(help="Label-noise variance sigma^2 >= 0.")] = 0.0,
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
    with _LazyProgress(enabled=not json) as progress:
        lc = specbias.learning_curve(
            kernel,
            tgt,
            sizes,
            ridge=ridge,
            noise=noise,
            rtol=rtol,
            progress=progress,
            allow_large=allow_large,
        )
    if plot:
        plot_learning_curve(lc, plot)
    if plot_degrees:
        plot_learnability(lc, plot_degrees)
    show_curve(lc, as_json=json, plot=plot)


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
