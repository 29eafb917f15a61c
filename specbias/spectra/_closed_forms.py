"""Fast float64 eigenvalues in log space from closed forms (sign, log|mu_k|).

Convention: :mod:`specbias.spectra._conventions` (probability measure, P_k(1)=1,
multiplicity not included).  Formulas (derived by Rodrigues' formula and k-fold
integration by parts, continued analytically in the exponent):

* relu-power, phi = max(0,t)^a (a > -1):
  mu_k = Gamma(d/2) Gamma(a+1) / (2^{a+1} Gamma(1 + (a-k)/2) Gamma((d+a+k)/2)).
  It vanishes when 1 + (a-k)/2 is a non-positive integer (relu: odd k >= 3;
  step: even k >= 2).  abs-power: mu_k(|t|^a) = (1 + (-1)^k) mu_k(max(0,t)^a).
* arccos_n = E_w[relu^n relu^n], w ~ N(0, I_d):
  mu_k = 2^n Gamma(d/2+n)/Gamma(d/2) mu_k(relu-power n)^2.
* ntk = arccos1 + t arccos0, with t P_k = (k P_{k-1} + (k+d-2) P_{k+1})/(2k+d-2):
  mu_k(t g) = (k mu_{k-1}(g) + (k+d-2) mu_{k+1}(g))/(2k+d-2)  (mu_0(t g) = mu_1(g)).
* endpoint series phi(t) = sum_j a_j (1-t)^{gamma_j} (ntk-bias, laplace), with
  mu_k((1-t)^g) = 2^g (-1)^k M(g,k),
  M(g,k) = 2^{d-2} Gamma(d/2) Gamma(g+1) Gamma(g+(d-1)/2) / (sqrt(pi) Gamma(g-k+1) Gamma(g+k+d-1)).
* gaussian exp(-2c(1-t)): mu_k = e^{-2c} Gamma(d/2) c^{-(d-2)/2} I_{k+(d-2)/2}(2c).

References: Bach arXiv 1412.8690 (App. D), Bietti & Mairal arXiv 1905.12173,
Cho & Saul (2009), DLMF 18.5.5 (Rodrigues), 10.25 (Bessel).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, ive

from .._errors import AccuracyError
from ._gamma import log_gamma_shift, signed_logsumexp

LOG_PI = math.log(math.pi)
LOG2 = math.log(2.0)


def _sin_half_pi(k: np.ndarray, a: float) -> np.ndarray:
    """sin(pi (k - a)/2) for integer k, exact (0, +-1) when a is an integer."""
    if float(a).is_integer():
        r = (k - int(a)) % 4
        return np.choose(r, [0.0, 1.0, 0.0, -1.0]).astype(np.float64)
    r = (k % 4).astype(np.float64) - (a % 4.0)
    return np.sin(np.pi * r / 2.0)


def log_inv_gamma(z: np.ndarray):
    """(sign, log|1/Gamma(z)|) for real z, including z <= 0 (zeros at non-positive integers)."""
    z = np.asarray(z, dtype=np.float64)
    sign = np.ones(z.shape, dtype=np.int8)
    out = np.empty_like(z)
    pos = z > 0
    out[pos] = -gammaln(z[pos])
    neg = ~pos
    if np.any(neg):
        # 1/Gamma(z) = Gamma(1-z) sin(pi z)/pi
        zn = z[neg]
        s = np.sin(np.pi * (zn - 2.0 * np.floor(zn / 2.0)))
        s = np.where(zn == np.round(zn), 0.0, s)
        with np.errstate(divide="ignore"):
            out[neg] = gammaln(1.0 - zn) + np.log(np.abs(s)) - LOG_PI
        sign[neg] = np.sign(s).astype(np.int8)
    out = np.where(sign == 0, -np.inf, out)
    return sign, out


def relu_power_log(a: float, d: int, k: np.ndarray):
    """(sign, log|mu_k|) of max(0, t)^a on S^{d-1}, k an int array."""
    k = np.asarray(k, dtype=np.int64)
    kf = k.astype(np.float64)
    sign = np.ones(k.shape, dtype=np.int8)
    out = np.empty(k.shape, dtype=np.float64)
    base = gammaln(a + 1.0) - (a + 1.0) * LOG2
    z = 1.0 + (a - kf) / 2.0
    direct = z > 0
    # no reflection: Gamma(d/2)/Gamma((d+a+k)/2) paired, 1/Gamma(z) small
    out[direct] = base - log_gamma_shift(d / 2.0, (a + kf[direct]) / 2.0) - gammaln(z[direct])
    refl = ~direct
    if np.any(refl):
        kr = kf[refl]
        s = _sin_half_pi(k[refl], a)
        x = (kr - a) / 2.0  # 1/Gamma(1-x) = Gamma(x) sin(pi x)/pi
        big_k = x >= d / 2.0
        # Gamma(x) Gamma(d/2) / Gamma(x + a + d/2): pair the larger with the denominator
        pair = np.where(
            big_k,
            -log_gamma_shift(x, a + d / 2.0) + gammaln(d / 2.0),
            -log_gamma_shift(d / 2.0, (a + kr) / 2.0) + gammaln(x),
        )
        with np.errstate(divide="ignore"):
            out[refl] = base + pair + np.log(np.abs(s)) - LOG_PI
        sign[refl] = np.sign(s).astype(np.int8)
    out = np.where(sign == 0, -np.inf, out)
    return sign, out


def abs_power_log(a: float, d: int, k: np.ndarray):
    s, lg = relu_power_log(a, d, k)
    odd = (np.asarray(k) % 2) == 1
    s = np.where(odd, 0, s).astype(np.int8)
    return s, np.where(odd, -np.inf, lg + LOG2)


def log_gaussian_moment(n: float, d: int) -> float:
    """log E|w|^{2n}, w ~ N(0, I_d): 2^n Gamma(d/2+n)/Gamma(d/2) (any real n > -d/2)."""
    return n * LOG2 + float(log_gamma_shift(d / 2.0, float(n)))


def abs_power_rf_log(a: float, d: int, k: np.ndarray):
    """E_w[|w.x|^a |w.y|^a], w ~ N(0, I_d): E|w|^{2a} mu_k(|t|^a)^2 (Funk-Hecke twice)."""
    s, lg = abs_power_log(a, d, k)
    return (s != 0).astype(np.int8), np.where(s != 0, 2 * lg + log_gaussian_moment(a, d), -np.inf)


def arccos_log(n: int, d: int, k: np.ndarray):
    s, lg = relu_power_log(float(n), d, k)
    return (s != 0).astype(np.int8), np.where(s != 0, 2 * lg + log_gaussian_moment(n, d), -np.inf)


def times_t_log(d: int, sign: np.ndarray, log_abs: np.ndarray):
    """Eigenvalues of t * g(t) for k = 0..K-2 from those of g for k = 0..K-1.

    Uses t P_k = (k P_{k-1} + (k+d-2) P_{k+1})/(2k+d-2), mu_0(t g) = mu_1(g).
    """
    kmax = len(log_abs) - 2
    k = np.arange(kmax + 1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        lw_lo = np.where(k > 0, np.log(np.maximum(k, 1e-300)) - np.log(2 * k + d - 2), -np.inf)
        lw_hi = np.where(k > 0, np.log(k + d - 2) - np.log(np.maximum(2 * k + d - 2, 1e-300)), 0.0)
    lo_s = np.concatenate([[0], sign[:kmax]])
    lo_l = np.concatenate([[-np.inf], log_abs[:kmax]])
    hi_s, hi_l = sign[1 : kmax + 2], log_abs[1 : kmax + 2]
    s, lg, _ = signed_logsumexp(
        np.stack([lo_s, hi_s]), np.stack([lo_l + lw_lo, hi_l + lw_hi]), axis=0
    )
    return s, lg


def ntk_log(d: int, k: np.ndarray):
    kmax = int(np.max(k))
    kk = np.arange(kmax + 2)
    s1, l1 = arccos_log(1, d, kk[: kmax + 1])
    s0, l0 = arccos_log(0, d, kk)
    st, lt = times_t_log(d, s0, l0)
    s, lg, _ = signed_logsumexp(np.stack([s1, st]), np.stack([l1, lt]), axis=0)
    return s[k], lg[k]


# ---------------------------------------------------------------------------------
# endpoint series
def endpoint_power_log(gamma: np.ndarray, d: int, k: np.ndarray):
    """(sign, log|mu_k((1-t)^gamma)|) on a (len(gamma), len(k)) grid."""
    g = np.asarray(gamma, dtype=np.float64)[:, None]
    kf = np.asarray(k, dtype=np.float64)[None, :]
    g, kf = np.broadcast_arrays(g, kf)
    z = g - kf + 1.0
    s_inv, l_inv = log_inv_gamma(z)
    lg = (d - 2) * LOG2 + gammaln(d / 2.0) - 0.5 * LOG_PI + gammaln(g + 1.0) + g * LOG2
    direct = z > 0
    # Gamma(g+(d-1)/2)/Gamma(g+k+d-1): shift by k + (d-1)/2
    lg[direct] += (
        -log_gamma_shift(g[direct] + (d - 1) / 2.0, kf[direct] + (d - 1) / 2.0) + l_inv[direct]
    )
    refl = ~direct
    if np.any(refl):
        # 1/Gamma(z) = Gamma(k-g) sin(pi z)/pi: pair Gamma(k-g)/Gamma(g+k+d-1) in one
        # log_gamma_shift, so that no O(eps k log k) error of two huge log-Gammas leaks in.
        gr, kr, zr = g[refl], kf[refl], z[refl]
        sin_z = np.sin(np.pi * (zr - 2.0 * np.floor(zr / 2.0)))
        with np.errstate(divide="ignore"):
            log_sin = np.where(zr == np.round(zr), -np.inf, np.log(np.abs(sin_z)))
        lg[refl] += (
            gammaln(gr + (d - 1) / 2.0)
            - log_gamma_shift(kr - gr, 2.0 * gr + d - 1.0)
            + log_sin
            - LOG_PI
        )
    parity = np.where(kf % 2 == 1, -1, 1).astype(np.int8)
    return (s_inv * parity).astype(np.int8), np.where(s_inv == 0, -np.inf, lg)


def endpoint_series_log(coef_sign, coef_log, gamma, d: int, k: np.ndarray, poly=None):
    """mu_k of sum_j a_j (1-t)^{gamma_j} (+ an optional polynomial part given as mu_k values).

    Returns (sign, log_abs, rel_err) where rel_err estimates cancellation and truncation.
    """
    s_t, l_t = endpoint_power_log(gamma, d, k)
    s = s_t * np.asarray(coef_sign, dtype=np.int8)[:, None]
    lg = l_t + np.asarray(coef_log)[:, None]
    if poly is not None:
        s = np.concatenate([s, poly[0][None, :]], axis=0)
        lg = np.concatenate([lg, poly[1][None, :]], axis=0)
    sign, log_abs, log_scale = signed_logsumexp(s, lg, axis=0)
    # truncation: the last three series terms bound a geometric tail (ratio <= 1/2)
    tail = np.max(lg[-4:-1] if poly is not None else lg[-3:], axis=0) + LOG2
    # round-off: each term carries ~2e-15 + 4 eps |log term| (as the closed forms), amplified
    # by the cancellation ratio sum|terms| / |sum|
    eps = np.finfo(float).eps
    with np.errstate(over="ignore", invalid="ignore"):
        floor = 2e-15 + 4 * eps * np.abs(log_abs)
        rel = floor * np.exp(log_scale - log_abs) + np.exp(tail - log_abs)
    rel = np.where(sign == 0, np.inf, rel)
    return sign, log_abs, rel


def ntk_bias_coefficients(n_terms: int):
    """K_bias(t) = (1 + t) + sum_n g_n (1-t)^{n+1/2}, g_n rational / pi (exact as floats).

    g_n = [binom(1/2, n)(-1/4)^n - 2 q_n + q_{n-1}]/pi,  q_n = (1/2)_n / (n! (2n+1) 4^n).
    """
    from fractions import Fraction

    out = []
    binom = Fraction(1)
    poch = Fraction(1)  # (1/2)_n / n!
    q_prev = Fraction(0)
    for n in range(n_terms):
        if n > 0:
            binom = binom * (Fraction(1, 2) - (n - 1)) / n
            poch = poch * (Fraction(1, 2) + n - 1) / n
        q = poch / ((2 * n + 1) * 4**n)
        out.append(binom * Fraction(-1, 4) ** n - 2 * q + q_prev)
        q_prev = q
    return out  # to be divided by pi


NTK_BIAS_TERMS = 96


def ntk_bias_log(d: int, k: np.ndarray, n_terms: int = NTK_BIAS_TERMS):
    coeffs = ntk_bias_coefficients(n_terms)
    c_sign = np.array([np.sign(float(c)) for c in coeffs], dtype=np.int8)
    c_log = np.array([_log_abs_fraction(c) for c in coeffs]) - LOG_PI
    gamma = np.arange(n_terms) + 0.5
    k = np.asarray(k)
    # polynomial part 1 + t: mu_0 = 1, mu_1 = 1/d
    ps = np.where(k <= 1, 1, 0).astype(np.int8)
    pl = np.where(k == 0, 0.0, np.where(k == 1, -math.log(d), -np.inf))
    return _series(c_sign, c_log, gamma, d, k, poly=(ps, pl))


def _log_abs_fraction(c) -> float:
    if c == 0:
        return -np.inf
    return math.log(abs(c.numerator)) - math.log(c.denominator)


#: Above it the laplace endpoint series loses every digit to cancellation (at c = 15
#: already mu_0 has an estimated relative error > 1).
LAPLACE_SERIES_CMAX = 50.0


def laplace_series_terms(c: float) -> int:
    """Terms of the laplace endpoint series (truncation error below eps)."""
    return int(max(60, 4 * 2 * c + 60))


def series_terms(c: float) -> int:
    """Terms per degree of the laplace:c endpoint series (refused where it is useless)."""
    if c > LAPLACE_SERIES_CMAX:
        raise AccuracyError(
            f"laplace:c={c:g}: the endpoint series cancels every digit for c > "
            f"{LAPLACE_SERIES_CMAX:g}; use method='quadrature' (CLI: --method quadrature)"
        )
    return laplace_series_terms(c)


def laplace_log(c: float, d: int, k: np.ndarray, n_terms: int | None = None):
    """exp(-c sqrt(2) s), s = sqrt(1-t): a_j = (-c sqrt 2)^j / j!, gamma_j = j/2."""
    series_terms(c)
    if n_terms is None:
        n_terms = laplace_series_terms(c)
    j = np.arange(n_terms, dtype=np.float64)
    c_log = j * math.log(c * math.sqrt(2.0)) - gammaln(j + 1.0)
    c_sign = np.where(j % 2 == 1, -1, 1).astype(np.int8)
    return _series(c_sign, c_log, j / 2.0, d, np.asarray(k))


def _series(coef_sign, coef_log, gamma, d: int, k: np.ndarray, poly=None):
    """The compiled route (O(1) memory per degree) of :func:`endpoint_series_log`."""
    from ._series_jit import endpoint_series_log_jit

    return endpoint_series_log_jit(coef_sign, coef_log, gamma, d, k, poly)


GAUSSIAN_SERIES_CMAX = 50.0  # 0F1 series in c^2 converges to << eps within 200 terms


def gaussian_log(c: float, d: int, k: np.ndarray):
    """exp(-2c(1-t)): mu_k = e^{-2c} Gamma(d/2) c^{-(d-2)/2} I_{k+(d-2)/2}(2c), all positive.

    With I_nu(2c) = c^nu/Gamma(nu+1) 0F1(;nu+1;c^2) and nu = k+(d-2)/2:
    log mu_k = -2c + k log c - log(Gamma(k+d/2)/Gamma(d/2)) + log 0F1(;k+d/2;c^2), every
    piece O(eps |log mu_k|) accurate.  The positive 0F1 series is used for c <= 50 (and
    where ive underflows); scipy's ive otherwise (error bound :func:`gaussian_rel_error`).
    """
    k = np.asarray(k, dtype=np.float64)
    nu = k + (d - 2) / 2.0
    z = 2.0 * c
    if c <= GAUSSIAN_SERIES_CMAX:
        lg = np.empty_like(k)
        use = np.ones(k.shape, dtype=bool)
    else:
        with np.errstate(divide="ignore", under="ignore"):
            v = ive(nu, z)
            log_i = np.log(v) + z
        lg = -z + gammaln(d / 2.0) - (d - 2) / 2.0 * math.log(c) + log_i
        use = ~(v > 1e-280)
    idx = np.flatnonzero(use)
    n_terms = int(min(200, 4 * c + 40))
    j = np.arange(n_terms, dtype=np.float64)[:, None]
    for lo in range(0, idx.size, 1 << 15):
        ii = idx[lo : lo + (1 << 15)]
        kb = k[ii]
        b = (kb + d / 2.0)[None, :]  # 0F1(; b; c^2) = sum_j c^{2j} / (j! (b)_j)
        terms = j * (2.0 * math.log(c)) - gammaln(j + 1.0) - log_gamma_shift(b, j)
        m = terms.max(axis=0)
        log_f = m + np.log(np.exp(terms - m).sum(axis=0))
        lg[ii] = -z + kb * math.log(c) - log_gamma_shift(d / 2.0, kb) + log_f
    return np.ones(k.shape, dtype=np.int8), lg


def gaussian_rel_error(c: float, d: int, log_abs: np.ndarray) -> np.ndarray:
    """Relative error bound of :func:`gaussian_log` (round-off of the log-space pieces)."""
    eps = np.finfo(float).eps
    # -2c and log 0F1 ~ +2c cancel in log space
    rel = 1e-14 + 4 * eps * (np.abs(log_abs) + 2.0 * c)
    if c > GAUSSIAN_SERIES_CMAX:  # ive route: log Gamma(d/2) and log I_nu cancel too
        rel = rel + 4 * eps * math.lgamma(d / 2.0)
    return rel


def polynomial_log(coeffs, d: int, k: np.ndarray):
    """phi(t) = sum_j a_j t^j: mu_k = sum_j a_j (1 + (-1)^{j+k}) mu_k(max(0,t)^j).

    Returns (sign, log_abs, rel_err); rel_err is the round-off of the signed sum
    (~1e-15 amplified by the cancellation ratio).  mu_k = 0 exactly for k > degree.
    """
    k = np.asarray(k)
    rows_s, rows_l = [], []
    for j, a in enumerate(coeffs):
        if a == 0:
            continue
        s, lg = relu_power_log(float(j), d, k)
        s = np.where((j + k) % 2 == 1, 0, s).astype(np.int8) * np.int8(np.sign(a))
        rows_s.append(s)
        rows_l.append(lg + LOG2 + math.log(abs(a)))
    if not rows_s:
        return np.zeros(k.shape, np.int8), np.full(k.shape, -np.inf), np.zeros(k.shape)
    sign, log_abs, log_scale = signed_logsumexp(np.stack(rows_s), np.stack(rows_l), axis=0)
    exact_zero = np.all(np.stack(rows_s) == 0, axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        rel = (2e-15 + 4 * np.finfo(float).eps * np.abs(log_abs)) * np.exp(log_scale - log_abs)
    rel = np.where(exact_zero, 0.0, np.where(sign == 0, np.inf, rel))
    sign = np.where(exact_zero, 0, sign).astype(np.int8)
    return sign, np.where(exact_zero, -np.inf, log_abs), rel
