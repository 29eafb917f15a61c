"""End-to-end feature-versus-lazy experiment: sample, train or solve, fit, compare.

One *unit* of work is a (regime, solver, n, seed) tuple:

* regime ``feature`` or ``lazy``;
* solver ``train`` (a width-H one-hidden-layer ReLU net trained by gradient flow,
  ``xi = 0`` mean-field / ``xi = 1`` NTK scaling, see :mod:`._network`) or ``limit``
  (its infinite-width limit: minimum variation-norm interpolation for ``feature``,
  ridgeless NTK kernel regression for ``lazy``, see :mod:`._limits`);
* n training points uniform on S^{d-1}, labelled by the even random-feature teacher
  ``abs-power-rf:a=nu_t-1/2`` (smoothness nu_t), plus ``n_test`` test points.

The data of a unit depend only on ``(seed, n, seed index)`` (a numpy Generator seeded
with that triple), so all regimes and solvers see the same draws at a given (n, seed
index), and the results do not depend on the order of the units or on resumption.
Each finished unit is written to a :class:`~._store.ResultStore` under a
configuration holding everything that affects its result; a unit already stored is
skipped (its observables are read back).  Test errors are normalized by the target
variance K_T(1) (error of the zero predictor = 1).

Per (regime, solver) the exponent beta of eps(n) ~ n^-beta is fitted with a bootstrap
confidence interval over seeds (:func:`._fit.fit_power_law`) and compared with
:func:`specbias.predict` (``feature`` -> ReLU atoms, ``lazy`` -> the NTK).

JAX precision: :func:`run_validation` switches ``jax_enable_x64`` on while it runs
(float64 training) and restores the previous setting before returning; nothing here
changes ``jax.config`` at import.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .._budget import check_memory, check_time
from .._errors import InputError
from ..theory import predict
from ..theory._predict import check_nu
from ._checks import check_int
from ._fit import PowerLawFit, beta_in_ci, fit_power_law
from ._limits import kernel_regression, min_variation_norm_interpolation
from ._sliding import l1_ensemble
from ._sphere import sample_sphere_np
from ._store import ResultStore
from ._targets_sample import (
    CONSTANT_TEACHER,
    LABEL_CONVENTION,
    TEST_ERROR_DEFINITION,
    sample_target,
    target_variance,
)

REGIMES = ("feature", "lazy")
SOLVERS = ("train", "limit")
SOLVER_CHOICES = ("train", "limit", "both")
DEVICES = ("cpu", "gpu")
FEATURE_METHODS = ("colgen", "dictionary")
# Part of the store key of feature-limit units: the LP code that produced them
# (results from another LP code are not reused).
LP_SOLVER = "dense-simplex/1"
# Regime of specbias.predict that each experimental regime is compared with.
PREDICTED_REGIME = {"feature": "feature", "lazy": "lazy-ntk"}
STORE_KIND = "specbias.validate/1"
# Hard limits on sizes, refused on construction (the memory budget, checked by
# run_validation from the sizes and the worker count, is usually stricter).
SIZE_CAPS = {
    "d": 10_000,
    "n_values": 10_000_000,
    "seeds": 100_000,
    "width": 10_000_000,
    "n_test": 10_000_000,
    "n_dict": 100_000_000,
}
# Trained units see unit-variance labels (part of their store key).
LABELS = "unit-variance"
# How each regime is trained (see _run_train).
PROTOCOL = {
    # feature regime, chosen by ValidationConfig.feature_protocol
    "l1": "l1-sliding/1",  # the paper's L1 path-norm protocol, lambda -> 0+ (_sliding)
    "mean-field": "mean-field-gd/1",  # xi = 0, adaptive full-batch GD to rel_tol
    "lazy": "alpha-trick-etd1/1",  # xi = 1, alpha = lazy_alpha, ETD1/Gauss-Newton
}
FEATURE_PROTOCOLS = ("l1", "mean-field")

Progress = Callable[[int, int, str], None]
"""progress(done, total, description): called before each unit and once at the end."""


@dataclass(frozen=True)
class ValidationConfig:
    """Everything that defines a validation sweep (validated on construction).

    Attributes:
        d: dimension, data uniform on S^{d-1} (>= 2).
        nu_t: teacher smoothness (> 0); teacher ``abs-power-rf:a=nu_t-1/2``
            (nu_t - 1/2 must not be an even integer: that teacher is a polynomial).
            ``math.inf``: the constant target f* = 1 (labels y = 1, errors are plain
            MSEs; ``solver="limit"`` only), predicted beta = 2 alpha/(d-1).
        regimes: subset of ``("feature", "lazy")``.
        n_values: training-set sizes (>= 2 distinct positive integers, sorted).
        seeds: independent draws (data, teacher, initialization) per n.
        width: hidden width H of the trained nets.
        solver: ``"train"``, ``"limit"`` or ``"both"``.
        n_test: test points per unit.
        noise: label-noise variance on the training labels (>= 0).
        seed: base seed of every random draw.
        rel_tol: training stops at ``L <= rel_tol * L(0)``.
        max_steps: training step cap.
        feature_method: how the feature limit is solved: ``"colgen"`` (column
            generation over the continuum of neurons, exact up to the dual search;
            default) or ``"dictionary"`` (one LP over a fixed grid, d <= 3 only;
            biased, for cross-checks), see
            :func:`~._limits.min_variation_norm_interpolation`.
        n_dict: grid size (``dictionary``) or initial random pool (``colgen``);
            None: the solver's default.
        device: ``"cpu"`` or ``"gpu"`` (where JAX trains; not part of a unit's key).
        lazy_alpha: alpha-trick scale of the trained lazy nets (``xi = 1``,
            ``F = alpha (f - f0)``); large alpha keeps them lazy (the parameters move
            by O(1/alpha)); they are integrated by ETD1 / Gauss-Newton steps
            (:func:`~._flow.train_flow`) until the test error converges.
        ensemble: initializations trained per (n, seed) on the same data; the unit
            reports the mean single-net error and the error of their averaged
            predictor (which removes the H^-1/2 initialization fluctuation, Geiger
            et al. arXiv 1901.01608).
        width2: a second, smaller width for the lazy nets (None: ``width // 4``;
            0: none): each lazy unit also trains at ``width2`` and solves NTK
            regression on the same draw, so the finite-width excess is measured at
            two widths and fitted as c/H.
        conv_rtol: trained units stop when halving their tolerance moves the test
            error by less than this (relative): for lazy nets the train loss below
            ``rel_tol * L(0)``, for the L1 feature protocol the l1 decrease per round.
        feature_protocol: how feature-regime nets are trained (see PROTOCOL):
            ``"l1"`` (default; the paper's GRF protocol: mean-field net, theta on the
            unit sphere, w = 0 at start, L1 path-norm penalty lambda -> 0+, trained to
            its endpoint by particle sliding, :func:`._sliding.train_l1_sliding`;
            numpy, runs in the worker pool) or ``"mean-field"`` (xi = 0 from O(1)
            initialization, no penalty, adaptive gradient descent to ``rel_tol``).
        feature_width, feature_ensemble: width and initializations per draw of the
            trained feature nets (None: ``width``, ``ensemble``).  The lazy nets need
            many more (their excess over the NTK limit is an H^-1/2 initialization
            fluctuation, removed by averaging E H ~ 6e4 neurons at d = 3, n = 256);
            the L1 nets do not fluctuate that way (n_A <= n active neurons).

    Labels: trained nets see ``y / sqrt(K_T(1))`` (unit variance); their test MSE is
    scaled back, so ``test_error`` (MSE / K_T(1)) means the same for every solver.
    """

    d: int
    nu_t: float
    regimes: tuple[str, ...] = REGIMES
    n_values: tuple[int, ...] = (64, 128, 256, 512)
    seeds: int = 4
    width: int = 4096
    solver: str = "both"
    n_test: int = 1000
    noise: float = 0.0
    seed: int = 0
    rel_tol: float = 1e-3
    max_steps: int = 100_000
    feature_method: str = "colgen"
    n_dict: int | None = None
    device: str = "cpu"
    lazy_alpha: float = 100.0
    ensemble: int = 1
    width2: int | None = None
    conv_rtol: float = 0.02
    feature_protocol: str = "l1"
    feature_width: int | None = None
    feature_ensemble: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "d", _int("d", self.d, 2))
        set_(self, "nu_t", check_nu(self.nu_t, allow_inf=True))
        a = self.nu_t - 0.5
        if math.isfinite(a) and abs(a - 2 * round(a / 2)) < 1e-12:
            raise InputError(
                f"nu_t = {self.nu_t:g} gives the teacher |w.x|^{a:g}, a polynomial (a is an "
                "even integer): its learning curve has no power law; pick another nu_t"
            )
        regimes = (self.regimes,) if isinstance(self.regimes, str) else tuple(self.regimes)
        if not regimes:
            raise InputError("need at least one regime (feature, lazy)")
        for r in regimes:
            if r not in REGIMES:
                raise InputError(f"unknown regime {r!r}; choose from {', '.join(REGIMES)}")
        set_(self, "regimes", tuple(r for r in REGIMES if r in regimes))
        if self.solver not in SOLVER_CHOICES:
            raise InputError(
                f"unknown solver {self.solver!r}; choose from {', '.join(SOLVER_CHOICES)}"
            )
        try:
            ns = sorted({_int("n", v, 1) for v in self.n_values})
        except TypeError:
            raise InputError(
                f"n_values must be a list of integers, got {self.n_values!r}"
            ) from None
        if len(ns) < 2:
            raise InputError(
                f"need at least 2 distinct training-set sizes n to fit an exponent, got {ns}"
            )
        if math.isinf(self.nu_t) and self.solver != "limit":
            raise InputError(
                "nu_t = inf (the constant target) runs with solver 'limit' only: its "
                "trained-net protocol (alpha-trick at tiny alpha, arXiv 2206.12314 Fig. 4) "
                f"is not implemented; got solver {self.solver!r}"
            )
        set_(self, "n_values", tuple(ns))
        set_(self, "seeds", _int("seeds", self.seeds, 1))
        set_(self, "width", _int("width", self.width, 1))
        set_(self, "n_test", _int("n_test", self.n_test, 1))
        for name, cap in SIZE_CAPS.items():
            v = getattr(self, name)
            values = v if isinstance(v, tuple) else (v,)
            if any(u is not None and u > cap for u in values):
                raise InputError(
                    f"{name} = {max(u for u in values if u is not None)} is above the "
                    f"hard limit {cap:g} of validate"
                )
        set_(self, "seed", _int("seed", self.seed, 0))
        set_(self, "max_steps", _int("max_steps", self.max_steps, 1))
        if self.feature_method not in FEATURE_METHODS:
            raise InputError(
                f"unknown feature_method {self.feature_method!r}; choose from "
                f"{', '.join(FEATURE_METHODS)}"
            )
        if self.feature_method == "dictionary" and self.d > 3:
            raise InputError(f"feature_method 'dictionary' needs d <= 3, got d = {self.d}")
        if self.n_dict is not None:
            set_(self, "n_dict", _int("n_dict", self.n_dict, 1))
            if self.n_dict > SIZE_CAPS["n_dict"]:
                raise InputError(
                    f"n_dict = {self.n_dict} is above the hard limit "
                    f"{SIZE_CAPS['n_dict']:g} of validate"
                )
        if not (isinstance(self.noise, (int, float)) and math.isfinite(self.noise)) or (
            self.noise < 0
        ):
            raise InputError(f"noise variance must be finite and >= 0, got {self.noise!r}")
        set_(self, "noise", float(self.noise))
        if not (isinstance(self.rel_tol, (int, float)) and 0 < self.rel_tol < 1):
            raise InputError(f"rel_tol must be in (0, 1), got {self.rel_tol!r}")
        set_(self, "rel_tol", float(self.rel_tol))
        if self.device not in DEVICES:
            raise InputError(f"unknown device {self.device!r}; choose from cpu, gpu")
        if not (
            isinstance(self.lazy_alpha, (int, float))
            and math.isfinite(self.lazy_alpha)
            and self.lazy_alpha > 0
        ):
            raise InputError(f"lazy_alpha must be a finite number > 0, got {self.lazy_alpha!r}")
        set_(self, "lazy_alpha", float(self.lazy_alpha))
        set_(self, "ensemble", _int("ensemble", self.ensemble, 1))
        w2 = self.width // 4 if self.width2 is None else _int("width2", self.width2, 0)
        if w2 >= self.width:
            raise InputError(f"width2 must be below width = {self.width}, got {w2}")
        set_(self, "width2", w2)
        if not (isinstance(self.conv_rtol, (int, float)) and 0 < self.conv_rtol < 1):
            raise InputError(f"conv_rtol must be in (0, 1), got {self.conv_rtol!r}")
        set_(self, "conv_rtol", float(self.conv_rtol))
        fw = self.width if self.feature_width is None else self.feature_width
        set_(self, "feature_width", _int("feature_width", fw, 1))
        fe = self.ensemble if self.feature_ensemble is None else self.feature_ensemble
        set_(self, "feature_ensemble", _int("feature_ensemble", fe, 1))
        if self.feature_width > SIZE_CAPS["width"]:
            raise InputError(f"feature_width = {self.feature_width} is above the hard limit")
        if self.feature_protocol not in FEATURE_PROTOCOLS:
            raise InputError(
                f"unknown feature protocol {self.feature_protocol!r}; choose from "
                f"{', '.join(FEATURE_PROTOCOLS)}"
            )
        if (
            self.feature_protocol == "l1"
            and "feature" in self.regimes
            and "train" in self.solvers
            and self.feature_width < max(self.n_values)
        ):
            raise InputError(
                f"the L1 feature protocol needs feature_width >= the largest n = "
                f"{max(self.n_values)} to interpolate, got {self.feature_width}"
            )

    # -- derived ------------------------------------------------------------------------
    @property
    def teacher(self) -> str:
        if math.isinf(self.nu_t):
            return CONSTANT_TEACHER
        return f"abs-power-rf:a={self.nu_t - 0.5:g}"

    @property
    def solvers(self) -> tuple[str, ...]:
        return SOLVERS if self.solver == "both" else (self.solver,)

    def units(self) -> list[tuple[str, str, int, int]]:
        """All (regime, solver, n, seed index), limits first (cheap), small n first."""
        return [
            (r, s, n, k)
            for s in sorted(self.solvers, key=lambda v: v != "limit")
            for n in self.n_values
            for k in range(self.seeds)
            for r in self.regimes
        ]

    def unit_config(self, regime: str, solver: str, n: int, seed_index: int) -> dict:
        """The store key of one unit: everything that affects its result."""
        cfg = {
            "kind": STORE_KIND,
            "d": self.d,
            "teacher": self.teacher,
            "nu_t": _num(self.nu_t),  # null: the constant target (JSON has no inf)
            "regime": regime,
            "solver": solver,
            "n": n,
            "seed": self.seed,
            "seed_index": seed_index,
            "n_test": self.n_test,
            "noise": self.noise,
        }
        if solver == "limit" and regime == "feature":
            cfg["method"] = self.feature_method
            cfg["n_dict"] = self.n_dict
            cfg["lp"] = LP_SOLVER
        elif solver == "limit":
            cfg["kernel"] = "ntk"
        else:
            feature = regime == "feature"
            cfg.update(
                width=self.feature_width if feature else self.width,
                xi=0.0 if feature else 1.0,
                rel_tol=self.rel_tol,
                max_steps=self.max_steps,
                labels=LABELS,
                ensemble=self.feature_ensemble if feature else self.ensemble,
                protocol=self.protocol(regime),
            )
            if regime == "feature" and self.feature_protocol == "l1":
                cfg.update(conv_rtol=self.conv_rtol)
            if regime == "lazy":
                cfg.update(alpha=self.lazy_alpha, width2=self.width2, conv_rtol=self.conv_rtol)
        return cfg

    def protocol(self, regime: str) -> str:
        """The training protocol (with its version) of trained ``regime`` units."""
        return PROTOCOL["lazy" if regime == "lazy" else self.feature_protocol]

    def numpy_unit(self, unit) -> bool:
        """Units computed without JAX (limits, L1 feature nets): they run in workers."""
        regime, solver = unit[0], unit[1]
        return solver == "limit" or (regime == "feature" and self.feature_protocol == "l1")

    def to_dict(self) -> dict:
        out = asdict(self)
        out["regimes"] = list(self.regimes)
        out["n_values"] = list(self.n_values)
        out["teacher"] = self.teacher
        out["nu_t"] = _num(self.nu_t)
        return out

    @classmethod
    def preset(cls, name: str, **overrides) -> ValidationConfig:
        """A named preset with some fields overridden (None values are ignored).

        * ``smoke``: d = 3, nu_t = 4, infinite-width limits only (column generation
          for the feature limit), n = 32..256, 8 seeds, 256 test points: about
          1 minute with two worker processes on two CPU cores (measured), and the
          feature-learning exponent comes out below the lazy one.
        * ``train-smoke``: d = 3, nu_t = 4, trained nets (H = 1024 and 256, 4
          initializations per draw) and limits, n = 32..256, 8 seeds (CPU).
        * ``paper``: d = 5, nu_t = 5 (the paper's nets used 4.5, whose teacher
          ``abs-power-rf:a=4`` is a polynomial here; 5 also widens the predicted gap
          to 2.5 - 1.75 = 0.75), both regimes,
          trained nets (lazy: H = 8192 and 2048, 4 initializations) and limits,
          n = 64..1024, 8 seeds: sized for one GPU, resumable through the store.
        """
        if name not in PRESETS:
            raise InputError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
        base = dict(PRESETS[name])
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)


def _int(name: str, v, minimum: int) -> int:
    if isinstance(v, bool):
        raise InputError(f"{name} must be an integer, got {v!r}")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return check_int(name, v, minimum)


PRESETS: dict[str, dict] = {
    "smoke": dict(
        d=3,
        nu_t=4.0,
        regimes=REGIMES,
        n_values=(32, 64, 128, 256),
        seeds=8,
        solver="limit",
        n_test=256,
    ),
    "train-smoke": dict(
        d=3,
        nu_t=4.0,
        regimes=REGIMES,
        n_values=(32, 64, 128, 256),
        seeds=8,
        width=4096,
        width2=1024,
        ensemble=16,
        feature_width=1024,
        feature_ensemble=4,
        solver="both",
        n_test=256,
    ),
    "paper": dict(
        d=5,
        nu_t=5.0,
        regimes=REGIMES,
        n_values=(64, 128, 256, 512, 1024),
        seeds=8,
        width=8192,
        width2=2048,
        ensemble=4,
        solver="both",
        n_test=2000,
    ),
}


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
        fit has no interval).
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
        }

    @property
    def _target_kind(self) -> str:
        return CONSTANT_TEACHER if self.config.teacher == CONSTANT_TEACHER else "field"


def _separated(feature: PowerLawFit, lazy: PowerLawFit) -> bool | None:
    """Lazy interval entirely above the feature one (None without intervals)."""
    bounds = (feature.ci_high, lazy.ci_low)
    if not all(math.isfinite(b) for b in bounds):
        return None
    return bool(lazy.ci_low > feature.ci_high)


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------------------------
# running


def _data(cfg: ValidationConfig, n: int, seed_index: int):
    rng = np.random.default_rng([cfg.seed, n, seed_index])
    x_train = sample_sphere_np(n, cfg.d, rng=rng)
    x_test = sample_sphere_np(cfg.n_test, cfg.d, rng=rng)
    sample = sample_target(rng, x_train, x_test, cfg.teacher, noise=cfg.noise)
    return x_train, x_test, sample


def _run_limit(cfg, regime, n, seed_index, data) -> dict:
    x_train, x_test, s = data
    if regime == "lazy":
        out = kernel_regression(x_train, s.y_train, x_test, "ntk")
        pred, extra = out.prediction, {"solver_jitter": out.jitter}
    else:
        rng = np.random.default_rng([cfg.seed, n, seed_index, 1])
        fit = min_variation_norm_interpolation(
            x_train, s.y_train, x_test, rng=rng, method=cfg.feature_method, n_dict=cfg.n_dict
        )
        pred = fit.prediction
        extra = {
            "n_atoms": fit.n_atoms,
            "l1_norm": fit.l1_norm,
            "train_residual": fit.residual,
            "dual_violation": fit.dual_violation,
        }
    return {"test_mse": float(np.mean((pred - s.y_test) ** 2)), **extra}


def _run_train(cfg, regime, n, seed_index, data) -> dict:
    """Train ``cfg.ensemble`` nets on one draw (unit-variance labels), see PROTOCOL.

    Returned MSEs are in the original label units (scaled back by K_T(1)).
    """
    x_train, x_test, s = data
    scale = math.sqrt(target_variance(cfg.teacher))
    y_train, y_test = s.y_train / scale, s.y_test / scale
    if regime == "lazy":
        key = _init_key(cfg, n, seed_index)
        obs = _train_lazy(cfg, cfg.width, x_train, y_train, x_test, y_test, key)
        if cfg.width2:
            small = _train_lazy(cfg, cfg.width2, x_train, y_train, x_test, y_test, key)
            obs["test_mse_width2"] = small["test_mse"]
            obs["test_mse_ensemble_width2"] = small["test_mse_ensemble"]
        limit = kernel_regression(x_train, y_train, x_test, "ntk").prediction
        obs["limit_test_mse"] = float(np.mean((limit - y_test) ** 2))
    elif cfg.feature_protocol == "l1":
        rngs = [
            np.random.default_rng([cfg.seed, n, seed_index, 7, e])
            for e in range(cfg.feature_ensemble)
        ]
        obs = l1_ensemble(
            x_train,
            y_train,
            x_test,
            y_test,
            width=cfg.feature_width,
            rngs=rngs,
            conv_rtol=cfg.conv_rtol,
        )
    else:
        key = _init_key(cfg, n, seed_index)
        obs = _train_feature(cfg, x_train, y_train, x_test, y_test, key)
    for k in [k for k in obs if "test_mse" in k or k == "train_mse"]:
        v = obs[k]
        obs[k] = [u * scale**2 for u in v] if isinstance(v, list) else v * scale**2
    obs["label_scale"] = scale
    return obs


def _init_key(cfg, n, seed_index):
    import jax

    return jax.random.key(zlib.crc32(f"{cfg.seed}/{n}/{seed_index}/init".encode()))


def _members(net, key, count: int):
    import jax
    import jax.numpy as jnp

    from ._network import init_params

    keys = jax.random.split(key, count)
    return jax.vmap(lambda k: init_params(net, key=k, dtype=jnp.float64))(keys)


def _summarize(net, params, params0, x_train, y_train, x_test, y_test, stops, extra):
    """Mean single-net observables, ensemble-averaged predictor, stop reasons."""
    import jax
    import jax.numpy as jnp

    from ._network import apply
    from ._train import observables

    xt, xs = jnp.asarray(x_train), jnp.asarray(x_test)
    per = []
    preds = []
    for e in range(params.w.shape[0]):
        p = jax.tree.map(lambda a, e=e: a[e], params)
        p0 = jax.tree.map(lambda a, e=e: a[e], params0)
        per.append(observables(p, p0, xt, y_train, xs, y_test, net))
        preds.append(np.asarray(apply(p, p0, xs, net)))
    mean_pred = np.mean(preds, axis=0)
    out = {k: float(np.mean([o[k] for o in per])) for k in per[0]}
    out["test_mse_members"] = [o["test_mse"] for o in per]
    out["test_mse_ensemble"] = float(np.mean((mean_pred - y_test) ** 2))
    out["stop_reasons"] = list(stops)
    out["stop_reason"] = max(set(stops), key=lambda r: (r != "converged", stops.count(r)))
    out.update(extra)
    return out


def _train_lazy(cfg, width, x_train, y_train, x_test, y_test, key) -> dict:
    import jax.numpy as jnp

    from ._flow import train_flow
    from ._network import NetConfig

    net = NetConfig(width, cfg.d, xi=1.0, alpha=cfg.lazy_alpha)
    params0 = _members(net, key, cfg.ensemble)
    res = train_flow(
        params0,
        jnp.asarray(x_train),
        jnp.asarray(y_train),
        net,
        x_test=jnp.asarray(x_test),
        y_test=jnp.asarray(y_test),
        rel_tol=cfg.rel_tol,
        conv_rtol=cfg.conv_rtol,
        max_steps=min(cfg.max_steps, 10_000),
        ensemble=True,
    )
    stops = res.stop_reason
    extra = {
        "steps": int(np.max(res.steps)),
        "train_time": float(np.max(res.time)),
        "test_change": float(np.nanmax(res.test_change)),
        "dtype": res.dtype,
        "method": "etd1",
    }
    return _summarize(net, res.params, params0, x_train, y_train, x_test, y_test, stops, extra)


def _train_feature(cfg, x_train, y_train, x_test, y_test, key) -> dict:
    import jax.numpy as jnp

    from ._network import NetConfig
    from ._train import train_ensemble

    net = NetConfig(cfg.feature_width, cfg.d, xi=0.0)
    params0 = _members(net, key, cfg.feature_ensemble)
    res = train_ensemble(
        params0,
        jnp.asarray(x_train),
        jnp.asarray(y_train),
        net,
        rel_tol=cfg.rel_tol,
        max_steps=cfg.max_steps,
    )
    stops = res.stop_reason
    extra = {
        "steps": int(np.max(res.steps)),
        "train_time": float(np.max(res.time)),
        "dtype": res.dtype,
        "method": "adaptive-gd",
    }
    return _summarize(net, res.params, params0, x_train, y_train, x_test, y_test, stops, extra)


def _device_context(device: str):
    import contextlib

    import jax

    if device == "cpu":
        return jax.default_device(jax.devices("cpu")[0])
    gpus = gpu_devices()
    if not gpus:
        raise InputError("--device gpu: JAX sees no GPU (install jax[cuda] or use --device cpu)")
    return contextlib.nullcontext() if gpus[0] == jax.devices()[0] else jax.default_device(gpus[0])


def gpu_devices() -> list:
    """GPUs visible to JAX (empty list when none or no GPU backend)."""
    import jax

    try:
        return list(jax.devices("gpu"))
    except RuntimeError:
        return []


def run_validation(
    cfg: ValidationConfig,
    *,
    store: ResultStore | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    allow_large: bool = False,
) -> ValidationResult:
    """Run (or resume) the sweep ``cfg``, fit exponents and compare with theory.

    Args:
        cfg: the sweep.
        store: optional result store; finished units are written there and units
            already present are read back instead of recomputed.
        progress: optional ``progress(done, total, description)`` callback.
        jobs: worker processes for the infinite-width units (numpy only, one BLAS
            thread each; capped at the number of (n, seed) groups to run); trained
            nets always run in this process.  Results do not depend on ``jobs``:
            every unit draws from its own seeded generators.
        allow_large: skip the memory budget (:func:`memory_estimate`, checked
            before any work against :func:`specbias._budget.memory_budget`).

    Side effect: ``jax_enable_x64`` is switched on for the duration of the call when
    nets are trained (float64 gradient flow) and restored afterwards.

    Returns:
        :class:`ValidationResult`.
    """
    if not isinstance(cfg, ValidationConfig):
        raise InputError(f"cfg must be a ValidationConfig, got {type(cfg).__name__}")
    jobs = _int("jobs", jobs, 1)
    if jobs > 4 * available_cpus():
        raise InputError(f"jobs = {jobs} is above 4x the CPUs of this machine")
    check_memory(memory_estimate(cfg, jobs), "validate", allow_large=allow_large)
    check_time(
        dictionary_seconds(cfg, jobs),
        f"validate feature limit with n_dict={cfg.n_dict}",
        allow_large=allow_large,
    )
    t0 = time.monotonic()
    units = cfg.units()
    total = len(units)
    observed: dict[tuple, dict] = {}
    for unit in units:
        run = store.get(cfg.unit_config(*unit)) if store is not None else None
        if run is not None:
            observed[unit] = run.observables
    skipped = len(observed)
    done = skipped

    def finish(unit, obs):
        nonlocal done
        if store is not None:
            store.put(cfg.unit_config(*unit), obs)
        observed[unit] = obs
        done += 1

    todo = [u for u in units if u not in observed]
    limits = [u for u in todo if cfg.numpy_unit(u)]
    if progress is not None:
        progress(done, total, "infinite-width limits" if limits else "training")
    groups = len({(u[2], u[3]) for u in limits})
    jobs = min(jobs, groups)
    if jobs > 1 and len(limits) > 1:
        _run_limits_parallel(cfg, limits, jobs, finish, progress, total, lambda: done)
    else:
        from threadpoolctl import threadpool_limits

        # one BLAS thread, as in the workers: the same reduction order, so the
        # stored numbers are bit-identical whatever ``jobs`` is
        with threadpool_limits(1, user_api="blas"):
            data = _DataCache(cfg)
            for unit in limits:
                if progress is not None:
                    progress(done, total, _describe(unit))
                finish(unit, _compute_unit(cfg, unit, data(unit)))
    training = [u for u in todo if not cfg.numpy_unit(u)]
    if training:
        _run_training(cfg, training, finish, progress, total, lambda: done)
    if progress is not None:
        progress(total, total, "fitting")
    errors: dict[tuple[str, str, int], list[float]] = {}
    widths: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    runs: list[dict] = []
    for unit in units:
        obs = observed[unit]
        regime, solver, n, _ = unit
        errors.setdefault((regime, solver, n), []).append(float(obs["test_error"]))
        if solver == "train" and max(cfg.ensemble, cfg.feature_ensemble) > 1:
            key = (regime, "train-ensemble", n)
            errors.setdefault(key, []).append(float(obs["test_error_ensemble"]))
        if solver == "train" and "test_error_width2" in obs:
            widths.setdefault((regime, n), []).append(
                (obs["test_error"], obs["test_error_width2"], obs["limit_test_error"])
            )
        runs.append({"config": cfg.unit_config(*unit), "observables": obs})
    curves = _fit_curves(cfg, errors, _finite_width(cfg, widths))
    computed = total - skipped
    return ValidationResult(cfg, curves, computed, skipped, time.monotonic() - t0, runs)


#: Seconds per atom and per (n + 4)^2 of one feature-limit unit with an explicit
#: n_dict: 74 s for n = 8,16 x 2 seeds, n_dict = 10^6 on 2 loaded cores (~1.4e-7).
_DICT_S_PER_ATOM_N2 = 2e-7


def dictionary_seconds(cfg: ValidationConfig, jobs: int) -> float:
    """Estimated seconds of the feature-limit units with an explicit ``n_dict`` (the
    default pools are small); the rest of a sweep is not estimated."""
    if not cfg.n_dict or "feature" not in cfg.regimes or "limit" not in cfg.solvers:
        return 0.0
    per_unit = [_DICT_S_PER_ATOM_N2 * cfg.n_dict * (n + 4) ** 2 for n in cfg.n_values]
    return sum(per_unit) * cfg.seeds / max(1, min(jobs, len(cfg.n_values) * cfg.seeds))


def memory_estimate(cfg: ValidationConfig, jobs: int) -> dict[str, int]:
    """Peak bytes by contribution (float64), for the budget check of run_validation.

    Limits (per worker): the NTK Gram n^2, test features n_test n, the teacher's joint
    Gram (n + n_test)^2, the feature-limit pool (n_dict or 4096 atoms, 6 n + d + 4 each:
    direction, features, simplex columns and their copy; measured 2.5 GB in one array
    at n = 16, n_dict = 10^7).
    Training (this process): E members x (a few n^2 Gram/eigh buffers, pre-activation
    matrices n H and n_test H, parameters H (d + 2)), doubled for autodiff.
    """
    n = max(cfg.n_values)
    e = max(cfg.ensemble, cfg.feature_ensemble)
    pool = cfg.n_dict or 4096
    workers = max(1, jobs)
    out = {
        "teacher Gram ((n + n_test)^2)": 8 * workers * (n + cfg.n_test) ** 2,
        "kernel regression (n^2 + n_test n)": 8 * workers * (n * n + cfg.n_test * n),
        # per atom: its direction (d), features on the data (n), the simplex's column
        # block [A; -A; 1] (2 n + 2) and its Fortran-ordered copy (2 n + 2)
        "feature-limit pool (n_dict (6 n + d + 4))": 8 * workers * pool * (6 * n + cfg.d + 4),
    }
    if "train" in cfg.solvers:
        h = max(cfg.width, cfg.feature_width)
        per = 6 * n * n + 4 * (n + cfg.n_test) * h + 4 * h * (cfg.d + 2)
        out["trained nets (E (6 n^2 + 4 (n + n_test) H))"] = 8 * 2 * e * per
    return out


def available_cpus() -> int:
    """CPUs this process may run on (the default number of worker processes)."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _describe(unit) -> str:
    regime, solver, n, k = unit
    return f"{regime}/{solver} n={n} seed {k}"


class _DataCache:
    """The data of the last (n, seed index) asked for: units are ordered so that
    both regimes of a draw come one after the other and share one sample."""

    def __init__(self, cfg: ValidationConfig) -> None:
        self.cfg, self.key, self.data = cfg, None, None

    def __call__(self, unit) -> tuple:
        key = (unit[2], unit[3])
        if key != self.key:
            self.key, self.data = key, _data(self.cfg, *key)
        return self.data


def _compute_unit(cfg: ValidationConfig, unit, data) -> dict:
    """Observables of one (regime, solver, n, seed index) unit on its data draw."""
    regime, solver, n, k = unit
    runner = _run_limit if solver == "limit" else _run_train
    t = time.monotonic()
    obs = runner(cfg, regime, n, k, data)
    var = target_variance(cfg.teacher)
    for key in [key for key in obs if key.startswith(("test_mse", "limit_test_mse"))]:
        v = obs[key]
        new = key.replace("test_mse", "test_error")
        obs[new] = [u / var for u in v] if isinstance(v, list) else v / var
    obs["target_jitter"] = data[2].jitter
    obs["seconds"] = time.monotonic() - t
    obs["device"] = "cpu" if cfg.numpy_unit(unit) else cfg.device
    return obs


def _limit_worker(cfg: ValidationConfig, n: int, k: int, kinds) -> list[dict]:
    """The numpy units ``(regime, solver)`` in ``kinds`` of one (n, seed index) draw."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        data = _data(cfg, n, k)
        return [_compute_unit(cfg, (r, s, n, k), data) for r, s in kinds]


def _run_limits_parallel(cfg, units, jobs, finish, progress, total, done) -> None:
    """Infinite-width units in ``jobs`` spawned processes, grouped by (n, seed index).

    Each finished unit is stored by this process as soon as its group returns, so
    an interrupted sweep keeps everything already finished.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    groups: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for regime, solver, n, k in units:
        groups.setdefault((n, k), []).append((regime, solver))
    # largest n first: the slowest tasks start early, the pool drains evenly
    order = sorted(groups, key=lambda nk: (-nk[0], nk[1]))
    ctx = multiprocessing.get_context(_start_method())
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_die_with_parent
    ) as pool:
        futures = {pool.submit(_limit_worker, cfg, n, k, groups[(n, k)]): (n, k) for n, k in order}
        try:
            for fut in as_completed(futures):
                n, k = futures[fut]
                for (regime, solver), obs in zip(groups[(n, k)], fut.result(), strict=True):
                    finish((regime, solver, n, k), obs)
                if progress is not None:
                    progress(done(), total, f"limits n={n} seed {k}")
        except BaseException:
            # Ctrl-C or an error: stop now, not after the running units (what is
            # finished is already stored; a unit is stored whole or not at all)
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _die_with_parent() -> None:
    """Worker initializer: on Linux the kernel sends SIGTERM to the worker when its
    parent dies (prctl PR_SET_PDEATHSIG), so killing ``validate`` leaves no workers."""
    import ctypes
    import os
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        except OSError:
            return
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _start_method() -> str:
    """``fork`` (fast, no re-import of ``__main__``) unless JAX has started its
    runtime in this process: JAX is then multithreaded and a forked copy may
    deadlock, so ``spawn`` (scripts need the usual ``if __name__ == "__main__":``
    guard)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and not _jax_started():
        return "fork"
    return "spawn"


def _jax_started() -> bool:
    import sys

    if "jax" not in sys.modules:
        return False
    try:  # JAX starts its threads with its first backend
        from jax._src import xla_bridge

        return bool(xla_bridge._backends)
    except Exception:  # unknown JAX internals: assume the worst
        return True


def _run_training(cfg, units, finish, progress, total, done) -> None:
    """Trained-net units, in this process, with float64 JAX and the chosen device."""
    import jax
    from threadpoolctl import threadpool_limits

    x64_before = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    try:
        data = _DataCache(cfg)
        # one BLAS thread: JAX's CPU eigh / Cholesky call LAPACK, whose threads on these
        # small (n x n) matrices only contend (measured 100x slower on 2 loaded cores)
        with _device_context(cfg.device), threadpool_limits(1, user_api="blas"):
            for unit in units:
                if progress is not None:
                    progress(done(), total, _describe(unit))
                finish(unit, _compute_unit(cfg, unit, data(unit)))
    finally:
        jax.config.update("jax_enable_x64", x64_before)


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
                fit = fit_power_law(keep_n, keep_e, rng=rng)
            else:
                note = (note + "; " if note else "") + "too few valid n to fit"
            reg = PREDICTED_REGIME[regime]
            out.append(
                CurveResult(
                    regime=regime,
                    solver=solver,
                    n=tuple(ns),
                    errors=tuple(tuple(float(v) for v in e) for e in errs),
                    fit=fit,
                    beta_predicted=float(pred.regime(reg).beta),
                    predicted_regime=reg,
                    note=note,
                    finite_width=tuple(finite.get(regime, ())) if solver == "train" else (),
                )
            )
    return out


def with_overrides(cfg: ValidationConfig, **changes) -> ValidationConfig:
    """``cfg`` with some fields replaced (None values ignored), re-validated."""
    return replace(cfg, **{k: v for k, v in changes.items() if v is not None})


__all__: Sequence[str] = (
    "PRESETS",
    "CurveResult",
    "ValidationConfig",
    "ValidationResult",
    "gpu_devices",
    "run_validation",
)
