"""Dask input to ``fit`` and ``partial_fit``: checked from metadata, and the
objective the solvers minimise over its blocks.

``fit`` checks what it can from metadata (shape, dtypes, feature names)
without computing, reads ``y`` and the weights once for the classes and the
total weight (drawing the sample's start in the same graph), and hands the
solvers a ``DaskLogisticObjective``; the finiteness of ``X`` is checked by
the blocks themselves in the solver's first pass. Dask itself is imported
by the collections passed in, never here at import time: it is an optional
dependency.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import validate_data

from .._numerics import FloatArray
from .._validation import class_index
from ..backends import is_dask_collection
from ..backends.dask_backend import DaskBlocks, is_dask_frame
from ..fitting import FitSettings
from .block_model import BlockModel
from .objective import DaskLogisticObjective
from .sample_start import labels_and_start


def check_features(estimator: Any, X: Any, reset: bool) -> None:
    """``n_features_in_`` and ``feature_names_in_`` from metadata alone."""
    # A dask DataFrame's `_meta` is an empty pandas frame with its columns and
    # dtypes: scikit-learn reads the feature names from it without computing.
    frame = is_data_frame(X)
    validate_data(estimator, X._meta if frame else X, reset=reset, skip_check_array=True)
    n_features = len(X.columns) if frame else X.shape[-1]
    if n_features == 0:
        raise ValueError(
            "0 feature(s) (shape=(?, 0)) while a minimum of 1 is required."
        )


def is_data_frame(X: Any) -> bool:
    """Whether ``X`` is a dask DataFrame (not a Series)."""
    return is_dask_frame(X) and X.ndim == 2


def training_problem(
    estimator: Any, X: Any, y: Any, sample_weight: Any,
    settings: FitSettings | None = None,
) -> tuple[DaskLogisticObjective, np.ndarray]:
    """``(objective, classes)`` for ``estimator.fit`` on dask input, with the
    penalty of ``settings`` (default: the estimator's ``C`` and ``l1_ratio``).

    One graph reads ``y`` and the weights: the classes, their counts and
    weight sums; given ``settings`` (a fit), the same graph draws the
    sample's start (``sample_start``, then ``objective.sample_theta``).
    """
    fit_settings = settings
    if settings is None:
        settings = FitSettings(C=float(estimator.C), l1_ratio=float(estimator.l1_ratio))
    if not is_dask_collection(X):
        raise TypeError(
            "y or sample_weight is a dask collection but X is not; pass X as a "
            "dask array or DataFrame (or compute y)."
        )
    check_features(estimator, X, reset=True)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    fit_intercept = bool(estimator.fit_intercept)
    stats, start = labels_and_start(
        blocks, fit_settings, estimator.class_weight, fit_intercept
    )
    model = BlockModel.of_labels(
        stats, estimator.class_weight, blocks.n_features, fit_intercept, blocks.dtype
    )
    classes = model.classes
    objective = DaskLogisticObjective(
        blocks, model, n_samples=stats.n_rows, C=float(settings.C),
        l1_ratio=float(settings.l1_ratio),
    )
    objective.sample_theta, objective.label_stats = start, stats
    return objective, classes


def minibatch_objective(
    estimator: Any,
    X: Any,
    y: Any,
    sample_weight: Any,
    classes: np.ndarray,
    class_weight: FloatArray,
    first_call: bool,
) -> tuple[DaskLogisticObjective, float]:
    """The unpenalised objective of one dask mini-batch (mean over its
    weight) and that weight, for ``partial_fit``; one graph over ``y``."""
    if not is_dask_collection(X):
        raise TypeError("y or sample_weight is a dask collection but X is not.")
    check_features(estimator, X, reset=first_call)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    stats, _ = labels_and_start(blocks, None, None, bool(estimator.fit_intercept))
    batch_weight = float(stats.weight_sums @ class_weight[class_index(classes, stats.labels)])
    model = BlockModel(
        classes, class_weight, blocks.n_features, bool(estimator.fit_intercept),
        blocks.dtype, batch_weight if batch_weight > 0 else 1.0,
    )
    objective = DaskLogisticObjective(blocks, model, n_samples=stats.n_rows, C=np.inf)
    return objective, batch_weight
