"""partial_fit: Adam on mini-batches approaches fit's optimum."""

import numpy as np
import pytest

from logitron import LogisticRegression
from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from tests.helpers import make_objective, theta_of


def make_problem(n_classes=2, n_samples=1000, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * [0.5, 1.0, 2.0, 1.0][:n_features]
    coef = rng.normal(size=(n_features, n_classes))
    y = np.argmax(X @ coef + rng.gumbel(size=(n_samples, n_classes)), axis=1)
    return X, y, rng


def objective_value(model, X, y, C):
    """fit's (mean-scale) objective at the model's coefficients."""
    return make_objective(X, y, C=C, weighted=False).objective.value(theta_of(model))


def run_epochs(model, X, y, rng, n_epochs, batch=50, classes=None):
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            rows = order[start : start + batch]
            model.partial_fit(X[rows], y[rows], classes=classes, total_weight=len(y))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_epochs_of_mini_batches_approach_the_batch_optimum(n_classes):
    X, y, rng = make_problem(n_classes)
    C = 0.1
    optimum = objective_value(LogisticRegression(C=C).fit(X, y), X, y, C)
    model = LogisticRegression(C=C, learning_rate=0.3)
    classes = list(range(n_classes))
    run_epochs(model, X, y, rng, n_epochs=2, classes=classes)
    early_gap = objective_value(model, X, y, C) / optimum - 1
    run_epochs(model, X, y, rng, n_epochs=28)
    gap = objective_value(model, X, y, C) / optimum - 1
    assert model.n_iter_[0] == 30 * 20
    assert 0 <= gap < 1e-3
    assert gap < early_gap / 10


def test_first_step_is_adams_sign_step_on_the_batch_gradient():
    # With bias correction, Adam's first step is -lr * g / (|g| + eps): a
    # step of about lr against the sign of each gradient coordinate.
    X, y, _ = make_problem()
    model = LogisticRegression(C=np.inf, learning_rate=0.2)
    model.partial_fit(X[:64], y[:64], classes=[0, 1])
    unit = LinearUnit(as_data(X[:64]), 1, True)
    objective = LogisticObjective(unit, BinaryCrossEntropy(), y[:64], np.ones(64), C=np.inf)
    _, gradient = objective.value_gradient(np.zeros(unit.n_params))
    expected = -0.2 * gradient / (np.abs(gradient) + 1e-8)
    np.testing.assert_allclose(np.r_[model.coef_[0], model.intercept_], expected, rtol=1e-12)
    assert model.solver_ == "adam"


def test_partial_fit_after_fit_continues_from_its_coefficients():
    X, y, _ = make_problem()
    fitted = LogisticRegression(learning_rate=0.01).fit(X, y)
    coef = fitted.coef_.copy()
    fitted.partial_fit(X[:50], y[:50])
    change = np.abs(fitted.coef_ - coef)
    assert np.all(change <= 0.01 * (1 + 1e-9))
    assert np.any(change > 0)


def test_partial_fit_input_errors():
    X, y, _ = make_problem()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        LogisticRegression().partial_fit(X, y)
    with pytest.raises(ValueError, match="not among the classes"):
        LogisticRegression().partial_fit(X, y + 1, classes=[0, 1])
    with pytest.raises(ValueError, match="balanced"):
        LogisticRegression(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    # Mini-batch steps have no L1 form: the method is not offered at all.
    assert not hasattr(LogisticRegression(l1_ratio=0.5), "partial_fit")
    model = LogisticRegression().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="differs from the classes"):
        model.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="total_weight must be > 0"):
        model.partial_fit(X, y, total_weight=0.0)
