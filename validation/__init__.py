"""Numeric validation layer: train one-hidden-layer nets (JAX) and solve their limits.

The infinite-width solvers, target sampler, exponent fit and result store are
numpy/scipy only; the network and training modules use JAX.  Library code never
changes ``jax.config``: entry points (the CLI, benchmarks, tests) enable float64.

Names are resolved lazily (PEP 562): ``import specbias.validation`` and the import of
one of its modules (e.g. the sweep configuration, for a CLI refusal) load only what
they use, so a refused oversized input never pays for JAX (about 1 CPU-second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: public name -> the module defining it
_EXPORTS: dict[str, str] = {
    "PRESETS": "_experiment",
    "CurveResult": "_experiment",
    "ValidationConfig": "_experiment",
    "ValidationResult": "_experiment",
    "run_validation": "_experiment",
    "PowerLawFit": "_fit",
    "beta_in_ci": "_fit",
    "fit_power_law": "_fit",
    "FlowResult": "_flow",
    "tangent_gram": "_flow",
    "train_flow": "_flow",
    "FluctuationFit": "_fluctuations",
    "FluctuationResult": "_fluctuations",
    "fluctuations": "_fluctuations",
    "ExponentGap": "_gap",
    "exponent_gap": "_gap",
    "HessianSpectrum": "_hessian",
    "gauss_newton_spectrum": "_hessian",
    "hessian_spectrum": "_hessian",
    "HessianReport": "_hessian_experiment",
    "hessian_experiment": "_hessian_experiment",
    "sample_blobs": "_hessian_experiment",
    "predicted_outliers": "_hessian_outliers",
    "JammingPoint": "_jamming",
    "JammingRun": "_jamming",
    "WidthSweep": "_jamming",
    "find_jamming": "_jamming",
    "width_sweep": "_jamming",
    "jamming_data": "_jamming_data",
    "SatCurve": "_jamming_sat",
    "cover_probability": "_jamming_sat",
    "JammingStudy": "_jamming_study",
    "jamming_study": "_jamming_study",
    "HingeFit": "_jamming_train",
    "fit_hinge": "_jamming_train",
    "KernelRegression": "_limits",
    "VariationNormFit": "_limits",
    "kernel_regression": "_limits",
    "min_variation_norm_interpolation": "_limits",
    "NetConfig": "_network",
    "Params": "_network",
    "apply": "_network",
    "empirical_ntk": "_network",
    "init_ensemble": "_network",
    "init_params": "_network",
    "learning_rate_scale": "_network",
    "mse_loss": "_network",
    "ATOM_THRESHOLD": "_observables",
    "observables": "_observables",
    "plot_validation": "_plot",
    "sample_sphere": "_sphere",
    "sample_sphere_np": "_sphere",
    "ResultStore": "_store",
    "Run": "_store",
    "run_key": "_store",
    "TargetSample": "_targets_sample",
    "sample_target": "_targets_sample",
    "target_variance": "_targets_sample",
    "train": "_train",
    "train_ensemble": "_train",
    "train_reference": "_train_reference",
    "STOP_REASONS": "_train_result",
    "TrainResult": "_train_result",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'specbias.validation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # static analysers and IDEs see the eager imports
    from ._experiment import PRESETS as PRESETS
    from ._experiment import CurveResult as CurveResult
    from ._experiment import ValidationConfig as ValidationConfig
    from ._experiment import ValidationResult as ValidationResult
    from ._experiment import run_validation as run_validation
    from ._fit import PowerLawFit as PowerLawFit
    from ._fit import beta_in_ci as beta_in_ci
    from ._fit import fit_power_law as fit_power_law
    from ._flow import FlowResult as FlowResult
    from ._flow import tangent_gram as tangent_gram
    from ._flow import train_flow as train_flow
    from ._fluctuations import FluctuationFit as FluctuationFit
    from ._fluctuations import FluctuationResult as FluctuationResult
    from ._fluctuations import fluctuations as fluctuations
    from ._gap import ExponentGap as ExponentGap
    from ._gap import exponent_gap as exponent_gap
    from ._hessian import HessianSpectrum as HessianSpectrum
    from ._hessian import gauss_newton_spectrum as gauss_newton_spectrum
    from ._hessian import hessian_spectrum as hessian_spectrum
    from ._hessian_experiment import HessianReport as HessianReport
    from ._hessian_experiment import hessian_experiment as hessian_experiment
    from ._hessian_experiment import sample_blobs as sample_blobs
    from ._hessian_outliers import predicted_outliers as predicted_outliers
    from ._jamming import JammingPoint as JammingPoint
    from ._jamming import JammingRun as JammingRun
    from ._jamming import WidthSweep as WidthSweep
    from ._jamming import find_jamming as find_jamming
    from ._jamming import width_sweep as width_sweep
    from ._jamming_data import jamming_data as jamming_data
    from ._jamming_sat import SatCurve as SatCurve
    from ._jamming_sat import cover_probability as cover_probability
    from ._jamming_study import JammingStudy as JammingStudy
    from ._jamming_study import jamming_study as jamming_study
    from ._jamming_train import HingeFit as HingeFit
    from ._jamming_train import fit_hinge as fit_hinge
    from ._limits import KernelRegression as KernelRegression
    from ._limits import VariationNormFit as VariationNormFit
    from ._limits import kernel_regression as kernel_regression
    from ._limits import min_variation_norm_interpolation as min_variation_norm_interpolation
    from ._network import NetConfig as NetConfig
    from ._network import Params as Params
    from ._network import apply as apply
    from ._network import empirical_ntk as empirical_ntk
    from ._network import init_ensemble as init_ensemble
    from ._network import init_params as init_params
    from ._network import learning_rate_scale as learning_rate_scale
    from ._network import mse_loss as mse_loss
    from ._observables import ATOM_THRESHOLD as ATOM_THRESHOLD
    from ._observables import observables as observables
    from ._plot import plot_validation as plot_validation
    from ._sphere import sample_sphere as sample_sphere
    from ._sphere import sample_sphere_np as sample_sphere_np
    from ._store import ResultStore as ResultStore
    from ._store import Run as Run
    from ._store import run_key as run_key
    from ._targets_sample import TargetSample as TargetSample
    from ._targets_sample import sample_target as sample_target
    from ._targets_sample import target_variance as target_variance
    from ._train import train as train
    from ._train import train_ensemble as train_ensemble
    from ._train_reference import train_reference as train_reference
    from ._train_result import STOP_REASONS as STOP_REASONS
    from ._train_result import TrainResult as TrainResult
