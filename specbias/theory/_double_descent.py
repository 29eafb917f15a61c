"""Random-features ridge regression in the proportional regime: the double-descent curve.

Setting (Mei & Montanari, arXiv 1908.05355): n points x_i uniform on S^{d-1}, N random
features phi(w_a . x) with w_a uniform on S^{d-1}, predictor f(x) = sum_a c_a phi(w_a . x),

.. math::

    \\hat c = \\arg\\min_c \\frac1n \\sum_i (y_i - f(x_i))^2 + \\frac{N\\lambda}{d}\\|c\\|^2,
    \\qquad y_i = f_*(x_i) + \\varepsilon_i,\\ E\\varepsilon^2 = \\tau^2,

with N/d -> psi1 and n/d -> psi2.  Feature normalization: an activation ``sigma`` of the
spectral layer is applied as phi(t) = sigma(sqrt(d) t) (the paper's sigma(<theta, x>/sqrt d)
with theta, x on the sphere of radius sqrt d; for the homogeneous activations ``relu``,
``step``, ``relu-power:a``, ``abs-power:a`` this is d^(a/2) sigma(t)); a random-feature
kernel name (``arccos0/1/2``, ``abs-power-rf:a``) means the features whose kernel
E_w[phi(w.x) phi(w.y)] is that kernel (``arccos1`` = ``relu`` exactly).  The constants
come from the kernel's Funk-Hecke eigenvalues lambda_k (:func:`specbias.eigenvalues`):

.. math::

    \\mu_0^2 = N(d,0)\\lambda_0,\\quad \\mu_1^2 = N(d,1)\\lambda_1,\\quad
    \\mu_*^2 = K(1) - \\mu_0^2 - \\mu_1^2,\\quad \\zeta^2 = \\mu_1^2/\\mu_*^2,\\quad
    \\bar\\lambda = \\lambda/\\mu_*^2

(ReLU at d = 100: 0.159953, 0.25, 0.090047; d -> inf: 1/(2 pi), 1/4, 1/4 - 1/(2 pi)).
Target: f_* = F_0 + <beta, x> + f_NL with ||beta||^2 = F1^2 (degree 1 on the sphere of
radius sqrt d) and a degree >= 2 part of variance F*^2; F_0 is learned and drops out.

Risk (arXiv 1908.05355, Thm 1; :mod:`._mei_montanari`): chi = nu1 nu2 from the fixed point
at xi = i sqrt(psi1 psi2 lambda_bar), reduced to one monotone real equation and bracketed
(closed form when ridgeless), and

.. math:: R = F_1^2 \\frac{E_1}{E_0} + (\\tau^2 + F_*^2)\\frac{E_2}{E_0} + F_*^2 .

Derivation and independent check (two-step deterministic equivalent; Gaussian equivalence
of the features): given the weights W (rows w_a), the features are Gaussian with covariance
Sigma = mu_1^2 W W^T + mu_*^2 I (plus the constant mode), so ridge regression obeys the
eigenlearning equations n = Tr Sigma (Sigma + kappa)^{-1} + lambda_n / kappa, lambda_n =
n psi1 lambda, E_0^eig = n / (n - Tr Sigma^2 (Sigma+kappa)^{-2}).  The spectrum of W^T W is
Marchenko-Pastur with ratio psi1, whose Stieltjes transform g(z) solves
z g^2 - (psi1 - 1 - z) g + 1 = 0.  With kappa_bar = kappa/mu_*^2, a = (1 + kappa_bar)/zeta^2,
g = g(-a), h1 = (g + (psi1-1)/a)/zeta^2, h2 = (g' + (psi1-1)/a^2)/zeta^4 (per-d traces of
(e+kappa_bar)^{-1}, (e+kappa_bar)^{-2} over the N feature eigenvalues e = 1 + zeta^2 s):

.. math::

    a g^2 + (\\psi_1 - 1 + a) g - 1 = 0,\\qquad
    \\psi_2 = \\psi_1 - \\bar\\kappa h_1 + \\psi_1\\psi_2\\bar\\lambda/\\bar\\kappa,

    D = 1 - \\frac{\\psi_1 - 2\\bar\\kappa h_1 + \\bar\\kappa^2 h_2}{\\psi_2},\\qquad
    B = 1 - \\psi_1 + h_1 + \\bar\\kappa(1+\\bar\\kappa) h_2,\\qquad
    R = \\frac{F_1^2 B + F_*^2 + \\tau^2}{D} - \\tau^2 .

g is the positive root (a Stieltjes transform at a negative argument is positive) and the
right-hand side of the kappa equation is strictly decreasing in kappa_bar, so bisection
finds its unique root.  Ridgeless below the threshold (N < n): kappa_bar = 0, D = 1 -
psi1/psi2.  The two routes agree to 1e-8 (E2/E0 = 1/D - 1 and E1/E0 = B/D; this identified
E1, see :mod:`._mei_montanari`); ``risk_two_step`` keeps the second one.  D -> 0 and
E0 -> 0 exactly at N = n when ridgeless: the risk diverges there.
``risk`` is E_x (f(x) - f_*(x))^2 against the clean target; ``test_mse = risk + tau^2``.

Kernel limit psi1 -> inf: kernel ridge regression with kernel K and ridge n lambda/d in
(K + ridge I)^{-1}, i.e. :func:`specbias.learning_curve` with ``ridge = n * lambda / d``.

>>> r = double_descent("relu", 100, 300, [150, 600])
>>> [round(float(x), 3) for x in r.risk]
[0.617, 0.171]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._errors import InputError
from ..spectra._kernels import Kernel, kernel
from ..spectra._multiplicity import check_dimension, harmonic_multiplicity
from ..spectra._spectrum import eigenvalues
from ._mei_montanari import risk_polynomials, solve_chi
from ._targets import Target, _marginal_second_moment

REFERENCE = "arXiv:1908.05355"
#: Homogeneous activations: degree a of sigma(c t) = c^a sigma(t).
_HOMOGENEOUS = {"relu": 1.0, "step": 0.0}
_RF_KERNELS = ("arccos0", "arccos1", "arccos2", "abs-power-rf")
CONVENTIONS = (
    "features phi(w.x), w and x uniform on S^(d-1); activation sigma applied as "
    "sigma(sqrt(d) w.x) (Mei-Montanari normalization); ridge: (1/n) sum_i (y_i - f(x_i))^2 "
    "+ (N lambda/d) ||c||^2; noise: label variance tau^2, risk = E (f - f*)^2 vs the clean "
    "target, test_mse = risk + tau^2; target f* = F0 + <beta,x> (|beta|^2 = F1^2, x on "
    "the radius-sqrt(d) sphere) + degree>=2 part of variance F*^2; mu0^2 = N(d,0) lambda_0, "
    "mu1^2 = N(d,1) lambda_1, mu*^2 = K(1) - mu0^2 - mu1^2 from the random-feature kernel "
    "K's eigenvalues lambda_k; proportional limit N/d = psi1, n/d = psi2 (arXiv 1908.05355)"
)


@dataclass(frozen=True)
class ActivationConstants:
    """mu0^2, mu1^2, mu*^2 of the random-feature kernel K, and phi as used for simulation."""

    name: str
    d: int
    mu0_sq: float
    mu1_sq: float
    mustar_sq: float
    kernel_at_1: float
    feature_scale: float  # phi(t) = feature_scale * sigma(t), sigma the base function
    base: Kernel = field(repr=False)

    @property
    def zeta_sq(self) -> float:
        return self.mu1_sq / self.mustar_sq

    def feature(self, t: np.ndarray) -> np.ndarray:
        """phi(t) for t = w.x in [-1, 1] (numpy)."""
        return self.feature_scale * self.base.phi(t)


def activation_constants(activation: Kernel | str, d: int) -> ActivationConstants:
    """Constants of an activation or random-feature kernel on S^{d-1} (see module doc).

    Args:
      activation: an activation or random-feature kernel name, or a Kernel.
      d: dimension.

    Returns:
      ``ActivationConstants`` (mu0_sq, mu1_sq, mustar_sq).

    Example:
    >>> c = activation_constants("relu", 100)
    >>> round(c.mu0_sq, 6), round(c.mu1_sq, 6), round(c.mustar_sq, 6)
    (0.159953, 0.25, 0.090047)

    References:
      Mei & Montanari arXiv 1908.05355.
    """
    kern = kernel(activation)
    d = check_dimension(d)
    fam = kern.family
    if fam in _RF_KERNELS and kern.depth == 1:
        lam = eigenvalues(kern, d, 1).values
        k1 = float(kern.phi(np.array([1.0]))[0])
        # sigma with E_w K: arccos_n = E_g[relu^n relu^n], g ~ N(0, I): |g|^(2n) moment
        a = {"arccos0": 0.0, "arccos1": 1.0, "arccos2": 2.0}.get(fam)
        if a is None:
            a = float(kern.get("a"))
            base = kernel(f"abs-power:a={a:g}")
        else:
            base = kernel("step" if a == 0 else "relu" if a == 1 else "relu-power:a=2")
        scale = math.sqrt(math.exp(a * math.log(2) + math.lgamma(d / 2 + a) - math.lgamma(d / 2)))
    elif fam in _HOMOGENEOUS or fam in ("relu-power", "abs-power"):
        a = _HOMOGENEOUS.get(fam)
        a = float(kern.get("a")) if a is None else a
        scale = d ** (a / 2)
        mu = eigenvalues(kern, d, 1).values
        lam = scale**2 * mu**2
        k1 = scale**2 * _marginal_second_moment(kern, d)
        base = kern
    elif fam == "expr":  # sigma(t) in the expression language: phi(t) = sigma(sqrt(d) t)
        base = _scaled_expr(kern, d)
        scale, lam, k1 = 1.0, _squared_eigenvalues(base, d), _marginal_second_moment(base, d)
    else:
        raise InputError(
            f"double descent needs an activation (relu, step, relu-power:a, abs-power:a, "
            f"expr:<sigma(t)>) or a "
            f"random-feature kernel ({', '.join(_RF_KERNELS)}), got {kern.spec!r}"
        )
    mu0_sq = float(lam[0])
    mu1_sq = float(harmonic_multiplicity(d, 1) * lam[1])
    mustar_sq = k1 - mu0_sq - mu1_sq
    if not (mu1_sq >= 0 and mustar_sq > 1e-14 * k1):
        raise InputError(
            f"{kern.spec} at d={d}: needs a nonlinear part mu*^2 > 0"
            f", got mu1^2 = {mu1_sq:.3g}, mu*^2 = {mustar_sq:.3g}"
        )
    return ActivationConstants(kern.spec, d, mu0_sq, mu1_sq, mustar_sq, k1, scale, base)


def _scaled_expr(kern: Kernel, d: int) -> Kernel:
    """``expr:sigma(t)`` -> ``expr:sigma(sqrt(d) t)`` (exact sympy substitution)."""
    import sympy as sp

    from ..spectra._kernels import T

    return kernel("expr:" + str(kern.sympy_expr().subs(T, sp.sqrt(d) * T)))


def _squared_eigenvalues(kern: Kernel, d: int) -> np.ndarray:
    """mu_0^2, mu_1^2 of an activation by quadrature; refuse if not accurate in absolute terms.

    A vanishing mu_k (odd or even sigma) has no relative accuracy, so the check is
    |mu_k| rel_err_k <= 1e-9 max_k |mu_k|.
    """
    s = eigenvalues(kern, d, 1, strict=False)
    err = np.abs(s.values) * np.nan_to_num(s.rel_error, nan=np.inf)
    if not np.all(err <= 1e-9 * max(float(np.abs(s.values).max()), 1e-300)):
        raise InputError(f"cannot compute mu_0, mu_1 of {kern.spec} at d={d} accurately")
    return s.values**2


def target_constants(target, d: int) -> tuple[float, float]:
    """(F1^2, F*^2) from ``None`` (pure linear, F1^2 = 1), a pair, or a :class:`Target`.

    For a Target with degree spectrum c_k: F1^2 = N(d,1) c_1 and F*^2 = variance - c_0 -
    N(d,1) c_1 (the degree >= 2 variance); the constant c_0 drops out of the risk.
    """
    if target is None:
        return 1.0, 0.0
    if isinstance(target, Target):
        c = target.c(1)
        f1 = float(harmonic_multiplicity(d, 1) * c[1])
        return f1, max(float(target.variance) - float(c[0]) - f1, 0.0)
    try:
        f1, fs = (float(v) for v in target)
    except (TypeError, ValueError):
        raise InputError(f"target must be None, (F1^2, F*^2) or a Target, got {target!r}") from None
    if not (math.isfinite(f1) and math.isfinite(fs) and f1 >= 0 and fs >= 0):
        raise InputError(f"target variances F1^2, F*^2 must be finite and >= 0, got {target!r}")
    return f1, fs


def _mp_stieltjes(a: float, psi1: float) -> tuple[float, float]:
    """(g, dg/dz) at z = -a < 0 for Marchenko-Pastur with ratio psi1 (positive root)."""
    b = psi1 - 1.0 + a
    root = math.sqrt(b * b + 4.0 * a)
    g = 2.0 / (b + root) if b >= 0 else (root - b) / (2.0 * a)  # cancellation-free
    z = -a
    dg = -(g * g + g) / (2.0 * z * g - (psi1 - 1.0 - z))
    return g, dg


def _traces(kb: float, zeta_sq: float, psi1: float) -> tuple[float, float]:
    """(h1, h2) = per-d sums over the N feature eigenvalues of (e+kb)^-1 and (e+kb)^-2."""
    if zeta_sq == 0.0:  # no linear part: Sigma = mu*^2 I
        return psi1 / (1.0 + kb), psi1 / (1.0 + kb) ** 2
    a = (1.0 + kb) / zeta_sq
    g, dg = _mp_stieltjes(a, psi1)
    return (g + (psi1 - 1.0) / a) / zeta_sq, (dg + (psi1 - 1.0) / (a * a)) / zeta_sq**2


def solve_kappa_bar(psi1: float, psi2: float, lam_bar: float, zeta_sq: float) -> float:
    """The unique kappa_bar >= 0 of psi2 = psi1 - kb h1(kb) + psi1 psi2 lam_bar / kb.

    F(kb) = psi1 - kb h1 + psi1 psi2 lam_bar/kb - psi2 is strictly decreasing (kb h1 =
    mean of kb/(e+kb) increases); F(0+) > 0 unless ridgeless with N <= n (then kb = 0).
    Bracket by doubling, then bisection to machine precision.
    """

    def f(kb: float) -> float:
        h1 = _traces(kb, zeta_sq, psi1)[0]
        return psi1 - kb * h1 + psi1 * psi2 * lam_bar / kb - psi2

    if lam_bar == 0 and psi1 <= psi2:
        return 0.0
    hi = 1.0
    while f(hi) > 0:
        hi *= 4.0
        if hi > 1e300:  # pragma: no cover
            raise InputError("kappa equation has no root (inputs out of range)")
    lo = hi / 4.0 if hi > 1.0 else 0.0
    while lo == 0.0 or f(lo) <= 0:  # walk down to a point with F > 0
        lo = (lo or hi) / 4.0
        if lo < 1e-300:
            break
    for _ in range(400):
        mid = 0.5 * (lo + hi) if hi / max(lo, 1e-300) < 4 else math.sqrt(lo * hi)
        if not lo < mid < hi:
            break
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def rf_point(psi1: float, psi2: float, lam_bar: float, zeta_sq: float) -> dict:
    """kappa_bar, the denominator D (E_0 of the paper) and the bias factor B at one point."""
    kb = solve_kappa_bar(psi1, psi2, lam_bar, zeta_sq)
    if kb == 0.0:  # ridgeless, N <= n: closed form
        h1 = _traces(0.0, zeta_sq, psi1)[0]
        return {"kappa_bar": 0.0, "D": 1.0 - psi1 / psi2, "B": 1.0 - psi1 + h1}
    h1, h2 = _traces(kb, zeta_sq, psi1)
    t2 = psi1 - 2.0 * kb * h1 + kb * kb * h2
    return {
        "kappa_bar": kb,
        "D": 1.0 - t2 / psi2,
        "B": 1.0 - psi1 + h1 + kb * (1.0 + kb) * h2,
    }


@dataclass(frozen=True)
class DoubleDescent:
    """Asymptotic risk of random-features ridge regression on a grid of (n, N).

    Args:
      activation, d, ridge, noise: the inputs of :func:`double_descent`.
      f1_sq, fstar_sq, mu0_sq, mu1_sq, mustar_sq: target and activation constants.
      n, N, psi1, psi2: the grid and its ratios N/d, n/d.
      chi, e0, bias, variance, risk, kappa_bar, risk_two_step: the asymptotic quantities.

    Returns:
      A frozen record (built by :func:`double_descent`).

    Example:
    >>> r = double_descent("relu", 100, 300, 1500)
    >>> bool(0 < r.risk[0] < 1)
    True

    References:
      Mei & Montanari arXiv 1908.05355.
    """

    activation: str
    d: int
    ridge: float
    noise: float
    f1_sq: float
    fstar_sq: float
    mu0_sq: float
    mu1_sq: float
    mustar_sq: float
    n: np.ndarray
    N: np.ndarray
    psi1: np.ndarray
    psi2: np.ndarray
    chi: np.ndarray  # nu1 nu2 at xi = i sqrt(psi1 psi2 lambda_bar)
    e0: np.ndarray  # E0 of arXiv 1908.05355 (0 at N = n, ridgeless)
    bias: np.ndarray  # F1^2 E1/E0
    variance: np.ndarray  # (tau^2 + F*^2) E2/E0
    risk: np.ndarray
    kappa_bar: np.ndarray  # two-step route: kappa / mu*^2
    risk_two_step: np.ndarray  # the independent derivation (module docstring)
    conventions: str = CONVENTIONS
    reference: str = REFERENCE

    @property
    def test_mse(self) -> np.ndarray:
        return self.risk + self.noise

    def to_dict(self) -> dict:
        """JSON-ready dict: constants, conventions and one row per (n, N)."""
        keys = ("n", "N", "psi1", "psi2", "chi", "e0", "bias", "variance", "kappa_bar")
        rows = []
        for i in range(self.n.size):
            row = {k: _num(getattr(self, k)[i]) for k in keys}
            row["risk"] = _num(self.risk[i])
            row["risk_two_step"] = _num(self.risk_two_step[i])
            row["test_mse"] = _num(self.test_mse[i])
            rows.append(row)
        return {
            "activation": self.activation,
            "d": self.d,
            "ridge": self.ridge,
            "lambda_bar": self.ridge / self.mustar_sq,
            "noise": self.noise,
            "F1_sq": self.f1_sq,
            "Fstar_sq": self.fstar_sq,
            "mu0_sq": self.mu0_sq,
            "mu1_sq": self.mu1_sq,
            "mustar_sq": self.mustar_sq,
            "zeta_sq": self.mu1_sq / self.mustar_sq,
            "conventions": self.conventions,
            "reference": self.reference,
            "rows": rows,
        }


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _sizes(x, what: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise InputError(f"{what} must be finite numbers > 0, got {x!r}")
    return arr


def double_descent(
    activation: Kernel | str,
    d: int,
    n,
    N,
    *,
    ridge: float = 0.0,
    noise: float = 0.0,
    target=None,
) -> DoubleDescent:
    """Asymptotic test risk of N random features, n samples on S^{d-1} (arXiv 1908.05355).

    Args:
      activation: ``relu``, ``step``, ``relu-power:a``, ``abs-power:a`` (applied as
        sigma(sqrt(d) w.x)) or a random-feature kernel ``arccos0/1/2``, ``abs-power-rf:a``.
      d: dimension; n, N: sample and feature counts (scalars or arrays, broadcast).
      ridge: lambda >= 0 of (1/n) sum (y - f)^2 + (N lambda/d) |c|^2; lambda_bar = lambda/mu*^2.
      noise: label-noise variance tau^2 >= 0.
      target: None (F1^2 = 1, F*^2 = 0), a pair (F1^2, F*^2), or a :class:`Target`.

    Returns a :class:`DoubleDescent`; ``risk`` = F1^2 E1/E0 + (tau^2 + F*^2) E2/E0 + F*^2
    (module docstring), infinite at N = n when ridgeless.

    Example:
    >>> r = double_descent("relu", 100, 300, [60, 300, 1500])
    >>> float(r.risk[1])
    inf

    References:
      Mei & Montanari arXiv 1908.05355.
    """
    const = activation_constants(activation, d)
    f1, fs = target_constants(target, const.d)
    ridge, noise = float(ridge), float(noise)
    if not (math.isfinite(ridge) and ridge >= 0 and math.isfinite(noise) and noise >= 0):
        raise InputError(f"ridge and noise must be finite and >= 0, got {ridge!r}, {noise!r}")
    nn, NN = np.broadcast_arrays(_sizes(n, "n"), _sizes(N, "N"))
    psi1, psi2 = NN / const.d, nn / const.d
    lam_bar = ridge / const.mustar_sq
    pts = [rf_point(p1, p2, lam_bar, const.zeta_sq) for p1, p2 in zip(psi1, psi2, strict=True)]
    den = np.array([p["D"] for p in pts])
    chi = np.array(
        [solve_chi(p1, p2, lam_bar, const.zeta_sq) for p1, p2 in zip(psi1, psi2, strict=True)]
    )
    e0, e1, e2 = (
        np.array(v)
        for v in zip(
            *(
                risk_polynomials(c, p1, p2, const.zeta_sq, ridgeless=lam_bar == 0)
                for c, p1, p2 in zip(chi, psi1, psi2, strict=True)
            ),
            strict=True,
        )
    )
    at_threshold = (lam_bar == 0) & (psi1 == psi2)
    with np.errstate(divide="ignore", invalid="ignore"):
        bias = np.where(at_threshold, np.inf, f1 * e1 / e0)
        var = np.where(at_threshold, np.inf, (noise + fs) * e2 / e0)
        inv = np.where(den > 0, 1.0 / den, np.inf)
        two = np.where(
            np.isinf(inv), np.inf, (f1 * np.array([p["B"] for p in pts]) + fs + noise) * inv - noise
        )
    risk = bias + var + fs
    return DoubleDescent(
        const.name,
        const.d,
        ridge,
        noise,
        f1,
        fs,
        const.mu0_sq,
        const.mu1_sq,
        const.mustar_sq,
        nn.copy(),
        NN.copy(),
        psi1,
        psi2,
        chi,
        e0,
        bias,
        var,
        risk,
        np.array([p["kappa_bar"] for p in pts]),
        two,
    )
