"""Petrini, Cagnetta, Vanden-Eijnden & Wyart (2022), arXiv 2206.12314: feature < lazy.

Claim: for a smooth target, one-hidden-layer ReLU nets generalize *worse* in the
feature-learning regime than in the lazy (NTK) regime.  In the spectral-bias
ansatz beta = min(2 nu_t, 2 alpha)/(d-1), with alpha the decay exponent of the
predictor's building block: the ReLU atom itself (alpha = (d+2)/2) for the sparse
feature-regime solution, the NTK (alpha = d) for lazy training.  On S^2 (d = 3)
with the random-feature teacher of smoothness nu_t = 4, :func:`specbias.predict`
gives beta = 2.5 (feature) and 3 (lazy); for a rough target (nu_t = 1) both regimes
give beta = 2 nu_t / (d - 1) = 1.  (nu_t = 4 rather than 3: at nu_t = 3 = alpha_NTK
the lazy curve sits on its crossover, where a logarithmic factor lowers the slope
at accessible n; the eigenlearning curve of the NTK on this teacher has slope 2.92
over n = 32..256 at nu_t = 4 against 2.84 at nu_t = 3.)

Route: the infinite-width limits of the two regimes, computed on the same draws of
data and teacher (:func:`specbias.validation.run_validation`, solver ``limit``):
minimum variation-norm interpolation by column generation over the continuum of
neurons (feature) and ridgeless NTK regression (lazy); test errors averaged over
seeds, beta fitted on log-log with a 95% bootstrap interval over seeds.

Pass criteria (smooth target): the two intervals do not overlap, with the lazy one
above; each predicted beta lies in its interval or within ``BETA_TOL`` of the fit.
Rough target: both predicted exponents 2 nu_t/(d-1) lie in their intervals or within
``BETA_TOL``.  BETA_TOL = 0.25: at n <= 256 the local slopes of single runs still
swing by +-0.5 around the asymptote (pre-asymptotic corrections of relative order
n^{-1/(d-1)} = n^{-1/2}), and half the predicted gap (0.5) is the largest tolerance
that still separates the two predictions.

Cost: about 5 minutes on two CPU cores (both used through worker processes).
"""

from __future__ import annotations

from ._check import CheckResult, PaperCheck

D = 3
SMOOTH_NU = 4.0
ROUGH_NU = 1.0
SMOOTH_N = (32, 45, 64, 90, 128, 181, 256)
ROUGH_N = (32, 64, 128, 256)
SMOOTH_SEEDS = 20
ROUGH_SEEDS = 10
N_TEST = 1024
SEED = 20220620
#: |fitted - predicted beta| allowed when the CI misses the prediction (module doc).
BETA_TOL = 0.25


def sweep(nu_t: float, n_values, seeds: int, *, jobs: int | None = None):
    """Both regimes' infinite-width learning curves (a ValidationResult)."""
    from specbias.validation import ValidationConfig, run_validation
    from specbias.validation._experiment import available_cpus

    cfg = ValidationConfig(
        d=D,
        nu_t=nu_t,
        n_values=n_values,
        seeds=seeds,
        solver="limit",
        n_test=N_TEST,
        seed=SEED,
    )
    return run_validation(cfg, jobs=jobs or available_cpus())


def curve_row(curve, target: str, expected: float) -> dict:
    """One regime's fit judged against ``expected``."""
    fit = curve.fit
    inside = fit.ci_low <= expected <= fit.ci_high
    close = abs(fit.beta - expected) <= BETA_TOL
    return {
        "target": target,
        "regime": curve.regime,
        "beta": fit.beta,
        "ci": f"[{fit.ci_low:.3f}, {fit.ci_high:.3f}]",
        "predicted": expected,
        "passed": bool(inside or close),
    }


def gap_row(feature, lazy) -> dict:
    """Lazy CI entirely above the feature CI."""
    f, lz = feature.fit, lazy.fit
    return {
        "target": "smooth",
        "regime": "lazy - feature",
        "beta": lz.beta - f.beta,
        "ci": f"lazy low {lz.ci_low:.3f} > feature high {f.ci_high:.3f}",
        "predicted": lazy.beta_predicted - feature.beta_predicted,
        "passed": bool(lz.ci_low > f.ci_high),
    }


def run() -> CheckResult:
    smooth = sweep(SMOOTH_NU, SMOOTH_N, SMOOTH_SEEDS)
    feature, lazy = smooth.curve("feature", "limit"), smooth.curve("lazy", "limit")
    rows = [
        curve_row(feature, "smooth", feature.beta_predicted),
        curve_row(lazy, "smooth", lazy.beta_predicted),
        gap_row(feature, lazy),
    ]
    rough = sweep(ROUGH_NU, ROUGH_N, ROUGH_SEEDS)
    expected = 2 * ROUGH_NU / (D - 1)
    for regime in ("feature", "lazy"):
        rows.append(curve_row(rough.curve(regime, "limit"), "rough", expected))
    return CheckResult(CHECK_NAME, all(r["passed"] for r in rows), rows)


CHECK_NAME = "petrini_cagnetta_vanden_eijnden_wyart_2022"
CHECK = PaperCheck(
    name=CHECK_NAME,
    reference="arXiv:2206.12314",
    description=(
        "feature learning generalizes worse than lazy training on a smooth target "
        f"(d = {D}, nu_t = {SMOOTH_NU:g}: non-overlapping 95% CIs, beta near 2.5 vs 3), "
        f"and both reach 2 nu_t/(d-1) on a rough one (nu_t = {ROUGH_NU:g}); "
        "infinite-width limits, ~5 min on 2 CPU cores"
    ),
    runner=run,
    seconds=300.0,
)
