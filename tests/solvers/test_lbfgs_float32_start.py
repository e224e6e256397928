"""L-BFGS's first iterations over a float32 copy of float64 ``X``
(``lbfgs``'s ``coarse``, ``LogisticObjective.in_float32``).

The float32 phase only has to bring the iterate near the optimum; the
stopping test is always passed on the float64 gradient, so the answer is
the float64 fit's. Checked against the float64 objective and, end to end,
against scikit-learn's fit of the same problem.
"""

from __future__ import annotations

import weakref

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logitron import LogisticRegression
from logitron.backends import ArrayData
from logitron.objective import LogisticObjective
from logitron.solvers import SolverOptions, choice
from logitron.solvers.lbfgs import lbfgs


def _problem(n_classes: int, seed: int = 0, n: int = 600, d: int = 15):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal((n_classes if n_classes > 2 else 1, d))
    z = X @ w.T + rng.logistic(size=(n, w.shape[0]))
    y = (z[:, 0] > 0) if n_classes == 2 else np.argmax(z, axis=1)
    return X, y.astype(np.float64), rng.random(n) + 0.5


def _counted(objective: LogisticObjective) -> dict[str, int]:
    """Count the fused passes over ``objective``'s data by dtype."""
    counts = {"float32": 0, "float64": 0}
    data = objective.unit.data
    original = data.matmul_rmatmul

    def counting(*args, **kwargs):
        counts[str(data.dtype)] += 1
        return original(*args, **kwargs)

    data.matmul_rmatmul = counting  # type: ignore[method-assign]
    return counts


@pytest.mark.parametrize(("n_classes", "C", "with_offset"), [
    (2, 1.0, False), (2, np.inf, True), (3, 0.5, False),
])
def test_float32_twin_is_the_same_objective_to_single_precision(n_classes, C, with_offset):
    X, y, weight = _problem(n_classes)
    offset = np.linspace(-1, 1, len(y)) if with_offset else None
    objective = LogisticObjective.from_arrays(X, y, n_classes, weight, C=C, offset=offset)
    twin = objective.in_float32()
    assert twin.unit.data.dtype == np.float32
    assert twin.unit.data.X.shape == X.shape
    theta = 0.3 * np.random.default_rng(1).standard_normal(objective.n_params)
    value, gradient = objective.value_gradient(theta)
    twin_value, twin_gradient = twin.value_gradient(theta)
    # Rounding is there (a float32 pass) and of float32's size only: the
    # weights, penalty and offset are the same.
    assert 0 < abs(twin_value - value) <= 1e-5 * abs(value)
    error = np.max(np.abs(twin_gradient - gradient))
    assert 0 < error <= 1e-5 * np.max(np.abs(gradient))
    assert twin.gradient_floor() > 100 * objective.gradient_floor()


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lbfgs_after_a_float32_phase_meets_tol_on_the_float64_gradient(n_classes):
    X, y, weight = _problem(n_classes, seed=2)
    tol = 1e-12  # far below float32's gradient floor: float64 has to finish
    objective = LogisticObjective.from_arrays(X, y, n_classes, weight, C=2.0)
    fine_passes = _counted(objective)
    coarse_passes: list[dict[str, int]] = []

    def coarse() -> LogisticObjective:
        twin = objective.in_float32()
        coarse_passes.append(_counted(twin))
        return twin

    start = np.zeros(objective.n_params)
    result = lbfgs(objective, start, SolverOptions(tol=tol, max_iter=500), coarse=coarse)
    assert result.converged
    fresh = LogisticObjective.from_arrays(X, y, n_classes, weight, C=2.0)
    assert np.max(np.abs(fresh.value_gradient(result.theta)[1])) <= tol
    # Both phases ran, and the float32 one saved float64 passes.
    assert len(coarse_passes) == 1
    assert coarse_passes[0]["float32"] > 0
    # The optimum of float64 L-BFGS alone, to the precision tol asks.
    alone_passes = _counted(fresh)
    alone = lbfgs(fresh, start, SolverOptions(tol=tol, max_iter=500))
    assert 0 < fine_passes["float64"] < alone_passes["float64"]
    # (A softmax's intercepts are free up to a common shift: compared centred.)
    ours, reference = (
        np.array(objective.unit.weights(theta)).reshape(objective.unit.n_outputs, -1)
        for theta in (result.theta, alone.theta)
    )
    if n_classes > 2:
        ours[:, -1] -= ours[:, -1].mean()
        reference[:, -1] -= reference[:, -1].mean()
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-9)


def test_the_float32_copy_is_let_go_when_float64_takes_over():
    X, y, weight = _problem(2, seed=3, n=2000, d=30)
    objective = LogisticObjective.from_arrays(X, y, 2, weight, C=1.0)
    copies: list[weakref.ref] = []
    fine_passes = _counted(objective)
    alive: list[tuple[bool, int]] = []

    def coarse() -> LogisticObjective:
        twin = objective.in_float32()
        copies.append(weakref.ref(twin.unit.data.X))
        return twin

    def callback(info) -> None:
        alive.append((copies[0]() is not None, fine_passes["float64"]))

    result = lbfgs(
        objective, np.zeros(objective.n_params),
        SolverOptions(tol=1e-11, max_iter=500, callback=callback), coarse=coarse,
    )
    assert result.converged
    assert len(copies) == 1
    # Alive while float64 has not run; gone after float64's first iteration.
    assert alive[0] == (True, 0)
    float64_iterations = [held for held, passes in alive if passes > 0]
    assert len(float64_iterations) >= 2
    assert not any(float64_iterations[1:])


def test_auto_fits_like_scikit_learn_with_the_float32_phase(monkeypatch):
    monkeypatch.setattr(choice, "FLOAT32_PASSES_MIN_BYTES", 0)
    X, y, _ = _problem(2, seed=4, n=3000, d=40)
    calls: list[int] = []
    original = LogisticObjective.in_float32

    def counted(self: LogisticObjective) -> LogisticObjective:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(LogisticObjective, "in_float32", counted)
    ours = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    assert ours.solver_ == "lbfgs"
    assert calls == [1]
    theirs = SkLogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-8)


def _data(X, squares="computed"):
    if squares == "computed":
        squares = np.einsum("ij,ij->j", X, X) if not sp.issparse(X) else None
    return ArrayData(X, squares)


def test_float32_phase_only_on_large_dense_float64_within_float32_range():
    rows = choice.FLOAT32_PASSES_MIN_BYTES // (8 * 64)
    large = np.ones((rows, 64))
    assert choice.float32_passes_pay(_data(large))
    assert not choice.float32_passes_pay(_data(large[:-1]))  # one row short
    assert not choice.float32_passes_pay(_data(large.astype(np.float32)))
    assert not choice.float32_passes_pay(_data(large, squares=None))
    assert not choice.float32_passes_pay(_data(sp.csr_matrix(large)))
    # A column whose |x| might come near float32's largest: no copy.
    huge = large.copy()
    huge[0, 3] = 1e30
    assert not choice.float32_passes_pay(_data(huge))
