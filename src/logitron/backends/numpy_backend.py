"""Backend for in-memory data: dense NumPy arrays and scipy.sparse matrices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._numerics import FloatArray
from .dense_gram import dense_grams

# Bytes of squares per chunk of sparse X's column mean squares.
_BLOCK_BYTES = 2**21
# Dense data up to this size are also held as X~ = [X | 1] (with_ones). A
# fit's per-call work around the products (adding the intercept, summing
# dJ/dz, joining the gradient, appending the Gram's column of ones) then
# goes, 4% to 10% of a fit from 32 x 3 to 2,000 x 2 (23 to 111 us); the copy
# stays smaller than the fit's other n-sized arrays (5x to 20x such an X).
_WITH_ONES_BYTES = 2**15
# Squares of dense X for a diagonal: small blocks, as fast, a small temporary.
_SQUARES_BLOCK_BYTES = 2**18
# Blocks of the fused forward-backward pass: X[rows] and the n-sized work on
# it (about 8 float64 temporaries per output) must still be in cache when
# X[rows].T @ r reads the block again, yet large enough that Python's
# per-block overhead stays small. Value and gradient, one thread, AMD EPYC,
# best: 100,000 x 20 from 8192 rows (2.3 ms, 4.1 at 1024); 200,000 x 100 at
# 2048-4096 (23 ms, 33 at 32768); 20,000 x 1,000 at 512 (13.7 ms, 18 at
# 4096); softmax K=5 on 50,000 x 50 at 1024-2048 (6.9 ms, 11 at 32768);
# 2,000 x 5,000 at 52 (its fit 223, 231 ms; 260, 271 at 256 rows): about
# 2 MiB per block, and no floor of 256 rows on wide data.
_FUSED_BLOCK_BYTES = 2**21
_MIN_FUSED_ROWS = 16


class ArrayData:
    """``X`` held in memory, dense or sparse (CSR / CSC), float32 or float64.

    ``X`` is never copied or densified. Directions coming from the host are
    cast to ``X.dtype`` before each product, so a float32 ``X`` is never
    up-cast (which would copy it at every iteration).
    """

    def __init__(self, X: Any, column_squares: FloatArray | None = None) -> None:
        self.X = X
        self.is_sparse = sp.issparse(X)
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        #: ``sum_i X[i, j]**2`` (float64) where the input check computed it
        #: (``_scaling.column_squares``), else None.
        self.column_squares = column_squares

    def with_ones(self) -> ArrayData | None:
        """``X~ = [X | 1]`` as data of its own for small dense ``X``
        (``_WITH_ONES_BYTES``), else None (the products append the ones)."""
        X = self.X
        if X is None or self.is_sparse or X.nbytes > _WITH_ONES_BYTES:
            return None  # no values here, sparse, or large: not copied
        augmented = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
        augmented[:, :-1] = X
        augmented[:, -1] = 1
        return ArrayData(augmented)

    def matmul(self, v: FloatArray) -> FloatArray:
        """``X @ v`` in the dtype of ``X``."""
        return np.asarray(self.X @ np.ascontiguousarray(v, dtype=self.dtype))

    def rmatmul(self, r: FloatArray) -> FloatArray:
        """``X.T @ r`` as float64."""
        r = r.astype(self.dtype, copy=False)
        if r.ndim == 2 and not self.is_sparse:
            # (r.T @ X).T reads X row by row: twice as fast for C-ordered X.
            return np.asarray((r.T @ self.X).T, dtype=np.float64)
        return np.asarray(self.X.T @ r, dtype=np.float64)

    def matmul_rmatmul(
        self,
        v: FloatArray,
        pointwise: Callable[[FloatArray, slice], FloatArray],
        out: FloatArray,
    ) -> FloatArray:
        """``X.T @ pointwise(X @ v)`` in one pass over ``X``.

        ``X`` is read in blocks of rows small enough to stay in cache between
        the two products, so the pair costs one read of ``X`` from memory
        instead of two. For each block ``rows``, ``out[rows] = X[rows] @ v``
        (in the dtype of ``X``) is handed to ``pointwise(out[rows], rows)``,
        which may modify it in place and returns the block's ``r``; the
        result ``sum over blocks of X[rows].T @ r`` is float64 (each block's
        product in the dtype of ``X``).

        Sparse ``X`` takes two whole passes with a single block: its products
        are bound by scattered reads, not by streaming X from memory, and
        blocks only add overhead (100,000 x 20,000 CSR at 0.1%: 7.8 ms whole,
        9.8 ms in 1 MiB blocks).
        """
        # A C-ordered v (the coefficients are a strided view of theta) halves
        # the time of each block's product with a K-column v.
        v = np.ascontiguousarray(v, dtype=self.dtype)
        if self.is_sparse:
            out[...] = self.X @ v
            r = pointwise(out, slice(None))
            product = self.X.T @ r.astype(self.dtype, copy=False)
            return np.asarray(product, dtype=np.float64)
        X = self.X
        rows = self.block_rows(v.shape[1] if v.ndim == 2 else 1)
        if rows >= self.n_samples:
            # One block (small data): the loop below without its slices; the
            # float64 sum starts from +0.0 as there, bit for bit.
            r = pointwise(np.matmul(X, v, out=out), slice(None))
            return np.add(X.T @ r.astype(self.dtype, copy=False), 0.0, dtype=np.float64)
        total = np.zeros((self.n_features, *v.shape[1:]))
        for start in range(0, self.n_samples, rows):
            block = slice(start, start + rows)
            product = np.matmul(X[block], v, out=out[block])
            r = pointwise(product, block)
            total += X[block].T @ r.astype(self.dtype, copy=False)
        return total

    def block_rows(self, n_outputs: int) -> int:
        """Rows per block of ``matmul_rmatmul`` (all of them for sparse X)."""
        if self.is_sparse:
            return self.n_samples
        # Bytes per row: the row of X and the n-sized work done on it.
        row_bytes = self.n_features * self.X.itemsize + 64 * n_outputs
        if self.n_samples * row_bytes <= 4 * _FUSED_BLOCK_BYTES:
            # Small enough to stay in the last-level cache whole: one block
            # saves the per-block overhead (20,000 x 20: 0.26 ms against
            # 0.33 ms in 2 MiB blocks).
            return self.n_samples
        return int(max(_MIN_FUSED_ROWS, _FUSED_BLOCK_BYTES // row_bytes))

    def weighted_gram(self, h: FloatArray) -> FloatArray:
        """``X.T @ diag(h) @ X`` as a dense float64 (d, d) array."""
        (gram,) = self.weighted_grams([h], append_ones=False)
        return gram

    def weighted_grams(
        self, weights: Sequence[FloatArray], append_ones: bool
    ) -> list[FloatArray]:
        """``A.T @ diag(h) @ A`` for each ``h`` in ``weights``, in one pass over X.

        ``A = [X | 1]`` when ``append_ones`` (the unit's intercept column),
        else ``X``. Returns dense float64 arrays of shape (d', d').

        Dense ``X`` is read once in blocks of rows, each product a
        symmetric rank-k update where ``h`` has one sign (``dense_gram``).
        """
        if self.is_sparse:
            return [self._sparse_gram(h, append_ones) for h in weights]
        return dense_grams(self.X, weights, append_ones)

    def _sparse_gram(self, h: FloatArray, append_ones: bool) -> FloatArray:
        h = np.asarray(h, dtype=self.dtype)
        weighted = sp.diags(h) @ self.X
        gram = np.asarray((self.X.T @ weighted).toarray(), dtype=np.float64)
        if not append_ones:
            return gram
        d = self.n_features
        out = np.empty((d + 1, d + 1))
        out[:d, :d] = gram
        out[:d, d] = out[d, :d] = self.rmatmul(h)
        out[d, d] = np.sum(h, dtype=np.float64)
        return out

    def column_mean_squares(
        self, weight: FloatArray, rows: slice = slice(None)
    ) -> FloatArray:
        """``weight.T @ X[rows]**2`` as float64 without forming ``X**2``.

        ``weight`` of shape (n,) gives (d,); (n, K) gives (K, d), ``n`` the
        number of ``rows`` (a slice of dense ``X``: all rows for sparse X).
        Diagonal preconditioners and rounding estimates use it; dense ``X``
        is read in blocks of rows, so no n x d temporary is made. Over all
        rows of equal weight, the input check's sums answer without a pass
        (``squares_serve``).
        """
        weight = np.asarray(weight, dtype=np.float64)
        if rows == slice(None) and self.squares_serve(weight):
            assert self.column_squares is not None
            return np.multiply.outer(weight[0], self.column_squares)
        if self.is_sparse:
            return self._sparse_column_mean_squares(weight)
        X = self.X[rows]
        n, d = X.shape
        # At most an eighth of X at a time, however small X is.
        block_rows = max(1, min(_SQUARES_BLOCK_BYTES // (d * 8), -(-n // 8)))
        total = np.zeros((*weight.shape[1:], d))
        for start in range(0, n, block_rows):
            block = np.asarray(X[start : start + block_rows], dtype=np.float64)
            total += weight[start : start + block_rows].T @ (block * block)
        return total

    def squares_serve(self, weight: FloatArray) -> bool:
        """Whether ``column_mean_squares(weight)`` is ``weight[0]`` times the
        known ``column_squares``: every row has the same weight (per column
        of a 2-D ``weight``)."""
        if self.column_squares is None or len(weight) == 0:
            return False
        return bool(np.all(np.min(weight, axis=0) == np.max(weight, axis=0)))

    def _sparse_column_mean_squares(self, weight: FloatArray) -> FloatArray:
        """``weight.T @ X**2`` over the non-zeros, a chunk of about
        ``_BLOCK_BYTES`` of squares at a time, so that no temporary grows with
        the size of X.

        Each chunk of rows (CSR) or columns (CSC) is a sparse matrix of the
        squares on X's own index arrays, and one scipy product sums it: a
        third of the time of scattering the squares with ``bincount``
        (50,000 x 10,000 CSR at 0.2%: 1.2 ms against 3.6 ms), which matters
        because Newton-CG asks for a preconditioner at every iteration.
        """
        X = self.X
        columns = weight.reshape(len(weight), -1)
        by_row = X.format == "csr"
        outer = self.n_samples if by_row else self.n_features
        step = max(1, int(_BLOCK_BYTES // 8 // max(X.nnz / max(outer, 1), 1.0)))
        total = np.zeros((self.n_features, columns.shape[1]))
        for start in range(0, outer, step):
            stop = min(start + step, outer)
            first, last = X.indptr[start], X.indptr[stop]
            chunk = X.data[first:last].astype(np.float64)
            chunk *= chunk
            pointers = X.indptr[start : stop + 1] - first
            if by_row:  # rows start:stop, every column
                squares = sp.csr_matrix(
                    (chunk, X.indices[first:last], pointers),
                    shape=(stop - start, self.n_features),
                )
                total += squares.T @ columns[start:stop]
            else:  # columns start:stop, every row
                squares = sp.csc_matrix(
                    (chunk, X.indices[first:last], pointers),
                    shape=(self.n_samples, stop - start),
                )
                total[start:stop] = squares.T @ columns
        return total[:, 0] if weight.ndim == 1 else total.T


def as_data(X: Any) -> ArrayData:
    """Wrap ``X`` in the backend that handles its storage."""
    if isinstance(X, ArrayData):
        return X
    return ArrayData(X)
