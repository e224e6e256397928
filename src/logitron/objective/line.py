"""A line through the in-memory objective: ``phi(t) = J(theta + t d)``.

The unit is linear in theta, so ``z(theta + t d) = z(theta) + t * X~ @ d``:
one pass over ``X`` for the direction serves every trial step of a line
search, each then O(n).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from .._numerics import FloatArray, accurate_dot
from ..neuron import LinearUnit
from .cache import PointCache
from .coef_penalty import CoefficientPenalty


class LineOwner(Protocol):
    """What a ``LineFunction`` asks of its objective (``LogisticObjective``)."""

    unit: LinearUnit
    cache: PointCache
    penalty: CoefficientPenalty

    def raw_prediction(self, theta: FloatArray) -> FloatArray: ...

    def remember(self, theta: FloatArray, raw: FloatArray, *known: Any) -> None: ...

    def data_value(self, raw: FloatArray) -> float: ...

    def pointwise(
        self, raw: FloatArray, rows: slice, curvature: bool
    ) -> tuple[float, FloatArray, FloatArray | None]: ...

    def value_noise(self, value: float) -> float: ...


class LineFunction:
    """``phi(t) = J(theta + t d)`` evaluated in O(n) per trial step.

    ``z(theta + t d) = z(theta) + t * (X @ d_coef.T + d_intercept)`` because the
    unit is linear in theta, so one pass over ``X`` for the direction serves
    every trial step of a line search. The last trial point, with its ``z``,
    ``J`` and ``dJ/dz``, is what ``point`` hands to the objective's cache.
    """

    #: A trial step costs O(n) here, far less than an iteration: solvers may
    #: try extra steps (proximal Newton's extrapolation). On Dask each trial
    #: is a graph over the blocks, and it is not.
    trials_are_cheap = True

    def __init__(
        self,
        objective: LineOwner,
        theta: FloatArray,
        direction: FloatArray,
        curvature: bool = False,
        raw_direction: FloatArray | None = None,
    ) -> None:
        self.objective = objective
        self.theta = theta
        self.direction = direction
        self.curvature = curvature
        self._raw: FloatArray | None = None
        # X @ d, when the caller already has it (Dask keeps it per block).
        self._raw_direction: FloatArray | None = raw_direction
        self._trial: tuple[float, FloatArray, FloatArray] | None = None
        self._trial_loss: (
            tuple[float, FloatArray] | tuple[float, FloatArray, FloatArray] | None
        ) = None

    def value_noise(self, value: float) -> float:
        """Changes of ``phi`` smaller than this are rounding noise."""
        return self.objective.value_noise(value)

    # z(theta) and X @ d are fetched on the first trial step, not before: a
    # solver whose first trial (computed by value_gradient) is accepted never
    # pays for them.
    @property
    def raw(self) -> FloatArray:
        if self._raw is None:
            self._raw = self.objective.raw_prediction(self.theta)
        return self._raw

    @property
    def raw_direction(self) -> FloatArray:
        if self._raw_direction is None:
            raw = self.raw
            trial = self.objective.cache.find(self.theta + self.direction)
            if trial is not None and trial.raw is not None:
                self._raw_direction = trial.raw - raw
            else:
                self._raw_direction = self.objective.unit.forward(self.direction)
        return self._raw_direction

    def _raw_at(self, step: float) -> tuple[FloatArray, FloatArray]:
        if self._trial is not None and self._trial[0] == step:
            return self._trial[1], self._trial[2]
        theta = self.theta + step * self.direction
        raw = np.multiply(self.raw_direction, step, dtype=self.raw.dtype)
        raw += self.raw
        self._trial, self._trial_loss = (step, theta, raw), None
        return theta, raw

    def point(self, step: float) -> FloatArray:
        """``theta + step * d``, handed with its ``z`` (and ``J``, ``dJ/dz`` if
        already evaluated) to the objective's cache."""
        theta, raw = self._raw_at(step)
        if self._trial_loss is not None:
            self.objective.remember(theta, raw, *self._trial_loss)
        else:
            self.objective.remember(theta, raw)
        return theta

    def value(self, step: float) -> float:
        theta, raw = self._raw_at(step)
        return self.objective.data_value(raw) + self.objective.penalty.value(theta)

    def value_derivative(self, step: float) -> tuple[float, float]:
        """``(phi(t), phi'(t))``, with ``phi'(t) = dJ/dtheta(theta + t d) @ d``,
        also O(n): the data part is ``sum s/S * dloss/dz * (X @ d)``."""
        obj = self.objective
        theta, raw = self._raw_at(step)
        data_term, weighted_grad, curvature = obj.pointwise(raw, slice(None), self.curvature)
        value = data_term + obj.penalty.value(theta)
        self._trial_loss = (
            (value, weighted_grad, curvature) if curvature is not None
            else (value, weighted_grad)
        )
        derivative = accurate_dot(weighted_grad.ravel(), self.raw_direction.ravel())
        derivative += obj.penalty.slope(theta, self.direction)
        return value, derivative
