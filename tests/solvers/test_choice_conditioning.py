"""``solver="auto"`` reads the conditioning that column scaling leaves
(``objective.curvature.sampled_condition``) on dense problems where a row
sample's Gram costs a few passes: Newton for nearly collinear columns
(Newton-CG with many parameters), L-BFGS otherwise (``solvers.choice``);
its Newton takes the first Hessian from a row sample on large data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression, fitting
from logitron.exceptions import CollinearityWarning
from logitron.fitting import FitSettings
from logitron.objective.curvature import condition_sample_size
from logitron.solvers import SolverOptions, choose_solver
from logitron.solvers.choice import (
    NEWTON_MAX_PARAMS_ILL_CONDITIONED,
    NEWTON_MIN_CONDITION,
    PROBE_MAX_PASSES,
    first_hessian_rows,
    probe_pays,
)
from logitron.solvers.newton import newton_cholesky
from tests.helpers import make_objective
from tests.problems import collinear_data, dense_data


def _never_asked() -> float:
    raise AssertionError("the choice must not pay for the probe here")


def test_ill_conditioned_mid_sized_problems_go_to_newton() -> None:
    def choose(condition: float, dtype: type = np.float64, d: int = 50, k: int = 2) -> str:
        return choose_solver(
            20_000, d, k, False, dtype, l1=False, condition=lambda: condition
        )

    assert choose(NEWTON_MIN_CONDITION) == "newton"
    assert choose(1e6) == "newton"
    assert choose(NEWTON_MIN_CONDITION / 2) == "lbfgs"
    # Singular to the data's rounding: exactly collinear columns.
    assert choose(np.inf) == "lbfgs"
    assert choose(1e13) == "lbfgs"
    assert choose(1e6, np.float32) == "lbfgs"
    # More parameters than a Newton Hessian is worth: Newton-CG.
    assert choose(1e6, d=NEWTON_MAX_PARAMS_ILL_CONDITIONED) == "newton-cg"
    assert choose(1e6, d=64, k=10) == "newton-cg"
    assert choose(NEWTON_MIN_CONDITION / 2, d=64, k=10) == "lbfgs"


def test_the_probe_runs_only_where_it_can_change_the_choice() -> None:
    def choose(n: int, d: int, n_classes: int = 2, sparse: bool = False) -> str:
        return choose_solver(n, d, n_classes, sparse, np.float64, l1=False,
                             condition=_never_asked)

    assert choose(500, 20) == "newton"  # small: Newton by the Hessian's cost
    assert choose(100_000, 20_000, sparse=True) == "lbfgs"
    assert choose(20_000, 1_000) == "lbfgs"  # dense-20kx1000
    assert choose_solver(20_000, 50, 2, False, np.float64, l1=False) == "lbfgs"


def test_the_probe_costs_at_most_a_few_dozen_passes() -> None:
    # Its Gram, rows * width**2 flops, against a pass's n * width * outputs.
    assert probe_pays(100_000, 20, 2)
    assert probe_pays(1_797, 64, 10)  # digits: every row, 1.9 passes
    assert probe_pays(5_000, 50, 2)  # 500 rows of 51 columns: 5.1 passes
    width = 101
    rows = condition_sample_size(width)
    edge = -(-rows * width // PROBE_MAX_PASSES)  # the fewest rows it runs on
    assert probe_pays(edge, width - 1, 2)
    assert not probe_pays(edge - 1, width - 1, 2)
    assert not probe_pays(5_000, 200, 2)  # 65 passes
    assert not probe_pays(20_000, 1_000, 2)  # 400 passes


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_auto_fits_nearly_collinear_columns_by_newton(C: float) -> None:
    X, y = collinear_data(5_000, 30, noise=1e-2)
    _assert_auto_newton_at_sklearns_optimum(X, y, C)


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


def test_newton_from_the_exact_first_hessian_is_plain_newton() -> None:
    X, y = collinear_data(2_000, 10, noise=1e-2)
    objective = make_objective(X, y, C=1.0).objective
    zero = np.zeros(objective.n_params)
    options = SolverOptions(tol=1e-10, max_iter=100)
    plain = newton_cholesky(objective, zero, options)
    given = newton_cholesky(
        objective, zero, options, first_hessian=objective.value_gradient_hessian(zero)[2]
    )
    assert given.n_iter == plain.n_iter
    np.testing.assert_allclose(given.theta, plain.theta, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_auto_takes_newtons_first_hessian_from_a_row_sample(C: float) -> None:
    # 20,000 rows, 8 times the 2,000 of the sample: the first Hessian is
    # the sample's, and the fit lands on scikit-learn's optimum all the same.
    X, y = collinear_data(20_000, 20, noise=1e-2)
    assert first_hessian_rows(20_000, 20, 2, False) == 2_000
    assert first_hessian_rows(15_999, 20, 2, False) is None
    objective = make_objective(X, y, C=C, weighted=False).objective
    settings = FitSettings(C=C)
    start = np.zeros(objective.n_params)
    assert fitting._first_hessian(objective, settings, "newton", start) is not None
    assert fitting._first_hessian(objective, settings, "newton", start + 0.1) is None
    _assert_auto_newton_at_sklearns_optimum(X, y, C)


def _assert_auto_newton_at_sklearns_optimum(X: np.ndarray, y: np.ndarray, C: float) -> None:
    """``auto`` picks Newton on ``X`` and lands on scikit-learn's
    newton-cholesky optimum (tight tolerance)."""
    model = LogisticRegression(C=C).fit(X, y)
    assert model.solver_ == "newton"
    reference = SklearnLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=200
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-6, atol=1e-8)


def test_auto_fits_a_nearly_collinear_softmax_by_newton_cg() -> None:
    # 4 classes on 30 nearly collinear columns: 124 parameters would go to
    # Newton; 10 classes on 30 columns, 310 parameters, to Newton-CG.
    X, y = collinear_data(3_000, 30, noise=1e-2)
    rng = np.random.default_rng(0)
    labels = (y * 5 + rng.integers(0, 5, size=len(y))) % 10
    model = LogisticRegression(tol=1e-10).fit(X, labels)
    assert model.solver_ == "newton-cg"
    reference = SklearnLogisticRegression(solver="newton-cg", tol=1e-12, max_iter=500).fit(
        X, labels
    )
    np.testing.assert_allclose(
        model.predict_proba(X), reference.predict_proba(X), rtol=1e-6, atol=1e-9
    )
