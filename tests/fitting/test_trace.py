"""``logitron.trace``: the iterates of a fit, recorded through the solvers'
callback only while ``record_fit`` runs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression
from logitron.gradcheck import _objective
from logitron.trace import record_fit, with_recorder


def blobs(n: int = 80, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ np.array([1.5, -1.0]) + 0.3 + rng.logistic(size=n) > 0).astype(int)
    return X, y


def test_gd_trace_is_the_gradient_descent_recurrence() -> None:
    X, y = blobs()
    model = LogisticRegression(solver="gd", learning_rate=0.5)
    trace = record_fit(model, X, y)
    assert trace.n_iter == model.n_iter_[0] == len(model.loss_curve_)
    np.testing.assert_array_equal(trace.values, model.loss_curve_)
    np.testing.assert_array_equal(trace.iterations, np.arange(1, trace.n_iter + 1))
    # The last iterate is the fit; each one is the previous minus 0.5 * gradient.
    np.testing.assert_array_equal(trace.coef[-1], model.coef_)
    np.testing.assert_array_equal(trace.intercept[-1], model.intercept_)
    objective = _objective(model, X, y, None)
    theta = np.column_stack([trace.coef[:, 0, :], trace.intercept])
    for before, after in itertools.pairwise(theta[:6]):
        _, gradient = objective.value_gradient(before)
        np.testing.assert_allclose(after, before - 0.5 * gradient, rtol=1e-13, atol=1e-15)


def test_newton_trace_has_few_frames_and_ends_at_the_fit() -> None:
    X, y = blobs()
    model = LogisticRegression(solver="newton")
    trace = record_fit(model, X, y)
    assert 2 <= trace.n_iter <= 10
    assert trace.n_iter == len(model.loss_curve_)
    np.testing.assert_allclose(trace.coef[-1], model.coef_, rtol=1e-8)


@pytest.mark.parametrize("solver", ["gd", "lbfgs", "newton-cg"])
def test_softmax_trace_in_a_pipeline(solver: str) -> None:
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(solver=solver))
    trace = record_fit(model, X[:, :2], y)
    assert trace.coef.shape == (trace.n_iter, 3, 2)
    assert trace.intercept.shape == (trace.n_iter, 3)
    np.testing.assert_allclose(trace.coef[-1], trace.estimator.coef_, rtol=1e-6, atol=1e-8)
    # The raw prediction of the last iterate goes through the scaler first.
    np.testing.assert_allclose(
        trace.raw_prediction(X[:, :2], -1), model.decision_function(X[:, :2]),
        rtol=1e-6, atol=1e-8,
    )


def test_nothing_is_recorded_outside_record_fit(capsys: pytest.CaptureFixture[str]) -> None:
    assert with_recorder(None) is None
    X, y = blobs()
    LogisticRegression(solver="newton", verbose=1).fit(X, y)
    assert "[newton] iter" in capsys.readouterr().out


def test_verbose_still_prints_while_recording(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = blobs()
    trace = record_fit(LogisticRegression(solver="newton", verbose=1), X, y)
    assert capsys.readouterr().out.count("[newton] iter") == trace.n_iter


@pytest.mark.parametrize("solver", ["fista", "prox-newton"])
def test_l1_solvers_record_their_iterates(solver: str) -> None:
    X, y = blobs()
    model = LogisticRegression(solver=solver, l1_ratio=1.0, C=0.05)
    trace = record_fit(model, X, y)
    assert trace.n_iter == len(model.loss_curve_)
    np.testing.assert_allclose(trace.coef[-1], model.coef_, rtol=1e-6, atol=1e-10)


def test_a_fit_that_does_not_move_is_named() -> None:
    X, y = blobs()
    model = LogisticRegression(solver="newton", warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"no iterates.*'newton'.*stopped where it started"):
        record_fit(model, X, y)
