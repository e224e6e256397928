"""What one task does with its block: the block's values as read (no copy
of a pandas partition), the first pass's check of every row, and where the
sample start's blocks are read."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import get_task_stream

from logitron import LogisticRegression
from logitron.backends.dask_backend import as_block_matrix
from logitron.dask.block_terms import _checked_column_bound
from logitron.inference.separation_sums import column_bound

from .seeded_data import N_SAMPLES, make_data

RNG = np.random.default_rng(20261206)


def test_a_frame_partition_is_read_without_a_copy():
    frame = pd.DataFrame(RNG.normal(size=(50, 4)), columns=list("abcd"))
    matrix = as_block_matrix(frame, np.float64)
    assert np.shares_memory(matrix, frame.to_numpy())
    assert matrix.flags.f_contiguous
    np.testing.assert_array_equal(matrix, frame.to_numpy())


@pytest.mark.parametrize("order", ["C", "F"])
def test_a_column_slice_is_read_in_place(order):
    # X and y persisted as column slices of one array (X = data[:, :-1]):
    # rows of unit stride, a whole row apart, which BLAS reads as they are.
    data = np.asarray(RNG.normal(size=(50, 5)), order=order)
    X = data[:, :-1] if order == "C" else data[:-1, :]
    matrix = as_block_matrix(X, np.float64)
    assert np.shares_memory(matrix, data)
    np.testing.assert_array_equal(matrix, X)


@pytest.mark.parametrize(
    "strided",
    [
        RNG.normal(size=(50, 8))[:, ::2],  # no axis of unit stride
        RNG.normal(size=(50, 4))[::-1],  # rows backwards
        np.broadcast_to(RNG.normal(size=4), (50, 4)),  # one row, repeated
    ],
    ids=["every-other-column", "reversed", "broadcast"],
)
def test_a_block_blas_cannot_read_is_copied(strided):
    matrix = as_block_matrix(strided, np.float64)
    assert matrix.flags.c_contiguous
    assert not np.shares_memory(matrix, strided)
    np.testing.assert_array_equal(matrix, strided)
    assert as_block_matrix(strided, np.float32).dtype == np.float32


@pytest.mark.parametrize("order", ["C", "F"])
def test_the_checked_bound_is_the_column_bound(order):
    X = np.asarray(RNG.normal(size=(40, 3)) * [1.0, 10.0, 0.1], order=order)
    weight = RNG.random(40) + 0.1
    np.testing.assert_array_equal(_checked_column_bound(X, weight), column_bound(X, weight))
    weight[X[:, 1].argmax()] = 0.0  # the largest |x| of a column is unweighted
    np.testing.assert_array_equal(_checked_column_bound(X, weight), column_bound(X, weight))
    assert np.all(_checked_column_bound(X[:0], weight[:0]) == 0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_bad_value_in_a_row_without_weight_is_caught(cluster, bad):
    X, y, weight = make_data(seed=11)
    row = da.arange(N_SAMPLES)[:, None] == 900
    X_bad = da.where(row, bad, X)
    weight = da.where(row[:, 0], 0.0, weight)
    match = "Input X contains NaN" if np.isnan(bad) else "Input X contains infinity"
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(X_bad, y, sample_weight=weight)


def test_a_fit_on_column_slices_equals_the_in_memory_fit(cluster):
    # The blocks reach the passes as strided views, read without copies.
    X, y, _ = make_data(seed=12)
    data = da.concatenate([X, y[:, None].astype(float)], axis=1).persist()
    X_view, y_view = data[:, :-1], data[:, -1]
    model = LogisticRegression(C=np.inf).fit(X_view, y_view)
    in_memory = LogisticRegression(C=np.inf).fit(*dask.compute(X_view, y_view))
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, in_memory.intercept_, rtol=1e-8, atol=1e-10)


def test_the_samples_files_are_read_on_both_workers(cluster, tmp_path):
    # 16 files: the sample start reads two (one in SAMPLE_START_MIN_BLOCKS),
    # each in a task of its own placed on a worker in turn; left to the
    # scheduler both went to one worker, read one after the other.
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(3_200, 3)), columns=["a", "b", "c"])
    frame["label"] = (frame.a - frame.b + rng.logistic(size=3_200) > 0).astype(int)
    for i, rows in enumerate(np.array_split(np.arange(3_200), 16)):
        frame.iloc[rows].to_parquet(tmp_path / f"part-{i:02d}.parquet")
    data = dd.read_parquet(tmp_path)
    with get_task_stream() as stream:
        model = LogisticRegression(C=np.inf).fit(data[["a", "b", "c"]], data["label"])
    readers = {task["worker"] for task in stream.data if "sample_rows_read" in str(task["key"])}
    assert len(readers) == 2
    expected = LogisticRegression(C=np.inf).fit(frame[["a", "b", "c"]], frame["label"])
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-8)
