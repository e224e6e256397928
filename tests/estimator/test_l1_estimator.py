"""The estimator around the L1 solvers: the automatic choice, refusals,
warm starts, warnings and scikit-learn's estimator contract with an L1 term
(the solvers' optimality is tested in tests/solvers/test_l1.py)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from logitron import LogisticRegression
from tests.helpers import sparse_truth_problem

L1_SOLVERS = ["prox-newton", "fista"]


def test_auto_picks_proximal_newton_for_an_l1_term() -> None:
    X, y = sparse_truth_problem()
    assert LogisticRegression(l1_ratio=0.3).fit(X, y).solver_ == "prox-newton"
    assert LogisticRegression(l1_ratio=0.0).fit(X, y).solver_ != "prox-newton"


def test_smooth_solver_refuses_an_l1_term_clearly() -> None:
    X, y = sparse_truth_problem()
    with pytest.raises(ValueError, match=r"cannot fit l1_ratio=0\.5"):
        LogisticRegression(l1_ratio=0.5, solver="newton").fit(X, y)


def test_l1_ratio_without_penalty_is_the_unpenalised_fit() -> None:
    X, y = sparse_truth_problem()
    noisy_y = np.where(np.random.default_rng(1).random(len(y)) < 0.2, 1 - y, y)
    plain = LogisticRegression(C=np.inf, tol=1e-10).fit(X, noisy_y)
    with_ratio = LogisticRegression(C=np.inf, l1_ratio=1.0, tol=1e-10).fit(X, noisy_y)
    assert_allclose(with_ratio.coef_, plain.coef_, atol=1e-9)


@pytest.mark.parametrize("solver", L1_SOLVERS)
def test_warm_start_from_the_optimum_needs_no_iteration(solver: str) -> None:
    X, y = sparse_truth_problem(n_classes=3)
    model = LogisticRegression(
        C=0.5, l1_ratio=1.0, solver=solver, tol=1e-9, warm_start=True
    ).fit(X, y)
    first = model.n_iter_[0]
    model.fit(X, y)
    assert first > 0
    assert model.n_iter_[0] <= 1


@pytest.mark.parametrize("solver", L1_SOLVERS)
def test_max_iter_reached_warns_and_says_what_to_do(solver: str) -> None:
    X, y = sparse_truth_problem(n_classes=3)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        LogisticRegression(
            C=5.0, l1_ratio=1.0, solver=solver, tol=1e-12, max_iter=2
        ).fit(X, y)


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5, np.nan])
def test_l1_ratio_outside_the_unit_interval_is_rejected(l1_ratio: float) -> None:
    X, y = sparse_truth_problem()
    with pytest.raises(ValueError, match="l1_ratio"):
        LogisticRegression(l1_ratio=l1_ratio).fit(X, y)


def test_prediction_ignores_removed_features() -> None:
    # A feature whose coefficient is exactly 0 cannot change a prediction.
    X, y = sparse_truth_problem()
    model = LogisticRegression(C=0.05, l1_ratio=1.0).fit(X, y)
    removed = np.flatnonzero(model.coef_[0] == 0)
    assert len(removed) > 0
    X_changed = X.copy()
    X_changed[:, removed] = 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(model.decision_function(X_changed), model.decision_function(X))


@parametrize_with_checks(
    [LogisticRegression(l1_ratio=0.5), LogisticRegression(l1_ratio=1.0)]
)
def test_scikit_learn_estimator_contract_with_l1(estimator: Any, check: Any) -> None:
    check(estimator)
