"""The fitted neuron's forward pass: raw predictions, labels, probabilities.

In memory each method is one product with ``coef_``; a dask collection in
gives a lazy dask collection out (``dask.predict``), block by block.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ._numerics import FloatArray, log_sigmoid, log_softmax, sigmoid, softmax
from .backends import is_dask_collection
from .dask import predict as dask_predict


class NeuronPredictions:
    """Predictions of a fitted ``coef_`` (K, d), ``intercept_`` (K,) and
    ``classes_``: the mixin every logitron classifier shares."""

    coef_: FloatArray
    intercept_: FloatArray
    classes_: np.ndarray

    def decision_function(self, X: Any) -> FloatArray:
        """Raw prediction ``z = X @ coef_.T + intercept_``: shape (n,) for two
        classes (the log-odds of ``classes_[1]``), (n, n_classes) otherwise."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "decision_function")
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32),
            reset=False,
        )
        raw = np.asarray(X @ self.coef_.T) + self.intercept_
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels: ``classes_[1]`` where ``sigmoid(z) > 0.5`` (i.e.
        ``z > 0``), or the class of largest ``z`` for softmax."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "predict")
        raw = self.decision_function(X)
        index = (raw > 0).astype(np.intp) if raw.ndim == 1 else raw.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X: Any) -> FloatArray:
        """Class probabilities, shape (n, n_classes): ``sigmoid`` or ``softmax``
        of ``decision_function``."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "predict_proba")
        check_is_fitted(self)
        raw = self.decision_function(X)
        if raw.ndim == 1:
            return np.column_stack([sigmoid(-raw), sigmoid(raw)])
        return softmax(raw, axis=1)

    def predict_log_proba(self, X: Any) -> FloatArray:
        """Log class probabilities, computed stably from the raw prediction."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "predict_log_proba")
        check_is_fitted(self)
        raw = self.decision_function(X)
        if raw.ndim == 1:
            return np.column_stack([log_sigmoid(-raw), log_sigmoid(raw)])
        return log_softmax(raw, axis=1)
