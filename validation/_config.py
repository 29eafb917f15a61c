"""Validation sweeps: the configuration (validated on construction), protocols, presets."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from .._errors import InputError
from ..theory._predict import check_nu
from ._checks import check_int
from ._targets_sample import (
    CONSTANT_TEACHER,
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
    # xi = 0 at alpha = feature_alpha << 1 (arXiv 2206.12314 Fig. G.3), run as the
    # equivalent small-initialization flow (_units._train_feature)
    "alpha-trick": "alpha-trick-small-init-gd/1",
    # xi = 1, alpha = lazy_alpha, ETD1 from a Gauss-Newton first step when alpha >=
    # _units.GN_MIN_ALPHA (/1 grew Delta from the stability limit: end points differ
    # by O(1/alpha))
    "lazy": "alpha-trick-etd1/2",
}
FEATURE_PROTOCOLS = ("l1", "mean-field", "alpha-trick")
DESIGNS = ("independent", "nested")

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
            MSEs; trained feature nets with ``feature_protocol="l1"`` only, as in the
            paper's Fig. 4), predicted beta = 2 alpha/(d-1).
        regimes: subset of ``("feature", "lazy")``.
        n_values: training-set sizes (>= 2 distinct positive integers, sorted).
        seeds: independent draws (data, teacher, initialization) per n.
        width: hidden width H of the trained nets.
        solver: ``"train"``, ``"limit"`` or ``"both"``.
        n_test: test points per unit.
        noise: label-noise variance on the training labels RELATIVE to the target
            variance, sigma^2 / Var f* (Var f* = K_T(1); 1 for the constant target),
            the convention of :func:`specbias.learning_curve`.
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
            initialization, no penalty, adaptive gradient descent to ``rel_tol``) or
            ``"alpha-trick"`` (the paper's Fig. G.3: F = alpha (f - f_0) at
            ``alpha = feature_alpha`` << 1, trained on L / alpha^2, xi = 0; the ReLU net
            being 2-homogeneous, this flow is exactly mean-field gradient flow from the
            initialization scaled by sqrt(alpha), in time t / alpha, which is how it runs:
            no alpha^-2 step sizes).
        feature_alpha: alpha of the ``"alpha-trick"`` protocol (0 < alpha <= 1; the
            paper used 1e-6 / 1e-25 / 1e-50 at d = 2 / 3 / 5).
        feature_width, feature_ensemble: width and initializations per draw of the
            trained feature nets (None: ``width``, ``ensemble``).  The lazy nets need
            many more (their excess over the NTK limit is an H^-1/2 initialization
            fluctuation, removed by averaging E H ~ 6e4 neurons at d = 3, n = 256);
            the L1 nets do not fluctuate that way (n_A <= n active neurons).
        design: ``"independent"`` (every (n, seed) draws its own points and teacher)
            or ``"nested"`` (per seed, one teacher and one test set; the training set
            of size n is the first n of max(n_values) points, so a seed's errors at
            different n share their teacher: common random numbers, which narrow the
            exponent's interval; the draw depends on max(n_values), part of the key).

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
    feature_alpha: float = 1e-6
    feature_width: int | None = None
    feature_ensemble: int | None = None
    design: str = "independent"

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
        if (
            math.isinf(self.nu_t)
            and self.solver != "limit"
            and "feature" in self.regimes
            and self.feature_protocol == "mean-field"
        ):
            raise InputError(
                "nu_t = inf (the constant target) trains feature nets with the L1 protocol "
                "(--protocol l1, the paper's Fig. 4) or the alpha-trick (--protocol "
                "alpha-trick, its Fig. G.3), arXiv 2206.12314; got protocol 'mean-field'"
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
        if self.design not in DESIGNS:
            raise InputError(f"unknown design {self.design!r}; choose from {', '.join(DESIGNS)}")
        if self.feature_protocol not in FEATURE_PROTOCOLS:
            raise InputError(
                f"unknown feature protocol {self.feature_protocol!r}; choose from "
                f"{', '.join(FEATURE_PROTOCOLS)}"
            )
        a = self.feature_alpha
        if not (isinstance(a, (int, float)) and 1e-300 <= a <= 1):
            raise InputError(f"feature_alpha must be in [1e-300, 1], got {a!r}")
        set_(self, "feature_alpha", float(a))
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
            # noisy units since the relative convention get their own keys
            **({"noise_convention": "relative"} if self.noise > 0 else {}),
            **(
                {"design": "nested", "n_max": max(self.n_values)} if self.design == "nested" else {}
            ),
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
            if regime == "feature" and self.feature_protocol == "alpha-trick":
                cfg.update(alpha=self.feature_alpha)
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
        * ``train-smoke``: d = 3, nu_t = 4, trained nets (lazy: H = 4096 and 1024,
          16 initializations per draw; feature: L1 protocol, H = 1024, 2 per draw)
          and limits, n = 32..256, 8 seeds, nested design (CPU, ~400 CPU-s).
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


def _num(x) -> float | None:
    """``x`` as a float, None when not finite (JSON has no inf / nan)."""
    x = float(x)
    return x if math.isfinite(x) else None


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
        feature_ensemble=2,
        design="nested",
        solver="both",
        n_test=1024,
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


def with_overrides(cfg: ValidationConfig, **changes) -> ValidationConfig:
    """``cfg`` with some fields replaced (None values ignored), re-validated."""
    return replace(cfg, **{k: v for k, v in changes.items() if v is not None})
