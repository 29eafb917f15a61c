"""Validation sweeps: learning curves, fits, finite-width excess, and their JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..theory import predict
from ..theory._curve_result import NOISE_CONVENTION
from ._config import PREDICTED_REGIME, ValidationConfig, _num
from ._fit import PowerLawFit, beta_in_ci, fit_power_law
from ._gap import exponent_gap
from ._noise_pred import FEATURE_NOTE, lazy_noise_prediction
from ._targets_sample import (
    CONSTANT_TEACHER,
    LABEL_CONVENTION,
    TEST_ERROR_DEFINITION,
)

# ------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class CurveResult:
    """Measured learning curve and fit of one (regime, solver)."""

    regime: str
    solver: str
    n: tuple[int, ...]
    errors: tuple[tuple[float, ...], ...]  # normalized test errors, per n, per seed
    fit: PowerLawFit | None
    beta_predicted: float
    predicted_regime: str
    note: str = ""
    finite_width: tuple = ()  # per n: excess over the limit at two widths, see _finite_width
    noise_prediction: dict | None = None  # label noise: the noisy theory, see _noise_pred

    @property
    def mean(self) -> np.ndarray:
        return np.array([np.mean(e) for e in self.errors])

    @property
    def sem(self) -> np.ndarray:
        return np.array(
            [np.std(e, ddof=1) / math.sqrt(len(e)) if len(e) > 1 else 0.0 for e in self.errors]
        )

    @property
    def in_ci(self) -> bool | None:
        if self.fit is None or not math.isfinite(self.fit.ci_low):
            return None
        return beta_in_ci(self.fit, self.beta_predicted)

    def to_dict(self) -> dict:
        fit = None
        if self.fit is not None:
            fit = {
                "beta": _num(self.fit.beta),
                "ci_low": _num(self.fit.ci_low),
                "ci_high": _num(self.fit.ci_high),
                "level": self.fit.level,
                "prefactor": _num(self.fit.prefactor),
                "n_range": list(self.fit.n_range),
                "local_slopes": [_num(v) for v in self.fit.local_slopes],
            }
        return {
            "regime": self.regime,
            "solver": self.solver,
            "predicted_regime": self.predicted_regime,
            "beta_predicted": self.beta_predicted,
            "predicted_in_ci": self.in_ci,
            "fit": fit,
            "n": list(self.n),
            "test_error_mean": [_num(v) for v in self.mean],
            "test_error_sem": [_num(v) for v in self.sem],
            "test_error": [[_num(v) for v in e] for e in self.errors],
            "note": self.note,
            "finite_width": list(self.finite_width),
            "noise_prediction": self.noise_prediction,
        }


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of :func:`run_validation`."""

    config: ValidationConfig
    curves: list[CurveResult]
    computed: int
    skipped: int
    seconds: float
    runs: list[dict] = field(default_factory=list)

    def curve(self, regime: str, solver: str) -> CurveResult:
        for c in self.curves:
            if c.regime == regime and c.solver == solver:
                return c
        raise KeyError((regime, solver))

    def gaps(self) -> dict[str, dict]:
        """Per solver with both regimes: lazy beta - feature beta (fitted and predicted).

        ``feature_worse``: the fitted feature exponent is below the lazy one;
        ``separated``: and their confidence intervals do not overlap (None when a
        fit has no interval); ``paired``: the paired-bootstrap interval of the gap
        over the shared draws (:func:`._gap.exponent_gap`; None when the two curves do
        not have the same seeds at every n), whose ``separated`` (interval above 0)
        is the sharper test: both regimes see the same data and teachers.
        """
        out = {}
        solvers = [*self.config.solvers, "train-ensemble"]
        for s in solvers:
            try:
                f, lz = self.curve("feature", s), self.curve("lazy", s)
            except KeyError:
                continue
            if f.fit is None or lz.fit is None:
                continue
            out[s] = {
                "fitted": _num(lz.fit.beta - f.fit.beta),
                "predicted": lz.beta_predicted - f.beta_predicted,
                "feature_worse": bool(f.fit.beta < lz.fit.beta),
                "separated": _separated(f.fit, lz.fit),
                "paired": _paired_gap(self.config, f, lz),
            }
        return out

    def trained_over_limit(self) -> dict[str, dict]:
        """Per regime: mean trained error / mean limit error at each n (same draws),
        for the single nets and the ensemble-averaged predictor."""
        out = {}
        for regime in self.config.regimes:
            try:
                lim = self.curve(regime, "limit").mean
                row = {"n": list(self.config.n_values)}
                for solver, name in (("train", "single"), ("train-ensemble", "ensemble")):
                    try:
                        row[name] = [_num(v) for v in self.curve(regime, solver).mean / lim]
                    except KeyError:
                        continue
            except KeyError:
                continue
            out[regime] = row
        return out

    def to_dict(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "curves": [c.to_dict() for c in self.curves],
            "gaps": self.gaps(),
            "trained_over_limit": self.trained_over_limit(),
            "units_computed": self.computed,
            "units_skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "test_error_definition": TEST_ERROR_DEFINITION[self._target_kind],
            "label_convention": LABEL_CONVENTION[self._target_kind],
            "noise_convention": NOISE_CONVENTION,
        }

    @property
    def _target_kind(self) -> str:
        return CONSTANT_TEACHER if self.config.teacher == CONSTANT_TEACHER else "field"


def _paired_gap(cfg: ValidationConfig, feature: CurveResult, lazy: CurveResult) -> dict | None:
    """Paired-bootstrap interval of lazy beta - feature beta (same draws, same seeds)."""
    sizes = {len(e) for e in feature.errors} | {len(e) for e in lazy.errors}
    if len(sizes) != 1 or min(sizes) < 2 or feature.n != lazy.n:
        return None
    a, b = np.array(feature.errors), np.array(lazy.errors)
    if not (np.all(np.isfinite(a) & (a > 0)) and np.all(np.isfinite(b) & (b > 0))):
        return None
    rng = np.random.default_rng([cfg.seed, 7919, 2])
    gap = exponent_gap(feature.n, a, b, rng=rng, across_n=cfg.design == "nested")
    return {k: _num(v) if isinstance(v, float) else v for k, v in gap.to_dict().items()}


def _separated(feature: PowerLawFit, lazy: PowerLawFit) -> bool | None:
    """Lazy interval entirely above the feature one (None without intervals)."""
    bounds = (feature.ci_high, lazy.ci_low)
    if not all(math.isfinite(b) for b in bounds):
        return None
    return bool(lazy.ci_low > feature.ci_high)


def _finite_width(cfg: ValidationConfig, widths) -> dict[str, list[dict]]:
    """Per regime and n: excess test error over the limit at width and width2, c/H fit.

    excess(H) = mean_seeds(err_H) - mean_seeds(err_limit) on the same draws; the fit
    is least squares of excess = c / H over the two widths (``c_fit``), and
    ``ratio_vs_1_over_H`` = (excess(H2)/excess(H)) / (H/H2) is 1 for a pure 1/H law.
    ``excess_over_limit`` = excess(H) / mean err_limit is what the presets keep small.
    """
    out: dict[str, list[dict]] = {}
    for (regime, n), rows in sorted(widths.items()):
        e_h, e_h2, lim = (float(np.mean(v)) for v in zip(*rows, strict=True))
        h, h2 = cfg.width, cfg.width2
        x1, x2 = e_h - lim, e_h2 - lim
        c = (x1 / h + x2 / h2) / (1 / h**2 + 1 / h2**2)
        ratio = (x2 / x1) / (h / h2) if x1 != 0 else math.nan
        out.setdefault(regime, []).append(
            {
                "n": n,
                "width": h,
                "width2": h2,
                "excess": _num(x1),
                "excess_width2": _num(x2),
                "c_fit": _num(c),
                "ratio_vs_1_over_H": _num(ratio),
                "excess_over_limit": _num(x1 / lim) if lim > 0 else None,
            }
        )
    return out


def _fit_curves(cfg: ValidationConfig, errors, finite=None) -> list[CurveResult]:
    pred = predict(cfg.d, cfg.nu_t)
    noisy = lazy_noise_prediction(cfg)
    finite = finite or {}
    out = []
    solvers = list(cfg.solvers)
    if "train" in solvers and max(cfg.ensemble, cfg.feature_ensemble) > 1:
        solvers.append("train-ensemble")
    for solver in solvers:
        for regime in cfg.regimes:
            ns = list(cfg.n_values)
            errs = [np.asarray(errors[(regime, solver, n)]) for n in ns]
            ok = [bool(np.all(np.isfinite(e)) and np.all(e > 0)) for e in errs]
            keep_n = [n for n, g in zip(ns, ok, strict=True) if g]
            keep_e = [e for e, g in zip(errs, ok, strict=True) if g]
            note = ""
            if len(keep_n) < len(ns):
                note = f"{len(ns) - len(keep_n)} n with zero/non-finite errors left out"
            fit = None
            if len(keep_n) >= 2:
                rng = np.random.default_rng([cfg.seed, 7919])
                fit = fit_power_law(keep_n, keep_e, rng=rng, paired=cfg.design == "nested")
            else:
                note = (note + "; " if note else "") + "too few valid n to fit"
            reg = PREDICTED_REGIME[regime]
            beta = float(pred.regime(reg).beta)
            if noisy is not None and regime == "lazy":
                beta = noisy["beta_effective"]
            elif noisy is not None:
                note = (note + "; " if note else "") + FEATURE_NOTE
            out.append(
                CurveResult(
                    regime=regime,
                    solver=solver,
                    n=tuple(ns),
                    errors=tuple(tuple(float(v) for v in e) for e in errs),
                    fit=fit,
                    beta_predicted=beta,
                    predicted_regime=reg,
                    note=note,
                    finite_width=tuple(finite.get(regime, ())) if solver == "train" else (),
                    noise_prediction=noisy if regime == "lazy" else None,
                )
            )
    return out
