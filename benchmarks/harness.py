"""Timing a fit to a target objective gap, one forked process per fit.

Each fit runs in a child process forked from the benchmark (the data are
shared, not copied): the parent can stop a fit that runs past its time
budget, and every fit starts from the same warm state. Threads are limited
with threadpoolctl inside the child, for BLAS and OpenMP alike.

Time is the child's CPU time by default: with one thread it equals the wall
time of an idle machine, and unlike wall time it does not grow when other
programs share the cores (``--clock wall`` for wall time, needed to credit
several threads).

Tolerances mean different things to different solvers, so a solver is
judged at equal achieved gap, not at equal ``tol``: starting from a first
tolerance, the search loosens it by factors of 10 while the gap stays below
the target and tightens it while the gap is above; the loosest tolerance
that reaches the target is timed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import multiprocessing
import os
import platform
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol, TypeVar

import numpy as np
import scipy
import sklearn
from sklearn.preprocessing import StandardScaler
from tests.problems import Problem
from threadpoolctl import threadpool_info, threadpool_limits

import logitron._lazy_record as lazy_record_module
from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from logitron.solvers import SOLVERS, SolverOptions

from .fitters import Fitted, Fitter, fitted


class _HasName(Protocol):
    @property
    def name(self) -> str: ...


Named = TypeVar("Named", bound=_HasName)

TARGET_GAP = 1e-8
#: Fits are repeated until they have used this many seconds (at most 20x).
_REPEAT_SECONDS = 0.5
_LOOSEST_TOL, _TIGHTEST_TOL = 1e-2, 1e-16


@dataclass
class Run:
    """One timed fit."""

    fitter: Fitter
    tol: float | None
    seconds: float | None
    gap: float | None
    n_iter: int = 0
    solver: str = ""
    error: str | None = None
    peak_bytes: int | None = None
    #: Of ``seconds``, the time logitron spent on its inference record.
    record_seconds: float = 0.0

    @property
    def reached(self) -> bool:
        return self.gap is not None and self.seconds is not None and (
            self.gap <= TARGET_GAP
        )


class GapMeter:
    """Relative objective gap ``(J - J*) / |J*|`` of fitted parameters.

    ``J`` is the mean-scale objective evaluated in float64 (float32 data are
    up-cast once), so every library is measured with the same ruler. ``J*``
    comes from a tight fit (Newton for p <= 2000, trust-region Newton-CG
    beyond), run to the rounding level of float64.
    """

    def __init__(self, problem: Problem) -> None:
        X = problem.X.astype(np.float64) if problem.X.dtype != np.float64 else problem.X
        classes, y_index = np.unique(problem.y, return_inverse=True)
        binary = len(classes) == 2
        self.unit = LinearUnit(
            as_data(X), n_outputs=1 if binary else len(classes), fit_intercept=True
        )
        loss = BinaryCrossEntropy() if binary else SoftmaxCrossEntropy()
        self.objective = LogisticObjective(
            self.unit, loss, y_index.astype(np.float64), np.ones(len(y_index)),
            C=problem.C,
        )
        solver = "newton" if self.unit.n_params <= 2000 else "newton-cg"
        result = SOLVERS[solver].minimize(
            self.objective, np.zeros(self.unit.n_params),
            SolverOptions(tol=0.0, max_iter=500),
        )
        self.optimum = self.objective.value(result.theta)

    def value(self, fit: Fitted) -> float:
        weights = np.zeros(self.unit.weight_shape)
        d = self.unit.n_features
        weights[..., :d] = fit.coef.reshape(weights[..., :d].shape)
        weights[..., d] = fit.intercept.reshape(weights[..., d].shape)
        return self.objective.value(weights.ravel())

    def gap(self, fit: Fitted) -> float:
        return (self.value(fit) - self.optimum) / abs(self.optimum)


def _child(
    connection: Connection, problem: Problem, fitter: Fitter, tol: float | None,
    threads: int, trace_memory: bool, clock: str, repeats: int,
) -> None:
    timer = time.process_time if clock == "cpu" else time.perf_counter
    record_clock = _RecordClock(timer)
    try:
        with threadpool_limits(limits=threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _warm_up(problem, fitter, tol)
            if trace_memory:
                tracemalloc.start()
            seconds, record_seconds, spent = np.inf, 0.0, 0.0
            # Short fits are repeated (more often the shorter they are) and
            # the fastest is kept: the noise of a shared machine only adds.
            for attempt in range(max(repeats, 1) * (1 if trace_memory else 20)):
                model = fitter.estimator(problem, tol)
                record_clock.seconds = 0.0
                start = timer()
                model.fit(problem.X, problem.y)
                elapsed = timer() - start
                if elapsed < seconds:
                    seconds, record_seconds = elapsed, record_clock.seconds
                spent += elapsed
                if attempt + 1 >= repeats and spent > _REPEAT_SECONDS:
                    break
            peak = tracemalloc.get_traced_memory()[1] if trace_memory else None
        connection.send(("ok", fitted(model), seconds, peak, record_seconds))
    except Exception as error:  # reported in the table, not raised
        connection.send(("error", f"{type(error).__name__}: {error}", None, None, 0.0))


class _RecordClock:
    """Times logitron's inference record inside ``fit`` (an unpenalised fit
    computes it there only when its screen asks for it: separated or nearly
    collinear data), so the table can show the solver's share."""

    def __init__(self, timer: Any) -> None:
        self.seconds = 0.0
        original = lazy_record_module.record_fit

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = timer()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += timer() - start

        # Only this forked child sees the wrapper.
        lazy_record_module.record_fit = timed


def fastest_fit_seconds(model: Any, X: Any, y: Any) -> float:
    """CPU seconds of ``model.fit(X, y)`` in this process: the fastest of
    repeated fits, repeated as in the forked children (until
    ``_REPEAT_SECONDS`` are used, at most 20 fits), for the benchmarks that
    compare estimators side by side without forking."""
    seconds, spent = np.inf, 0.0
    for _ in range(20):
        start = time.process_time()
        model.fit(X, y)
        elapsed = time.process_time() - start
        seconds, spent = min(seconds, elapsed), spent + elapsed
        if spent > _REPEAT_SECONDS:
            break
    return seconds


def standardised(loader: Callable[..., Any]) -> tuple[np.ndarray, np.ndarray]:
    """A scikit-learn data set with zero-mean, unit-variance features."""
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def selection_arguments(parser: argparse.ArgumentParser, budget: float) -> None:
    """``--threads``, ``--budget`` and ``--problems``, as every side-by-side
    estimator benchmark takes them (see ``selected``)."""
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for all")
    parser.add_argument(
        "--budget",
        type=float,
        default=budget,
        help="stop tightening a solver's tol after a run this long (s)",
    )
    parser.add_argument("--problems", default="", help="comma-separated name prefixes")


def selected(problems: list[Named], prefixes: str) -> list[Named]:
    """The problems whose name starts with one of the comma-separated
    ``prefixes`` (all of them for an empty string)."""
    if not prefixes:
        return problems
    wanted = [s.strip() for s in prefixes.split(",")]
    return [p for p in problems if any(p.name.startswith(s) for s in wanted)]


def machine_line(threads: int) -> str:
    """Date, processor, cores, threads and library versions (BLAS included),
    for a benchmark table's caption."""
    blas = ", ".join(
        f"{info.get('internal_api')} {info.get('version')}"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    )
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            models = [line.split(":", 1)[1].strip() for line in handle
                      if line.startswith("model name")]
        cpu = models[0] if models else cpu
    except OSError:
        pass
    return (
        f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} logical "
        f"cores, {threads} thread(s) for every library; Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, {blas}"
    )


def _warm_up(problem: Problem, fitter: Fitter, tol: float | None) -> None:
    """Fit 200 rows first (ten times the features if more: few rows per
    feature are separable, and an unpenalised fit then runs the separation
    programs for minutes), so that neither library's timed fit pays for
    first-call work (lazy imports, BLAS set-up, allocator growth)."""
    rows = slice(0, min(max(200, 10 * problem.X.shape[1]), problem.X.shape[0]))
    # A slice with one class raises ValueError: then there is nothing to warm.
    with contextlib.suppress(ValueError):
        fitter.estimator(problem, tol).fit(problem.X[rows], problem.y[rows])


def run_once(
    problem: Problem, fitter: Fitter, tol: float | None, meter: GapMeter,
    threads: int, timeout: float, trace_memory: bool = False, clock: str = "cpu",
    repeats: int = 1,
) -> Run:
    """Fit once in a forked child; kill it after ``timeout`` seconds."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(sender, problem, fitter, tol, threads, trace_memory, clock, repeats),
    )
    process.start()
    sender.close()
    message: Any = None
    if receiver.poll(timeout):
        try:
            message = receiver.recv()
        except EOFError:
            message = None
    if process.is_alive():
        process.kill()
    process.join()
    if message is None:
        killed = process.exitcode is not None and process.exitcode < 0
        error = f"over {timeout:.0f} s" if killed else (
            f"child exited with code {process.exitcode}"
        )
        return Run(fitter, tol, None, None, error=error)
    status, payload, seconds, peak, record_seconds = message
    if status != "ok":
        return Run(fitter, tol, None, None, error=payload)
    return Run(
        fitter, tol, seconds, meter.gap(payload), payload.n_iter, payload.solver,
        peak_bytes=peak, record_seconds=record_seconds,
    )


def time_to_gap(
    problem: Problem, fitter: Fitter, meter: GapMeter, threads: int,
    timeout: float, repeats: int, measure_memory: bool, clock: str,
) -> tuple[Run, list[Run]]:
    """The fastest fit reaching ``TARGET_GAP`` at the loosest tolerance that
    does, and every attempt made on the way."""
    attempts: list[Run] = []

    def attempt(tol: float | None) -> Run:
        run = run_once(problem, fitter, tol, meter, threads, timeout, clock=clock)
        attempts.append(run)
        return run

    tol = fitter.first_tol
    run = attempt(tol)
    if tol is None and run.solver in SOLVERS:
        tol = SOLVERS[run.solver].default_tol  # the default's value, to scale
    if run.seconds is None and tol is not None and tol * 100 <= _LOOSEST_TOL:
        # Out of time: a looser tolerance may still reach the gap in time.
        tol *= 100
        run = attempt(tol)
    best = run if run.reached else None
    if run.reached:
        while tol is not None and tol * 10 <= _LOOSEST_TOL:
            looser = attempt(tol * 10)
            if not looser.reached:
                break
            best, tol = looser, tol * 10
    else:
        while tol is not None and run.seconds is not None and tol / 10 >= _TIGHTEST_TOL:
            tol /= 10
            run = attempt(tol)
            if run.reached:
                best = run
                break
    if best is None:
        finished = [r for r in attempts if r.gap is not None]
        return (min(finished, key=lambda r: r.gap or np.inf) if finished
                else attempts[-1]), attempts
    if repeats > 1:
        again = run_once(
            problem, fitter, best.tol, meter, threads, timeout * repeats,
            clock=clock, repeats=repeats,
        )
        if (
            again.seconds is not None
            and best.seconds is not None
            and again.seconds < best.seconds
        ):
            best.seconds, best.record_seconds = again.seconds, again.record_seconds
    if measure_memory:
        traced = run_once(problem, fitter, best.tol, meter, threads, 10 * timeout, True)
        best.peak_bytes = traced.peak_bytes
    return best, attempts
