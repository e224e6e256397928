"""Each solver's iterates stamped with the wall time they were sent to the
cluster, through hooks on logitron's and dask-glm's internals: what
``bench_dask`` scores afterwards (see its docstring for why iterates are
stamped when sent, not when reported)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Run:
    """One solver on one problem: iterates (or objective values) in time."""

    problem: str
    library: str
    solver: str
    times: list[float] = field(default_factory=list)
    thetas: list[np.ndarray] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    total_seconds: float = 0.0
    note: str = ""


@contextlib.contextmanager
def recording_logitron(run: Run, model: Any, start: float) -> Iterator[None]:
    """Record each accepted iterate with the time its evaluation was sent to
    the cluster: the moment the solver had the point, as dask-ml's Newton
    iterates are stamped when ``dot(X, beta)`` starts their pass (stamping
    ours when the solver reports them, after that pass, would charge logitron
    one pass more than dask-ml).

    Every graph that evaluates a point (a pass at a new point, or a later
    line-search trial) is noted with its send time and the value it
    returned; the solver's per-iteration report (``verbose``) names the
    accepted iterate by its value.
    """
    from logitron import fitting
    from logitron.dask.objective import DaskLogisticObjective

    sent: list[tuple[float, np.ndarray, float]] = []
    originals = {
        name: getattr(DaskLogisticObjective, name) for name in ("_evaluate", "line_value")
    }

    def evaluate(self: Any, theta: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        sent_at = time.perf_counter() - start
        evaluation = originals["_evaluate"](self, theta, *args, **kwargs)
        sent.append((sent_at, np.array(theta, dtype=float), evaluation.value))
        return evaluation

    def line_value(self: Any, line: Any, step: float, *args: Any) -> tuple[float, float]:
        sent_at = time.perf_counter() - start
        value, slope = originals["line_value"](self, line, step, *args)
        sent.append((sent_at, np.array(line.at(step), dtype=float), value))
        return value, slope

    def record(printer: Any, info: Any) -> None:
        matches = [(t, theta) for t, theta, value in sent if value == info.value]
        if not matches:
            raise RuntimeError(f"iterate of value {info.value!r} was never evaluated")
        theta = matches[-1][1]
        run.times.append(min(t for t, other in matches if np.array_equal(other, theta)))
        run.thetas.append(theta)
        run.values.append(info.value)  # rescored with the others in `score`

    for name, method in {"_evaluate": evaluate, "line_value": line_value}.items():
        setattr(DaskLogisticObjective, name, method)
    # The verbose hook sees every iteration: record instead of printing.
    printer_call = fitting._ProgressPrinter.__call__
    fitting._ProgressPrinter.__call__ = record  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        for name, method in originals.items():
            setattr(DaskLogisticObjective, name, method)
        fitting._ProgressPrinter.__call__ = printer_call  # type: ignore[method-assign]


class OutOfBudget(Exception):
    """Raised from a recording hook to stop a solver after --budget seconds."""


@contextlib.contextmanager
def recording_dask_glm(run: Run, solver: str, start: float, budget: float) -> Iterator[None]:
    """Hooks on dask-glm's internals that record each iterate with its time.

    lbfgs: scipy's ``fmin_l_bfgs_b`` as dask-glm imported it, given a
    callback; admm: the consensus ``z`` leaving the L2 proximal operator;
    newton: the ``beta`` passed to ``dot(X, beta)`` at each iteration.
    """
    from dask_glm import algorithms, regularizers

    def stamp(beta: Any) -> None:
        run.times.append(time.perf_counter() - start)
        run.thetas.append(np.array(beta, dtype=float, copy=True))
        if run.times[-1] > budget:
            raise OutOfBudget

    patches: list[tuple[Any, str, Any]] = []
    if solver == "lbfgs":
        original = algorithms.fmin_l_bfgs_b

        def lbfgs(*args: Any, **kwargs: Any) -> Any:
            return original(*args, callback=stamp, **kwargs)

        patches.append((algorithms, "fmin_l_bfgs_b", lbfgs))
    elif solver == "admm":
        original_prox = regularizers.L2.proximal_operator

        def prox(self: Any, beta: Any, t: float) -> Any:
            z = original_prox(self, beta, t)
            stamp(z)
            return z

        patches.append((regularizers.L2, "proximal_operator", prox))
    elif solver == "newton":
        original_dot = algorithms.dot

        def dot(A: Any, B: Any) -> Any:
            if isinstance(B, np.ndarray) and B.ndim == 1:
                stamp(B)
            return original_dot(A, B)

        patches.append((algorithms, "dot", dot))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)
