r"""Output fluctuations of lazy nets over initializations, ensembles, and the NTK limit.

Geiger, Jacot, Spigler, Gabriel, Sagun, d'Ascoli, Biroli, Hongler, Wyart,
"Scaling description of generalization with number of parameters", arXiv 1901.01608.

One data set (``n`` points on S^{d-1}, a Gaussian-field teacher, ``n_test`` test points)
and, per depth (1 or 2 hidden layers) and width ``H``, ``E`` initializations trained to
interpolation (:mod:`._fluctuations_net`).  Measured on the test set, with ``f_e`` the
member outputs and ``fbar`` their mean:

* variance ``|f - fbar|^2 = E/(E-1) mean_e mean_x (f_e(x) - fbar(x))^2`` (unbiased);
* single-net MSE ``mean_e mean_x (f_e - y)^2`` and ensemble MSE ``mean_x (fbar - y)^2``.
  Their difference is exactly ``(E-1)/E`` times the variance (an identity: averaging
  removes the fluctuation, nothing else);
* the infinite-width limit: kernel regression with ``ntk:depth=L`` on the same data;
* with ``classify=True``: labels ``sign(f*)``, quadratic hinge
  (:mod:`._fluctuations_hinge`), the 0-1 test errors of single nets, of
  ``sign(fbar)`` and of the NTK limit: the single-minus-ensemble gap.

Why the exponent in N differs between depths.  In the lazy regime the trained net is
kernel regression with its *empirical* tangent kernel ``Theta_H = Theta_inf + H^{-1/2} xi``
(a sum over ``H`` independent neurons; at depth 2 over the ``H`` units of each layer),
so ``f_H - f_inf = O(H^{-1/2})`` and the variance is ``O(1/H)`` at every depth.  The
parameter count is ``N = H (d + 1)`` for one hidden layer but ``N ~ H^2`` for two:

* one hidden layer: ``|delta f|^2 ~ 1/H ~ N^{-1}`` (``|delta f| ~ N^{-1/2}``);
* two hidden layers: ``|delta f|^2 ~ 1/H ~ N^{-1/2}``, i.e. ``|delta f| ~ N^{-1/4}``,
  the paper's law (stated there for nets whose hidden layers are ``H x H``).

The test error follows: ``eps_single - eps_ens = (1 - 1/E) |delta f|^2``, so single
nets approach the limit as ``N^{-1/2}`` (depth >= 2) while the ensemble's own
fluctuation is ``E`` times smaller.  (The initial function is subtracted, as in the
lazy nets of this package; without it ``f_0`` adds an ``O(1)`` fluctuation that
training does not remove off the data.)

Fits: ``fit_power_law`` of the per-member deviations against ``H`` and against ``N``,
bootstrap over members (the mean ``fbar`` is held fixed in the resampling; its own
``1/E`` share is second order).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InputError
from . import _fluctuations_net as net
from ._fit import fit_power_law
from ._fluctuations_hinge import HINGE_STEPS, hinge_flow
from ._fluctuations_sizes import FLOPS as FLOPS
from ._fluctuations_sizes import check_study
from ._limits import gram_matrix, kernel_regression
from ._map import map_units
from ._schedule import x64_enabled
from ._sphere import sample_sphere_np
from ._store import ResultStore
from ._targets_sample import sample_target

#: Predicted variance slopes (d log var / d log x) against width and parameter count.
PREDICTED = {("width", 1): -1.0, ("width", 2): -1.0, ("params", 1): -1.0, ("params", 2): -0.5}


@dataclass(frozen=True)
class FluctuationFit:
    """Variance ~ A x^slope against ``against`` ("width" or "params"), for one depth."""

    depth: int
    against: str
    slope: float
    ci_low: float
    ci_high: float
    predicted: float
    x_range: tuple[float, float]


@dataclass(frozen=True)
class FluctuationResult:
    """Output of :func:`fluctuations`: ``rows`` (one per depth and width) and ``fits``."""

    config: dict
    rows: list[dict]
    fits: list[FluctuationFit] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"config": self.config, "rows": self.rows, "fits": [asdict(f) for f in self.fits]}


def fluctuations(
    widths: Sequence[int] | Mapping[int, Sequence[int]],
    *,
    depths: Sequence[int] = (1, 2),
    members: int = 20,
    d: int = 5,
    n: int = 64,
    n_test: int = 512,
    teacher: str = "abs-power-rf:a=1.5",
    alpha: float | None = None,
    classify: bool = False,
    seed: int = 0,
    store: str | None = None,
    n_boot: int = 2000,
    hinge_steps: int = HINGE_STEPS,
    allow_large: bool = False,
    jobs: int = 1,
    client=None,
    progress: Callable[[int, int, str], None] | None = None,
) -> FluctuationResult:
    """Train ``members`` initializations per depth and width on one data set; see module doc.

    Args:
        widths: hidden widths ``H`` (>= 2 increasing values), or ``{depth: widths}``.
        depths: hidden layers, each 1 or 2.
        members: initializations ``E >= 2`` per width.
        d, n, n_test: input dimension, training and test points.
        teacher: covariance of the Gaussian-field target (a kernel name).
        alpha: ``None`` for the lazy limit (linearized net: empirical-NTK regression,
            exact), or a finite alpha-trick scale: the real net, Gauss-Newton trained.
        classify: also the quadratic-hinge classification on ``sign(f*)`` (linearized).
        seed: data, teacher and initializations (numpy Generator and JAX key).
        store: path of a :class:`~._store.ResultStore`: widths already stored are
            read back, new ones written (resumable).
        n_boot: bootstrap refits of the exponent fits.
        hinge_steps: Euler steps of the hinge flow.
        allow_large: skip the memory and time budget checks.
        jobs: local worker processes for the (depth, width) units (each imports JAX
            and compiles its own programs); with ``client``, the workers of the
            cluster on this machine (it sizes the memory budget only).
        client: optional ``distributed.Client`` (:func:`._dask.dask_client`): the
            units not stored yet run on its cluster, one task per (depth, width) with
            the data set sent along (``(n + n_test)(d + 1)`` floats); this process
            only stores their rows.  Results do not depend on ``jobs`` or ``client``
            (each unit's initializations come from its own JAX keys).
        progress: optional ``progress(done, total, description)`` callback, called
            as each (depth, width) unit is finished or read back.

    Returns:
        :class:`FluctuationResult`.

    Example:
        >>> r = fluctuations([8, 16], depths=[1], members=3, n=8, n_test=16, n_boot=10)
        >>> [row["width"] for row in r.rows], r.fits[0].against
        ([8, 16], 'width')
    """
    plan, cfg, jobs = check_study(
        widths, depths, members, d, n, n_test, alpha, seed, hinge_steps, teacher, classify,
        jobs, allow_large,
    )  # fmt: skip
    rng = np.random.default_rng(seed)
    x = sample_sphere_np(n, d, rng=rng)
    x_test = sample_sphere_np(n_test, d, rng=rng)
    target = sample_target(rng, x, x_test, teacher)
    data = (x, target.y_train, x_test, target.y_test)
    units = [(depth, h) for depth, hs in plan.items() for h in hs]
    measured: dict[tuple[int, int], dict] = {}
    with _open(store) as db:
        for unit in units:
            run = db.get(_key(cfg, *unit)) if db is not None else None
            if run is not None:
                measured[unit] = run.observables

        def finish(unit, obs) -> None:
            if db is not None:
                db.put(_key(cfg, *unit), obs)
            measured[unit] = obs
            if progress is not None:
                progress(len(measured), len(units), _unit_name(unit))

        if progress is not None:
            progress(len(measured), len(units), "fluctuations")
        todo = {u: (*u, data, cfg, x64_enabled()) for u in units if u not in measured}
        map_units(_measure_unit, todo, finish, client=client, jobs=jobs, describe=_unit_name)
    rows, fits = [], []
    for depth, hs in plan.items():
        limit = _ntk_limit(depth, data, classify, hinge_steps)
        per = [measured[(depth, h)] for h in hs]
        rows += [_row(depth, h, d, obs, limit) for h, obs in zip(hs, per, strict=True)]
        fits += _fits(depth, hs, d, per, rng, n_boot)
    return FluctuationResult(cfg, rows, fits)


def _key(cfg: dict, depth: int, width: int) -> dict:
    """The store configuration of one (depth, width) measurement."""
    return {**cfg, "kind": "fluctuations", "depth": depth, "width": width}


def _unit_name(unit: tuple[int, int]) -> str:
    return f"fluctuations depth {unit[0]} width {unit[1]}"


def _measure_unit(depth, width, data, cfg, x64: bool) -> dict:
    """One (depth, width) measurement on any executor, in the driver's JAX precision."""
    if x64_enabled() != x64:
        want = "float64 (start workers with JAX_ENABLE_X64=1)" if x64 else "float32"
        raise InputError(f"a worker's JAX precision differs from the driver's: need {want}")
    return _measure(depth, width, data, cfg)


# ------------------------------------------------------------------------------------
def _measure(depth, width, data, cfg) -> dict:
    x, y, x_test, y_test = (jnp.asarray(a) for a in data)
    keys = jax.random.split(jax.random.fold_in(jax.random.key(cfg["seed"]), depth), cfg["members"])
    keys = jax.vmap(lambda k: jax.random.fold_in(k, width))(keys)
    obs: dict = {}
    if cfg["alpha"] is None:
        f, gxx, gtx = _lazy_members(keys, x, y, x_test, depth=depth, width=width)
        obs["gn_residual"] = 0.0
    else:
        outs, res = [], []
        for k in keys:
            p0 = net.init_params(depth, width, x.shape[1], key=k, dtype=x.dtype)
            p, rel = net.train_gauss_newton(p0, x, y, cfg["alpha"])
            outs.append(net.apply(p, p0, x_test, cfg["alpha"]))
            res.append(float(rel))
        f, obs["gn_residual"] = jnp.stack(outs), max(res)
        gxx = gtx = None
    f = np.asarray(f)
    y_test = np.asarray(y_test)
    e = f.shape[0]
    fbar = f.mean(axis=0)
    obs["deviation"] = (e / (e - 1) * np.mean((f - fbar) ** 2, axis=1)).tolist()
    obs["single_mse"] = np.mean((f - y_test) ** 2, axis=1).tolist()
    obs["ensemble_mse"] = float(np.mean((fbar - y_test) ** 2))
    if cfg["classify"]:
        if gxx is None:
            _, gxx, gtx = _lazy_members(keys, x, y, x_test, depth=depth, width=width)
        g, ratio = hinge_flow(gxx, gtx, jnp.sign(y), steps=cfg["hinge_steps"])
        g, lab = np.asarray(g), np.sign(y_test)
        obs["single_err"] = np.mean(np.sign(g) != lab, axis=1).tolist()
        obs["ensemble_err"] = float(np.mean(np.sign(g.mean(axis=0)) != lab))
        obs["hinge_loss_ratio"] = float(np.max(ratio))
    return obs


@partial(jax.jit, static_argnames=("depth", "width"))
def _lazy_members(keys, x, y, x_test, *, depth, width):
    def one(k):
        p0 = net.init_params(depth, width, x.shape[1], key=k, dtype=x.dtype)
        gxx, gtx = net.tangent_gram(p0, x, x), net.tangent_gram(p0, x_test, x)
        return gtx @ net.min_norm_coef(gxx, y), gxx, gtx

    return jax.lax.map(one, keys)


def _ntk_limit(depth, data, classify, hinge_steps) -> dict:
    """The ``H = inf`` net on the same data: kernel regression (and hinge) with ntk:depth=L."""
    x, y, x_test, y_test = data
    spec = "ntk" if depth == 1 else f"ntk:depth={depth}"
    out = {"mse": float(np.mean((kernel_regression(x, y, x_test, spec).prediction - y_test) ** 2))}
    if classify:
        gxx, gtx = gram_matrix(x, None, spec), gram_matrix(x_test, x, spec)
        g, _ = hinge_flow(gxx, gtx, np.sign(y), steps=hinge_steps)
        out["err"] = float(np.mean(np.sign(np.asarray(g)) != np.sign(y_test)))
    return out


def _row(depth, width, d, obs, limit) -> dict:
    dev, mse = np.asarray(obs["deviation"]), np.asarray(obs["single_mse"])
    e = dev.size
    row = {
        "depth": depth,
        "width": width,
        "params": net.param_count(depth, width, d),
        "members": e,
        "variance": float(dev.mean()),
        "variance_se": float(dev.std(ddof=1) / np.sqrt(e)),
        "single_mse": float(mse.mean()),
        "single_mse_se": float(mse.std(ddof=1) / np.sqrt(e)),
        "ensemble_mse": obs["ensemble_mse"],
        "ntk_mse": limit["mse"],
        "ensemble_vs_ntk": obs["ensemble_mse"] / limit["mse"] - 1.0,
        "gn_residual": obs["gn_residual"],
    }
    if "single_err" in obs:
        row.update(
            single_err=float(np.mean(obs["single_err"])),
            ensemble_err=obs["ensemble_err"],
            ntk_err=limit["err"],
            err_gap=float(np.mean(obs["single_err"])) - obs["ensemble_err"],
            hinge_loss_ratio=obs["hinge_loss_ratio"],
        )
    return row


def _fits(depth, widths, d, per, rng, n_boot) -> list[FluctuationFit]:
    dev = [np.asarray(o["deviation"]) for o in per]
    out = []
    for against, xs in (
        ("width", list(widths)),
        ("params", [net.param_count(depth, h, d) for h in widths]),
    ):
        fit = fit_power_law(xs, dev, rng=rng, n_boot=n_boot)
        out.append(
            FluctuationFit(
                depth=depth,
                against=against,
                slope=-fit.beta,
                ci_low=-fit.ci_high,
                ci_high=-fit.ci_low,
                predicted=PREDICTED[(against, depth)],
                x_range=fit.n_range,
            )
        )
    return out


# ------------------------------------------------------------------------------------
def _open(path):
    return contextlib.nullcontext() if path is None else ResultStore(path)
