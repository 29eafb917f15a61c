"""The jamming study of arXiv 1810.09665 in one call: N* at several P, and the test error.

:func:`jamming_study` runs :func:`~._jamming.find_jamming` at each P (random labels by
default) and, optionally, :func:`~._jamming.width_sweep` on a learnable task (by default
a teacher on the sphere with 10% of the labels flipped) to show the test-error cusp at
N* and its removal by an ensemble.  Digit parity (``sweep_task="digits"``) shows no
cusp at d = 8, P = 512: its single-net error only levels off before N* (README).
``PRESETS`` holds the sizes: ``"check"`` is the paper check (minutes on 2 cores),
``"large"`` the version for a big machine (more P, seeds and ensemble members).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .._errors import InputError
from ._checks import check_int
from ._jamming import (
    JammingPoint,
    WidthSweep,
    _check_sizes,
    check_search,
    find_jamming,
    width_sweep,
)
from ._jamming_units import run_study_units
from ._schedule import available_cpus

#: widths of the test-error sweep (teacher with 10% flipped labels, d = 8, P = 256: H* ~ 12):
#: three below N*, a fine grid around it and two far above (the large-width level)
CHECK_WIDTHS = (4, 8, 10, 12, 14, 16, 24, 48, 96)
PRESETS: dict[str, dict] = {
    "check": {
        "P": (128, 256),
        "d": 4,
        "seeds": 3,
        "datasets": 3,
        "sweep_task": "teacher",
        "sweep_P": 256,
        "sweep_d": 8,
        "sweep_noise": 0.1,
        "widths": CHECK_WIDTHS,
        "ensemble": 10,
        "splits": 2,
        "n_test": 4000,
    },
    "large": {
        "P": (128, 256, 512, 1024),
        "d": 4,
        "seeds": 10,
        "datasets": 10,
        "sweep_task": "teacher",
        "sweep_P": 512,
        "sweep_d": 8,
        "sweep_noise": 0.1,
        "widths": (*range(2, 33, 2), 40, 48, 64, 96, 128, 192, 256),
        "ensemble": 20,
        "splits": 5,
        "n_test": 10_000,
    },
}


class JammingStudy(NamedTuple):
    """N* at each P (``points``) and the test-error sweep (``sweep``, or None)."""

    points: list[JammingPoint]
    sweep: WidthSweep | None

    def to_dict(self) -> dict:
        """JSON-friendly summary: per P the jamming point and N_Delta/N of every run,
        per swept width the errors; margins as the gaps of the stuck runs at H* - 1."""
        points = [
            {
                "task": p.task,
                "P": p.P,
                "d": p.d,
                "seeds": p.seeds,
                "width_stars": list(p.width_stars),
                "N_star_definition": (
                    "N_star_half: d times the width where the SAT fraction (runs at zero loss, "
                    "pooled over data sets and initializations) crosses 1/2, interpolated; "
                    "N_star_all: d times the mean over data sets of the smallest width whose "
                    "runs all reach zero loss"
                ),
                "N_star_half": p.n_half,
                "P_over_N_star_half": p.ratio_half,
                "sat_widths": list(p.sat.widths),
                "sat_fraction": list(p.sat.fraction),
                "sat_runs_per_width": p.sat.runs,
                "N_star_all": p.n_star,
                "P_over_N_star_all": p.ratio,
                "width_below_half": p.width_below_half,
                "N_delta_over_N_below_half": p.stuck_fraction_half,
                "N_delta_over_N_first_stuck_all": p.stuck_fraction,
                "runs": [
                    {
                        "split": r.split,
                        "width": r.width,
                        "init": r.init,
                        "N": r.n_params,
                        "loss": r.loss,
                        "N_delta": r.n_unsatisfied,
                        "converged": r.converged,
                        "seconds": r.seconds,
                    }
                    for r in p.runs
                ],
                "gaps_below_half": [r.gaps.tolist() for r in p.below_half() if not r.zero_loss],
            }
            for p in self.points
        ]
        sweep = None
        if self.sweep is not None:
            s = self.sweep
            sweep = {
                "task": s.task,
                "P": s.P,
                "d": s.d,
                "width_star": s.width_star,
                "runs_per_width": len(s.runs) // len(s.widths),
                "rows": [
                    {
                        "width": int(w),
                        "N": int(w) * s.d,
                        "single_error": float(s.single_error[i]),
                        "single_se": float(s.single_se[i]),
                        "ensemble_error": float(s.ensemble_error[i]),
                        "zero_fraction": float(s.zero_fraction[i]),
                        "N_delta": float(s.n_delta[i]),
                    }
                    for i, w in enumerate(s.widths)
                ],
            }
        return {"points": points, "sweep": sweep}


def jamming_study(
    P: Sequence[int] = PRESETS["check"]["P"],
    *,
    task: str = "random",
    d: int = 4,
    seeds: int = 3,
    datasets: int = 3,
    seed: int = 0,
    sweep_task: str | None = "teacher",
    sweep_P: int = 256,
    sweep_d: int | None = 8,
    sweep_noise: float = 0.1,
    widths: Sequence[int] = CHECK_WIDTHS,
    ensemble: int = 10,
    splits: int = 2,
    n_test: int = 4000,
    activation: str = "leaky-relu",
    max_evaluations: int = 30_000,
    store=None,
    allow_large: bool = False,
    jobs: int = 1,
    client=None,
    progress=None,
) -> JammingStudy:
    """N* at each P (input dimension ``d``), then (``sweep_task`` not None) the test-error
    sweep (input dimension ``sweep_d``; None: ``d``).

    Why d = 4 for N* and 8 for the sweep (presets): P/N* is a large-N statement, and at the
    check's P = 128 and 256 the transition has ~8-13 hidden units at d = 8 but ~16-32 at
    d = 4 (P/d = 32-64 points per input dimension): measured, P/N*_1/2 drifts by ~20-25%
    between P = 128 and 256 at d = 8 and by ~5% at d = 4 (README).  The test-error cusp
    needs a learnable task with room for a rising and a decaying side; its widths are
    chosen for d = 8.

    By default every run is trained here, in order, and stored as it finishes.  With
    ``jobs > 1`` local processes or a Dask ``client``, the searches (one unit per P)
    and the sweep's runs (one unit per width, split and initialization) run at once
    on them (:mod:`._jamming_units`; ``progress(done, total, description)`` counts
    those units); the results are the same, bit for bit.

    Examples:
        >>> st = jamming_study((16,), d=4, seeds=2, sweep_task=None)
        >>> [p.P for p in st.points], st.sweep is None
        ([16], True)
    """
    common = {
        "seed": seed,
        "activation": activation,
        "max_evaluations": max_evaluations,
        "store": store,
        "allow_large": allow_large,
    }
    P = [int(p) for p in P]
    jobs = check_int("jobs", jobs, 1)
    if jobs > 4 * available_cpus():
        raise InputError(f"jobs = {jobs} is above 4x the CPUs of this machine")
    sweep_dim = d if sweep_d is None else sweep_d
    # every search and the sweep are sized before the first training (a refusal of the
    # sweep's sizes must not come after minutes of searches)
    for p in P:
        check_search(p, d, seeds, datasets, max_evaluations, allow_large)
    if sweep_task is not None:
        runs = check_int("ensemble", ensemble, 1) * check_int("splits", splits, 1)
        widths_ = sorted({check_int("width", w, 1) for w in widths})
        _check_sizes(
            check_int("sweep_P", sweep_P, 1), sweep_dim, widths_, runs, max_evaluations,
            allow_large, "test-error sweep",
        )  # fmt: skip
    if client is not None or jobs > 1:
        search_kw = {**common, "task": task, "d": d, "seeds": seeds, "datasets": datasets}
        search_kw.pop("store")
        sweep_kw = None
        if sweep_task is not None:
            sweep_kw = {**search_kw, "task": sweep_task, "P": sweep_P, "widths": widths}
            sweep_kw.update(ensemble=ensemble, splits=splits, noise=sweep_noise, n_test=n_test)
            sweep_kw["d"] = sweep_dim
            del sweep_kw["seeds"], sweep_kw["datasets"]
        points, sweep = run_study_units(
            P, search_kw, sweep_kw, store=store, client=client, jobs=jobs, progress=progress
        )
        return JammingStudy(points, sweep)
    points = [find_jamming(p, task=task, d=d, seeds=seeds, datasets=datasets, **common) for p in P]
    sweep = None
    if sweep_task is not None:
        sweep = width_sweep(
            sweep_task,
            sweep_P,
            widths,
            ensemble=ensemble,
            splits=splits,
            noise=sweep_noise,
            n_test=n_test,
            d=sweep_dim,
            **common,
        )
    return JammingStudy(points, sweep)
