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

Route: trained networks, the ``train-smoke`` preset of ``specbias validate`` (d = 3,
n = 32..256, 8 draws of data and teacher).  Feature regime: width-1024 nets trained
with the paper's L1 path-norm protocol (lambda -> 0+, particle sliding,
:func:`specbias.validation._sliding.train_l1_sliding`), 2 per draw; lazy regime:
width-4096 alpha-trick nets (alpha = 100, ETD1 gradient flow from a Gauss-Newton first
step), 16 initializations per draw, whose averaged predictor removes the H^-1/2
initialization noise (and width-1024 ones for the finite-width excess).  On the
same draws: the infinite-width limits (minimum variation-norm interpolation by
column generation; NTK regression).  beta is fitted on log-log with a 95% bootstrap
interval over draws.

Pass criteria. Smooth target: the lazy (ensemble) interval lies above the feature one,
and so does the paired-bootstrap interval of their difference over the shared draws
(both regimes see the same data and teachers, so their exponents are correlated;
measured 0.36 [0.20, 0.54] with these 8 draws, marginal intervals separated by 0.03;
with 16 draws of the same seed the marginal intervals overlap and the paired gap is
0.18 [-0.005, 0.35]: at n <= 256 the separation is not robust to the draws, README);
each fitted beta holds its prediction (2.5 feature; lazy:
the eigenlearning slope of NTK regression on this teacher over the same n, 2.91, the
asymptote 3 being reached only beyond n ~ 10^3) in its interval or within ``BETA_TOL``;
at every n the trained error is within ``LIMIT_RTOL`` = 25% of its own limit on the same
draws (feature: single nets; lazy: the ensemble); the lazy nets' first layer moved by
less than ``LAZY_MOVE`` = 5%. Rough target (nu_t = 1): both trained exponents hold 2
nu_t/(d-1) = 1 in their interval or within ``BETA_TOL``. BETA_TOL = 0.25: at n <= 256
local slopes of single runs still swing by +-0.5 around the asymptote (pre-asymptotic
corrections of relative order n^{-1/(d-1)} = n^{-1/2}), and half the predicted gap (0.5)
is the largest tolerance that still separates the predictions.

Cost: about 400 CPU-s per preset run, two runs (smooth and rough): ~7 minutes on two
quiet CPU cores (limits and L1 nets in worker processes, the lazy nets in JAX float64).
"""

from __future__ import annotations

from ._check import CheckResult, PaperCheck

PRESET = "train-smoke"
SMOOTH_NU = 4.0
ROUGH_NU = 1.0
SEED = 20220620
#: |fitted - predicted beta| allowed when the CI misses the prediction (module doc).
BETA_TOL = 0.25
#: trained error / limit error must lie within 1 +- LIMIT_RTOL at every n.
LIMIT_RTOL = 0.25
#: largest relative first-layer movement of a lazy net.
LAZY_MOVE = 0.05
#: (regime, solver) whose exponent and limit ratio are judged.
JUDGED = {"feature": "train", "lazy": "train-ensemble"}


def sweep(nu_t: float, *, jobs: int | None = None, client=None):
    """The ``train-smoke`` preset at smoothness ``nu_t`` (a ValidationResult)."""
    from specbias.validation import ValidationConfig, run_validation
    from specbias.validation._experiment import available_cpus

    cfg = ValidationConfig.preset(PRESET, nu_t=nu_t, seed=SEED)
    return run_validation(cfg, jobs=jobs or available_cpus(), client=client)


def eigenlearning_slope(d: int, nu_t: float, n_values) -> float:
    """-dlog eps / dlog n of NTK regression on the preset's teacher, eigenlearning
    theory between the smallest and largest n (the lazy limit's expected slope)."""
    import math

    from specbias.theory._learning_curve import learning_curve
    from specbias.theory._targets import teacher_target

    teacher = teacher_target(f"abs-power-rf:a={nu_t - 0.5:g}", d)
    lo, hi = min(n_values), max(n_values)
    err = learning_curve("ntk", teacher, [lo, hi]).gen_error
    return float(math.log(err[0] / err[1]) / math.log(hi / lo))


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


def paired_gap_row(result) -> dict:
    """The gap's paired-bootstrap interval over the shared draws lies above 0."""
    paired = result.gaps()["train-ensemble"]["paired"]
    lo, hi = paired["ci"]
    return {
        "target": "smooth",
        "regime": "lazy - feature, paired",
        "beta": paired["gap"],
        "ci": f"[{lo:.3f}, {hi:.3f}] (bootstrap over shared draws)",
        "predicted": "> 0",
        "passed": bool(paired["separated"]),
    }


def limit_row(target: str, regime: str, n_values, ratios) -> dict:
    """Trained / limit error at every n within 1 +- LIMIT_RTOL."""
    worst = max(abs(r - 1.0) for r in ratios)
    return {
        "target": target,
        "regime": f"{regime} trained / limit",
        "beta": None,
        "ci": ", ".join(f"n={n}: {r:.2f}" for n, r in zip(n_values, ratios, strict=True)),
        "predicted": f"1 +- {LIMIT_RTOL:g}",
        "passed": bool(worst <= LIMIT_RTOL),
    }


def movement_row(moves) -> dict:
    """Lazy nets stay lazy: first-layer relative movement below LAZY_MOVE."""
    worst = max(moves)
    return {
        "target": "smooth",
        "regime": "lazy |theta - theta0| / |theta0|",
        "beta": worst,
        "ci": f"max over {len(moves)} runs",
        "predicted": f"< {LAZY_MOVE:g}",
        "passed": bool(worst < LAZY_MOVE),
    }


def _judge(result, target: str, expected: dict) -> list[dict]:
    rows = []
    for regime, solver in JUDGED.items():
        rows.append(curve_row(result.curve(regime, solver), target, expected[regime]))
    return rows


def run(client=None) -> CheckResult:
    smooth = sweep(SMOOTH_NU, client=client)
    cfg = smooth.config
    f_curve, l_curve = (smooth.curve(r, s) for r, s in JUDGED.items())
    expected = {
        "feature": f_curve.beta_predicted,
        "lazy": eigenlearning_slope(cfg.d, SMOOTH_NU, cfg.n_values),
    }
    rows = _judge(smooth, "smooth", expected)
    rows.append(gap_row(f_curve, l_curve))
    rows.append(paired_gap_row(smooth))
    ratios = smooth.trained_over_limit()
    for regime, solver in JUDGED.items():
        key = "single" if solver == "train" else "ensemble"
        rows.append(limit_row("smooth", regime, cfg.n_values, ratios[regime][key]))
    moves = [
        r["observables"]["feature_movement"]
        for r in smooth.runs
        if r["config"]["regime"] == "lazy" and r["config"]["solver"] == "train"
    ]
    rows.append(movement_row(moves))
    rough = sweep(ROUGH_NU, client=client)
    one = 2 * ROUGH_NU / (cfg.d - 1)
    rows += _judge(rough, "rough", {"feature": one, "lazy": one})
    return CheckResult(CHECK_NAME, all(r["passed"] for r in rows), rows)


CHECK_NAME = "petrini_cagnetta_vanden_eijnden_wyart_2022"
CHECK = PaperCheck(
    name=CHECK_NAME,
    reference="arXiv:2206.12314",
    description=(
        "feature learning generalizes worse than lazy training on a smooth target "
        f"(d = 3, nu_t = {SMOOTH_NU:g}: non-overlapping 95% CIs, beta near 2.5 vs 2.9), "
        f"and both reach 2 nu_t/(d-1) on a rough one (nu_t = {ROUGH_NU:g}); trained "
        "nets (train-smoke preset) within 25% of their limits, ~10 min on 2 CPU cores"
    ),
    runner=run,
    seconds=600.0,
    sweeps=True,
)
