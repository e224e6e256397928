"""Dask input to ``fit`` and ``partial_fit``: checked from metadata, and the
objective the solvers minimise over its blocks.

``fit`` checks what it can from metadata (shape, dtypes, feature names)
without computing, reads ``y`` and the weights once for the classes and the
total weight, and hands the solvers a ``DaskLogisticObjective``; the
finiteness of ``X`` is checked by the blocks themselves in the solver's first
pass. Dask itself is imported by the collections passed in, never here at
import time: it is an optional dependency.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._numerics import FloatArray
from .._validation import class_index, class_weight_vector, encode_labels
from ..backends import is_dask_collection
from ..backends.dask_backend import DaskBlocks, is_dask_frame
from ..fitting import FitSettings
from . import block_model, group_terms
from .block_groups import BlockGroups
from .block_model import BlockModel, LabelStats
from .objective import DaskLogisticObjective


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


def _label_stats(blocks: DaskBlocks) -> LabelStats:
    """Labels, counts and weight sums of ``y``: one graph, a few tasks (the
    label blocks gathered as the solver's passes gather blocks)."""
    groups = BlockGroups.of_parts(blocks.label_blocks)
    stats, _ = blocks.map_sum(
        group_terms.each_block, [(sources,) for sources in groups.sources],
        (block_model.label_stats,), reads_X=False,
    )
    return stats


def training_problem(
    estimator: Any, X: Any, y: Any, sample_weight: Any,
    settings: FitSettings | None = None,
) -> tuple[DaskLogisticObjective, np.ndarray]:
    """``(objective, classes)`` for ``estimator.fit`` on dask input, with the
    penalty of ``settings`` (default: the estimator's ``C`` and ``l1_ratio``).

    One graph reads ``y`` and the weights (not ``X``): the classes, their
    counts and weight sums. (An unpenalised fit's separation check comes
    with its statistics, ``dask.statistics``.)
    """
    if settings is None:
        settings = FitSettings(C=float(estimator.C), l1_ratio=float(estimator.l1_ratio))
    if not is_dask_collection(X):
        raise TypeError(
            "y or sample_weight is a dask collection but X is not; pass X as a "
            "dask array or DataFrame (or compute y)."
        )
    check_features(estimator, X, reset=True)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    stats = _label_stats(blocks)
    check_classification_targets(stats.labels)
    classes, _ = encode_labels(stats.labels)
    class_weight = class_weight_vector(estimator.class_weight, classes, stats.weight_sums)
    weight_sums = stats.weight_sums * class_weight
    total_weight = float(np.sum(weight_sums))
    if total_weight <= 0:
        raise ValueError("The sample weights sum to zero: there is nothing to fit.")
    if np.count_nonzero(weight_sums) < 2:
        raise ValueError(
            "Logistic regression needs samples of at least 2 classes with non-zero "
            f"weight; got only class {classes[np.flatnonzero(weight_sums)[0]]!r}."
        )
    model = BlockModel(
        classes, class_weight, blocks.n_features, bool(estimator.fit_intercept),
        blocks.dtype, total_weight,
    )
    objective = DaskLogisticObjective(
        blocks, model, n_samples=stats.n_rows, C=float(settings.C),
        l1_ratio=float(settings.l1_ratio),
    )
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
    stats = _label_stats(blocks)
    batch_weight = float(stats.weight_sums @ class_weight[class_index(classes, stats.labels)])
    model = BlockModel(
        classes, class_weight, blocks.n_features, bool(estimator.fit_intercept),
        blocks.dtype, batch_weight if batch_weight > 0 else 1.0,
    )
    objective = DaskLogisticObjective(blocks, model, n_samples=stats.n_rows, C=np.inf)
    return objective, batch_weight
