"""Checks read from the kernel-family registry: a new family is tested without editing here.

For every registered family and each of its ``examples`` (convention
:mod:`specbias.spectra._conventions`):

* the float64 spectrum (closed form, series or quadrature fallback) and the exact /
  mpmath route against the independent mpmath reference quadrature;
* the fitted decay slope against ``family.decay`` (Richardson-extrapolated local slopes,
  the way diffrax's ``test_ode_order`` reads a solver's order), on the law's parity
  class, and the other class vanishing;
* the declared parity: phi(-t) = +-phi(t) exactly when declared, and mu_k = 0 on the
  degrees it kills;
* the Mercer sum sum_k N(d,k) mu_k = phi(1), the truncation bounded by the decay law.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from specbias import (
    InputError,
    decay_law,
    eigenvalues,
    exact_eigenvalue_mp,
    kernel,
    reference_eigenvalue,
)
from specbias.spectra._interior import envelope_slope
from specbias.spectra._multiplicity import log_harmonic_multiplicity
from specbias.spectra.families import FAMILIES, NAMES

EXAMPLES = [spec for fam in FAMILIES for spec in fam.examples]
D_REF = 3


def test_every_family_has_examples_and_is_registered_once():
    assert len(NAMES) == len(FAMILIES)
    for fam in FAMILIES:
        assert fam.examples, fam.name
        for spec in fam.examples:
            assert kernel(spec).record is fam
    assert NAMES == tuple(f.name for f in FAMILIES)


@pytest.mark.parametrize("spec", EXAMPLES)
def test_against_mpmath_reference(spec):
    """float64 spectrum and exact/mpmath values against the reference quadrature."""
    kmax = 5
    s = eigenvalues(spec, D_REF, kmax, strict=False)
    ref = [reference_eigenvalue(spec, D_REF, k, digits=20) for k in range(kmax + 1)]
    scale = max(abs(float(r)) for r in ref)
    for k in range(kmax + 1):
        r = float(ref[k])
        tol = max(10 * s.rel_error[k] * abs(r), 1e-13 * scale) if s.sign[k] else 1e-13 * scale
        assert abs(s.values[k] - r) <= tol, (spec, k, s.values[k], r, s.method)
    for k in range(3):
        with mpmath.workdps(30):
            mp = exact_eigenvalue_mp(spec, D_REF, k, dps=20)
            assert abs(mp - ref[k]) <= mpmath.mpf(10) ** -15 * (scale + abs(ref[k])), (spec, k)


def _usable_spectrum(spec: str, d: int):
    """Degrees with a trusted value: up to k = 4000 (closed forms) or where quadrature holds."""
    kern = kernel(spec)
    if kern.record.numeric(kern.args) is None:
        s = eigenvalues(spec, d, 60, strict=False)
    else:
        s = eigenvalues(spec, d, 4000, strict=False)
    ok = s.rel_error < 1e-5
    return s, ok


def _richardson_slope(k: np.ndarray, log_abs: np.ndarray) -> float:
    """alpha from local slopes on [K, 2K] and [2K, 4K], extrapolated: s = alpha + c/k."""
    kmax = k.max()
    spans = [(kmax / 4, kmax / 2), (kmax / 2, kmax)]
    slopes = []
    for lo, hi in spans:
        sel = (k >= lo) & (k <= hi)
        slope = np.polyfit(np.log(k[sel]), log_abs[sel], 1)[0]
        slopes.append(-slope)
    return 2 * slopes[1] - slopes[0]


def _law_or_skip(spec: str, d: int):
    try:
        return decay_law(spec, d)
    except InputError:
        if kernel(spec).record.decay(kernel(spec).args, spec, d) is None:
            pytest.skip(f"{spec}: no decay law (family.decay is None, no endpoint expansion)")
        raise


@pytest.mark.parametrize("spec", EXAMPLES)
def test_decay_slope_matches_family_law(spec):
    d = D_REF
    law = _law_or_skip(spec, d)
    s, ok = _usable_spectrum(spec, d)
    k = s.k
    on = {"all": k >= 0, "even": k % 2 == 0, "odd": k % 2 == 1}[law.parity]
    if math.isinf(law.alpha):
        tail = k[ok & (k > 12)]
        if law.sign == "zero":  # a polynomial: exactly zero past its degree
            assert np.all(s.sign[tail] == 0), spec
        else:  # faster than any power: the local slope keeps growing
            sel = ok & (s.sign != 0) & (k >= 4)
            kk, la = k[sel], s.log_abs[sel]
            slope = np.diff(la) / np.diff(np.log(kk))
            if s.method == "quadrature":  # float64 floor by k ~ 10: the slope steepens
                assert np.all(np.diff(slope) < 0) and slope[-1] < 2 * slope[0] < 0, spec
                return
            assert slope[-1] < -3 * (d + 10) and slope[-1] < slope[len(slope) // 2], spec
        return
    if law.sign == "oscillating" and law.parity == "all":  # interior kink t0 != 0
        _check_envelope(spec, s, ok, law)
        return
    # a constant phase: k in one residue class mod 4 inside the parity class
    residue = int(k[on & (s.sign != 0) & (k > 8)][0]) % 4
    sel = ok & on & (s.sign != 0) & (k % 4 == residue) & (k >= 8)
    alpha = _richardson_slope(k[sel].astype(float), s.log_abs[sel])
    tol = 0.02 if s.method != "quadrature" else 0.1
    assert abs(alpha - law.alpha) <= tol * law.alpha, (spec, alpha, law.alpha, s.method)
    # the law's constant: |mu_k| / (C k^-alpha) -> 1 on the residue class mod 4 where it
    # is largest (C is the max over parities where they differ; relu-power of
    # non-integer a carries a factor |sin(pi (k-a)/2)| instead)
    if "sin" not in law.note:
        last = []
        for r in range(4):
            cls = ok & on & (s.sign != 0) & (k % 4 == r) & (k >= 8)
            if np.any(cls):
                kr = k[cls][-1]
                last.append(np.exp(s.log_abs[kr] + law.alpha * np.log(kr)) / law.predicted(1))
        tol_c = 0.02 if s.method != "quadrature" else 0.2
        assert abs(max(last) - 1) <= tol_c, (spec, last)
    # the other parity class vanishes (or is negligible) at large k
    off = ok & ~on & (k >= 8)
    if np.any(off):
        small = s.sign[off] == 0
        rel = np.exp(s.log_abs[off] - (np.log(law.predicted(1)) - law.alpha * np.log(k[off])))
        assert np.all(small | (rel < 1e-3)), spec


def _check_envelope(spec, s, ok, law):
    """Oscillating laws (phase k theta0, theta0 != pi/2): slope of the window maxima of
    |mu_k| against log(k + (d-2)/2), and their size against the envelope C k^-alpha."""
    sel = ok & (s.sign != 0) & (s.k >= 12)
    alpha = envelope_slope(s.k[sel], s.log_abs[sel], s.d, window=8)
    assert abs(alpha - law.alpha) <= 0.1 * law.alpha, (spec, alpha, law.alpha, s.method)
    tail = sel & (s.k >= s.k[sel][-1] // 2)
    ratio = np.exp(s.log_abs[tail] + law.alpha * np.log(s.k[tail])) / law.predicted(1)
    assert 0.8 <= ratio.max() <= 1.2, (spec, ratio.max())


def _phi(spec: str, t: np.ndarray) -> np.ndarray:
    return np.asarray(kernel(spec).phi(t), dtype=np.float64)


@pytest.mark.parametrize("spec", EXAMPLES)
def test_parity(spec):
    kern = kernel(spec)
    parity = kern.record.parity(kern.args)
    assert parity in ("even", "odd", "none")
    t = np.linspace(0.05, 0.95, 19)
    plus, minus = _phi(spec, t), _phi(spec, -t)
    scale = np.max(np.abs(plus)) + 1e-300
    is_even = np.allclose(plus, minus, rtol=1e-13, atol=1e-14 * scale)
    is_odd = np.allclose(plus, -minus, rtol=1e-13, atol=1e-14 * scale)
    assert (parity == "even") == is_even, (spec, parity)
    assert (parity == "odd") == is_odd, (spec, parity)
    if parity != "none":
        s = eigenvalues(spec, D_REF, 12, strict=False)
        killed = s.k % 2 == (1 if parity == "even" else 0)
        big = np.max(np.abs(s.values))
        assert np.all((s.sign[killed] == 0) | (np.abs(s.values[killed]) < 1e-12 * big)), spec


@pytest.mark.parametrize("spec", EXAMPLES)
@pytest.mark.parametrize("d", [2, 5])
def test_mercer_sum(spec, d):
    """sum_k N(d,k) mu_k = phi(1), with the truncation bounded by the decay law."""
    try:
        law = decay_law(spec, d)
    except InputError:  # no law derived (expr): bound the tail by the last terms
        law = None
    s, ok = _usable_spectrum(spec, d)
    kmax = int(s.k[ok].max()) if law is None or not np.all(ok) else int(s.k.max())
    if law is not None and not math.isinf(law.alpha) and law.alpha <= d - 1 + 0.2:
        pytest.skip(f"{spec} at d={d}: sum N(d,k) |mu_k| diverges or converges too slowly")
    sel = s.k <= kmax
    terms = s.sign[sel] * np.exp(s.log_abs[sel] + log_harmonic_multiplicity(d, s.k[sel]))
    total = float(np.sum(terms))
    phi1 = float(_phi(spec, np.array([1.0]))[0])
    if law is None or math.isinf(law.alpha):
        tail = kmax * float(np.max(np.abs(terms[-5:])))  # terms ~ k^-p, p > 1
    else:  # sum_{k > K} N(d,k) C k^-alpha <= C 2 K^{d-1-alpha} / ((d-2)! (alpha-d+1)), x 2
        c = law.predicted(1)
        tail = 4 * c * kmax ** (d - 1 - law.alpha) / (math.gamma(d - 1) * (law.alpha - d + 1))
    tol = tail + 1e-9 * (abs(phi1) + float(np.sum(np.abs(terms))))
    assert abs(total - phi1) <= tol, (spec, d, total, phi1, tail)
