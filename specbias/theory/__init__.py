"""Theory layer: learning-curve exponents and curves from spectra (never imports JAX)."""

from ._double_descent import DoubleDescent as DoubleDescent
from ._double_descent import activation_constants as activation_constants
from ._double_descent import double_descent as double_descent
from ._learning_curve import TEST_ERROR_DEFINITION as TEST_ERROR_DEFINITION
from ._learning_curve import LearningCurve as LearningCurve
from ._learning_curve import learning_curve as learning_curve
from ._learning_curve import solve_kappa as solve_kappa
from ._predict import Prediction as Prediction
from ._predict import RegimePrediction as RegimePrediction
from ._predict import exponent as exponent
from ._predict import predict as predict
from ._rf_simulation import simulate_random_features as simulate_random_features
from ._staircase import learned_degrees as learned_degrees
from ._staircase import staircase as staircase
from ._targets import Target as Target
from ._targets import constant_target as constant_target
from ._targets import smooth_target as smooth_target
from ._targets import spectrum_target as spectrum_target
from ._targets import teacher_target as teacher_target
