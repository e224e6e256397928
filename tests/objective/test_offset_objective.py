"""The objective with an offset: the cost is the log-loss at
``z = X @ coef + intercept + offset`` (computed here independently with
scikit-learn's ``log_loss``), derivatives by finite differences, and a line
``phi(t) = J(theta + t d)`` whose ``X @ d`` leaves the offset out."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose
from sklearn.metrics import log_loss

from logitron.objective import LogisticObjective
from tests.helpers import five_point_derivative, numeric_gradient


def problem() -> tuple[LogisticObjective, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(16)
    X = rng.normal(size=(300, 4))
    offset = rng.normal(scale=2.0, size=300)
    y = (rng.random(300) < 1 / (1 + np.exp(-(X[:, 0] + offset)))).astype(float)
    objective = LogisticObjective.from_arrays(
        X, y, 2, np.ones(300), C=10.0, offset=offset
    )
    return objective, X, y, offset, rng.normal(size=5)


def test_value_is_the_log_loss_with_the_offset() -> None:
    objective, X, y, offset, theta = problem()
    z = X @ theta[:4] + theta[4] + offset
    proba = 1 / (1 + np.exp(-z))
    expected = log_loss(y, proba) + 0.5 * theta[:4] @ theta[:4] / (10.0 * 300)
    assert_allclose(objective.value(theta), expected, rtol=1e-12)
    assert_allclose(objective.raw_prediction(theta), z, rtol=1e-12)


def test_gradient_and_hessian_products_by_finite_differences() -> None:
    objective, _, _, _, theta = problem()
    value, gradient = objective.value_gradient(theta)
    assert_allclose(gradient, numeric_gradient(objective.value, theta), atol=1e-9)
    _, _, hessp = objective.value_gradient_hessp(theta)
    direction = np.linspace(-1.0, 1.0, 5)
    slope = five_point_derivative(
        lambda t: objective.value_gradient(t)[1], theta, direction
    )
    assert_allclose(hessp(direction), slope, atol=1e-9)
    assert np.isfinite(value)


def test_line_moves_z_by_x_d_without_the_offset() -> None:
    objective, _, _, _, theta = problem()
    direction = np.linspace(1.0, -1.0, 5)
    line = objective.line(theta, direction)
    for step in (0.0, 0.3, 1.0):
        value, slope = line.value_derivative(step)
        assert_allclose(value, objective.value(theta + step * direction), rtol=1e-12)
        assert_allclose(
            slope, objective.value_gradient(theta + step * direction)[1] @ direction,
            rtol=1e-9,
        )
