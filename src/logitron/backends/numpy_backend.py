"""Backend for in-memory data: dense NumPy arrays and scipy.sparse matrices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from .._numerics import FloatArray

# Rows per block of the dense Hessian pass: a block of scaled rows should stay
# in cache while BLAS reads it (about 2 MiB), yet have at least 256 rows so the
# rank-k update runs at matrix-matrix speed.
_BLOCK_BYTES = 2**21
_MIN_BLOCK_ROWS = 256
# Small data (at most 4 * _MIN_BLOCK_ROWS rows) of more bytes than this take
# the Hessian pass in _SMALL_DATA_BLOCKS blocks, so the scaled copy is half
# of X, not a second X. Breast cancer (569 x 30), one Gram: 55 us in one
# block, 59 in 2, 64 in 3, 75 in 4 (each block's einsum and syrk calls);
# its fit's peak beyond X with 2 blocks 0.99 X, with 3 0.82 X. Smaller data
# keep one block: their peak is Python's fixed allocations.
_ONE_BLOCK_BYTES = 2**15
_SMALL_DATA_BLOCKS = 2
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

        Dense ``X`` is read once in blocks of rows. A weight vector of one
        sign (every block of a logistic Hessian has one) turns the product
        into a symmetric rank-k update ``sign * B.T @ B`` of the block
        ``B = sqrt(|h|) * A`` (BLAS ``syrk``): half the flops of a general
        product, and no n x d temporary. Blocks are summed in float64 even
        for float32 ``X``.
        """
        if self.is_sparse:
            return [self._sparse_gram(h, append_ones) for h in weights]
        return self._dense_grams(weights, append_ones)

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

    def _dense_grams(
        self, weights: Sequence[FloatArray], append_ones: bool
    ) -> list[FloatArray]:
        X = self.X
        n, d = X.shape
        width = d + int(append_ones)
        # The buffer in X's own order: scaling a column-major block (a
        # pandas partition's values) into a C buffer reads across its
        # columns (850,000 x 21: 67 ms a Gram in Fortran order, 88 ms with
        # a C buffer).
        order: Literal["C", "F"] = "F" if X.strides[0] < X.strides[1] else "C"
        if n <= 4 * _MIN_BLOCK_ROWS:
            # Small data, in cache whatever the order: one Gram at a time.
            return [self._small_gram(h, append_ones, order) for h in weights]
        signs = [_sign_of(h) for h in weights]
        roots = [_root_of_abs(h).astype(self.dtype, copy=False) for h in weights]
        # The scaled block is a copy: at most a quarter of X, so that a
        # Hessian (or the statistics of an unpenalised fit) never holds a
        # copy of X beside it.
        rows = min(max(_MIN_BLOCK_ROWS, _BLOCK_BYTES // (width * X.itemsize)), -(-n // 4))
        grams = [np.zeros((width, width)) for _ in weights]
        buffer = np.empty((rows, width), dtype=self.dtype, order=order)
        for start in range(0, n, rows):
            block = X[start : start + rows]
            scaled = buffer[: len(block)]
            for gram, sign, root in zip(grams, signs, roots, strict=True):
                if not sign:
                    continue  # all-zero weights, or mixed signs (done below)
                _scale_rows_into(scaled, block, root[start : start + rows], append_ones)
                # numpy hands B.T @ B of one buffer to BLAS syrk and fills
                # both triangles (1.5 ms for 100,000 x 21, against 2.3 ms
                # through scipy's dsyrk).
                product = scaled.T @ scaled
                if sign > 0:
                    gram += product
                else:
                    gram -= product
        general = [i for i, sign in enumerate(signs) if sign is None]
        for i in general:
            grams[i] = self._general_gram(weights[i], append_ones)
        return grams

    def _small_gram(
        self, h: FloatArray, append_ones: bool, order: Literal["C", "F"]
    ) -> FloatArray:
        """``A.T @ diag(h) @ A`` of small data (at most ``4 * _MIN_BLOCK_ROWS``
        rows): one block up to ``_ONE_BLOCK_BYTES`` of X (a tiny fit's every
        Hessian, a small working set's in proximal Newton: no running sum,
        32 x 3: 10.5 -> 7.7 us), else ``_SMALL_DATA_BLOCKS`` blocks, so the
        scaled copy is a fraction of X."""
        sign = _sign_of(h)
        if sign is None:
            return self._general_gram(h, append_ones)
        X = self.X
        n, d = X.shape
        root = np.sqrt(h if sign > 0 else np.abs(h)).astype(self.dtype, copy=False)
        if X.nbytes <= _ONE_BLOCK_BYTES and not append_ones:
            # One block and nothing to append (X~ of a small fit, or no
            # intercept): the product alone, without a buffer or a loop.
            product = _gram_of_scaled(X * root[:, None])
            return -product if sign < 0 else product
        rows = max(1, n if X.nbytes <= _ONE_BLOCK_BYTES else -(-n // _SMALL_DATA_BLOCKS))
        buffer = np.empty((rows, d + int(append_ones)), dtype=self.dtype, order=order)
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

    def _general_gram(self, h: FloatArray, append_ones: bool) -> FloatArray:
        """``A.T @ diag(h) @ A`` for ``h`` of mixed sign (one general product)."""
        h = np.asarray(h, dtype=self.dtype)
        d = self.n_features
        gram = np.asarray((self.X * h[:, None]).T @ self.X, dtype=np.float64)
        if not append_ones:
            return gram
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


def as_data(X: Any) -> ArrayData:
    """Wrap ``X`` in the backend that handles its storage."""
    if isinstance(X, ArrayData):
        return X
    return ArrayData(X)
