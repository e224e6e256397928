"""Array-API inputs for the tests of this folder: array-api-strict (on a
second, non-default device) and PyTorch on the CPU, each skipped with the
reason when its package is absent (PyTorch comes with the ``array-api``
extra; the README's ``.[test]`` alone has neither)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sklearn import config_context

HAS_STRICT = importlib.util.find_spec("array_api_strict") is not None
HAS_TORCH = importlib.util.find_spec("torch") is not None

LIBRARIES = [
    pytest.param("array_api_strict", marks=pytest.mark.skipif(
        not HAS_STRICT, reason="array-api-strict is not installed (pip install '.[array-api]')"
    )),
    pytest.param("torch", marks=pytest.mark.skipif(
        not HAS_TORCH, reason="PyTorch is not installed (pip install '.[array-api]')"
    )),
]


def to_library(library: str, values: np.ndarray) -> Any:
    """``values`` as an array of ``library``: array-api-strict on its
    ``device1`` (so a result left on the default device is caught), torch on
    the CPU."""
    if library == "torch":
        import torch

        return torch.asarray(values)
    import array_api_strict

    return array_api_strict.asarray(values, device=array_api_strict.Device("device1"))


def to_numpy(array: Any) -> np.ndarray:
    """A NumPy copy of an array of any of the libraries above."""
    if isinstance(array, np.ndarray):
        return array
    return np.asarray(np.from_dlpack(array))


@pytest.fixture
def dispatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``array_api_dispatch=True`` for the test.

    scikit-learn refuses to dispatch unless ``SCIPY_ARRAY_API=1`` is set,
    since its own array-API code hands device arrays to scipy, which reads
    the variable at import. logitron's device path gives scipy no device
    array, so setting the variable here (after scipy's import) suffices;
    scikit-learn's own array-API tests, which need scipy's mode, run in a
    subprocess with it set from the start (tests/estimator/test_sklearn_test_file.py).
    """
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with config_context(array_api_dispatch=True):
        yield
