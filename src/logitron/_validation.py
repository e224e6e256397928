"""Input checks for the estimator: clear errors that name the problem.

scikit-learn's validation does the heavy lifting (dtype, shape, finiteness,
sparse formats, feature names); this module adds the checks it leaves to
estimators and rewords the messages users most often meet.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from . import _params, _scaling
from ._numerics import FloatArray


def check_params(estimator: Any, solver_names: list[str]) -> None:
    """Check the estimator's hyper-parameters against scikit-learn-style
    constraints (``logitron._params``); raises ``InvalidParameterError``
    (a ValueError and a TypeError) naming the parameter."""
    _params.check_estimator(estimator, solver_names)


class TrainingData(NamedTuple):
    """Checked training data; ``column_squares`` is ``_scaling.column_squares(X)``
    where the check computed it (None: not computed)."""

    X: Any
    y: np.ndarray
    column_squares: _scaling.ColumnSquares | None = None


def check_training_data(estimator: Any, X: Any, y: Any) -> TrainingData:
    """Validate ``X`` (2-D, numeric, finite, float32/64, dense or CSR/CSC)
    and ``y`` (1-D classification labels, finite, same length)."""
    squares = _plain_column_squares(estimator, X, y)
    if squares is not None:
        # What validate_data would set and return for such input (the same
        # X, no feature names), at a twentieth of its cost on small data.
        estimator.n_features_in_ = X.shape[1]
        return TrainingData(X, _class_labels(np.ascontiguousarray(y)), squares)
    try:
        X, y = validate_data(
            estimator, X, y,
            accept_sparse=("csr", "csc"),
            dtype=(np.float64, np.float32),
            y_numeric=False,
        )
    except ValueError as error:
        if "could not convert" in str(error):
            raise ValueError(
                f"X must be numeric ({error}); encode categorical columns first, "
                "e.g. with sklearn.preprocessing.OneHotEncoder."
            ) from error
        raise
    if not sp.issparse(X) and not (X.flags.c_contiguous or X.flags.f_contiguous):
        # A strided view would make BLAS copy it at every product: copy once.
        X = np.ascontiguousarray(X)
    if sp.issparse(X):
        return TrainingData(X, _class_labels(y))
    # The same sums as on the plain path, so that a DataFrame and its
    # values fit alike to the last bit.
    return TrainingData(X, _class_labels(y), _finite_column_squares(X))


def _class_labels(y: np.ndarray) -> np.ndarray:
    """``y``, checked to hold class labels (not continuous values)."""
    if not _plainly_class_labels(y):
        check_classification_targets(y)
    return y


def _plain_column_squares(
    estimator: Any, X: Any, y: Any
) -> _scaling.ColumnSquares | None:
    """``X``'s column sums of squares (``_scaling.column_squares``) when
    ``validate_data`` would pass ``X`` and ``y`` through as they are: ``X``
    a plain float64 or float32 NumPy array, 2-D, non-empty, contiguous and
    finite; ``y`` a 1-D numeric NumPy array of as many finite labels; no
    feature names to forget from an earlier fit. None otherwise.

    ``validate_data`` costs about 190 us whatever the size (a tenth of a
    small fit); anything else goes to it, so its errors and warnings stay
    scikit-learn's own. The sums of squares, which the fit's rescaling plan
    reads, prove ``X`` finite: a NaN or an infinity carries into its
    column's sum (float32 sums that overflow go to ``validate_data`` too).
    """
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return None  # subclasses (np.matrix, masked arrays) are converted
    if X.ndim != 2 or y.ndim != 1 or X.dtype not in _PLAIN_FLOATS:
        return None
    if X.shape[0] == 0 or X.shape[1] == 0 or y.shape[0] != X.shape[0]:
        return None
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        return None
    if y.dtype.kind not in "iubf" or hasattr(estimator, "feature_names_in_"):
        return None
    # A finite sum proves every label finite; one that overflows is left to
    # validate_data to judge, without the RuntimeWarning it would not give.
    # (Integer labels skip the errstate context too: 2 us a fit.)
    if y.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.isfinite(np.sum(y)):
                return None
    return _finite_column_squares(X)


def _finite_column_squares(X: np.ndarray) -> _scaling.ColumnSquares | None:
    """``_scaling.column_squares(X)``, or None where a sum is not finite (a
    NaN or infinity in ``X``, or float32 squares that overflow)."""
    squares = _scaling.column_squares(X)
    return squares if np.isfinite(squares.sums).all() else None


#: The dtypes ``validate_data`` keeps (native byte order only).
_PLAIN_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _plainly_class_labels(y: np.ndarray) -> bool:
    """Whether 1-D, finite ``y`` (as ``validate_data`` leaves it) is binary or
    multiclass by scikit-learn's ``type_of_target`` without asking it:
    integers and booleans always are, floats when every value is whole.

    ``type_of_target`` costs 80 us on 569 labels, a twentieth of a small L1
    fit; anything else still goes to it for its verdict and message.
    """
    if y.ndim != 1:
        return False
    if y.dtype.kind in "iub":
        return True
    # Whole floats beyond the int64 range are left to type_of_target, whose
    # test casts to int.
    return y.dtype.kind == "f" and bool(
        np.all(y == np.trunc(y)) and np.all(np.abs(y) < 2.0**62)
    )


def check_weights(
    X: Any,
    y_index: np.ndarray,
    classes: np.ndarray,
    sample_weight: Any,
    class_weight: Any,
) -> FloatArray:
    """Sample weights times class weights, validated (finite, >= 0, sum > 0).

    ``class_weight="balanced"`` gives class ``k`` the weight
    ``sum(s) / (n_classes * sum(s[y == k]))`` with ``s`` the sample weights
    (as scikit-learn >= 1.6 does), so integer sample weights still equal
    repeated rows.
    """
    # Without sample weights, the ones _check_sample_weight would build.
    weight = np.ones(X.shape[0]) if sample_weight is None else _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    if class_weight is not None:
        weight = weight * class_weights(class_weight, classes, y_index, weight)[y_index]
    # Not np.sum(weight) <= 0: a sum of huge weights overflows (issue 14).
    positive = weight > 0
    # The arrays' own any and all: np.any's and np.all's wrappers cost more
    # than the test on small data, and every fit runs it.
    if not positive.any():
        raise ValueError("The sample weights sum to zero: there is nothing to fit.")
    # A count per class is O(n); np.unique would sort. Selecting the rows of
    # positive weight copies y_index: only when some weight is zero.
    counted = y_index if positive.all() else y_index[positive]
    weighted_counts = np.bincount(counted, minlength=len(classes))
    weighted_classes = np.flatnonzero(weighted_counts)
    if len(weighted_classes) < 2:
        raise ValueError(
            "Logistic regression needs samples of at least 2 classes with non-zero "
            f"weight; got only class {classes[weighted_classes[0]]!r}."
        )
    return weight


def class_weights(
    class_weight: Any,
    classes: np.ndarray,
    y_index: np.ndarray,
    sample_weight: FloatArray,
) -> FloatArray:
    """Weight of each class, shape (n_classes,), from a dict or "balanced".

    Raises ValueError for anything else, for a dict naming a label that is
    not a class of ``y`` (a typo would otherwise be ignored silently), and
    for weights that are negative or not finite.
    """
    if isinstance(class_weight, str) and class_weight == "balanced":
        per_class = np.bincount(
            y_index, weights=sample_weight, minlength=len(classes)
        ).astype(np.float64)
        present = per_class > 0
        balanced = np.ones(len(classes))
        balanced[present] = np.sum(per_class) / (len(classes) * per_class[present])
        return balanced
    if not isinstance(class_weight, dict):
        raise ValueError(
            'class_weight must be a dict {class label: weight}, "balanced" or '
            f"None; got {class_weight!r}."
        )
    known = set(classes.tolist())
    unknown = [label for label in class_weight if label not in known]
    if unknown:
        raise ValueError(
            f"class_weight names class {unknown[0]!r}, which is not among the "
            f"classes in y: {classes.tolist()}."
        )
    per_class = compute_class_weight(
        class_weight, classes=classes, y=classes[y_index]
    )
    if not np.all(np.isfinite(per_class)) or np.any(per_class < 0):
        raise ValueError(
            f"class_weight values must be finite and >= 0; got {class_weight!r}."
        )
    return np.asarray(per_class, dtype=np.float64)


def class_index(classes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``index`` with ``classes[index] == y`` for sorted ``classes``; a label
    that is not among them is an error (partial_fit's batches and the
    blocks of a Dask fit are checked against classes fixed beforehand)."""
    if len(classes) == 2 and y.dtype.kind in "biuf" and classes.dtype.kind in "biuf":
        # Two comparisons cost a fifth of a search (850,000 labels: 4 ms
        # against 20 ms), paid by every block of every Dask pass.
        second = y == classes[1]
        index = second.astype(np.intp)
        unknown = ~second & (y != classes[0])
    else:
        index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        unknown = classes[index] != y
    if np.any(unknown):
        raise ValueError(
            f"y contains labels that are not among the classes "
            f"{classes.tolist()}: {np.unique(y[unknown])[:5].tolist()}"
        )
    return index


def encode_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, y_index)`` with ``classes[y_index] == y``; >= 2 classes."""
    two = _two_numeric_classes(y)
    if two is not None:
        return two
    # np.unique(y, return_inverse=True) sorts all of y; finding each label
    # among the few sorted classes is several times faster.
    classes = np.unique(y)
    y_index = np.searchsorted(classes, y)
    if len(classes) < 2:
        raise ValueError(
            "Logistic regression needs samples of at least 2 classes in the data; "
            f"got only one class: {classes[0]!r}."
        )
    return classes, y_index


def _two_numeric_classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``encode_labels`` of numeric ``y`` holding exactly two values, from its
    minimum and maximum (None: not such a ``y``).

    The usual binary ``y`` costs four cheap passes this way, against
    ``np.unique``'s hashing (1.5 ms on 100,000 labels, a tenth of a fit
    of 100,000 x 20) and a binary search per label.
    """
    if y.ndim != 1 or y.dtype.kind not in "biuf" or len(y) == 0:
        return None
    low, high = y.min(), y.max()
    if not low < high:  # one class, or a NaN: np.unique's path decides
        return None
    is_high = y == high
    if np.count_nonzero(is_high) + np.count_nonzero(y == low) != len(y):
        return None
    return np.array([low, high], dtype=y.dtype), is_high.astype(np.intp)


def class_weight_vector(
    class_weight: Any, classes: np.ndarray, weight_sums: np.ndarray
) -> FloatArray:
    """One multiplier per class, from the per-class sums of sample weights
    (the row counts when unweighted): what a backend that never holds all
    the labels at once (Dask, ``partial_fit``) can compute."""
    if class_weight is None:
        return np.ones(len(classes))
    # The in-memory rule, fed one row per class weighted by the class's sum:
    # "balanced" needs nothing more than those sums.
    return class_weights(class_weight, classes, np.arange(len(classes)), weight_sums)


def check_batch(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    classes: np.ndarray,
    class_weight: FloatArray,
    first_call: bool,
) -> tuple[Any, np.ndarray, FloatArray]:
    """One in-memory mini-batch of ``partial_fit``: ``X`` checked against the
    features of earlier calls, labels as indices into ``classes``, and the
    weights with class weights folded in."""
    X, y = validate_data(
        estimator, X, y, reset=first_call, accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32),
    )
    check_classification_targets(y)
    y_index = class_index(classes, y)
    weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    ) * class_weight[y_index]
    return X, y_index, weight


def check_offset(offset: Any, n_samples: int, n_classes: int) -> FloatArray | None:
    """``offset`` as float64 (n,), or None: one finite number per row, added
    to the log-odds with coefficient 1 (R's ``offset()``).

    Two classes only: one offset added to every class of a softmax cancels
    in ``softmax(z)`` (it would do nothing), and one per class has no
    reference implementation to agree with, so softmax models refuse one.
    """
    if offset is None:
        return None
    if n_classes > 2:
        raise ValueError(
            f"offset is supported for two classes only; y has {n_classes} classes."
        )
    values = np.asarray(offset, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.shape != (n_samples,):
        raise ValueError(
            f"offset must hold one number per row of X: expected shape "
            f"({n_samples},), got {values.shape}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("offset must be finite (no NaN or infinity).")
    return values
