"""The pieces the solvers stand on: blocked data passes, cached evaluations,
line searches, the two-loop recursion, the trust-region CG step and the
choice behind ``solver="auto"``.

Each is checked against a plain, unblocked computation of the same formula.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from logitron.backends import as_data, numpy_backend
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import DIAGONAL_SAMPLE_ROWS, LogisticObjective
from logitron.solvers import SOLVERS, choose_solver
from logitron.solvers.choice import NEWTON_MAX_HESSIAN_FLOPS
from logitron.solvers.line_search import backtracking_armijo, strong_wolfe

lbfgs_module = importlib.import_module("logitron.solvers.lbfgs")
trust_region_module = importlib.import_module("logitron.solvers.trust_region")

RNG = np.random.default_rng(20240607)
X_DENSE = RNG.standard_normal((700, 9))
X_DENSE[RNG.random(X_DENSE.shape) < 0.5] = 0.0  # so the sparse forms are sparse

STORAGES = {
    "C": lambda X: np.ascontiguousarray(X),
    "F": lambda X: np.asfortranarray(X),
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
}


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of 64 rows, so 700 samples exercise many blocks and a ragged end.
    monkeypatch.setattr(numpy_backend, "_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(numpy_backend, "_FUSED_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(numpy_backend, "_SQUARES_BLOCK_BYTES", 64 * 8)
    monkeypatch.setattr(numpy_backend, "_MIN_BLOCK_ROWS", 64)


def _augmented(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(len(X))])


@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("append_ones", [False, True])
def test_weighted_grams_match_the_formula(storage: str, append_ones: bool) -> None:
    n = len(X_DENSE)
    weights = [
        RNG.random(n),  # >= 0: a symmetric rank-k update
        -RNG.random(n),  # <= 0: the same with a negative sign
        RNG.standard_normal(n),  # mixed signs: a general product
        np.zeros(n),
    ]
    data = as_data(STORAGES[storage](X_DENSE))
    grams = data.weighted_grams(weights, append_ones=append_ones)
    A = _augmented(X_DENSE) if append_ones else X_DENSE
    for gram, h in zip(grams, weights, strict=True):
        np.testing.assert_allclose(gram, A.T @ (h[:, None] * A), rtol=1e-12, atol=1e-12)
        assert gram.dtype == np.float64


def test_weighted_gram_of_float32_accumulates_blocks_in_float64() -> None:
    X32 = X_DENSE.astype(np.float32)
    h = RNG.random(len(X32))
    gram = as_data(X32).weighted_gram(h)
    exact = X32.astype(np.float64).T @ (h[:, None] * X32.astype(np.float64))
    assert gram.dtype == np.float64
    np.testing.assert_allclose(gram, exact, rtol=1e-5)


@pytest.mark.parametrize("storage", list(STORAGES))
def test_column_mean_squares(storage: str) -> None:
    data = as_data(STORAGES[storage](X_DENSE))
    w1 = RNG.random(len(X_DENSE))
    w2 = RNG.random((len(X_DENSE), 3))
    np.testing.assert_allclose(data.column_mean_squares(w1), w1 @ X_DENSE**2)
    np.testing.assert_allclose(data.column_mean_squares(w2), w2.T @ X_DENSE**2)


@pytest.mark.parametrize("storage", ["csr", "csc"])
def test_sparse_column_mean_squares_in_many_chunks(
    storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of a few rows (CSR) or columns (CSC), uneven at the end.
    monkeypatch.setattr(numpy_backend, "_BLOCK_BYTES", 200)
    data = as_data(STORAGES[storage](X_DENSE))
    w1 = RNG.random(len(X_DENSE))
    w2 = RNG.random((len(X_DENSE), 3))
    np.testing.assert_allclose(data.column_mean_squares(w1), w1 @ X_DENSE**2)
    np.testing.assert_allclose(data.column_mean_squares(w2), w2.T @ X_DENSE**2)


@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_fused_pass_equals_two_passes(storage: str, n_outputs: int) -> None:
    data = as_data(STORAGES[storage](X_DENSE))
    v = RNG.standard_normal((9, n_outputs)) if n_outputs > 1 else RNG.standard_normal(9)
    shape = (len(X_DENSE), n_outputs) if n_outputs > 1 else (len(X_DENSE),)
    out = np.empty(shape)
    seen = np.zeros(len(X_DENSE), dtype=int)

    def pointwise(product: np.ndarray, rows: slice) -> np.ndarray:
        seen[rows] += 1
        return np.tanh(product) * (1 + np.arange(len(X_DENSE))[rows]).reshape(
            (-1,) + (1,) * (product.ndim - 1)
        )

    result = data.matmul_rmatmul(v, pointwise, out)
    z = X_DENSE @ v
    r = np.tanh(z) * (1 + np.arange(len(X_DENSE))).reshape((-1,) + (1,) * (z.ndim - 1))
    np.testing.assert_allclose(out, z, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(result, X_DENSE.T @ r, rtol=1e-12)
    assert np.all(seen == 1)  # every sample seen exactly once


def _objective(
    storage: str, n_classes: int, fit_intercept: bool, C: float = 1.0,
    dtype: Any = np.float64,
) -> LogisticObjective:
    # The same arguments give the same objective.
    rng = np.random.default_rng(n_classes)
    X = STORAGES[storage](X_DENSE.astype(dtype))
    y = rng.integers(0, n_classes, len(X_DENSE)).astype(np.float64)
    unit = LinearUnit(
        as_data(X), 1 if n_classes == 2 else n_classes, fit_intercept=fit_intercept
    )
    loss = BinaryCrossEntropy() if n_classes == 2 else SoftmaxCrossEntropy()
    weight = rng.random(len(y)) + 0.5
    return LogisticObjective(unit, loss, y, weight, C=C)


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


@pytest.mark.parametrize("first", [False, True])
def test_strong_wolfe_step_meets_both_conditions(first: bool) -> None:
    objective = _objective("C", 4, True, C=10.0)
    theta = np.zeros(objective.n_params)
    value, gradient = objective.value_gradient(theta)
    direction = -20.0 * gradient  # far too long: the search must bracket and zoom
    slope = float(gradient @ direction)
    line = objective.line(theta, direction)
    known = line.value_derivative(1.0) if first else None
    step = strong_wolfe(line, value, slope, first=known)
    assert step.success
    new_value, new_gradient = objective.value_gradient(theta + step.step * direction)
    assert new_value <= value + 1e-4 * step.step * slope
    assert abs(float(new_gradient @ direction)) <= 0.9 * abs(slope)
    assert step.value == pytest.approx(new_value, rel=1e-12)


def test_backtracking_armijo_halves_until_sufficient_decrease() -> None:
    objective = _objective("C", 2, True)
    theta = np.zeros(objective.n_params)
    value, gradient = objective.value_gradient(theta)
    direction = -500.0 * gradient
    slope = float(gradient @ direction)
    line = objective.line(theta, direction)
    step = backtracking_armijo(line, value, slope, first=line.value(1.0))
    assert step.success
    assert step.step < 1.0
    assert np.log2(step.step) == int(np.log2(step.step))  # a power of 1/2
    assert objective.value(theta + step.step * direction) <= value + 1e-4 * (
        step.step * slope
    )


def test_two_loop_satisfies_the_secant_equation() -> None:
    # H_k @ y_last = s_last for the BFGS inverse-Hessian update, whatever
    # the earlier pairs and the initial diagonal.
    p = 6
    A = RNG.standard_normal((p, p))
    hessian = A @ A.T + p * np.eye(p)
    pairs = lbfgs_module.deque(maxlen=4)
    for _ in range(5):
        s = RNG.standard_normal(p)
        y = hessian @ s
        pairs.append((s, y, 1.0 / float(s @ y)))
    inverse_diagonal = 1.0 / np.diag(hessian)
    s_last, y_last, _ = pairs[-1]
    direction = lbfgs_module._two_loop(y_last, pairs, inverse_diagonal)
    np.testing.assert_allclose(direction, -s_last, rtol=1e-10)


def test_steihaug_cg_stays_in_the_region_and_ends_on_its_boundary() -> None:
    p = 8
    A = RNG.standard_normal((p, p))
    hessian = A @ A.T + 0.1 * np.eye(p)
    gradient = RNG.standard_normal(p)
    diagonal = np.diag(hessian).copy()
    newton_step = -np.linalg.solve(hessian, gradient)
    newton_norm = float(np.sqrt(newton_step @ (diagonal * newton_step)))
    for radius, on_boundary in [(0.3 * newton_norm, True), (10 * newton_norm, False)]:
        step, residual = trust_region_module._steihaug_cg(
            lambda v: hessian @ v, gradient, diagonal, radius, 1e-12, None, 50
        )
        norm = float(np.sqrt(step @ (diagonal * step)))
        np.testing.assert_allclose(residual, -gradient - hessian @ step, atol=1e-10)
        if on_boundary:
            assert norm == pytest.approx(radius, rel=1e-10)
        else:
            np.testing.assert_allclose(step, newton_step, rtol=1e-8)


def test_choose_solver_by_shape_and_storage() -> None:
    # Small dense problems: Newton (the Hessian is cheaper than the L-BFGS
    # iterations it saves); anything larger, or sparse: L-BFGS.
    assert choose_solver(569, 30, 2, False, np.float64, l1=False) == "newton"
    assert choose_solver(300, 8, 4, False, np.float32, l1=False) == "newton"
    assert choose_solver(20_000, 20, 2, False, np.float64, l1=False) == "lbfgs"
    assert choose_solver(569, 30, 2, True, np.float64, l1=False) == "lbfgs"
    assert choose_solver(2_000, 5_000, 2, False, np.float64, l1=False) == "lbfgs"
    # The cut sits exactly at the documented Hessian cost.
    n = int(NEWTON_MAX_HESSIAN_FLOPS // 11**2)
    assert choose_solver(n, 10, 2, False, np.float64, l1=False) == "newton"
    assert choose_solver(n + 1, 10, 2, False, np.float64, l1=False) == "lbfgs"


def test_choose_solver_for_l1_needs_a_proximal_solver() -> None:
    l1_solvers = [name for name, solver in SOLVERS.items() if solver.handles_l1]
    if l1_solvers:
        assert choose_solver(100, 5, 2, False, np.float64, l1=True) == l1_solvers[0]
    else:
        with pytest.raises(ValueError, match="L1"):
            choose_solver(100, 5, 2, False, np.float64, l1=True)


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
