"""Weighted Gram products ``A.T @ diag(h) @ A`` of dense ``X`` in memory.

``A = [X | 1]`` with ``append_ones`` (the unit's intercept column), else
``X``. A Newton step's Hessian, the Fisher information of the statistics
and the fit-time screen are all such products, so this is the busiest
kernel of a second-order fit.

A weight vector of one sign (every block of a logistic Hessian has one)
turns the product into a symmetric rank-k update ``sign * B.T @ B`` of the
scaled rows ``B = sqrt(|h|) * A`` (BLAS ``syrk``): half the flops of a
general product. ``X`` is read once in blocks of rows; each block is scaled
into a buffer at most a quarter of ``X`` (a Hessian never holds a copy of
``X`` beside it), and blocks are summed in float64 even for float32 ``X``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .._numerics import FloatArray

# Rows per block: a block of scaled rows should stay in cache while BLAS
# reads it (about 2 MiB), yet have at least 256 rows so the rank-k update
# runs at matrix-matrix speed.
_BLOCK_BYTES = 2**21
_MIN_BLOCK_ROWS = 256
# Small data (at most 4 * _MIN_BLOCK_ROWS rows) of more bytes than this take
# the pass in _SMALL_DATA_BLOCKS blocks, so the scaled copy is half of X,
# not a second X. Breast cancer (569 x 30), one Gram: 55 us in one block, 59
# in 2, 64 in 3, 75 in 4 (each block's einsum and syrk calls); its fit's
# peak beyond X with 2 blocks 0.99 X, with 3 0.82 X. Smaller data keep one
# block: their peak is Python's fixed allocations.
_ONE_BLOCK_BYTES = 2**15
_SMALL_DATA_BLOCKS = 2
# OpenBLAS's syrk runs at full speed only on a width that is a multiple of
# 4: a 12,000-row block takes 235 us at width 20 and 313 us at width 21,
# 170 us at 16 and 273 us at 15 (one thread, AMD EPYC). So where d + 1 is
# not such a width, the column of ones stays out of the buffer: the rank-k
# update is of the d columns of X, and the ones' row of the Gram is the
# product of each scaled block with its roots, read while the block is in
# cache. One Gram, one thread: 100,000 x 20 5.0 -> 4.0 ms, 100,000 x 10
# 3.2 -> 2.4 ms, 20,000 x 50 2.86 -> 2.66 ms, 50,000 x 64 9.9 -> 9.4 ms,
# 200,000 x 100 75.8 -> 74.0 ms. Not on wide rows, where the second read of
# a block no longer comes from cache (20,000 x 1,000: 535 -> 563 ms), nor
# on few rows, where the blocks are small and each product's call counts
# (1,797 x 64: 0.39 -> 0.41 ms; 2,000 x 20: 0.149 -> 0.154 ms); and d = 7,
# 11, 15, ... (d + 1 a multiple of 4) would lose 12% to 24% that way.
_SYRK_WIDTH_MULTIPLE = 4
_ONES_APART_MAX_FEATURES = 127
_ONES_APART_MIN_ROWS = 8192


def dense_grams(
    X: FloatArray, weights: Sequence[FloatArray], append_ones: bool
) -> list[FloatArray]:
    """``A.T @ diag(h) @ A`` (float64) for each ``h``, in one pass over ``X``."""
    n, d = X.shape
    # The buffer in X's own order: scaling a column-major block (a pandas
    # partition's values) into a C buffer reads across its columns
    # (850,000 x 21: 67 ms a Gram in Fortran order, 88 ms with a C buffer).
    order: Literal["C", "F"] = "F" if X.strides[0] < X.strides[1] else "C"
    if n <= 4 * _MIN_BLOCK_ROWS:
        # Small data, in cache whatever the order: one Gram at a time.
        return [_small_gram(X, h, append_ones, order) for h in weights]
    ones_apart = (
        append_ones and (d + 1) % _SYRK_WIDTH_MULTIPLE != 0
        and d <= _ONES_APART_MAX_FEATURES and n >= _ONES_APART_MIN_ROWS
    )
    width = d + int(append_ones)
    signs = [_sign_of(h) for h in weights]
    roots = [_root_of_abs(h).astype(X.dtype, copy=False) for h in weights]
    rows = min(max(_MIN_BLOCK_ROWS, _BLOCK_BYTES // (width * X.itemsize)), -(-n // 4))
    grams = [np.zeros((width, width)) for _ in weights]
    # Where the ones stay apart: the Gram's X block and its ones' row, as views.
    parts = [(gram[:d, :d], gram[d, :d]) if ones_apart else (gram, None) for gram in grams]
    buffer = np.empty((rows, width - int(ones_apart)), dtype=X.dtype, order=order)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        scaled = buffer[: len(block)]
        for (inner, edge), sign, root in zip(parts, signs, roots, strict=True):
            if not sign:
                continue  # all-zero weights, or mixed signs (done below)
            block_root = root[start : start + rows]
            _scale_rows_into(scaled, block, block_root, append_ones and not ones_apart)
            # numpy hands B.T @ B of one buffer to BLAS syrk and fills both
            # triangles (1.5 ms for 100,000 x 21, against 2.3 ms through
            # scipy's dsyrk).
            if sign > 0:
                inner += scaled.T @ scaled
                if edge is not None:  # sum_i |h_i| x_i, as roots @ (roots * X)
                    edge += block_root @ scaled
            else:
                inner -= scaled.T @ scaled
                if edge is not None:
                    edge -= block_root @ scaled
    if ones_apart:
        for gram, sign, root in zip(grams, signs, roots, strict=True):
            gram[:d, d] = gram[d, :d]
            if sign:
                gram[d, d] = sign * float(root @ root)  # sum_i |h_i|
    for i, sign in enumerate(signs):
        if sign is None:
            grams[i] = _general_gram(X, weights[i], append_ones)
    return grams


def _small_gram(
    X: FloatArray, h: FloatArray, append_ones: bool, order: Literal["C", "F"]
) -> FloatArray:
    """``A.T @ diag(h) @ A`` of small data (at most ``4 * _MIN_BLOCK_ROWS``
    rows): one block up to ``_ONE_BLOCK_BYTES`` of X (a tiny fit's every
    Hessian, a small working set's in proximal Newton: no running sum, 32 x
    3: 10.5 -> 7.7 us), else ``_SMALL_DATA_BLOCKS`` blocks, so the scaled
    copy is a fraction of X."""
    sign = _sign_of(h)
    if sign is None:
        return _general_gram(X, h, append_ones)
    n, d = X.shape
    root = np.sqrt(h if sign > 0 else np.abs(h)).astype(X.dtype, copy=False)
    if X.nbytes <= _ONE_BLOCK_BYTES and not append_ones:
        # One block and nothing to append (X~ of a small fit, or no
        # intercept): the product alone, without a buffer or a loop.
        product = _gram_of_scaled(X * root[:, None])
        return -product if sign < 0 else product
    rows = max(1, n if X.nbytes <= _ONE_BLOCK_BYTES else -(-n // _SMALL_DATA_BLOCKS))
    buffer = np.empty((rows, d + int(append_ones)), dtype=X.dtype, order=order)
    gram = None
    for start in range(0, max(n, 1), rows):  # one block at least: X of no rows
        scaled = _scale_rows_into(
            buffer[: n - start], X[start : start + rows], root[start : start + rows],
            append_ones,
        )
        if gram is None:
            gram = _gram_of_scaled(scaled)
        else:
            gram += scaled.T @ scaled
    assert gram is not None
    return -gram if sign < 0 else gram


def _general_gram(X: FloatArray, h: FloatArray, append_ones: bool) -> FloatArray:
    """``A.T @ diag(h) @ A`` for ``h`` of mixed sign (one general product)."""
    h = np.asarray(h, dtype=X.dtype)
    d = X.shape[1]
    gram = np.asarray((X * h[:, None]).T @ X, dtype=np.float64)
    if not append_ones:
        return gram
    out = np.empty((d + 1, d + 1))
    out[:d, :d] = gram
    out[:d, d] = out[d, :d] = np.asarray(X.T @ h, dtype=np.float64)
    out[d, d] = np.sum(h, dtype=np.float64)
    return out


def _scale_rows_into(
    out: FloatArray, X: FloatArray, root: FloatArray, append_ones: bool
) -> FloatArray:
    """``out = root * [X | 1]`` (``root * X`` without ``append_ones``)."""
    d = X.shape[1]
    if X.strides[0] >= X.strides[1] and X.nbytes > _ONE_BLOCK_BYTES:
        # Rows in C order: np.multiply would allocate its iterator's
        # buffers for the broadcast root (up to 8192 elements per operand,
        # on small data as large as the block itself); einsum allocates
        # none and is faster here (100,000 x 20 in 2 MiB blocks: 171
        # against 229 us a block), though slower on Fortran order, and on
        # tiny blocks, whose buffers are tiny, its call costs more (2.1
        # against 1.3 us).
        np.einsum("ij,i->ij", X, root, out=out[:, :d])
    else:
        np.multiply(X, root[:, None], out=out[:, :d])
    if append_ones:
        out[:, d] = root
    return out


def _root_of_abs(h: FloatArray) -> FloatArray:
    """``sqrt(|h|)`` with one n-sized temporary, not two."""
    root = np.abs(h)
    return np.sqrt(root, out=root)


def _gram_of_scaled(scaled: FloatArray) -> FloatArray:
    """``B.T @ B`` as float64 (numpy hands it to BLAS syrk)."""
    return np.asarray(scaled.T @ scaled, dtype=np.float64)


def _sign_of(h: FloatArray) -> int | None:
    """+1 if ``h >= 0``, -1 if ``h <= 0`` (0 if both: all zero), else None."""
    if h.size == 0:
        return 0
    # Two reductions and no boolean temporaries; NaN makes both False, as
    # with np.all. A positive minimum (a logistic curvature) needs only one.
    smallest = np.minimum.reduce(h, axis=None)
    if smallest > 0:
        return 1
    nonnegative = bool(smallest >= 0)
    nonpositive = bool(np.maximum.reduce(h, axis=None) <= 0)
    if nonnegative and nonpositive:
        return 0
    if nonnegative:
        return 1
    if nonpositive:
        return -1
    return None
