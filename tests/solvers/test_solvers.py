"""Every solver on every small named problem, against each other and scikit-learn.

The optimum of a strictly convex problem is unique, so solvers that differ
in every step must land on the same coefficients; scikit-learn's
``newton-cholesky`` at a tight tolerance is the outside reference. Storage
(dense, CSR, CSC, float32) must not change the answer beyond rounding.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression
from logitron.solvers import SOLVERS, choose_solver
from tests.problems import SMALL_PROBLEMS, Problem, get_problem

# The solvers that reach the optimum to 1e-10 on ill-conditioned problems;
# "gd" is the classic recipe, checked against Newton at the recipe's
# accuracy in the estimator tests.
SECOND_ORDER = ["newton", "newton-cg", "lbfgs"]
TIGHT_TOL = 1e-10


@cache
def _fit(name: str, solver: str, storage: str = "native") -> LogisticRegression:
    problem = get_problem(name)
    X = _stored(problem, storage)
    return LogisticRegression(C=problem.C, solver=solver, tol=TIGHT_TOL).fit(
        X, problem.y
    )


@cache
def _sklearn_fit(name: str) -> SklearnLogisticRegression:
    problem = get_problem(name)
    return SklearnLogisticRegression(
        C=problem.C, solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(problem.X, problem.y)


def _stored(problem: Problem, storage: str) -> object:
    X = problem.X
    if storage == "native":
        return X
    if storage == "dense":
        return X.toarray() if sp.issparse(X) else X
    if storage == "float32":
        return X.astype(np.float32)
    dense = X.toarray() if sp.issparse(X) else X
    return sp.csr_matrix(dense) if storage == "csr" else sp.csc_matrix(dense)


def _parameters(model: object) -> np.ndarray:
    coef = np.asarray(model.coef_, dtype=np.float64)  # type: ignore[attr-defined]
    intercept = np.asarray(model.intercept_, dtype=np.float64)  # type: ignore[attr-defined]
    return np.column_stack([coef, intercept])


def _assert_same_optimum(ours: np.ndarray, theirs: np.ndarray, rtol: float) -> None:
    # Relative to the largest weight of the same neuron: coefficients that are
    # zero at the optimum are then held to rtol in the units that matter.
    scale = np.max(np.abs(theirs), axis=1, keepdims=True)
    np.testing.assert_allclose(ours / scale, theirs / scale, rtol=rtol, atol=rtol)


PROBLEM_NAMES = list(SMALL_PROBLEMS)


@pytest.mark.parametrize("solver", SECOND_ORDER)
@pytest.mark.parametrize("name", PROBLEM_NAMES)
def test_solver_agrees_with_scikit_learn(name: str, solver: str) -> None:
    ours = _parameters(_fit(name, solver))
    theirs = _parameters(_sklearn_fit(name))
    _assert_same_optimum(ours, theirs, rtol=1e-6)


@pytest.mark.parametrize("solver", [s for s in SECOND_ORDER if s != "newton"])
@pytest.mark.parametrize("name", PROBLEM_NAMES)
def test_solvers_agree_with_each_other(name: str, solver: str) -> None:
    reference = _parameters(_fit(name, "newton"))
    _assert_same_optimum(_parameters(_fit(name, solver)), reference, rtol=1e-6)


@pytest.mark.parametrize("storage", ["csr", "csc"])
@pytest.mark.parametrize("solver", SECOND_ORDER)
@pytest.mark.parametrize(
    "name", ["small-dense", "small-sparse", "small-softmax", "small-unscaled"]
)
def test_sparse_equals_dense(name: str, solver: str, storage: str) -> None:
    dense = _parameters(_fit(name, solver, "dense"))
    sparse = _parameters(_fit(name, solver, storage))
    _assert_same_optimum(sparse, dense, rtol=1e-8)


@pytest.mark.parametrize("solver", SECOND_ORDER)
@pytest.mark.parametrize(
    "name", ["small-dense", "small-sparse", "small-softmax", "breast_cancer"]
)
def test_float32_reaches_the_float64_optimum(name: str, solver: str) -> None:
    problem = get_problem(name)
    X32 = _stored(problem, "float32")
    # Default tolerance: float32 must converge without a warning (the
    # stopping rule adapts to the data's rounding level).
    model = LogisticRegression(C=problem.C, solver=solver).fit(X32, problem.y)
    assert model.coef_.dtype == np.float32
    ours = _parameters(model)
    reference = _parameters(_fit(name, "newton"))
    # float32 data carry relative errors of 6e-8; through the conditioning
    # of these problems that leaves about 1e-5 on the coefficients.
    _assert_same_optimum(ours, reference, rtol=1e-4)


@pytest.mark.parametrize("solver", SECOND_ORDER)
def test_warm_start_continues_with_fewer_iterations(solver: str) -> None:
    problem = get_problem("breast_cancer")
    cold = LogisticRegression(C=0.5, solver=solver, tol=TIGHT_TOL)
    cold.fit(problem.X, problem.y)
    warm = LogisticRegression(C=1.0, solver=solver, tol=TIGHT_TOL, warm_start=True)
    warm.fit(problem.X, problem.y)
    warm.set_params(C=0.5).fit(problem.X, problem.y)
    assert warm.n_iter_[0] < cold.n_iter_[0]
    _assert_same_optimum(_parameters(warm), _parameters(cold), rtol=1e-6)


@pytest.mark.parametrize("solver", SECOND_ORDER)
def test_warm_start_resumes_an_interrupted_fit(solver: str) -> None:
    problem = get_problem("small-softmax")
    model = LogisticRegression(
        C=problem.C, solver=solver, tol=TIGHT_TOL, max_iter=2, warm_start=True
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(problem.X, problem.y)
    model.set_params(max_iter=1000).fit(problem.X, problem.y)
    _assert_same_optimum(
        _parameters(model), _parameters(_fit("small-softmax", "newton")), rtol=1e-6
    )


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("name", ["small-dense", "small-softmax"])
def test_max_iter_reached_warns_on_every_solver(name: str, solver: str) -> None:
    problem = get_problem(name)
    model = LogisticRegression(C=problem.C, solver=solver, tol=1e-14, max_iter=1)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(problem.X, problem.y)
    assert model.n_iter_[0] == 1


@pytest.mark.parametrize("solver", SECOND_ORDER)
def test_default_tolerance_converges_quietly(solver: str) -> None:
    problem = get_problem("small-unscaled")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=problem.C, solver=solver).fit(problem.X, problem.y)
    _assert_same_optimum(
        _parameters(model), _parameters(_sklearn_fit("small-unscaled")), rtol=1e-5
    )


def test_choose_solver_returns_registered_solvers() -> None:
    shapes = [(100, 5), (10_000, 50), (1_000, 3_000), (100_000, 20_000)]
    for n, d in shapes:
        for n_classes in (2, 5):
            for is_sparse in (False, True):
                for dtype in (np.float32, np.float64):
                    name = choose_solver(n, d, n_classes, is_sparse, dtype, l1=False)
                    assert name in SOLVERS
                    assert not SOLVERS[name].handles_l1 or name != "gd"


def test_auto_fits_like_the_solver_it_chose() -> None:
    problem = get_problem("small-sparse")
    auto = LogisticRegression(C=problem.C, tol=TIGHT_TOL).fit(problem.X, problem.y)
    assert auto.solver_ in SOLVERS
    _assert_same_optimum(
        _parameters(auto), _parameters(_fit("small-sparse", auto.solver_, "csr")),
        rtol=1e-12,
    )
