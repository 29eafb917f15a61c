"""The kernel-family registry: one module per family, one line per family in :data:`FAMILIES`.

Each module exports a frozen :class:`~._base.Family` record (parameter schema, phi in
numpy/mpmath/sympy, float64 log-space eigenvalues with per-k errors, exact and symbolic
eigenvalues, decay law, parity); :func:`specbias.spectra.eigenvalues`,
:func:`~specbias.spectra.exact_eigenvalue`, :func:`~specbias.spectra.decay_law` and
:func:`~specbias.spectra.kernel` only dispatch through it.  Adding a family is one module
plus one line here.  Convention: :mod:`specbias.spectra._conventions`.

>>> [f.name for f in FAMILIES][:4]
['relu', 'step', 'relu-power', 'abs-power']
>>> family("ntk").params[0].key
'depth'
"""

from __future__ import annotations

from ..._errors import InputError
from ._base import Family, Numeric, Param
from .abs_power_rf import ABS_POWER_RF
from .activation import ACTIVATIONS
from .arccos import ARCCOS0, ARCCOS1, ARCCOS2
from .dual import NNGP, NTK_ACT
from .expr import EXPR
from .gaussian import GAUSSIAN
from .laplace import LAPLACE
from .ntk_bias import NTK_BIAS
from .relu_bias import RELU_BIAS
from .relu_power import ABS_POWER, RELU, RELU_POWER, STEP

#: Every kernel family, in the order of :data:`specbias.KERNEL_NAMES`.
FAMILIES: tuple[Family, ...] = (
    RELU,
    STEP,
    RELU_POWER,
    ABS_POWER,
    ABS_POWER_RF,
    ARCCOS0,
    ARCCOS1,
    ARCCOS2,
    NTK_ACT,
    NTK_BIAS,
    LAPLACE,
    GAUSSIAN,
    EXPR,
    NNGP,
    *ACTIVATIONS,
    RELU_BIAS,
)

_BY_NAME = {f.name: f for f in FAMILIES}
NAMES = tuple(_BY_NAME)


def family(name: str) -> Family:
    """The registered family called ``name`` (InputError when there is none)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InputError(f"unknown kernel {name!r}; known: {', '.join(NAMES)}") from None


__all__ = ["FAMILIES", "NAMES", "Family", "Numeric", "Param", "family"]
