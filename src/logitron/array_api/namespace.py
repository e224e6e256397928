"""Which array library an input belongs to, and moving small arrays to and
from its device.

scikit-learn fits non-NumPy arrays in their own namespace only under
``sklearn.set_config(array_api_dispatch=True)``; without it, its
``check_array`` converts them with ``np.asarray`` (which works for CPU
tensors and raises for device ones). logitron follows the same switch:
``dispatched_namespace`` answers ``None`` (today's NumPy path) unless the
switch is on and the input is an array of another library.

The namespace is the one ``array-api-compat`` wraps around the library
(torch, CuPy, array-api-strict, ...); scikit-learn's vendored copy stands in
when the package itself is not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from sklearn import get_config

try:
    compat = importlib.import_module("array_api_compat")
except ImportError:  # pragma: no cover - scikit-learn vendors a copy
    compat = importlib.import_module("sklearn.externals.array_api_compat")


def dispatch_enabled() -> bool:
    """Whether ``sklearn.set_config(array_api_dispatch=True)`` is in force."""
    return bool(get_config().get("array_api_dispatch", False))


def is_array_api_array(X: Any) -> bool:
    """Whether ``X`` is an array of a non-NumPy array-API library."""
    return (
        not isinstance(X, np.ndarray)
        and compat.is_array_api_obj(X)
        and not compat.is_numpy_array(X)
        and not compat.is_dask_array(X)
    )


def dispatched_namespace(X: Any) -> Any | None:
    """The array-API namespace to fit ``X`` in, or ``None`` for the NumPy
    path (dispatch off, or ``X`` NumPy, sparse, a list, a DataFrame)."""
    if not dispatch_enabled() or not is_array_api_array(X):
        return None
    return compat.array_namespace(X)


def namespace_of(array: Any) -> Any:
    """The (compat-wrapped) namespace of one array."""
    return compat.array_namespace(array)


def device_of(array: Any) -> Any:
    """The device ``array`` lives on."""
    return compat.device(array)


def to_host(array: Any) -> np.ndarray:
    """A NumPy copy of ``array`` (any library, any device); NumPy, lists and
    other array-likes go through ``np.asarray``."""
    if array is None or isinstance(array, np.ndarray) or not compat.is_array_api_obj(array):
        return np.asarray(array)
    if compat.is_torch_array(array):
        return np.asarray(array.detach().cpu())
    if compat.is_cupy_array(array):
        return np.asarray(array.get())
    # DLPack hands over CPU memory without a copy (array-api-strict's devices
    # are all CPU memory).
    return np.asarray(np.from_dlpack(array))


def float_dtype(xp: Any, array: Any) -> Any:
    """The floating dtype to fit ``array`` in: its own float32/float64, else
    the widest float the device has (integers and booleans are converted,
    as scikit-learn converts them)."""
    if array.dtype in (xp.float32, xp.float64):
        return array.dtype
    return xp.float64 if has_float64(xp, device_of(array)) else xp.float32


def has_float64(xp: Any, device: Any) -> bool:
    """Whether ``device`` computes in float64 (Apple's MPS does not)."""
    info = getattr(xp, "__array_namespace_info__", None)
    if info is None:
        return True
    return "float64" in info().dtypes(device=device)
