import math

import numpy as np
import pytest

from specbias import InputError
from specbias.spectra._multiplicity import log_harmonic_multiplicity
from specbias.theory._targets import smooth_target, spectrum_target, teacher_target


def _mass(t, kmax):
    lc = t.log_c(kmax)
    return math.fsum(np.exp(lc + log_harmonic_multiplicity(t.d, np.arange(kmax + 1))))


@pytest.mark.parametrize(
    "d,nu,parity",
    [(2, 1.5, "odd"), (3, 1.0, "all"), (5, 0.8, "even"), (30, 0.6, "even"), (100, 2.0, "all")],
)
def test_smooth_target_normalised_exactly(d, nu, parity):
    t = smooth_target(d, nu, parity)
    lo, hi = t.tail_mass_interval(20000)
    part = _mass(t, 20000)
    assert part + lo - 1e-12 <= 1.0 <= part + hi + 1e-12
    assert t.nu_t == nu and t.parity == parity and t.nu_method == "exact"
    if parity != "all":
        assert t.degree_parity(50) == parity
    # exponent of the law: log c_k slope = -(2 nu + d - 1)
    k = np.array([1000, 2000]) + (parity == "odd")
    lc = t.log_c(2001)[k]
    slope = (lc[1] - lc[0]) / math.log((k[1] + 1) / (k[0] + 1))
    assert slope == pytest.approx(-(2 * nu + d - 1), rel=1e-12)


def test_smooth_tail_bound_is_an_upper_bound():
    t = smooth_target(3, 0.7)
    exact = _mass(t, 400000) - _mass(t, 100)
    lo, hi = t.tail_mass_interval(100)
    far = t.tail_mass_interval(400000)[1]  # analytic bound beyond 4e5
    assert exact <= hi and lo <= exact + far
    assert t._tail_bound(100) < 1.03 * exact  # the integral bound is tight


def test_abs_power_teacher_spectrum_is_even_with_nu_a_plus_half():
    a, d = 1.5, 5
    t = teacher_target(f"abs-power:a={a}", d, square=True)
    assert t.nu_t == pytest.approx(a + 0.5) and t.parity == "even"
    lc = t.log_c(4001)
    assert np.isneginf(lc[3::2]).all() and np.isfinite(lc[0::2]).all()  # odd degrees vanish
    # verified from the spectrum: local slope on even k -> -(2 nu_t + d - 1) = -(2a + d)
    slope = (lc[4000] - lc[2000]) / math.log(2)
    assert slope == pytest.approx(-(2 * a + d), rel=2e-3)
    # variance E|t|^{2a} (closed form) equals sum N mu_k^2
    assert t.variance == pytest.approx(_mass(t, 4001) + t.tail_mass(4001), rel=1e-12)
    assert t.tail_mass(4001) < 1e-9


def test_generic_square_teacher_variance_by_quadrature():
    t = teacher_target("relu-power:a=1.5", 4, square=True)  # not abs-power: quad path
    assert t.variance == pytest.approx(_mass(t, 3000), rel=1e-8)


def test_kernel_teacher_and_user_spectrum():
    t = teacher_target("arccos1", 5)
    assert t.variance == 0.5 and t.nu_t == 1.5 and t.parity == "even"
    assert t.degree_parity(20) == "all"  # mu_1 != 0, odd k >= 3 vanish
    assert t.tail_mass(3000) < 1e-9
    with pytest.raises(InputError):
        teacher_target("relu", 5).log_c(10)  # not PSD
    c = np.r_[0.0, (np.arange(2, 400.0)) ** -5.0]
    u = spectrum_target(c, 3)
    assert u.nu_t == pytest.approx(1.5, abs=0.02) and u.nu_method == "fit"
    assert u.tail_mass(1000) == 0.0 and np.isneginf(u.log_c(500)[450])
    with pytest.raises(InputError):
        spectrum_target([-1.0], 3)
    with pytest.raises(InputError):
        smooth_target(3, -1.0)
