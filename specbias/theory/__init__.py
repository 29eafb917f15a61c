"""Theory layer: learning-curve exponents from spectra (never imports JAX)."""

from ._predict import Prediction as Prediction
from ._predict import RegimePrediction as RegimePrediction
from ._predict import exponent as exponent
from ._predict import predict as predict
