r"""Feature-regime training with the paper's L1 protocol, solved by particle sliding (numpy).

The network (mean-field scaling, first-layer weights on the unit sphere) is

.. math:: f(x) = \frac1H \sum_{h=1}^H w_h\,\sigma(\theta_h\cdot x),\qquad |\theta_h| = 1,
          \quad \sigma = \mathrm{relu},

initialized as in Petrini, Cagnetta, Vanden-Eijnden, Wyart (arXiv 2206.12314, their
Gaussian-random-field runs; code pcsl-epfl/regressionsphere): theta_h uniform on
S^{d-1}, w_h = 0.  Their protocol minimizes

.. math:: F_\lambda(w, \theta) = \frac1{2n}\sum_i (f(x_i) - y_i)^2
          + \frac{\lambda}{H}\sum_h |w_h|

(the L1 path norm, |theta_h| = 1) with lambda = 1e-5, by fixed-step gradient descent
for up to 1e7 steps.  F is convex in the measure mu = (1/H) sum_h w_h delta_{theta_h}
(Chizat and Bach, arXiv 1805.09545): its minimizer does not depend on the path that
reaches it, and for lambda -> 0+ it is the least-l1 interpolant over the H particles'
final positions.  This module computes that endpoint (the lambda -> 0+ limit of the
protocol) directly:

1. output weights: the exact least-l1 interpolant over the current particles, the
   LP  min sum_h |c_h|  s.t.  sum_h c_h sigma(theta_h . x_i) = y_i  (c_h = w_h / H),
   by the warm-started dense simplex :class:`._simplex.L1Simplex`;
2. input weights: every particle slides to the maximum of s_h g(theta) over its
   hyperplane-arrangement cell, g(theta) = sum_i lambda_i sigma(theta . x_i) with
   the LP multipliers lambda, s_h = sign(c_h) for active particles and sign(g) for
   the others.  That is the direction in which gradient flow of the Lagrangian moves
   theta_h (d theta_h / dt is proportional to c_h grad g(theta_h) projected on the
   sphere), taken in the conic-particle geometry where a particle's speed does not
   depend on its weight (Chizat, arXiv 1907.10300): under plain gradient descent
   from w = 0 every particle moves while its w_h is transiently nonzero.  A moved
   active particle's new position enters the LP beside the old one (the objective
   can only decrease), and the old one is dropped once inactive; inactive particles
   are replaced in place.

Stopping rule (same as the lazy trainer's): the tolerance tau bounds the relative
l1 decrease of one round; the test error at the first round meeting tau is compared
with the one at tau / 2, and the run stops when they differ by less than
``conv_rtol`` (default 2%).  ``"converged"`` is that; ``"kkt"`` means no active
particle can move (every one sits at a local maximum |g| = 1: a stationary point of
F with lambda -> 0+); ``"max_rounds"`` is the cap.

The endpoint interpolates the training labels (to the LP's round-off), has
n_A <= n active neurons, and approaches the infinite-width feature limit
:func:`._limits.min_variation_norm_interpolation` (the same LP over the continuum of
directions) as H grows: at d = 3, n = 64, H = 512 the l1 norm is 0.04% above the
continuum optimum and the test error 4% from the limit's; averaged over 8 draws of
the train-smoke preset (H = 1024) the ratio is 0.93..1.0 for n <= 128.  Particles
that never come near an atom of the continuum solution leave a finite-H gap.

All float64; the module never imports JAX.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from .._errors import InputError
from ._limits import check_sphere_points, relu_features
from ._pricing import cell_maxima
from ._simplex import L1Simplex

PROTOCOL_NAME = "l1-sliding/1"
# First tolerance on the relative l1 decrease per round (then halved).
FIRST_TOL = 1e-4
# A slide counts only if it raises s_h g above 1 by this much (LP round-off).
MOVE_TOL = 1e-9


class SlidingResult(NamedTuple):
    """Endpoint of :func:`train_l1_sliding`.

    Attributes:
        theta: ``(m, d)`` unit input weights of the final particles (m >= H when a
            moved particle stayed active at both positions).
        c: ``(m,)`` output weights c_h = w_h / H (f = sum_h c_h relu(theta_h . x)).
        origin: ``(m,)`` index of each particle's initial direction in ``theta0``.
        theta0: ``(H, d)`` initial directions.
        l1_norm: sum |c_h| (the path norm at lambda -> 0+).
        n_atoms: number of active particles (c_h != 0).
        rounds: LP solves.
        stop_reason: ``"converged"``, ``"kkt"`` or ``"max_rounds"``.
        test_change: relative test-error change at the last tolerance halving.
        feature_movement: |theta - theta0|_F / |theta0|_F over the H particles.
        active_movement: mean angle (radians) moved by the active particles.
        relu_flips: fraction of (training point, particle) pairs whose ReLU switched.
        residual: max_i |f(x_i) - y_i|.
        train_mse: mean_i (f(x_i) - y_i)^2.
        prediction: f on the test points.
    """

    theta: np.ndarray
    c: np.ndarray
    origin: np.ndarray
    theta0: np.ndarray
    l1_norm: float
    n_atoms: int
    rounds: int
    stop_reason: str
    test_change: float
    feature_movement: float
    active_movement: float
    relu_flips: float
    residual: float
    train_mse: float
    prediction: np.ndarray


def train_l1_sliding(
    x_train,
    y_train,
    x_test,
    y_test,
    *,
    width: int,
    rng: np.random.Generator,
    conv_rtol: float = 0.02,
    max_rounds: int = 400,
) -> SlidingResult:
    """Train a width-H mean-field ReLU net with the L1 protocol (lambda -> 0+), see module.

    Args:
        x_train: ``(n, d)`` unit vectors; y_train: ``(n,)`` labels.
        x_test, y_test: test points and labels (the stopping rule watches the test
            error, as :func:`._flow.train_flow` does).
        width: number of particles H (needs H >= n to interpolate generically).
        rng: numpy Generator for the initial directions.
        conv_rtol: relative test-error change allowed per tolerance halving.
        max_rounds: cap on LP solves.

    Returns:
        :class:`SlidingResult`.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((16, 3)); x /= np.linalg.norm(x, axis=1)[:, None]
        >>> r = train_l1_sliding(x[:12], x[:12, 0], x[12:], x[12:, 0], width=64, rng=rng)
        >>> r.residual < 1e-8, r.n_atoms <= 12
        (True, True)

    References:
        Petrini, Cagnetta, Vanden-Eijnden, Wyart, arXiv 2206.12314 (the protocol);
        Chizat, Bach, arXiv 1805.09545 (convexity in the measure, particles).
    """
    xtr = check_sphere_points(x_train, "x_train")
    n, d = xtr.shape
    xte = check_sphere_points(x_test, "x_test", d)
    y = np.asarray(y_train, dtype=np.float64)
    yt = np.asarray(y_test, dtype=np.float64)
    if y.shape != (n,) or yt.shape != (xte.shape[0],):
        raise InputError("y_train / y_test must match the numbers of points")
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if int(width) < n:
        raise InputError(f"the L1 protocol needs width H >= n to interpolate, got {width} < {n}")
    if not 0 < conv_rtol < 1:
        raise InputError(f"conv_rtol must be in (0, 1), got {conv_rtol!r}")
    g = rng.standard_normal((int(width), d))
    theta0 = g / np.linalg.norm(g, axis=1, keepdims=True)
    with threadpool_limits(1, user_api="blas"):
        return _slide(xtr, y, xte, yt, theta0, conv_rtol, int(max_rounds))


def _slide(x, y, xt, yt, theta0, conv_rtol, max_rounds) -> SlidingResult:
    theta, origin = theta0.copy(), np.arange(theta0.shape[0])
    lp = L1Simplex(y, relu_features(theta, x))
    tol, marks, prev_l1 = FIRST_TOL, [], np.inf
    stop, change, rounds = "max_rounds", np.nan, 0
    while rounds < max_rounds:
        lp.solve()
        rounds += 1
        c, lam = lp.coefficients(), lp.multipliers
        l1 = float(np.sum(np.abs(c)))
        if (prev_l1 - l1) <= tol * l1:  # the round met the tolerance: a mark
            marks.append(_test_mse(theta, c, xt, yt))
            if len(marks) >= 2:
                change = abs(marks[-1] - marks[-2]) / max(marks[-1], 1e-300)
                if change < conv_rtol:
                    stop = "converged"
                    break
            tol /= 2.0
        prev_l1 = l1
        g = theta @ x.T
        sign = np.where(c != 0, np.sign(c), np.sign(np.maximum(g, 0.0) @ lam))
        sign[sign == 0] = 1.0
        pts, vals = cell_maxima(x, lam, theta, sign)
        before = sign * (np.maximum(g, 0.0) @ lam)
        act = c != 0
        # active particles move where s g exceeds 1 (an improving column); inactive ones
        # climb s g within their cell (conic-particle geometry: speed independent of w)
        up = np.where(act, vals > 1.0 + MOVE_TOL, vals > before + MOVE_TOL)
        if not np.any(up & act) and not np.any(vals[~act] > 1.0 + MOVE_TOL):
            stop = "kkt"
            break
        basic = np.zeros(theta.shape[0], bool)
        basic[lp.basis] = True
        idle = up & ~act & ~basic
        theta[idle] = pts[idle]  # inactive columns are simply replaced
        lp.replace_columns(np.flatnonzero(idle), relu_features(pts[idle], x))
        where = np.flatnonzero(up & act)
        new = pts[where]
        theta = np.vstack([theta, new])
        origin = np.concatenate([origin, origin[where]])
        lp.add_columns(relu_features(new, x))
        lp.solve()
        c = lp.coefficients()
        keep = np.ones(theta.shape[0], bool)
        keep[where] = c[where] != 0  # a particle leaves its old place once inactive there
        kept = lp.keep_columns(keep)
        theta, origin = theta[kept], origin[kept]
    lp.finish()
    c = lp.coefficients()
    return _result(x, y, xt, yt, theta, c, origin, theta0, rounds, stop, change)


def _test_mse(theta, c, xt, yt) -> float:
    act = c != 0
    return float(np.mean((relu_features(theta[act], xt) @ c[act] - yt) ** 2))


def _result(x, y, xt, yt, theta, c, origin, theta0, rounds, stop, change) -> SlidingResult:
    act = c != 0
    # displacement of every initial particle: its active position if any, else its
    # current (possibly moved, inactive) one; unmoved particles contribute 0
    pos = theta0.copy()
    pos[origin] = theta
    pos[origin[act]] = theta[act]
    feature_movement = float(np.linalg.norm(pos - theta0) / np.linalg.norm(theta0))
    cosang = np.clip(np.sum(theta[act] * theta0[origin[act]], axis=1), -1.0, 1.0)
    active_movement = float(np.mean(np.arccos(cosang))) if act.any() else 0.0
    flips = float(np.mean((x @ pos.T > 0) != (x @ theta0.T > 0)))
    th, cc = theta[act], c[act]
    fit = relu_features(th, x) @ cc - y
    return SlidingResult(
        theta=th,
        c=cc,
        origin=origin[act],
        theta0=theta0,
        l1_norm=float(np.sum(np.abs(cc))),
        n_atoms=int(act.sum()),
        rounds=int(rounds),
        stop_reason=stop,
        test_change=float(change),
        feature_movement=feature_movement,
        active_movement=active_movement,
        relu_flips=flips,
        residual=float(np.max(np.abs(fit))),
        train_mse=float(np.mean(fit**2)),
        prediction=relu_features(th, xt) @ cc,
    )


def l1_ensemble(x_train, y_train, x_test, y_test, *, width, rngs, conv_rtol) -> dict:
    """Observables of ``len(rngs)`` L1-protocol nets on one draw (one per Generator).

    Keys as for the other trained units: mean single-net ``test_mse`` and
    ``train_mse``, ``test_mse_members``, ``test_mse_ensemble`` (error of the averaged
    predictor), ``n_atoms``, ``l1_norm``, ``feature_movement``, ``active_movement``,
    ``relu_flips``, ``steps`` (LP rounds), ``stop_reason(s)``, ``test_change``.
    """
    runs = [
        train_l1_sliding(
            x_train, y_train, x_test, y_test, width=width, rng=rng, conv_rtol=conv_rtol
        )
        for rng in rngs
    ]
    yt = np.asarray(y_test, dtype=np.float64)
    members = [float(np.mean((r.prediction - yt) ** 2)) for r in runs]
    mean_pred = np.mean([r.prediction for r in runs], axis=0)
    stops = [r.stop_reason for r in runs]
    out = {
        "test_mse": float(np.mean(members)),
        "train_mse": float(np.mean([r.train_mse for r in runs])),
        "test_mse_members": members,
        "test_mse_ensemble": float(np.mean((mean_pred - yt) ** 2)),
        "stop_reasons": stops,
        "stop_reason": max(set(stops), key=lambda s: (s == "max_rounds", stops.count(s))),
        "test_change": float(np.nanmax([r.test_change for r in runs])),
        "steps": int(max(r.rounds for r in runs)),
        "method": PROTOCOL_NAME,
        "dtype": "float64",
    }
    for name in ("n_atoms", "l1_norm", "feature_movement", "active_movement", "relu_flips"):
        out[name] = float(np.mean([getattr(r, name) for r in runs]))
    return out
