"""The families' fused float64 phi(t) (Gram matrices) against the mpmath phi.

Two routes per registered example: ``Kernel.phi`` (float64, the family's ``phi_t``
formula in t, block by block) and ``Kernel.phi(..., mp=True)`` (30 digits, theta-native).
Also: t a little outside [-1, 1] (a Gram entry of unit vectors) stays finite and equals
phi(+-1), shapes are kept, and a matrix spanning several blocks equals its entries.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from specbias import kernel
from specbias.spectra.families import FAMILIES
from specbias.spectra.families._phi_t import BLOCK

#: Examples with a fused route; the dual kernels (``act=``, Hermite series, costly to
#: build) are checked against Williams' erf closed form in test_dual_kernels.py.
FUSED = [
    spec
    for fam in FAMILIES
    for spec in fam.examples
    if "act=" not in spec and kernel(spec).record.phi_t(kernel(spec).args)
]
#: float64 formula vs 30 digits: a few ulps of phi(1) away from the endpoints; near
#: t = +-1, sqrt(1 -+ t) singularities (laplace, relu-power a < 1) turn an ulp of t
#: into ~sqrt(eps): there the check is against phi at the rounded t itself.
REL = 2e-14  # (t = 0 exactly is left out: step and relu-power jump there)
T_POINTS = np.array([-1.0, -0.999999, -0.7, -0.2, -1e-3, 1e-3, 0.31, 0.8, 0.999999, 1.0])


def test_fused_routes_exist():
    """Every family with a closed-form phi has a fused route (expr, abs-power-rf: not)."""
    names = {kernel(s).family for s in FUSED}
    assert {"relu", "arccos1", "ntk", "ntk-bias", "laplace", "gaussian", "tanh"} <= names
    assert kernel("nngp:act=erf").record.phi_t(kernel("nngp:act=erf").args) is not None


@pytest.mark.parametrize("spec", FUSED)
def test_fused_phi_matches_mpmath(spec):
    k = kernel(spec)
    got = k.phi(T_POINTS)
    with mpmath.workdps(30):
        ref = [k.phi(mpmath.mpf(float(t)), mp=True) for t in T_POINTS]
    scale = max(abs(float(r)) for r in ref)
    for t, g, r in zip(T_POINTS, got, ref, strict=True):
        assert abs(g - float(r)) <= REL * scale, (spec, t, g, r)


@pytest.mark.parametrize("spec", FUSED)
def test_fused_phi_safe_past_the_ends(spec):
    """t = 1 + 2e-16 (rounding of a unit Gram diagonal) gives phi(1), no NaN."""
    k = kernel(spec)
    out = k.phi(np.array([1 + 2.3e-16, -1 - 2.3e-16]))
    assert np.all(np.isfinite(out)) or spec.startswith("relu-power:a=-")
    np.testing.assert_array_equal(out, k.phi(np.array([1.0, -1.0])))


def test_fused_phi_blocks_and_shapes():
    """A Gram matrix larger than one block: entrywise equal, shape kept, scalars 0-d."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((int(np.sqrt(3 * BLOCK)) + 7, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    t = x @ x.T
    k = kernel("ntk:depth=2")
    out = k.phi(t)
    assert out.shape == t.shape
    one = np.array([k.phi(v) for v in t.ravel()[::97]])
    np.testing.assert_array_equal(out.ravel()[::97], one)
    assert k.phi(0.5).shape == ()
