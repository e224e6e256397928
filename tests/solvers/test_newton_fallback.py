"""``solver="auto"``'s L-BFGS hands over to Newton when it has spent what a
Newton fit costs (``solvers.newton_fallback``): on nearly collinear
features, where L-BFGS crawls, the fit takes about the budget plus a few
Newton steps and lands on scikit-learn's optimum; where L-BFGS converges
within the budget nothing changes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression
from logitron.solvers import SOLVERS, SolverOptions
from logitron.solvers.choice import probe_pays
from logitron.solvers.newton_fallback import (
    MAX_FALLBACK_PARAMS,
    lbfgs_then_newton,
    newton_after,
)
from tests.helpers import make_objective
from tests.problems import collinear_data


def test_budget_is_the_cost_of_a_newton_fit() -> None:
    # 8 Newton iterations of (1 gradient + a Hessian of 2 + p / 40 gradients).
    assert newton_after(21, is_sparse=False) == 29
    assert newton_after(51, is_sparse=False) == 35
    assert newton_after(650, is_sparse=False) == 154
    assert newton_after(51, is_sparse=True) is None
    assert newton_after(MAX_FALLBACK_PARAMS + 1, is_sparse=False) is None


@pytest.mark.parametrize("C", [100.0, np.inf])
def test_auto_hands_a_stalled_lbfgs_over_to_newton(C: float) -> None:
    # Too few rows per column for the conditioning probe to pay (its Gram
    # over 968 of the 1,200 rows would cost 78 passes), so the collinearity
    # shows only while L-BFGS runs.
    X, y = collinear_data(1_200, 100, noise=1e-2)
    assert not probe_pays(X.shape[0], X.shape[1], 2)
    budget = newton_after(X.shape[1] + 1, is_sparse=False)
    assert budget is not None
    # The same tolerance for both (auto's L-BFGS default).
    plain = LogisticRegression(C=C, solver="lbfgs", tol=1e-10, max_iter=2_000).fit(X, y)
    assert plain.n_iter_[0] > budget + 10  # L-BFGS alone crawls here
    model = LogisticRegression(C=C, tol=1e-10, max_iter=2_000).fit(X, y)
    assert model.solver_ == "lbfgs"
    assert model.n_iter_[0] <= budget + 10
    reference = SklearnLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=200
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-8)


def test_within_budget_the_fit_is_plain_lbfgs() -> None:
    case = make_objective(n_samples=300, n_features=6, C=1.0, seed=3)
    options = SolverOptions(tol=1e-10, max_iter=1_000)
    start = np.zeros(case.objective.n_params)
    plain = SOLVERS["lbfgs"].minimize(case.objective, start, options)
    guarded = lbfgs_then_newton(case.objective, start, options, budget=50)
    assert plain.n_iter < 50
    assert guarded.n_iter == plain.n_iter
    np.testing.assert_array_equal(guarded.theta, plain.theta)
    assert guarded.history == plain.history


def test_newton_gets_the_iterations_lbfgs_left() -> None:
    X, y = collinear_data(1_000, 10, noise=1e-3)
    case = make_objective(X, y, C=1.0, weighted=False)
    start = np.zeros(case.objective.n_params)
    seen: list[int] = []
    options = SolverOptions(
        tol=1e-10, max_iter=8, callback=lambda info: seen.append(info.iteration)
    )
    result = lbfgs_then_newton(case.objective, start, options, budget=5)
    assert result.n_iter <= 8
    assert seen == list(range(1, len(seen) + 1))  # one count across the hand-over
    assert "Newton finished" in result.message
