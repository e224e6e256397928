"""``LogisticRegression.partial_fit``: one stochastic step per mini-batch.

For data that never fits at once, each call sees one mini-batch ``B`` and
takes one Adam step (``solvers.stochastic``) along the unbiased estimate of
the gradient of the full mean-scale objective::

    g_B = (1/S_B) sum_{i in B} s_i dloss_i/dtheta  +  penalty'(coef) / (C S)

where ``S_B`` is the batch's weight and ``S`` the weight of the whole data
(``total_weight``; the weight seen so far when not given). Its expectation
over batches is the gradient ``fit`` drives to zero, so the averaged iterate
approaches ``fit``'s optimum as epochs go by. The batch may be in memory
(NumPy, pandas, scipy.sparse) or a dask collection (one graph per step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from . import _validation
from ._numerics import FloatArray
from .backends import as_data
from .dask import dispatch as dask_dispatch
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .neuron import LinearUnit
from .objective import LogisticObjective
from .solvers import SOLVERS
from .solvers.stochastic import AdamState, adam_step

if TYPE_CHECKING:
    from .dask.objective import DaskLogisticObjective


def partial_fit(
    estimator: Any,
    X: Any,
    y: Any,
    classes: Any,
    sample_weight: Any,
    total_weight: float | None,
) -> Any:
    """One Adam step of ``estimator`` on the mini-batch ``(X, y)``."""
    _validation.check_params(estimator, list(SOLVERS))
    first_call = not hasattr(estimator, "classes_")
    classes = _check_classes(estimator, classes, first_call)
    if estimator.class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' needs the class counts of the whole data, "
            "which partial_fit never sees; pass a dict computed with "
            "sklearn.utils.class_weight.compute_class_weight('balanced', ...)."
        )
    if estimator.l1_ratio > 0 and estimator.C != np.inf:
        raise NotImplementedError(
            "partial_fit supports the smooth (L2) penalty only; "
            f"l1_ratio={estimator.l1_ratio} is not supported yet. Use fit, or "
            "l1_ratio=0."
        )
    if total_weight is not None and not total_weight > 0:
        raise ValueError(f"total_weight must be > 0, got {total_weight}.")
    class_weight = dask_dispatch.class_weight_vector(
        estimator.class_weight, classes, np.ones(len(classes))
    )
    # The batch's own unpenalised objective: its gradient is the data part of g_B.
    objective: LogisticObjective | DaskLogisticObjective
    if dask_dispatch.is_dask_collection(X, y, sample_weight):
        objective, batch_weight = dask_dispatch.minibatch_objective(
            estimator, X, y, sample_weight, classes, class_weight, first_call
        )
    else:
        objective, batch_weight = _in_memory_objective(
            estimator, X, y, sample_weight, classes, class_weight, first_call
        )
    unit = objective.unit

    state = _state(estimator, unit, classes, first_call)
    state.seen_weight += batch_weight
    if batch_weight > 0:
        value, gradient = objective.value_gradient(state.theta)
        strength = 1.0 / (
            estimator.C * (state.seen_weight if total_weight is None else total_weight)
        )
        if estimator.C != np.inf:
            coef = unit.coef(state.theta)
            value += 0.5 * strength * float(np.vdot(coef, coef))
            unit.coef(gradient)[...] += strength * coef
        adam_step(state, gradient, float(estimator.learning_rate))
        estimator.loss_curve_.append(value)
    estimator.classes_ = classes
    estimator.solver_ = "adam"
    estimator.n_iter_ = np.array([state.n_steps], dtype=np.int32)
    estimator._set_coefficients(unit, state.average, unit.data.dtype)
    estimator._adam_published = (estimator.coef_.copy(), estimator.intercept_.copy())
    return estimator


def _check_classes(estimator: Any, classes: Any, first_call: bool) -> np.ndarray:
    fitted = getattr(estimator, "classes_", None)
    if classes is None:
        if fitted is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return np.asarray(fitted)
    classes = np.unique(np.asarray(classes))
    check_classification_targets(classes)
    if len(classes) < 2:
        raise ValueError(
            f"classes must list at least 2 classes, got {classes.tolist()}."
        )
    if fitted is not None and not first_call and not np.array_equal(classes, fitted):
        raise ValueError(
            f"classes={classes.tolist()} differs from the classes of earlier calls "
            f"{np.asarray(fitted).tolist()}."
        )
    return classes


def _in_memory_objective(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    classes: np.ndarray,
    class_weight: FloatArray,
    first_call: bool,
) -> tuple[LogisticObjective, float]:
    """The batch's unpenalised objective (mean over its weight) and that weight."""
    X, y = validate_data(
        estimator, X, y, reset=first_call, accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32),
    )
    check_classification_targets(y)
    y_index = _validation.class_index(classes, y)
    weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    ) * class_weight[y_index]
    binary = len(classes) == 2
    unit = LinearUnit(as_data(X), 1 if binary else len(classes), estimator.fit_intercept)
    loss = BinaryCrossEntropy() if binary else SoftmaxCrossEntropy()
    batch_weight = float(np.sum(weight))
    if batch_weight == 0:
        # Nothing to learn from; a unit-weight stand-in keeps the layout.
        weight = np.ones(len(y_index))
    return LogisticObjective(unit, loss, y_index, weight, C=np.inf), batch_weight


def _state(
    estimator: Any, unit: LinearUnit, classes: np.ndarray, first_call: bool
) -> AdamState:
    """The Adam state: kept across calls, restarted from the published
    coefficients when ``fit`` (or a user) changed them in between."""
    state: AdamState | None = getattr(estimator, "_adam_state", None)
    published = getattr(estimator, "_adam_published", None)
    changed = (
        published is None
        or not hasattr(estimator, "coef_")
        or not np.array_equal(published[0], estimator.coef_)
        or not np.array_equal(published[1], estimator.intercept_)
    )
    if state is None or changed:
        start = (
            estimator._initial_theta(unit, classes)
            if first_call
            else theta_from_coefficients(estimator, unit)
        )
        seen = 0.0 if state is None else state.seen_weight
        state = AdamState.start(start)
        state.seen_weight = seen
        estimator._adam_state = state
        estimator.loss_curve_ = []
    return state


def theta_from_coefficients(estimator: Any, unit: LinearUnit) -> FloatArray:
    """theta (float64) of a fitted estimator's ``coef_`` and ``intercept_``."""
    weights = np.zeros(unit.weight_shape)
    theta = weights.ravel()
    unit.coef(theta)[...] = estimator.coef_.reshape(unit.coef(theta).shape)
    if unit.fit_intercept:
        weights[..., unit.n_features] = estimator.intercept_.reshape(
            weights[..., unit.n_features].shape
        )
    return theta
