"""The Hessian's diagonal from the input check's column sums of squares.

Where every row has the same weight and curvature (zero coefficients, equal
weights, no offset) ``diag(H)`` needs only ``sum_i x_ij**2``, which the
estimator's input check has (``_scaling.column_squares``); elsewhere the
diagonal is summed over the rows as before. Reference: the same diagonal
from the full Hessian (``value_gradient_hessian``), entry by entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from logitron import _scaling
from logitron.backends import ArrayData
from logitron.objective import LogisticObjective
from logitron.objective.curvature import DIAGONAL_SAMPLE_ROWS


def _objective(X, y, n_classes, weight, squares, fit_intercept, offset=None):
    data = ArrayData(X, _scaling.column_squares(X).sums if squares else None)
    return LogisticObjective.from_arrays(
        data, y, n_classes, weight, fit_intercept=fit_intercept, C=2.0, offset=offset
    )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_samples", [500, 2 * DIAGONAL_SAMPLE_ROWS + 3])
def test_diagonal_at_a_uniform_start_is_the_hessians(n_classes, fit_intercept, n_samples):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((n_samples, 5)) * [1.0, 3.0, 0.1, 1.0, 7.0]
    y = rng.integers(0, n_classes, n_samples).astype(np.float64)
    weight = np.full(n_samples, 2.5)
    objective = _objective(X, y, n_classes, weight, True, fit_intercept)
    theta = np.zeros(objective.n_params)
    if fit_intercept:  # the intercepts do not make rows differ
        objective.unit.weights(theta)[..., -1] = 0.3 * np.arange(objective.unit.n_outputs)
    diagonal = objective.hessian_diagonal(theta)
    exact = np.diag(objective.value_gradient_hessian(theta)[2])
    # Exact, also where the rows' own sums would have been sampled.
    np.testing.assert_allclose(diagonal, exact, rtol=1e-12)


def test_the_sums_answer_without_reading_x(monkeypatch):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 4))
    y = (rng.random(300) < 0.5).astype(np.float64)
    objective = _objective(X, y, 2, np.ones(300), True, True)
    objective.value_gradient(np.zeros(objective.n_params), keep_curvature=True)
    monkeypatch.setattr(objective.unit.data, "X", None)  # any read would fail
    objective.hessian_diagonal(np.zeros(objective.n_params))


@pytest.mark.parametrize("case", ["coefficients", "weights", "offset"])
def test_rows_that_differ_are_summed(case):
    rng = np.random.default_rng(6)
    n = 2 * DIAGONAL_SAMPLE_ROWS + 3 if case == "weights" else 400
    X = rng.standard_normal((n, 3))
    y = (rng.random(n) < 0.5).astype(np.float64)
    weight = rng.random(n) + 0.5 if case == "weights" else np.ones(n)
    offset = rng.standard_normal(n) if case == "offset" else None
    theta = np.zeros(4)
    if case == "coefficients":
        theta[:3] = [0.5, -1.0, 0.2]
    with_sums = _objective(X, y, 2, weight, True, True, offset)
    without = _objective(X, y, 2, weight, False, True, offset)
    np.testing.assert_array_equal(
        with_sums.hessian_diagonal(theta), without.hessian_diagonal(theta)
    )
