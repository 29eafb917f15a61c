r"""One Hessian measurement: a net at initialization (and optionally trained), two routes.

Data: ``n`` points uniform on S^{d-1} with the degree-1 target ``y = sqrt(d) x_1`` (unit
variance), or ``K`` Gaussian blobs on the sphere (``x = normalize(c_a + s g)``, centres
``c_a`` uniform on S^{d-1}) with the centred class label as scalar target (square loss).
Net: :mod:`._network`, lazy (``xi = 1``) or feature (``xi = 0``) scaling, the same
initialization in both (so the same tangent kernel at initialization).

Routes at each point: the flow-scaled loss Hessian (:func:`~._hessian.hessian_spectrum`,
full ``eigh`` or Lanczos on Hessian-vector products) and the Gauss-Newton spectrum
``Theta / n`` (:func:`~._hessian.gauss_newton_spectrum`, closed-form tangent kernel).
Training: :func:`~._flow.train_flow` (gradient flow by exponential Euler) to
``L <= rel_tol L(0)``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import InputError
from ._checks import check_int
from ._flow import train_flow
from ._hessian import (
    HessianSpectrum,
    gauss_newton_spectrum,
    hessian_spectrum,
    numerical_rank,
)
from ._hessian_outliers import OutlierGroup, compare_groups, gap_groups, predicted_outliers
from ._hessian_sizes import REGIMES as REGIMES
from ._hessian_sizes import check_sizes
from ._network import NetConfig, init_params, mse_loss
from ._sphere import sample_sphere


class HessianPoint(NamedTuple):
    """The Hessian and the Gauss-Newton spectrum at one point of training."""

    label: str
    hessian: HessianSpectrum
    gauss_newton: np.ndarray
    gn_rank: int
    groups: list[OutlierGroup]
    gap_groups: list[tuple[int, float]]
    gn_gap_groups: list[tuple[int, float]]
    train_loss: float


class HessianReport(NamedTuple):
    """Everything ``specbias hessian`` shows."""

    cfg: NetConfig
    n: int
    data: str
    predicted: list[tuple[int, float, int]]
    points: list[HessianPoint]

    def to_dict(self) -> dict:
        def point(p: HessianPoint) -> dict:
            h = p.hessian
            return {
                "label": p.label,
                "method": h.method,
                "top": h.top.tolist(),
                "smallest": h.smallest,
                "hessian_rank": h.rank,
                "gauss_newton_top": p.gauss_newton[: h.top.size].tolist(),
                "gauss_newton_rank": p.gn_rank,
                "groups": [g._asdict() for g in p.groups],
                "gap_groups": [{"size": s, "mean": m} for s, m in p.gap_groups],
                "gauss_newton_gap_groups": [{"size": s, "mean": m} for s, m in p.gn_gap_groups],
                "train_loss": p.train_loss,
                "density": {"grid": h.grid[::4].tolist(), "rho": h.density[::4].tolist()},
            }

        return {
            "width": self.cfg.width,
            "d": self.cfg.d,
            "xi": self.cfg.xi,
            "n": self.n,
            "n_params": self.points[0].hessian.n_params,
            "flow_scale": self.points[0].hessian.flow_scale,
            "data": self.data,
            "predicted": [{"k": k, "mu": m, "multiplicity": n} for k, m, n in self.predicted],
            "rank_bound": min(self.n, self.cfg.width * (self.cfg.d + int(self.cfg.bias))),
            "points": [point(p) for p in self.points],
        }


def sample_blobs(
    n: int, d: int, classes: int, *, spread: float, key: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """``n`` points in ``classes`` Gaussian blobs on S^{d-1}, and the labels ``0..K-1``.

    Examples:
        >>> x, lab = sample_blobs(6, 3, 3, spread=0.1, key=jax.random.key(0))
        >>> x.shape, lab.tolist()
        ((6, 3), [0, 1, 2, 0, 1, 2])
    """
    k_c, k_g = jax.random.split(key)
    centres = sample_sphere(check_int("classes", classes, 2), d, key=k_c)
    labels = jnp.arange(n) % classes
    z = centres[labels] + spread * jax.random.normal(k_g, (n, d), centres.dtype)
    return z / jnp.linalg.norm(z, axis=1, keepdims=True), labels


def _data(data: str, n: int, d: int, key):
    if data == "sphere":
        x = sample_sphere(n, d, key=key)
        return x, np.sqrt(d) * x[:, 0]
    if data.startswith("blobs:"):
        try:
            classes = int(data.split(":", 1)[1])
        except ValueError:
            classes = 0
        if classes < 2:
            raise InputError(f"data blobs:K needs an integer K >= 2, got {data!r}")
        x, lab = sample_blobs(n, d, classes, spread=0.3, key=key)
        y = lab.astype(x.dtype)
        return x, (y - y.mean()) / y.std()
    raise InputError(f"data must be 'sphere' or 'blobs:K', got {data!r}")


def hessian_experiment(
    d: int,
    n: int,
    width: int,
    *,
    seed: int = 0,
    regime: str = "lazy",
    data: str = "sphere",
    train: bool = False,
    top: int | None = None,
    method: str = "auto",
    rel_tol: float = 1e-4,
    max_steps: int = 400,
    allow_large: bool = False,
) -> HessianReport:
    """Hessian outliers and bulk at initialization (and after training), two routes.

    ``top`` defaults to the harmonics of degree <= 2 plus 5.  ``seed`` draws the data
    (``key(seed)``), the net and the Lanczos vectors (split from it).

    Examples:
        >>> r = hessian_experiment(3, 60, 8, top=9)
        >>> r.points[0].gn_rank, r.points[0].hessian.method  # min(n, H d) = 24
        (24, 'full')
    """
    n, top = check_sizes(
        d, n, width, regime=regime, top=top, method=method, train=train,
        max_steps=max_steps, allow_large=allow_large,
    )  # fmt: skip
    cfg = NetConfig(width, d, xi=REGIMES[regime])
    k_data, k_net, k_h0, k_h1 = jax.random.split(jax.random.key(check_int("seed", seed, 0)), 4)
    x, y = _data(data, n, d, k_data)
    p0 = init_params(cfg, key=k_net, dtype=x.dtype)
    predicted = predicted_outliers(d, top)

    def measure(label, params, key, loss):
        h = hessian_spectrum(
            params,
            x,
            y,
            cfg,
            key=key,
            params0=p0,
            method=method,
            top=top,
            allow_large=allow_large,
        )
        gn = gauss_newton_spectrum(params, x, cfg, allow_large=allow_large)
        groups = compare_groups(h.top, predicted) if data == "sphere" else []
        return HessianPoint(
            label,
            h,
            gn,
            numerical_rank(gn),
            groups,
            gap_groups(h.top),
            gap_groups(gn[:top]),
            float(loss),
        )

    points = [measure("init", p0, k_h0, mse_loss(p0, p0, x, y, cfg))]
    if train:
        res = train_flow(p0, x, y, cfg, rel_tol=rel_tol, max_steps=max_steps)
        points.append(measure(f"trained ({res.stop_reason})", res.params, k_h1, res.train_loss))
    return HessianReport(cfg, n, data, predicted, points)
