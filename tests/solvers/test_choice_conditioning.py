"""``solver="auto"`` reads the conditioning that column scaling leaves
(``objective.curvature.sampled_condition``) on dense mid-sized problems:
Newton for nearly collinear columns, L-BFGS otherwise (``solvers.choice``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression
from logitron.exceptions import CollinearityWarning
from logitron.solvers import choose_solver
from logitron.solvers.choice import (
    NEWTON_MAX_PARAMS_ILL_CONDITIONED,
    NEWTON_MIN_CONDITION,
)
from tests.problems import collinear_data, dense_data


def _never_asked() -> float:
    raise AssertionError("the choice must not pay for the probe here")


def test_ill_conditioned_mid_sized_problems_go_to_newton() -> None:
    def choose(condition: float, dtype: type = np.float64) -> str:
        return choose_solver(
            20_000, 50, 2, False, dtype, l1=False, condition=lambda: condition
        )

    assert choose(NEWTON_MIN_CONDITION) == "newton"
    assert choose(1e6) == "newton"
    assert choose(NEWTON_MIN_CONDITION / 2) == "lbfgs"
    # Singular to the data's rounding: exactly collinear columns.
    assert choose(np.inf) == "lbfgs"
    assert choose(1e13) == "lbfgs"
    assert choose(1e6, np.float32) == "lbfgs"


def test_the_probe_runs_only_where_it_can_change_the_choice() -> None:
    def choose(n: int, d: int, n_classes: int = 2, sparse: bool = False) -> str:
        return choose_solver(n, d, n_classes, sparse, np.float64, l1=False,
                             condition=_never_asked)

    assert choose(500, 20) == "newton"  # small: Newton by the Hessian's cost
    assert choose(100_000, 20_000, sparse=True) == "lbfgs"
    assert choose(20_000, NEWTON_MAX_PARAMS_ILL_CONDITIONED) == "lbfgs"
    assert choose(20_000, 64, n_classes=10) == "lbfgs"  # digits' 650 parameters
    # Fewer rows than 8 samples of the probe's: its Gram would cost a
    # sizeable share of a Newton Hessian.
    assert choose(3_999, 40) == "lbfgs"
    assert choose_solver(20_000, 50, 2, False, np.float64, l1=False) == "lbfgs"


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_auto_fits_nearly_collinear_columns_by_newton(C: float) -> None:
    X, y = collinear_data(5_000, 30, noise=1e-2)
    model = LogisticRegression(C=C).fit(X, y)
    assert model.solver_ == "newton"
    reference = SklearnLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=200
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-8)


def test_auto_keeps_lbfgs_on_gaussian_and_exactly_collinear_columns() -> None:
    X, y = dense_data(5_000, 30)
    assert LogisticRegression().fit(X, y).solver_ == "lbfgs"
    # A duplicated column, unpenalised: L-BFGS from zero never moves along
    # the null direction and splits the weight evenly.
    duplicated = np.hstack([X, X[:, :1]])
    with pytest.warns(CollinearityWarning):
        model = LogisticRegression(C=np.inf).fit(duplicated, y)
    assert model.solver_ == "lbfgs"
    np.testing.assert_allclose(model.coef_[0, 0], model.coef_[0, -1], rtol=1e-6)
