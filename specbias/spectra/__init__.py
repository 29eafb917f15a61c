"""Spectra of dot-product kernels on S^{d-1}: exact, fast float64/log-space, asymptotic."""

from ._asymptotics import DecayLaw as DecayLaw
from ._asymptotics import decay_law as decay_law
from ._conventions import CONVENTION as CONVENTION
from ._conventions import CONVENTION_SHORT as CONVENTION_SHORT
from ._exact import eigenvalue_expr as eigenvalue_expr
from ._exact import eigenvalue_text as eigenvalue_text
from ._exact import exact_eigenvalue as exact_eigenvalue
from ._exact import exact_eigenvalue_mp as exact_eigenvalue_mp
from ._kernels import KERNEL_NAMES as KERNEL_NAMES
from ._kernels import Kernel as Kernel
from ._kernels import kernel as kernel
from ._multiplicity import harmonic_multiplicities as harmonic_multiplicities
from ._multiplicity import harmonic_multiplicity as harmonic_multiplicity
from ._multiplicity import log_harmonic_multiplicity as log_harmonic_multiplicity
from ._reference import reference_eigenvalue as reference_eigenvalue
from ._spectrum import Spectrum as Spectrum
from ._spectrum import eigenvalues as eigenvalues
