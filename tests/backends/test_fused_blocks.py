"""Rows per block of the fused forward-backward pass: about 2 MiB of ``X``
and its pointwise work, whatever the width (256 rows of 5,000 features, the
old floor, made 10 MiB blocks that fall out of cache before the block's
backward product reads them again)."""

from __future__ import annotations

import numpy as np

from logitron.backends import as_data

TWO_MIB = 2**21


def _block_bytes(n_features: int, rows: int) -> int:
    return rows * (n_features * 8 + 64)


def test_wide_rows_come_in_blocks_of_about_2_mib() -> None:
    data = as_data(np.empty((2000, 5000)))
    rows = data.block_rows(1)
    assert 16 <= rows < 256
    assert _block_bytes(5000, rows) <= TWO_MIB < _block_bytes(5000, rows + 1)


def test_narrow_rows_come_in_blocks_of_about_2_mib() -> None:
    data = as_data(np.empty((200_000, 100)))
    rows = data.block_rows(1)
    assert _block_bytes(100, rows) <= TWO_MIB < _block_bytes(100, rows + 1)


def test_rows_wider_than_a_block_still_come_16_at_a_time() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 20_000))  # 160 kB a row: 16 rows, 2.6 MB
    data = as_data(X)
    assert data.block_rows(1) == 16
    v = rng.standard_normal(20_000)
    out = np.empty(100)
    blocks: list[int] = []

    def pointwise(product: np.ndarray, rows: slice) -> np.ndarray:
        blocks.append(len(product))
        return np.tanh(product)

    gradient = data.matmul_rmatmul(v, pointwise, out)
    assert blocks == [16] * 6 + [4]
    np.testing.assert_allclose(out, X @ v, rtol=1e-12)
    np.testing.assert_allclose(gradient, X.T @ np.tanh(X @ v), rtol=1e-11, atol=1e-11)
