"""Target functions: Gaussian random fields on S^{d-1} given by a degree spectrum c_k.

A target is a centred Gaussian field f on S^{d-1} with covariance

.. math:: E[f(x) f(y)] = \\sum_k N(d,k)\\, c_k\\, P_k(x\\cdot y),

so ``c_k`` is the variance per degree-k harmonic (the same convention as kernel
eigenvalues: uniform probability measure, P_k(1) = 1, multiplicity N(d,k) not
included) and ``E f(x)^2 = sum_k N(d,k) c_k``.  Everything is stored in log space
(``log c_k``, ``-inf`` for c_k = 0) because c_k underflows float64 for large d.

Four families (all pure functions returning a frozen :class:`Target`):

* :func:`smooth_target`: c_k proportional to (k+1)^{-2 nu_t-(d-1)} on a parity class,
  normalised *exactly* to ``sum_k N c_k = 1`` (Hurwitz zeta sums in mpmath).
* :func:`teacher_target`: c_k = mu_k(K_T) for a PSD teacher kernel K_T, or, with
  ``square=True``, c_k = mu_k(sigma)^2: the random-feature teacher
  E_{w ~ U(S^{d-1})}[sigma(w.x) sigma(w.y)] (Funk-Hecke).  For sigma = |t|^a the
  spectrum vanishes on odd k and decays as k^{-(2a+d)}, i.e. nu_t = a + 1/2.
* :func:`spectrum_target`: a user-given array c_0..c_K (zero beyond K).
* :func:`constant_target`: f* = 1, c_0 = 1 only (nu_t = inf, the limit of
  :func:`smooth_target`; arXiv 2206.12314 Fig. 4).

Each target knows its smoothness ``nu_t`` (exact from the decay law when the
spectrum has one, otherwise a least-squares fit of the computed spectrum, see
``nu_method``), its asymptotic ``parity`` ("even", "odd" or "all": the degree
classes that carry content for large k, as used by
:func:`specbias.theory.exponent`), and its total variance ``variance`` =
sum_k N(d,k) c_k, exact, from which the tail mass beyond a truncation degree follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import numpy as np
from scipy import special

from .._errors import InputError
from ..spectra._asymptotics import decay_law
from ..spectra._kernels import Kernel, kernel
from ..spectra._multiplicity import check_dimension, log_harmonic_multiplicity
from ..spectra._spectrum import eigenvalues
from ._predict import check_nu

PARITIES = ("even", "odd", "all")
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class Target:
    """A Gaussian random field on S^{d-1} with degree spectrum c_k (log space).

    Attributes:
      name: description, e.g. ``"smooth:nu=1.5,parity=even"``.
      d: ambient dimension.
      nu_t: smoothness, c_k ~ k^{-2 nu_t-(d-1)} (``math.inf``: faster than any power,
        ``nan``: unknown).
      parity: degrees carrying content asymptotically ("even", "odd", "all").
      variance: E f(x)^2 = sum over all k of N(d,k) c_k (exact, not truncated).
      nu_method: how ``nu_t`` was obtained ("exact", "decay-law", "fit", "n/a").
    """

    name: str
    d: int
    nu_t: float
    parity: str
    variance: float
    nu_method: str
    _log_c: Callable[[int], np.ndarray] = field(repr=False, compare=False)
    _rel_error: Callable[[int], np.ndarray] | None = field(default=None, repr=False, compare=False)
    _tail_bound: Callable[[int], float] | None = field(default=None, repr=False, compare=False)

    def log_c(self, kmax: int) -> np.ndarray:
        """log c_k for k = 0..kmax (float64, ``-inf`` where c_k = 0)."""
        kmax = int(kmax)
        if kmax < 0:
            raise InputError(f"kmax must be >= 0, got {kmax}")
        out = np.asarray(self._log_c(kmax), dtype=np.float64)
        if out.shape != (kmax + 1,):
            raise InputError(f"target {self.name}: log_c returned shape {out.shape}")
        return out

    def rel_error(self, kmax: int) -> np.ndarray:
        """Estimated relative error of c_k, k = 0..kmax (0 for exact spectra)."""
        if self._rel_error is None:
            return np.zeros(int(kmax) + 1)
        return np.asarray(self._rel_error(int(kmax)), dtype=np.float64)

    def c(self, kmax: int) -> np.ndarray:
        """c_k for k = 0..kmax (underflows to 0 for large d; prefer :meth:`log_c`)."""
        with np.errstate(under="ignore"):
            return np.exp(self.log_c(kmax))

    def tail_mass(self, kmax: int) -> float:
        """sum_{k > kmax} N(d,k) c_k = variance - partial sum (exact identity, >= 0)."""
        lc = self.log_c(kmax)
        part = math.fsum(np.exp(lc + log_harmonic_multiplicity(self.d, np.arange(kmax + 1))))
        return max(self.variance - part, 0.0)

    def tail_mass_interval(self, kmax: int) -> tuple[float, float]:
        """Certified (low, high) for sum_{k > kmax} N(d,k) c_k.

        From variance - partial sum (rounding-limited), intersected with an analytic
        bound when the family has one (smooth targets: an integral of the exact law).
        """
        lc = self.log_c(kmax)
        terms = np.exp(lc + log_harmonic_multiplicity(self.d, np.arange(kmax + 1)))
        part = math.fsum(terms)
        err = float(np.sum(terms * self.rel_error(kmax))) + 16 * _EPS * (self.variance + part)
        lo, hi = max(self.variance - part - err, 0.0), max(self.variance - part + err, 0.0)
        if self._tail_bound is not None:
            hi = min(hi, self._tail_bound(kmax))
            lo = min(lo, hi)
        return lo, hi

    def degree_parity(self, kmax: int) -> str:
        """Parity of the degrees k <= kmax with c_k != 0 ("even", "odd", "all", "none")."""
        nz = np.flatnonzero(np.isfinite(self.log_c(kmax)))
        if nz.size == 0:
            return "none"
        odd = nz % 2 == 1
        return "odd" if odd.all() else "even" if not odd.any() else "all"


def _check_parity(parity: str) -> str:
    if parity not in PARITIES:
        raise InputError(f"parity must be one of {', '.join(PARITIES)}, got {parity!r}")
    return parity


def _in_parity(k: np.ndarray, parity: str) -> np.ndarray:
    if parity == "all":
        return np.ones(k.shape, dtype=bool)
    return (k % 2 == 0) if parity == "even" else (k % 2 == 1)


def _poly_multiplicity(d: int) -> list[int]:
    """Integer coefficients a_j of (d-2)! N(d,k) = sum_j a_j m^j, m = k+1 (d >= 3)."""
    coef = [d - 4, 2]  # 2k + d - 2 = 2m + d - 4
    for j in range(1, d - 2):  # prod_{j=1}^{d-3} (k + j) = prod (m + j - 1)
        new = [0] * (len(coef) + 1)
        for i, a in enumerate(coef):
            new[i] += a * (j - 1)
            new[i + 1] += a
        coef = new
    return coef


#: Largest d normalised through the exact zeta sums: the polynomial N(d,k) has d-1
#: big-integer coefficients built in O(d^2) steps, 0.1 s at d = 400 but hours at 10^7.
EXACT_NORM_MAX_D = 400
_NORM_RTOL = 1e-16  # tail of the float sum, relative to the total


def _log_smooth_norm_float(d: int, gamma: float, parity: str) -> float:
    """log sum_{k in parity} N(d,k) (k+1)^{-gamma} in float64, for large d.

    The terms fall like N(d,k) (k+1)^{-gamma} <= 2 k^{-1-2 nu} / (d-2)! for k >> d, so
    a few thousand degrees carry all of it; the rest is bounded as in ``tail_bound``
    (N(d,k) <= N(d,K) (k/K)^(d-2)): sum_{k>K} <= N(d,K) K^(1-gamma) / (gamma-d+1).
    """
    big_k = 1 << 12
    while True:
        k = np.arange(big_k + 1)
        logs = log_harmonic_multiplicity(d, k) - gamma * np.log1p(k)
        logs = np.where(_in_parity(k, parity), logs, -np.inf)
        top = float(np.max(logs))
        log_total = top + math.log(float(np.sum(np.exp(logs - top))))
        log_tail = (
            float(log_harmonic_multiplicity(d, big_k))
            + (1 - gamma) * math.log(big_k)
            - math.log(gamma - d + 1)
        )
        if log_tail - log_total < math.log(_NORM_RTOL) or big_k >= 1 << 22:
            return log_total + math.log1p(math.exp(min(log_tail - log_total, 0.0)) / 2)
        big_k *= 8


@lru_cache(maxsize=256)
def _log_smooth_norm(d: int, gamma: float, parity: str) -> float:
    """log sum_{k in parity} N(d,k) (k+1)^{-gamma} via Hurwitz/Riemann zeta sums."""

    def zsum(s, dps):
        z = mpmath.zeta(s)
        if parity == "all":
            return z
        if parity == "even":  # k even <=> m = k+1 odd
            return (1 - mpmath.mpf(2) ** (-s)) * z
        return mpmath.mpf(2) ** (-s) * z

    if d > EXACT_NORM_MAX_D:
        return _log_smooth_norm_float(d, gamma, parity)
    g = mpmath.mpf(gamma)
    if d == 2:
        with mpmath.workdps(40):
            total = 2 * zsum(g, 40) - (1 if parity != "odd" else 0)  # N(2,0) = 1, not 2
            return float(mpmath.log(total))
    coef = _poly_multiplicity(d)
    dps = 40
    for _ in range(8):
        with mpmath.workdps(dps):
            terms = [a * zsum(g - j, dps) for j, a in enumerate(coef) if a != 0]
            total = mpmath.fsum(terms)
            big = max(abs(t) for t in terms)
            if total > 0 and mpmath.log10(big / total) < dps - 25:
                return float(mpmath.log(total) - mpmath.loggamma(d - 1))
        dps = 2 * dps + int(mpmath.log10(big / abs(total) + 1))
    raise InputError(f"cannot normalise the smooth target at d={d}")  # pragma: no cover


def smooth_target(d: int, nu_t: float, parity: str = "all") -> Target:
    """Field with c_k = A (k+1)^{-2 nu_t-(d-1)} on ``parity`` degrees, sum_k N c_k = 1.

    ``A`` is exact: sum_k N(d,k)(k+1)^{-s} is a finite sum of zeta values because
    N(d,k) is a polynomial of degree d-2 in k+1 (evaluated in mpmath).
    ``nu_t = math.inf`` gives :func:`constant_target` (the limit of the normalised
    spectrum on a parity class that contains k = 0).

    >>> t = smooth_target(3, 1.0)
    >>> round(float(sum((2 * k + 1) * c for k, c in enumerate(t.c(20000)))), 4)
    1.0
    """
    d = check_dimension(d)
    nu = check_nu(nu_t, allow_inf=True)
    parity = _check_parity(parity)
    if math.isinf(nu):
        return constant_target(d, parity)
    gamma = 2 * nu + d - 1
    log_a = -_log_smooth_norm(d, gamma, parity)

    def log_c(kmax: int) -> np.ndarray:
        k = np.arange(kmax + 1)
        return np.where(_in_parity(k, parity), log_a - gamma * np.log1p(k), -np.inf)

    def tail_bound(kmax: int) -> float:
        # N(d,k) <= N(d,K)(k/K)^(d-2) and (k+1)^-g <= x^-g on [k-1, k]: integral bound
        kk = max(int(kmax), 1)
        ln_k = float(log_harmonic_multiplicity(d, kk))
        return math.exp(log_a + ln_k + (1 - gamma) * math.log(kk)) / (2 * nu)

    return Target(
        f"smooth:nu={nu:g},parity={parity}", d, nu, parity, 1.0, "exact", log_c, None, tail_bound
    )


def constant_target(d: int, parity: str = "all") -> Target:
    """The constant target f* = 1: c_0 = 1, c_k = 0 for k >= 1 (nu_t = inf).

    It is the nu_t -> inf limit of :func:`smooth_target`: A (k+1)^{-gamma} with
    sum_k N c_k = 1 tends to the indicator of k = 0 as gamma -> inf, on ``even`` or
    ``all`` degrees (an ``odd`` class has no k = 0 and is refused).  Its variance
    E f*^2 = 1 is the error of the zero predictor (f* is not centred: the label is
    y = 1, not a unit-variance field).  Learning curves: error ~ n^(-2 alpha/(d-1))
    (:mod:`specbias.theory._predict`).

    >>> t = constant_target(3)
    >>> t.nu_t, t.parity, t.c(3).tolist(), t.tail_mass(0)
    (inf, 'even', [1.0, 0.0, 0.0, 0.0], 0.0)
    """
    d = check_dimension(d)
    if _check_parity(parity) == "odd":
        raise InputError(
            "the constant target (nu_t = inf) lives on degree 0: parity 'odd' has no k = 0"
        )

    def log_c(kmax: int) -> np.ndarray:
        out = np.full(kmax + 1, -np.inf)
        out[0] = 0.0
        return out

    return Target("constant", d, math.inf, "even", 1.0, "exact", log_c, None, lambda k: 0.0)


def _nu_from_alpha(alpha: float, d: int) -> float:
    return math.inf if math.isinf(alpha) else (alpha - (d - 1)) / 2


def _law_parity(kern: Kernel, d: int):
    try:
        law = decay_law(kern, d)
    except InputError:
        return None
    return law


def _marginal_second_moment(kern: Kernel, d: int) -> float:
    """E sigma(t)^2 for t = w.x, w uniform on S^{d-1}: density prop. to (1-t^2)^{(d-3)/2}."""
    if kern.family == "abs-power":
        a = kern.get("a")
        return math.exp(
            special.gammaln(a + 0.5)
            + special.gammaln(d / 2)
            - 0.5 * math.log(math.pi)
            - special.gammaln(a + d / 2)
        )
    h = (d - 3) / 2
    log_norm = -special.betaln(0.5, (d - 1) / 2)  # density of t on [-1,1]: (1-t^2)^h / B

    def f(t):
        with np.errstate(divide="ignore"):
            w = math.exp(log_norm + h * math.log1p(-t * t)) if abs(t) < 1 else 0.0
        return float(kern.phi(np.array([t]))[0]) ** 2 * w

    from scipy import integrate  # scipy.integrate costs 0.3 s of every CLI start

    val, err = integrate.quad(f, -1, 1, points=[0.0], epsabs=0, epsrel=1e-13, limit=400)
    if not err <= 1e-10 * abs(val):
        raise InputError(f"cannot integrate {kern.spec}^2 accurately at d={d}")
    return val


def teacher_target(
    teacher: Kernel | str, d: int, *, square: bool = False, scale: float = 1.0
) -> Target:
    """Field with covariance given by a teacher kernel: c_k = scale * mu_k(teacher).

    Args:
      teacher: kernel name (a PSD kernel such as ``"arccos1"``, ``"laplace:c=2"``), or
        with ``square=True`` an activation sigma (e.g. ``"abs-power:a=1.5"``).
      d: ambient dimension.
      square: use c_k = scale * mu_k(sigma)^2, the random-feature teacher kernel
        E_{w ~ U(S^{d-1})}[sigma(w.x) sigma(w.y)] (Funk-Hecke: its eigenvalues are the
        squared activation eigenvalues).
      scale: overall variance factor (> 0).

    nu_t comes from :func:`specbias.decay_law` (alpha_c = alpha or 2 alpha,
    nu_t = (alpha_c - (d-1))/2), or from a fit if no law is derived.

    >>> t = teacher_target("abs-power:a=1.5", 5, square=True)
    >>> t.nu_t, t.parity, t.degree_parity(40)
    (2.0, 'even', 'even')
    """
    kern = kernel(teacher)
    d = check_dimension(d)
    scale = float(scale)
    if not (math.isfinite(scale) and scale > 0):
        raise InputError(f"scale must be a finite number > 0, got {scale!r}")
    log_scale = math.log(scale)

    def log_c(kmax: int) -> np.ndarray:
        s = eigenvalues(kern, d, kmax)
        if square:
            return 2 * s.log_abs + log_scale
        if (s.sign < 0).any():
            kb = int(np.flatnonzero(s.sign < 0)[0])
            raise InputError(
                f"teacher kernel {kern.spec} is not positive semi-definite at d={d} "
                f"(mu_{kb} < 0); use square=True for an activation"
            )
        return s.log_abs + log_scale

    def rel_error(kmax: int) -> np.ndarray:
        return eigenvalues(kern, d, kmax).rel_error * (2 if square else 1)

    law = _law_parity(kern, d)
    if square:
        variance = scale * _marginal_second_moment(kern, d)
        name = f"teacher:E_w[{kern.spec}(w.x){kern.spec}(w.y)]"
    else:
        variance = scale * float(kern.phi(np.array([1.0]))[0])
        name = f"teacher:{kern.spec}"
    if scale != 1.0:
        name += f",scale={scale:g}"
    if law is not None:
        alpha = law.alpha * (2 if square else 1)
        nu, parity, method = _nu_from_alpha(alpha, d), law.parity, "decay-law"
    else:
        nu, parity = _fit_nu(log_c(2000), d)
        method = "fit"
    return Target(name, d, nu, parity, variance, method, log_c, rel_error)


def _fit_nu(log_c: np.ndarray, d: int) -> tuple[float, str]:
    """Fit log c_k = const - gamma log k on the last half of the non-zero degrees."""
    k = np.arange(len(log_c))
    nz = np.isfinite(log_c) & (k >= 1)
    odd_nz, even_nz = nz & (k % 2 == 1), nz & (k % 2 == 0) & (k >= 2)
    kk = k[nz]
    if kk.size < 8:
        return math.nan, "all"
    tail = kk >= kk.max() / 2
    tail_k = kk[tail]
    parity = "all"
    if not odd_nz[tail_k].any():
        parity = "even"
    elif not even_nz[tail_k].any():
        parity = "odd"
    slope = np.polyfit(np.log(tail_k), log_c[tail_k], 1)[0]
    return float((-slope - (d - 1)) / 2), parity


def spectrum_target(c, d: int, *, log: bool = False, name: str = "spectrum") -> Target:
    """Field with a user-given spectrum c_0..c_K (c_k = 0 for k > K).

    Args:
      c: array of c_k >= 0 (or log c_k with ``log=True``; ``-inf`` for zeros).
      d: ambient dimension.

    nu_t is fitted on the last half of the non-zero degrees (``nu_method="fit"``; nan if
    fewer than 8 of them); ``parity`` is that of the fitted tail.
    """
    d = check_dimension(d)
    arr = np.asarray(c, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise InputError("spectrum must be a non-empty 1-D array")
    if log:
        if np.isnan(arr).any() or np.isposinf(arr).any():
            raise InputError("log spectrum must be finite or -inf")
        lc = arr.copy()
    else:
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputError("spectrum must be finite and >= 0")
        with np.errstate(divide="ignore"):
            lc = np.log(arr)
    kk = np.arange(lc.size)
    variance = math.fsum(np.exp(lc + log_harmonic_multiplicity(d, kk)))
    nu, parity = _fit_nu(lc, d)

    def log_c(kmax: int) -> np.ndarray:
        out = np.full(kmax + 1, -np.inf)
        m = min(kmax + 1, lc.size)
        out[:m] = lc[:m]
        return out

    return Target(name, d, nu, parity, variance, "fit" if math.isfinite(nu) else "n/a", log_c)
