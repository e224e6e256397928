"""``partial_fit``: one stochastic step per mini-batch, and the state between.

For data that never fits at once, each call sees one mini-batch ``B`` and
takes one Adam step (``solvers.stochastic``) along the unbiased estimate of
the gradient of the full mean-scale objective::

    g_B = (1/S_B) sum_{i in B} s_i dloss_i/dtheta  +  penalty'(coef) / (C S)

where ``S_B`` is the batch's weight and ``S`` the weight of the whole data
(``total_weight``; the weight seen so far when not given). Its expectation
over batches is the gradient ``fit`` drives to zero, so the averaged iterate
approaches ``fit``'s optimum as epochs go by. The batch's objective is the
unpenalised one of its own rows, in memory or on Dask alike: this module
sees only its ``value_gradient`` and its unit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ._numerics import FloatArray
from .objective import LogisticObjective
from .solvers.stochastic import AdamState, adam_step


def check_classes(fitted: np.ndarray | None, classes: Any, first_call: bool) -> np.ndarray:
    """The classes of every call: given on the first, the same afterwards."""
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


def check_settings(
    class_weight: Any, C: float, l1_ratio: float, total_weight: float | None
) -> None:
    """Refuse what one batch at a time cannot fit."""
    if class_weight == "balanced":
        raise ValueError(
            "class_weight='balanced' needs the class counts of the whole data, "
            "which partial_fit never sees; pass a dict computed with "
            "sklearn.utils.class_weight.compute_class_weight('balanced', ...)."
        )
    if l1_ratio > 0 and C != np.inf:
        raise NotImplementedError(
            "partial_fit supports the smooth (L2) penalty only; "
            f"l1_ratio={l1_ratio} is not supported yet. Use fit, or l1_ratio=0."
        )
    if total_weight is not None and not total_weight > 0:
        raise ValueError(f"total_weight must be > 0, got {total_weight}.")


def batch_objective(
    X: Any, y_index: np.ndarray, n_classes: int, weight: FloatArray, fit_intercept: bool
) -> tuple[LogisticObjective, float]:
    """The batch's unpenalised objective (mean over its weight) and that weight."""
    batch_weight = float(np.sum(weight))
    if batch_weight == 0:
        # Nothing to learn from; a unit-weight stand-in keeps the layout.
        weight = np.ones(len(y_index))
    objective = LogisticObjective.from_arrays(
        X, y_index, n_classes, weight, fit_intercept=fit_intercept, C=np.inf
    )
    return objective, batch_weight


class MinibatchFit:
    """Adam's state across ``partial_fit`` calls, and the coefficients it
    last published (so that a ``fit`` in between, or a user's edit of
    ``coef_``, restarts it from the coefficients as they are now).

    Attributes
    ----------
    adam : AdamState
        Iterate, moments, the averaged iterate and the weight seen so far.
    loss_curve : list of float
        The cost of each batch at the iterate before its step.
    """

    def __init__(self, theta0: FloatArray, seen_weight: float = 0.0) -> None:
        self.adam = AdamState.start(theta0)
        self.adam.seen_weight = seen_weight
        self.loss_curve: list[float] = []
        self._published: tuple[FloatArray, FloatArray] | None = None

    def published(self, coef: FloatArray | None, intercept: FloatArray | None) -> bool:
        """Whether ``(coef, intercept)`` are the coefficients it last published."""
        return (
            self._published is not None and coef is not None and intercept is not None
            and np.array_equal(self._published[0], coef)
            and np.array_equal(self._published[1], intercept)
        )

    def publish(self, coef: FloatArray, intercept: FloatArray) -> None:
        self._published = (coef.copy(), intercept.copy())

    def step(
        self,
        objective: Any,
        batch_weight: float,
        C: float,
        total_weight: float | None,
        learning_rate: float,
    ) -> None:
        """One Adam step on the batch's ``objective`` (its unpenalised cost),
        with the penalty at the strength of the whole data::

            g = dJ_B/dtheta + coef / (C S),   S = total_weight or weight seen
        """
        state = self.adam
        state.seen_weight += batch_weight
        if batch_weight <= 0:
            return
        unit = objective.unit
        value, gradient = objective.value_gradient(state.theta)
        if C != np.inf:
            strength = 1.0 / (C * (state.seen_weight if total_weight is None else total_weight))
            coef = unit.coef(state.theta)
            value += 0.5 * strength * float(np.vdot(coef, coef))
            unit.coef(gradient)[...] += strength * coef
        adam_step(state, gradient, learning_rate)
        self.loss_curve.append(value)
