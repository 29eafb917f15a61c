"""A student kernel given by its eigenvalues: mu_k with multiplicities, k = 0..K.

:func:`specbias.learning_curve` accepts, instead of a named kernel, a
:class:`StudentSpectrum`: the eigenvalues mu_0..mu_K of a dot-product kernel on
S^{d-1} (convention of :data:`specbias.CONVENTION`: uniform probability measure,
multiplicity not included), one degree per row, with the multiplicity of each row.
The multiplicity must be N(d,k), the dimension of the degree-k harmonics: the rows
are then the same eigenspaces as the target's degrees (smooth or teacher fields),
and a file written for another d is caught.  Empirical spectra of other
eigenbases (data-dependent multiplicities) are refused: the targets of
:mod:`._targets` are defined on the sphere's degrees.

What is certified.  No Mercer tail sum_{k>K} N(d,k) mu_k is known for a list of
numbers, so:

* without ``trace``, the curve is that of the finite-rank kernel whose spectrum is
  exactly the rows given (mu_k = 0 for k > K); its ``tail_bound`` certifies only
  the rounding of that computation.  Ridgeless n at or above the rank
  sum_{k<=K} N(d,k) has no solution (an error).  The effect of the rows left out is
  *estimated*, not certified: a power law mu_k ~ C k^-alpha is fitted to the last
  half of the non-zero rows (on their parity class), its tail mass
  T = rho C N(d,K) K^(1-alpha)/(alpha-d+1) (rho = 1/2 on one parity) is added at
  first order exactly as the Mercer tail of a named kernel, and the relative change
  of ``gen_error`` is reported per n as ``truncation_estimate``;
* with ``trace`` = k(x,x) = sum over all k of N(d,k) mu_k (e.g. phi(1) of a kernel
  phi(x.y)), the tail mass T = trace - sum_{k<=K} N mu_k is exact and the
  certified first-order truncation bound of a named kernel applies
  (mu_k <= T / N(d,K+1) for k > K).  Given the ntk's mu_0..mu_K and trace 1, the
  curve equals ``learning_curve("ntk", ..., kmax=K)``.

>>> import numpy as np
>>> s = student_spectrum([1.0, 0.5, 0.25], d=3)  # multiplicities N(3,k) = 1, 3, 5
>>> s.kmax, s.rank, s.trace is None
(2, 9.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from ..spectra._multiplicity import check_dimension, log_harmonic_multiplicity
from ..spectra._spectrum import Spectrum

#: Largest number of rows (degrees) accepted: 24 bytes a row, milliseconds a curve.
ROWS_MAX = 1_000_000
#: Relative tolerance of a multiplicity against N(d,k) (files store it as text; for
#: large d it is a float with ~16 digits).
MULT_RTOL = 1e-9
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class StudentSpectrum:
    """Eigenvalues ``mu`` (k = 0..K) of a student kernel on S^{d-1}, multiplicities N(d,k).

    ``trace`` (or None): k(x,x) = sum over all degrees of N(d,k) mu_k, see the module
    docstring for what it certifies.

    Args:
      mu: eigenvalues mu_0..mu_K; d: ambient dimension; trace: k(x, x) or None;
      name: the kernel name shown by curves.

    Returns:
      A frozen record (built by :func:`student_spectrum`).

    Example:
    >>> student_spectrum([1.0, 0.1], d=3).kmax
    1

    References:
      Bordelon et al. arXiv 2002.02561; Simon et al. arXiv 2110.03922 (learning curves
      from any eigenvalue list, as in their codes).
    """

    mu: np.ndarray
    d: int
    trace: float | None
    name: str = "student"

    @property
    def kmax(self) -> int:
        return self.mu.size - 1

    @property
    def log_multiplicity(self) -> np.ndarray:
        return log_harmonic_multiplicity(self.d, np.arange(self.mu.size))

    @property
    def partial_trace(self) -> float:
        """sum_{k<=K} N(d,k) mu_k."""
        with np.errstate(divide="ignore", under="ignore"):
            return math.fsum(np.exp(self.log_multiplicity + np.log(self.mu)))

    @property
    def rank(self) -> float:
        """sum of N(d,k) over the rows with mu_k > 0 (the rank without ``trace``)."""
        return float(np.sum(np.exp(self.log_multiplicity[self.mu > 0])))

    def spectrum(self) -> Spectrum:
        """As a :class:`~specbias.Spectrum` (exact values: rel_error 0)."""
        with np.errstate(divide="ignore"):
            log_abs = np.log(self.mu)
        k = np.arange(self.mu.size)
        sign = (self.mu > 0).astype(np.int8)
        return Spectrum(self.name, self.d, k, sign, log_abs, np.zeros(k.size), "user")

    def tail_fit(self) -> tuple[float, float, str] | None:
        """(alpha, C, parity) of mu_k ~ C k^-alpha on the last half of the non-zero rows.

        None with fewer than 8 non-zero rows k >= 1, or a fit with alpha <= d - 1
        (no finite tail mass: such a kernel is not trace class on the sphere).
        """
        k = np.arange(self.mu.size)
        nz = (self.mu > 0) & (k >= 1)
        kk = k[nz]
        if kk.size < 8:
            return None
        tail = kk[kk >= kk.max() / 2]
        parity = "all"
        if (tail % 2 == 0).all():
            parity = "even"
        elif (tail % 2 == 1).all():
            parity = "odd"
        slope, icpt = np.polyfit(np.log(tail), np.log(self.mu[tail]), 1)
        alpha = float(-slope)
        if not alpha > self.d - 1:
            return None
        return alpha, float(math.exp(icpt)), parity

    def tail_estimate(self) -> float | None:
        """Estimated sum_{k>K} N(d,k) mu_k from :meth:`tail_fit` (not certified)."""
        fit = self.tail_fit()
        if fit is None:
            return None
        alpha, c, parity = fit
        rho = 1.0 if parity == "all" else 0.5
        big_k = max(self.kmax, 1)
        log_t = (
            math.log(rho * c / (alpha - self.d + 1))
            + float(log_harmonic_multiplicity(self.d, big_k))
            + (1 - alpha) * math.log(big_k)
        )
        return math.exp(min(log_t, 700.0))


def student_spectrum(
    mu, multiplicity=None, *, d: int, trace: float | None = None, name: str = "student"
) -> StudentSpectrum:
    """A :class:`StudentSpectrum` from eigenvalues mu_0..mu_K (and their multiplicities).

    Args:
      mu: eigenvalues, one per degree k = 0, 1, ..., K (finite, >= 0: a PSD kernel).
      multiplicity: optional, checked against N(d,k) (relative ``MULT_RTOL``).
      d: ambient dimension of S^{d-1}.
      trace: optional k(x,x) = sum over all degrees of N(d,k) mu_k (>= the partial
        sum of the rows); None: the rows are the whole kernel (finite rank).
      name: shown as the kernel name of the curve.

    Returns:
      A :class:`StudentSpectrum` (for :func:`~specbias.learning_curve`).

    Example:
    >>> s = student_spectrum([1.0, 0.1], [1, 3], d=3, trace=1.5)
    >>> round(s.trace - s.partial_trace, 12)  # the Mercer tail beyond K = 1
    0.2

    References:
      Bordelon et al. arXiv 2002.02561; Simon et al. arXiv 2110.03922 (learning curves
      from any eigenvalue list, as in their codes).
    """
    d = check_dimension(d)
    if hasattr(mu, "__len__") and len(mu) > ROWS_MAX:  # before converting a huge list
        raise InputError(f"student spectrum: at most {ROWS_MAX} degrees, got {len(mu)}")
    try:
        arr = np.asarray(mu, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("student spectrum: eigenvalues must be numbers") from None
    if arr.ndim != 1 or arr.size == 0:
        raise InputError("student spectrum: need a non-empty 1-D array of eigenvalues")
    if arr.size > ROWS_MAX:
        raise InputError(f"student spectrum: at most {ROWS_MAX} degrees, got {arr.size}")
    if not np.isfinite(arr).all() or (arr < 0).any():
        bad = int(np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))[0])
        raise InputError(
            f"student spectrum: mu_{bad} = {arr[bad]!r}; eigenvalues must be finite and >= 0 "
            "(kernel regression needs a positive semi-definite kernel)"
        )
    if not (arr > 0).any():
        raise InputError("student spectrum: all eigenvalues are 0")
    if multiplicity is not None:
        _check_multiplicity(multiplicity, arr.size, d)
    out = StudentSpectrum(arr.copy(), d, None, str(name))
    if trace is not None:
        t = float(trace)
        part = out.partial_trace
        if not (math.isfinite(t) and t >= part * (1 - 64 * _EPS)):
            raise InputError(
                f"student spectrum: trace {trace!r} is below sum_k N(d,k) mu_k = {part:.17g} "
                "of the rows given (trace = k(x,x), the sum over all degrees)"
            )
        out = StudentSpectrum(arr.copy(), d, max(t, part), str(name))
    return out


def _check_multiplicity(multiplicity, size: int, d: int) -> None:
    try:
        m = np.asarray(multiplicity, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("student spectrum: multiplicities must be numbers") from None
    if m.shape != (size,):
        raise InputError(
            f"student spectrum: {m.size} multiplicities for {size} eigenvalues (one per degree)"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        lm = np.log(m)
    ok = np.isfinite(lm) & (np.abs(lm - log_harmonic_multiplicity(d, np.arange(size))) <= MULT_RTOL)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        expect = float(np.exp(log_harmonic_multiplicity(d, k)))
        raise InputError(
            f"student spectrum: row k = {k} has multiplicity {m[k]:.17g}, but degree {k} on "
            f"S^{d - 1} has N({d},{k}) = {expect:.17g} harmonics (rows must be degrees "
            "k = 0, 1, ... of a dot-product kernel at this d)"
        )
