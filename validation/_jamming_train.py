r"""Quadratic-hinge training of a bias-free one-hidden-layer net to convergence (float64).

Network and loss (Spigler, Geiger, d'Ascoli, Sagun, Biroli, Wyart, arXiv 1810.09665):

.. math::

    f(x) = \frac{1}{\sqrt H}\sum_{h=1}^H w_h\,\sigma(\theta_h\cdot x),\qquad
    L = \frac{1}{P}\sum_{\mu=1}^P \tfrac12\,\max(0,\,1 - y_\mu f(x_\mu))^2 ,

with ``sigma(z) = max(z, s z)`` (leaky ReLU, slope ``s``; ``s = 0`` is the ReLU),
``theta_h ~ N(0, I_d)``, ``w_h ~ N(0, 1)`` and no biases.  The parameter count is
``N = H d``: relu-type units are positively homogeneous, so ``w_h`` can be absorbed
into ``theta_h`` up to its sign and the net has ``H d`` free directions.  The gaps are
``h_mu = y_mu f(x_mu) - 1``; a margin is unsatisfied when ``h_mu < 0``, and
``N_Delta`` counts them.

Why leaky by default: a bias-free ReLU unit is off on half the sphere, so with a few
units (H ~ 7 at P = 128) about ``P 2^-H`` training points have every unit off.  There
``f = 0`` and the gradient vanishes: a flat spot that leaves 1-3 margins unsatisfied in
runs that are otherwise at zero loss (measured: it blurs N* at P = 128).  Slope 0.1
removes those points and keeps the homogeneity (``activation="relu"`` is available).

Training: scipy's L-BFGS-B on the exact hand-written gradient (numpy: at these sizes,
P <= 2000 and N <= 10^4, a call costs ~0.1 ms, less than a JAX dispatch), with
``pgtol = 1e-14`` and no relative-decrease stop (``ftol = 0``), restarted from its end
point while a restart still lowers the loss (L-BFGS-B's line search can end
"ABNORMAL" on the kinks of the hinge).  Zero loss, the criterion of the jamming
sweep: every gap ``h_mu >= -MARGIN_TOL`` (all margins satisfied to 1e-9; the loss
is then below ``MARGIN_TOL**2 / 2``).
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize

from .._errors import InputError

#: gaps h = y f - 1 above -MARGIN_TOL count as satisfied (float64 round-off of f ~ 1e-15)
MARGIN_TOL = 1e-9
#: leaky-ReLU slope of the default activation (module doc)
LEAKY_SLOPE = 0.1
ACTIVATIONS = {"leaky-relu": LEAKY_SLOPE, "relu": 0.0}
#: L-BFGS-B settings: memory, projected-gradient tolerance, restarts after an early stop
LBFGS_MEMORY = 20
PGTOL = 1e-14
MAX_RESTARTS = 4
#: a restart must lower the loss by this relative amount to count as progress
RESTART_PROGRESS = 1e-12


class HingeFit(NamedTuple):
    """One trained net: parameters, the loss, the gaps and how the optimizer ended."""

    width: int
    theta: np.ndarray  # (H, d)
    w: np.ndarray  # (H,)
    slope: float
    loss: float
    gaps: np.ndarray  # (P,) h = y f - 1 on the training set
    evaluations: int
    restarts: int
    converged: bool  # zero loss, or a stationary point (gradient / no further decrease)
    seconds: float

    @property
    def n_params(self) -> int:
        """``N = H d``."""
        return int(self.theta.size)

    @property
    def n_unsatisfied(self) -> int:
        """``N_Delta``: training margins with ``h < -MARGIN_TOL``."""
        return int(np.sum(self.gaps < -MARGIN_TOL))

    @property
    def zero_loss(self) -> bool:
        return self.n_unsatisfied == 0

    def predict(self, x: np.ndarray) -> np.ndarray:
        """``f(x)`` for ``x`` of shape ``(n, d)``."""
        return net_output(self.theta, self.w, np.asarray(x, dtype=np.float64), self.slope)


def activation_slope(activation: str) -> float:
    """Slope ``s`` of ``sigma(z) = max(z, s z)`` for an activation name."""
    try:
        return ACTIVATIONS[activation]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise InputError(f"unknown activation {activation!r}; known: {known}") from None


def _act(z: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    pos = z > 0
    return np.where(pos, z, slope * z), np.where(pos, 1.0, slope)


def net_output(theta: np.ndarray, w: np.ndarray, x: np.ndarray, slope: float) -> np.ndarray:
    """``f(x) = H^-1/2 sum_h w_h sigma(theta_h . x)``, shape ``(n,)``.

    Examples:
        >>> th, w = np.eye(2), np.array([1.0, -1.0])
        >>> net_output(th, w, np.array([[1.0, 0.0]]), 0.0) * np.sqrt(2)
        array([1.])
    """
    return _act(x @ theta.T, slope)[0] @ w / math.sqrt(theta.shape[0])


def hinge_loss_and_grad(
    z: np.ndarray, x: np.ndarray, y: np.ndarray, width: int, slope: float
) -> tuple[float, np.ndarray]:
    """Loss ``L`` and its gradient in the flat parameters ``z = (theta.ravel(), w)``.

    ``dL/df_mu = -y_mu max(0, 1 - y_mu f_mu) / P``; then the chain rule through the two
    layers (``w`` directly, ``theta_h`` through ``sigma'``).  Tested against ``jax.grad``.
    """
    P, d = x.shape
    theta, w = z[: width * d].reshape(width, d), z[width * d :]
    c = 1.0 / math.sqrt(width)
    a, da = _act(x @ theta.T, slope)
    r = np.maximum(0.0, 1.0 - y * (c * (a @ w)))
    g_f = -(r * y) / P
    g_theta = c * ((g_f[:, None] * da) * w).T @ x
    g_w = c * (a.T @ g_f)
    return 0.5 * float(np.mean(r * r)), np.concatenate([g_theta.ravel(), g_w])


def fit_hinge(
    x: np.ndarray,
    y: np.ndarray,
    width: int,
    *,
    rng: np.random.Generator,
    activation: str = "leaky-relu",
    max_evaluations: int = 30_000,
) -> HingeFit:
    """Train to zero loss or to a stationary point of ``L`` (L-BFGS-B, float64).

    Args:
        x: inputs ``(P, d)`` (on the sphere in the jamming sweeps).
        y: labels ``+-1``, shape ``(P,)``.
        width: hidden units ``H >= 1``.
        rng: numpy Generator for the initialization (keyword-only).
        activation: ``"leaky-relu"`` (slope 0.1, default) or ``"relu"``.
        max_evaluations: budget of loss-and-gradient calls over all restarts.

    Returns:
        :class:`HingeFit`; ``converged`` is False when the budget ran out first.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((8, 3)); y = np.sign(x[:, 0])
        >>> fit = fit_hinge(x, y, 4, rng=rng)
        >>> fit.zero_loss, fit.n_params
        (True, 12)
    """
    slope = activation_slope(activation)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise InputError(f"need x (P, d) and y (P,), got shapes {x.shape} and {y.shape}")
    if width < 1:
        raise InputError(f"need width H >= 1, got {width}")
    d = x.shape[1]
    start = time.perf_counter()
    z = rng.standard_normal(width * d + width)
    loss, evals, restarts, converged = math.inf, 0, 0, False
    while True:
        res = minimize(
            hinge_loss_and_grad,
            z,
            args=(x, y, width, slope),
            jac=True,
            method="L-BFGS-B",
            options={
                "maxcor": LBFGS_MEMORY,
                "gtol": PGTOL,
                "ftol": 0.0,
                "maxfun": max_evaluations - evals,
                "maxiter": max_evaluations,
            },
        )
        evals += int(res.nfev)
        improved = res.fun < loss * (1.0 - RESTART_PROGRESS)
        z, loss = res.x, float(res.fun)
        # status 0: pgtol met or no decrease at all; 1: budget spent; 2: line search failed
        if loss == 0.0 or res.status == 0 or (res.status == 2 and not improved):
            converged = True
            break
        if res.status == 1 or evals >= max_evaluations or restarts >= MAX_RESTARTS:
            break
        restarts += 1
    theta, w = z[: width * d].reshape(width, d), z[width * d :]
    gaps = y * net_output(theta, w, x, slope) - 1.0
    return HingeFit(
        width,
        theta,
        w,
        slope,
        loss,
        gaps,
        evals,
        restarts,
        converged,
        time.perf_counter() - start,
    )
