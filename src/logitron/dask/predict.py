"""Lazy predictions on dask collections: each block goes through the
in-memory method of the fitted estimator, on the workers."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .inputs import check_features, is_data_frame


def lazy_predict(estimator: Any, X: Any, method: str) -> Any:
    """``estimator.<method>(X)``, lazy, block by block.

    ``method`` is one of decision_function, predict, predict_proba,
    predict_log_proba. A dask array gives a dask array with the row chunks
    of ``X``; a dask DataFrame gives a dask Series (a DataFrame with one
    column per class for the 2-D results) with the partitions and index of
    ``X``, so that ``(model.predict(X) == y).mean()`` lines up row by row.
    """
    check_is_fitted(estimator)
    check_features(estimator, X, reset=False)
    n_classes = len(estimator.classes_)
    frame = is_data_frame(X)
    dtypes = list(X.dtypes) if frame else [X.dtype]
    float32 = all(dtype == np.float32 for dtype in dtypes)
    float_dtype = np.result_type(np.float32 if float32 else np.float64, estimator.coef_.dtype)
    width: int | None = n_classes
    dtype = float_dtype
    if method == "predict":
        width, dtype = None, estimator.classes_.dtype
    elif method == "decision_function" and n_classes == 2:
        width = None
    if frame:
        # A DataFrame in gives a Series (DataFrame, one column per class) out,
        # with the partitions and index of X: it lines up with y for scoring.
        import pandas as pd

        if width is None:
            meta: Any = pd.Series(np.empty(0, dtype=dtype), name=method)
        else:
            meta = pd.DataFrame(np.empty((0, width), dtype=dtype), columns=estimator.classes_)
        return X.map_partitions(_apply_to_partition, estimator, method, meta=meta)
    meta = np.empty((0,) if width is None else (0, width), dtype=dtype)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    if width is None:
        return X.map_blocks(
            _apply, estimator, method, drop_axis=1, dtype=dtype, meta=meta
        )
    return X.map_blocks(
        _apply, estimator, method, chunks=(X.chunks[0], (width,)), dtype=dtype, meta=meta
    )


def _apply(block: Any, estimator: Any, method: str) -> np.ndarray:
    return np.asarray(getattr(estimator, method)(block))


def _apply_to_partition(part: Any, estimator: Any, method: str) -> Any:
    import pandas as pd

    result = _apply(part, estimator, method)
    if result.ndim == 1:
        return pd.Series(result, index=part.index, name=method)
    return pd.DataFrame(result, index=part.index, columns=estimator.classes_)
