"""The theta layout of the linear unit: pack and unpack against scikit-learn's
``coef_`` / ``intercept_``, and the softmax null space.

scikit-learn reports a multinomial model in its symmetric parametrisation:
the intercepts sum to zero over the classes, and so do the coefficients of
each feature when they are unpenalised (``finalize`` in
sklearn/linear_model/_glm/_newton_solver.py); with an L2 penalty the optimum
itself has zero-sum coefficients.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from logitron.backends import as_data
from logitron.neuron import LinearUnit


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def sklearn_multinomial(C: float) -> SkLogisticRegression:
    """scikit-learn's softmax fit of iris; ``C = inf``: unpenalised."""
    X, y = iris()
    return SkLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(
        X, y
    )


@pytest.mark.parametrize(
    ("n_outputs", "fit_intercept"), [(1, True), (1, False), (3, True), (3, False)]
)
def test_pack_then_unpack_gives_back_zero_sum_coefficients(
    n_outputs: int, fit_intercept: bool
) -> None:
    rng = np.random.default_rng(0)
    unit = LinearUnit(as_data(rng.standard_normal((10, 4))), n_outputs, fit_intercept)
    coef = rng.standard_normal((n_outputs, 4))
    intercept = rng.standard_normal(n_outputs)
    if n_outputs > 1:  # the representative unpack reports
        coef -= coef.mean(axis=0)
        intercept -= intercept.mean()
    theta = unit.pack(coef, intercept if fit_intercept else None)
    assert theta.shape == (unit.n_params,)
    assert unit.n_params == n_outputs * (4 + fit_intercept)
    for centre_coef in (False, True):
        coef_back, intercept_back = unit.unpack(theta, centre_coef)
        np.testing.assert_allclose(coef_back, coef, rtol=0, atol=1e-15)
        expected = intercept if fit_intercept else np.zeros(n_outputs)
        np.testing.assert_allclose(intercept_back, expected, rtol=0, atol=1e-15)


def test_packed_sklearn_model_predicts_its_probabilities() -> None:
    # Row k of theta's weights is class k, the intercept last: the forward
    # pass of the packed parameters is scikit-learn's decision function.
    X, _ = iris()
    reference = sklearn_multinomial(1.0)
    unit = LinearUnit(as_data(X), 3, True)
    theta = unit.pack(reference.coef_, reference.intercept_)
    np.testing.assert_allclose(
        softmax(unit.forward(theta), axis=1), reference.predict_proba(X), rtol=1e-12
    )
    columns = unit.parameter_columns()
    assert columns.tolist() == [0, 1, 2, 3, 4] * 3


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_unpack_reports_scikit_learns_symmetric_representative(C: float) -> None:
    X, _ = iris()
    reference = sklearn_multinomial(C)
    penalised = C != np.inf
    # The convention itself: zero sums over the classes.
    np.testing.assert_allclose(reference.intercept_.sum(), 0, atol=1e-10)
    np.testing.assert_allclose(reference.coef_.sum(axis=0), 0, atol=1e-8)
    unit = LinearUnit(as_data(X), 3, True)
    # The same model shifted along the null space: every intercept by 7 and,
    # unpenalised, every coefficient of feature j by j - 1.5.
    coef_shift = np.zeros(4) if penalised else np.arange(4) - 1.5
    theta = unit.pack(reference.coef_ + coef_shift, reference.intercept_ + 7.0)
    # Under L2 the shift of the coefficients is fixed by the penalty, and
    # scikit-learn's optimum is zero-sum already: centring changes nothing.
    coef, intercept = unit.unpack(theta, centre_coef=True)
    np.testing.assert_allclose(coef, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(intercept, reference.intercept_, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("fit_intercept", "coef_penalised", "n_directions"),
    [(True, True, 1), (True, False, 5), (False, False, 4), (False, True, 0)],
)
def test_null_space_directions_leave_softmax_probabilities_unchanged(
    fit_intercept: bool, coef_penalised: bool, n_directions: int
) -> None:
    rng = np.random.default_rng(1)
    unit = LinearUnit(as_data(rng.standard_normal((30, 4))), 3, fit_intercept)
    basis = unit.null_space(coef_penalised)
    if n_directions == 0:
        assert basis is None
        return
    assert basis is not None
    assert basis.shape == (unit.n_params, n_directions)
    np.testing.assert_allclose(basis.T @ basis, np.eye(n_directions), atol=1e-15)
    theta = rng.standard_normal(unit.n_params)
    proba = softmax(unit.forward(theta), axis=1)
    for direction in basis.T:
        moved = softmax(unit.forward(theta + 2.5 * direction), axis=1)
        np.testing.assert_allclose(moved, proba, rtol=1e-12)
        # ... and it moves only what the penalty leaves free.
        coef_moved = unit.coef(direction)
        if coef_penalised:
            np.testing.assert_array_equal(coef_moved, 0)
    # Any other direction changes them.
    other = rng.standard_normal(unit.n_params)
    other -= basis @ (basis.T @ other)
    assert not np.allclose(softmax(unit.forward(theta + other), axis=1), proba)


def test_one_neuron_has_no_null_space() -> None:
    unit = LinearUnit(as_data(np.eye(3)), 1, True)
    assert unit.null_space(coef_penalised=False) is None
    assert unit.null_space(coef_penalised=True) is None
