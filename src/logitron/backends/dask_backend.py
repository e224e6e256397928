"""Backend for Dask collections: ``X``, ``y`` and weights as row blocks on a cluster.

The data never comes to the client. Each call of ``DaskBlocks.map_sum`` sends
one graph to the scheduler: one task per row block computes that block's
partial sums (a value, a gradient, a Hessian: d-sized) from the block alone,
the partial sums are added in a tree, and only their total comes back.
A task may also *keep* n-sized arrays (a raw prediction ``z``, a product
``X @ d``): they stay persisted on the worker that computed them, and later
graphs take them as inputs by key, so a line search can move along
``z + t * X @ d`` without reading ``X`` again.

Nothing is persisted of ``X`` itself: every pass recomputes its blocks from
their source (Parquet files, a seeded random array, a persisted array if the
user persisted it). That is what lets the data be larger than the cluster's
memory, and what lets the scheduler rebuild any kept block lost with a
worker from the graph alone.

Works with any Dask scheduler: with a ``dask.distributed.Client`` the kept
arrays live on the workers; with the local schedulers they live in this
process.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from .numpy_backend import ArrayData

# Columns that carry y and the weights through a joined DataFrame.
_Y_COLUMN, _WEIGHT_COLUMN = "__logitron_y__", "__logitron_weight__"

# Partial sums are added this many at a time, so no task gathers thousands
# of (d, d) Hessians at once.
_TREE_FAN_IN = 16


class NoLocalData(ArrayData):
    """The shape and dtype of ``X`` without its values.

    A distributed objective keeps a ``LinearUnit`` on the client for its
    parameter layout (``coef`` / ``intercept`` views of ``theta``), and a task
    that only moves along a line needs the unit's layout but never ``X``.
    Any product with ``X`` here is a bug in the caller: it says so instead of
    returning a wrong answer.
    """

    def __init__(self, n_samples: float, n_features: int, dtype: Any) -> None:
        self.X = None
        self.is_sparse = False
        self.dtype = np.dtype(dtype)
        self.n_samples = n_samples
        self.n_features = n_features

    def matmul(self, v: FloatArray) -> FloatArray:
        raise NotImplementedError(_NO_DATA)

    def rmatmul(self, r: FloatArray) -> FloatArray:
        raise NotImplementedError(_NO_DATA)

    def weighted_gram(self, h: FloatArray) -> FloatArray:
        raise NotImplementedError(_NO_DATA)


_NO_DATA = (
    "this objective holds no in-memory X (its data lives on a Dask cluster); "
    "a solver must use the objective's methods, not its data"
)


def as_block_matrix(block: Any, dtype: Any) -> np.ndarray:
    """One row block of ``X`` (a NumPy array or a pandas DataFrame partition)
    as a 2-D array of ``dtype`` that BLAS reads as it is (``_blas_ready``):
    copied into C order only when it is not.

    A pandas partition's float columns are one 2-D block stored column by
    column, so its values come out in Fortran order without a copy, and a
    persisted ``data[:, :-1]`` is a row-major slice. Both are kept so: the
    pass's products read them as fast as a contiguous copy or faster, and
    that copy (as large as the block) would cost more than they do
    (850,000 x 21 float64: 58 ms for the copy; 8 ms for ``X @ w`` in
    Fortran order against 14 ms in C order).
    """
    if hasattr(block, "to_numpy"):
        block = block.to_numpy(dtype=dtype)
    matrix = np.asarray(block, dtype=dtype)
    if matrix.ndim != 2:
        raise ValueError(f"a block of X has {matrix.ndim} dimensions; expected 2")
    if not _blas_ready(matrix):
        matrix = np.ascontiguousarray(matrix)
    return matrix


def _blas_ready(matrix: np.ndarray) -> bool:
    """Whether BLAS reads ``matrix`` as it is: rows (or columns) of unit
    stride, a whole number of elements apart and not overlapping (its
    "leading dimension"), as a column slice of a larger array has."""
    item = matrix.itemsize
    rows, columns = matrix.shape
    row_step, column_step = matrix.strides
    if column_step == item:
        return row_step % item == 0 and row_step >= columns * item
    if row_step == item:
        return column_step % item == 0 and column_step >= rows * item
    return False


def as_block_vector(block: Any) -> np.ndarray:
    """One row block of ``y`` or of the weights as a 1-D array."""
    vector = block.to_numpy() if hasattr(block, "to_numpy") else np.asarray(block)
    if vector.ndim != 1:
        raise ValueError(
            f"y and sample_weight must be 1-D; a block has shape {vector.shape}"
        )
    return vector


@dataclass
class DaskBlocks:
    """``X``, ``y`` and optional sample weights as aligned lists of row blocks.

    Each list entry is a ``dask.delayed.Delayed`` (or ``None`` for absent
    weights); entry ``i`` of ``X_blocks``, ``y_blocks`` and ``weight_blocks``
    covers the same rows. ``label_blocks`` holds ``(y, weight)`` pairs for
    passes that need no ``X`` (their partitioning may differ: a Parquet
    source then reads only the label and weight columns).

    Attributes
    ----------
    graphs_submitted : int
        Graphs sent to the scheduler so far (one per ``map_sum``).
    data_passes : int
        How many of them read every block of ``X``.
    """

    X_blocks: list[Any]
    y_blocks: list[Any]
    weight_blocks: list[Any]
    label_blocks: list[tuple[Any, Any]]
    n_features: int
    dtype: np.dtype
    graphs_submitted: int = 0
    data_passes: int = 0

    @classmethod
    def from_collections(cls, X: Any, y: Any, sample_weight: Any = None) -> DaskBlocks:
        """Aligned row blocks of a dask array or DataFrame ``X``, its labels
        ``y`` and optional ``sample_weight``, without computing anything.

        ``X`` is read as float32 when it is float32 and as float64 otherwise.
        ``y`` and the weights may be dask collections with the same row
        blocks as ``X`` (a DataFrame's columns, or arrays chunked alike), or
        in-memory arrays when ``X`` is a dask array of known chunk sizes.
        """
        if is_dask_frame(X) and X.ndim == 2:
            return cls._from_frame(X, y, sample_weight)
        X_blocks, row_chunks, n_features, dtype = _row_blocks_of_X(X)
        y_blocks = _row_blocks_of_vector(y, "y", row_chunks, len(X_blocks))
        weight_blocks = (
            [None] * len(X_blocks)
            if sample_weight is None
            else _row_blocks_of_vector(
                sample_weight, "sample_weight", row_chunks, len(X_blocks)
            )
        )
        label_blocks = list(zip(y_blocks, weight_blocks, strict=True))
        return cls(X_blocks, y_blocks, weight_blocks, label_blocks, n_features, dtype)

    @classmethod
    def _from_frame(cls, X: Any, y: Any, sample_weight: Any) -> DaskBlocks:
        """Blocks of a dask DataFrame ``X`` with ``y`` and the weights joined
        to it as columns, so each partition is read once per pass and the
        three always cover the same rows (aligned on the index, as pandas
        does)."""
        import dask
        from pandas.api.types import is_complex_dtype, is_numeric_dtype

        for column, column_dtype in X.dtypes.items():
            if not is_numeric_dtype(column_dtype) or is_complex_dtype(column_dtype):
                raise ValueError(
                    f"X must be numeric; column {column!r} has dtype {column_dtype}. "
                    "Encode categorical columns first, e.g. with "
                    "dask_ml.preprocessing.Categorizer and DummyEncoder."
                )
        all_float32 = len(X.columns) > 0 and all(t == np.float32 for t in X.dtypes)
        dtype = np.dtype(np.float32 if all_float32 else np.float64)
        features = list(X.columns)
        extra = {_Y_COLUMN: y}
        if sample_weight is not None:
            extra[_WEIGHT_COLUMN] = sample_weight
        for name, values in extra.items():
            if not dask.is_dask_collection(values) or values.ndim != 1:
                raise ValueError(
                    f"{'y' if name == _Y_COLUMN else 'sample_weight'} must be a 1-D "
                    f"dask collection (a Series) with the rows of X; got "
                    f"{type(values).__name__}."
                )
        try:
            joined = X.assign(**extra)
        except (TypeError, ValueError, NotImplementedError) as error:
            raise ValueError(
                f"y (or sample_weight) cannot be aligned with the rows of X ({error}); "
                "pass columns of the same dask DataFrame, partitioned like X."
            ) from error
        parts = joined.to_delayed()
        X_blocks = [part[features] for part in parts]
        y_blocks = [part[_Y_COLUMN] for part in parts]
        weight_blocks = (
            [None] * len(parts)
            if sample_weight is None
            else [part[_WEIGHT_COLUMN] for part in parts]
        )
        label_parts = joined[list(extra)].to_delayed()
        label_blocks = [
            (part[_Y_COLUMN], None if sample_weight is None else part[_WEIGHT_COLUMN])
            for part in label_parts
        ]
        return cls(X_blocks, y_blocks, weight_blocks, label_blocks, len(features), dtype)

    @property
    def n_blocks(self) -> int:
        return len(self.X_blocks)

    def map_sum(
        self,
        function: Callable[..., Any],
        block_args: Sequence[Sequence[Any]],
        constants: Sequence[Any] = (),
        keep: bool = False,
        reads_X: bool = True,
    ) -> tuple[Any, list[Any] | None]:
        """``sum_i function(*block_args[i], *constants)`` in one graph.

        Parameters
        ----------
        function : callable
            A module-level function (workers import it by name) returning
            ``(kept, partial_sums)``: n-sized arrays worth keeping on the
            worker (or ``None``) and the block's partial sums (anything with
            ``+``).
        block_args : sequence of sequences
            Per-block arguments: Delayed blocks or kept handles.
        constants : sequence
            Small arguments shared by every block (``theta``, a direction).
        keep : bool
            Persist each block's ``kept`` part and return handles to it.
        reads_X : bool
            Whether the blocks' arguments include ``X`` (for ``data_passes``).

        Returns
        -------
        total : the sum of the partial sums, on the client.
        kept : list of per-block handles (persisted Delayed) or None.
        """
        import dask

        call = dask.delayed(function, pure=True)
        outputs = [call(*args, *constants) for args in block_args]
        self.graphs_submitted += 1
        self.data_passes += int(reads_X)
        total_delayed = _tree_sum([output[1] for output in outputs])
        if not keep:
            (total,) = dask.compute(total_delayed)
            return total, None
        kept = [output[0] for output in outputs]
        # One persist: the kept arrays stay on the workers, the total is
        # fetched from the same graph without submitting another one.
        kept, total_delayed = dask.persist(kept, total_delayed)
        return _fetch(total_delayed), kept

    def compute_each(
        self, function: Callable[..., Any], block_args: Sequence[Sequence[Any]]
    ) -> list[Any]:
        """``[function(*args) for args in block_args]`` computed in one graph."""
        import dask

        call = dask.delayed(function, pure=True)
        self.graphs_submitted += 1
        return list(dask.compute(*[call(*args) for args in block_args]))


def is_dask_frame(obj: Any) -> bool:
    """Whether ``obj`` is a dask DataFrame or Series (partitions, no chunks)."""
    return hasattr(obj, "npartitions") and not hasattr(obj, "chunks") and hasattr(
        obj, "to_delayed"
    )


def _row_blocks_of_X(X: Any) -> tuple[list[Any], tuple[float, ...] | None, int, np.dtype]:
    """``(blocks, row chunk sizes or None, n_features, dtype)`` of a dask ``X``."""
    if getattr(X, "ndim", None) != 2:
        raise ValueError(
            f"Expected a 2-D dask array or a dask DataFrame for X, got {type(X).__name__} "
            f"with shape {getattr(X, 'shape', '?')}."
        )
    if not isinstance(getattr(X, "_meta", None), np.ndarray):
        raise NotImplementedError(
            f"dask arrays of {type(X._meta).__name__} blocks are not supported yet; "
            "use dense NumPy blocks (e.g. X.map_blocks(lambda b: b.toarray()))."
        )
    if not (np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)) or np.issubdtype(
        X.dtype, np.complexfloating
    ):
        raise ValueError(f"X must be real and numeric, got dtype {X.dtype}.")
    dtype = np.dtype(np.float32 if X.dtype == np.float32 else np.float64)
    if len(X.chunks[1]) > 1:
        # A block must hold whole rows: each task needs every feature.
        X = X.rechunk({1: -1})
    return list(X.to_delayed()[:, 0]), X.chunks[0], X.shape[1], dtype


def _row_blocks_of_vector(
    v: Any, name: str, row_chunks: tuple[float, ...] | None, n_blocks: int
) -> list[Any]:
    """Row blocks of ``y`` or ``sample_weight`` aligned with those of ``X``."""
    import dask
    import dask.array as da

    if is_dask_frame(v):
        # A dask DataFrame or Series: its partitions are the blocks.
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D (a Series), got a DataFrame.")
        blocks = list(v.to_delayed())
    else:
        if not dask.is_dask_collection(v):
            v = np.asarray(v)
            if v.ndim == 1 and row_chunks is not None and not np.isnan(sum(row_chunks)):
                _check_lengths(name, sum(row_chunks), len(v))
                v = da.from_array(v, chunks=(row_chunks,))
            elif v.ndim == 1:
                raise ValueError(
                    f"X is a dask collection with unknown block sizes; pass {name} "
                    "as a dask collection partitioned like X (e.g. a column of the "
                    "same DataFrame)."
                )
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {v.shape}.")
        if row_chunks is not None and not (
            np.isnan(sum(row_chunks)) or np.isnan(v.shape[0])
        ):
            _check_lengths(name, sum(row_chunks), v.shape[0])
            if v.chunks[0] != tuple(row_chunks):
                v = v.rechunk((tuple(row_chunks),))
        blocks = list(v.to_delayed())
    if len(blocks) != n_blocks:
        raise ValueError(
            f"X has {n_blocks} row blocks but {name} has {len(blocks)}; "
            f"partition {name} like X."
        )
    return blocks


def _check_lengths(name: str, n_rows: float, n_values: float) -> None:
    if n_rows != n_values:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"X has {int(n_rows)} rows and {name} has {int(n_values)}."
        )


def _add_all(*parts: Any) -> Any:
    return functools.reduce(operator.add, parts)


def _tree_sum(parts: list[Any]) -> Any:
    import dask

    add = dask.delayed(_add_all, pure=True)
    while len(parts) > 1:
        parts = [
            add(*parts[i : i + _TREE_FAN_IN]) for i in range(0, len(parts), _TREE_FAN_IN)
        ]
    return parts[0]


def _fetch(persisted: Any) -> Any:
    """The value behind a persisted Delayed: a future's result under
    dask.distributed (no new graph), the in-memory value otherwise."""
    try:
        from distributed import futures_of
    except ImportError:  # pragma: no cover - dask without distributed
        return persisted.compute()
    futures = futures_of(persisted)
    if futures:
        return futures[0].result()
    return persisted.compute()
