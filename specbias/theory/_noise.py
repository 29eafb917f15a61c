"""Label noise: exponents, regime boundaries and the optimal ridge of kernel regression.

Convention: ``noise`` = sigma^2 / Var f*, the label-noise variance relative to the
target variance (:data:`NOISE_CONVENTION`), so errors and noise share one unit.

Rank the eigenvalues of the student as lambda_i ~ i^(-a), a = alpha/(d-1)
(|mu_k| ~ k^-alpha has ~k^(d-1) harmonics of degree <= k), and let
beta_0 = min(2 nu_t, 2 alpha)/(d-1) be the noiseless ridgeless exponent
(:func:`specbias.theory.exponent`).  In eigenlearning theory
(:mod:`._learning_curve`) gen_error = E0 B(kappa) + sigma^2 (E0 - 1), where the
signal part E0 B ~ kappa^(beta_0/a) and, for kappa above the ridgeless kappa_0(n) ~ n^-a,
E0 - 1 ~ sum_k N L_k^2 / n ~ kappa^(-1/a)/n.  Then (Cui, Loureiro, Krzakala &
Zdeborova arXiv 2105.15004; Mallinar et al. arXiv 2207.06569 for ridgeless):

* **ridgeless**: E0 -> a (the continuum limit sum L^2 / sum L = 1 - 1/a), so the noise
  term tends to the plateau sigma^2 (a - 1): *tempered* overfitting, beta = 0 once it
  dominates, i.e. beyond the crossover n_x where sigma^2 (E0 - 1) = E0 B
  (n_x ~ (A/(sigma^2 (a-1)))^(1/beta_0) for a signal A n^-beta_0);
* **fixed ridge** lambda > 0 (sum-of-squares convention, (K + lambda I)^-1): for
  n >> lambda^(-1/(a-1)) kappa ~ lambda/n, the signal decays as n^(-beta_0/a) and the
  noise term as sigma^2 lambda^(-1/a) n^(-(1-1/a)): beta = min(beta_0/a, 1 - 1/a);
* **optimal ridge** lambda*(n): minimizing kappa^(beta_0/a) + sigma^2 kappa^(-1/a)/n
  gives kappa* ~ (sigma^2/n)^(a/(beta_0+1)), lambda* ~ n kappa* ~ n^(1 - a/(beta_0+1))
  and gen_error ~ n^(-beta*), beta* = beta_0/(beta_0 + 1) (lambda*/n, the mean-loss
  ridge, decays as n^(-a/(beta_0+1))).  Below n_x the optimal ridge is ~0 and the
  noiseless beta_0 holds.

The crossover n_x and the optimal ridge are computed from the curves themselves
(:func:`noise_crossover`, :func:`optimal_ridge_curve`); the exponents above are the
asymptotic rules, checked against those curves in ``tests/test_noise.py``.

>>> r = noise_exponents(3, 2.0, "ntk")
>>> r.a, r.beta_noiseless, r.plateau_factor, r.beta_optimal_ridge
(1.5, 2.0, 0.5, 0.6666666666666666)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .._errors import AccuracyError, InputError
from ..spectra._asymptotics import decay_law
from ..spectra._kernels import kernel
from ._curve_result import NOISE_CONVENTION, LearningCurve
from ._learning_curve import _H, _check_nonneg, _evaluate, _prepare, _result, learning_curve
from ._predict import exponent
from ._student import StudentSpectrum

#: Ridge grid of the optimum search: decades relative to the kernel's trace.
RIDGE_DECADES = (-12.0, 4.0)
_GRID_PER_DECADE = 4
_GOLDEN_STEPS = 32  # bracket shrinks by 0.618^32 ~ 2e-7 of two grid steps (log lambda)
#: n grid of :func:`noise_crossover` (log-spaced); beyond it the crossover is extrapolated.
CROSSOVER_N = (1.0, 1e4, 33)


@dataclass(frozen=True)
class NoiseExponents:
    """Asymptotic exponents of one student kernel with label noise (module docstring).

    Args:
      kernel, alpha: the student and its decay exponent, |mu_k| ~ k^-alpha.
      a: alpha/(d-1), the decay of the ranked eigenvalues lambda_i ~ i^-a.
      beta_noiseless: beta_0, the noiseless ridgeless exponent.
      plateau_factor: a - 1 (ridgeless noise term -> noise * (a - 1)); None if no law.
      beta_ridgeless, beta_fixed_ridge, beta_optimal_ridge: exponents with noise.
      beta_fixed_ridge_noiseless: beta_0/a, the fixed-ridge exponent without noise.
      optimal_ridge_exponent: lambda* ~ n^this (sum-of-squares ridge).

    Returns:
      A frozen record (built by :func:`noise_exponents`); ``to_dict`` for JSON.

    Example:
    >>> noise_exponents(3, 2.0, "ntk").plateau_factor
    0.5

    References:
      Cui, Loureiro, Krzakala & Zdeborova arXiv 2105.15004; Mallinar et al. arXiv
      2207.06569 (ridgeless, tempered); Simon et al. arXiv 2110.03922 (eigenlearning).
    """

    kernel: str
    alpha: float
    a: float
    beta_noiseless: float
    plateau_factor: float | None  # a - 1: ridgeless noise term -> noise * (a - 1)
    beta_ridgeless: float  # 0 (plateau) when beta_noiseless > 0
    beta_fixed_ridge: float | None
    beta_fixed_ridge_noiseless: float | None
    beta_optimal_ridge: float | None
    optimal_ridge_exponent: float | None  # lambda* ~ n^this (sum-of-squares ridge)
    note: str = ""

    def to_dict(self) -> dict:
        return {k: _num(v) for k, v in asdict(self).items()}


def _num(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def noise_exponents(
    d: int, nu_t: float, kern: str = "ntk", target_parity: str = "even"
) -> NoiseExponents:
    """The noisy exponents of kernel ``kern`` on a smooth (or constant) target.

    Args:
      d: ambient dimension (data on S^{d-1}).
      nu_t: target smoothness (``math.inf``: the constant target).
      kern: student kernel spec (its decay law sets a = alpha/(d-1)).
      target_parity: ``even`` (default), ``odd`` or ``all``.

    Returns:
      :class:`NoiseExponents` (rules of the module docstring).

    Example:
    >>> round(noise_exponents(5, 2.0, "ntk").beta_fixed_ridge, 12)  # min(beta_0/a, 1-1/a)
    0.2

    References:
      Cui, Loureiro, Krzakala & Zdeborova arXiv 2105.15004; Mallinar et al. arXiv
      2207.06569 (ridgeless, tempered); Simon et al. arXiv 2110.03922 (eigenlearning).
    """
    r = exponent(d, nu_t, kern, target_parity)
    law = decay_law(kernel(kern), d)
    b0 = float(r.beta)
    if not math.isfinite(law.alpha):
        note = "eigenvalues decay faster than any power: no power-law noise exponents"
        return NoiseExponents(law.kernel, law.alpha, math.inf, b0, None, 0.0, *[None] * 4, note)
    a = law.alpha / (d - 1)
    if b0 <= 0:
        note = "noiseless curve already plateaus (parity): noise adds to the plateau"
        return NoiseExponents(law.kernel, law.alpha, a, b0, a - 1, 0.0, 0.0, 0.0, 0.0, None, note)
    return NoiseExponents(
        law.kernel,
        law.alpha,
        a,
        b0,
        a - 1,
        0.0,
        min(b0 / a, 1 - 1 / a),
        b0 / a,
        b0 / (b0 + 1),
        1 - a / (b0 + 1),
    )


def noise_crossover(kern, target, noise: float, *, rtol: float = 1e-4) -> tuple[float, str]:
    """(n_x, method): smallest n where the ridgeless noise term reaches the signal term.

    noise term = sigma^2 (E0 - 1) = gen_error(noise) - gen_error(0), signal = E0 B;
    found on the log grid :data:`CROSSOVER_N` (interpolated in log n, method
    ``"curve"``), or beyond it extrapolated with the asymptotes signal ~ n^-beta_0,
    noise term -> plateau (method ``"extrapolated"``); ``(inf, "none")`` without noise.
    Where the truncation cannot be certified on the whole grid (a user spectrum with few
    rows), the grid is cut from above.

    Args:
      kern: student kernel (spec, :class:`~specbias.Kernel` or student spectrum).
      target: a :class:`~specbias.Target`.
      noise: label-noise variance relative to Var f* (>= 0).
      rtol: truncation tolerance of the curves.

    Returns:
      ``(n_x, method)``.

    Example:
    >>> from specbias.theory import smooth_target
    >>> noise_crossover("ntk", smooth_target(3, 2.0), 0.0)
    (inf, 'none')

    References:
      Cui, Loureiro, Krzakala & Zdeborova arXiv 2105.15004; Mallinar et al. arXiv
      2207.06569 (ridgeless, tempered); Simon et al. arXiv 2110.03922 (eigenlearning).
    """
    noise = _check_nonneg(noise, "noise")
    if noise == 0:
        return math.inf, "none"
    lo, hi, m = CROSSOVER_N
    n = np.geomspace(lo, hi, int(m))
    if isinstance(kern, StudentSpectrum) and kern.trace is None:
        n = n[n * math.exp(_H) < kern.rank]
    while True:  # a user spectrum may certify only part of the grid: shrink it
        try:
            lc = learning_curve(kern, target, n, noise=noise, rtol=rtol)
            break
        except AccuracyError:
            if n.size < 8:
                raise
            n = n[: (3 * n.size) // 4]
    term = lc.noise_variance * (lc.e0 - 1)  # the noise part of gen_error
    sig = lc.gen_error - term
    over = np.flatnonzero(term >= sig)
    if over.size:
        i = int(over[0])
        if i == 0:
            return float(n[0]), "curve"
        x0, x1 = math.log(n[i - 1]), math.log(n[i])
        y0 = math.log(term[i - 1] / sig[i - 1])
        y1 = math.log(term[i] / sig[i])
        return float(math.exp(x0 + (x1 - x0) * (-y0) / (y1 - y0))), "curve"
    beta = _signal_slope(kern, target, n[-1], rtol)
    if not beta > 0:
        return math.inf, "none"
    return float(n[-1] * (sig[-1] / term[-1]) ** (1 / beta)), "extrapolated"


def _signal_slope(kern, target, n: float, rtol: float) -> float:
    """Local slope of the noiseless curve at n (the signal's decay rate there)."""
    return float(learning_curve(kern, target, [n], rtol=rtol).local_slope[0])


def optimal_ridge_curve(kern, target, n, noise: float, *, rtol: float = 1e-6) -> LearningCurve:
    """The learning curve at the ridge lambda*(n) that minimizes gen_error at each n.

    The ridge (sum-of-squares convention) is searched on a log grid of
    :data:`RIDGE_DECADES` around the kernel's trace, then refined by golden section
    in log lambda; lambda = 0 is kept when it is better.  The truncation degree is
    that of the ridgeless curve (a ridge only raises kappa, which lowers the bound);
    the bound is re-checked at lambda*.  ``ridge`` of the result is the array lambda*(n);
    ``local_slope`` is the slope of the optimal curve (at the optimum d gen/d lambda = 0),
    and ``beta_predicted`` is beta* = beta_0/(beta_0 + 1) where beta_0 is known.

    Args:
      kern: student kernel; target: a :class:`~specbias.Target`.
      n: training-set sizes.
      noise: label-noise variance relative to Var f*.
      rtol: truncation tolerance.

    Returns:
      A :class:`~specbias.LearningCurve` whose ``ridge`` is the array lambda*(n).

    Example:
    >>> from specbias.theory import smooth_target
    >>> lc = optimal_ridge_curve("ntk", smooth_target(3, 2.0), [100, 1000], 0.1)
    >>> bool(lc.ridge[1] > 0)
    True

    References:
      Cui, Loureiro, Krzakala & Zdeborova arXiv 2105.15004; Mallinar et al. arXiv
      2207.06569 (ridgeless, tempered); Simon et al. arXiv 2110.03922 (eigenlearning).
    """
    noise = _check_nonneg(noise, "noise")
    base = learning_curve(kern, target, n, noise=noise, rtol=rtol, ridge=_tiny(kern))
    p, spec = _prepared(kern, target, base.kmax)
    sig2 = noise * target.variance
    n_all = np.concatenate([base.n, base.n * math.exp(-_H), base.n * math.exp(_H)])
    trace = p.trace
    lam = trace * np.logspace(*RIDGE_DECADES, int(_GRID_PER_DECADE * np.ptp(RIDGE_DECADES)) + 1)
    gens = np.stack([_evaluate(p, base.n, r, sig2)[2] for r in lam])  # (grid, n)
    j = np.clip(np.argmin(gens, axis=0), 1, lam.size - 2)
    x_lo, x_hi = np.log(lam[j - 1]), np.log(lam[j + 1])
    g = (math.sqrt(5) - 1) / 2
    for _ in range(_GOLDEN_STEPS):
        x1, x2 = x_hi - g * (x_hi - x_lo), x_lo + g * (x_hi - x_lo)
        f1 = _evaluate(p, base.n, np.exp(x1), sig2)[2]
        f2 = _evaluate(p, base.n, np.exp(x2), sig2)[2]
        x_hi = np.where(f1 < f2, x2, x_hi)
        x_lo = np.where(f1 < f2, x_lo, x1)
    best = np.exp(0.5 * (x_lo + x_hi))
    g_best = _evaluate(p, base.n, best, sig2)[2]
    g_zero = _evaluate(p, base.n, 0.0, sig2)[2] if _ridgeless_ok(kern, base.n) else np.inf
    best = np.where(g_zero <= g_best, 0.0, best)
    ev = _evaluate(p, n_all, np.tile(best, 3), sig2)
    worst = float(np.max(ev[3]))
    if worst > rtol:
        raise AccuracyError(
            f"optimal-ridge curve: truncation bound {worst:.1e} > rtol={rtol:g} at K={p.kmax}"
        )
    beta = None
    if base.beta_predicted is not None and base.beta_predicted > 0:
        beta = base.beta_predicted / (base.beta_predicted + 1)
    name = base.kernel
    return _result(name, target, p, spec, ev, base.n, best, noise, beta, base.student)


def _tiny(kern) -> float:
    """0, or a negligible ridge for a finite-rank student (ridgeless has no solution
    at n >= rank); only used to find the truncation degree."""
    if isinstance(kern, StudentSpectrum) and kern.trace is None:
        return 1e-12 * kern.partial_trace
    return 0.0


def _ridgeless_ok(kern, n) -> bool:
    if isinstance(kern, StudentSpectrum) and kern.trace is None:
        return bool(np.max(n) * math.exp(_H) < kern.rank)
    return True


def _prepared(kern, target, kmax: int):
    """(prepared sums, spectrum) at truncation degree ``kmax``."""
    if isinstance(kern, StudentSpectrum):
        spec = kern.spectrum()
        trace = kern.partial_trace if kern.trace is None else kern.trace
        return _prepare(spec, trace, target, kern.kmax), spec
    from ._learning_curve import _kernel_spectrum

    k = kernel(kern)
    spec = _kernel_spectrum(k, target.d, kmax, 1e-10)
    return _prepare(spec, float(k.phi(np.array([1.0]))[0]), target, kmax), spec


def noise_summary(kern, target, noise: float) -> dict:
    """JSON-ready noisy exponents (where a decay law is known) and the crossover n_x.

    ``kern`` a kernel name or a :class:`StudentSpectrum` (no law: crossover only).
    """
    noise = check_noise(noise)
    name = kern.name if isinstance(kern, StudentSpectrum) else kernel(kern).spec
    out: dict = {"kernel": name, "noise": noise, "noise_convention": NOISE_CONVENTION}
    if not isinstance(kern, StudentSpectrum) and target.nu_t > 0:
        try:
            out.update(noise_exponents(target.d, target.nu_t, kern, target.parity).to_dict())
        except InputError:  # no decay law for this kernel
            pass
    out.setdefault("beta_noiseless", None)
    n_x, how = noise_crossover(kern, target, noise)
    out["crossover_n"] = n_x if math.isfinite(n_x) else None
    out["crossover_method"] = how
    return out


def noisy_lazy_rows(pred, noise: float, kernels: tuple[str, ...]) -> list[dict]:
    """:func:`noise_summary` of each lazy kernel of a :class:`~specbias.Prediction`, on
    its smooth (or constant) target."""
    from ._targets import smooth_target

    tgt = smooth_target(pred.d, pred.nu_t, pred.target_parity)
    return [noise_summary(k, tgt, noise) for k in kernels]


def check_noise(noise) -> float:
    """``noise`` (relative to Var f*) as a float >= 0; an InputError otherwise."""
    value = _check_nonneg(noise, "noise")
    if value > 1e12:
        raise InputError(f"noise = {value:g} (relative to Var f*) is above 1e12")
    return value


__all__ = [
    "NOISE_CONVENTION",
    "NoiseExponents",
    "noise_crossover",
    "noise_exponents",
    "noise_summary",
    "optimal_ridge_curve",
]
