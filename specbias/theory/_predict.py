"""Learning-curve exponents beta from kernel/activation spectra (spectral-bias ansatz).

A target Gaussian random field on S^{d-1} with degree spectrum
c_k ~ k^{-2 nu_t - (d-1)} (smoothness nu_t), learned by a predictor built from
atoms phi whose eigenvalues decay as |mu_k(phi)| ~ k^{-alpha_phi}, has test error
eps(n) ~ n^{-beta} with

.. math:: \\beta = \\min(2\\nu_t,\\ 2\\alpha_\\varphi) / (d-1).

Lazy training uses the NTK (or random-feature kernel) as atoms; feature learning
gives a sparse sum of n_A ~ n neurons, i.e. the activation itself as atoms, whose
slower decay (relu: alpha = (d+2)/2 versus ntk: d) makes feature learning worse
for smooth targets (nu_t > alpha_relu).  alpha_phi is derived from the spectra by
:func:`specbias.decay_law`, not read from a table.

Parity caveat: bias-free ReLU atoms (relu, ntk, arccos1) have mu_k = 0 for odd
k >= 3, so they cannot fit odd harmonics of degree >= 3; for a target with odd
content the error plateaus (beta = 0).

References: Spigler, Geiger, Wyart arXiv 1905.10843; Petrini, Cagnetta,
Vanden-Eijnden, Wyart arXiv 2206.12314; Bietti & Mairal arXiv 1905.12173.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .._errors import InputError, shown
from ..spectra import CONVENTION_SHORT, kernel
from ..spectra._asymptotics import decay_law
from ..spectra._multiplicity import check_dimension

RULE = (
    "beta = min(2 nu_t, 2 alpha)/(d-1), |mu_k(atoms)| ~ k^(-alpha), c_k(target) ~ k^(-2 nu_t-(d-1))"
)
TARGET_PARITIES = ("even", "odd", "all")


@dataclass(frozen=True)
class RegimePrediction:
    regime: str
    atoms: str
    decay_exponent: float
    beta: float
    atom_parity: str
    limited_by: str
    note: str = ""


@dataclass(frozen=True)
class Prediction:
    d: int
    nu_t: float
    target_parity: str
    predictions: list[RegimePrediction]
    crossover_nu: float | None
    verdict: str
    rule: str = RULE
    convention: str = CONVENTION_SHORT
    caveats: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = asdict(self)
        for p in out["predictions"]:
            if math.isinf(p["decay_exponent"]):
                p["decay_exponent"] = (
                    None  # JSON has no infinity: null means "faster than any power"
                )
        return out

    def regime(self, name: str) -> RegimePrediction:
        for p in self.predictions:
            if p.regime == name:
                return p
        raise KeyError(name)


def check_nu(nu_t: float) -> float:
    try:
        nu = float(nu_t) if not isinstance(nu_t, (bool, str)) else math.nan
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"nu_t must be a number > 0, got {shown(nu_t)}") from None
    if not (math.isfinite(nu) and nu > 0):
        raise InputError(f"nu_t must be a finite number > 0 (target smoothness), got {shown(nu_t)}")
    return nu


def _covers(atom_parity: str, target_parity: str) -> bool:
    return atom_parity == "all" or atom_parity == target_parity


def exponent(d: int, nu_t: float, atoms: str, target_parity: str = "even") -> RegimePrediction:
    """beta for one predictor built from ``atoms`` (a kernel or activation name).

    >>> exponent(5, 2.0, "relu").beta
    1.0
    >>> exponent(5, 4.0, "relu").beta  # smooth target: capped by 2 alpha = d + 2
    1.75
    """
    d = check_dimension(d)
    nu = check_nu(nu_t)
    if target_parity not in TARGET_PARITIES:
        raise InputError(
            f"target parity must be one of {', '.join(TARGET_PARITIES)}, got {target_parity!r}"
        )
    law = decay_law(kernel(atoms), d)
    alpha = law.alpha
    if not _covers(law.parity, target_parity):
        missing = "odd" if law.parity == "even" else "even"
        return RegimePrediction(
            "",
            law.kernel,
            alpha,
            0.0,
            law.parity,
            "parity",
            f"atoms have mu_k = 0 on {missing} degrees (k >= 3 for relu-type atoms): the "
            f"{missing} part of the target is never learned and the error plateaus",
        )
    if 2 * nu <= 2 * alpha:
        return RegimePrediction("", law.kernel, alpha, 2 * nu / (d - 1), law.parity, "target")
    return RegimePrediction("", law.kernel, alpha, 2 * alpha / (d - 1), law.parity, "atoms")


def predict(
    d: int,
    nu_t: float,
    *,
    activation: str = "relu",
    kernels: tuple[str, ...] | None = None,
    target_parity: str = "even",
) -> Prediction:
    """Predicted learning-curve exponents for feature learning versus lazy training.

    Args:
      d: ambient dimension, data uniform on S^{d-1}.
      nu_t: target smoothness, c_k ~ k^{-2 nu_t - (d-1)}.
      activation: feature-regime atoms (the network's activation), default ``relu``.
      kernels: lazy-regime kernels; default ``("ntk", "arccos1")`` -> regimes
        ``lazy-ntk`` and ``lazy-rf``; others are named ``lazy-<kernel>``.
      target_parity: ``even`` (default: target in the span of bias-free ReLU
        predictors, as for the |t|^a teacher of arXiv 2206.12314), ``odd`` or ``all``.

    >>> p = predict(5, 2.0)
    >>> [(r.regime, r.decay_exponent, r.beta) for r in p.predictions]
    [('feature', 3.5, 1.0), ('lazy-ntk', 5.0, 1.0), ('lazy-rf', 7.0, 1.0)]
    >>> p.crossover_nu
    3.5
    """
    d = check_dimension(d)
    nu = check_nu(nu_t)
    if kernels is None:
        named = [("lazy-ntk", "ntk"), ("lazy-rf", "arccos1")]
    else:
        named = [(f"lazy-{kernel(k).spec}", k) for k in kernels]
    rows = [("feature", activation), *named]
    preds = []
    for regime, atoms in rows:
        r = exponent(d, nu, atoms, target_parity)
        preds.append(RegimePrediction(regime, *list(asdict(r).values())[1:]))
    feat, lazy = preds[0], preds[1:]
    crossover = None
    caveats = [
        "bias-free ReLU atoms (relu, ntk, arccos1) have mu_k = 0 for odd k >= 3: they cannot "
        "fit odd degrees >= 3 (use a predictor with bias, e.g. ntk-bias, for such targets)"
    ]
    alive = [p for p in lazy if p.limited_by != "parity"]
    if feat.limited_by == "parity":
        verdict = "feature-learning predictor cannot fit the target's parity: its error plateaus"
    elif alive:
        a_lazy = min(p.decay_exponent for p in alive)
        if feat.decay_exponent < a_lazy:
            crossover = feat.decay_exponent
            best = max(p.beta for p in alive)
            if feat.beta < best - 1e-12:
                verdict = (
                    f"feature < lazy: nu_t = {_fmt(nu)} > {_fmt(crossover)} = alpha_{activation}, "
                    "the sparse feature predictor is too rough for this smooth target"
                )
            else:
                verdict = (
                    f"feature = lazy: nu_t = {_fmt(nu)} <= {_fmt(crossover)}, both limited by "
                    f"the target, beta = 2 nu_t/(d-1); feature learning is worse for nu_t > "
                    f"{_fmt(crossover)}"
                )
        else:
            verdict = (
                "feature learning is not worse: its atoms decay at least as fast as the kernels'"
            )
    else:
        verdict = "all lazy predictors plateau on this target's parity"
    if target_parity != "even":
        caveats.append(f"target parity '{target_parity}': see each regime's note")
    return Prediction(d, nu, target_parity, preds, crossover, verdict, caveats=caveats)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
