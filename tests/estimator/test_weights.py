"""Sample and class weights on every solver and penalty.

The objective ``(1/S) sum_i s_i loss_i + penalty / (C S)`` is the same
function whether a weight comes from ``sample_weight``, from ``class_weight``
or from repeating a row, so every solver must land on the same optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logitron import LogisticRegression
from logitron.solvers import SOLVERS

# (solver, l1_ratio): every solver with a smooth penalty, the L1 solvers with
# elastic net and lasso too.
SOLVER_PENALTIES = [(name, 0.0) for name in SOLVERS] + [
    (name, ratio)
    for name, entry in SOLVERS.items()
    if entry.handles_l1
    for ratio in (0.5, 1.0)
]


def problem(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 4))
    raw = X @ rng.standard_normal((4, n_classes)) + rng.gumbel(size=(60, n_classes))
    labels = np.array(["ant", "bee", "cat", "dog"])[:n_classes]
    return X, labels[raw.argmax(axis=1)]


def fitted(solver: str, l1_ratio: float, **params: Any) -> LogisticRegression:
    # gd's tol is a change of cost: tighter than its default so that the
    # optimum, not the stopping point, is compared.
    tol = 1e-12 if solver == "gd" else 1e-10
    return LogisticRegression(
        C=0.8,
        l1_ratio=l1_ratio,
        solver=solver,
        tol=tol,
        max_iter=100_000,
        learning_rate=0.5,
        **params,
    )


def assert_same_model(a: LogisticRegression, b: LogisticRegression) -> None:
    assert_allclose(a.coef_, b.coef_, atol=1e-7)
    assert_allclose(a.intercept_, b.intercept_, atol=1e-7)
    assert np.array_equal(a.coef_ == 0, b.coef_ == 0)


@pytest.mark.parametrize(("solver", "l1_ratio"), SOLVER_PENALTIES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_weights_equal_the_matching_sample_weights(
    solver: str, l1_ratio: float, n_classes: int
) -> None:
    X, y = problem(n_classes)
    class_weight = dict(
        zip(np.unique(y).tolist(), [0.5, 3.0, 1.5][:n_classes], strict=True)
    )
    by_class = fitted(solver, l1_ratio, class_weight=class_weight).fit(X, y)
    sample_weight = np.array([class_weight[label] for label in y])
    by_sample = fitted(solver, l1_ratio).fit(X, y, sample_weight=sample_weight)
    assert_same_model(by_class, by_sample)


@pytest.mark.parametrize(("solver", "l1_ratio"), SOLVER_PENALTIES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_integer_weights_equal_repeated_rows(
    solver: str, l1_ratio: float, n_classes: int
) -> None:
    X, y = problem(n_classes)
    counts = np.random.default_rng(1).integers(0, 4, size=len(y))
    weighted = fitted(solver, l1_ratio).fit(X, y, sample_weight=counts)
    repeated = fitted(solver, l1_ratio).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    assert_same_model(weighted, repeated)


@pytest.mark.parametrize(("solver", "l1_ratio"), SOLVER_PENALTIES)
def test_balanced_with_integer_weights_equals_balanced_on_repeated_rows(
    solver: str, l1_ratio: float
) -> None:
    # "balanced" counts each class by its total sample weight, so it too
    # sees integer weights as repeated rows.
    X, y = problem(3)
    counts = np.random.default_rng(2).integers(1, 4, size=len(y))
    weighted = fitted(solver, l1_ratio, class_weight="balanced")
    weighted.fit(X, y, sample_weight=counts)
    repeated = fitted(solver, l1_ratio, class_weight="balanced")
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    assert_same_model(weighted, repeated)


def test_balanced_weights_are_inverse_class_frequencies() -> None:
    X, y = problem(3)
    y = y.copy()
    y[:30] = "ant"  # unbalance the classes
    labels, counts = np.unique(y, return_counts=True)
    explicit = {
        label: len(y) / (3 * count) for label, count in zip(labels, counts, strict=True)
    }
    balanced = fitted("newton", 0.0, class_weight="balanced").fit(X, y)
    by_dict = fitted("newton", 0.0, class_weight=explicit).fit(X, y)
    assert_same_model(balanced, by_dict)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_weighted_fit_equals_scikit_learn(n_classes: int) -> None:
    X, y = problem(n_classes)
    sample_weight = np.random.default_rng(3).uniform(0.2, 3.0, size=len(y))
    ours = fitted("newton", 0.0, class_weight="balanced").fit(
        X, y, sample_weight=sample_weight
    )
    theirs = SkLogisticRegression(
        C=0.8, class_weight="balanced", solver="newton-cholesky", tol=1e-12
    ).fit(X, y, sample_weight=sample_weight)
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-7)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-7)


def test_weighted_l1_fit_equals_scikit_learn() -> None:
    X, y = problem(3)
    sample_weight = np.random.default_rng(4).uniform(0.2, 3.0, size=len(y))
    class_weight = {"ant": 2.0, "cat": 0.5}
    ours = fitted("prox-newton", 1.0, class_weight=class_weight).fit(
        X, y, sample_weight=sample_weight
    )
    theirs = SkLogisticRegression(
        C=0.8,
        l1_ratio=1.0,
        class_weight=class_weight,
        solver="saga",
        tol=1e-13,
        max_iter=100_000,
    ).fit(X, y, sample_weight=sample_weight)
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)


def test_zero_weight_rows_are_ignored() -> None:
    X, y = problem(3)
    weight = np.ones(len(y))
    weight[::4] = 0.0
    weighted = fitted("prox-newton", 0.5).fit(X, y, sample_weight=weight)
    dropped = fitted("prox-newton", 0.5).fit(X[weight > 0], y[weight > 0])
    assert_same_model(weighted, dropped)


# -- bad input ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        (
            {"ant": 1.0, "eel": 2.0},
            r"class_weight names class 'eel', which is not among the classes",
        ),
        ("uniform", r"'class_weight' parameter .* must be an instance of 'dict'"),
        ({"ant": -1.0}, "must be finite and >= 0"),
        ({"bee": np.nan}, "must be finite and >= 0"),
    ],
)
def test_bad_class_weight_is_named(class_weight: Any, message: str) -> None:
    X, y = problem(3)
    with pytest.raises(ValueError, match=message):
        LogisticRegression(class_weight=class_weight).fit(X, y)


@pytest.mark.parametrize(
    ("sample_weight", "message"),
    [
        (-np.ones(60), "Negative values"),
        (np.zeros(60), "non-zero"),
        (np.ones(59), "sample_weight"),
        (np.r_[np.ones(20), np.full(40, np.nan)], "NaN"),
    ],
)
def test_bad_sample_weight_is_named(sample_weight: np.ndarray, message: str) -> None:
    X, y = problem(2)
    with pytest.raises(ValueError, match=message):
        LogisticRegression().fit(X, y, sample_weight=sample_weight)


def test_weights_leaving_one_class_are_rejected() -> None:
    X, y = problem(2)
    weight = (y == "ant").astype(float)
    with pytest.raises(ValueError, match="at least 2 classes with non-zero weight"):
        LogisticRegression().fit(X, y, sample_weight=weight)
