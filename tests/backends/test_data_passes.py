"""Blocked passes over the data, against a plain, unblocked computation of
the same formula: weighted Gram matrices, column mean squares and the fused
forward-backward pass, on every storage."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.backends import as_data, numpy_backend
from tests.helpers import STORAGES, half_zero_normal

pytestmark = pytest.mark.usefixtures("small_blocks")

RNG = np.random.default_rng(20240607)
X_DENSE = half_zero_normal(RNG)


def _augmented(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(len(X))])


@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("append_ones", [False, True])
def test_weighted_grams_match_the_formula(storage: str, append_ones: bool) -> None:
    n = len(X_DENSE)
    weights = [
        RNG.random(n),  # >= 0: a symmetric rank-k update
        -RNG.random(n),  # <= 0: the same with a negative sign
        RNG.standard_normal(n),  # mixed signs: a general product
        np.zeros(n),
    ]
    data = as_data(STORAGES[storage](X_DENSE))
    grams = data.weighted_grams(weights, append_ones=append_ones)
    A = _augmented(X_DENSE) if append_ones else X_DENSE
    for gram, h in zip(grams, weights, strict=True):
        np.testing.assert_allclose(gram, A.T @ (h[:, None] * A), rtol=1e-12, atol=1e-12)
        assert gram.dtype == np.float64


@pytest.mark.parametrize("n_features", [7, 8, 9, 11])  # d + 1 = 8 and 12 keep the ones
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_with_the_ones_in_or_apart_from_the_block(
    n_features: int, order: str, dtype: type
) -> None:
    # Blocked (more than 4 blocks of 64 rows), both ways of forming the
    # intercept's row: in the rank-k update, or as each block's product.
    X = np.asarray(half_zero_normal(RNG, 700, n_features), dtype=dtype, order=order)  # type: ignore[call-overload]
    weights = [RNG.random(len(X)), -RNG.random(len(X)), np.zeros(len(X))]
    grams = as_data(X).weighted_grams(weights, append_ones=True)
    A = _augmented(X.astype(np.float64))
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for gram, h in zip(grams, weights, strict=True):
        assert gram.dtype == np.float64
        np.testing.assert_array_equal(gram, gram.T)
        np.testing.assert_allclose(gram, A.T @ (h[:, None] * A), rtol=rtol, atol=rtol)


def test_weighted_gram_of_float32_accumulates_blocks_in_float64() -> None:
    X32 = X_DENSE.astype(np.float32)
    h = RNG.random(len(X32))
    gram = as_data(X32).weighted_gram(h)
    exact = X32.astype(np.float64).T @ (h[:, None] * X32.astype(np.float64))
    assert gram.dtype == np.float64
    np.testing.assert_allclose(gram, exact, rtol=1e-5)


@pytest.mark.parametrize("storage", list(STORAGES))
def test_column_mean_squares(storage: str) -> None:
    data = as_data(STORAGES[storage](X_DENSE))
    w1 = RNG.random(len(X_DENSE))
    w2 = RNG.random((len(X_DENSE), 3))
    np.testing.assert_allclose(data.column_mean_squares(w1), w1 @ X_DENSE**2)
    np.testing.assert_allclose(data.column_mean_squares(w2), w2.T @ X_DENSE**2)


@pytest.mark.parametrize("storage", ["csr", "csc"])
def test_sparse_column_mean_squares_in_many_chunks(
    storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of a few rows (CSR) or columns (CSC), uneven at the end.
    monkeypatch.setattr(numpy_backend, "_BLOCK_BYTES", 200)
    data = as_data(STORAGES[storage](X_DENSE))
    w1 = RNG.random(len(X_DENSE))
    w2 = RNG.random((len(X_DENSE), 3))
    np.testing.assert_allclose(data.column_mean_squares(w1), w1 @ X_DENSE**2)
    np.testing.assert_allclose(data.column_mean_squares(w2), w2.T @ X_DENSE**2)


@pytest.mark.parametrize("storage", list(STORAGES))
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_fused_pass_equals_two_passes(storage: str, n_outputs: int) -> None:
    data = as_data(STORAGES[storage](X_DENSE))
    v = RNG.standard_normal((9, n_outputs)) if n_outputs > 1 else RNG.standard_normal(9)
    shape = (len(X_DENSE), n_outputs) if n_outputs > 1 else (len(X_DENSE),)
    out = np.empty(shape)
    seen = np.zeros(len(X_DENSE), dtype=int)

    def pointwise(product: np.ndarray, rows: slice) -> np.ndarray:
        seen[rows] += 1
        return np.tanh(product) * (1 + np.arange(len(X_DENSE))[rows]).reshape(
            (-1,) + (1,) * (product.ndim - 1)
        )

    result = data.matmul_rmatmul(v, pointwise, out)
    z = X_DENSE @ v
    r = np.tanh(z) * (1 + np.arange(len(X_DENSE))).reshape((-1,) + (1,) * (z.ndim - 1))
    np.testing.assert_allclose(out, z, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(result, X_DENSE.T @ r, rtol=1e-12)
    assert np.all(seen == 1)  # every sample seen exactly once
