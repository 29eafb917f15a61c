"""The feature-versus-lazy verdict, one comparison per lazy kernel.

For each lazy regime (``lazy-ntk``, ``lazy-rf``, ``lazy-<kernel>``) the feature
predictor's exponent is compared with that kernel's own,

.. math:: \\beta_{\\rm feat} = \\frac{\\min(2\\nu_t, 2\\alpha_\\sigma)}{d-1}
   \\quad\\text{vs}\\quad \\beta_{\\rm lazy} = \\frac{\\min(2\\nu_t, 2\\alpha_K)}{d-1},

so feature learning is worse than kernel K exactly when alpha_sigma < nu_t and
alpha_sigma < alpha_K: the crossover against K is nu_t = alpha_sigma, and there is
none where the activation's atoms decay at least as fast as K's (alpha_sigma >=
alpha_K).  Each kernel gets its own relation: at d = 2 relu atoms and the NTK both
decay as k^-2 (feature = lazy-ntk for every nu_t) while arccos1 decays as k^-4
(feature < lazy-rf for nu_t > 2).  A single "min over the lazy kernels" comparison
conflates these and said "not worse" at d = 2, nu_t = 3 although lazy-rf has beta 6
against feature 4.

References: Petrini, Cagnetta, Vanden-Eijnden, Wyart arXiv 2206.12314; Bietti &
Mairal arXiv 1905.12173 (alpha of relu, ntk, arccos1).

>>> from specbias import predict
>>> [(c.lazy, c.relation) for c in predict(2, 3.0).comparisons]
[('lazy-ntk', 'equal'), ('lazy-rf', 'feature-worse')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Relations of the feature predictor to one lazy kernel.
RELATIONS = ("feature-worse", "equal", "feature-better", "lazy-plateaus", "both-plateau")
#: beta values are ratios of small numbers: equal up to float round-off.
_SAME = 1e-12


@dataclass(frozen=True)
class Comparison:
    """Feature learning against one lazy kernel.

    ``relation`` is one of :data:`RELATIONS`; ``crossover_nu`` is alpha of the
    feature atoms when they decay slower than this kernel's (feature learning is
    worse than it for nu_t above), else None; ``text`` is the one-line verdict.
    """

    lazy: str
    kernel: str
    relation: str
    beta_feature: float
    beta_lazy: float
    crossover_nu: float | None
    text: str


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def compare(feat, lazy, nu: float) -> Comparison:
    """The :class:`Comparison` of two :class:`~._predict.RegimePrediction` rows.

    ``feat`` must not plateau on the target's parity (the caller reports that case).
    """
    bf, bl = feat.beta, lazy.beta
    af, al = feat.decay_exponent, lazy.decay_exponent
    name, activation = lazy.regime, feat.atoms
    what = "the constant target" if math.isinf(nu) else "this smooth target"
    if lazy.limited_by == "parity":
        text = f"feature > {name}: {name} plateaus on the target's parity (beta = 0)"
        return Comparison(name, lazy.atoms, "lazy-plateaus", bf, bl, None, text)
    cross = af if af < al else None
    head = f"beta {_fmt(bf)} vs {_fmt(bl)}"
    if _same(bf, bl):
        relation = "equal"
        if cross is not None:
            why = (
                f"both limited by the target (nu_t = {_fmt(nu)} <= {_fmt(af)} = "
                f"alpha of {activation}); feature learning is worse than {name} for nu_t > "
                f"{_fmt(af)}"
            )
        elif _same(af, al):
            why = f"same atom decay alpha = {_fmt(af)}: never worse, for any nu_t"
        else:
            why = (
                f"both limited by the target (nu_t = {_fmt(nu)} <= {_fmt(al)} = alpha of "
                f"{lazy.atoms}); feature learning is better for nu_t > {_fmt(al)}"
            )
        text = f"feature = {name}: {head}, {why}"
    elif bf < bl:
        relation = "feature-worse"
        text = (
            f"feature < {name}: {head}; nu_t = {_fmt(nu)} > {_fmt(af)} = alpha of {activation}"
            f" < {_fmt(al)} = alpha of {lazy.atoms}: the sparse feature predictor is too "
            f"rough for {what}"
        )
    else:
        relation = "feature-better"
        text = (
            f"feature > {name}: {head}; the atoms of {lazy.atoms} (alpha = {_fmt(al)}) are "
            f"rougher than the activation's (alpha = {_fmt(af)})"
        )
    return Comparison(name, lazy.atoms, relation, bf, bl, cross, text)


def _same(x: float, y: float) -> bool:
    return x == y or abs(x - y) <= _SAME * max(1.0, abs(x), abs(y))


def plateau_comparisons(feat, lazies) -> list[Comparison]:
    """Feature atoms plateau on the target's parity: one row per lazy kernel."""
    out = []
    for lazy in lazies:
        if lazy.limited_by == "parity":
            text = f"feature and {lazy.regime} both plateau on the target's parity"
            relation = "both-plateau"
        else:
            text = (
                f"feature < {lazy.regime}: the feature predictor cannot fit the target's "
                f"parity (plateau), {lazy.regime} has beta {_fmt(lazy.beta)}"
            )
            relation = "feature-worse"
        out.append(Comparison(lazy.regime, lazy.atoms, relation, feat.beta, lazy.beta, None, text))
    return out
