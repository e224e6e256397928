"""Newton's chord rule weighs a Hessian by what it costs the objective.

``curvature.hessian_cost`` is the flops ratio ``2 + q / 40`` on large data
and counts each call's fixed cost on small data, where a Hessian costs less
than a pass; Newton (``solvers.newton``) then forms one at every iterate
instead of reusing an old factor.
"""

import numpy as np
import pytest

from logitron.objective.curvature import (
    HESSIAN_CALL_ENTRIES,
    PASS_CALL_ENTRIES,
    hessian_cost,
)
from logitron.solvers.newton import newton_cholesky
from logitron.solvers.result import SolverOptions
from tests.helpers import make_objective
from tests.problems import get_problem


@pytest.mark.parametrize("n_params", [2, 21, 101, 1001])
def test_hessian_cost_is_the_flops_ratio_without_fixed_costs(n_params):
    flops = 2.0 + n_params / 40.0
    assert hessian_cost(n_params) == flops
    # The fixed costs fade as the data grow.
    assert hessian_cost(n_params, 1e12) == pytest.approx(flops, rel=1e-6)
    assert hessian_cost(n_params, 1e6) == pytest.approx(flops, rel=0.05)


def test_hessian_cost_counts_fixed_costs_on_small_data():
    # 32 x 3 with an intercept: the calls' fixed costs decide.
    tiny = hessian_cost(4, 32 * 4)
    assert tiny == pytest.approx(HESSIAN_CALL_ENTRIES / PASS_CALL_ENTRIES, rel=0.01)
    assert tiny < 1.0
    costs = [hessian_cost(31, n * 31) for n in (32, 569, 5_000, 100_000, 10**7)]
    assert costs == sorted(costs)  # growing to the flops ratio
    assert costs[-1] < 2.0 + 31 / 40.0


def test_in_memory_objective_reports_its_size():
    case = make_objective(n_samples=569, n_features=30, C=1.0)
    objective = case.objective
    assert objective.hessian_cost() == hessian_cost(31, 569 * 31)


def _newton_counting_hessians(objective, cost=None):
    """Newton from zero at tol 1e-10, with the number of Hessians it formed;
    ``cost`` replaces the objective's ``hessian_cost()``."""
    count = [0]
    original = objective.value_gradient_hessian

    def counted(theta):
        count[0] += 1
        return original(theta)

    objective.value_gradient_hessian = counted
    if cost is not None:
        objective.hessian_cost = lambda: cost
    result = newton_cholesky(
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-10, max_iter=50)
    )
    return result, count[0]


def test_newton_forms_every_hessian_where_they_are_cheap():
    problem = get_problem("tiny-32x3-noreg")
    cheap = make_objective(problem.X, problem.y, C=np.inf, weighted=False).objective
    costly = make_objective(problem.X, problem.y, C=np.inf, weighted=False).objective
    assert cheap.hessian_cost() < 1.0
    result, hessians = _newton_counting_hessians(cheap)
    # One Hessian at the start and one after each step but the last.
    assert result.converged
    assert hessians == result.n_iter
    # Priced by the flops alone, the same fit takes chord steps, and more of them.
    chord_result, chord_hessians = _newton_counting_hessians(
        costly, cost=hessian_cost(costly.n_params)
    )
    assert chord_result.converged
    assert chord_hessians < chord_result.n_iter
    assert chord_result.n_iter > result.n_iter
    np.testing.assert_allclose(result.theta, chord_result.theta, rtol=1e-8, atol=1e-10)
