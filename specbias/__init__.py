"""specbias: spectral-bias theory calculator for one-hidden-layer networks on the sphere.

Layers: spectra (exact and fast kernel eigenvalues) -> theory (learning-curve
exponents and curves) -> validation (JAX training, infinite-width solvers) -> CLI.
``import specbias`` never imports JAX: the validation names below are resolved
lazily, on first access.
"""

from ._errors import AccuracyError as AccuracyError
from ._errors import InputError as InputError
from ._errors import SpecbiasError as SpecbiasError
from .spectra import CONVENTION as CONVENTION
from .spectra import KERNEL_NAMES as KERNEL_NAMES
from .spectra import DecayLaw as DecayLaw
from .spectra import Kernel as Kernel
from .spectra import Spectrum as Spectrum
from .spectra import decay_law as decay_law
from .spectra import eigenvalue_expr as eigenvalue_expr
from .spectra import eigenvalue_text as eigenvalue_text
from .spectra import eigenvalues as eigenvalues
from .spectra import exact_eigenvalue as exact_eigenvalue
from .spectra import exact_eigenvalue_mp as exact_eigenvalue_mp
from .spectra import harmonic_multiplicities as harmonic_multiplicities
from .spectra import harmonic_multiplicity as harmonic_multiplicity
from .spectra import kernel as kernel
from .spectra import log_harmonic_multiplicity as log_harmonic_multiplicity
from .spectra import reference_eigenvalue as reference_eigenvalue
from .theory import NOISE_CONVENTION as NOISE_CONVENTION
from .theory import TEST_ERROR_DEFINITION as TEST_ERROR_DEFINITION
from .theory import DoubleDescent as DoubleDescent
from .theory import LearningCurve as LearningCurve
from .theory import Prediction as Prediction
from .theory import StudentSpectrum as StudentSpectrum
from .theory import Target as Target
from .theory import constant_target as constant_target
from .theory import double_descent as double_descent
from .theory import exponent as exponent
from .theory import learned_degrees as learned_degrees
from .theory import learning_curve as learning_curve
from .theory import noise_crossover as noise_crossover
from .theory import noise_exponents as noise_exponents
from .theory import optimal_ridge_curve as optimal_ridge_curve
from .theory import predict as predict
from .theory import smooth_target as smooth_target
from .theory import solve_kappa as solve_kappa
from .theory import spectrum_target as spectrum_target
from .theory import staircase as staircase
from .theory import student_spectrum as student_spectrum
from .theory import teacher_target as teacher_target

__version__ = "0.1.0"

#: Validation-layer names re-exported lazily (they import JAX).
_LAZY = (
    "ResultStore",
    "fit_power_law",
    "kernel_regression",
    "min_variation_norm_interpolation",
    "sample_target",
    "train",
    "train_ensemble",
    "ValidationConfig",
    "run_validation",
    "plot_validation",
)


def __getattr__(name: str):
    if name in _LAZY:
        from . import validation

        return getattr(validation, name)
    raise AttributeError(f"module 'specbias' has no attribute {name!r}")
