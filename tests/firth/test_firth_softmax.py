"""Softmax Firth: the modified score against the definition, the optimum
against a general optimiser, and two classes against the binary fit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.optimize

from logitron.firth import design_matrix, fit_penalised
from logitron.firth_softmax import _evaluate, fit_softmax_penalised


def three_classes() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 60
    X = rng.standard_normal((n, 2))
    raw = np.column_stack([np.zeros(n), X @ [1.0, -1.0] + 0.3, X @ [-0.5, 2.0] - 0.2])
    proba = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in proba])
    y[X[:, 0] > 1.2] = 2  # class 2 owns a corner: a sparse, lopsided table
    return design_matrix(X, True), y


def penalised_loglik(flat: np.ndarray, design: np.ndarray, y: np.ndarray, k: int) -> float:
    """l + 0.5 log det I from the definition, I built entry block by block."""
    n, m = design.shape
    theta = flat.reshape(k - 1, m)
    raw = np.column_stack([np.zeros(n), design @ theta.T])
    log_p = raw - np.logaddexp.reduce(raw, axis=1, keepdims=True)
    p = np.exp(log_p)[:, 1:]
    information = np.zeros((k - 1, m, k - 1, m))
    for a in range(k - 1):
        for b in range(k - 1):
            w = (a == b) * p[:, a] - p[:, a] * p[:, b]
            information[a, :, b, :] = design.T @ (w[:, None] * design)
    logdet = np.linalg.slogdet(information.reshape((k - 1) * m, -1))[1]
    return float(log_p[np.arange(n), y].sum() + 0.5 * logdet)


def test_modified_score_is_the_gradient_of_the_definition():
    design, y = three_classes()
    theta = np.random.default_rng(1).normal(0, 0.5, size=(2, 3))
    onehot = np.eye(3)[y]
    point = _evaluate(design, onehot, np.ones(len(y)), theta)
    assert point is not None
    step = 1e-5
    numeric = np.array([
        (penalised_loglik(theta.ravel() + e, design, y, 3)
         - penalised_loglik(theta.ravel() - e, design, y, 3)) / (2 * step)
        for e in np.eye(6) * step
    ])
    np.testing.assert_allclose(point.score.ravel(), numeric, rtol=1e-7, atol=1e-7)
    assert point.value == pytest.approx(penalised_loglik(theta.ravel(), design, y, 3), abs=1e-10)


def test_optimum_matches_a_general_optimiser():
    design, y = three_classes()
    fit = fit_softmax_penalised(design, y, 3)
    assert fit.converged
    result = scipy.optimize.minimize(
        lambda t: -penalised_loglik(t, design, y, 3), np.zeros(6), method="BFGS",
        options={"gtol": 1e-9},
    )
    # BFGS on finite differences stops near 1e-7; ours is at least as high.
    np.testing.assert_allclose(fit.theta.ravel(), result.x, atol=1e-6)
    assert fit.penalised_loglik >= -result.fun - 1e-12


def test_two_classes_equal_the_binary_fit():
    frame = pd.read_csv(Path(__file__).parents[1] / "data" / "endometrial.csv")
    design = design_matrix(frame[["NV", "PI", "EH"]].to_numpy(float), True)
    y = frame["HG"].to_numpy(int)
    weight = np.random.default_rng(2).integers(1, 4, size=len(y)).astype(float)
    softmax = fit_softmax_penalised(design, y, 2, weight)
    binary = fit_penalised(design, y.astype(float), weight)
    np.testing.assert_allclose(softmax.theta[0], binary.beta, atol=1e-10)
    np.testing.assert_allclose(softmax.covariance, binary.covariance, atol=1e-10)
    assert softmax.penalised_loglik == pytest.approx(binary.penalised_loglik, abs=1e-10)


def test_collinear_columns_are_named():
    design, y = three_classes()
    with pytest.raises(np.linalg.LinAlgError, match="collinear"):
        fit_softmax_penalised(np.column_stack([design, design[:, 0]]), y, 3)


def test_newton_steps_rescue_a_crawling_scoring_iteration():
    # 15 rows, 3 classes, 10 parameters (scikit-learn's estimator-check data):
    # scoring alone shrinks its step by ~0.9 per iteration and needs 206
    # iterations; Newton's steps from the score's Jacobian need a handful. The
    # optimum is the same: the modified score vanishes there.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(15, 4))
    y = rng.permutation(np.repeat(np.arange(3), 5))
    design = design_matrix(X, True)
    fit = fit_softmax_penalised(design, y, 3, max_iter=20)
    assert fit.converged
    point = _evaluate(design, np.eye(3)[y], np.ones(15), fit.theta)
    assert point is not None
    assert np.max(np.abs(point.score)) < 1e-9
