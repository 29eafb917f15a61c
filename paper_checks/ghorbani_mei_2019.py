"""Ghorbani, Mei, Misiakiewicz & Montanari (2019), arXiv 1904.12191: the staircase.

Claim: in high dimension, for d^{l+delta} <= n <= d^{l+1-delta}, kernel (ridgeless)
regression with a rotation-invariant kernel learns exactly the degree <= l part of
the target: the degree-l part is fitted, degree l+1 is not.

Route: the eigenlearning curve :func:`specbias.learning_curve` (exact degeneracies
N(d,k) in log space) for the two-layer ReLU NTK at d = 30 and a smooth target
(nu_t = 2, all degrees); the per-degree relative error of degree k is
E0 (1 - L_k)^2 (its share of the test error divided by its share of the target
variance).  Checked: at n = d^1.5 degree 1 is learned (relative error <= 0.05) and
degree 2 is not (>= 0.7); at n = d^2.25 degree 2 is learned (<= 0.05).  The
thresholds are those of the statement; at d = 30 the measured margins are ~3x
(0.017 and 0.87, 0.013).
"""

from __future__ import annotations

import specbias

from ._check import CheckResult, PaperCheck

D = 30
KERNEL = "ntk"
LEARNED_MAX = 0.05
UNLEARNED_MIN = 0.7


#: (power of d giving n, degree, claim) as stated in the paper.
CASES = ((1.5, 1, "learned"), (1.5, 2, "not learned"), (2.25, 2, "learned"))


def staircase_rows(d: int = D, kern: str = KERNEL, cases=CASES) -> list[dict]:
    """One row per (n = d^power, degree, claim); ``cases`` lets a test state a false claim."""
    target = specbias.smooth_target(d, 2.0, parity="all")
    rows = []
    for power, degree, claim in cases:
        n = round(d**power)
        lc = specbias.learning_curve(kern, target, [n])
        lk = float(lc.learnability([degree])[0, 0])
        rel = float(lc.e0[0] * (1.0 - lk) ** 2)
        ok = rel <= LEARNED_MAX if claim == "learned" else rel >= UNLEARNED_MIN
        rows.append(
            {
                "d": d,
                "n": f"d^{power} = {n}",
                "degree": degree,
                "claim": claim,
                "learnability": lk,
                "relative error": rel,
                "passed": bool(ok),
            }
        )
    return rows


def run() -> CheckResult:
    rows = staircase_rows()
    return CheckResult(CHECK_NAME, all(r["passed"] for r in rows), rows)


CHECK_NAME = "ghorbani_mei_2019"
CHECK = PaperCheck(
    name=CHECK_NAME,
    reference="arXiv:1904.12191",
    description=(
        f"staircase at d = {D}: kernel regression learns degree 1 but not degree 2 at "
        f"n = d^1.5, and degree 2 at n = d^2.25 (relative errors <= {LEARNED_MAX} / "
        f">= {UNLEARNED_MIN})"
    ),
    runner=run,
)
