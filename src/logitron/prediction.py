"""The fitted neuron's forward pass: raw predictions, labels, probabilities.

In memory each method is one product with ``coef_``; a dask collection in
gives a lazy dask collection out (``dask.predict``), block by block.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from ._numerics import FloatArray, log_sigmoid, log_softmax, sigmoid, softmax
from ._validation import check_offset
from .array_api import predict as device_predict
from .backends import is_dask_collection
from .dask import predict as dask_predict


class NeuronPredictions:
    """Predictions of a fitted ``coef_`` (K, d), ``intercept_`` (K,) and
    ``classes_``: the mixin every logitron classifier shares."""

    coef_: FloatArray
    intercept_: FloatArray
    classes_: np.ndarray

    def decision_function(self, X: Any, offset: Any = None) -> FloatArray:
        """Raw prediction ``z = X @ coef_.T + intercept_ (+ offset)``: shape
        (n,) for two classes (the log-odds of ``classes_[1]``), (n, n_classes)
        otherwise. ``offset`` (n,) is the new rows' known term, for a model
        fitted with one (``fit(..., offset=...)``); None adds nothing."""
        if device_predict.is_device_model(self):  # fitted on array-API arrays
            return device_predict.predict(self, X, "decision_function", offset)
        if is_dask_collection(X, offset):
            if offset is not None:
                raise NotImplementedError(
                    "offset is not supported on Dask collections; predict in memory."
                )
            return dask_predict.lazy_predict(self, X, "decision_function")
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32),
            reset=False,
        )
        raw = linear_raw(X, self.coef_) + self.intercept_
        if offset is not None:
            checked = check_offset(offset, X.shape[0], len(self.classes_))
            assert checked is not None
            raw += checked[:, None]
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X: Any, offset: Any = None) -> np.ndarray:
        """Predicted labels: ``classes_[1]`` where ``sigmoid(z) > 0.5`` (i.e.
        ``z > 0``), or the class of largest ``z`` for softmax."""
        if device_predict.is_device_model(self):  # fitted on array-API arrays
            return device_predict.predict(self, X, "predict", offset)
        if is_dask_collection(X) and offset is None:
            return dask_predict.lazy_predict(self, X, "predict")
        raw = self.decision_function(X, offset)
        index = (raw > 0).astype(np.intp) if raw.ndim == 1 else raw.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Class probabilities, shape (n, n_classes): ``sigmoid`` or ``softmax``
        of ``decision_function``."""
        if device_predict.is_device_model(self):  # fitted on array-API arrays
            return device_predict.predict(self, X, "predict_proba", offset)
        if is_dask_collection(X) and offset is None:
            return dask_predict.lazy_predict(self, X, "predict_proba")
        check_is_fitted(self)
        raw = self.decision_function(X, offset)
        if raw.ndim == 1:
            return np.column_stack([sigmoid(-raw), sigmoid(raw)])
        return softmax(raw, axis=1)

    def predict_log_proba(self, X: Any, offset: Any = None) -> FloatArray:
        """Log class probabilities, computed stably from the raw prediction."""
        if device_predict.is_device_model(self):  # fitted on array-API arrays
            return device_predict.predict(self, X, "predict_log_proba", offset)
        if is_dask_collection(X) and offset is None:
            return dask_predict.lazy_predict(self, X, "predict_log_proba")
        check_is_fitted(self)
        raw = self.decision_function(X, offset)
        if raw.ndim == 1:
            return np.column_stack([log_sigmoid(-raw), log_sigmoid(raw)])
        return log_softmax(raw, axis=1)


class SparseCoefMixin:
    """``sparsify()`` / ``densify()``: ``coef_`` as a CSR matrix or an array,
    as scikit-learn's linear models offer (a sparse ``coef_`` saves memory
    and prediction time for an L1 fit with mostly zero weights)."""

    coef_: Any

    def densify(self) -> Any:
        """Convert ``coef_`` to a dense array (the default layout); returns self."""
        check_is_fitted(self, "coef_")
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self) -> Any:
        """Convert ``coef_`` to a ``scipy.sparse`` CSR matrix; returns self.

        ``decision_function`` and the predictions accept it; ``densify``
        converts back (needed before a warm start or a further fit).
        """
        check_is_fitted(self, "coef_")
        self.coef_ = sp.csr_matrix(self.coef_)
        return self


def linear_raw(X: Any, coef: Any) -> np.ndarray:
    """``X @ coef.T`` as a dense array, for dense or sparse ``X`` and ``coef``."""
    return np.asarray(safe_sparse_dot(X, coef.T, dense_output=True))
