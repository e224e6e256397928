"""A line through the array-API objective: ``phi(t) = J(theta + t d)``.

As in memory (``objective.line``): the unit is linear in theta, so
``z(theta + t d) = z(theta) + t * X~ @ d``, and one product with ``X`` for
the direction serves every trial step, each then O(n) on the device.
"""

from __future__ import annotations

from typing import Any, Protocol

from .._numerics import FloatArray
from ..objective import CoefficientPenalty


class LineOwner(Protocol):
    """What a ``NamespaceLine`` asks of its objective (``NamespaceObjective``)."""

    penalty: CoefficientPenalty

    def find(self, theta: FloatArray) -> Any: ...

    def keep(self, theta: FloatArray, raw: Any) -> Any: ...

    def raw_prediction(self, theta: FloatArray) -> Any: ...

    def forward(self, theta: FloatArray) -> Any: ...

    def data_terms(self, raw: Any) -> tuple[float, Any, Any]: ...

    def host_sum(self, values: Any) -> float: ...

    def value_noise(self, value: float) -> float: ...


class NamespaceLine:
    """``phi(t) = J(theta + t d)`` for a line search (the ``Line`` protocol)."""

    #: A trial costs O(n) on the device, far less than an iteration.
    trials_are_cheap = True

    def __init__(
        self, objective: LineOwner, theta: FloatArray, direction: FloatArray
    ) -> None:
        self.objective = objective
        self.theta = theta
        self.direction = direction
        self._raw: Any = None
        self._raw_direction: Any = None

    @property
    def raw(self) -> Any:
        if self._raw is None:
            self._raw = self.objective.raw_prediction(self.theta)
        return self._raw

    @property
    def raw_direction(self) -> Any:
        """``X~ @ d``: from the trial at ``t = 1`` if the solver evaluated it
        (L-BFGS and Newton do), else one product."""
        if self._raw_direction is None:
            objective = self.objective
            trial = objective.find(self.theta + self.direction)
            if trial is not None:
                self._raw_direction = trial.raw - self.raw
            else:
                self._raw_direction = objective.forward(self.direction)
        return self._raw_direction

    def value_noise(self, value: float) -> float:
        """Changes of ``phi`` smaller than this are rounding noise."""
        return self.objective.value_noise(value)

    def _raw_at(self, step: float) -> Any:
        return self.raw + step * self.raw_direction

    def point(self, step: float) -> FloatArray:
        """``theta + step * d``, handed with its ``z`` to the objective."""
        theta = self.theta + step * self.direction
        self.objective.keep(theta, self._raw_at(step))
        return theta

    def value(self, step: float) -> float:
        objective = self.objective
        theta = self.theta + step * self.direction
        data_value, _, _ = objective.data_terms(self._raw_at(step))
        return data_value + objective.penalty.value(theta)

    def value_derivative(self, step: float) -> tuple[float, float]:
        """``(phi(t), phi'(t))`` with ``phi'(t) = sum(s/S * dloss/dz * (X~ @ d))
        + penalty slope``, O(n)."""
        objective = self.objective
        theta = self.theta + step * self.direction
        data_value, grad_raw, _ = objective.data_terms(self._raw_at(step))
        slope = objective.host_sum(grad_raw * self.raw_direction)
        value = data_value + objective.penalty.value(theta)
        return value, slope + objective.penalty.slope(theta, self.direction)
