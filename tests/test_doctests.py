"""The doctests of specbias.spectra and specbias.theory run, and public docstrings are complete.

Every module of the two packages (families included) is run through :mod:`doctest`
(ELLIPSIS, NORMALIZE_WHITESPACE), so the examples in the docs stay true.  Modules whose
examples build a Hermite series at 55 digits (seconds each) run in the slow job.  Every
public function and class re-exported by the two packages carries Args, Returns, an
Example and References (arXiv), as optax's docstrings do.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import specbias.spectra
import specbias.theory

PACKAGES = (specbias.spectra, specbias.theory)
MODULES = [
    name
    for pkg in PACKAGES
    for name in (
        pkg.__name__,
        *(m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")),
    )
]
#: Examples that compute a 55-digit Hermite series (a few seconds each): slow job.
SLOW = {"specbias.spectra.families._hermite", "specbias.spectra.families.dual"}
SECTIONS = ("Args", "Returns", "Example", "References")


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in MODULES],
)
def test_module_doctests(name):
    mod = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(mod, optionflags=flags, report=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_doctests_exist():
    """The modules carry examples (a parser that found none would pass vacuously)."""
    counts = {}
    for name in MODULES:
        finder = doctest.DocTestFinder()
        counts[name] = sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert sum(counts.values()) > 100
    assert counts["specbias.spectra._exact"] > 5 and counts["specbias.theory._predict"] > 5


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.__name__)
def test_public_docstrings_have_all_sections(pkg):
    missing = []
    for name in pkg.__all__ if hasattr(pkg, "__all__") else dir(pkg):
        obj = getattr(pkg, name)
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        doc = inspect.getdoc(obj) or ""
        gaps = [s for s in SECTIONS if s not in doc]
        if "arXiv" not in doc:
            gaps.append("arXiv")
        if gaps:
            missing.append(f"{name}: {', '.join(gaps)}")
    assert not missing, missing
