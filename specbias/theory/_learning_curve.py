"""Learning curves of kernel (ridge) regression on S^{d-1} from exact spectra.

Omniscient / eigenlearning theory (Bordelon, Canatar & Pehlevan arXiv 2002.02561;
Canatar, Bordelon & Pehlevan arXiv 2006.13198; Simon et al. arXiv 2110.03922) with
degree-k eigenvalues mu_k of multiplicity N(d,k) and target spectrum c_k:

.. math::

    \\sum_k N(d,k) \\frac{\\mu_k}{\\mu_k+\\kappa} + \\frac{\\lambda}{\\kappa} = n, \\qquad
    L_k = \\frac{\\mu_k}{\\mu_k+\\kappa}, \\qquad
    E_0 = \\frac{n}{n - \\sum_k N(d,k) L_k^2},

    \\text{test\\_mse} = E_0 \\Big(\\sum_k N(d,k) (1-L_k)^2 c_k + \\sigma^2\\Big), \\qquad
    \\text{gen\\_error} = \\text{test\\_mse} - \\sigma^2.

The predictor is f(x) = k(x, X) (K + lambda I)^{-1} y with labels
y_i = f*(x_i) + noise of variance sigma^2 (lambda = 0: ridgeless interpolation).
``test_mse`` is E (f(x) - y)^2 on a fresh *noisy* test label; ``gen_error`` is
E (f(x) - f*(x))^2 against the clean target; both are averaged over the training set,
the noise and the target field (exact as n, N(d,k) -> infinity).

Truncation: the degree sum runs over k <= K with the rest handled through the exact
Mercer identity sum_k N mu_k = phi(1) (and sum_k N c_k = variance for the target):
the tail mass T = phi(1) - sum_{k<=K} N mu_k enters at first order (mu_k << kappa
there), and the remainder is bounded with mu_k <= T / N(d,K+1) for k > K.  K is
chosen automatically (x4 steps) until the certified relative error bound on
``gen_error`` is below ``rtol``; otherwise :class:`~specbias.AccuracyError` (raised
before the stages when the sizes already show that no K <= kmax_max can get there, see
:mod:`._truncation`).

The solver works in u = log kappa (safeguarded Newton in an analytic bracket),
vectorised over n; degrees with mu_k < 1e-2 kappa enter through power moments
sum N mu_k^j (a convergent series in mu_k/kappa), so a curve costs O(len(n) * H) with
H the handful of degrees near the spectral cut-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import log_expit

from .._errors import AccuracyError, InputError, shown
from ..spectra._kernels import Kernel, kernel
from ..spectra._multiplicity import check_dimension, log_harmonic_multiplicity
from ..spectra._spectrum import Spectrum, eigenvalues
from ._curve_result import NOISE_CONVENTION as NOISE_CONVENTION
from ._curve_result import TEST_ERROR_DEFINITION as TEST_ERROR_DEFINITION
from ._curve_result import TRAIN_ERROR_DEFINITION as TRAIN_ERROR_DEFINITION
from ._curve_result import LearningCurve as LearningCurve
from ._student import StudentSpectrum
from ._targets import Target
from ._truncation import N_COUNT_MAX as N_COUNT_MAX
from ._truncation import N_MAX as N_MAX
from ._truncation import _check_n, refuse_uncertifiable

_DELTA = 1e-2  # degrees with mu < _DELTA * kappa use the moment series
_J = 8  # series terms: error <= (J+2) _DELTA^J ~ 1e-15
_EPS = np.finfo(float).eps
_H = 1e-3  # log-n step of the central-difference local slope
KMAX_START = 256
KMAX_MAX = 1 << 20


@dataclass(frozen=True)
class _Prepared:
    """Spectrum and target sorted by decreasing mu, with suffix power moments."""

    d: int
    kmax: int
    order: np.ndarray  # degree at each sorted position
    lmu: np.ndarray  # log mu (sorted, -inf last)
    ln: np.ndarray  # log N(d,k)
    lc: np.ndarray  # log c
    log_m: np.ndarray  # (J+1, K+2): log sum_{i>=pos} N mu^j, j = 0..J (row 0 unused)
    log_r: np.ndarray  # (J+1, K+2): log sum_{i>=pos} N c mu^j
    n_pos: int  # number of degrees with mu > 0
    log_cum_n: np.ndarray  # log cumulative N over the positive-mu degrees
    t_mu: float  # sum_{k>K} N mu_k (Mercer tail)
    dt_mu: float  # its uncertainty
    t_c: float  # sum_{k>K} N c_k
    dt_c: float
    mu_star: float  # bound on mu_k for k > K
    trace: float  # phi(1) = sum_k N mu_k


def _suffix_lse(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.size + 1)
    out[-1] = -np.inf
    out[:-1] = np.logaddexp.accumulate(x[::-1])[::-1]
    return out


def _prepare(spec: Spectrum, phi1: float, target: Target, kmax: int) -> _Prepared:
    d = spec.d
    k = np.arange(kmax + 1)
    lmu_k = spec.log_abs
    ln_k = log_harmonic_multiplicity(d, k)
    lc_k = target.log_c(kmax)
    order = np.argsort(-lmu_k, kind="stable")
    lmu, ln, lc = lmu_k[order], ln_k[order], lc_k[order]
    n_pos = int(np.isfinite(lmu).sum())
    log_m = np.full((_J + 1, kmax + 2), -np.inf)
    log_r = np.full((_J + 1, kmax + 2), -np.inf)
    log_r[0] = _suffix_lse(ln + lc)
    with np.errstate(invalid="ignore"):
        for j in range(1, _J + 1):
            log_m[j] = _suffix_lse(ln + j * lmu)
            log_r[j] = _suffix_lse(np.where(np.isfinite(lmu), ln + lc + j * lmu, -np.inf))
    terms = np.exp(ln_k + lmu_k)
    partial = math.fsum(terms)
    dt_mu = (
        float(np.sum(terms * spec.rel_error))
        + 16 * _EPS * (abs(phi1) + partial)
        + 1e-15 * abs(phi1)
    )
    t_mu = max(phi1 - partial, 0.0)
    c_lo, c_hi = target.tail_mass_interval(kmax)
    t_c, dt_c = 0.5 * (c_lo + c_hi), 0.5 * (c_hi - c_lo)
    mu_star = (t_mu + dt_mu) * math.exp(-float(log_harmonic_multiplicity(d, kmax + 1)))
    log_cum_n = np.logaddexp.accumulate(ln[:n_pos]) if n_pos else np.array([])
    return _Prepared(
        d,
        kmax,
        order,
        lmu,
        ln,
        lc,
        log_m,
        log_r,
        n_pos,
        log_cum_n,
        t_mu,
        dt_mu,
        t_c,
        dt_c,
        mu_star,
        phi1,
    )


def _sums(p: _Prepared, u: np.ndarray, head: int, want_b: bool = False):
    """A1 = sum N L, D1 = sum N L(1-L) [, B = sum N c (1-L)^2, S2 = sum N L^2] at kappa=e^u."""
    z = p.lmu[None, :head] - u[:, None]
    ll, l1 = log_expit(z), log_expit(-z)
    ln = p.ln[None, :head]
    a1 = np.exp(ln + ll).sum(axis=1)
    d1 = np.exp(ln + ll + l1).sum(axis=1)
    tail_t = p.t_mu * np.exp(-u)
    a1 += tail_t
    d1 += tail_t
    for j in range(1, _J + 1):
        mj = np.exp(p.log_m[j, head] - j * u)
        sgn = 1.0 if j % 2 else -1.0
        a1 += sgn * mj
        d1 += sgn * j * mj
    if not want_b:
        return a1, d1
    b = np.exp(ln + p.lc[None, :head] + 2 * l1).sum(axis=1) + p.t_c
    s2 = np.exp(ln + 2 * ll).sum(axis=1)
    for j in range(0, _J + 1):
        sgn = 1.0 if j % 2 == 0 else -1.0
        b += sgn * (j + 1) * np.exp(p.log_r[j, head] - j * u)
        if j >= 2:
            s2 += sgn * (j - 1) * np.exp(p.log_m[j, head] - j * u)
    return a1, d1, b, s2


def _head_for(p: _Prepared, u_min: float) -> int:
    """Number of leading sorted degrees with mu >= _DELTA * exp(u_min)."""
    thr = math.log(_DELTA) + u_min
    return int(np.searchsorted(-p.lmu, -thr, side="right"))


def _solve_kappa(p: _Prepared, n: np.ndarray, ridge):
    """log kappa solving sum N L + ridge/kappa = n, vectorised over n (and ridge)."""
    ridge = np.broadcast_to(np.asarray(ridge, dtype=np.float64), n.shape)
    u_hi = np.log((p.trace + ridge) / n)
    lo = np.full(n.shape, -np.inf)
    if p.n_pos:
        idx = np.searchsorted(p.log_cum_n, np.log(2 * n + 1), side="left")
        ok = idx < p.n_pos
        lo[ok] = p.lmu[idx[ok]]
    with np.errstate(divide="ignore"):
        lo = np.maximum(lo, np.log(ridge) - np.log(n))
    bad = ~np.isfinite(lo)
    if bad.any():  # low-rank truncated spectrum: step down from the upper bound
        ub = u_hi[bad].copy()
        for _ in range(400):
            g = _sums(p, ub, p.kmax + 1)[0] + ridge[bad] * np.exp(-ub) - n[bad]
            if (g > 0).all():
                break
            ub = np.where(g > 0, ub, ub - 2.0)
        else:
            raise InputError(
                "no solution of the kappa equation: n is at or above the rank of the kernel "
                "(finite-rank kernel with ridge 0); use ridge > 0 or fewer samples"
            )
        lo[bad] = ub
    lo = np.minimum(lo, u_hi)
    hi = u_hi.copy()
    head = _head_for(p, float(lo.min()))
    u = 0.5 * (lo + hi)
    for _ in range(200):
        a1, d1 = _sums(p, u, head)
        rexp = ridge * np.exp(-u)
        g = a1 + rexp - n
        dg = d1 + rexp
        lo = np.where(g > 0, u, lo)
        hi = np.where(g > 0, hi, u)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dg > 0, g / dg, np.inf)
        new = u + step
        outside = ~((new > lo) & (new < hi)) | ~np.isfinite(new)
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = (np.abs(new - u) <= 1e-14 * np.maximum(1.0, np.abs(u))) | (hi - lo <= 1e-14)
        u = new
        if done.all():
            break
    else:  # pragma: no cover
        raise AccuracyError("kappa iteration did not converge")
    return u, head


def _evaluate(p: _Prepared, n: np.ndarray, ridge, noise: float):
    """(kappa, E0, gen_error, bound) at n; ``ridge`` a scalar or an array like n."""
    u, head = _solve_kappa(p, n, ridge)
    _a1, d1, b, s2 = _sums(p, u, head, want_b=True)
    kap = np.exp(u)
    dd = d1 + ridge / kap
    e0 = n / dd
    gen = e0 * b + noise * s2 / dd
    # first-order error bound from the truncation (see module docstring)
    r_star = p.mu_star / kap
    eps_k = (p.dt_mu / kap + r_star * (p.t_mu + p.dt_mu) / kap) / dd
    d_b = p.dt_c + 2 * r_star * p.t_c
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (e0 * (b + noise) * 4 * eps_k + e0 * d_b) / gen
    bound = np.where(gen > 0, bound, np.where(eps_k + d_b > 0, np.inf, 0.0))
    return kap, e0, gen, bound


def _check_nonneg(x, what: str) -> float:
    try:
        value = float(x) if not isinstance(x, (bool, str)) else math.nan
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise InputError(f"{what} must be a finite number >= 0, got {shown(x)}")
    return value


def _kernel_spectrum(
    kern: Kernel, d: int, kmax: int, spectra_rtol: float, allow_large: bool = False
) -> Spectrum:
    spec = eigenvalues(kern, d, kmax, rtol=spectra_rtol, allow_large=allow_large)
    if (spec.sign < 0).any():
        kb = int(np.flatnonzero(spec.sign < 0)[0])
        raise InputError(
            f"{kern.spec} is not a positive semi-definite kernel at d={d} (mu_{kb} < 0); "
            "kernel regression needs mu_k >= 0"
        )
    return spec


def _beta(d: int, target: Target, kern: Kernel) -> float | None:
    return _beta_cached(d, float(target.nu_t), target.parity, kern.spec)


@lru_cache(maxsize=512)
def _beta_cached(d: int, nu_t: float, parity: str, spec: str) -> float | None:
    from ._predict import exponent

    if not nu_t > 0:  # nan: unknown smoothness; inf: the constant target (beta finite)
        return None
    try:
        return float(exponent(d, nu_t, spec, parity).beta)
    except (InputError, AccuracyError):  # no decay law for this kernel: no prediction
        return None


def prepare(kern, target: Target, kmax: int, *, spectra_rtol: float = 1e-10) -> _Prepared:
    """Sorted spectrum + moments for a fixed truncation degree (reusable across n)."""
    kern = kernel(kern)
    spec = _kernel_spectrum(kern, target.d, kmax, spectra_rtol)
    phi1 = float(kern.phi(np.array([1.0]))[0])
    return _prepare(spec, phi1, target, kmax)


def learning_curve(
    kern: Kernel | str,
    target: Target,
    n,
    *,
    ridge: float = 0.0,
    noise: float = 0.0,
    kmax: int | None = None,
    rtol: float = 1e-6,
    kmax_max: int = KMAX_MAX,
    spectra_rtol: float = 1e-10,
    progress=None,
    allow_large: bool = False,
) -> LearningCurve:
    """Theory learning curve (test error vs n) of kernel ridge(less) regression.

    Args:
      kern: a PSD dot-product kernel name (``"ntk"``, ``"laplace:c=1"``, ...), a Kernel,
        or a :class:`~specbias.theory.StudentSpectrum` (eigenvalues given by the user,
        :func:`~specbias.theory.student_spectrum`; ``kmax`` is then its last row and
        the ``student`` field of the result states what is certified).
      target: a :class:`Target` (its ``d`` is the dimension).
      n: sample sizes (array-like, > 0; non-integer values are allowed by the theory).
      ridge: lambda >= 0 in (K + lambda I)^{-1} (sum-of-squares loss, not the mean).
      noise: label-noise variance RELATIVE to the target variance, sigma^2 / Var f*
        (:data:`NOISE_CONVENTION`; smooth targets have Var f* = 1).
      kmax: fixed truncation degree K; default: automatic (256, x4 until ``rtol``).
      rtol: accepted relative truncation error of ``gen_error`` (certified, first order).
      kmax_max: largest automatic K before :class:`~specbias.AccuracyError`.
      spectra_rtol: accuracy demanded of each eigenvalue mu_k.
      progress: optional callback ``progress(kmax, bound, done)`` after each truncation
        stage (for progress displays; the computation does not depend on it).
      allow_large: skip the memory/time budget of the spectra (:mod:`specbias._budget`).

    Returns:
      A :class:`LearningCurve`; ``TEST_ERROR_DEFINITION`` states what is computed.

    Example:
    >>> from specbias.theory._targets import smooth_target
    >>> lc = learning_curve("ntk", smooth_target(3, 1.0, "even"), [100, 1000])
    >>> bool(lc.gen_error[1] < lc.gen_error[0]), lc.beta_predicted
    (True, 1.0)

    References:
      Bordelon et al. arXiv 2002.02561; Canatar et al. arXiv 2006.13198;
      Simon et al. arXiv 2110.03922.
    """
    d = check_dimension(target.d)
    n = _check_n(n)
    ridge = _check_nonneg(ridge, "ridge")
    noise = _check_nonneg(noise, "noise")
    noise_abs = noise * target.variance
    try:
        rtol = float(rtol)
    except (TypeError, ValueError, OverflowError):
        rtol = math.nan
    if not (math.isfinite(rtol) and rtol > 0):
        raise InputError(f"rtol must be a finite number > 0, got {shown(rtol)}")
    n_all = np.concatenate([n, n * math.exp(-_H), n * math.exp(_H)])
    if isinstance(kern, StudentSpectrum):
        if kmax is not None and int(kmax) != kern.kmax:
            raise InputError(
                f"kmax = {kmax} with a student spectrum of {kern.kmax + 1} rows: the rows set K"
            )
        return _student_curve(kern, target, n_all, ridge, noise, rtol, progress)
    kern = kernel(kern)
    if kmax is None:  # before the x4 stages, which would take ~20 s to find out
        refuse_uncertifiable(kern, target.name, d, n_all, ridge, rtol, kmax_max)
    phi1 = float(kern.phi(np.array([1.0]))[0])
    big_k = int(kmax) if kmax is not None else KMAX_START
    while True:
        spec = _kernel_spectrum(kern, d, big_k, spectra_rtol, allow_large)
        p = _prepare(spec, phi1, target, big_k)
        ev = _evaluate(p, n_all, ridge, noise_abs)
        worst = float(np.max(ev[3]))
        if progress is not None:
            progress(big_k, worst, worst <= rtol)
        if worst <= rtol:
            break
        if kmax is not None or big_k >= kmax_max:
            raise AccuracyError(
                f"learning curve of {kern.spec} on {target.name} at d={d}: truncation at "
                f"K={big_k} leaves a relative error bound {worst:.1e} > rtol={rtol:g}; "
                "raise kmax/kmax_max or rtol, or use smaller n"
            )
        big_k = min(4 * big_k, kmax_max)
    return _result(kern.spec, target, p, spec, ev, n, ridge, noise, _beta(d, target, kern))


def _result(name, target, p, spec, ev, n, ridge, noise, beta, student=None) -> LearningCurve:
    """The :class:`LearningCurve` from an evaluation at n, n e^-H, n e^H (slopes)."""
    kap, e0, gen, bound = ev
    m = n.size
    g0, gm, gp = gen[:m], gen[m : 2 * m], gen[2 * m :]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = -(np.log(gp) - np.log(gm)) / (2 * _H)
    return LearningCurve(
        kernel=name,
        target=target.name,
        d=target.d,
        ridge=ridge,
        noise=noise,
        n=n,
        kappa=kap[:m],
        e0=e0[:m],
        test_mse=g0 + noise * target.variance,
        gen_error=g0,
        local_slope=slope,
        tail_bound=bound[:m],
        kmax=p.kmax,
        tail_mass_kernel=p.t_mu,
        tail_mass_target=p.t_c,
        nu_t=target.nu_t,
        target_parity=target.parity,
        beta_predicted=beta,
        log_mu=spec.log_abs,
        log_c=target.log_c(p.kmax),
        target_variance=target.variance,
        student=student,
    )


def _student_curve(student: StudentSpectrum, target, n_all, ridge, noise, rtol, progress):
    """Curve of a user-given spectrum (see :mod:`._student` for what is certified)."""
    d, big_k, m = target.d, student.kmax, n_all.size // 3
    if student.d != d:
        raise InputError(f"student spectrum is for d = {student.d}, the target for d = {d}")
    part = student.partial_trace
    if student.trace is None and ridge == 0 and float(n_all.max()) >= student.rank:
        raise InputError(
            f"ridgeless n = {float(n_all.max()):.6g} is at or above the rank "
            f"{student.rank:.6g} of the student spectrum (rows k <= {big_k}, no trace given): "
            "use a ridge, smaller n, more rows, or give the trace k(x,x)"
        )
    spec = student.spectrum()
    noise_abs = noise * target.variance
    p = _prepare(spec, part if student.trace is None else student.trace, target, big_k)
    ev = _evaluate(p, n_all, ridge, noise_abs)
    worst = float(np.max(ev[3]))
    if progress is not None:
        progress(big_k, worst, worst <= rtol)
    if worst > rtol:
        raise AccuracyError(
            f"learning curve of {student.name} on {target.name} at d={d}: the rows k <= "
            f"{big_k} and the trace leave a certified error bound {worst:.1e} > rtol="
            f"{rtol:g}; give more rows, smaller n, or raise rtol"
        )
    info = {"rows": big_k + 1, "trace": student.trace, "partial_trace": part}
    if student.trace is not None:
        info["certified"] = (
            f"first-order truncation bound (tail_bound) from the exact tail mass trace - "
            f"sum_(k<={big_k}) N mu_k = {p.t_mu:.6g} and mu_k <= tail/N(d,{big_k + 1}) beyond"
        )
        info["not_certified"] = "the accuracy of the given eigenvalues themselves"
        return _result(student.name, target, p, spec, ev, n_all[:m], ridge, noise, None, info)
    fit, t_est = student.tail_fit(), student.tail_estimate()
    info["certified"] = (
        f"the curve of the finite-rank kernel with exactly these rows (mu_k = 0 for k > "
        f"{big_k}); tail_bound covers rounding only"
    )
    info["not_certified"] = (
        "the effect of degrees k > K of the kernel the rows came from: estimated in "
        "truncation_estimate from a power-law fit of the last rows (no Mercer tail known)"
    )
    keys = ("alpha", "C", "parity")
    info["tail_fit"] = None if fit is None else dict(zip(keys, fit, strict=True))
    info["tail_mass_estimate"] = t_est
    est = None
    if t_est is not None:
        gen2 = _evaluate(_prepare(spec, part + t_est, target, big_k), n_all[:m], ridge, noise_abs)
        with np.errstate(divide="ignore", invalid="ignore"):
            est = (np.abs(gen2[2] - ev[2][:m]) / ev[2][:m]).tolist()
    info["truncation_estimate"] = est
    return _result(student.name, target, p, spec, ev, n_all[:m], ridge, noise, None, info)


def solve_kappa(kern: Kernel | str, d: int, n, *, ridge: float = 0.0, kmax: int = 4096):
    """kappa(n) alone (no target): sum_{k<=K} N mu_k/(mu_k+kappa) + T/kappa + ridge/kappa = n.

    T is the Mercer tail mass beyond ``kmax`` (first order).  Returns an array.

    Args:
      kern: a kernel name or Kernel.
      d: dimension.
      n: sample sizes.
      ridge: lambda >= 0.
      kmax: degree truncation.

    Example:
    >>> kappa = solve_kappa("ntk", 3, [10, 100])
    >>> bool(kappa[1] < kappa[0])
    True

    References:
      Bordelon et al. arXiv 2002.02561; Canatar et al. arXiv 2006.13198;
      Simon et al. arXiv 2110.03922.
    """
    from ._targets import spectrum_target

    kern = kernel(kern)
    d = check_dimension(d)
    n = _check_n(n)
    ridge = _check_nonneg(ridge, "ridge")
    dummy = spectrum_target(np.array([1.0]), d, name="none")
    p = prepare(kern, dummy, kmax)
    return np.exp(_solve_kappa(p, n, ridge)[0])
