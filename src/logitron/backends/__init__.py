"""Data backends: where the n-sized work on ``X`` happens.

A backend wraps the design matrix ``X`` (n samples, d features) and offers the
three products every solver needs, whatever ``X`` is stored in::

    matmul(v)          X @ v                      v: (d,) or (d, K)
    rmatmul(r)         X.T @ r                    r: (n,) or (n, K)
    weighted_gram(h)   X.T @ diag(h) @ X          h: (n,)

Results that go back to the host (gradients, Hessians) are float64 NumPy
arrays of size d or d x d; the raw prediction keeps the dtype of ``X``.

``detect.is_dask_collection`` tells which inputs go to the Dask backend.
"""

from .detect import is_dask_collection
from .numpy_backend import ArrayData, as_data

__all__ = ["ArrayData", "as_data", "is_dask_collection"]
