"""Mei & Montanari (2019), arXiv 1908.05355: the random-features double-descent curve.

Claims checked at d = 100, ReLU features, linear target (F1^2 = 1), n = 300:

1. ridgeless, the risk diverges at the interpolation threshold N = n: E_0 (the common
   denominator of bias and variance) is 0 there (|E_0| < 1e-12) and < 0 on both sides;
   the paper's formula and the independent two-step derivation agree (rel. 1e-8);
2. the second descent: the ridgeless risk at N = 10 n is below the minimum over N < n
   (global minimum in the overparametrized regime at high SNR);
3. the asymptotic formula (:func:`specbias.double_descent`) matches real random-features
   ridge regression (numpy, fixed seeds 0-3, 1000 test points) within 10% at
   N/n = 0.2, 2 and 5, ridgeless;
4. N -> infinity (psi1 = 1e6) meets kernel ridge regression with the random-feature
   kernel ``arccos1`` (:func:`specbias.learning_curve`, ridge n lambda/d, c_1 = 1/d)
   within 5% for psi2 = n/d <= 3.

About 30 s on two cores (the simulations).
"""

from __future__ import annotations

import numpy as np

import specbias
from specbias.theory._rf_simulation import simulate_mean

from ._check import CheckResult, PaperCheck

D, N_SAMPLES = 100, 300
SIM_RTOL, KERNEL_RTOL = 0.10, 0.05


def _row(claim: str, value: float, bound: str, ok: bool) -> dict:
    return {"claim": claim, "value": float(value), "bound": bound, "passed": bool(ok)}


def rows() -> list[dict]:
    out = []
    grid = np.concatenate([np.linspace(0.05, 0.99, 60), [1.0], np.linspace(1.01, 10, 60)])
    r = specbias.double_descent("relu", D, N_SAMPLES, grid * N_SAMPLES)
    at = grid == 1.0
    e0_at = float(np.abs(r.e0[at]).max())
    out.append(_row("|E0| at N = n", e0_at, "< 1e-12", e0_at < 1e-12))
    worst = float(r.e0[~at].max())
    out.append(_row("max E0 for N != n", worst, "< 0", worst < 0))
    fin = ~at
    gap = float(np.max(np.abs(r.risk[fin] / r.risk_two_step[fin] - 1)))
    out.append(_row("paper formula vs two-step derivation", gap, "< 1e-8", gap < 1e-8))
    under = r.risk[grid < 1].min()
    out.append(
        _row("risk(N = 10 n) / min_{N<n} risk", r.risk[-1] / under, "< 1", r.risk[-1] < under)
    )
    ns = (60, 600, 1500)
    theory = specbias.double_descent("relu", D, N_SAMPLES, list(ns)).risk
    for big_n, th in zip(ns, theory, strict=True):
        sim, _ = simulate_mean("relu", D, N_SAMPLES, big_n, n_test=1000)
        rel = abs(sim / th - 1)
        out.append(
            _row(
                f"simulation vs theory, N/n = {big_n / N_SAMPLES:g}",
                rel,
                f"< {SIM_RTOL}",
                rel < SIM_RTOL,
            )
        )
    target = specbias.spectrum_target(np.array([0.0, 1.0 / D]), D)
    for psi2 in (0.5, 1.0, 2.0, 3.0):
        n = psi2 * D
        th = specbias.double_descent("relu", D, n, 1e6 * D, target=target).risk[0]
        kr = specbias.learning_curve("arccos1", target, [n]).gen_error[0]
        rel = abs(th / kr - 1)
        out.append(
            _row(
                f"psi1 = 1e6 vs kernel regression, psi2 = {psi2:g}",
                rel,
                f"< {KERNEL_RTOL}",
                rel < KERNEL_RTOL,
            )
        )
    return out


def _result(details: list[dict]) -> CheckResult:
    return CheckResult(CHECK_NAME, all(row["passed"] for row in details), details)


CHECK_NAME = "mei_montanari_2019"
CHECK = PaperCheck(
    name=CHECK_NAME,
    reference="arXiv:1908.05355",
    description=(
        f"random-features double descent at d = {D}, n = {N_SAMPLES}: ridgeless risk "
        "diverges at N = n (E0 = 0), second descent below the underparametrized minimum, "
        f"theory vs real RF regression within {SIM_RTOL:.0%}, N -> inf meets kernel "
        f"regression within {KERNEL_RTOL:.0%}"
    ),
    runner=lambda: _result(rows()),
    seconds=40.0,
)
