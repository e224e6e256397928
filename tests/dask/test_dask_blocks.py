"""What one task does with its block: the block's values as read (no copy
of a pandas partition), and the first pass's check of every row."""

import dask.array as da
import numpy as np
import pandas as pd
import pytest

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


def test_a_block_that_is_neither_c_nor_fortran_ordered_is_made_contiguous():
    strided = RNG.normal(size=(50, 8))[:, ::2]
    matrix = as_block_matrix(strided, np.float64)
    assert matrix.flags.c_contiguous
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
