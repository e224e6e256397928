"""The estimator's entry points for dask arrays and dask DataFrames.

``fit`` checks what it can from metadata (shape, dtypes, feature names)
without computing, reads ``y`` and the weights once for the classes and the
total weight, and hands the solvers a ``DaskLogisticObjective``; the
finiteness of ``X`` is checked by the blocks themselves in the solver's first
pass. Predictions stay lazy: each block goes through the in-memory method of
the fitted estimator.

This module imports dask only inside its functions: ``is_dask_collection``
is called on every input and must cost nothing when dask is not in use.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._numerics import FloatArray
from .._validation import class_index, class_weights, encode_labels

if TYPE_CHECKING:
    from .objective import DaskLogisticObjective


def is_dask_collection(*inputs: Any) -> bool:
    """Whether any input is a dask collection (False without importing dask:
    an object cannot be one unless dask is already imported)."""
    dask = sys.modules.get("dask")
    return dask is not None and any(dask.is_dask_collection(obj) for obj in inputs)


def check_features(estimator: Any, X: Any, reset: bool) -> None:
    """``n_features_in_`` and ``feature_names_in_`` from metadata alone."""
    # A dask DataFrame's `_meta` is an empty pandas frame with its columns and
    # dtypes: scikit-learn reads the feature names from it without computing.
    frame = _is_data_frame(X)
    validate_data(estimator, X._meta if frame else X, reset=reset, skip_check_array=True)
    n_features = len(X.columns) if frame else X.shape[-1]
    if n_features == 0:
        raise ValueError(
            "0 feature(s) (shape=(?, 0)) while a minimum of 1 is required."
        )


def _is_data_frame(X: Any) -> bool:
    from ..backends.dask_backend import is_dask_frame

    return is_dask_frame(X) and X.ndim == 2


def training_problem(
    estimator: Any, X: Any, y: Any, sample_weight: Any
) -> tuple[DaskLogisticObjective, np.ndarray, Callable[[FloatArray], bool]]:
    """``(objective, classes, separates)`` for ``estimator.fit`` on dask input.

    One graph reads ``y`` and the weights (not ``X``): the classes, their
    counts and weight sums. ``separates(theta)`` tells whether the fitted
    estimator (at ``theta``) classifies every weighted row right: from the
    solver's last pass when it was at ``theta`` (an unpenalised objective
    checks at every pass), else in one more graph.
    """
    from ..backends.dask_backend import DaskBlocks
    from .block_terms import BlockModel, count_misclassified, label_stats
    from .objective import DaskLogisticObjective

    if not is_dask_collection(X):
        raise TypeError(
            "y or sample_weight is a dask collection but X is not; pass X as a "
            "dask array or DataFrame (or compute y)."
        )
    check_features(estimator, X, reset=True)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    stats, _ = blocks.map_sum(
        label_stats, blocks.label_blocks,
        reads_X=False,
    )
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
        blocks.dtype, total_weight, checks_separation=bool(np.isposinf(estimator.C)),
    )
    objective = DaskLogisticObjective(
        blocks, model, n_samples=stats.n_rows, C=float(estimator.C),
        l1_ratio=float(estimator.l1_ratio),
    )

    def separates(theta: FloatArray) -> bool:
        known = objective.separates_at(theta)
        if known is not None:
            return known
        misclassified, _ = blocks.map_sum(
            count_misclassified,
            list(zip(blocks.X_blocks, blocks.y_blocks, blocks.weight_blocks, strict=True)),
            (model, estimator),
        )
        return bool(misclassified == 0)

    return objective, classes, separates


#: Solvers that start from the in-memory fit of a sample of the blocks: the
#: Newton methods (Dask's automatic choices) converge quadratically from near
#: the optimum, where each iteration saved is a pass over the data, and their
#: last iterate is exact whatever the path. The others keep the in-memory
#: path step for step (L-BFGS, whose curvature memory starts empty, gained
#: nothing from the start in trials, and its answer is only as exact as tol).
SAMPLE_START_SOLVERS = frozenset({"newton", "prox-newton"})
#: The sample reads at most one block in SAMPLE_START_MIN_BLOCKS (so data of
#: fewer blocks, whose passes are cheap too, start as in memory) and at most
#: SAMPLE_START_MAX_BLOCKS blocks, spread evenly over the data.
SAMPLE_START_MIN_BLOCKS = 8
SAMPLE_START_MAX_BLOCKS = 8
#: Values of X in the sample (32 MB in float64, a small share of a worker's
#: memory). On the Dask benchmark's data (7.4M rows x 20) the sample's
#: 200,000 rows put the first Newton step within 8e-9 (relative objective
#: gap) of the optimum, against 1.2e-7 from one block's 50,000: one pass
#: fewer to convergence.
SAMPLE_START_VALUES = 1 << 22


def sample_start(
    estimator: Any, objective: DaskLogisticObjective, solver: str, theta0: FloatArray
) -> FloatArray:
    """A starting point from the in-memory fit of rows sampled from a few
    blocks, in one graph (the sampling tasks run where their blocks are
    read; one task fits).

    A fit far from the optimum spends its first Newton iterations, each a
    pass over all the blocks, getting close; the optimum of a sample (its
    penalty scaled to the same strength per unit of weight) is already
    within the sampling error of the full one, where Newton converges
    quadratically, and that error shrinks with the sample's rows. Blocks
    are taken evenly over the data and rows evenly over each block, so data
    sorted by time or by class still give a sample of all of it. Used only
    for the default start (zeros), for the solvers in
    ``SAMPLE_START_SOLVERS`` and data of at least ``SAMPLE_START_MIN_BLOCKS``
    blocks; else, or when the sample's fit is a poor start (see
    ``block_terms.fit_sample``), ``theta0``.
    """
    import dask

    from .block_terms import fit_sample, sample_rows

    blocks = objective.blocks
    if (
        solver not in SAMPLE_START_SOLVERS
        or blocks.n_blocks < SAMPLE_START_MIN_BLOCKS
        or np.any(theta0)
    ):
        return theta0
    n_sampled = min(SAMPLE_START_MAX_BLOCKS, blocks.n_blocks // SAMPLE_START_MIN_BLOCKS)
    chosen = np.linspace(0, blocks.n_blocks - 1, n_sampled).round().astype(int)
    rows_per_block = max(1, SAMPLE_START_VALUES // (n_sampled * blocks.n_features))
    take = dask.delayed(sample_rows, pure=True)
    parts = [
        take(blocks.X_blocks[i], blocks.y_blocks[i], blocks.weight_blocks[i],
             objective.model, rows_per_block)
        for i in chosen
    ]
    start, _ = blocks.map_sum(
        fit_sample, [(parts,)],
        (objective.model, float(estimator.C), float(estimator.l1_ratio), solver),
        reads_X=False,
    )
    return theta0 if start is None else np.asarray(start, dtype=np.float64)


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
    from ..backends.dask_backend import DaskBlocks
    from .block_terms import BlockModel, label_stats
    from .objective import DaskLogisticObjective

    if not is_dask_collection(X):
        raise TypeError("y or sample_weight is a dask collection but X is not.")
    check_features(estimator, X, reset=first_call)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    stats, _ = blocks.map_sum(
        label_stats, blocks.label_blocks,
        reads_X=False,
    )
    batch_weight = float(stats.weight_sums @ class_weight[class_index(classes, stats.labels)])
    model = BlockModel(
        classes, class_weight, blocks.n_features, bool(estimator.fit_intercept),
        blocks.dtype, batch_weight if batch_weight > 0 else 1.0,
    )
    objective = DaskLogisticObjective(blocks, model, n_samples=stats.n_rows, C=np.inf)
    return objective, batch_weight


def class_weight_vector(
    class_weight: Any, classes: np.ndarray, weight_sums: np.ndarray
) -> FloatArray:
    """One multiplier per class, from the per-class sums of sample weights
    (the row counts when unweighted), as the in-memory estimator does."""
    if class_weight is None:
        return np.ones(len(classes))
    # The in-memory rule, fed one row per class weighted by the class's sum:
    # "balanced" needs nothing more than those sums.
    return class_weights(class_weight, classes, np.arange(len(classes)), weight_sums)


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
    frame = _is_data_frame(X)
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
