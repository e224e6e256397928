"""``logitron.gradcheck``: backpropagation against finite differences, on
real data, and a check that catches a wrong derivative."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression
from logitron.gradcheck import check_objective, gradient_check, relative_error
from tests.problems import SMALL_PROBLEMS, get_problem


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_backprop_matches_differences_on_breast_cancer(cancer: Any) -> None:
    X, y = cancer
    model = LogisticRegression(C=1.0).fit(X, y)
    check = gradient_check(model, X, y)
    # Central differences leave about eps**(2/3) ~ 4e-11 of relative error.
    assert check.gradient_error < 1e-8
    assert check.hessian_error < 1e-7
    assert check.gradient.shape == (31,)
    assert check.hessian.shape == (31, 31)


def test_gradient_at_zero_weights_is_the_closed_form(cancer: Any) -> None:
    # At theta = 0 every p_i = 1/2, so on the mean scale (no penalty at 0):
    #   dJ/dcoef = X.T @ (1/2 - y) / n,  dJ/dintercept = mean(1/2 - y)
    X, y = cancer
    check = gradient_check(LogisticRegression().fit(X, y), X, y, at="start")
    expected = np.append(X.T @ (0.5 - y) / len(y), np.mean(0.5 - y))
    np.testing.assert_allclose(check.gradient, expected, rtol=1e-12, atol=1e-15)
    assert check.value == pytest.approx(np.log(2.0), rel=1e-14)


def test_softmax_with_weights_and_a_pipeline() -> None:
    X, y = load_iris(return_X_y=True)
    weight = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=10.0, class_weight="balanced"))
    model.fit(X, y, logisticregression__sample_weight=weight)
    check = gradient_check(model, X, y, weight, at=np.full(15, 0.3))
    assert check.gradient_error < 1e-8
    assert check.hessian_error < 1e-7


def test_at_the_optimum_the_gradient_is_zero_and_the_hessian_still_checks(cancer: Any) -> None:
    X, y = cancer
    check = gradient_check(LogisticRegression(solver="newton").fit(X, y), X, y, at="fitted")
    assert np.max(np.abs(check.gradient)) < 1e-9
    assert check.hessian_error < 1e-7


class _WrongGradient:
    """The breast-cancer objective with its gradient off by 1%."""

    def __init__(self, objective: Any) -> None:
        self.objective = objective
        self.n_params = objective.n_params

    def value_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = self.objective.value_gradient(theta)
        return value, 1.01 * gradient

    def value_gradient_hessian(self, theta: np.ndarray) -> tuple[float, Any, Any]:
        value, gradient, hessian = self.objective.value_gradient_hessian(theta)
        return value, 1.01 * gradient, hessian


def test_a_wrong_gradient_is_caught(cancer: Any) -> None:
    from logitron.gradcheck import _objective

    X, y = cancer
    model = LogisticRegression().fit(X, y)
    check = check_objective(_WrongGradient(_objective(model, X, y, None)), np.zeros(31))
    assert check.gradient_error == pytest.approx(0.01 / 1.01, rel=1e-6)
    assert check.hessian_error == pytest.approx(0.01 / 1.01, rel=1e-4)


def test_relative_error_of_zero_vectors_is_zero() -> None:
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(2**0.5)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"at": "middle"}, "at must be"),
        ({"at": np.zeros(5)}, "theta has 5 entries"),
        ({"at": np.full(31, np.nan)}, "finite"),
        ({"y": "unknown"}, "labels the model does not know"),
    ],
)
def test_bad_input_names_the_problem(cancer: Any, change: dict[str, Any], words: str) -> None:
    X, y = cancer
    model = LogisticRegression().fit(X, y)
    labels = np.where(y == 1, 7, 0) if change.pop("y", None) else y
    with pytest.raises(ValueError, match=words):
        gradient_check(model, X, labels, **change)


def test_l1_is_refused(cancer: Any) -> None:
    X, y = cancer
    model = LogisticRegression(l1_ratio=1.0, C=0.1).fit(X, y)
    with pytest.raises(ValueError, match="L1 term has no gradient"):
        gradient_check(model, X, y)


@pytest.mark.parametrize("name", sorted(SMALL_PROBLEMS))
def test_every_small_problem_at_the_start_and_on_the_way(name: str) -> None:
    # Dense, sparse, wide, softmax, unpenalised, and features on scales from
    # 1e-3 to 1e3 (where a step that ignores the feature's scale errs by 1e-5).
    problem = get_problem(name)
    model = LogisticRegression(C=problem.C, solver="newton").fit(problem.X, problem.y)
    halfway = 0.5 * gradient_check(model, problem.X, problem.y, at="fitted").theta
    for at in ("start", halfway):
        check = gradient_check(model, problem.X, problem.y, at=at)
        assert check.gradient_error < 1e-8
        assert check.hessian_error < 1e-8
