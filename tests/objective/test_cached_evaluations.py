"""The objective's cached evaluations: the fused pass against the line
search's route through cached points, Hessian products and diagonal against
the Hessian, and the gradient floor, on blocked passes over the data."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import DIAGONAL_SAMPLE_ROWS, LogisticObjective
from tests.helpers import half_zero_normal, make_objective

pytestmark = pytest.mark.usefixtures("small_blocks")

RNG = np.random.default_rng(20240607)
X_DENSE = half_zero_normal(RNG)


def _objective(
    storage: str, n_classes: int, fit_intercept: bool, C: float = 1.0,
    dtype: Any = np.float64,
) -> LogisticObjective:
    # The same arguments give the same objective.
    return make_objective(
        X_DENSE, n_classes=n_classes, storage=storage, dtype=dtype,
        weight_range=(0.5, 1.5), fit_intercept=fit_intercept, C=C, seed=n_classes,
    ).objective


CASES = [
    (storage, n_classes, fit_intercept)
    for storage in ("C", "csr")
    for n_classes in (2, 4)
    for fit_intercept in (True, False)
]


@pytest.mark.parametrize(("storage", "n_classes", "fit_intercept"), CASES)
def test_cached_and_fused_evaluations_agree(
    storage: str, n_classes: int, fit_intercept: bool
) -> None:
    objective = _objective(storage, n_classes, fit_intercept)
    theta = 0.3 * RNG.standard_normal(objective.n_params)
    direction = 0.3 * RNG.standard_normal(objective.n_params)
    # Fused pass at a new point ...
    value, gradient = objective.value_gradient(theta + direction)
    # ... against the line search's route: z from the cached end points, the
    # loss at t = 1, then only the backward pass.
    fresh = _objective(storage, n_classes, fit_intercept)
    fresh.value_gradient(theta)
    line = fresh.line(theta, direction)
    line_value, slope = line.value_derivative(1.0)
    assert line_value == pytest.approx(value, rel=1e-13)
    assert slope == pytest.approx(float(gradient @ direction), rel=1e-10, abs=1e-14)
    line_theta = line.point(1.0)
    cached_value, cached_gradient = fresh.value_gradient(line_theta)
    assert cached_value == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(cached_gradient, gradient, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("storage", "n_classes", "fit_intercept"), CASES)
def test_line_between_two_cached_points_needs_no_pass(
    storage: str, n_classes: int, fit_intercept: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    objective = _objective(storage, n_classes, fit_intercept)
    theta = 0.3 * RNG.standard_normal(objective.n_params)
    direction = 0.3 * RNG.standard_normal(objective.n_params)
    objective.value_gradient(theta)
    objective.value_gradient(theta + direction)  # a rejected trial, say

    def no_pass(*args: object) -> None:
        raise AssertionError("X was read again")

    with monkeypatch.context() as patch:
        patch.setattr(objective.unit, "forward", no_pass)
        line = objective.line(theta, direction)
        value, slope = line.value_derivative(0.5)
    reference = _objective(storage, n_classes, fit_intercept)
    ref_value, ref_gradient = reference.value_gradient(theta + 0.5 * direction)
    assert value == pytest.approx(ref_value, rel=1e-13)
    assert slope == pytest.approx(float(ref_gradient @ direction), rel=1e-10)


@pytest.mark.parametrize(("storage", "n_classes", "fit_intercept"), CASES)
def test_hessian_products_and_diagonal_match_the_hessian(
    storage: str, n_classes: int, fit_intercept: bool
) -> None:
    objective = _objective(storage, n_classes, fit_intercept)
    theta = 0.3 * RNG.standard_normal(objective.n_params)
    _, gradient, hessian = objective.value_gradient_hessian(theta)
    _, gradient2, hessp = objective.value_gradient_hessp(theta)
    np.testing.assert_allclose(gradient2, gradient)
    for _ in range(3):
        v = RNG.standard_normal(objective.n_params)
        np.testing.assert_allclose(hessp(v), hessian @ v, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        objective.hessian_diagonal(theta), np.diag(hessian), rtol=1e-10, atol=1e-15
    )


def test_gradient_floor_follows_the_precision_of_the_data() -> None:
    floor64 = _objective("C", 2, True).gradient_floor()
    floor32 = _objective("C", 2, True, dtype=np.float32).gradient_floor()
    assert floor64 < 1e-13
    assert 1e-8 < floor32 < 1e-5


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hessian_diagonal_of_large_dense_data_is_a_close_row_sample(n_classes: int) -> None:
    # From 2 * DIAGONAL_SAMPLE_ROWS rows on, the diagonal is estimated from
    # every stride-th row: a preconditioner needs scales, not every digit.
    rng = np.random.default_rng(7)
    n = 3 * DIAGONAL_SAMPLE_ROWS
    X = rng.standard_normal((n, 4)) * np.array([1e-3, 1.0, 10.0, 1e3])
    y = rng.integers(0, n_classes, n).astype(float)
    unit = LinearUnit(as_data(X), 1 if n_classes == 2 else n_classes, True)
    loss = BinaryCrossEntropy() if n_classes == 2 else SoftmaxCrossEntropy()
    objective = LogisticObjective(unit, loss, y, np.ones(n))
    theta = 0.1 * rng.standard_normal(objective.n_params) / np.tile(
        [1e-3, 1.0, 10.0, 1e3, 1.0], unit.n_outputs
    )
    _, _, hessian = objective.value_gradient_hessian(theta)
    estimate = objective.hessian_diagonal(theta)
    np.testing.assert_allclose(estimate, np.diag(hessian), rtol=0.05)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_a_fused_pass_keeps_no_n_sized_dloss_dz(n_classes: int) -> None:
    # dJ/dz only feeds each block's backward pass: a block's worth of it,
    # beside the z the new point keeps (n x K). Kept whole, it alone would
    # take the peak past 2 n x K.
    objective = make_objective(
        n_classes=n_classes, n_samples=4000, n_features=9, seed=n_classes
    ).objective
    theta = 0.3 * RNG.standard_normal(objective.n_params)
    z_bytes = 4000 * objective.unit.n_outputs * 8
    tracemalloc.start()
    _, gradient = objective.value_gradient(theta)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1.5 * z_bytes
    # And the pass is right: the gradient of the loss through the unit.
    reference = make_objective(
        n_classes=n_classes, n_samples=4000, n_features=9, seed=n_classes
    ).objective
    raw = reference.unit.forward(theta)
    _, grad_raw, _ = reference.pointwise(raw, slice(None), False)
    expected = reference.unit.backward(grad_raw)
    reference.penalty.add_gradient(theta, expected)
    np.testing.assert_allclose(gradient, expected, rtol=1e-12, atol=1e-15)
