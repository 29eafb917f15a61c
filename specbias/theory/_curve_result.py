"""The result of :func:`specbias.learning_curve`: test, clean and train errors per n.

Definitions (eigenlearning theory: Bordelon, Canatar & Pehlevan arXiv 2002.02561;
Canatar, Bordelon & Pehlevan arXiv 2006.13198; Simon et al. arXiv 2110.03922): see
:data:`TEST_ERROR_DEFINITION`, :data:`TRAIN_ERROR_DEFINITION` and
:data:`NOISE_CONVENTION`.

Train error.  The kernel ridge predictor f = k(., X)(K + lambda I)^{-1} y leaves the
training residual r = y - f(X) = lambda (K + lambda I)^{-1} y.  Its mean square
(1/n)|r|^2 and the test error on a fresh noisy label are tied by the generalized
cross-validation identity, exact in the same limit as the rest of the theory
(Jacot et al. arXiv 2006.09796; Simon et al. arXiv 2110.03922, eq. for the train
MSE; Canatar et al. arXiv 2006.13198):

.. math::

    E_\\text{train} = \\Big(\\frac{\\lambda}{n\\kappa}\\Big)^2 E_\\text{test}, \\qquad
    1 - \\frac{\\mathrm{df}}{n} = \\frac{\\lambda}{n\\kappa}, \\quad
    \\mathrm{df} = \\mathrm{tr}\\, K (K + \\lambda I)^{-1} = \\sum_k N(d,k) L_k,

the second equality being the kappa equation.  Ridgeless (lambda = 0) below the
rank: E_train = 0 (interpolation).  Limits: lambda -> inf gives f -> 0 and
E_train = E_test = Var f* + sigma^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import log_expit

from ..spectra._multiplicity import log_harmonic_multiplicity

TEST_ERROR_DEFINITION = (
    "test_mse = E0 * (sum_k N(d,k) (1-L_k)^2 c_k + sigma^2) is the mean squared error of the "
    "kernel ridge predictor k(x,X)(K+lambda I)^{-1} y on a fresh noisy label y = f*(x) + noise; "
    "gen_error = test_mse - sigma^2 is the error against the clean target f*; L_k = mu_k/(mu_k+"
    "kappa), sum_k N(d,k) L_k + lambda/kappa = n, E0 = n/(n - sum_k N(d,k) L_k^2); averaged "
    "over training sets, noise and the Gaussian target field (eigenlearning theory, arXiv "
    "2002.02561, 2006.13198, 2110.03922); local_slope = -dlog(gen_error)/dlog(n)"
)
TRAIN_ERROR_DEFINITION = (
    "train_mse = (lambda/(n kappa))^2 * test_mse is the mean over the n training points of "
    "(f(x_i) - y_i)^2 with the noisy training labels (generalized cross-validation identity, "
    "1 - df/n = lambda/(n kappa), df = sum_k N(d,k) L_k; arXiv 2110.03922, 2006.09796); "
    "0 for ridgeless interpolation"
)
NOISE_CONVENTION = (
    "noise = sigma^2 / Var f*(x): label-noise variance RELATIVE to the target variance "
    "(Var f* = sum_k N(d,k) c_k); the absolute variance sigma^2 is noise_variance"
)


def _json_num(x: float):
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class LearningCurve:
    """Theory learning curve of kernel (ridge) regression on S^{d-1}.

    ``test_mse``: error on a fresh noisy label; ``gen_error``: error vs. the clean
    target (= test_mse - noise_variance); see :data:`TEST_ERROR_DEFINITION`;
    ``train_mse``: :data:`TRAIN_ERROR_DEFINITION`.  ``noise`` is relative to the
    target variance (:data:`NOISE_CONVENTION`), ``noise_variance`` absolute.  ``local_slope``
    is -d log(gen_error)/d log(n) (central difference in log n).  ``tail_bound`` is the
    certified (first-order) relative error of ``gen_error`` from truncating at
    ``kmax``.  Per-degree quantities: :meth:`learnability`, :meth:`per_degree_error`.

    Args:
      kernel, target, d, ridge, noise, n: the inputs of :func:`learning_curve`.
      kappa, e0, test_mse, gen_error, local_slope, tail_bound: arrays over n.
      kmax, tail_mass_kernel, tail_mass_target: the truncation.
      nu_t, target_parity, beta_predicted: the target and the predicted exponent.
      log_mu, log_c: kernel and target spectra (log).

    Returns:
      A frozen record (built by :func:`learning_curve`).

    Example:
    >>> from specbias.theory import learning_curve, smooth_target
    >>> lc = learning_curve("ntk", smooth_target(3, 1.0, "even"), [100])
    >>> lc.n.tolist(), lc.target
    ([100.0], 'smooth:nu=1,parity=even')

    References:
      Bordelon et al. arXiv 2002.02561; Canatar et al. arXiv 2006.13198;
      Simon et al. arXiv 2110.03922.
    """

    kernel: str
    target: str
    d: int
    ridge: float | np.ndarray  # an array lambda*(n) for the optimal-ridge curve
    noise: float
    n: np.ndarray
    kappa: np.ndarray
    e0: np.ndarray
    test_mse: np.ndarray
    gen_error: np.ndarray
    local_slope: np.ndarray
    tail_bound: np.ndarray
    kmax: int
    tail_mass_kernel: float
    tail_mass_target: float
    nu_t: float
    target_parity: str
    beta_predicted: float | None
    log_mu: np.ndarray = field(repr=False)
    log_c: np.ndarray = field(repr=False)
    definition: str = TEST_ERROR_DEFINITION
    target_variance: float = 1.0
    student: dict | None = None  # user-given student spectrum: what is certified

    @property
    def noise_variance(self) -> float:
        """sigma^2 = noise * Var f*: the absolute label-noise variance."""
        return self.noise * self.target_variance

    @property
    def train_mse(self) -> np.ndarray:
        """(lambda/(n kappa))^2 test_mse: see :data:`TRAIN_ERROR_DEFINITION` (0 ridgeless)."""
        return (self.ridge / (self.n * self.kappa)) ** 2 * self.test_mse

    def learnability(self, k=None) -> np.ndarray:
        """L_k(n) = mu_k/(mu_k + kappa(n)), shape (len(n), len(k)); all k <= kmax by default."""
        k = np.arange(self.kmax + 1) if k is None else np.atleast_1d(np.asarray(k, dtype=int))
        return np.exp(log_expit(self.log_mu[k][None, :] - np.log(self.kappa)[:, None]))

    def per_degree_error(self, k=None) -> np.ndarray:
        """E0 N(d,k) (1-L_k)^2 c_k, shape (len(n), len(k)): each degree's share of gen_error.

        Summed over all k (plus E0 * tail_mass_target for k > kmax) and adding the noise
        term noise_variance * (E0 - 1) this gives ``gen_error``.
        """
        k = np.arange(self.kmax + 1) if k is None else np.atleast_1d(np.asarray(k, dtype=int))
        l1 = log_expit(np.log(self.kappa)[:, None] - self.log_mu[k][None, :])
        ln = log_harmonic_multiplicity(self.d, k)[None, :]
        return self.e0[:, None] * np.exp(ln + self.log_c[k][None, :] + 2 * l1)

    def learned_degrees(self, threshold: float = 0.5) -> list[list[int]]:
        """For each n, the degrees k <= kmax with L_k >= threshold."""
        lk = self.learnability()
        return [np.flatnonzero(row >= threshold).tolist() for row in lk]

    def n_asymptotic(self, beta: float | None = None, tol: float = 0.05) -> float | None:
        """Smallest n of the grid from which on |local_slope - beta| <= tol * beta.

        ``beta`` defaults to :attr:`beta_predicted`; None if never reached on the grid.
        """
        beta = self.beta_predicted if beta is None else beta
        if beta is None or not beta > 0:
            return None
        ok = np.abs(self.local_slope - beta) <= tol * beta
        if not ok[-1]:
            return None
        first_bad = np.flatnonzero(~ok)
        start = 0 if first_bad.size == 0 else int(first_bad[-1]) + 1
        return float(self.n[start])

    def to_dict(self) -> dict:
        """JSON-ready dict: metadata, the error definition and rows (n, errors, slope)."""
        rows = [
            {
                "n": float(n),
                "test_mse": float(t),
                "gen_error": float(g),
                "train_mse": float(tr),
                "local_slope": float(s),
                "kappa": float(k),
                "tail_bound": float(b),
            }
            for n, t, g, tr, s, k, b in zip(
                self.n,
                self.test_mse,
                self.gen_error,
                self.train_mse,
                self.local_slope,
                self.kappa,
                self.tail_bound,
                strict=True,
            )
        ]
        per_n = np.ndim(self.ridge) > 0  # lambda*(n) of the optimal-ridge curve
        if per_n:
            for row, lam in zip(rows, np.asarray(self.ridge).tolist(), strict=True):
                row["ridge"] = lam
        return {
            "kernel": self.kernel,
            "target": self.target,
            "d": self.d,
            "ridge": "optimal (per row)" if per_n else self.ridge,
            "noise": self.noise,
            "noise_variance": self.noise_variance,
            "noise_convention": NOISE_CONVENTION,
            "target_variance": self.target_variance,
            "kmax": self.kmax,
            "nu_t": _json_num(self.nu_t),
            "target_parity": self.target_parity,
            "beta_predicted": self.beta_predicted,
            "n_asymptotic_5pct": self.n_asymptotic(),
            "tail_mass_kernel": self.tail_mass_kernel,
            "tail_mass_target": self.tail_mass_target,
            "definition": self.definition,
            "train_error_definition": TRAIN_ERROR_DEFINITION,
            "student": self.student,
            "rows": rows,
        }


def _json_num(x: float):
    return float(x) if math.isfinite(x) else None
