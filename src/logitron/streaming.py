"""``partial_fit``: the estimator's side of one mini-batch step (checking the
batch, building its objective in memory or on Dask); the step and the state
between calls are ``minibatch``'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils.metaestimators import available_if

from . import _validation, minibatch
from ._numerics import FloatArray
from .backends import is_dask_collection
from .dask import inputs as dask_inputs
from .neuron import LinearUnit
from .solvers import SOLVERS


class PartialFit:
    """``partial_fit`` of ``LogisticRegression``, which provides the
    parameters and ``_start`` / ``_set_coefficients``."""

    C: float
    l1_ratio: float
    class_weight: Any
    fit_intercept: bool
    learning_rate: float
    coef_: FloatArray
    intercept_: FloatArray
    # The estimator's own: the start of a fit, and coef_/intercept_ from theta.
    _start: Callable[[LinearUnit, np.ndarray], FloatArray]
    _set_coefficients: Callable[[LinearUnit, FloatArray], None]

    def _partial_fit_is_supported(self) -> bool:
        # Mini-batch steps handle the smooth (L2) penalty only.
        return float(self.l1_ratio) == 0.0 or bool(np.isposinf(self.C))

    @available_if(lambda self: self._partial_fit_is_supported())
    def partial_fit(
        self,
        X: Any,
        y: Any,
        classes: Any = None,
        sample_weight: Any = None,
        *,
        total_weight: float | None = None,
    ) -> Any:
        """One stochastic (Adam) step on the mini-batch ``(X, y)``.

        For data that never fits at once: call it once per mini-batch, for
        as many passes as needed; ``coef_`` is an average of the iterates
        that approaches ``fit``'s optimum. ``learning_rate`` is Adam's base
        step (decaying as ``1/sqrt(t)``). ``classes`` (all labels) is
        required on the first call. ``total_weight`` is the sum of the
        sample weights of all the data (its row count, unweighted), so that
        the penalty has the strength it has in ``fit``; ``None`` takes the
        weight seen so far. ``X`` may be in memory or a dask collection.
        See ``logitron.minibatch`` and ``logitron.solvers.stochastic``.
        """
        _validation.check_params(self, list(SOLVERS))
        first_call = not hasattr(self, "classes_")
        classes = minibatch.check_classes(getattr(self, "classes_", None), classes, first_call)
        minibatch.check_settings(self.class_weight, self.C, self.l1_ratio, total_weight)
        class_weight = _validation.class_weight_vector(
            self.class_weight, classes, np.ones(len(classes))
        )
        objective: Any
        if is_dask_collection(X, y, sample_weight):
            objective, batch_weight = dask_inputs.minibatch_objective(
                self, X, y, sample_weight, classes, class_weight, first_call
            )
        else:
            X, y_index, weight = _validation.check_batch(
                self, X, y, sample_weight, classes, class_weight, first_call
            )
            objective, batch_weight = minibatch.batch_objective(
                X, y_index, len(classes), weight, bool(self.fit_intercept)
            )
        state = self._minibatch_state(objective.unit, classes, first_call)
        state.step(objective, batch_weight, self.C, total_weight, float(self.learning_rate))
        self.classes_ = classes
        self.solver_ = "adam"
        self.n_iter_ = np.array([state.adam.n_steps], dtype=np.int32)
        self.loss_curve_ = state.loss_curve
        self._set_coefficients(objective.unit, state.adam.average)
        state.publish(self.coef_, self.intercept_)
        return self

    def _minibatch_state(
        self, unit: LinearUnit, classes: np.ndarray, first_call: bool
    ) -> minibatch.MinibatchFit:
        """The state of earlier calls, or a new one from the coefficients as
        they are now when ``fit`` (or a user) changed them in between."""
        state: minibatch.MinibatchFit | None = getattr(self, "_minibatch", None)
        coef, intercept = getattr(self, "coef_", None), getattr(self, "intercept_", None)
        if state is None or not state.published(coef, intercept):
            start = (
                self._start(unit, classes) if first_call or coef is None
                else unit.pack(coef, intercept)
            )
            seen = 0.0 if state is None else state.adam.seen_weight
            state = minibatch.MinibatchFit(start, seen)
            self._minibatch = state
        return state
