"""On Dask, Newton's last step is confirmed by a bound instead of a pass.

``solvers.newton_certificate`` bounds the gradient after a Newton step from
the step's own pass and the columns' largest ``|x|``, which the Dask
objective has from the pass that checked ``X``. These tests run Newton on
the Dask objective (synchronous scheduler) and check the answer with the
in-memory objective.
"""

import dask
import numpy as np
import pytest

from logitron.dask.objective import DaskLogisticObjective
from logitron.solvers.newton import newton_cholesky
from logitron.solvers.result import SolverOptions

from .test_dask_objective import make_twins


@pytest.fixture(autouse=True)
def synchronous_scheduler():
    with dask.config.set(scheduler="synchronous"):
        yield


def optimum(objective):
    theta = np.zeros(objective.n_params)
    for _ in range(30):
        _, gradient, hessian = objective.value_gradient_hessian(theta)
        theta = theta - np.linalg.solve(hessian, gradient)
    return theta


@pytest.mark.parametrize("case", [
    dict(C=np.inf), dict(C=0.5, fit_intercept=False), dict(C=np.inf, class_weight="balanced"),
], ids=["unpenalised", "penalised-no-intercept", "class-weight"])
def test_certified_step_meets_tol_with_one_pass_fewer(case, monkeypatch):
    distributed, in_memory, rng = make_twins(n_samples=4_000, chunk=1_000, **case)
    start = optimum(in_memory) + 1e-3 * rng.normal(size=in_memory.n_params)
    tol = 1e-5
    result = newton_cholesky(distributed, start, SolverOptions(tol=tol, max_iter=20))
    assert result.converged
    assert "bounded from the step's pass" in result.message
    _, gradient, hessian = in_memory.value_gradient_hessian(result.theta)
    assert np.max(np.abs(gradient)) <= tol
    assert 0.5 * gradient @ np.linalg.solve(hessian, gradient) <= tol
    certified_passes = distributed.data_passes

    # Without the columns' bounds Newton confirms with one more pass, at the
    # same point: the bound changed when Newton stops, not where it goes.
    twin, _, _ = make_twins(n_samples=4_000, chunk=1_000, **case)
    monkeypatch.setattr(DaskLogisticObjective, "parameter_bound", lambda self: None)
    checked = newton_cholesky(twin, start, SolverOptions(tol=tol, max_iter=20))
    assert checked.converged
    assert "bounded" not in checked.message
    assert twin.data_passes == certified_passes + 1
    np.testing.assert_array_equal(checked.theta, result.theta)


def test_softmax_is_confirmed_by_a_pass():
    distributed, _, _ = make_twins(n_classes=3, n_samples=2_000, chunk=500)
    distributed.value_gradient(np.zeros(distributed.n_params))  # the checking pass
    assert distributed.column_bound is not None
    assert distributed.parameter_bound() is None


def test_parameter_bound_is_each_columns_largest_value():
    distributed, _, _ = make_twins(n_samples=200, chunk=50, seed=4)
    X = np.random.default_rng(4).normal(size=(200, 4))  # make_twins' first draw
    assert distributed.parameter_bound() is None  # before X's values were read
    distributed.value(np.zeros(distributed.n_params))
    np.testing.assert_array_equal(
        distributed.parameter_bound(), np.append(np.max(np.abs(X), axis=0), 1.0)
    )
