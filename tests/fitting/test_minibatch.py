"""``minibatch.MinibatchFit``: partial_fit's state continues while the model
keeps the coefficients it published, and restarts from the coefficients as
they are when something else (``fit``, a user) changed them."""

from __future__ import annotations

import numpy as np

from logitron import LogisticRegression
from logitron.minibatch import MinibatchFit


def batches() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(4)
    X = rng.standard_normal((192, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=192) > 0).astype(int)
    return [(X[i : i + 64], y[i : i + 64]) for i in range(0, 192, 64)]


def adam_first_step(
    X: np.ndarray, y: np.ndarray, coef: np.ndarray, intercept: float, learning_rate: float
) -> tuple[np.ndarray, float]:
    """Adam's first step from ``(coef, intercept)`` on the unpenalised mean
    log-loss of ``(X, y)``: with bias correction it is ``-lr * g / (|g| + 1e-8)``
    (Kingma & Ba 2015, Algorithm 1, t = 1)."""
    p = 1 / (1 + np.exp(-(X @ coef + intercept)))
    gradient = np.append(X.T @ (p - y), np.sum(p - y)) / len(y)
    step = -learning_rate * gradient / (np.abs(gradient) + 1e-8)
    return coef + step[:-1], intercept + step[-1]


def test_published_compares_the_coefficients_it_handed_out() -> None:
    state = MinibatchFit(np.zeros(3))
    coef, intercept = np.array([[1.0, 2.0]]), np.array([0.5])
    assert not state.published(coef, intercept)  # nothing published yet
    state.publish(coef, intercept)
    assert state.published(coef.copy(), intercept.copy())
    coef[0, 1] = 2.5  # an edit of the published array itself is seen
    assert not state.published(coef, intercept)
    assert not state.published(None, None)


def test_partial_fit_continues_while_its_coefficients_stand() -> None:
    model = LogisticRegression(C=np.inf, learning_rate=0.1)
    for X, y in batches():
        model.partial_fit(X, y, classes=[0, 1])
    assert model.n_iter_[0] == 3


def test_partial_fit_restarts_from_edited_coefficients() -> None:
    (X0, y0), (X1, y1), (X2, y2) = batches()
    model = LogisticRegression(C=np.inf, learning_rate=0.1)
    model.partial_fit(X0, y0, classes=[0, 1])
    model.partial_fit(X1, y1)
    edited_coef = model.coef_ + 1.0
    edited_intercept = model.intercept_ - 0.5
    model.coef_, model.intercept_ = edited_coef, edited_intercept
    model.partial_fit(X2, y2)
    # A fresh Adam state: one step, taken from the edited coefficients.
    assert model.n_iter_[0] == 1
    coef, intercept = adam_first_step(X2, y2, edited_coef[0], edited_intercept[0], 0.1)
    np.testing.assert_allclose(model.coef_[0], coef, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_[0], intercept, rtol=1e-12)


def test_partial_fit_after_fit_restarts_from_fits_coefficients() -> None:
    (X0, y0), (X1, y1), (X2, y2) = batches()
    model = LogisticRegression(C=np.inf, learning_rate=0.1)
    model.partial_fit(X0, y0, classes=[0, 1])
    model.partial_fit(X1, y1)
    model.fit(np.vstack([X0, X1]), np.concatenate([y0, y1]))
    fitted_coef, fitted_intercept = model.coef_.copy(), model.intercept_.copy()
    model.partial_fit(X2, y2)
    assert model.n_iter_[0] == 1
    coef, intercept = adam_first_step(X2, y2, fitted_coef[0], fitted_intercept[0], 0.1)
    np.testing.assert_allclose(model.coef_[0], coef, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_[0], intercept, rtol=1e-12)
