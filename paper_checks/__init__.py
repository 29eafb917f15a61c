"""Paper checks: published claims recomputed from specbias' spectra and theory.

Each check is one module defining ``CHECK`` (a :class:`PaperCheck`); adding a check
means writing its module and listing it in ``_CHECKS`` below.  Run them all with
``specbias check`` or::

    >>> from specbias.paper_checks import all_checks
    >>> "bietti_mairal_2019" in [c.name for c in all_checks()]
    True
"""

from __future__ import annotations

from specbias import InputError

from . import (
    bietti_mairal_2019,
    geiger_2019,
    ghorbani_mei_2019,
    mei_montanari_2019,
    petrini_cagnetta_vanden_eijnden_wyart_2022,
    sagun_2017,
    spigler_geiger_dascoli_2018_jamming,
    spigler_geiger_wyart_2019,
)
from ._check import CheckResult as CheckResult
from ._check import PaperCheck as PaperCheck

_CHECKS: tuple[PaperCheck, ...] = (
    bietti_mairal_2019.CHECK,
    spigler_geiger_wyart_2019.CHECK,
    ghorbani_mei_2019.CHECK,
    petrini_cagnetta_vanden_eijnden_wyart_2022.CHECK,
    mei_montanari_2019.CHECK,
    geiger_2019.CHECK,
    spigler_geiger_dascoli_2018_jamming.CHECK,
    sagun_2017.CHECK,
)


def all_checks() -> tuple[PaperCheck, ...]:
    """Every registered check, in a fixed order."""
    return _CHECKS


def get_check(name: str) -> PaperCheck:
    """The check called ``name`` (:class:`~specbias.InputError` if there is none)."""
    for check in _CHECKS:
        if check.name == name:
            return check
    known = ", ".join(c.name for c in _CHECKS)
    raise InputError(f"unknown paper check {name!r}; known: {known}")
