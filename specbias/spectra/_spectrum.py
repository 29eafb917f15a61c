"""All eigenvalues mu_0..mu_K of a kernel at once, in float64 log space.

The entry point :func:`eigenvalues` picks the best method for the kernel:

* ``closed-form``: Gamma-function formulas (relu, step, relu-power, abs-power,
  abs-power-rf, arccos0/1/2, ntk, polynomial ``expr``) -- relative error
  ~1e-15 + 4 eps |log mu_k|.
* ``series``: endpoint (Puiseux) series in sqrt(1-t) with closed-form terms
  (ntk-bias, laplace), with a cancellation and truncation estimate per k.
* ``bessel``: modified Bessel closed form (gaussian).
* ``quadrature``: float64 Gauss-Legendre in theta with an error estimate
  (deep NTK / NNGP, user expressions), limited to k <= 4000.

The route is the family record's (:mod:`specbias.spectra.families`): a family with no
float64 formula for its parameters falls back to quadrature.  Every result carries
a per-k relative error estimate; entries worse than ``rtol`` raise
:class:`~specbias.AccuracyError` (or are flagged with ``strict=False``), never
returned silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._budget import check_memory, check_time
from .._errors import AccuracyError, InputError, shown
from ._conventions import CONVENTION
from ._kernels import Kernel, kernel
from ._multiplicity import check_dimension, harmonic_multiplicity, log_harmonic_multiplicity
from ._quadrature import quadrature_eigenvalues, roundoff_refusal

KMAX_LIMIT = 10_000_000
#: Peak bytes per degree of :func:`eigenvalues` (measured: 150-180 B at k = 10^6 for
#: the closed forms and the compiled series; the Spectrum itself keeps 25 B).
BYTES_PER_DEGREE = 256
#: Seconds per (degree, series term) of the compiled endpoint series, with margin
#: (measured ~5e-8 on one core; benchmarks/bench_series.py).
SECONDS_PER_SERIES_TERM = 1e-7
METHODS = ("auto", "closed-form", "series", "bessel", "quadrature")


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues mu_k, k = 0..K, of a dot-product kernel on S^{d-1}.

    ``sign`` (int8: -1, 0, +1), ``log_abs`` (float64, -inf for exact zeros) and
    ``rel_error`` (estimated relative error; 0 for exact zeros) are arrays over k.
    ``values`` is ``sign * exp(log_abs)`` (underflows to 0 below ~1e-308: use logs).
    Convention: :data:`CONVENTION` (multiplicities N(d,k) *not* included).

    Args:
      kernel, d, k: kernel spec, dimension, degrees.
      sign, log_abs, rel_error: arrays over k (see above).
      method: ``closed-form``, ``series``, ``bessel`` or ``quadrature``.
      convention: the normalization, spelled out.

    Returns:
      A frozen record (built by :func:`~specbias.spectra.eigenvalues`).

    Example:
    >>> from specbias.spectra import eigenvalues
    >>> eigenvalues("relu", 3, 4).values.round(6).tolist()
    [0.25, 0.166667, 0.0625, 0.0, -0.010417]

    References:
      Bach arXiv 1412.8690 (Funk-Hecke, App. D); Bietti & Mairal arXiv 1905.12173.
    """

    kernel: str
    d: int
    k: np.ndarray
    sign: np.ndarray
    log_abs: np.ndarray
    rel_error: np.ndarray
    method: str
    convention: str = field(default=CONVENTION)

    @property
    def values(self) -> np.ndarray:
        with np.errstate(under="ignore"):
            return self.sign * np.exp(self.log_abs)

    @property
    def log_multiplicity(self) -> np.ndarray:
        return log_harmonic_multiplicity(self.d, self.k)

    def multiplicity(self, k: int) -> int:
        return harmonic_multiplicity(self.d, int(k))

    def __len__(self) -> int:
        return len(self.k)


def check_kmax(kmax: int) -> int:
    try:
        ok = not isinstance(kmax, bool) and int(kmax) == kmax and int(kmax) >= 0
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"kmax must be an integer >= 0, got {shown(kmax)}")
    kmax = int(kmax)
    if kmax > KMAX_LIMIT:
        raise InputError(f"kmax={kmax} is too large (at most {KMAX_LIMIT})")
    return kmax


def check_rtol(rtol) -> float:
    """A finite float > 0 (also refuses bools, strings and ints beyond float range)."""
    try:
        value = float(rtol) if not isinstance(rtol, (bool, str)) else math.nan
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"rtol must be a finite number > 0, got {shown(rtol)}")
    return value


def default_method(kern: Kernel) -> str:
    """The family's float64 route (``closed-form``, ``series``, ``bessel``) or ``quadrature``."""
    numeric = kern.record.numeric(kern.args)
    return "quadrature" if numeric is None else numeric.method


def eigenvalues(
    kern: Kernel | str,
    d: int,
    kmax: int,
    *,
    method: str = "auto",
    rtol: float = 1e-10,
    strict: bool = True,
    allow_large: bool = False,
) -> Spectrum:
    """Eigenvalues mu_k for k = 0..kmax of ``kern`` on S^{d-1} (float64, log space).

    .. math:: \\mu_k = c_d \\int_{-1}^1 \\varphi(t) P_k^{(d)}(t)(1-t^2)^{(d-3)/2} dt

    Args:
      kern: a kernel name such as ``"ntk"``, ``"relu-power:a=1.5"``, or a Kernel.
      d: ambient dimension (data on S^{d-1}), d >= 2.
      kmax: largest degree.
      method: ``auto`` or one of ``closed-form``, ``series``, ``bessel``, ``quadrature``.
      rtol: largest accepted estimated relative error of a non-zero mu_k.
      strict: raise :class:`AccuracyError` when some mu_k misses ``rtol``; with
        ``strict=False`` such entries are returned with their error estimate.
      allow_large: skip the memory budget check (:mod:`specbias._budget`; about
        256 bytes per degree are needed).

    Returns:
      A :class:`Spectrum`.

    Examples:
      >>> s = eigenvalues("relu", 3, 4)
      >>> [round(float(v), 12) for v in s.values]  # 1/4, 1/6, 1/16, 0, -1/96
      [0.25, 0.166666666667, 0.0625, 0.0, -0.010416666667]

    References: Bach arXiv 1412.8690; Bietti & Mairal arXiv 1905.12173.
    """
    kern = kernel(kern)
    d = check_dimension(d)
    kmax = check_kmax(kmax)
    check_memory(BYTES_PER_DEGREE * (kmax + 1), f"eigenvalues kmax={kmax}", allow_large=allow_large)
    rtol = check_rtol(rtol)
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    numeric = kern.record.numeric(kern.args)
    natural = "quadrature" if numeric is None else numeric.method
    chosen = natural if method == "auto" else method
    if chosen != "quadrature" and chosen != natural:
        raise InputError(f"method {chosen!r} is not available for {kern.spec} (use {natural!r})")
    if chosen != "quadrature" and numeric.terms is not None:
        terms = numeric.terms()
        check_time(
            SECONDS_PER_SERIES_TERM * terms * (kmax + 1),
            f"{kern.spec} series eigenvalues to kmax={kmax} ({terms} terms per degree)",
            allow_large=allow_large,
        )
    k = np.arange(kmax + 1)
    if chosen != "quadrature":
        sign, log_abs, rel = numeric.log_eigenvalues(d, k)
    else:
        early = roundoff_refusal(kern, d, kmax, rtol) if strict else None
        if early is not None:
            _refuse(kern, d, chosen, rtol, *early)
        mu, err = quadrature_eigenvalues(kern, d, kmax)
        sign = np.sign(mu).astype(np.int8)
        with np.errstate(divide="ignore"):
            log_abs = np.log(np.abs(mu))
            rel = np.where(mu != 0, err / np.abs(mu), np.inf)
    nan = np.flatnonzero(np.isnan(log_abs) | np.isnan(rel))
    if nan.size:  # never a silent NaN, also with strict=False
        raise AccuracyError(
            f"{kern.spec} at d={d}: {chosen} produced NaN at k={int(nan[0])} "
            "(overflow or an undefined value); lower kmax or use another method"
        )
    bad = np.flatnonzero(rel > rtol)
    if strict and bad.size:
        _refuse(kern, d, chosen, rtol, int(bad[0]), float(rel[bad[0]]))
    return Spectrum(kern.spec, d, k, sign.astype(np.int8), log_abs, rel, chosen)


def _refuse(kern: Kernel, d: int, method: str, rtol: float, k: int, rel: float):
    raise AccuracyError(
        f"{kern.spec} at d={d}: {method} cannot certify mu_k to rtol={rtol:g} from k={k} on "
        f"(estimated relative error {rel:.1e}); lower kmax or raise rtol"
    )
