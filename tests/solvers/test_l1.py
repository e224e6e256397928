"""L1 and elastic net: optimality, exact zeros, and scikit-learn's optimum."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression
from logitron.objective import LogisticObjective
from logitron.solvers.proximal import as_composite, min_norm_subgradient, soft_threshold
from tests.helpers import make_objective, sklearn_cost, sparse_truth_problem, theta_of

proximal_newton_module = importlib.import_module("logitron.solvers.proximal_newton")

L1_SOLVERS = ["prox-newton", "fista"]


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def objective_of(
    X: Any, y: np.ndarray, C: float, l1_ratio: float, fit_intercept: bool = True
) -> LogisticObjective:
    """The unweighted objective of ``(X, y)`` (see ``tests.helpers.make_objective``)."""
    return make_objective(
        X, y, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept, weighted=False
    ).objective


def kkt_violation(objective: LogisticObjective, theta: np.ndarray) -> float:
    """Largest violation of the optimality conditions, written out directly::

    coef_j != 0:  g_j + l1 * sign(coef_j) = 0
    coef_j == 0:  |g_j| <= l1
    intercept:    g_j = 0
    """
    _, gradient = objective.value_gradient(theta)
    l1 = objective.penalty.l1_strength
    is_coef = np.zeros(objective.n_params, dtype=bool)
    objective.unit.coef(is_coef)[...] = True
    moving = is_coef & (theta != 0)
    resting = is_coef & (theta == 0)
    violations = np.concatenate(
        [
            np.abs(gradient[moving] + l1 * np.sign(theta[moving])),
            np.maximum(np.abs(gradient[resting]) - l1, 0.0),
            np.abs(gradient[~is_coef]),
        ]
    )
    return float(violations.max())


# -- building blocks -----------------------------------------------------------
def test_soft_threshold_gives_exact_zeros() -> None:
    values = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    result = soft_threshold(values, 1.0)
    assert result.tolist() == [-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]


def test_min_norm_subgradient_is_zero_exactly_at_optimality() -> None:
    theta = np.array([0.0, 0.0, 2.0, -1.0, 0.5])
    gradient = np.array([0.3, -0.7, -0.5, 0.5, 0.1])
    l1 = np.array([0.5, 0.5, 0.5, 0.5, 0.0])
    result = min_norm_subgradient(theta, gradient, l1)
    assert_allclose(result, [0.0, -0.2, 0.0, 0.0, 0.1])


def test_as_composite_checks_each_class_once_and_refuses_every_time() -> None:
    X, y = sparse_truth_problem(n_classes=2)
    objective = objective_of(X, y, 1.0, 1.0)
    assert as_composite(objective) is objective
    assert as_composite(objective_of(X, y, 2.0, 0.5)) is not objective

    class Smooth:
        n_params = 3

    for _ in range(2):  # a refused class is not remembered as accepted
        with pytest.raises(TypeError, match="Smooth lacks what a proximal solver"):
            as_composite(Smooth())  # type: ignore[arg-type]


class _QuadraticLine:
    """``F(t) = (t - minimum)**2`` along a direction, counting evaluations."""

    def __init__(self, minimum: float) -> None:
        self.minimum = minimum
        self.evaluations: list[float] = []

    def value(self, step: float) -> float:
        self.evaluations.append(step)
        return (step - self.minimum) ** 2

    def slope(self, step: float) -> float:
        return 2.0 * (step - self.minimum)


@pytest.mark.parametrize(
    ("minimum", "tried", "taken"),
    [
        (0.95, [], 1.0),  # F rises at t = 1, by under a tenth of its fall at 0
        (0.8, [0.8], 0.8),  # by a quarter: the secant step, exact on a quadratic
        (1.2, [], 1.0),  # F falls at t = 1 at a sixth of its rate at 0
        (1.3, [2.0], 1.0),  # a quarter: t = 2 tried, and F rises there
        (1.8, [2.0, 4.0], 2.0),
        (3.0, [2.0, 4.0], 2.0),  # F(4) = F(2): only a fall is taken
    ],
)
def test_full_step_refined_only_where_the_slope_points_to_a_better_one(
    minimum: float, tried: list[float], taken: float
) -> None:
    # F(t) = (t - minimum)**2 with slope -2 * minimum at 0; the full step
    # t = 1 was accepted. A secant step is tried if F rises at t = 1 by more
    # than _SECANT_SHARE of its fall at 0; doubling starts only if F falls
    # there at least _EXTRAPOLATION_SLOPE as fast, and goes on while it falls.
    line = _QuadraticLine(minimum)
    accepted = proximal_newton_module.CompositeStep(1.0, (1.0 - minimum) ** 2, True)
    theta, direction = np.array([1.0, 0.0]), np.array([1.0, 0.0])
    step = proximal_newton_module._refine_full_step(
        line, theta, direction, minimum**2, accepted, -2.0 * minimum
    )
    assert line.evaluations == pytest.approx(tried, rel=1e-12)
    assert step.step == pytest.approx(taken, rel=1e-12)


def test_secant_steps_reach_the_same_optimum_and_zeros(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Breast cancer at C = 0.5: an early full Newton step overshoots and the
    # secant step back is taken. The answer is still the optimum, with the
    # zeros FISTA's soft-thresholding finds.
    taken: list[float] = []
    refine = proximal_newton_module._refine_full_step

    def recording(*args: Any) -> Any:
        step = refine(*args)
        taken.append(step.step)
        return step

    monkeypatch.setattr(proximal_newton_module, "_refine_full_step", recording)
    X, y = breast_cancer()
    params: dict[str, Any] = {"C": 0.5, "l1_ratio": 1.0, "fit_intercept": False}
    model = LogisticRegression(**params, solver="prox-newton", tol=1e-10).fit(X, y)
    assert any(0.0 < step < 1.0 for step in taken)
    assert_fista_optimum_and_zeros(model, X, y, params)


def assert_fista_optimum_and_zeros(
    model: LogisticRegression, X: Any, y: np.ndarray, params: dict[str, Any]
) -> None:
    """``model`` (C=0.5, L1) reaches FISTA's optimum at tol=1e-10 (never
    above it beyond rounding, within 1e-8 below) with the same exact zeros."""
    reference = LogisticRegression(
        **params, solver="fista", tol=1e-10, max_iter=100_000
    ).fit(X, y)
    ours, theirs = (sklearn_cost(m, X, y, 0.5, 1.0) for m in (model, reference))
    assert ours <= theirs * (1 + 1e-12)
    assert theirs <= ours * (1 + 1e-8)
    assert np.array_equal(model.coef_ == 0, reference.coef_ == 0)


def test_sparse_data_with_most_columns_active_reach_the_optimum_and_zeros() -> None:
    # The sparse benchmark's shape in small: CSR, most columns active, so the
    # working set grows past 64 (eightfold) and the inner solves run on
    # Hessian products. Same optimum and zeros as FISTA.
    rng = np.random.default_rng(11)
    X = sp.random(
        4000, 600, density=0.05, format="csr", random_state=11,
        data_rvs=lambda k: rng.exponential(size=k),
    )
    truth = rng.standard_normal(600) * (rng.random(600) < 0.3) * 3
    y = (X @ truth - np.median(X @ truth) + rng.logistic(size=4000) > 0).astype(int)
    params: dict[str, Any] = {"C": 0.5, "l1_ratio": 1.0, "fit_intercept": False}
    model = LogisticRegression(**params, tol=1e-10).fit(X, y)
    assert model.solver_ == "prox-newton"
    active = int(np.count_nonzero(model.coef_))
    assert len(y) * 64**2 > proximal_newton_module._MAX_GRAM_WORK
    assert 8 * 64 > active > 64
    assert_fista_optimum_and_zeros(model, X, y, params)


# -- optimality ------------------------------------------------------------------
@pytest.mark.parametrize("solver", L1_SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize(("C", "l1_ratio"), [(0.05, 1.0), (1.0, 0.5), (20.0, 1.0)])
def test_solution_satisfies_the_optimality_conditions(
    solver: str, n_classes: int, C: float, l1_ratio: float
) -> None:
    X, y = sparse_truth_problem(n_classes=n_classes)
    model = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-10, max_iter=50_000
    ).fit(X, y)
    objective = objective_of(X, y, C, l1_ratio)
    assert kkt_violation(objective, theta_of(model)) <= 1e-9


def test_working_set_grows_to_many_active_columns() -> None:
    # 150 features, most of them active at weak L1: the working set starts at
    # 64 columns and must grow to reach the optimum of the full problem.
    rng = np.random.default_rng(4)
    X = rng.standard_normal((400, 150))
    y = (X @ rng.standard_normal(150) + rng.standard_normal(400) > 0).astype(np.intp)
    model = LogisticRegression(C=0.3, l1_ratio=0.5, tol=1e-10).fit(X, y)
    assert model.solver_ == "prox-newton"
    assert np.count_nonzero(model.coef_) > 64
    assert kkt_violation(objective_of(X, y, 0.3, 0.5), theta_of(model)) <= 1e-9


@pytest.mark.parametrize(("C", "l1_ratio"), [(0.05, 1.0), (0.02, 0.5)])
def test_large_working_sets_solved_by_hessian_products_reach_the_optimum(
    C: float, l1_ratio: float
) -> None:
    # Enough rows and active columns that forming the working set's Hessian
    # would cost more than _MAX_GRAM_WORK: the inner solve then runs on
    # Hessian products (orthant-based Newton-CG). Same optimum, exact zeros.
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3000, 400))
    y = (X @ rng.standard_normal(400) + rng.logistic(size=3000) > 0).astype(np.intp)
    model = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    active = int(np.count_nonzero(model.coef_))
    assert len(y) * min(active, 64) ** 2 > proximal_newton_module._MAX_GRAM_WORK
    assert 64 < active < X.shape[1]
    objective = objective_of(X, y, C, l1_ratio)
    assert kkt_violation(objective, theta_of(model)) <= 1e-9
    reference = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="fista", tol=1e-10, max_iter=100_000
    ).fit(X, y)
    assert sklearn_cost(model, X, y, C, l1_ratio) <= sklearn_cost(
        reference, X, y, C, l1_ratio
    ) * (1 + 1e-12)
    assert np.array_equal(model.coef_ == 0, reference.coef_ == 0)


@pytest.mark.parametrize("solver", L1_SOLVERS)
def test_an_all_zero_feature_gets_a_zero_coefficient(solver: str) -> None:
    X, y = sparse_truth_problem()
    X[:, 5] = 0.0
    model = LogisticRegression(C=1.0, l1_ratio=1.0, solver=solver, tol=1e-10).fit(X, y)
    assert model.coef_[0, 5] == 0.0
    assert kkt_violation(objective_of(X, y, 1.0, 1.0), theta_of(model)) <= 1e-9


@pytest.mark.parametrize("solver", L1_SOLVERS)
def test_penalty_above_threshold_zeroes_every_coefficient(solver: str) -> None:
    # At coef = 0 the intercept optimum is logit(mean(y)) and the gradient is
    # g = X.T @ (mean(y) - y) / n; every coefficient stays 0 exactly when
    # max|g| <= 1 / (C n), i.e. C <= C_max = 1 / (n max|g|).
    X, y = breast_cancer()
    n = len(y)
    gradient = X.T @ (y.mean() - y) / n
    C_max = 1.0 / (n * np.max(np.abs(gradient)))
    below = LogisticRegression(C=0.999 * C_max, l1_ratio=1.0, solver=solver, tol=1e-10)
    below.fit(X, y)
    assert np.all(below.coef_ == 0.0)
    assert below.intercept_[0] == pytest.approx(np.log(y.mean() / (1 - y.mean())))
    above = LogisticRegression(C=1.05 * C_max, l1_ratio=1.0, solver=solver, tol=1e-10)
    above.fit(X, y)
    assert np.count_nonzero(above.coef_) >= 1


# -- against scikit-learn ------------------------------------------------------
@functools.cache
def sklearn_reference(
    name: str, C: float, l1_ratio: float, solver: str, fit_intercept: bool
) -> SkLogisticRegression:
    X, y = {
        "iris": iris,
        "breast_cancer": breast_cancer,
        "synthetic": sparse_truth_problem,
    }[name]()
    # A fixed seed: liblinear and saga shuffle with it, and liblinear from
    # the global generator (whose state depends on the tests run before)
    # failed to converge in one CI run.
    return SkLogisticRegression(
        C=C,
        l1_ratio=l1_ratio,
        solver=solver,
        tol=1e-13,
        max_iter=100_000,
        fit_intercept=fit_intercept,
        random_state=0,
    ).fit(X, y)


CASES = [
    # (data, C, l1_ratio, scikit-learn solver, fit_intercept)
    ("synthetic", 0.02, 1.0, "saga", True),
    ("synthetic", 0.5, 0.5, "saga", True),
    ("breast_cancer", 0.05, 1.0, "liblinear", False),  # liblinear would
    ("breast_cancer", 0.5, 1.0, "liblinear", False),  # penalise an intercept
    ("iris", 0.1, 1.0, "saga", True),
    ("iris", 1.0, 0.5, "saga", True),
    ("iris", 0.5, 1.0, "saga", True),
]


@pytest.mark.parametrize("solver", L1_SOLVERS)
@pytest.mark.parametrize(
    ("name", "C", "l1_ratio", "reference_solver", "fit_intercept"), CASES
)
def test_objective_and_coefficients_equal_scikit_learn(
    solver: str,
    name: str,
    C: float,
    l1_ratio: float,
    reference_solver: str,
    fit_intercept: bool,
) -> None:
    X, y = {
        "iris": iris,
        "breast_cancer": breast_cancer,
        "synthetic": sparse_truth_problem,
    }[name]()
    reference = sklearn_reference(name, C, l1_ratio, reference_solver, fit_intercept)
    model = LogisticRegression(
        C=C,
        l1_ratio=l1_ratio,
        solver=solver,
        tol=1e-10,
        max_iter=50_000,
        fit_intercept=fit_intercept,
    ).fit(X, y)
    ours = sklearn_cost(model, X, y, C, l1_ratio)
    theirs = sklearn_cost(reference, X, y, C, l1_ratio)
    assert abs(ours - theirs) <= 1e-7 * theirs
    assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
    # Exact zeros where scikit-learn has them (theirs may carry a few
    # 1e-16-sized leftovers from its stochastic updates: compare supports).
    assert np.array_equal(model.coef_ == 0, np.abs(reference.coef_) < 1e-12)


def test_both_solvers_reach_the_same_objective() -> None:
    X, y = sparse_truth_problem(n_classes=4, seed=2)
    values = []
    for solver in L1_SOLVERS:
        model = LogisticRegression(C=2.0, l1_ratio=1.0, solver=solver, tol=1e-11).fit(
            X, y
        )
        values.append(sklearn_cost(model, X, y, 2.0, 1.0))
    assert values[0] == pytest.approx(values[1], rel=1e-12)


# -- input forms -----------------------------------------------------------------
@pytest.mark.parametrize("solver", L1_SOLVERS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse_format", ["csr", "csc"])
def test_sparse_input_equals_dense(
    solver: str, n_classes: int, sparse_format: str
) -> None:
    X, y = sparse_truth_problem(n_classes=n_classes)
    X[np.abs(X) < 0.8] = 0.0
    params: dict[str, Any] = {"C": 0.5, "l1_ratio": 0.8, "solver": solver, "tol": 1e-10}
    dense = LogisticRegression(**params).fit(X, y)
    sparse = LogisticRegression(**params).fit(
        sp.csr_matrix(X).asformat(sparse_format), y
    )
    assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
    assert_allclose(sparse.intercept_, dense.intercept_, atol=1e-8)
    assert np.array_equal(sparse.coef_ == 0, dense.coef_ == 0)


@pytest.mark.parametrize("solver", L1_SOLVERS)
def test_float32_input_fits_to_float32_accuracy(solver: str) -> None:
    X, y = sparse_truth_problem(n_classes=3)
    params: dict[str, Any] = {"C": 0.5, "l1_ratio": 1.0, "solver": solver, "tol": 1e-6}
    single = LogisticRegression(**params).fit(X.astype(np.float32), y)
    double = LogisticRegression(**params).fit(X, y)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.coef_, double.coef_, atol=1e-4)
