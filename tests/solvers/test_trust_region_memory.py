"""The trust-region solver evaluates each trial step without the current
point's n-sized arrays in the objective's cache: a rejected step needs only
the curvature its Hessian products hold (``trust_region``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron.objective import LogisticObjective
from logitron.solvers.result import SolverOptions, SolverResult
from logitron.solvers.trust_region import trust_region_newton_cg
from tests.helpers import make_objective, peak_memory_beyond_X, theta_of


def _solve_counting(
    objective: LogisticObjective, rejected: int = 0
) -> tuple[SolverResult, list[int], int]:
    """The solver's result; for each trial step (a ``keep_curvature``
    evaluation) the number of points cached when it was asked; and the
    number of points whose Hessian products the solver asked for (the start
    and each accepted step). The first ``rejected`` trials report an
    infinite value (an overflow), which the solver must reject."""
    held: list[int] = []
    hessp_points: list[int] = []
    value_gradient, value_gradient_hessp = objective.value_gradient, objective.value_gradient_hessp

    def counting_value_gradient(theta: np.ndarray, keep_curvature: bool = False) -> Any:
        if not keep_curvature:
            return value_gradient(theta, keep_curvature)
        held.append(len(objective.cache._points))
        value, gradient = value_gradient(theta, keep_curvature)
        return (np.inf if len(held) <= rejected else value), gradient

    def counting_hessp(theta: np.ndarray) -> Any:
        hessp_points.append(1)
        return value_gradient_hessp(theta)

    objective.value_gradient = counting_value_gradient  # type: ignore[method-assign]
    objective.value_gradient_hessp = counting_hessp  # type: ignore[method-assign]
    options = SolverOptions(tol=1e-10, max_iter=200)
    result = trust_region_newton_cg(objective, np.zeros(objective.n_params), options)
    return result, held, len(hessp_points)


def test_each_trial_is_evaluated_without_the_current_point() -> None:
    objective = make_objective(n_classes=4, n_samples=300, n_features=6, C=0.05, seed=3).objective
    result, held, _ = _solve_counting(objective)
    assert result.converged
    assert held  # trials were evaluated ...
    assert set(held) == {0}  # ... each with nothing cached beside it


def test_after_rejected_steps_the_solver_reaches_scikit_learns_optimum() -> None:
    # The Hessian products at the current point are used again after a
    # rejected trial, once its cached arrays went.
    case = make_objective(n_classes=3, n_samples=400, n_features=5, weighted=False, C=1.0)
    objective = case.objective
    result, held, hessp_points = _solve_counting(objective, rejected=3)
    assert result.converged
    assert len(held) == hessp_points - 1 + 3  # every trial accepted but the three
    reference = SklearnLogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)
    reference.fit(case.X, case.y)
    # Both at the optimum: the same cost to rounding (and ours no higher).
    ours, theirs = objective.value(result.theta), objective.value(theta_of(reference))
    assert ours <= theirs + 1e-12 * abs(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_digits_softmax_fit_holds_at_most_1_6_X_beyond_X() -> None:
    # newton-cg with float32 Hessian products (a copy of half of X); the
    # current point's z and curvature used to stay beside the trial's: 1.87 X.
    assert peak_memory_beyond_X("digits-softmax") < 1.6
