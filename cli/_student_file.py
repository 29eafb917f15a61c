"""``--student-spectrum FILE``: a student kernel's eigenvalues read from CSV, .npy or .json.

Formats (one degree per row, k = 0, 1, ..., K; convention of ``specbias spectrum``:
uniform measure, multiplicity not included in mu):

* ``.csv``: header row ``mu,multiplicity``, then one row per degree (the
  multiplicity is checked against N(d,k)); the ``specbias spectrum --csv`` file
  (k, multiplicity, value, ...) is accepted as it is;
* ``.npy``: a 1-D array of mu_k, or a (K+1, 2) array of (mu_k, multiplicity) rows;
* ``.json``: ``{"mu": [...], "multiplicity": [...], "trace": optional}``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

import specbias
from specbias.theory._student import ROWS_MAX, StudentSpectrum, student_spectrum

#: Largest file read (bytes): ROWS_MAX rows of two numbers as text, with room.
FILE_BYTES_MAX = 100 * ROWS_MAX
FORMATS = (".csv", ".npy", ".json")


def read_student_spectrum(path: str, d: int, trace: float | None = None) -> StudentSpectrum:
    """The :class:`StudentSpectrum` in ``path`` (see the module docstring for formats).

    ``trace`` (the CLI's ``--student-trace``) overrides a trace stored in a JSON file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise specbias.InputError(
            f"--student-spectrum file must end in {', '.join(FORMATS)}, got {p.name or path!r}"
        )
    if not p.is_file():
        raise specbias.InputError(f"--student-spectrum: no such file {path}")
    size = p.stat().st_size
    if size > FILE_BYTES_MAX:
        raise specbias.InputError(
            f"--student-spectrum: {path} has {size} bytes, above the limit {FILE_BYTES_MAX}"
        )
    try:
        if suffix == ".csv":
            mu, mult, stored = _read_csv(p)
        elif suffix == ".npy":
            mu, mult, stored = _read_npy(p)
        else:
            mu, mult, stored = _read_json(p)
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as err:
        raise specbias.InputError(f"--student-spectrum: cannot read {path}: {err}") from None
    return student_spectrum(
        mu, mult, d=d, trace=trace if trace is not None else stored, name=f"student:{p.name}"
    )


def _read_csv(p: Path):
    """Header ``mu,multiplicity``; the CSV of ``specbias spectrum --csv`` (columns k,
    multiplicity, value, ...) is read too, its ``value`` column being mu_k."""
    with open(p, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head = [c.strip().lower() for c in rows[0]] if rows else []
    mu_col = "mu" if "mu" in head else "value" if "k" in head and "value" in head else None
    if mu_col is None or "multiplicity" not in head:
        raise ValueError("the first row must be the header mu,multiplicity")
    i_mu, i_m = head.index(mu_col), head.index("multiplicity")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    for i, r in enumerate(body):
        if len(r) != len(head):
            raise ValueError(f"row {i + 2} has {len(r)} fields, expected {len(head)}")
        if "k" in head and int(r[head.index("k")]) != i:
            raise ValueError(f"row {i + 2} is degree k = {r[head.index('k')]}, expected {i}")
    return [float(r[i_mu]) for r in body], [float(r[i_m]) for r in body], None


def _read_npy(p: Path):
    arr = np.load(p, allow_pickle=False)
    if arr.ndim == 1:
        return arr, None, None
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 0], arr[:, 1], None
    raise ValueError(f"array of shape {arr.shape}: expected (K+1,) or (K+1, 2)")


def _read_json(p: Path):
    obj = json.loads(p.read_text(encoding="utf-8"))
    if not isinstance(obj, dict) or "mu" not in obj:
        raise ValueError('expected an object {"mu": [...], "multiplicity": [...]}')
    return obj["mu"], obj.get("multiplicity"), obj.get("trace")
