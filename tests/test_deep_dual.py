"""Deep dual kernels ``nngp/ntk:act=A,depth=L,sw=W,sb=B`` (specbias.spectra.families._deep).

Independent routes:

* ReLU: the iterated closed-form layer maps of ``_deep`` (weight std sw != 1) against
  ``deep_relu_kernels`` of ``arccos1:depth=L`` / ``ntk:depth=L`` (homogeneity: with no
  bias, K_sw = sw^(2(L+1)) K_1), and sw = 1, sb = 0 routed to those closed forms;
* erf: the Hermite-series composition against neural-tangents' closed forms for Erf
  (Williams 1997: Sigma = (2/pi) asin(2p/(1+2q)), Sigma-dot = (4/pi)/sqrt((1+2q)^2-4p^2)),
  phi and the spectrum (30-digit Funk-Hecke quadrature of the closed form), the claimed
  per-k errors met;
* tanh, depth 2 (slow): Monte Carlo over random nets at finite width, within 5 standard
  errors; the CLI's certified spectrum at d = 10, k <= 40;
* neural-tangents itself where it is installed and importable (skipped otherwise).
"""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from typer.testing import CliRunner

from specbias import InputError, eigenvalues, kernel
from specbias.cli import app
from specbias.spectra.families import _deep

T = np.linspace(-1, 1, 11)
#: float64 phi through L layers of a series evaluation: a few ulps per layer.
PHI_TOL = 1e-14
#: mpmath phi: the per-layer series are cut where their tail is <= 1e-18 S(1).
MP_TOL = 1e-17
#: Claimed per-k error vs the closed-form quadrature: the claim itself, times 10 (the
#: quadrature's own 30 digits are far below it).
CLAIM_FACTOR = 10


def erf_deep(t, depth: int, sw: float, sb: float, m=np):
    """(NNGP, NTK) of erf, depth L: neural-tangents' Erf closed forms iterated."""
    sw2, sb2 = (sw * sw, sb * sb) if m is np else (m.mpf(sw) ** 2, m.mpf(sb) ** 2)
    p, q = sw2 * t + sb2, sw2 + sb2
    th = p
    for _ in range(depth):
        s = 2 / m.pi * m.asin(2 * p / (1 + 2 * q))
        sd = 4 / m.pi / m.sqrt((1 + 2 * q) ** 2 - 4 * p * p)
        q = sw2 * 2 / m.pi * m.asin(2 * q / (1 + 2 * q)) + sb2
        p = sw2 * s + sb2
        th = p + sw2 * sd * th
    return p, th


def funk_hecke(f, d: int, k: int, dps: int = 30):
    """mu_k = E[f(t) P_k(t)], t = x.y on S^{d-1}: mpmath quadrature, P_k(1) = 1."""
    with mpmath.workdps(dps):
        c = mpmath.gamma(mpmath.mpf(d) / 2) / (
            mpmath.sqrt(mpmath.pi) * mpmath.gamma(mpmath.mpf(d - 1) / 2)
        )

        def g(t):
            p0, p1 = mpmath.mpf(1), t
            for j in range(1, k):
                p0, p1 = p1, ((2 * j + d - 2) * t * p1 - j * p0) / (j + d - 2)
            pk = p0 if k == 0 else p1
            return f(t) * pk * (1 - t * t) ** (mpmath.mpf(d - 3) / 2)

        return c * mpmath.quad(g, mpmath.linspace(-1, 1, 2 * k + 3))


# ---------------------------------------------------------------------------------
# ReLU: closed forms
def test_relu_plain_is_the_deep_relu_family_exactly():
    for depth in (2, 4):
        for dual, closed in (("nngp", "arccos1"), ("ntk", "ntk")):
            got = kernel(f"{dual}:act=relu,depth={depth}")
            want = kernel(f"{closed}:depth={depth}")
            assert np.array_equal(got.phi(T), want.phi(T))
            assert np.array_equal(got.phi_theta(np.arccos(T)), want.phi_theta(np.arccos(T)))


@pytest.mark.parametrize("depth", [1, 3])
def test_relu_layer_maps_against_deep_relu_kernels(depth):
    """Iterated closed-form ReLU maps (sw = 1.3) = sw^(2(L+1)) x the recursion of
    arccos.deep_relu_kernels (a separate implementation, no weight scale)."""
    sw = 1.3
    scale = sw ** (2 * (depth + 1))
    for dual, closed in (("nngp", "arccos1"), ("ntk", "ntk")):
        got = kernel(f"{dual}:act=relu,depth={depth},sw={sw}").phi(T)
        want = scale * kernel(f"{closed}:depth={depth}").phi(T)
        np.testing.assert_allclose(got, want, rtol=PHI_TOL, atol=PHI_TOL)


def test_relu_bias_diagonal_is_the_variance_recursion():
    """K(1) = q_L: q_h = sw^2 q_{h-1}/2 + sb^2 (E[relu(sqrt q u)^2] = q/2)."""
    sw, sb, depth = 1.4, 0.5, 3
    q = sw * sw + sb * sb
    for _ in range(depth):
        q = sw * sw * q / 2 + sb * sb
    got = kernel(f"nngp:act=relu,depth={depth},sw={sw},sb={sb}").phi(np.array([1.0]))[0]
    assert abs(got - q) <= PHI_TOL * q


# ---------------------------------------------------------------------------------
# erf: neural-tangents' closed forms
ERF = ("erf", 2, 1.2, 0.3)
ERF_SPEC = "act=erf,depth=2,sw=1.2,sb=0.3"


@pytest.mark.slow  # ~7 CPU-s of deep Hermite series
def test_erf_deep_phi_matches_closed_form():
    nngp, ntk = erf_deep(T, *ERF[1:])
    np.testing.assert_allclose(kernel(f"nngp:{ERF_SPEC}").phi(T), nngp, rtol=PHI_TOL, atol=PHI_TOL)
    np.testing.assert_allclose(kernel(f"ntk:{ERF_SPEC}").phi(T), ntk, rtol=PHI_TOL, atol=PHI_TOL)
    with mpmath.workdps(30):
        t = mpmath.mpf("0.3")
        got = kernel(f"nngp:{ERF_SPEC}").phi(t, mp=True)
        want = erf_deep(t, *ERF[1:], m=mpmath)[0]
        assert abs(got - want) <= MP_TOL * want


@pytest.mark.parametrize("kind", ["nngp", "ntk"])
def test_erf_deep_spectrum_errors_claimed_and_met(kind):
    d, kmax = 5, 8
    s = eigenvalues(f"{kind}:{ERF_SPEC}", d, kmax)
    assert s.method == "series"
    assert np.all(s.rel_error <= 1e-10)
    pick = 0 if kind == "nngp" else 1
    for k in (1, 4, 8) if kind == "nngp" else (0, 3, 7):
        ref = float(funk_hecke(lambda t: erf_deep(t, *ERF[1:], m=mpmath)[pick], d, k))
        assert abs(s.values[k] - ref) <= CLAIM_FACTOR * s.rel_error[k] * abs(ref), (k, ref)


def test_truncation_bound_covers_the_next_order():
    """The order-96 series' claimed errors cover its distance to the order-192 series."""
    d = 5
    k = np.arange(0, 30)
    lo = _deep._mu(_deep.compose(*ERF[:1], "nngp", *ERF[1:], 96), d, k, "erf", ERF[3])
    hi = _deep._mu(_deep.compose(*ERF[:1], "nngp", *ERF[1:], 192), d, k, "erf", ERF[3])
    diff = np.abs(np.exp(lo[1]) - np.exp(hi[1]))
    bound = lo[2] * np.exp(lo[1]) + hi[2] * np.exp(hi[1])
    assert np.all(diff <= bound)


def test_parity_and_bias():
    """odd sigma, no bias: an odd kernel (mu_k = 0 on even k); a bias breaks it."""
    assert (
        kernel("nngp:act=erf,depth=2").record.parity(kernel("nngp:act=erf,depth=2").args) == "odd"
    )
    biased = kernel("nngp:act=erf,depth=2,sb=0.1")
    assert biased.record.parity(biased.args) == "none"


@pytest.mark.parametrize(
    ("spec", "msg"),
    [
        ("nngp:act=tanh,sw=0", "0 < sw"),
        ("ntk:act=tanh,sb=-1", "0 <= sb"),
        ("nngp:act=erf,depth=51", "depth"),
    ],
)
def test_bad_parameters_are_refused(spec, msg):
    with pytest.raises(InputError, match=msg):
        kernel(spec)


def test_neural_tangents_erf_and_relu_with_bias():
    """neural-tangents' own kernel_fn (optional: skipped when not importable)."""
    pytest.importorskip("neural_tangents", exc_type=ImportError)
    import jax.numpy as jnp
    from neural_tangents import stax

    d, sw, sb = 4, 1.2, 0.3
    x = np.zeros((len(T), d))
    x[:, 0], x[:, 1] = T, np.sqrt(1 - T * T)
    x0 = np.zeros((1, d))
    x0[0, 0] = 1.0
    for act, name in ((stax.Erf(), "erf"), (stax.Relu(), "relu")):
        layers = [stax.Dense(1, W_std=sw, b_std=sb), act] * 2 + [stax.Dense(1, W_std=sw, b_std=sb)]
        kfn = stax.serial(*layers)[2]
        out = kfn(jnp.asarray(x0 * np.sqrt(d)), jnp.asarray(x * np.sqrt(d)), ("nngp", "ntk"))
        for kind, got in zip(("nngp", "ntk"), out, strict=True):
            want = kernel(f"{kind}:act={name},depth=2,sw={sw},sb={sb}").phi(T)
            np.testing.assert_allclose(np.asarray(got)[0], want, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------
# tanh, depth 2 (slow: Hermite series of order 384 at two variances)
@pytest.mark.slow
def test_tanh_depth2_monte_carlo_within_5_sigma():
    """Random nets x -> tanh(W2 tanh(W1 x)/sqrt(H)), H = 2000, 40 draws: the empirical
    NNGP (1/H) sum_i z2_i(x) z2_i(y), z2 = tanh(.) of layer 2, against phi (finite-width
    bias O(1/H) = 5e-4 relative, far below 5 standard errors of ~1e-3)."""
    rng = np.random.default_rng(20261128)
    h, draws, d = 2000, 40, 4
    ts = np.array([-0.8, 0.0, 0.5, 0.95])
    xs = np.zeros((len(ts) + 1, d))
    xs[0, 0] = 1.0
    xs[1:, 0], xs[1:, 1] = ts, np.sqrt(1 - ts * ts)
    samples = []
    for _ in range(draws):
        w1 = rng.standard_normal((h, d))
        w2 = rng.standard_normal((h, h)) / np.sqrt(h)
        z = np.tanh(w2 @ np.tanh(w1 @ xs.T))
        samples.append(z[:, 0] @ z[:, 1:] / h)
    samples = np.array(samples)
    want = kernel("nngp:act=tanh,depth=2").phi(ts)
    sem = samples.std(axis=0, ddof=1) / np.sqrt(draws)
    assert np.all(np.abs(samples.mean(axis=0) - want) <= 5 * sem), (samples.mean(0), want, sem)


@pytest.mark.slow
def test_cli_tanh_depth2_certified_and_met():
    """CLI spectrum at d = 10, k <= 40: per-k errors <= 1e-10, and met against the
    30-digit quadrature of phi (mpmath route) for a few k."""
    res = CliRunner().invoke(
        app,
        ["spectrum", "--kernel", "nngp:act=tanh,depth=2", "--d", "10", "--kmax", "40", "--json"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = data["eigenvalues"]
    k = kernel("nngp:act=tanh,depth=2")
    for row in rows:
        if row["k"] in (1, 3, 9):
            assert row["rel_error"] <= 1e-10
            ref = float(funk_hecke(lambda t: k.phi(t, mp=True), 10, row["k"], dps=25))
            assert abs(row["value"] - ref) <= CLAIM_FACTOR * row["rel_error"] * abs(ref)
