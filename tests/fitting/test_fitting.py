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


def _weighted_classes(n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    shares = np.arange(1, n_classes + 1) / np.sum(np.arange(1, n_classes + 1))
    return (
        rng.standard_normal((120, 3)), rng.choice(n_classes, size=120, p=shares),
        rng.uniform(0.5, 2.0, size=120),
    )


def test_intercept_only_theta_is_statsmodels_null_model() -> None:
    import statsmodels.api as sm

    X, y, weight = _weighted_classes(2)
    unit = LinearUnit(as_data(X), 1, True)
    theta = fitting.intercept_only_theta(unit, np.bincount(y, weights=weight))
    null = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(),
                  freq_weights=weight).fit(tol=1e-12)
    np.testing.assert_array_equal(theta[:-1], 0.0)
    np.testing.assert_allclose(theta[-1], null.params[0], rtol=1e-10)
    # Softmax: statsmodels' intercepts are against class 0, ours centred.
    X, y, _ = _weighted_classes(4)
    unit = LinearUnit(as_data(X), 4, True)
    weights = unit.weights(fitting.intercept_only_theta(unit, np.bincount(y)))
    null = sm.MNLogit(y, np.ones((len(y), 1))).fit(disp=0, tol=1e-12)
    np.testing.assert_array_equal(weights[:, :-1], 0.0)
    np.testing.assert_allclose(weights[1:, -1] - weights[0, -1], null.params[0], rtol=1e-8)
    np.testing.assert_allclose(weights[:, -1].sum(), 0.0, atol=1e-12)
    # No intercept, or a class without weight (the optimum is at -inf): zeros.
    for case, class_weights in [(LinearUnit(as_data(X), 4, False), np.ones(4)),
                                (unit, np.array([1.0, 0.0, 2.0, 3.0]))]:
        np.testing.assert_array_equal(fitting.intercept_only_theta(case, class_weights), 0.0)


def _spy_on_starts(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    starts: list[np.ndarray] = []
    minimize = fitting.minimize

    def spy(objective: object, name: str, settings: object, theta0: np.ndarray,
            **kwargs: object) -> object:
        starts.append(np.array(theta0))
        return minimize(objective, name, settings, theta0, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fitting, "minimize", spy)
    return starts


@pytest.mark.parametrize("solver", ["gd", "newton", "lbfgs", "newton-cg", "auto"])
def test_fit_arrays_starts_at_the_null_model_except_the_recipe(
    solver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y, weight = _weighted_classes(2)
    starts = _spy_on_starts(monkeypatch)
    settings = fitting.FitSettings(C=1.0, solver=solver, tol=1e-6)
    fitting.fit_arrays(X, y.astype(np.float64), 2, weight, settings)
    unit = LinearUnit(as_data(X), 1, True)
    null = fitting.intercept_only_theta(unit, np.bincount(y, weights=weight))
    np.testing.assert_array_equal(starts[0], np.zeros(4) if solver == "gd" else null)
    assert null[-1] != 0
    # A warm start is kept as given; with an offset the start is zeros.
    fitting.fit_arrays(X, y.astype(np.float64), 2, weight, settings,
                       previous=(np.ones((1, 3)), np.zeros(1)))
    fitting.fit_arrays(X, y.astype(np.float64), 2, weight, settings, offset=np.ones(120))
    np.testing.assert_array_equal(starts[1], [1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(starts[2], np.zeros(4))
