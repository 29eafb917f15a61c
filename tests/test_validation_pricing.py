"""Numba pricing of the feature-limit LP against independent numpy / scipy routes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog, nnls

from specbias.validation import _pricing as P
from specbias.validation._limits import min_variation_norm_interpolation, relu_features

# Cell maxima: the same cone projection by two NNLS codes, agreement to round-off.
CELL_ATOL = 1e-12
# HiGHS and the dense simplex on the same dictionary: optimal l1 to 1e-7 relative.
LP_RTOL = 1e-7


def sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    g = rng.standard_normal((n, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def scipy_cell_maximum(theta, sign, x, lam):
    """max of sign*g on the closed cell of theta: |P_C v| by scipy's NNLS (Moreau)."""
    s = (x @ theta) > 0
    v = sign * (lam[s] @ x[s])
    a = np.where(s[:, None], -x, x)
    mu, _ = nnls(a.T, v, maxiter=50 * len(x))
    p = v - a.T @ mu
    return p / np.linalg.norm(p)


@pytest.mark.parametrize(("n", "d"), [(30, 3), (200, 5)])
def test_cell_maxima_match_scipy_nnls(n, d):
    rng = np.random.default_rng(n + d)
    x, lam = sphere(rng, n, d), rng.standard_normal(n)
    pts = sphere(rng, 64, d)
    signs = np.sign(P.dual_values(pts, x, lam))  # s g > 0 at the start, as in the search
    out, vals = P.cell_maxima(x, lam, pts, signs)
    for j in range(64):
        ref = scipy_cell_maximum(pts[j], signs[j], x, lam)
        ref_val = signs[j] * P.dual_values(ref[None], x, lam)[0]
        start = signs[j] * P.dual_values(pts[j][None], x, lam)[0]
        assert vals[j] == pytest.approx(max(ref_val, start), abs=CELL_ATOL)
        assert vals[j] == pytest.approx(signs[j] * P.dual_values(out[j][None], x, lam)[0])
        if ref_val > start + 1e-9:  # a strict improvement: the same argmax
            np.testing.assert_allclose(out[j], ref, atol=1e-9)


def test_ascent_matches_numpy_route():
    rng = np.random.default_rng(3)
    x, lam = sphere(rng, 120, 5), rng.standard_normal(120)
    th, sign = sphere(rng, 50, 5), np.where(rng.random(50) < 0.5, -1.0, 1.0)
    bt, bv = P.ascend(x, lam, th, sign, 30)
    rt, rv = P.ascend_numpy(x, lam, th, sign, 30)
    # same path up to round-off (a tie in the kink pattern may rarely diverge)
    same = np.abs(bv - rv) < 1e-10
    assert np.mean(same) > 0.9
    np.testing.assert_allclose(bt[same], rt[same], atol=1e-8)
    np.testing.assert_allclose(bv, sign * P.dual_values(bt, x, lam), atol=1e-12)


def test_local_search_finds_only_true_values():
    rng = np.random.default_rng(4)
    x, lam = sphere(rng, 80, 5), rng.standard_normal(80)
    atoms = sphere(rng, 10, 5)
    signs = np.sign(P.dual_values(atoms, x, lam))
    cand, vals = P.local_search(lam, x, atoms, signs, rng=rng)
    assert np.all(np.diff(vals) <= 0) and np.all(vals > 0)
    np.testing.assert_allclose(vals, np.abs(P.dual_values(cand, x, lam)), atol=1e-12)
    assert vals[0] >= np.max(np.abs(P.dual_values(atoms, x, lam))) - 1e-12


def test_certified_d5_fit_against_highs_on_its_atoms_and_a_dictionary():
    # column generation + certificate at d = 5; HiGHS is an independent LP solver
    rng = np.random.default_rng(6)
    x, y = sphere(rng, 40, 5), rng.standard_normal(40)
    fit = min_variation_norm_interpolation(x, y, rng=np.random.default_rng(1), certify=True)
    assert fit.residual < 1e-8 and fit.n_atoms <= 40
    assert fit.certified_lower_bound <= fit.l1_norm
    assert fit.duality_gap < 3e-3

    def highs(theta):
        phi = relu_features(theta, x)
        m = phi.shape[1]
        res = linprog(
            np.ones(2 * m), A_eq=np.hstack([phi, -phi]), b_eq=y, bounds=(0, None), method="highs"
        )
        assert res.status == 0
        return float(res.fun)

    assert highs(fit.theta) == pytest.approx(fit.l1_norm, rel=LP_RTOL)
    # the continuum optimum lies below any dictionary LP
    assert fit.certified_lower_bound <= highs(sphere(rng, 3000, 5))
