"""The bounds on the gradient after a Newton step hold, and are of second order.

Each bound is compared with the gradient and Newton decrement computed at
the step's end by the in-memory objective: the bound is what Newton
(``solvers.newton``) trusts instead of that pass on Dask.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import cho_factor, cho_solve

from logitron.solvers.newton_certificate import (
    bounds_after_step,
    quadratic_model_error,
    remainder_factor,
)
from tests.helpers import make_objective


def certificate_case(seed, n_samples, n_features, C, fit_intercept, spread, distance):
    """An objective, a point ``distance`` from its optimum along a random
    direction, the parameter bound of its rows, and its optimum."""
    rng = np.random.default_rng(seed)
    scales = np.exp(rng.uniform(-spread, spread, size=n_features))
    X = rng.standard_t(df=5, size=(n_samples, n_features)) * scales
    y = (X @ (rng.normal(size=n_features) / scales) + rng.logistic(size=n_samples) > 0)
    case = make_objective(X, y.astype(int), C=C, fit_intercept=fit_intercept, seed=seed)
    objective = case.objective
    theta = np.zeros(objective.n_params)
    for _ in range(50):  # Newton to the optimum, with the exact Hessian
        _, gradient, hessian = objective.value_gradient_hessian(theta)
        theta = theta - np.linalg.solve(hessian, gradient)
    unit = objective.unit
    bound = unit.pack(np.max(np.abs(X), axis=0), np.ones(1))  # 1: the intercept's column
    offset = rng.normal(size=objective.n_params)
    offset *= distance / np.max(np.abs(offset))
    return objective, theta + offset, bound, theta


def newton_step_and_truth(objective, theta, bound):
    """The bounds at the end of the Newton step from ``theta``, and the
    gradient's max and half decrement computed there."""
    _, gradient, hessian = objective.value_gradient_hessian(theta)
    factor = cho_factor(hessian, lower=True)
    direction = -cho_solve(factor, gradient)
    bounds = bounds_after_step(
        gradient, hessian, direction, bound, lambda vector: cho_solve(factor, vector)
    )
    _, gradient_after, hessian_after = objective.value_gradient_hessian(theta + direction)
    decrement_after = 0.5 * gradient_after @ np.linalg.solve(hessian_after, gradient_after)
    return bounds, (np.max(np.abs(gradient_after)), decrement_after)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_features=st.integers(1, 6),
    C=st.sampled_from([np.inf, 10.0, 0.05]),
    fit_intercept=st.booleans(),
    spread=st.floats(0.0, 3.0),
    distance=st.floats(1e-4, 0.5),
)
def test_bounds_hold_at_the_end_of_the_step(
    seed, n_features, C, fit_intercept, spread, distance
):
    objective, theta, bound, _ = certificate_case(
        seed, 200, n_features, C, fit_intercept, spread, distance
    )
    (gradient_bound, decrement_bound), (gradient_max, decrement) = newton_step_and_truth(
        objective, theta, bound
    )
    # The bounds are of the exact quantities; the slack covers rounding of
    # the gradient computed at the end of the step (a few eps per entry).
    assert gradient_max <= gradient_bound + 1e-14
    assert decrement <= decrement_bound + 1e-28


def test_bound_shrinks_as_the_square_of_the_distance():
    # A first-order bound would shrink tenfold per tenfold; the remainder of
    # a Newton step, and so this bound, a hundredfold.
    bounds = []
    for distance in (1e-2, 1e-3, 1e-4):
        objective, theta, bound, _ = certificate_case(3, 2_000, 4, np.inf, True, 1.0, distance)
        (gradient_bound, _), (gradient_max, _) = newton_step_and_truth(objective, theta, bound)
        assert gradient_max <= gradient_bound
        bounds.append(gradient_bound)
    assert bounds[1] < bounds[0] / 50
    assert bounds[2] < bounds[1] / 50


def test_a_step_too_long_is_never_certified():
    gradient, hessian = np.array([1.0]), np.array([[1e-20]])
    direction = -gradient / hessian[0]
    assert bounds_after_step(
        gradient, hessian, direction, np.array([1.0]), lambda v: v / hessian[0]
    ) == (np.inf, np.inf)


@pytest.mark.parametrize("reach", [0.0, 1e-12, 1e-6, 0.3, 5.0])
def test_remainder_factor_is_the_integral(reach):
    grid = np.linspace(0.0, 1.0, 200_001)
    values = np.expm1(grid * reach)
    integral = float(np.sum((values[1:] + values[:-1]) / 2) * (grid[1] - grid[0]))
    assert remainder_factor(reach) == pytest.approx(integral, rel=1e-6, abs=1e-300)


def test_bound_is_attained_where_curvature_grows_as_fast_as_it_can():
    # One column of ones, no intercept, at z = -20: there v(z) = sigma(z)
    # (1 - sigma(z)) grows as exp(z), the largest growth the bound allows.
    # Weights put the mean label at 2 sigma(z), so the Newton step moves z by
    # exactly t = 1 and the gradient after it is x sigma(z) (e - 2), which is
    # phi(1) * B * ||d||_H^2 to the precision of v = sigma(z) there. (The
    # Hessian at the end is e * v, which the decrement's bound takes as
    # v / e.)
    z = -20.0
    sigma = 1.0 / (1.0 + np.exp(-z))
    share = 2 * sigma
    objective = make_objective(
        np.ones((2, 1)), np.array([1, 0]), sample_weight=np.array([share, 1 - share]),
        C=np.inf, fit_intercept=False,
    ).objective
    (gradient_bound, decrement_bound), (gradient_max, decrement) = newton_step_and_truth(
        objective, np.array([z]), np.array([1.0])
    )
    assert gradient_max <= gradient_bound
    assert gradient_max == pytest.approx(gradient_bound, rel=1e-6)
    assert gradient_bound == pytest.approx(remainder_factor(1.0) * sigma, rel=1e-6)
    # The decrement's bound also allows the curvature to fall by exp(-t)
    # along the step, which here it does not: it rises by e. Twice e apart.
    assert decrement == pytest.approx(decrement_bound * np.exp(-2.0), rel=1e-6)


@pytest.mark.parametrize("distance", [1e-3, 0.1, 1.0])
def test_quadratic_model_error_bounds_the_value_after_the_step(distance):
    objective, theta, bound, _ = certificate_case(5, 300, 3, np.inf, True, 1.0, distance)
    value, gradient, hessian = objective.value_gradient_hessian(theta)
    step = -np.linalg.solve(hessian, gradient)
    model = value + gradient @ step + 0.5 * step @ hessian @ step
    error = abs(objective.value(theta + step) - model)
    assert error <= quadratic_model_error(hessian, step, bound) + 1e-15
