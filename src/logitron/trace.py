"""The path of a fit: the weights and the cost after every solver iteration.

A fit reports each iterate to ``SolverOptions.callback`` (see
``logitron.solvers.result.IterationInfo``). ``record_fit`` listens to those
reports for one fit and returns a ``FitTrace``: what the training figures
(``logitron.plots.training_figure``, ``training_animation``) draw, and what a
learner inspects to see gradient descent crawl and Newton's method jump.

The estimator asks ``with_recorder`` for its callback, so a recording is
active only inside ``record_fit`` (a context variable: other threads and
other fits are not recorded).

Examples
--------
>>> import numpy as np
>>> from logitron import LogisticRegression
>>> from logitron.trace import record_fit
>>> X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5]])
>>> trace = record_fit(LogisticRegression(solver="newton"), X, [0, 0, 1, 1])
>>> trace.coef.shape[1:], len(trace.values) == trace.n_iter
((1, 2), True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._numerics import FloatArray
from .solvers.result import IterationInfo

_RECORDING: ContextVar[list[IterationInfo] | None] = ContextVar(
    "logitron_recording", default=None
)


def with_recorder(
    callback: Callable[[IterationInfo], None] | None,
) -> Callable[[IterationInfo], None] | None:
    """``callback``, plus the active recording when ``record_fit`` runs.

    The estimator's one hook: it passes its own callback (``verbose``) through
    this, so nothing is recorded and nothing is copied outside a recording.
    """
    recording = _RECORDING.get()
    if recording is None:
        return callback

    def record(info: IterationInfo) -> None:
        recording.append(info)
        if callback is not None:
            callback(info)

    return record


@contextmanager
def _recording() -> Iterator[list[IterationInfo]]:
    reports: list[IterationInfo] = []
    token = _RECORDING.set(reports)
    try:
        yield reports
    finally:
        _RECORDING.reset(token)


@dataclass
class FitTrace:
    """The iterates of one fit, as coefficients in the estimator's layout.

    Attributes
    ----------
    model : estimator or Pipeline
        The fitted model (its final state is the last iterate, up to a last
        Newton step some solvers take when they stop).
    coef : ndarray of shape (T, K, d)
        ``coef_`` after each of the ``T`` iterations (``K = 1`` for two classes).
    intercept : ndarray of shape (T, K)
        ``intercept_`` after each iteration.
    values : ndarray of shape (T,)
        The cost after each iteration: the model's ``loss_curve_``.
    gradient_max : ndarray of shape (T,)
        The solver's optimality measure after each iteration:
        ``max(abs(dJ/dtheta))`` for the smooth solvers, the gradient mapping
        or subgradient size for the L1 ones.
    """

    model: Any
    coef: FloatArray
    intercept: FloatArray
    values: FloatArray
    gradient_max: FloatArray
    iterations: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))

    @property
    def n_iter(self) -> int:
        """Iterations recorded."""
        return len(self.values)

    @property
    def estimator(self) -> Any:
        """The final step of the model (the logistic regression itself)."""
        return self.model.steps[-1][1] if hasattr(self.model, "steps") else self.model

    def raw_prediction(self, X: Any, iteration: int) -> FloatArray:
        """``z = X @ coef.T + intercept`` at iterate ``iteration`` (0-based),
        ``X`` in the model's input space (a Pipeline's steps applied first).

        Returns shape (n,) for two classes, (n, K) otherwise.
        """
        features = np.asarray(_through_pipeline(self.model, X), dtype=np.float64)
        raw = features @ self.coef[iteration].T + self.intercept[iteration]
        return raw[:, 0] if raw.shape[1] == 1 else raw


def record_fit(model: Any, X: Any, y: Any, **fit_params: Any) -> FitTrace:
    """Fit ``model`` on ``(X, y)`` and return the path its solver took.

    Parameters
    ----------
    model : LogisticRegression or Pipeline ending in one
        Fitted in place, exactly as ``model.fit(X, y, **fit_params)`` would.
    X, y : array-like
        The training data.
    **fit_params
        Passed to ``fit`` (e.g. ``sample_weight``).

    Returns
    -------
    FitTrace

    Raises
    ------
    ValueError
        When the solver reported no iterate: the fit stopped at its
        starting point (a warm start at the optimum, or ``partial_fit``).
    """
    with _recording() as reports:
        model.fit(X, y, **fit_params)
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    thetas = [info.theta for info in reports if info.theta is not None]
    if not thetas:
        raise ValueError(
            f"the fit reported no iterates to record (solver {estimator.solver_!r} "
            f"after {int(estimator.n_iter_[0])} iterations): it stopped where it "
            "started; record a fit that starts away from its optimum (no warm start)"
        )
    coef, intercept = _unpack(np.array(thetas), estimator)
    return FitTrace(
        model=model,
        coef=coef,
        intercept=intercept,
        values=np.array([info.value for info in reports], dtype=np.float64),
        gradient_max=np.array([info.gradient_max for info in reports], dtype=np.float64),
        iterations=np.array([info.iteration for info in reports], dtype=np.intp),
    )


def _unpack(thetas: FloatArray, estimator: Any) -> tuple[FloatArray, FloatArray]:
    """Flat iterates (T, p) as ``coef`` (T, K, d) and ``intercept`` (T, K).

    The layout is ``logitron.neuron.LinearUnit``'s: each output's weights
    ``[coef | intercept]`` in a row. Softmax weights are shown centred over
    the classes, as ``coef_`` is (a common shift changes no probability).
    """
    n_outputs, n_features = np.shape(estimator.coef_)
    width = n_features + int(estimator.fit_intercept)
    weights = thetas.reshape(len(thetas), n_outputs, width)
    if n_outputs > 1:
        weights = weights - weights.mean(axis=1, keepdims=True)
    coef = weights[:, :, :n_features]
    if estimator.fit_intercept:
        intercept = weights[:, :, n_features]
    else:
        intercept = np.zeros((len(thetas), n_outputs))
    return np.ascontiguousarray(coef), np.ascontiguousarray(intercept)


def _through_pipeline(model: Any, X: Any) -> Any:
    """``X`` after every step of a Pipeline but the last."""
    if not hasattr(model, "steps"):
        return X
    for _, step in model.steps[:-1]:
        if step is not None and step != "passthrough":
            X = step.transform(X)
    return X
