"""Bietti & Mairal (2019), arXiv 1905.12173: decay of the two-layer ReLU kernels.

Claim: on S^{d-1}, the eigenvalues of the two-layer ReLU NTK decay as k^{-d} and
those of the random-feature (arc-cosine, ``arccos1``) kernel as k^{-d-2}, on the
non-vanishing degrees (even k; odd k >= 3 vanish without a bias).

Route: compute mu_k with :func:`specbias.eigenvalues` (closed forms, float64 log
space), fit log|mu_k| = log C - alpha log k by least squares on the even k of the
window [K/2, K], and compare alpha with the paper and C with
:func:`specbias.decay_law` (ratio |mu_K| K^alpha / C -> 1).

Tolerances: the first correction is a relative c_1/k,
|mu_k| = C k^{-alpha} (1 + c_1/k + O(k^{-2})), with c_1 = -d(d-2)/2 (ntk, from its
arccos0 part) and c_1 = -(d^2-4)/2 (arccos1), from
Gamma(x+a)/Gamma(x+b) = x^{a-b} (1 + (a-b)(a+b-1)/(2x) + ...); so |c_1| < d^2/2.
Over the window it shifts the fitted exponent by about |c_1|/k <= |c_1|/(K/2) and the
constant ratio by |c_1|/K.  With K = max(1000, 100 d^2) these are at most 0.01 and
0.005; the tolerances below leave a factor 5 and 4 for the O(k^{-2}) terms, and a
wrong exponent (off by 1) or a wrong constant fails by far.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

import specbias

from ._check import CheckResult, PaperCheck

#: The paper's exponents alpha(d): |mu_k| ~ C k^{-alpha} on even k.
PAPER_EXPONENTS: Mapping[str, Callable[[int], float]] = {
    "ntk": lambda d: d,
    "arccos1": lambda d: d + 2,
}
#: Dimensions checked (data on S^{d-1}).
DIMENSIONS = (2, 3, 5, 10, 20)
#: |fitted alpha - expected alpha| allowed: 5x the O(1/k) shift bound 0.01 (module doc).
EXPONENT_TOL = 0.05
#: |ratio - 1| allowed for |mu_K| K^alpha / C(d): 4x the O(1/k) bound 0.005 (module doc).
CONSTANT_TOL = 0.02


def window_kmax(d: int) -> int:
    """K such that the c_1/k corrections (|c_1| < d^2/2) are <= 0.01 on [K/2, K]."""
    return max(1000, 100 * d * d)


def compare_decay(kern: str, d: int, expected_alpha: float) -> dict:
    """One row: fitted versus ``expected_alpha``, and the constant versus decay_law.

    >>> row = compare_decay("ntk", 3, expected_alpha=3)
    >>> row["passed"], round(row["alpha fitted"], 2)
    (True, 3.0)
    """
    kmax = window_kmax(d)
    spec = specbias.eigenvalues(kern, d, kmax)
    law = specbias.decay_law(kern, d)
    k = spec.k
    window = (k % 2 == 0) & (k >= kmax // 2)
    slope, _ = np.polyfit(np.log(k[window]), spec.log_abs[window], 1)
    fitted = float(-slope)
    top = int(k[window][-1])
    ratio = float(np.exp(spec.log_abs[top] + law.alpha * np.log(top) - np.log(law.constant)))
    odd_vanish = bool(np.all(spec.sign[(k % 2 == 1) & (k >= 3)] == 0))
    even_alive = bool(np.all(spec.sign[window] != 0))
    passed = (
        abs(fitted - expected_alpha) <= EXPONENT_TOL
        and abs(law.alpha - expected_alpha) <= 1e-12
        and abs(ratio - 1) <= CONSTANT_TOL
        and odd_vanish
        and even_alive
    )
    return {
        "kernel": kern,
        "d": d,
        "even k": f"{kmax // 2}-{kmax}",
        "alpha expected": float(expected_alpha),
        "alpha fitted": fitted,
        "alpha decay_law": law.alpha,
        "C ratio": ratio,
        "odd k vanish": odd_vanish and even_alive,
        "passed": passed,
    }


def run(
    expected: Mapping[str, Callable[[int], float]] = PAPER_EXPONENTS,
    dimensions: Sequence[int] = DIMENSIONS,
) -> CheckResult:
    """All rows for ``expected`` exponents (the paper's by default) over ``dimensions``."""
    rows = [
        compare_decay(kern, d, alpha(d)) for kern, alpha in expected.items() for d in dimensions
    ]
    return CheckResult(CHECK_NAME, all(r["passed"] for r in rows), rows)


CHECK_NAME = "bietti_mairal_2019"
CHECK = PaperCheck(
    name=CHECK_NAME,
    reference="arXiv:1905.12173",
    description=(
        "two-layer ReLU NTK eigenvalues decay as k^-d and the random-feature (arccos1) "
        "kernel's as k^-(d+2) on even k (odd k >= 3 vanish): fitted exponents within "
        f"{EXPONENT_TOL}, constants C(d) of decay_law within {CONSTANT_TOL:.0%}"
    ),
    runner=run,
)
