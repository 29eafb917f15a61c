r"""Gradient flow of a one-hidden-layer net by exponential Euler (ETD1) in function space.

The flow of :mod:`._network` (any ``xi``, ``alpha``, with or without bias) is

.. math::

    \dot p = -\frac{H^{1-\xi}}{\alpha^2}\,\nabla_p L,\qquad
    L = \frac{1}{2n}\,|r|^2,\ r = F(p; X) - y,\qquad
    \dot r = -\frac1n\,\Theta_p\, r,

with the empirical tangent kernel :math:`\Theta_p` (:func:`~._network.empirical_ntk`
normalization, computed here in closed form, :func:`tangent_gram`).  One ETD1 step of
length :math:`\Delta` freezes :math:`\Theta` at the current point and integrates the
linearized flow exactly:

.. math::

    \delta p = -\frac{H^{1-\xi}}{\alpha^2}\, J^\top c,\qquad
    c = \Theta^{-1}\big(I - e^{-\Theta\Delta/n}\big)\, r
      = U\,\mathrm{diag}\Big(\tfrac{\Delta}{n}\,\varphi_1(\lambda\Delta/n)\Big)U^\top r,
    \quad \varphi_1(z) = \frac{1 - e^{-z}}{z},

(:math:`J^\top c` by one vector-Jacobian product), predicting the residual
:math:`r_{lin} = e^{-\Theta\Delta/n} r`.  Error control: the step is accepted when the
loss decreases and the nonlinear part of the residual change is small,
``|r_new - r_lin| <= step_tol * |r - r_lin|`` (default 0.1), so each step follows the
flow to first order in the nonlinearity; ``Delta`` then grows by at most 10x
(``0.9 sqrt(step_tol/err)``), and a rejected step is retried with ``Delta/4``.

* **Lazy regime** (``xi = 1`` with a large ``alpha``): the net is linear in its
  parameters to O(1/alpha), every step is accepted and ``Delta`` reaches infinity
  within a few steps; the last steps are then Gauss-Newton minimum-norm steps
  ``delta p = -J^T (J J^T)^{-1} r``, whose end point is exactly the end point of the
  linearized gradient flow (the flow never leaves ``p0 + range(J^T)``).  This is why
  the method is allowed in the lazy regime: it follows gradient flow there (and is
  checked against small-step gradient descent in the tests).
* **Feature regime** (``xi = 0``, or a small ``alpha``): the kernel moves, the error
  control keeps ``Delta`` small while the features move and lets it grow in the stiff,
  nearly linear tail, where plain gradient descent needs ~1/lambda_min steps.

Stopping rule (converged means converged): once ``L <= rel_tol * L(0)`` the test error
``e_k`` is recorded at every further halving of the loss, and the run stops when one
halving moved it by less than ``conv_rtol`` (relative, default 2%); the last relative
change is returned.  A loss at the round-off floor, ``L <= (1e4 eps)^2 L(0)``, also
counts as converged (no further halving is possible there).  A loss that stops
halving (a training point sliding on a ReLU kink) is judged after
:data:`STALL_STEPS` steps: converged if the test error moved by less than
``conv_rtol`` since the last check, else ``stalled``.  Other stops: ``max_steps``
attempted steps, or ``diverged``.

Costs per step: the Gram matrix O(n^2 H d), an eigendecomposition O(n^3), one
forward/backward pass O(n H d).  Everything runs in the dtype of the inputs (float64
under ``jax_enable_x64``; the result's ``dtype`` says which).  The loop is one
``lax.while_loop`` under ``jit``; :func:`train_flow` vmaps it over a leading ensemble
axis of initializations (same data).

References: Hochbruck & Ostermann, "Exponential integrators", Acta Numerica 2010 (ETD1 =
exponential Euler); Jacot, Gabriel, Hongler arXiv 1806.07572 (the tangent kernel);
Geiger, Spigler, Jacot, Wyart arXiv 1906.08034 (the alpha-trick);
Petrini, Cagnetta, Vanden-Eijnden, Wyart arXiv 2206.12314 (the regimes).

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from specbias.validation import NetConfig, init_params, sample_sphere
    >>> cfg = NetConfig(64, 3, xi=1.0, alpha=100.0)
    >>> x = sample_sphere(8, 3, key=jax.random.key(0))
    >>> p0 = init_params(cfg, key=jax.random.key(1))
    >>> res = train_flow(p0, x, x[:, 0], cfg, rel_tol=1e-8)
    >>> res.stop_reason, bool(res.train_loss < 1e-8 * res.loss0)
    ('converged', True)
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._errors import InputError
from ._checks import check_int
from ._network import NetConfig, Params, apply, check_config, learning_rate_scale
from ._train_result import stop_names

STOP_REASONS = {0: "running", 1: "converged", 2: "max_steps", 3: "diverged", 4: "stalled"}
"""Stop codes of :class:`FlowResult`."""

#: Default tolerance on the relative change of the test error per halving of the loss.
CONV_RTOL = 0.02
#: Default bound on the nonlinear part of a step, relative to its linear part.
STEP_TOL = 0.1
#: Steps without a halving of the loss (below rel_tol) after which the run is judged
#: on the test-error change since the last check: ``converged`` or ``stalled``.
STALL_STEPS = 25


class FlowResult(NamedTuple):
    """Outcome of :func:`train_flow` (a leading ensemble axis on every array).

    Attributes:
        params: final parameters.
        steps: attempted ETD1 steps; ``accepted``: accepted ones.
        time: gradient-flow time reached (sum of accepted ``Delta``; may be ``inf``
            once Gauss-Newton steps are taken).
        train_loss, loss0: final and initial ``L = |r|^2 / (2n)``.
        test_mse: test MSE at the end (NaN without test data).
        test_change: relative change of the test MSE over the last loss halving (the
            convergence measure; NaN before ``rel_tol`` was reached).
        stop_code: see :data:`STOP_REASONS`.
        dtype: floating dtype of the run.
    """

    params: Params
    steps: jax.Array
    accepted: jax.Array
    time: jax.Array
    train_loss: jax.Array
    loss0: jax.Array
    test_mse: jax.Array
    test_change: jax.Array
    stop_code: jax.Array
    dtype: str

    @property
    def stop_reason(self) -> str | list[str]:
        """A name of :data:`STOP_REASONS` (a list for ensembles)."""
        return stop_names(self.stop_code, STOP_REASONS)


def tangent_gram(params: Params, x1: jax.Array, x2: jax.Array, cfg: NetConfig) -> jax.Array:
    r"""Empirical tangent kernel in closed form (same normalization as ``empirical_ntk``).

    .. math::

        \Theta(x, x') = \frac1H \sum_h \big[\sigma(z_h)\sigma(z'_h)
            + w_h^2\,\sigma'(z_h)\sigma'(z'_h)\,(x\cdot x' + [\text{bias}])\big]

    computed with two ``(n1, H) x (H, n2)`` products instead of the ``(n, P)`` Jacobian.
    """
    z1 = x1 @ params.theta.T
    z2 = x2 @ params.theta.T
    if params.b is not None:
        z1, z2 = z1 + params.b[None, :], z2 + params.b[None, :]
    a1, a2 = jax.nn.relu(z1), jax.nn.relu(z2)
    d1 = (z1 > 0).astype(z1.dtype) * params.w[None, :]
    d2 = (z2 > 0).astype(z2.dtype) * params.w[None, :]
    inner = x1 @ x2.T + (1.0 if params.b is not None else 0.0)
    return (a1 @ a2.T + (d1 @ d2.T) * inner) / cfg.width


class _State(NamedTuple):
    params: Params
    r: jax.Array
    loss: jax.Array
    delta: jax.Array
    time: jax.Array
    steps: jax.Array
    accepted: jax.Array
    check_level: jax.Array
    last_test: jax.Array
    test_change: jax.Array
    since_check: jax.Array
    code: jax.Array


def _core(params0, start, x, y, x_test, y_test, hp, *, cfg: NetConfig):
    n = x.shape[0]
    dtype = x.dtype
    a = 1.0 if cfg.alpha is None else cfg.alpha
    rate = learning_rate_scale(cfg) / a**2  # dp/dt = -rate grad_p L; rate J J^T = Theta

    def forward(p, pts):
        return apply(p, params0, pts, cfg)

    r_init = forward(params0, x) - y
    loss0 = 0.5 * jnp.mean(r_init * r_init)
    r0 = forward(start, x) - y
    loss_start = 0.5 * jnp.mean(r0 * r0)
    has_test = x_test.shape[0] > 0
    code0 = jnp.where(~jnp.isfinite(loss_start), 3, jnp.where(loss_start == 0, 1, 0))
    gram0 = tangent_gram(start, x, x, cfg)
    lam_max = jnp.maximum(jnp.linalg.eigvalsh(gram0)[-1], jnp.finfo(dtype).tiny)
    state = _State(
        params=start,
        r=r0,
        loss=loss_start,
        delta=(hp.first_step * n / lam_max).astype(dtype),
        time=jnp.zeros((), dtype),
        steps=jnp.zeros((), jnp.int32),
        accepted=jnp.zeros((), jnp.int32),
        check_level=hp.rel_tol * loss0,
        last_test=jnp.full((), jnp.nan, dtype),
        test_change=jnp.full((), jnp.nan, dtype),
        since_check=jnp.zeros((), jnp.int32),
        code=code0.astype(jnp.int32),
    )

    def cond(s):
        return s.code == 0

    def body(s):
        gram = tangent_gram(s.params, x, x, cfg)
        lam, u = jnp.linalg.eigh(gram)
        lam = jnp.maximum(lam, 0.0)
        z = lam * s.delta / n
        # phi1(z) = (1 - e^-z)/z, stable for z -> 0 and z -> inf
        phi1 = jnp.where(z > 1e-8, -jnp.expm1(-z) / jnp.where(z > 1e-8, z, 1.0), 1.0 - z / 2)
        ur = u.T @ s.r
        c = u @ ((s.delta / n) * phi1 * ur)
        r_lin = u @ (jnp.exp(-z) * ur)
        _, vjp = jax.vjp(lambda p: forward(p, x), s.params)
        (jtc,) = vjp(c)
        cand = jax.tree.map(lambda p, g: p - rate * g, s.params, jtc)
        r_new = forward(cand, x) - y
        loss_new = 0.5 * jnp.mean(r_new * r_new)
        lin_change = jnp.linalg.norm(s.r - r_lin)
        err = jnp.linalg.norm(r_new - r_lin) / jnp.maximum(lin_change, jnp.finfo(dtype).tiny)
        finite = jnp.isfinite(loss_new)
        accept = finite & (loss_new <= s.loss) & (err <= hp.step_tol)
        grow = jnp.clip(0.9 * jnp.sqrt(hp.step_tol / jnp.maximum(err, 1e-300)), 1.0, 10.0)
        delta = jnp.where(accept, s.delta * grow, s.delta / 4)
        params = jax.tree.map(lambda new, old: jnp.where(accept, new, old), cand, s.params)
        r = jnp.where(accept, r_new, s.r)
        loss = jnp.where(accept, loss_new, s.loss)
        # convergence: test error at each halving of the loss below rel_tol * L0
        crossed = accept & (loss <= s.check_level)
        if has_test:
            f_test = forward(params, x_test)
            te = jnp.mean((f_test - y_test) ** 2)
        else:
            te = jnp.zeros((), dtype)
        change = jnp.abs(te - s.last_test) / jnp.maximum(s.last_test, jnp.finfo(dtype).tiny)
        # a loss that stopped halving (a training point on a ReLU kink, round-off):
        # after `stall` steps without a halving the change since the last check decides
        since = jnp.where(crossed, 0, s.since_check + 1)
        below = s.check_level < hp.rel_tol * loss0
        stalled = below & (since >= hp.stall)
        test_change = jnp.where(crossed | stalled, change, s.test_change)
        done = (crossed | stalled) & (change <= hp.conv_rtol) if has_test else crossed
        # round-off floor: the residual cannot shrink below ~1e4 eps of its start
        done = done | (loss <= hp.floor * loss0)
        steps = s.steps + 1
        code = jnp.where(
            done,
            1,
            jnp.where(stalled, 4, 0),
        )
        code = jnp.where(
            code > 0,
            code,
            jnp.where(
                ~finite & (s.delta < hp.min_delta) | ~jnp.isfinite(loss),
                3,
                jnp.where(steps >= hp.max_steps, 2, 0),
            ),
        ).astype(jnp.int32)
        return _State(
            params=params,
            r=r,
            loss=loss,
            delta=delta,
            time=s.time + jnp.where(accept, s.delta, 0.0),
            steps=steps,
            accepted=s.accepted + accept.astype(jnp.int32),
            check_level=jnp.where(crossed, jnp.minimum(loss, s.check_level) / 2, s.check_level),
            last_test=jnp.where(crossed, te, s.last_test),
            test_change=test_change,
            since_check=since,
            code=code.astype(jnp.int32),
        )

    s = jax.lax.while_loop(cond, body, state)
    if has_test:
        te = jnp.mean((forward(s.params, x_test) - y_test) ** 2)
    else:
        te = jnp.full((), jnp.nan, dtype)
    return s.params, s.steps, s.accepted, s.time, s.loss, loss0, te, s.test_change, s.code


class _Hyper(NamedTuple):
    rel_tol: jax.Array
    conv_rtol: jax.Array
    step_tol: jax.Array
    max_steps: jax.Array
    min_delta: jax.Array
    floor: jax.Array
    stall: jax.Array
    first_step: jax.Array


@partial(jax.jit, static_argnames=("cfg", "ensemble"))
def _run(params0, start, x, y, x_test, y_test, hp, *, cfg, ensemble):
    fn = partial(_core, cfg=cfg)
    if ensemble:
        fn = jax.vmap(fn, in_axes=(0, 0, None, None, None, None, None))
    return fn(params0, start, x, y, x_test, y_test, hp)


def train_flow(
    params0: Params,
    x,
    y,
    cfg: NetConfig,
    *,
    x_test=None,
    y_test=None,
    rel_tol: float = 1e-6,
    conv_rtol: float = CONV_RTOL,
    step_tol: float = STEP_TOL,
    max_steps: int = 2000,
    ensemble: bool = False,
    start: Params | None = None,
    first_step: float = 1.0,
) -> FlowResult:
    """Integrate the gradient flow to convergence by ETD1 steps (see module doc).

    Args:
        params0: initialization (leading ensemble axis when ``ensemble=True``; all
            members train on the same ``x, y``).
        x, y: training points ``(n, d)`` on the sphere and labels ``(n,)``.
        cfg: the network (:class:`~._network.NetConfig`).
        x_test, y_test: test data for the convergence rule (without them the run
            stops at ``L <= rel_tol * L(0)``).
        rel_tol: loss level from which the test error is monitored.
        conv_rtol: stop when a halving of the loss moves the test MSE by less.
        step_tol: bound on the nonlinear part of each step (error control).
        max_steps: cap on attempted steps.
        ensemble: vmap over the leading axis of ``params0``.
        start: where the flow starts (default ``params0``): e.g. the end of a
            gradient-descent phase (:func:`train_hybrid`); ``params0`` still defines
            the subtracted initial function and ``L(0)``.
        first_step: the first ``Delta`` in units of the explicit stability limit
            ``n / lambda_max(Theta)`` (default 1).  A lazy net may start with a
            large value (e.g. 1e12: a Gauss-Newton step, the exact end point of the
            linearized flow), which saves the ~log10(first_step) growth steps; the
            error control still rejects the step (``Delta / 4``) if the kernel
            moves.  The end point then differs from the flow's by the O(1/alpha)
            path difference of stepping along J(p0): measured 1.9e-4 of the
            predictor's scale at alpha = 100 (5e-5 at alpha = 1000) against
            1.2e-5 from ``first_step = 1`` (H = 256, n = 24; tested against
            small-step gradient descent).

    Returns:
        :class:`FlowResult`.
    """
    cfg = check_config(cfg)
    if not isinstance(params0, Params) or (params0.b is not None) != cfg.bias:
        raise InputError("params0 must be a Params matching cfg.bias")
    dtype = jnp.asarray(params0.theta).dtype
    x = jnp.asarray(x, dtype)
    y = jnp.asarray(y, dtype)
    if x.ndim != 2 or x.shape[1] != cfg.d or y.shape != (x.shape[0],):
        raise InputError(f"x must be (n, {cfg.d}) and y (n,), got {x.shape} and {y.shape}")
    if x_test is None:
        x_test = jnp.zeros((0, cfg.d), dtype)
        y_test = jnp.zeros((0,), dtype)
    x_test = jnp.asarray(x_test, dtype)
    y_test = jnp.asarray(y_test, dtype)
    if x_test.ndim != 2 or y_test.shape != (x_test.shape[0],):
        raise InputError("x_test must be (m, d) and y_test (m,)")
    for name, v in (("rel_tol", rel_tol), ("conv_rtol", conv_rtol), ("step_tol", step_tol)):
        if not (isinstance(v, (int, float)) and 0 < v < 1 and math.isfinite(v)):
            raise InputError(f"{name} must be in (0, 1), got {v!r}")
    max_steps = check_int("max_steps", max_steps, 1)
    if not (isinstance(first_step, (int, float)) and 0 < first_step <= 1e15):
        raise InputError(f"first_step must be in (0, 1e15], got {first_step!r}")
    hp = _Hyper(
        *(jnp.asarray(v, dtype) for v in (rel_tol, conv_rtol, step_tol)),
        jnp.asarray(max_steps, jnp.int32),
        jnp.asarray(1e-30, dtype),
        jnp.asarray((1e4 * float(jnp.finfo(dtype).eps)) ** 2, dtype),
        jnp.asarray(STALL_STEPS, jnp.int32),
        jnp.asarray(first_step, dtype),
    )
    start = params0 if start is None else start
    out = _run(params0, start, x, y, x_test, y_test, hp, cfg=cfg, ensemble=bool(ensemble))
    return FlowResult(*out, dtype=str(jnp.dtype(dtype)))
