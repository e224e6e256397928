"""The shared line searches on a real objective: the strong-Wolfe step meets
both conditions, backtracking Armijo halves until sufficient decrease."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.objective import LogisticObjective
from logitron.solvers.line_search import backtracking_armijo, strong_wolfe
from tests.helpers import half_zero_normal, make_objective

pytestmark = pytest.mark.usefixtures("small_blocks")

X_DENSE = half_zero_normal(np.random.default_rng(20240607))


def _objective(n_classes: int, C: float = 1.0) -> LogisticObjective:
    return make_objective(
        X_DENSE, n_classes=n_classes, storage="C", weight_range=(0.5, 1.5), C=C,
        seed=n_classes,
    ).objective


@pytest.mark.parametrize("first", [False, True])
def test_strong_wolfe_step_meets_both_conditions(first: bool) -> None:
    objective = _objective(4, C=10.0)
    theta = np.zeros(objective.n_params)
    value, gradient = objective.value_gradient(theta)
    direction = -20.0 * gradient  # far too long: the search must bracket and zoom
    slope = float(gradient @ direction)
    line = objective.line(theta, direction)
    known = line.value_derivative(1.0) if first else None
    step = strong_wolfe(line, value, slope, first=known)
    assert step.success
    new_value, new_gradient = objective.value_gradient(theta + step.step * direction)
    assert new_value <= value + 1e-4 * step.step * slope
    assert abs(float(new_gradient @ direction)) <= 0.9 * abs(slope)
    assert step.value == pytest.approx(new_value, rel=1e-12)


def test_backtracking_armijo_halves_until_sufficient_decrease() -> None:
    objective = _objective(2)
    theta = np.zeros(objective.n_params)
    value, gradient = objective.value_gradient(theta)
    direction = -500.0 * gradient
    slope = float(gradient @ direction)
    line = objective.line(theta, direction)
    step = backtracking_armijo(line, value, slope, first=line.value(1.0))
    assert step.success
    assert step.step < 1.0
    assert np.log2(step.step) == int(np.log2(step.step))  # a power of 1/2
    assert objective.value(theta + step.step * direction) <= value + 1e-4 * (
        step.step * slope
    )
