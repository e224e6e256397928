"""What a solver may ask of an objective and of a line through it.

Two implementations answer each protocol with the same numbers: the
in-memory ``LogisticObjective`` / ``LineFunction`` and the distributed
``dask.objective.DaskLogisticObjective`` / ``dask.line.DaskLineFunction``.
Solvers import these protocols only, never an implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from .._numerics import FloatArray


class Line(Protocol):
    """``phi(t) = J(theta + t * direction)`` for a line search."""

    @property
    def direction(self) -> FloatArray: ...

    @property
    def trials_are_cheap(self) -> bool:
        """Whether a trial step costs far less than an iteration (O(n) in
        memory; a graph over the blocks on Dask): solvers may try extra steps."""
        ...

    def value(self, step: float) -> float: ...

    def value_derivative(self, step: float) -> tuple[float, float]: ...

    def point(self, step: float) -> FloatArray: ...

    def value_noise(self, value: float) -> float: ...


class Objective(Protocol):
    """The smooth part ``J`` of the cost and its derivatives in theta."""

    n_params: int

    def value(self, theta: FloatArray) -> float: ...

    def value_gradient(
        self, theta: FloatArray, keep_curvature: bool = False
    ) -> tuple[float, FloatArray]: ...

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]: ...

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]: ...

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray: ...

    def forget_points(self) -> None:
        """Let go of what is kept at the points evaluated so far (their
        n-sized arrays), for a solver that will not ask about them again."""
        ...

    def line(self, theta: FloatArray, direction: FloatArray, curvature: bool = False) -> Line: ...

    def null_space(self) -> FloatArray | None: ...

    def hessian_cost(self) -> float:
        """A Hessian's cost in gradient passes (``curvature.hessian_cost``)."""
        ...

    def parameter_bound(self) -> FloatArray | None:
        """``max_i |x~_ij|`` over the rows of positive weight for each entry
        of theta (two classes), known without a pass over ``X``; None where
        there is none (``solvers.newton_certificate``)."""
        ...

    def gradient_floor(self) -> float: ...

    def value_noise(self, value: float) -> float: ...


@runtime_checkable
class CompositeObjective(Objective, Protocol):
    """An objective with an L1 term, as the proximal solvers see it."""

    #: Rows of the data: the cost of a Gram product scales with it.
    n_samples: float

    def nonsmooth_value(self, theta: FloatArray) -> float: ...

    def l1_strengths(self) -> FloatArray: ...

    def raw_prediction(self, theta: FloatArray) -> Any: ...

    def remember(self, theta: FloatArray, raw: Any) -> None: ...

    def parameter_columns(self) -> NDArray[np.intp]: ...

    def hessian_on_columns(
        self, theta: FloatArray, columns: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], FloatArray]: ...
