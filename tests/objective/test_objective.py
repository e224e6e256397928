"""The objective: derivatives against finite differences, structure, caching."""

import numpy as np
import pytest

from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from tests.helpers import make_objective, numeric_gradient

CASES = [
    pytest.param(dict(n_classes=2), id="binary"),
    pytest.param(dict(n_classes=2, fit_intercept=False), id="binary-no-intercept"),
    pytest.param(dict(n_classes=2, C=np.inf), id="binary-unpenalised"),
    pytest.param(dict(n_classes=2, sparse=True), id="binary-sparse"),
    pytest.param(dict(n_classes=3), id="softmax"),
    pytest.param(dict(n_classes=4, fit_intercept=False, sparse=True), id="softmax-sparse"),
]


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_finite_differences(case):
    objective, *_, rng = make_objective(**case)
    theta = rng.normal(size=objective.n_params)
    value, gradient = objective.value_gradient(theta)
    assert value == pytest.approx(objective.value(theta), rel=1e-14)
    np.testing.assert_allclose(
        gradient, numeric_gradient(objective.value, theta), rtol=1e-7, atol=1e-10
    )


@pytest.mark.parametrize("case", CASES)
def test_hessian_matches_finite_differences_of_the_gradient(case):
    objective, *_, rng = make_objective(**case)
    theta = rng.normal(size=objective.n_params)
    _, gradient, hessian = objective.value_gradient_hessian(theta)
    np.testing.assert_allclose(gradient, objective.value_gradient(theta)[1], rtol=1e-12)
    numeric = np.column_stack(
        [
            numeric_gradient(lambda t, j=j: objective.value_gradient(t)[1][j], theta)
            for j in range(objective.n_params)
        ]
    )
    np.testing.assert_allclose(hessian, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(hessian, hessian.T, rtol=0, atol=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_hessian_vector_product_equals_hessian_times_vector(case):
    objective, *_, rng = make_objective(**case)
    theta = rng.normal(size=objective.n_params)
    value, gradient, hessian = objective.value_gradient_hessian(theta)
    value_p, gradient_p, hessp = objective.value_gradient_hessp(theta)
    assert value_p == value
    np.testing.assert_allclose(gradient_p, gradient, rtol=1e-14)
    for _ in range(3):
        v = rng.normal(size=objective.n_params)
        np.testing.assert_allclose(hessp(v), hessian @ v, rtol=1e-10, atol=1e-13)


def test_value_is_the_weighted_mean_loss_plus_scaled_l2_penalty():
    objective, X, y, weight, rng = make_objective(n_classes=2, C=0.3)
    theta = rng.normal(size=objective.n_params)
    coef, intercept = theta[:-1], theta[-1]
    z = X @ coef + intercept
    loss = np.log1p(np.exp(z)) - y * z
    sklearn_objective = 0.3 * np.sum(weight * loss) + 0.5 * coef @ coef
    assert objective.value(theta) == pytest.approx(
        sklearn_objective / (0.3 * weight.sum()), rel=1e-13
    )


def test_integer_sample_weights_equal_repeated_rows():
    _, X, y, _, rng = make_objective(n_classes=3, weighted=False)
    counts = rng.integers(0, 4, size=len(y))
    counts[:3] = 1  # keep every class present
    weighted = LogisticObjective(
        LinearUnit(as_data(X), 3, True), SoftmaxCrossEntropy(), y, counts.astype(float)
    )
    repeated = LogisticObjective(
        LinearUnit(as_data(np.repeat(X, counts, axis=0)), 3, True),
        SoftmaxCrossEntropy(), np.repeat(y, counts), np.ones(counts.sum()),
    )
    theta = rng.normal(size=weighted.n_params)
    value_w, grad_w, hess_w = weighted.value_gradient_hessian(theta)
    value_r, grad_r, hess_r = repeated.value_gradient_hessian(theta)
    assert value_w == pytest.approx(value_r, rel=1e-13)
    np.testing.assert_allclose(grad_w, grad_r, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hess_w, hess_r, rtol=1e-12, atol=1e-15)


def test_intercept_is_an_unpenalised_column_of_ones():
    objective, X, y, weight, rng = make_objective(n_classes=2, C=np.inf)
    ones = np.column_stack([X, np.ones(len(y))])
    explicit = LogisticObjective(
        LinearUnit(as_data(ones), 1, False), BinaryCrossEntropy(), y, weight, C=np.inf
    )
    theta = rng.normal(size=objective.n_params)
    assert objective.value(theta) == pytest.approx(explicit.value(theta), rel=1e-14)
    np.testing.assert_allclose(
        objective.value_gradient(theta)[1], explicit.value_gradient(theta)[1], rtol=1e-13
    )


def test_penalty_leaves_the_intercept_alone():
    objective, *_, rng = make_objective(n_classes=3, C=0.01)
    theta = rng.normal(size=objective.n_params)
    shifted = objective.unit.weights(theta.copy())
    shifted[:, -1] += 5.0  # the same shift for every class's intercept
    assert objective.value(shifted.ravel()) == pytest.approx(objective.value(theta), rel=1e-13)


def test_null_space_spans_directions_of_constant_objective():
    objective, *_, rng = make_objective(n_classes=3, C=np.inf)
    basis = objective.null_space()
    assert basis is not None
    assert basis.shape == (objective.n_params, objective.unit.weight_shape[-1])
    np.testing.assert_allclose(basis.T @ basis, np.eye(basis.shape[1]), atol=1e-15)
    theta = rng.normal(size=objective.n_params)
    _, gradient, hessian = objective.value_gradient_hessian(theta)
    np.testing.assert_allclose(basis.T @ gradient, 0, atol=1e-14)
    np.testing.assert_allclose(hessian @ basis, 0, atol=1e-14)
    binary, *_ = make_objective(n_classes=2)
    assert binary.null_space() is None


@pytest.mark.parametrize("n_classes", [2, 3])
def test_line_function_matches_the_objective_along_the_direction(n_classes):
    objective, *_, rng = make_objective(n_classes=n_classes)
    theta = rng.normal(size=objective.n_params)
    direction = rng.normal(size=objective.n_params)
    line = objective.line(theta, direction)
    for step in [0.0, 0.3, 1.7]:
        value, derivative = line.value_derivative(step)
        assert value == pytest.approx(objective.value(theta + step * direction), rel=1e-13)
        _, gradient = objective.value_gradient(theta + step * direction)
        assert derivative == pytest.approx(gradient @ direction, rel=1e-10)


def test_line_search_points_reuse_the_cached_raw_prediction():
    objective, *_, rng = make_objective(n_classes=2)
    theta = rng.normal(size=objective.n_params)
    direction = rng.normal(size=objective.n_params)
    line = objective.line(theta, direction)
    point = line.point(0.5)
    # Small dense data are read as X~ = [X | 1] (LinearUnit.with_ones).
    data = objective.unit.with_ones or objective.unit.data
    calls: list[str] = []
    for name in ("matmul", "rmatmul", "matmul_rmatmul", "weighted_gram", "weighted_grams"):
        method = getattr(data, name, None)
        if method is not None:
            def counting(*args, _name=name, _method=method, **kwargs):
                calls.append(_name)
                return _method(*args, **kwargs)

            setattr(data, name, counting)
    objective.value_gradient(point)
    assert calls == ["rmatmul"]  # z came from the line search: backward pass only
    calls.clear()
    objective.value_gradient(point + 1.0)
    assert calls  # a new point needs a forward pass too ...
    assert calls != ["rmatmul"]  # ... not only the backward one


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_data_stays_float32_and_agrees_with_float64(n_classes):
    objective64, X, y, weight, rng = make_objective(n_classes=n_classes)
    X32 = X.astype(np.float32)
    K = 1 if n_classes == 2 else n_classes
    loss = BinaryCrossEntropy() if n_classes == 2 else SoftmaxCrossEntropy()
    objective32 = LogisticObjective(LinearUnit(as_data(X32), K, True), loss, y, weight, C=0.7)
    theta = rng.normal(size=objective64.n_params)
    assert objective32.raw_prediction(theta).dtype == np.float32
    value32, grad32 = objective32.value_gradient(theta)
    value64, grad64 = objective64.value_gradient(theta)
    assert grad32.dtype == np.float64  # host-side state is float64
    assert value32 == pytest.approx(value64, rel=1e-6)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-5, atol=1e-6)
