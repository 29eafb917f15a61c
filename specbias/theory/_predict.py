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

Constant target (``nu_t = math.inf``; CLI ``--nu inf``): f*(x) = 1, the degree-0
harmonic alone (c_0 = 1, c_k = 0 for k >= 1), the limit nu_t -> inf of the smooth
family and the paper's Fig. 4 case (arXiv 2206.12314: the constant target, where
feature learning is worst).  Spectral bias (eigenlearning, Bordelon, Canatar &
Pehlevan arXiv 2002.02561; Simon et al. arXiv 2110.03922) learns degree k with
learnability L_k = mu_k/(mu_k + kappa), and kappa(n) solves
sum_k N(d,k) L_k = n: the ~K^{d-1} harmonics of degree <= K with |mu_k| > kappa
are learned, so K_n ~ n^{1/(d-1)} and kappa ~ |mu_{K_n}| ~ n^{-alpha/(d-1)}.  The
constant's error is the degree-0 residual

.. math:: \\epsilon(n) = E_0 (1 - L_0)^2 c_0 = E_0 \\Big(\\frac{\\kappa}{\\mu_0 + \\kappa}\\Big)^2
          \\sim \\kappa^2 \\sim n^{-2\\alpha/(d-1)},

(E_0 -> a constant), i.e. beta = 2 alpha/(d-1), the nu_t -> inf limit of the rule:
feature (ReLU atoms, alpha = (d+2)/2): beta = (d+2)/(d-1) = 1 + 3/(d-1), set by
the activation's smoothness (its kink: the min-norm feature solution is a sum of
n_A ~ n ReLU atoms); lazy NTK (alpha = d): beta = 2d/(d-1); lazy RF (arccos1,
alpha = d+2): beta = 2(d+2)/(d-1).  E.g. d = 3: 2.5 versus 3; d = 5: 1.75 versus
2.5 (d = 2: 4 = 4).  Atoms need mu_0 != 0 to fit a constant at all (else the error
plateaus); the constant is even, so ``target_parity`` must be ``even``.  Checked
against the eigenlearning curves of the constant target
(``tests/test_constant_target.py``) and the infinite-width solvers of
``specbias validate --nu inf``.

References: Spigler, Geiger, Wyart arXiv 1905.10843; Petrini, Cagnetta,
Vanden-Eijnden, Wyart arXiv 2206.12314; Bietti & Mairal arXiv 1905.12173.

>>> predict(3, math.inf).regime("feature").beta, predict(3, math.inf).regime("lazy-ntk").beta
(2.5, 3.0)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .._errors import InputError, shown
from ..spectra import CONVENTION_SHORT, kernel
from ..spectra._asymptotics import decay_law
from ..spectra._multiplicity import check_dimension
from ..spectra._spectrum import eigenvalues
from ._verdict import Comparison, compare, plateau_comparisons

RULE = (
    "beta = min(2 nu_t, 2 alpha)/(d-1), |mu_k(atoms)| ~ k^(-alpha), c_k(target) ~ k^(-2 nu_t-(d-1))"
)
TARGET_PARITIES = ("even", "odd", "all")
SMOOTH_ATOMS = (
    "atoms decay faster than any power of k (a smooth activation, e.g. tanh): beta = "
    "2 nu_t/(d-1) is set by the target alone, for every nu_t"
)
SMOOTH_TARGET = "smooth field, c_k ~ k^(-2 nu_t-(d-1))"
CONSTANT_TARGET = (
    "constant f* = 1 (nu_t = inf: degree k = 0 only; error = degree-0 residual "
    "E0 (kappa/(mu_0+kappa))^2 ~ kappa(n)^2 ~ n^(-2 alpha/(d-1)))"
)


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
    target: str = SMOOTH_TARGET
    comparisons: list[Comparison] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready: infinities (no JSON number) become null, see each key.

        ``nu_t`` null: the constant target (``target`` says so); ``decay_exponent``
        or ``beta`` null: faster than any power.
        """
        out = asdict(self)
        out["nu_t"] = _finite_or_none(self.nu_t)
        for p in out["predictions"]:
            p["decay_exponent"] = _finite_or_none(p["decay_exponent"])
            p["beta"] = _finite_or_none(p["beta"])
        for c in out["comparisons"]:
            c["beta_feature"] = _finite_or_none(c["beta_feature"])
            c["beta_lazy"] = _finite_or_none(c["beta_lazy"])
        return out

    def regime(self, name: str) -> RegimePrediction:
        for p in self.predictions:
            if p.regime == name:
                return p
        raise KeyError(name)


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def check_nu(nu_t: float, *, allow_inf: bool = False) -> float:
    """nu_t as a float > 0; with ``allow_inf``, ``math.inf`` (the constant target) too.

    >>> check_nu(2), check_nu(math.inf, allow_inf=True)
    (2.0, inf)
    """
    also = " or inf (the constant target)" if allow_inf else ""
    try:
        nu = float(nu_t) if not isinstance(nu_t, (bool, str)) else math.nan
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"nu_t must be a number > 0{also}, got {shown(nu_t)}") from None
    if allow_inf and nu == math.inf:
        return nu
    if not (math.isfinite(nu) and nu > 0):
        raise InputError(
            f"nu_t must be a finite number > 0 (target smoothness){also}, got {shown(nu_t)}"
        )
    return nu


def _check_constant_parity(target_parity: str) -> None:
    if target_parity != "even":
        raise InputError(
            "nu_t = inf is the constant target, which lives on degree 0 (even): target "
            f"parity must be 'even', got {target_parity!r}"
        )


def _covers(atom_parity: str, target_parity: str) -> bool:
    return atom_parity == "all" or atom_parity == target_parity


def exponent(d: int, nu_t: float, atoms: str, target_parity: str = "even") -> RegimePrediction:
    """beta for one predictor built from ``atoms`` (a kernel or activation name).

    >>> exponent(5, 2.0, "relu").beta
    1.0
    >>> exponent(5, 4.0, "relu").beta  # smooth target: capped by 2 alpha = d + 2
    1.75
    >>> exponent(5, math.inf, "relu").beta  # constant target: 2 alpha/(d-1)
    1.75
    """
    d = check_dimension(d)
    nu = check_nu(nu_t, allow_inf=True)
    if target_parity not in TARGET_PARITIES:
        raise InputError(
            f"target parity must be one of {', '.join(TARGET_PARITIES)}, got {target_parity!r}"
        )
    law = decay_law(kernel(atoms), d)
    alpha = law.alpha
    if math.isinf(nu):
        _check_constant_parity(target_parity)
        return _constant_exponent(d, atoms, law)
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
        note = SMOOTH_ATOMS if math.isinf(alpha) else ""
        return RegimePrediction("", law.kernel, alpha, 2 * nu / (d - 1), law.parity, "target", note)
    return RegimePrediction("", law.kernel, alpha, 2 * alpha / (d - 1), law.parity, "atoms")


def _constant_exponent(d: int, atoms: str, law) -> RegimePrediction:
    """beta = 2 alpha/(d-1) for the constant target (module docstring); 0 if mu_0 = 0."""
    if eigenvalues(atoms, d, 0).sign[0] == 0:
        return RegimePrediction(
            "",
            law.kernel,
            law.alpha,
            0.0,
            law.parity,
            "parity",
            "atoms have mu_0 = 0: they cannot represent the constant target, the error plateaus",
        )
    note = "" if math.isfinite(law.alpha) else "faster than any power of n"
    return RegimePrediction(
        "", law.kernel, law.alpha, 2 * law.alpha / (d - 1), law.parity, "atoms", note
    )


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
      nu_t: target smoothness, c_k ~ k^{-2 nu_t - (d-1)}; ``math.inf``: the constant
        target f* = 1 (beta = 2 alpha/(d-1), see the module docstring).
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

    The verdict compares with each lazy kernel in turn (``p.comparisons``, one
    :class:`~._verdict.Comparison` per lazy regime, named): at d = 2 relu atoms decay
    like the NTK's (k^-2) but slower than arccos1's (k^-4).

    >>> [c.text.split(":")[0] for c in predict(2, 3.0).comparisons]
    ['feature = lazy-ntk', 'feature < lazy-rf']
    >>> predict(2, 3.0).crossover_nu  # against lazy-rf only
    2.0

    ``crossover_nu``: alpha of the feature atoms when feature learning is worse than at
    least one lazy kernel for nu_t above it (each comparison has its own), else None.
    """
    d = check_dimension(d)
    nu = check_nu(nu_t, allow_inf=True)
    constant = math.isinf(nu)
    if constant:
        _check_constant_parity(target_parity)
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
    caveats = [
        "bias-free ReLU atoms (relu, ntk, arccos1) have mu_k = 0 for odd k >= 3: they cannot "
        "fit odd degrees >= 3 (use a predictor with bias, e.g. ntk-bias, for such targets)"
    ]
    if feat.limited_by == "parity":
        comparisons = plateau_comparisons(feat, lazy)
        verdict = "feature-learning predictor cannot fit the target's parity: its error plateaus"
    else:
        comparisons = [compare(feat, r, nu) for r in lazy]
        verdict = "; ".join(c.text for c in comparisons)
        if all(r.limited_by == "parity" for r in lazy):
            verdict = "all lazy predictors plateau on this target's parity; " + verdict
    crossings = [c.crossover_nu for c in comparisons if c.crossover_nu is not None]
    crossover = crossings[0] if crossings else None
    if target_parity != "even":
        caveats.append(f"target parity '{target_parity}': see each regime's note")
    if constant:
        caveats.append(
            "nu_t = inf: the constant target f* = 1 (arXiv 2206.12314 Fig. 4); beta = "
            "2 alpha/(d-1) is the decay of its degree-0 residual (kappa/(mu_0+kappa))^2"
        )
    target = CONSTANT_TARGET if constant else SMOOTH_TARGET
    return Prediction(
        d,
        nu,
        target_parity,
        preds,
        crossover,
        verdict,
        caveats=caveats,
        target=target,
        comparisons=comparisons,
    )
