"""Backend for in-memory data: dense NumPy arrays and scipy.sparse matrices."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._numerics import FloatArray


class ArrayData:
    """``X`` held in memory, dense or sparse (CSR / CSC), float32 or float64.

    ``X`` is never copied or densified. Directions coming from the host are
    cast to ``X.dtype`` before each product, so a float32 ``X`` is never
    up-cast (which would copy it at every iteration).
    """

    def __init__(self, X: Any) -> None:
        self.X = X
        self.is_sparse = sp.issparse(X)
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape

    def matmul(self, v: FloatArray) -> FloatArray:
        """``X @ v`` in the dtype of ``X``."""
        return np.asarray(self.X @ v.astype(self.dtype, copy=False))

    def rmatmul(self, r: FloatArray) -> FloatArray:
        """``X.T @ r`` as float64."""
        product = self.X.T @ r.astype(self.dtype, copy=False)
        return np.asarray(product, dtype=np.float64)

    def weighted_gram(self, h: FloatArray) -> FloatArray:
        """``X.T @ diag(h) @ X`` as a dense float64 (d, d) array.

        With ``h >= 0`` (every diagonal block of a logistic Hessian) this is
        one symmetric product ``A.T @ A`` of ``A = sqrt(h) * X``; otherwise one
        general product ``(h * X).T @ X``.
        """
        h = h.astype(self.dtype, copy=False)
        if self.is_sparse:
            weighted = sp.diags(h) @ self.X
            return np.asarray((self.X.T @ weighted).toarray(), dtype=np.float64)
        if np.all(h >= 0):
            scaled = self.X * np.sqrt(h)[:, None]
            return np.asarray(scaled.T @ scaled, dtype=np.float64)
        return np.asarray((self.X * h[:, None]).T @ self.X, dtype=np.float64)


def as_data(X: Any) -> ArrayData:
    """Wrap ``X`` in the backend that handles its storage."""
    if isinstance(X, ArrayData):
        return X
    return ArrayData(X)
