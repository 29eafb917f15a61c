r"""The jamming transition of a bias-free one-hidden-layer net (arXiv 1810.09665).

Spigler, Geiger, d'Ascoli, Sagun, Biroli, Wyart: trained with the quadratic hinge loss
(:mod:`._jamming_train`), a net of N parameters fits P labelled points to zero loss
only above a sharp threshold N* proportional to P.  Below it the minimizer is
"jammed": a finite fraction ``N_Delta / N >= ~1/2`` of the margins stays unsatisfied
(a stable minimum needs at least of order N active constraints).  Near N* the test
error of one net has a cusp, caused by the fluctuations of the output between
initializations; averaging the outputs of an ensemble removes it.

Two sweeps, both over the width H at fixed data (N = H d):

* :func:`find_jamming`: N* by two definitions.  ``N*_1/2`` (the one compared across P):
  the width where the fraction of runs at zero loss, pooled over data sets and
  initializations, crosses 1/2, interpolated between widths (:mod:`._jamming_sat`).
  ``N*_all`` (kept and reported): per data set the smallest N whose ``seeds``
  initializations all reach zero loss, found by bracketing and bisection in H (a width
  is declared stuck at its first stuck run), averaged over data sets; a maximum over
  runs, it sits on the upper tail of the transition and grows with the run count.  Every
  seed is run at the first stuck width H*_all - 1 for ``N_Delta / N``.  Both assume the
  SAT probability increases with H, as at jamming.
* :func:`width_sweep`: at given widths, ``ensemble`` initializations each; the mean
  single-net test error, the error of the averaged output ``sign(mean_e f_e)``, and the
  fraction of runs at zero loss.

Each trained net is one row of the resumable store (``store=``), keyed by task, P, d,
width, data seed, initialization index, activation and budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from .._budget import check_time
from .._errors import InputError
from ._jamming_data import LabelledData, jamming_data
from ._jamming_sat import SatCurve, sat_curve
from ._jamming_train import fit_hinge

#: refused above these without allow_large (sizes of one sweep)
MAX_P, MAX_WIDTH, MAX_RUNS, MAX_D = 4096, 2048, 256, 64
#: typical loss-and-gradient calls of one run (measured: ~200 well above N*, ~10^4 stuck)
TYPICAL_EVALUATIONS = 2_000


class JammingRun(NamedTuple):
    """One trained net of a sweep (the row stored per run)."""

    task: str
    P: int
    d: int
    split: int
    width: int
    init: int
    loss: float
    n_unsatisfied: int
    converged: bool
    gaps: np.ndarray  # (P,) h = y f - 1
    test_error: float
    seconds: float
    f_test: np.ndarray  # (n_test,) outputs on the test set

    @property
    def n_params(self) -> int:
        return self.width * self.d

    @property
    def zero_loss(self) -> bool:
        return self.n_unsatisfied == 0


#: observables of a run kept in the store, in JammingRun's order
_STORED = ("loss", "n_unsatisfied", "converged", "gaps", "test_error", "seconds", "f_test")


def check_search(P, d, seeds, datasets, max_evaluations, allow_large, guess_ratio=2.2) -> int:
    """The first width of :func:`find_jamming`'s search, once its sizes are checked."""
    if not (d >= 2 and P >= 1):  # before the first guess divides by d
        raise InputError(f"jamming: need d >= 2 and P >= 1, got d={d!r}, P={P!r}")
    if not (isinstance(guess_ratio, (int, float)) and guess_ratio > 0):
        raise InputError(f"jamming: guess_ratio must be > 0, got {guess_ratio!r}")
    guess = max(1, math.ceil(P / (guess_ratio * d)))
    _check_sizes(P, d, [guess] * 6, seeds * datasets, max_evaluations, allow_large, "jamming sweep")
    return guess


def _check_sizes(P, d, widths, seeds, max_evaluations, allow_large, what) -> None:
    ok = 1 <= P <= MAX_P and 2 <= d <= MAX_D and 1 <= seeds <= MAX_RUNS
    if not allow_large and not (ok and 1 <= max(widths) <= MAX_WIDTH and min(widths) >= 1):
        raise InputError(
            f"{what}: need 1 <= P <= {MAX_P}, 2 <= d <= {MAX_D}, 1 <= widths <= {MAX_WIDTH}, "
            f"1 <= runs per width <= {MAX_RUNS}; got P={P}, d={d}, widths up to {max(widths)}, "
            f"runs per width={seeds} (allow_large=True lifts the limits)"
        )
    if min(widths) < 1 or seeds < 1 or max_evaluations < 1:
        raise InputError(f"{what}: widths, seeds and max_evaluations must be >= 1")
    # seconds per loss-and-gradient call, measured on 2 loaded cores, summed over widths
    per_eval = sum(1e-4 + 3e-9 * P * w * d for w in widths)
    check_time(
        seeds * min(max_evaluations, TYPICAL_EVALUATIONS) * per_eval, what, allow_large=allow_large
    )


def _config(data, width, init, seed, split, noise, activation, max_evaluations) -> dict:
    return {
        "kind": "jamming",
        "task": data.task,
        "P": data.P,
        "d": data.d,
        "n_test": int(data.x_test.shape[0]),
        "noise": float(noise),
        "data_seed": int(seed),
        "split": int(split),
        "width": int(width),
        "init": int(init),
        "activation": activation,
        "max_evaluations": int(max_evaluations),
    }


def train_run(
    data: LabelledData,
    width: int,
    init: int,
    *,
    seed: int,
    split: int = 0,
    noise: float = 0.0,
    activation: str = "leaky-relu",
    max_evaluations: int = 30_000,
    store=None,
) -> JammingRun:
    """Train initialization ``init`` at width H on ``data`` (or read it from ``store``).

    ``data`` must be the draw of ``(seed, split)`` (:func:`draw_data`): the pair keys the
    stored row; the initialization is drawn from ``(seed, P, split, width, init)``.
    """
    config = _config(data, width, init, seed, split, noise, activation, max_evaluations)
    stored = None if store is None else store.get(config)
    head = (data.task, data.P, data.d, split, width, init)
    if stored is not None:
        return run_from_observables(head, stored.observables)
    rng = np.random.default_rng([seed, data.P, split, width, init, 1])
    with threadpool_limits(1, user_api="blas"):  # tiny products: threads only cost
        fit = fit_hinge(
            data.x, data.y, width, rng=rng, activation=activation, max_evaluations=max_evaluations
        )
    f_test = fit.predict(data.x_test)
    error = float(np.mean(np.sign(f_test) != data.y_test))
    run = JammingRun(
        *head, fit.loss, fit.n_unsatisfied, fit.converged, fit.gaps, error, fit.seconds, f_test
    )
    if store is not None:
        store.put(config, run_observables(run))
    return run


def run_observables(run: JammingRun) -> dict:
    """The stored observables of a run (:func:`run_from_observables` reads them back)."""
    return {k: getattr(run, k) for k in _STORED} | {"n_params": run.n_params}


def run_from_observables(head: tuple, o: dict) -> JammingRun:
    """The run ``head = (task, P, d, split, width, init)`` from its stored observables."""
    return JammingRun(
        *head,
        *(o[k] for k in _STORED[:3]),
        np.asarray(o["gaps"]),
        o["test_error"],
        o["seconds"],
        np.asarray(o["f_test"]),
    )


class JammingPoint(NamedTuple):
    """Result of :func:`find_jamming` at one P: H* of each data set and every run."""

    task: str
    P: int
    d: int
    seeds: int
    width_stars: tuple[int, ...]  # per data set: smallest width whose runs all reach zero
    runs: list[JammingRun]  # every run trained, in order
    sat: SatCurve  # pooled SAT fraction at the widths walked to its 1/2 point

    @property
    def n_star(self) -> float:
        """``N*_all = d mean_k H*_k``: all runs at zero loss (mean over the data sets)."""
        return float(np.mean(self.width_stars)) * self.d

    @property
    def ratio(self) -> float:
        """``P / N*_all``."""
        return self.P / self.n_star

    @property
    def n_half(self) -> float:
        """``N*_1/2 = d H_1/2``: where the pooled SAT fraction crosses 1/2 (interpolated)."""
        return self.sat.width_half * self.d

    @property
    def ratio_half(self) -> float:
        """``P / N*_1/2`` (the definition the paper check compares across P)."""
        return self.P / self.n_half

    def at(self, width: int, split: int | None = None) -> list[JammingRun]:
        return [r for r in self.runs if r.width == width and split in (None, r.split)]

    def first_stuck(self) -> list[JammingRun]:
        """Runs at the first stuck width ``H*_k - 1`` of each data set k (``N*_all``)."""
        return [r for k, h in enumerate(self.width_stars) for r in self.at(h - 1, k)]

    @property
    def stuck_fraction(self) -> float:
        """``N_Delta / N`` averaged over the stuck runs at the widths ``H*_k - 1``."""
        return _stuck_mean(self.first_stuck())

    @property
    def width_below_half(self) -> int:
        """``H_-``: the widest width whose SAT fraction is below 1/2 (just below N*_1/2)."""
        return math.ceil(self.sat.width_half) - 1

    def below_half(self) -> list[JammingRun]:
        """Every run (all data sets and seeds) at ``H_-``."""
        return self.at(self.width_below_half)

    @property
    def stuck_fraction_half(self) -> float:
        """``N_Delta / N`` averaged over the stuck runs at ``H_-`` (just below N*_1/2)."""
        return _stuck_mean(self.below_half())


def _stuck_mean(runs) -> float:
    stuck = [r for r in runs if not r.zero_loss]
    return float(np.mean([r.n_unsatisfied / r.n_params for r in stuck])) if stuck else 0.0


def _smallest_zero_width(all_zero, guess: int, limit: int) -> int:
    """Smallest H >= 1 with ``all_zero(H)``, assumed monotone: gallop from ``guess`` in
    steps 1, 2, 4, ... to a bracket, then bisect (few calls when the guess is close)."""
    lo, hi, step = 0, None, 1  # invariant: lo is stuck (0: no net), hi reaches zero
    if all_zero(guess):
        hi = guess
        while hi - step > lo:
            if not all_zero(hi - step):
                lo = hi - step
                break
            hi, step = hi - step, 2 * step
    else:
        lo = guess
        while hi is None:
            if lo + step > limit:
                raise InputError(f"jamming sweep: no zero loss up to width {limit}")
            if all_zero(lo + step):
                hi = lo + step
            else:
                lo, step = lo + step, 2 * step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if all_zero(mid) else (mid, hi)
    return hi


def find_jamming(
    P: int,
    *,
    task: str = "random",
    d: int = 8,
    seeds: int = 4,
    datasets: int = 1,
    seed: int = 0,
    noise: float = 0.0,
    activation: str = "leaky-relu",
    max_evaluations: int = 30_000,
    guess_ratio: float = 2.2,
    store=None,
    allow_large: bool = False,
) -> JammingPoint:
    """N* at fixed P by two definitions: all runs at zero loss, and the SAT-fraction 1/2 point.

    ``N*_all``: per data set, the smallest H whose ``seeds`` runs all reach zero loss.
    The search starts at ``H = ceil(P / (guess_ratio d))`` (then at the previous data
    set's H*), gallops to a bracket and bisects; a width is stuck at its first stuck run.
    The first stuck width H*_k - 1 is then completed over all seeds, for N_Delta / N.

    ``N*_1/2`` (:mod:`._jamming_sat`): every run of every data set is trained at the
    widths of a walk, from just below the median H*_k, to the bracket where the pooled
    SAT fraction crosses 1/2, interpolated linearly.  Runs already trained are reused.

    Examples:
        >>> pt = find_jamming(24, d=4, seeds=2)
        >>> h = pt.width_stars[0]
        >>> all(r.zero_loss for r in pt.at(h)) and not all(r.zero_loss for r in pt.at(h - 1))
        True
        >>> pt.sat.widths[0] <= pt.sat.width_half <= h
        True
    """
    guess = check_search(P, d, seeds, datasets, max_evaluations, allow_large, guess_ratio)
    limit = 1 << 30 if allow_large else MAX_WIDTH
    data = [
        draw_data(task, P, d, seed=seed, split=k, n_test=200, noise=noise) for k in range(datasets)
    ]
    trained: dict[tuple[int, int, int], JammingRun] = {}

    def train(k: int, width: int, init: int) -> JammingRun:
        if (k, width, init) not in trained:
            trained[k, width, init] = train_run(
                data[k],
                width,
                init,
                seed=seed,
                split=k,
                noise=noise,
                activation=activation,
                max_evaluations=max_evaluations,
                store=store,
            )
        return trained[k, width, init]

    stars: list[int] = []
    for k in range(datasets):

        def all_zero(width: int, k=k) -> bool:
            return all(train(k, width, s).zero_loss for s in range(seeds))  # stops early

        h = _smallest_zero_width(all_zero, stars[-1] if stars else guess, limit)
        stars.append(h)
        for s in range(seeds) if h > 1 else ():
            train(k, h - 1, s)

    def fraction(width: int) -> float:
        runs = [train(k, width, s) for k in range(datasets) for s in range(seeds)]
        return float(np.mean([r.zero_loss for r in runs]))

    sat = sat_curve(fraction, int(np.median(stars)) - 1, limit, datasets * seeds)
    return JammingPoint(task, P, d, seeds, tuple(stars), list(trained.values()), sat)


class WidthSweep(NamedTuple):
    """Result of :func:`width_sweep`: per width, over data splits and initializations."""

    task: str
    P: int
    d: int
    widths: np.ndarray
    single_error: np.ndarray  # mean over splits and initializations of one net's error
    single_se: np.ndarray  # its standard error (over all runs)
    ensemble_error: np.ndarray  # error of sign(mean_e f_e), averaged over splits
    zero_fraction: np.ndarray  # fraction of runs at zero training loss
    n_delta: np.ndarray  # mean N_Delta
    runs: list[JammingRun]

    @property
    def n_params(self) -> np.ndarray:
        return self.widths * self.d

    @property
    def width_star(self) -> int | None:
        """Smallest swept width with every run at zero loss (None if none)."""
        ok = self.widths[self.zero_fraction == 1.0]
        return int(ok.min()) if ok.size else None


def draw_data(task, P, d, *, seed, split=0, n_test=1000, noise=0.0) -> LabelledData:
    """The data set ``split`` of a sweep with seed ``seed`` (numpy seed ``[seed, P, split]``)."""
    rng = np.random.default_rng([seed, P, split])
    return jamming_data(task, P, d, rng=rng, n_test=n_test, noise=noise)


def width_sweep(
    task: str,
    P: int,
    widths: Sequence[int],
    *,
    ensemble: int = 8,
    splits: int = 1,
    d: int = 8,
    seed: int = 0,
    noise: float = 0.0,
    n_test: int = 1000,
    activation: str = "leaky-relu",
    max_evaluations: int = 30_000,
    store=None,
    allow_large: bool = False,
) -> WidthSweep:
    """Single-net and ensemble test errors at each width, averaged over ``splits`` data sets.

    Examples:
        >>> sw = width_sweep("teacher", 32, [1, 8], ensemble=2, d=4, n_test=50)
        >>> sw.widths.tolist(), bool(sw.zero_fraction[-1] == 1.0)
        ([1, 8], True)
    """
    widths = sorted({int(w) for w in widths})
    _check_sizes(P, d, widths, ensemble * splits, max_evaluations, allow_large, "test-error sweep")
    data = [
        draw_data(task, P, d, seed=seed, split=k, n_test=n_test, noise=noise) for k in range(splits)
    ]
    kw = {"noise": noise, "activation": activation, "max_evaluations": max_evaluations}
    runs = {
        (width, k, e): train_run(dk, width, e, seed=seed, split=k, store=store, **kw)
        for width in widths
        for k, dk in enumerate(data)
        for e in range(ensemble)
    }
    return sweep_from_runs(task, P, d, widths, data, ensemble, runs)


def sweep_from_runs(task, P, d, widths, data, ensemble, runs) -> WidthSweep:
    """The :class:`WidthSweep` of ``runs[(width, split, init)]`` on the splits ``data``."""
    rows, ordered = [], []
    for width in widths:
        at, ens = [], []
        for k, dk in enumerate(data):
            members = [runs[(width, k, e)] for e in range(ensemble)]
            mean_f = np.mean([r.f_test for r in members], axis=0)
            ens.append(np.mean(np.sign(mean_f) != dk.y_test))
            at += members
        ordered += at
        err = np.array([r.test_error for r in at])
        rows.append(
            (
                err.mean(),
                err.std(ddof=1) / math.sqrt(err.size) if err.size > 1 else 0.0,
                float(np.mean(ens)),
                np.mean([r.zero_loss for r in at]),
                np.mean([r.n_unsatisfied for r in at]),
            )
        )
    cols = [np.array(c, dtype=float) for c in zip(*rows, strict=True)]
    return WidthSweep(task, P, d, np.array(widths), *cols, ordered)
