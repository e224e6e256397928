"""The softmax layer: derivatives, the two-class case, and scikit-learn's optimum."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_digits, load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression
from logitron._numerics import log_softmax, logsumexp
from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from logitron.solvers import SOLVERS, SolverOptions
from tests.helpers import five_point_derivative, make_objective, sklearn_cost


def softmax_objective(**changes: Any) -> tuple[LogisticObjective, np.ndarray]:
    """A 3-class objective on 40 x 4 seeded data (``make_objective`` with
    ``changes``) and a random theta."""
    settings: dict[str, Any] = {"n_classes": 3, "n_features": 4, "weight_range": (0.5, 2.0)}
    case = make_objective(**{**settings, **changes})
    return case.objective, case.rng.standard_normal(case.objective.n_params)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_matches_finite_differences(fit_intercept: bool) -> None:
    objective, theta = softmax_objective(fit_intercept=fit_intercept)
    _, gradient = objective.value_gradient(theta)
    identity = np.eye(objective.n_params)
    numeric = [
        five_point_derivative(objective.value, theta, identity[j])
        for j in range(objective.n_params)
    ]
    assert_allclose(gradient, numeric, rtol=1e-8, atol=1e-10)


def test_hessian_vector_product_matches_finite_differences() -> None:
    objective, theta = softmax_objective()
    rng = np.random.default_rng(1)

    def gradient_at(point: np.ndarray) -> np.ndarray:
        return objective.value_gradient(point)[1]

    _, _, hessp = objective.value_gradient_hessp(theta)
    _, _, hessian = objective.value_gradient_hessian(theta)
    for _ in range(3):
        direction = rng.standard_normal(objective.n_params)
        numeric = five_point_derivative(gradient_at, theta, direction)
        assert_allclose(hessp(direction), numeric, rtol=1e-7, atol=1e-10)
        assert_allclose(hessian @ direction, hessp(direction), rtol=1e-12, atol=1e-14)


def test_hessian_on_columns_is_the_matching_block_of_the_hessian() -> None:
    objective, theta = softmax_objective(n_features=5)
    _, _, hessian = objective.value_gradient_hessian(theta)
    columns = np.array([4, 1, 5])  # unsorted on purpose; 5 is the intercept
    index, block = objective.hessian_on_columns(theta, columns)
    width = 6
    expected_index = [k * width + c for k in range(3) for c in (1, 4, 5)]
    assert index.tolist() == expected_index
    assert_allclose(block, hessian[np.ix_(index, index)], rtol=1e-12, atol=1e-15)


def test_null_space_directions_leave_the_cost_unchanged() -> None:
    objective, theta = softmax_objective(C=np.inf)
    basis = objective.null_space()
    assert basis is not None
    assert basis.shape == (objective.n_params, objective.unit.weight_shape[1])
    value = objective.value(theta)
    for direction in basis.T:
        assert objective.value(theta + 3.0 * direction) == pytest.approx(
            value, rel=1e-12
        )


@pytest.mark.parametrize("raw", [-1e4, -30.0, -1.0, 0.0, 2.5, 40.0, 1e4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_class_softmax_loss_is_the_binary_loss(raw: float, dtype: Any) -> None:
    # With z = (0, z) the softmax loss is the binary one. Both are computed
    # to an absolute error of a few eps * (1 + |z|), the size of the terms
    # that cancel in the binary form log1pexp(z) - y z.
    z = np.array([raw, raw], dtype=dtype)
    y = np.array([0.0, 1.0], dtype=dtype)
    softmax_raw = np.column_stack([np.zeros_like(z), z])
    softmax_loss, softmax_grad = SoftmaxCrossEntropy().value_gradient(y, softmax_raw)
    binary_loss, binary_grad = BinaryCrossEntropy().value_gradient(y, z)
    eps = float(np.finfo(dtype).eps)
    atol = 4 * eps * (1 + abs(raw))
    assert np.all(np.isfinite(softmax_loss))
    assert_allclose(softmax_loss, binary_loss, rtol=4 * eps, atol=atol)
    assert_allclose(softmax_grad[:, 1], binary_grad, rtol=4 * eps, atol=4 * eps)
    assert_allclose(softmax_grad[:, 0], -binary_grad, rtol=4 * eps, atol=4 * eps)


@pytest.mark.parametrize("margin", [0.5, 30.0, 40.0, 700.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_near_certain_sample_keeps_its_tiny_loss_and_gradient(
    margin: float, dtype: Any
) -> None:
    # The right class leads by `margin` over two others: the loss is
    # log1p(2 exp(-margin)) and the label's gradient -2 sigmoid(-margin)-ish,
    # both far below eps; they must come out to full relative accuracy, not
    # as 0 (which log(1 + tiny) and p_y - 1 would give).
    raw = np.array([[margin, 0.0, 0.0]], dtype=dtype)
    y = np.array([0.0], dtype=dtype)
    expected_loss = np.log1p(2 * np.exp(-margin))
    loss, gradient = SoftmaxCrossEntropy().value_gradient(y, raw)
    rtol = 4 * float(np.finfo(dtype).eps)
    if expected_loss > np.finfo(dtype).tiny:
        assert loss[0] == pytest.approx(expected_loss, rel=rtol, abs=0)
        # p_k = exp(z_k - logsumexp(z)): exp of an argument near -margin
        # carries a relative error of about eps * margin.
        other = np.exp(-margin) / (1 + 2 * np.exp(-margin))
        assert gradient[0, 0] == pytest.approx(-2 * other, rel=rtol * margin, abs=0)
    assert_allclose(gradient.sum(axis=1), 0.0, atol=rtol)
    log_proba = log_softmax(raw.astype(np.float64), axis=1)
    assert log_proba[0, 0] == pytest.approx(
        -np.log1p(2 * np.exp(-margin)), rel=1e-15, abs=0
    )
    assert log_proba[0, 1] == pytest.approx(-margin - np.log1p(2 * np.exp(-margin)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_at_the_extremes(dtype: Any) -> None:
    raw = np.array(
        [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [0.0, -30.0, -50.0], [3.0, 3.0, 3.0]],
        dtype=dtype,
    )
    expected = [
        1e4,
        -1e4 + np.log(3.0),
        np.log1p(np.exp(-30.0) + np.exp(-50.0)),
        3.0 + np.log(3.0),
    ]
    result = logsumexp(raw, axis=1)
    assert result.dtype == dtype
    assert_allclose(result, expected, rtol=4 * float(np.finfo(dtype).eps))


@pytest.mark.parametrize("C", [0.05, 1.0])
def test_two_class_softmax_fit_is_the_binary_fit(C: float) -> None:
    # With z = z_1 - z_0 the softmax loss is the binary one. The symmetric
    # optimum has coef_1 = -coef_0 = w / 2, so its L2 term is ||w||^2 / 4:
    # the binary model with C doubled.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.standard_normal(80) > 0).astype(np.float64)
    unit = LinearUnit(as_data(X), n_outputs=2, fit_intercept=True)
    objective = LogisticObjective(unit, SoftmaxCrossEntropy(), y, np.ones(80), C=C)
    result = SOLVERS["newton"].minimize(
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-12, max_iter=100)
    )
    weights = unit.weights(result.theta)
    binary = LogisticRegression(C=2 * C, tol=1e-12).fit(X, y)
    assert_allclose(weights[1, :3] - weights[0, :3], binary.coef_[0], atol=1e-9)
    assert_allclose(weights[1, 3] - weights[0, 3], binary.intercept_[0], atol=1e-9)


def standardised(name: str) -> tuple[np.ndarray, np.ndarray]:
    loader = {"iris": load_iris, "digits": load_digits}[name]
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@functools.cache
def sklearn_multinomial(name: str, C: float) -> SkLogisticRegression:
    X, y = standardised(name)
    return SkLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y)


SMOOTH_EXACT_SOLVERS = [
    name
    for name in ("newton", "newton-cg", "lbfgs", "prox-newton", "fista")
    if name in SOLVERS
]


@pytest.mark.parametrize("solver", SMOOTH_EXACT_SOLVERS)
@pytest.mark.parametrize(
    ("name", "C"), [("iris", 0.1), ("iris", 10.0), ("digits", 1.0)]
)
def test_multinomial_fit_equals_scikit_learn(solver: str, name: str, C: float) -> None:
    X, y = standardised(name)
    reference = sklearn_multinomial(name, C)
    model = LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=20_000).fit(X, y)
    assert model.coef_.shape == (len(np.unique(y)), X.shape[1])
    assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
    assert sklearn_cost(model, X, y, C) == pytest.approx(
        sklearn_cost(reference, X, y, C), rel=1e-10
    )
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-7)


def test_gradient_descent_fits_the_softmax_layer() -> None:
    # The classic recipe is not built for 1e-6 agreement; it must still
    # descend to the multinomial optimum on a well-scaled problem.
    X, y = standardised("iris")
    reference = sklearn_multinomial("iris", 0.1)
    model = LogisticRegression(C=0.1, solver="gd", learning_rate=1.0, tol=1e-12).fit(
        X, y
    )
    assert sklearn_cost(model, X, y, 0.1) == pytest.approx(
        sklearn_cost(reference, X, y, 0.1), rel=1e-6
    )


@pytest.mark.parametrize("C", [0.3, np.inf])
def test_coefficients_follow_the_symmetric_convention(C: float) -> None:
    # Among the equivalent softmax parametrisations, coef_ and intercept_ are
    # the ones whose columns sum to zero over the classes (scikit-learn's).
    X, y = standardised("iris")
    X_noisy = X + np.random.default_rng(0).standard_normal(X.shape)  # not separable
    model = LogisticRegression(C=C, tol=1e-10).fit(X_noisy, y)
    assert_allclose(model.coef_.sum(axis=0), 0.0, atol=1e-10)
    assert_allclose(model.intercept_.sum(), 0.0, atol=1e-10)
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)
