"""Bad input gets a clear exception that names the problem."""

import numpy as np
import pytest

from logitron import LogisticRegression

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
Y = np.array([0, 1] * 10)


def with_value(array, index, value):
    out = np.array(array, dtype=float)
    out[index] = value
    return out


@pytest.mark.parametrize(
    ("X_bad", "y_bad", "match"),
    [
        (with_value(X, (2, 1), np.nan), Y, "NaN"),
        (with_value(X, (0, 0), np.inf), Y, "infinity"),
        (X, with_value(Y, 3, np.nan), "NaN"),
        (X, with_value(Y, 3, np.inf), "infinity"),
        (np.empty((0, 3)), np.empty(0), "0 sample"),
        (X, np.zeros(20), "at least 2 classes"),
        (X, Y[:-1], "inconsistent numbers of samples"),
        (X.reshape(20, 3, 1), Y, "3"),
        (X[:, 0], Y, "Expected 2D array, got 1D"),
        (np.array([["a", "b", "c"]] * 20, dtype=object), Y, "X must be numeric"),
        (X, Y.astype(float) + 0.5, "Unknown label type"),
    ],
    ids=[
        "nan-X", "inf-X", "nan-y", "inf-y", "empty-X", "one-class", "length-mismatch",
        "3d-X", "1d-X", "strings-X", "continuous-y",
    ],
)
def test_bad_data_raises_value_error_naming_the_problem(X_bad, y_bad, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(X_bad, y_bad)


@pytest.mark.parametrize(
    ("weight", "match"),
    [
        (with_value(np.ones(20), 4, np.nan), "NaN"),
        (with_value(np.ones(20), 4, np.inf), "infinity"),
        (with_value(np.ones(20), 4, -1.0), "[Nn]egative"),
        (np.ones(19), "sample_weight.shape"),
        (np.zeros(20), "non-zero"),
        (np.where(Y == 0, 0.0, 1.0), "non-zero weight"),
    ],
    ids=["nan", "inf", "negative", "length", "all-zero", "one-weighted-class"],
)
def test_bad_sample_weight_raises(weight, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(X, Y, sample_weight=weight)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"C": 0.0}, ValueError, r"'C' parameter .* Got 0.0 instead"),
        ({"C": -1.0}, ValueError, r"'C' parameter .* Got -1.0 instead"),
        ({"C": np.nan}, ValueError, r"'C' parameter .* Got nan instead"),
        ({"C": "big"}, TypeError, r"'C' parameter .* Got 'big' instead"),
        ({"learning_rate": 0.0}, ValueError, r"'learning_rate' parameter .* Got 0.0"),
        ({"learning_rate": -0.1}, ValueError, r"'learning_rate' parameter .* Got -0.1"),
        ({"solver": "sgd-magic"}, ValueError, r"'solver' parameter .* Got 'sgd-magic'"),
        ({"l1_ratio": 1.5}, ValueError, r"'l1_ratio' parameter .* Got 1.5 instead"),
        ({"max_iter": -1}, ValueError, r"'max_iter' parameter .* Got -1 instead"),
        ({"tol": -1e-3}, ValueError, r"'tol' parameter .* Got -0.001 instead"),
        ({"class_weight": {0: 1.0, 5: 2.0}}, ValueError, "class_weight names class 5"),
    ],
)
def test_bad_parameters_raise(params, error, match):
    with pytest.raises(error, match=match):
        LogisticRegression(**params).fit(X, Y)


def test_predict_checks_the_number_of_features():
    model = LogisticRegression().fit(X, Y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(X[:, :2])


def test_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)


@pytest.mark.parametrize(
    "y",
    [
        Y,
        Y.astype(bool),
        Y.astype(np.uint8),
        Y.astype(float) * 3 - 1,
        np.arange(20) % 3 * 1.0,
        Y + 0.5,
        np.where(Y == 0, 0.0, 1e19),
        np.where(Y == 0, 0.0, 1e300),
        np.array(["a", "b"] * 10, dtype=object),
    ],
    ids=["int", "bool", "uint8", "whole-float", "3-whole-float", "half", "1e19",
         "1e300", "object"],
)
def test_fast_label_check_agrees_with_type_of_target(y):
    # The estimator skips scikit-learn's type_of_target for labels it can
    # classify cheaply; wherever it does, type_of_target must agree.
    from sklearn.utils.multiclass import type_of_target

    from logitron._validation import _plainly_class_labels

    if _plainly_class_labels(y):
        assert type_of_target(y) in ("binary", "multiclass")
    else:
        assert y.dtype.kind not in "iub"


@pytest.mark.parametrize(
    "classes",
    [np.array([0, 1]), np.array([-1.0, 2.5]), np.array([False, True]), np.array([0, 1, 2])],
    ids=["int", "float", "bool", "three"],
)
def test_class_index_finds_each_label_and_names_a_stranger(classes):
    # partial_fit's batches and Dask's blocks are encoded against classes
    # fixed beforehand (two classes by comparisons, more by a search).
    from logitron._validation import class_index

    index = RNG.integers(0, len(classes), size=50)
    np.testing.assert_array_equal(class_index(classes, classes[index]), index)
    for stranger in (7, np.nan):
        labels = np.append(classes[index].astype(float), stranger)
        with pytest.raises(ValueError, match="not among the classes"):
            class_index(classes, labels)
