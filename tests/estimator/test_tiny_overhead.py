"""The shortcuts of fit on small data (issue 18): each must behave exactly as
the scikit-learn machinery it skips.

* ``_validation.check_training_data`` passes plain NumPy input through
  without ``validate_data``; anything else goes to it. The reference is
  ``validate_data`` itself, called with the arguments the estimator uses.
* ``_validation.check_params`` remembers parameter values that passed.
* ``check_weights`` builds the ones vector of unweighted data directly.
* The fit-time screen reuses the fit's unit when its sample is every row.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from logitron import (
    CollinearityWarning,
    LogisticRegression,
    PerfectSeparationWarning,
    _validation,
)


def _tiny(seed: int = 0, n: int = 32, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.ones(d) + rng.normal(size=n) > 0).astype(np.int64)
    return X, y


def _reference(X: Any, y: Any) -> tuple[Any, np.ndarray]:
    """What ``check_training_data`` returned before the fast path."""
    X, y = validate_data(
        LogisticRegression(), X, y, accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32), y_numeric=False,
    )
    check_classification_targets(y)
    return X, y


def _no_validate_data(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("validate_data was called on plain input")


X_TINY, Y_TINY = _tiny()

PLAIN_INPUTS = {
    "float64 C": (X_TINY, Y_TINY),
    "float64 F": (np.asfortranarray(X_TINY), Y_TINY),
    "float32": (X_TINY.astype(np.float32), Y_TINY),
    "bool y": (X_TINY, Y_TINY.astype(bool)),
    "uint8 y": (X_TINY, Y_TINY.astype(np.uint8)),
    "whole float y": (X_TINY, Y_TINY.astype(np.float64)),
    "strided y": (X_TINY, np.repeat(Y_TINY, 2)[::2]),
}


@pytest.mark.parametrize("name", list(PLAIN_INPUTS))
def test_plain_input_skips_validate_data_and_returns_what_it_would(name, monkeypatch):
    X, y = PLAIN_INPUTS[name]
    X_ref, y_ref = _reference(X, y)
    monkeypatch.setattr(_validation, "validate_data", _no_validate_data)
    model = LogisticRegression()
    X_out, y_out, squares = _validation.check_training_data(model, X, y)
    # The rescaling plan's column sums of squares come with it (they proved
    # X finite), summed in X's dtype.
    assert squares is not None
    assert squares.n_samples == X.shape[0]
    np.testing.assert_allclose(
        squares.sums, np.sum(np.square(X, dtype=np.float64), axis=0),
        rtol=10 * np.finfo(X.dtype).eps * X.shape[0],
    )
    # No copy either way.
    assert X_out is X
    assert X_ref is X
    assert X_out.dtype == X_ref.dtype
    np.testing.assert_array_equal(y_out, y_ref)
    assert y_out.dtype == y_ref.dtype
    assert y_out.flags.c_contiguous
    assert y_ref.flags.c_contiguous
    assert model.n_features_in_ == X.shape[1]
    assert not hasattr(model, "feature_names_in_")


def _bad_inputs() -> dict[str, tuple[Any, Any]]:
    X, y = X_TINY.copy(), Y_TINY.copy()
    with_nan, with_inf = X.copy(), X.copy()
    with_nan[3, 1] = np.nan
    with_inf[5, 0] = -np.inf
    both_infs = with_inf.copy()
    both_infs[6, 2] = np.inf  # their sum is NaN
    y_nan = y.astype(np.float64)
    y_nan[2] = np.nan
    return {
        "NaN in X": (with_nan, y),
        "inf in X": (with_inf, y),
        "inf and -inf in X": (both_infs, y),
        "NaN in y": (X, y_nan),
        "no rows": (np.empty((0, 3)), np.empty(0)),
        "no columns": (np.empty((32, 0)), y),
        "3-D X": (X.reshape(32, 3, 1), y),
        "1-D X": (X[:, 0], y),
        "length mismatch": (X, y[:-1]),
        "2-D y": (X, np.column_stack([y, y])),
        "complex X": (X.astype(np.complex128), y),
        "continuous y": (X, y + 0.5),
    }


# scikit-learn's own finiteness test sums X: inf - inf warns there, before
# and after the fast path alike.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", list(_bad_inputs()))
def test_bad_input_raises_validate_datas_error(name):
    X, y = _bad_inputs()[name]
    with pytest.raises((ValueError, TypeError)) as expected:
        _reference(X, y)
    with pytest.raises(type(expected.value)) as got:
        _validation.check_training_data(LogisticRegression(), X, y)
    assert str(got.value) == str(expected.value)


def _converted_inputs() -> dict[str, tuple[Any, Any]]:
    X, y = X_TINY, Y_TINY
    # Finite entries whose sum overflows (validate_data accepts them; the
    # fast path's column maxima see them finite).
    huge = (1.0 + np.abs(X)) * 1e307
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(huge))
    return {
        "non-contiguous X": (np.repeat(X, 2, axis=1)[:, ::2], y),
        "int X": (np.round(X * 10).astype(np.int64), y),
        "float16 X": (X.astype(np.float16), y),
        "big-endian X": (X.astype(">f8"), y),
        "list X": (X.tolist(), y.tolist()),
        "string y": (X, np.where(y == 1, "yes", "no")),
        "huge X": (huge, y),
    }


@pytest.mark.parametrize("name", list(_converted_inputs()))
def test_other_input_is_validated_as_before(name):
    X, y = _converted_inputs()[name]
    X_ref, y_ref = _reference(X, y)
    model = LogisticRegression()
    X_out, y_out, _ = _validation.check_training_data(model, X, y)
    np.testing.assert_array_equal(X_out, X_ref)
    assert X_out.dtype == X_ref.dtype
    assert X_out.flags.c_contiguous or X_out.flags.f_contiguous
    np.testing.assert_array_equal(y_out, y_ref)
    assert model.n_features_in_ == X_ref.shape[1]


def test_column_vector_y_warns_as_scikit_learn():
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        _, y, _ = _validation.check_training_data(
            LogisticRegression(), X_TINY, Y_TINY[:, None]
        )
    np.testing.assert_array_equal(y, Y_TINY)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_on_the_fast_path_equals_the_validated_fit(dtype, monkeypatch):
    X, y = X_TINY.astype(dtype), Y_TINY
    for C in (1.0, np.inf):
        fast = LogisticRegression(C=C).fit(X, y)
        with monkeypatch.context() as patch:
            patch.setattr(_validation, "_plain_column_squares", lambda *args: None)
            slow = LogisticRegression(C=C).fit(X, y)
        assert fast.coef_.dtype == slow.coef_.dtype == dtype
        assert fast.coef_.tobytes() == slow.coef_.tobytes()
        assert fast.intercept_.tobytes() == slow.intercept_.tobytes()
        assert fast.n_iter_[0] == slow.n_iter_[0]


def test_feature_names_follow_scikit_learn_across_refits():
    X, y = X_TINY, Y_TINY
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    for model in (LogisticRegression(), SklearnLogisticRegression()):
        model.fit(frame, y)
        np.testing.assert_array_equal(model.feature_names_in_, ["a", "b", "c"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(X, y)  # a refit on an array forgets the names, silently
        assert not hasattr(model, "feature_names_in_")
        assert model.n_features_in_ == 3
        with pytest.warns(UserWarning, match="fitted without feature names"):
            model.predict(frame)


def test_remembered_parameters_still_refuse_invalid_values():
    X, y = X_TINY, Y_TINY
    model = LogisticRegression(C=1.0, fit_intercept=True).fit(X, y)
    model.set_params(fit_intercept=1)  # equal to True, but not a bool
    with pytest.raises(InvalidParameterError, match="'fit_intercept' parameter"):
        model.fit(X, y)
    model.set_params(fit_intercept=True, C=-1.0)
    with pytest.raises(InvalidParameterError, match="'C' parameter"):
        model.fit(X, y)
    model.set_params(C=1.0, class_weight={0: 1.0, 1: 2.0})
    model.fit(X, y)  # a dict is checked every time, and valid
    model.set_params(class_weight="unknown")
    with pytest.raises(InvalidParameterError, match="'class_weight' parameter"):
        model.fit(X, y)


def test_unweighted_fit_equals_unit_weights():
    X, y = X_TINY, Y_TINY
    unweighted = LogisticRegression(C=np.inf).fit(X, y)
    weighted = LogisticRegression(C=np.inf).fit(X, y, sample_weight=np.ones(len(y)))
    assert unweighted.coef_.tobytes() == weighted.coef_.tobytes()
    np.testing.assert_array_equal(unweighted.summary().bse, weighted.summary().bse)


def test_tiny_unpenalised_summary_matches_statsmodels():
    X, y = X_TINY, Y_TINY
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = LogisticRegression(C=np.inf).fit(X, y).summary()
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(summary.params, reference.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(summary.bse, reference.bse, rtol=1e-7)


def test_screen_on_every_row_still_warns():
    X, y = X_TINY, Y_TINY
    separated = (X[:, 0] > 0).astype(np.int64)
    with pytest.warns(PerfectSeparationWarning):
        LogisticRegression(C=np.inf).fit(X, separated)
    collinear = np.column_stack([X, X[:, 0] + X[:, 1]])
    with pytest.warns(CollinearityWarning, match="Collinear columns"):
        LogisticRegression(C=np.inf).fit(collinear, y)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0.0, 1.0, 1.0, 0.0]),
        np.array([7, -3, 7, 7]),
        np.array([True, False, True]),
        np.array([2.5, 2.5, 4.0], dtype=np.float32),
        np.array([0, 1, 2, 1]),  # three classes: np.unique's path
        np.array([0.0, np.nan, 1.0]),  # a NaN: np.unique's path
    ],
)
def test_labels_are_encoded_as_by_np_unique(y):
    # Two numeric classes are read off the minimum and maximum: the same
    # classes (values and dtype) and indices as sorting them would give.
    classes, y_index = _validation.encode_labels(y)
    expected = np.unique(y)
    np.testing.assert_array_equal(classes, expected)
    assert classes.dtype == expected.dtype
    np.testing.assert_array_equal(y_index, np.searchsorted(expected, y))
    assert y_index.dtype == np.intp


def test_one_numeric_class_is_refused():
    with pytest.raises(ValueError, match="only one class"):
        _validation.encode_labels(np.array([3.0, 3.0, 3.0]))
