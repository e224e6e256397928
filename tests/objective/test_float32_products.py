"""Hessian products over a float32 copy of float64 data (``auto``'s Newton-CG).

Truncated CG only needs each product to a few digits; the gradient and
``J`` that decide the steps and the stopping test stay float64. Checked
against the float64 products and, end to end, against the gradient of the
float64 objective at the returned coefficients.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression
from logitron.objective import LogisticObjective


@pytest.mark.parametrize("n_classes", [2, 4])
def test_float32_products_agree_with_float64_to_single_precision(n_classes):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((700, 12)) * np.logspace(-2, 2, 12)
    y = rng.integers(0, n_classes, 700).astype(np.float64)
    weight = rng.random(700) + 0.5
    objective = LogisticObjective.from_arrays(X, y, n_classes, weight, C=3.0)
    theta = 0.1 * rng.standard_normal(objective.n_params)
    _, _, exact = objective.value_gradient_hessp(theta)
    objective.products_in_float32()
    value, gradient, single = objective.value_gradient_hessp(theta)
    for _ in range(5):
        v = rng.standard_normal(objective.n_params)
        reference = exact(v)
        error = np.linalg.norm(single(v) - reference) / np.linalg.norm(reference)
        assert 0 < error < 1e-5  # float32 rounding: present, and small
    # J and its gradient stay those of the float64 objective, bit for bit.
    fresh_value, fresh_gradient = LogisticObjective.from_arrays(
        X, y, n_classes, weight, C=3.0
    ).value_gradient(theta)
    assert value == fresh_value
    np.testing.assert_array_equal(gradient, fresh_gradient)


def test_auto_newton_cg_reaches_tol_on_the_float64_gradient(monkeypatch):
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    calls: list[int] = []
    original = LogisticObjective.products_in_float32

    def counted(self: LogisticObjective) -> None:
        calls.append(1)
        original(self)

    monkeypatch.setattr(LogisticObjective, "products_in_float32", counted)
    tol = 1e-8
    model = LogisticRegression(tol=tol).fit(X, y)
    assert model.solver_ == "newton-cg"
    assert calls == [1]
    objective = LogisticObjective.from_arrays(X, y.astype(np.float64), 10, np.ones(len(y)))
    theta = objective.unit.pack(model.coef_, model.intercept_)
    _, gradient = objective.value_gradient(theta)
    assert np.max(np.abs(gradient)) <= tol
    # A named solver keeps float64 products.
    calls.clear()
    LogisticRegression(solver="newton-cg", tol=1e-4).fit(X, y)
    assert calls == []
