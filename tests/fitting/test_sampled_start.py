"""``solver="auto"``'s L-BFGS on long dense data starts from a row sample's
optimum and Hessian (``sampled_start``): used only where it should be, and
the fit still lands on scikit-learn's optimum (penalised and not, softmax,
weighted, float32, data sorted by label); a warm start or a named solver keeps the
old path; L-BFGS's ``initial_hessian`` alone reaches the same optimum."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression, _scaling, fitting
from logitron.backends import ArrayData
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from logitron.objective.curvature import evenly_spaced_rows
from logitron.sampled_start import SampledStart, sampled_start
from logitron.solvers import SOLVERS, SolverOptions
from logitron.solvers.choice import SAMPLED_START_MAX_PARAMS, sampled_start_rows
from logitron.solvers.lbfgs import lbfgs
from tests.problems import dense_data

#: Long enough for the start (8 x its 2,000 rows) and for L-BFGS (a Hessian
#: above 2e6 flops), small enough for a test.
N_SAMPLES, N_FEATURES = 20_000, 10


def _objective(X: Any, y: np.ndarray, C: float = 1.0, weight: Any = None) -> LogisticObjective:
    weight = np.ones(len(y)) if weight is None else weight
    return LogisticObjective.from_arrays(X, y.astype(np.float64), 2, weight, C=C)


def _sklearn(X: Any, y: np.ndarray, C: float, weight: Any = None) -> np.ndarray:
    """``[coef_ | intercept_]`` of scikit-learn's Newton fit to float64 rounding."""
    model = SklearnLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=200)
    model.fit(X, y, sample_weight=weight)
    return np.concatenate([model.coef_.ravel(), model.intercept_])


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> list[SampledStart | None]:
    """What each fit's ``sampled_start`` returned (None: the old path)."""
    seen: list[SampledStart | None] = []

    def spy(*args: Any) -> SampledStart | None:
        seen.append(sampled_start(*args))
        return seen[-1]

    monkeypatch.setattr(fitting, "sampled_start", spy)
    return seen


def test_the_rule_asks_for_long_dense_data() -> None:
    assert sampled_start_rows(16_000, 5, 2, is_sparse=False) == 2_000
    assert sampled_start_rows(15_999, 5, 2, is_sparse=False) is None  # too short to pay
    assert sampled_start_rows(10**6, 99, 2, is_sparse=False) == 10_000  # 100 per column
    assert sampled_start_rows(10**6, 50, 5, is_sparse=False) == 5_100  # softmax alike
    assert sampled_start_rows(10**6, 20, 2, is_sparse=True) is None
    assert sampled_start_rows(10**8, SAMPLED_START_MAX_PARAMS, 2, is_sparse=False) is None
    # The cap counts every output's parameters: 5 x 52 > 256.
    assert sampled_start_rows(10**8, 51, 5, is_sparse=False) is None


def test_only_a_cold_start_of_auto_that_chose_lbfgs_samples() -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES)
    objective = _objective(X, y)
    zeros = np.zeros(objective.n_params)
    start = sampled_start(objective, "auto", "lbfgs", zeros)
    assert start is not None
    assert start.hessian.shape == (11, 11)
    assert sampled_start(objective, "lbfgs", "lbfgs", zeros) is None
    assert sampled_start(objective, "auto", "newton", zeros) is None
    assert sampled_start(objective, "auto", "lbfgs", zeros + 0.1) is None
    short = _objective(X[:10_000], y[:10_000])
    assert sampled_start(short, "auto", "lbfgs", zeros) is None
    sparse = _objective(sp.csr_matrix(X), y)
    assert sampled_start(sparse, "auto", "lbfgs", zeros) is None


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_auto_from_the_sample_reaches_scikit_learns_optimum(
    C: float, starts: list[SampledStart | None]
) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES)
    model = LogisticRegression(C=C, tol=1e-10).fit(X, y)
    assert model.solver_ == "lbfgs"
    assert starts[-1] is not None
    ours = np.concatenate([model.coef_.ravel(), model.intercept_])
    np.testing.assert_allclose(ours, _sklearn(X, y, C), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_softmax_from_the_sample_reaches_scikit_learns_optimum(
    C: float, starts: list[SampledStart | None]
) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES, n_classes=3, seed=7)
    model = LogisticRegression(C=C, tol=1e-10).fit(X, y)
    assert model.solver_ == "lbfgs"
    assert starts[-1] is not None
    reference = SklearnLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=200
    ).fit(X, y)
    # Both report the representative whose coefficients sum to zero per column.
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-7, atol=1e-9)


def test_sample_weights_reach_scikit_learns_optimum(starts: list[SampledStart | None]) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES, seed=1)
    weight = np.random.default_rng(1).exponential(size=N_SAMPLES)
    weight[::7] = 0.0  # some sampled rows carry no weight
    model = LogisticRegression(C=0.5, tol=1e-10).fit(X, y, sample_weight=weight)
    assert starts[-1] is not None
    ours = np.concatenate([model.coef_.ravel(), model.intercept_])
    np.testing.assert_allclose(ours, _sklearn(X, y, 0.5, weight), rtol=1e-7, atol=1e-9)


def test_float32_reaches_scikit_learns_optimum(starts: list[SampledStart | None]) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES, seed=2)
    model = LogisticRegression(C=1.0).fit(X.astype(np.float32), y)
    assert starts[-1] is not None
    assert model.coef_.dtype == np.float32
    ours = np.concatenate([model.coef_.ravel(), model.intercept_])
    # float32 data: the optimum to float32's precision (as test_estimator).
    np.testing.assert_allclose(ours, _sklearn(X, y, 1.0), rtol=1e-4, atol=1e-5)


def test_data_sorted_by_label_still_sample_all_of_it(starts: list[SampledStart | None]) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES, seed=3)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    model = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    start = starts[-1]
    assert start is not None
    ours = np.concatenate([model.coef_.ravel(), model.intercept_])
    reference = _sklearn(X, y, np.inf)
    np.testing.assert_allclose(ours, reference, rtol=1e-7, atol=1e-9)
    # The sample's optimum is the full one's to its sampling error, not a
    # fit of one class's rows.
    assert np.max(np.abs(start.theta - reference)) < 0.2


def test_a_separating_sample_is_dropped(starts: list[SampledStart | None]) -> None:
    # Labels y = [x_0 > 0] on the sampled rows; flipped on a few rows outside
    # the sample, so only the whole data has an unpenalised optimum.
    X, _ = dense_data(N_SAMPLES, N_FEATURES, seed=4)
    y = (X[:, 0] > 0).astype(np.int64)
    outside = np.setdiff1d(np.arange(N_SAMPLES), evenly_spaced_rows(np.ones(N_SAMPLES), 2_000))
    flipped = np.random.default_rng(4).choice(outside, size=2_000, replace=False)
    y[flipped] = 1 - y[flipped]
    model = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    assert starts[-1] is None
    ours = np.concatenate([model.coef_.ravel(), model.intercept_])
    np.testing.assert_allclose(ours, _sklearn(X, y, np.inf), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("case", ["named lbfgs", "warm start"])
def test_a_named_solver_or_a_warm_start_keeps_the_old_path(
    case: str, starts: list[SampledStart | None]
) -> None:
    X, y = dense_data(N_SAMPLES, N_FEATURES, seed=5)
    options = SolverOptions(tol=1e-10, max_iter=1_000)
    if case == "named lbfgs":
        model = LogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
        # A named solver's cold start: the intercept-only model's optimum.
        unit = LinearUnit(ArrayData(X), 1, True)
        start = fitting.intercept_only_theta(unit, np.bincount(y))
    else:
        model = LogisticRegression(C=0.5, tol=1e-10, warm_start=True).fit(X, y)
        start = np.concatenate([model.coef_.ravel(), model.intercept_])
        assert starts[-1] is not None  # the cold fit took the sample's start
        model.set_params(C=0.6).fit(X, y)
    assert starts[-1] is None
    # Step for step the plain L-BFGS of the same objective from the same start.
    C = 1.0 if case == "named lbfgs" else 0.6
    # The estimator's data carry the input check's column sums of squares
    # (its first preconditioner reads them): the same here.
    data = ArrayData(X, _scaling.column_squares(X).sums)
    plain = SOLVERS["lbfgs"].minimize(_objective(data, y, C), start, options)
    np.testing.assert_array_equal(
        np.concatenate([model.coef_.ravel(), model.intercept_]), plain.theta
    )
    assert model.n_iter_[0] == plain.n_iter


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lbfgs_with_an_initial_hessian_reaches_scikit_learns_optimum(n_classes: int) -> None:
    X, y = dense_data(2_000, 4, n_classes=n_classes, seed=6)
    objective = LogisticObjective.from_arrays(
        X, y.astype(np.float64), n_classes, np.ones(len(y)), C=1.0
    )
    start = np.zeros(objective.n_params)
    # The Hessian at the start, not at the optimum: the pairs correct it.
    # Softmax's is singular along its flat directions (shifted_cholesky).
    hessian = objective.value_gradient_hessian(start)[2]
    result = lbfgs(objective, start, SolverOptions(tol=1e-10, max_iter=200), hessian)
    assert result.converged
    reference = SklearnLogisticRegression(
        C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=200
    ).fit(X, y)
    coef, intercept = objective.unit.unpack(result.theta, centre_coef=True)
    np.testing.assert_allclose(coef, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(intercept, reference.intercept_, rtol=1e-6, atol=1e-8)
