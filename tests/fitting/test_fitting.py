"""The fit below the estimator: ``fitting.fit_arrays`` against scikit-learn's
``LogisticRegression`` on the same arrays, and the solver resolution."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logitron import fitting
from logitron.backends import as_data
from logitron.neuron import LinearUnit
from logitron.solvers import SOLVERS
from tests.problems import get_problem


def sklearn_parameters(X: object, y: np.ndarray, C: float) -> np.ndarray:
    """``[coef_ | intercept_]`` of scikit-learn's fit, one row per output."""
    model = SkLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    model.fit(X, y)
    return np.column_stack([model.coef_, model.intercept_])


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs"])
@pytest.mark.parametrize("name", ["small-dense", "small-sparse", "small-softmax"])
def test_fit_arrays_reaches_scikit_learns_optimum(name: str, solver: str) -> None:
    problem = get_problem(name)
    classes, y_index = np.unique(problem.y, return_inverse=True)
    settings = fitting.FitSettings(C=problem.C, solver=solver, tol=1e-10)
    outcome = fitting.fit_arrays(
        problem.X, y_index.astype(np.float64), len(classes), np.ones(len(y_index)), settings
    )
    assert outcome.result.converged
    assert sp.issparse(problem.X) == (name == "small-sparse")
    if solver != "auto":
        assert outcome.solver == solver
    coef, intercept = outcome.unpack(centre_coef=True)
    ours = np.column_stack([coef, intercept])
    theirs = sklearn_parameters(problem.X, problem.y, problem.C)
    # Relative to the largest weight of each output, as in tests/solvers.
    scale = np.max(np.abs(theirs), axis=1, keepdims=True)
    np.testing.assert_allclose(ours / scale, theirs / scale, rtol=1e-6, atol=1e-6)


def _unit(n_samples: int = 50, n_features: int = 3, sparse: bool = False) -> LinearUnit:
    X = np.random.default_rng(0).standard_normal((n_samples, n_features))
    return LinearUnit(as_data(sp.csr_matrix(X) if sparse else X), 1, True)


@pytest.mark.parametrize("solver", [name for name, s in SOLVERS.items() if not s.handles_l1])
def test_resolve_solver_refuses_a_smooth_solver_for_l1(solver: str) -> None:
    settings = fitting.FitSettings(solver=solver, l1_ratio=0.5)
    with pytest.raises(ValueError, match=f"solver='{solver}' needs a smooth objective"):
        fitting.resolve_solver(settings, _unit(), 2)
    # Without a penalty there is no L1 term: the same solver is fine.
    unpenalised = fitting.FitSettings(solver=solver, l1_ratio=0.5, C=np.inf)
    assert fitting.resolve_solver(unpenalised, _unit(), 2) == solver


@pytest.mark.parametrize("sparse", [False, True])
def test_resolve_solver_auto_picks_a_solver_that_can_fit(sparse: bool) -> None:
    # 569 x 30, the size of breast_cancer: one Hessian costs n * p^2 = 5e5
    # flops, under the documented 2e6 for dense data, over a tenth of it for
    # sparse (README, "Solvers"): Newton dense, L-BFGS sparse.
    unit = _unit(569, 30, sparse=sparse)
    l1 = fitting.resolve_solver(fitting.FitSettings(l1_ratio=1.0), unit, 2)
    assert SOLVERS[l1].handles_l1
    smooth = fitting.resolve_solver(fitting.FitSettings(), unit, 2)
    assert smooth == ("lbfgs" if sparse else "newton")


def test_initial_theta_packs_a_warm_start() -> None:
    unit = LinearUnit(as_data(np.ones((4, 2))), 3, True)
    coef = np.arange(6.0).reshape(3, 2)
    intercept = np.array([-1.0, 0.0, 1.0])
    theta = fitting.initial_theta(unit, (coef, intercept))
    np.testing.assert_array_equal(unit.weights(theta), np.column_stack([coef, intercept]))
    np.testing.assert_array_equal(fitting.initial_theta(unit), np.zeros(unit.n_params))
    drawn = fitting.initial_theta(unit, random_state=0)
    np.testing.assert_array_equal(drawn, fitting.initial_theta(unit, random_state=0))
    assert 0 < np.std(drawn) < 0.1
