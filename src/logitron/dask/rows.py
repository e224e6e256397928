"""The training rows of a Dask fit, block by block, as the statistics need them.

``model.statistics(X, y)`` on dask input keeps the rows where they are: each
task turns its block into the in-memory ``inference.model_data.ModelData``
(design ``[1, X]``, labels with the reference class first, frequency
weights, fitted probabilities and residuals), so every per-row formula of
the in-memory statistics runs unchanged on the block, and the client adds
the blocks' sums. Cluster labels (a dask Series, or a dask array chunked
like ``X``) travel with the rows of their block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from .._validation import class_weight_vector
from ..backends import is_dask_collection
from ..backends.dask_backend import DaskBlocks, as_block_matrix
from ..inference.covariance import reference_parametrisation
from ..inference.model_data import ModelData
from ..inference.record import FitInference
from .block_model import BlockModel, label_stats
from .block_terms import encoded
from .inputs import check_features, is_data_frame

_GROUP_COLUMN = "__logitron_group_{}__"


@dataclass(frozen=True)
class RowSpec:
    """What a task needs to turn its block into ``ModelData`` (small).

    ``model`` encodes labels and weights as the fit did; ``order`` lists the
    classes with the reference first; ``params`` (m, q) are the identified
    estimates in that parametrisation.
    """

    model: BlockModel
    record: FitInference
    order: tuple[int, ...]
    params: FloatArray

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(self.record.class_names[k] for k in self.order)


@dataclass(frozen=True)
class DaskRows:
    """The training rows as aligned row blocks (``DaskBlocks``), the cluster
    labels' blocks (``None`` without clusters) and the ``RowSpec``."""

    blocks: DaskBlocks
    group_blocks: list[Any] | None
    spec: RowSpec
    n_ways: int = 0

    def block_args(self, *extra: list[Any]) -> list[tuple[Any, ...]]:
        """Per block: ``X``, ``y``, weights, then the blocks of ``extra``."""
        blocks = self.blocks
        columns = [blocks.X_blocks, blocks.y_blocks, blocks.weight_blocks, *extra]
        return list(zip(*columns, strict=True))


def block_data(X_block: Any, y_block: Any, weight_block: Any, spec: RowSpec) -> ModelData:
    """One block as ``ModelData``: the in-memory layout of ``model_data``."""
    features = as_block_matrix(X_block, np.float64)
    if not np.all(np.isfinite(features)):
        raise ValueError("X holds NaN or infinite values.")
    y_fit, weight = encoded(spec.model, len(features), y_block, weight_block)
    design = features
    if spec.record.fit_intercept:
        design = np.column_stack([np.ones(len(features)), features])
    return ModelData(
        design=design,
        y_index=np.argsort(spec.order)[y_fit],
        weight=weight,
        params=spec.params,
        term_names=spec.record.term_names,
        class_names=spec.class_names,
        record=spec.record,
    )


def training_rows(
    model: Any, X: Any, y: Any, sample_weight: Any, groups: Any, reference: Any
) -> DaskRows:
    """Check dask ``X``, ``y``, weights and cluster labels against the fitted
    ``model`` (metadata only; one graph over ``y`` for balanced class
    weights) and cut them into aligned row blocks."""
    record = getattr(model, "inference_", None)
    if record is None:
        raise ValueError(
            "statistics() needs an unpenalised model (C=np.inf): this model has "
            "no inference record."
        )
    if y is None:
        raise ValueError("On Dask, statistics(X, y) needs the labels y.")
    if not is_dask_collection(X):
        raise TypeError(
            "y, sample_weight or groups is a dask collection but X is not; pass X "
            "as a dask array or DataFrame (or compute the others)."
        )
    check_features(model, X, reset=False)
    if groups is not None and not is_dask_collection(groups):
        groups = np.asarray(groups)  # labels in memory, cut like a dask array X
    n_ways = 0 if groups is None else _n_ways(groups)
    # Checks X, y and the weights, and aligns them as the fit did.
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    group_blocks: list[Any] | None = None
    if groups is not None and is_data_frame(X):
        blocks, group_blocks = _with_group_columns(blocks, X, y, sample_weight, groups, n_ways)
    elif groups is not None:
        group_blocks = _array_group_blocks(groups, X)
    parametrisation = reference_parametrisation(record, reference)
    order = [record.class_names.index(parametrisation.reference)]
    order += [k for k in range(record.n_classes) if k != order[0]]
    spec = RowSpec(
        _block_model(model, blocks), record, tuple(order),
        parametrisation.params.reshape(-1, len(record.term_names)),
    )
    return DaskRows(blocks, group_blocks, spec, n_ways)


def block_groups(group_block: Any) -> np.ndarray:
    """One block of cluster labels as an ``(n, ways)`` array, checked."""
    values = group_block.to_numpy() if hasattr(group_block, "to_numpy") else np.asarray(
        group_block
    )
    values = values.reshape(len(values), -1)
    if values.dtype.kind == "f" and np.any(np.isnan(values)):
        raise ValueError("groups hold missing values (NaN).")
    return values


def _block_model(model: Any, blocks: DaskBlocks) -> BlockModel:
    """Labels and weights encoded as at fit: ``"balanced"`` class weights
    need the weight sum of each class (one graph over ``y``, not ``X``)."""
    classes = model.classes_
    weight_sums = np.ones(len(classes))
    if isinstance(model.class_weight, str):
        stats, _ = blocks.map_sum(label_stats, blocks.label_blocks, reads_X=False)
        present = np.searchsorted(classes, stats.labels)
        weight_sums[:] = 0.0
        weight_sums[present] = stats.weight_sums
    class_weight = class_weight_vector(model.class_weight, classes, weight_sums)
    return BlockModel(
        classes, class_weight, blocks.n_features, bool(model.fit_intercept),
        np.dtype(np.float64), 1.0,
    )


def _n_ways(groups: Any) -> int:
    """1 for one label per row, 2 for two-way clustering; else an error."""
    ways = 1 if groups.ndim == 1 else (len(groups.columns) if is_data_frame(groups)
                                       else groups.shape[1])
    if groups.ndim > 2 or ways not in (1, 2):
        raise ValueError(
            "groups must hold one label per row (a dask Series or 1-D array), or "
            "two per row for two-way clustering (two columns)."
        )
    return int(ways)


def _with_group_columns(
    blocks: DaskBlocks, X: Any, y: Any, sample_weight: Any, groups: Any, n_ways: int
) -> tuple[DaskBlocks, list[Any]]:
    """Blocks of a dask DataFrame ``X`` joined with the label, weight and
    cluster columns, so that every task gets the rows of one partition."""
    names = [_GROUP_COLUMN.format(j) for j in range(n_ways)]
    extra = dict(zip(names, _group_columns(groups, n_ways), strict=True))
    extra["__logitron_y__"] = y
    if sample_weight is not None:
        extra["__logitron_weight__"] = sample_weight
    try:
        parts = X.assign(**extra).to_delayed()
    except (TypeError, ValueError, NotImplementedError) as error:
        raise ValueError(
            f"groups cannot be aligned with the rows of X ({error}); pass columns "
            "of the same dask DataFrame, partitioned like X."
        ) from error
    features = list(X.columns)
    joined = DaskBlocks(
        [part[features] for part in parts],
        [part["__logitron_y__"] for part in parts],
        [None if sample_weight is None else part["__logitron_weight__"] for part in parts],
        blocks.label_blocks, blocks.n_features, blocks.dtype,
    )
    return joined, [part[names] for part in parts]


def _group_columns(groups: Any, n_ways: int) -> list[Any]:
    """The label columns of ``groups`` as dask Series (for a DataFrame ``X``)."""
    if not is_dask_collection(groups):
        raise ValueError(
            "With a dask DataFrame X, groups must be a dask Series (or a DataFrame "
            "of two columns) with the rows of X."
        )
    if is_data_frame(groups):
        return [groups[column] for column in groups.columns]
    if n_ways == 1 and groups.ndim == 1 and hasattr(groups, "to_delayed"):
        return [groups]
    raise ValueError(
        "With a dask DataFrame X, groups must be a dask Series or DataFrame "
        f"partitioned like X; got {type(groups).__name__}."
    )


def _array_group_blocks(groups: Any, X: Any) -> list[Any]:
    """Blocks of the labels chunked like a dask array ``X``."""
    import dask.array as da

    if is_dask_collection(groups) and hasattr(groups, "to_delayed") and not hasattr(
        groups, "chunks"
    ):
        blocks = list(groups.to_delayed())
    else:
        labels: Any = groups
        if not is_dask_collection(labels):
            labels = np.asarray(labels)
            labels = da.from_array(labels, chunks=(X.chunks[0], *labels.shape[1:]))
        if labels.shape[0] != X.shape[0]:
            raise ValueError(
                f"groups must have one label per row of X ({X.shape[0]}); got "
                f"{labels.shape[0]}."
            )
        labels = labels.rechunk((X.chunks[0], *labels.shape[1:]))
        blocks = list(labels.to_delayed().ravel())
    if len(blocks) != X.numblocks[0]:
        raise ValueError(
            f"X has {X.numblocks[0]} row blocks but groups has {len(blocks)}; "
            "partition groups like X."
        )
    return blocks
