"""The elastic-net penalty on the coefficient part of theta, against the
formulas written out here with NumPy, finite differences, and the
soft-thresholding operator of the L1 norm (Parikh & Boyd, Proximal
Algorithms, 2014, section 6.5.2)."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.backends import as_data
from logitron.neuron import LinearUnit
from logitron.objective import CoefficientPenalty
from tests.helpers import five_point_derivative, numeric_gradient

STRENGTH = 0.3

UNITS = [
    pytest.param(1, True, id="neuron"),
    pytest.param(1, False, id="neuron-no-intercept"),
    pytest.param(3, True, id="softmax"),
    pytest.param(3, False, id="softmax-no-intercept"),
]


def penalty_and_theta(
    n_outputs: int, fit_intercept: bool, l1_ratio: float
) -> tuple[CoefficientPenalty, np.ndarray, np.ndarray]:
    """The penalty, a random theta and a mask of theta's coefficient entries."""
    rng = np.random.default_rng(n_outputs + 10 * fit_intercept)
    unit = LinearUnit(as_data(rng.standard_normal((12, 4))), n_outputs, fit_intercept)
    theta = rng.standard_normal(unit.n_params)
    is_coef = np.zeros((n_outputs, 4 + fit_intercept), dtype=bool)
    is_coef[:, :4] = True
    return CoefficientPenalty(unit, STRENGTH, l1_ratio), theta, is_coef.ravel()


@pytest.mark.parametrize(("n_outputs", "fit_intercept"), UNITS)
@pytest.mark.parametrize("l1_ratio", [0.0, 0.4, 1.0])
def test_values_are_the_elastic_net_of_the_coefficients(
    n_outputs: int, fit_intercept: bool, l1_ratio: float
) -> None:
    penalty, theta, is_coef = penalty_and_theta(n_outputs, fit_intercept, l1_ratio)
    coef = theta[is_coef]
    a, b = STRENGTH * (1 - l1_ratio), STRENGTH * l1_ratio
    assert penalty.value(theta) == pytest.approx(0.5 * a * coef @ coef, rel=1e-14)
    assert penalty.nonsmooth_value(theta) == pytest.approx(b * np.abs(coef).sum(), rel=1e-14)
    np.testing.assert_array_equal(penalty.l1_strengths(), np.where(is_coef, b, 0.0))


@pytest.mark.parametrize(("n_outputs", "fit_intercept"), UNITS)
def test_gradient_slope_and_hessian_diagonal_match_finite_differences(
    n_outputs: int, fit_intercept: bool
) -> None:
    penalty, theta, _ = penalty_and_theta(n_outputs, fit_intercept, 0.4)

    def gradient_at(point: np.ndarray) -> np.ndarray:
        gradient = np.zeros_like(point)
        penalty.add_gradient(point, gradient)
        return gradient

    gradient = gradient_at(theta)
    np.testing.assert_allclose(
        gradient, numeric_gradient(penalty.value, theta), rtol=1e-9, atol=1e-12
    )
    direction = np.random.default_rng(5).standard_normal(len(theta))
    assert penalty.slope(theta, direction) == pytest.approx(gradient @ direction, rel=1e-13)
    # The Hessian is diagonal: the derivative of the gradient along each axis.
    identity = np.eye(len(theta))
    hessian = np.column_stack(
        [five_point_derivative(gradient_at, theta, identity[j]) for j in range(len(theta))]
    )
    np.testing.assert_allclose(
        np.diag(penalty.hessian_diagonal()), hessian, rtol=1e-9, atol=1e-12
    )
    # The gradient is added in place, to what was there.
    ones = np.ones_like(theta)
    penalty.add_gradient(theta, ones)
    np.testing.assert_allclose(ones, 1.0 + gradient, rtol=1e-15)


@pytest.mark.parametrize(("n_outputs", "fit_intercept"), UNITS)
@pytest.mark.parametrize("l1_ratio", [0.0, 0.4, 1.0])
def test_the_intercept_is_never_touched(
    n_outputs: int, fit_intercept: bool, l1_ratio: float
) -> None:
    penalty, theta, is_coef = penalty_and_theta(n_outputs, fit_intercept, l1_ratio)
    moved = theta.copy()
    moved[~is_coef] += 100.0
    assert penalty.value(moved) == penalty.value(theta)
    assert penalty.nonsmooth_value(moved) == penalty.nonsmooth_value(theta)
    gradient = np.zeros_like(theta)
    penalty.add_gradient(theta, gradient)
    np.testing.assert_array_equal(gradient[~is_coef], 0.0)
    np.testing.assert_array_equal(penalty.hessian_diagonal()[~is_coef], 0.0)
    np.testing.assert_array_equal(penalty.prox(theta, 1.0)[~is_coef], theta[~is_coef])


@pytest.mark.parametrize(("n_outputs", "fit_intercept"), UNITS)
@pytest.mark.parametrize("quantile", [0.25, 0.75])
def test_prox_soft_thresholds_the_coefficients(
    n_outputs: int, fit_intercept: bool, quantile: float
) -> None:
    penalty, theta, is_coef = penalty_and_theta(n_outputs, fit_intercept, 1.0)
    # A threshold between the sizes of the coefficients: some reach zero.
    threshold = float(np.quantile(np.abs(theta[is_coef]), quantile))
    step = threshold / STRENGTH
    result = penalty.prox(theta, step)
    expected = theta.copy()
    coef = theta[is_coef]
    expected[is_coef] = np.sign(coef) * np.maximum(np.abs(coef) - threshold, 0.0)
    np.testing.assert_allclose(result, expected, rtol=1e-14, atol=1e-15)
    assert np.any(result[is_coef] == 0)
    assert np.any(result[is_coef] != 0)
    assert result is not theta  # a new array: the iterate is not changed

    # The prox is the minimiser of  b ||c||_1 + ||c - v||^2 / (2 step): no
    # nearby point does better.
    def prox_objective(point: np.ndarray) -> float:
        return penalty.nonsmooth_value(point) + float(np.sum((point - theta) ** 2)) / (2 * step)

    rng = np.random.default_rng(3)
    best = prox_objective(result)
    for _ in range(20):
        assert prox_objective(result + 1e-3 * rng.standard_normal(len(theta))) >= best
