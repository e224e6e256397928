"""LogisticRegressionCV: the path, the selection, and scikit-learn's choice."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
from sklearn.metrics import get_scorer, log_loss
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from logitron import LogisticRegression, LogisticRegressionCV
from logitron.cv_setup import scorer


@functools.cache
def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    loader = {"breast_cancer": load_breast_cancer, "digits": load_digits}[name]
    X, y = loader(return_X_y=True)
    if name == "digits":
        # A third of the rows keeps the ten-class CV fits (both libraries')
        # to a fraction of a second.
        X, y = X[::3], y[::3]
    return StandardScaler().fit_transform(X), y


def small_problem() -> tuple[np.ndarray, np.ndarray]:
    X, y = dataset("breast_cancer")
    return X[::3, :8], y[::3]


#: scikit-learn 1.10/1.11's defaults, passed explicitly: left at their
#: default "warn", these mean scikit-learn 1.9's (accuracy, the legacy layout,
#: l1_ratios=None), each with a FutureWarning (tested in test_sklearn_dropin).
NEW: dict[str, Any] = {"scoring": "neg_log_loss", "use_legacy_attributes": False}
L2: dict[str, Any] = {"l1_ratios": (0.0,), **NEW}

GRIDS = {
    "breast_cancer": {"Cs": 10, "cv": StratifiedKFold(5)},
    "digits": {"Cs": [0.01, 0.1, 1.0], "cv": StratifiedKFold(3)},
}
# scikit-learn's tight reference: newton-cholesky for one neuron; for ten
# classes it forms and factors a (K (d + 1))^2 Hessian per iteration (over
# a minute of this test under load), while its newton-cg, on Hessian
# products, reaches the same optimum at the same tol in about a second.
REFERENCE_SOLVERS = {"breast_cancer": "newton-cholesky", "digits": "newton-cg"}


@pytest.mark.parametrize(
    ("name", "refit"),
    [("breast_cancer", True), ("breast_cancer", False), ("digits", True)],
)
def test_selects_the_same_C_as_scikit_learn(name: str, refit: bool) -> None:
    X, y = dataset(name)
    grid = GRIDS[name]
    ours = LogisticRegressionCV(**grid, **L2, refit=refit, tol=1e-10).fit(X, y)
    theirs = SkLogisticRegressionCV(
        **grid,
        refit=refit,
        l1_ratios=(0.0,),
        scoring="neg_log_loss",
        solver=REFERENCE_SOLVERS[name],
        tol=1e-10,
        max_iter=1000,
        use_legacy_attributes=False,
    ).fit(X, y)
    assert ours.C_ == theirs.C_
    assert_allclose(ours.Cs_, theirs.Cs_)
    assert_allclose(ours.scores_, theirs.scores_, atol=1e-7)
    assert ours.coefs_paths_.shape == theirs.coefs_paths_.shape
    assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-5)
    assert ours.l1_ratio_ == 0.0


def test_sample_weights_weight_the_fits_and_the_scores_as_in_scikit_learn() -> None:
    X, y = dataset("breast_cancer")
    weight = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    grid = {"Cs": [0.01, 0.1, 1.0], "cv": StratifiedKFold(4)}
    ours = LogisticRegressionCV(**grid, **L2, class_weight="balanced", tol=1e-10)
    ours.fit(X, y, sample_weight=weight)
    theirs = SkLogisticRegressionCV(
        **grid,
        class_weight="balanced",
        l1_ratios=(0.0,),
        scoring="neg_log_loss",
        solver="newton-cholesky",
        tol=1e-10,
        use_legacy_attributes=False,
    ).fit(X, y, sample_weight=weight)
    assert_allclose(ours.scores_, theirs.scores_, atol=1e-7)
    assert ours.C_ == theirs.C_


def test_scores_are_the_test_fold_scores_of_each_fit() -> None:
    # The (l1_ratio, C) grid, fold by fold, against fits made one at a time.
    X, y = small_problem()
    folds = list(StratifiedKFold(3).split(X, y))
    model = LogisticRegressionCV(
        Cs=[0.05, 0.5, 5.0], l1_ratios=[0.0, 0.7, 1.0], cv=folds, tol=1e-10, **NEW
    ).fit(X, y)
    for f, (train, test) in enumerate(folds):
        for r, l1_ratio in enumerate(model.l1_ratios_):
            for c, C in enumerate(model.Cs_):
                single = LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10)
                single.fit(X[train], y[train])
                expected = -log_loss(y[test], single.predict_proba(X[test]))
                assert model.scores_[f, r, c] == pytest.approx(expected, abs=1e-8)
                assert_allclose(
                    model.coefs_paths_[f, r, c, :, :-1], single.coef_, atol=1e-6
                )
    mean_scores = model.scores_.mean(axis=0)
    best_r, best_c = np.unravel_index(np.argmax(mean_scores), mean_scores.shape)
    assert model.l1_ratio_ == model.l1_ratios_[best_r]
    assert model.Cs_[best_c] == model.C_
    refitted = LogisticRegression(C=model.C_, l1_ratio=model.l1_ratio_, tol=1e-10)
    assert_allclose(model.coef_, refitted.fit(X, y).coef_, atol=1e-6)


def test_warm_started_path_needs_fewer_iterations_than_cold_fits() -> None:
    X, y = dataset("breast_cancer")
    Cs = np.logspace(-2, 2, 8)
    folds = [next(StratifiedKFold(5).split(X, y))]
    model = LogisticRegressionCV(Cs=Cs, l1_ratios=[0.5], cv=folds, **NEW).fit(X, y)
    train = folds[0][0]
    cold = [
        LogisticRegression(C=C, l1_ratio=0.5).fit(X[train], y[train]).n_iter_[0]
        for C in Cs
    ]
    assert model.n_iter_[0, 0, 0] == cold[0]
    assert model.n_iter_[0, 0, 1:].sum() < 0.6 * sum(cold[1:])


def test_fitted_attributes_have_scikit_learn_shapes() -> None:
    X, y = dataset("digits")
    X, y = X[y < 4], y[y < 4]
    model = LogisticRegressionCV(Cs=3, l1_ratios=[0.0, 1.0], cv=2, **NEW).fit(X, y)
    assert_allclose(model.Cs_, [1e-4, 1.0, 1e4])
    assert model.coefs_paths_.shape == (2, 2, 3, 4, 65)
    assert model.scores_.shape == model.n_iter_.shape == (2, 2, 3)
    assert model.coef_.shape == (4, 64)
    assert model.intercept_.shape == (4,)
    assert isinstance(model.C_, float)
    assert isinstance(model.l1_ratio_, float)
    assert model.score(X, y) == pytest.approx(-log_loss(y, model.predict_proba(X)))


def test_balanced_class_weight_is_computed_once_on_all_the_data() -> None:
    X, y = small_problem()
    counts = np.bincount(y)
    explicit = {k: len(y) / (2 * counts[k]) for k in (0, 1)}
    grid: dict[str, Any] = {"Cs": [0.1, 1.0], "cv": 3, "tol": 1e-10, **L2}
    balanced = LogisticRegressionCV(**grid, class_weight="balanced").fit(X, y)
    by_dict = LogisticRegressionCV(**grid, class_weight=explicit).fit(X, y)
    assert_allclose(balanced.scores_, by_dict.scores_, atol=1e-12)


def test_parallel_folds_give_the_same_result() -> None:
    X, y = small_problem()
    grid: dict[str, Any] = {"Cs": [0.1, 1.0], "l1_ratios": [0.0, 1.0], "cv": 3, **NEW}
    serial = LogisticRegressionCV(**grid).fit(X, y)
    parallel = LogisticRegressionCV(**grid, n_jobs=2).fit(X, y)
    assert_allclose(parallel.scores_, serial.scores_, atol=1e-12)
    assert_allclose(parallel.coef_, serial.coef_, atol=1e-12)


# -- bad input ---------------------------------------------------------------
def test_a_class_with_a_single_sample_is_a_clear_error() -> None:
    X, y = small_problem()
    y = y.copy()
    y[0] = 2
    with pytest.raises(ValueError, match=r"class 2 has only 1 sample\(s\), fewer than"):
        LogisticRegressionCV(Cs=2, **L2).fit(X, y)


def test_a_training_fold_without_a_class_is_a_clear_error() -> None:
    X, y = small_problem()
    order = np.argsort(y, kind="stable")
    with pytest.raises(ValueError, match="training fold 0 has no sample"):
        LogisticRegressionCV(Cs=2, cv=KFold(2), **L2).fit(X[order], y[order])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"Cs": 0}, r"'Cs' parameter of LogisticRegressionCV must be an int in the range \[1"),
        ({"Cs": [1.0, -1.0]}, "Cs must hold positive numbers"),
        ({"Cs": []}, "Cs must hold positive numbers"),
        ({"Cs": ["a"]}, "Cs must be an int or a list"),
        ({"l1_ratios": [0.5, 1.5]}, r"l1_ratios must be a list of numbers in \[0, 1\]"),
        ({"l1_ratios": []}, "l1_ratios must be a list"),
        ({"refit": "yes"}, r"'refit' parameter .* must be an instance of 'bool'"),
        ({"use_legacy_attributes": "yes"}, r"'use_legacy_attributes' parameter .* 'bool'"),
        ({"l1_ratios": "none"}, r"'l1_ratios' parameter .* must be an array-like or None"),
        ({"solver": "sgd"}, r"'solver' parameter .* Got 'sgd' instead"),
        ({"scoring": "not_a_metric"}, "not_a_metric"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, Any], message: str) -> None:
    X, y = small_problem()
    with pytest.raises(ValueError, match=message):
        LogisticRegressionCV(**{**L2, **params}).fit(X, y)


# Cross-validation splits rows, so repeating a row (instead of weighting it)
# changes the folds and with them the selected C and the refitted model:
# weights cannot equal repetitions for a CV estimator. scikit-learn's own
# LogisticRegressionCV has the same property; the dense variant passes only
# because its folds happen to select the same C.
@parametrize_with_checks(
    [LogisticRegressionCV(Cs=2, cv=2, **L2)],
    expected_failed_checks=lambda estimator: {
        "check_sample_weight_equivalence_on_sparse_data": (
            "repeated rows change the cross-validation folds"
        )
    },
)
def test_scikit_learn_estimator_contract(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.parametrize("name", ["breast_cancer", "digits"])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_default_scorer_equals_scikit_learns_neg_log_loss(name: str, weighted: bool) -> None:
    # CV scores each C of a fold from the coefficients directly; the value
    # must be scikit-learn's scorer's, clipping and binary rounding included.
    X, y = dataset(name)
    weight = np.random.default_rng(1).uniform(0.5, 2.0, len(y)) if weighted else None
    classes = np.unique(y)
    half = len(y) // 2
    for C in (0.01, 1.0, 1e4):
        model = LogisticRegression(C=C, tol=1e-8, max_iter=5000).fit(X[:half], y[:half])
        kwargs = {} if weight is None else {"sample_weight": weight[half:]}
        ours = scorer(LogisticRegression(), "neg_log_loss", classes)(
            model, X[half:], y[half:], **kwargs
        )
        theirs = get_scorer("neg_log_loss")(model, X[half:], y[half:], **kwargs)
        assert ours == pytest.approx(theirs, rel=1e-12)
