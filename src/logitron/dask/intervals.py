"""Predictions with standard errors and intervals on Dask: lazy, block-wise.

A row's prediction, its delta-method standard error and its interval depend
on that row, the estimates and their covariance only (``inference.prediction``
and ``inference.prediction_softmax``), so each block goes through the
in-memory functions on its own with the (small) covariance sent along. The
result is a lazy dask DataFrame: for a binary model the columns of
``PredictionResults.summary_frame`` (``predicted, se, ci_lower, ci_upper,
linpred, linpred_se, linpred_ci_lower, linpred_ci_upper``); for a softmax
model ``predicted[c], se[c], ci_lower[c], ci_upper[c]`` for every class
``c`` (reference class first). A dask DataFrame in keeps its index and
partitions; a dask array in gives its row chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..backends.dask_backend import as_block_matrix
from ..inference import prediction, prediction_softmax
from .inputs import check_features, is_data_frame

BINARY_COLUMNS = (
    "predicted", "se", "ci_lower", "ci_upper",
    "linpred", "linpred_se", "linpred_ci_lower", "linpred_ci_upper",
)
CLASS_COLUMNS = ("predicted", "se", "ci_lower", "ci_upper")


def prediction_columns(class_names: list[str], n_outputs: int) -> list[str]:
    """Column names of the result (module doc)."""
    if n_outputs == 1:
        return list(BINARY_COLUMNS)
    return [f"{column}[{name}]" for name in class_names for column in CLASS_COLUMNS]


def lazy_prediction(
    model: Any, X: Any, params: FloatArray, cov: FloatArray,
    class_names: list[str], alpha: float,
) -> Any:
    """``get_prediction(X).summary_frame()`` as a lazy dask DataFrame.

    ``params`` (m, q) are the identified estimates with the reference class
    first (``class_names`` order) and ``cov`` their covariance.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    check_features(model, X, reset=False)
    columns = prediction_columns(class_names, params.shape[0])
    settings = (params, cov, list(class_names), float(alpha), bool(model.fit_intercept))
    if is_data_frame(X):
        import pandas as pd

        meta = pd.DataFrame(np.empty((0, len(columns))), columns=columns)
        return X.map_partitions(_partition_frame, *settings, columns, meta=meta)
    import dask.dataframe as dd

    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    values = X.map_blocks(
        _block_values, *settings, chunks=(X.chunks[0], (len(columns),)),
        dtype=np.float64, meta=np.empty((0, len(columns))),
    )
    return dd.from_dask_array(values, columns=columns)


def _block_values(
    block: Any, params: FloatArray, cov: FloatArray, class_names: list[str],
    alpha: float, fit_intercept: bool,
) -> FloatArray:
    """The result's columns for one block, as an (n, columns) array."""
    features = as_block_matrix(block, np.float64)
    if not np.all(np.isfinite(features)):
        raise ValueError("X holds NaN or infinite values.")
    design = features
    if fit_intercept:
        design = np.column_stack([np.ones(len(features)), features])
    if params.shape[0] == 1:
        frame = prediction.get_prediction(design, params[0], cov, alpha).summary_frame()
        return frame[list(BINARY_COLUMNS)].to_numpy()
    result = prediction_softmax.get_class_prediction(
        design, params, cov, class_names, alpha
    )
    interval = result.conf_int()
    # Class by class: predicted, se, lower, upper (the order of the columns).
    stacked = np.stack(
        [result.predicted, result.se, interval[..., 0], interval[..., 1]], axis=-1
    )
    return stacked.reshape(len(design), -1)


def _partition_frame(
    part: Any, params: FloatArray, cov: FloatArray, class_names: list[str],
    alpha: float, fit_intercept: bool, columns: list[str],
) -> Any:
    import pandas as pd

    values = _block_values(part, params, cov, class_names, alpha, fit_intercept)
    return pd.DataFrame(values, index=part.index, columns=columns)
