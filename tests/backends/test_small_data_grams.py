"""Gram matrices of small data (at most ``4 * _MIN_BLOCK_ROWS`` rows), whose
rows are scaled in a few blocks so that the scaled copy stays a fraction of
X, against the plain formula; and the peak memory such a fit takes."""

from __future__ import annotations

import numpy as np
import pytest

from logitron.backends import as_data, dense_gram
from tests.helpers import peak_memory_beyond_X

RNG = np.random.default_rng(20261207)


def _weights(n: int) -> list[np.ndarray]:
    return [
        RNG.random(n) * 0.25,  # >= 0: a logistic curvature
        -RNG.random(n),  # <= 0
        RNG.standard_normal(n),  # mixed signs: a general product
        np.zeros(n),
    ]


@pytest.mark.parametrize(
    "shape",
    [
        (32, 3),  # one block (at most _ONE_BLOCK_BYTES)
        (569, 30),  # breast cancer's size: _SMALL_DATA_BLOCKS blocks
        (1001, 40),  # a ragged last block
    ],
)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("append_ones", [False, True])
def test_small_grams_match_the_formula(
    shape: tuple[int, int], order: str, append_ones: bool
) -> None:
    X = np.asarray(RNG.standard_normal(shape), order=order)  # type: ignore[call-overload]
    weights = _weights(shape[0])
    A = np.column_stack([X, np.ones(len(X))]) if append_ones else X
    for gram, h in zip(as_data(X).weighted_grams(weights, append_ones), weights, strict=True):
        assert gram.dtype == np.float64
        np.testing.assert_allclose(gram, A.T @ (h[:, None] * A), rtol=1e-12, atol=1e-12)


def test_blocked_small_gram_equals_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    X = RNG.standard_normal((569, 30))
    h = RNG.random(569) * 0.25
    blocked = as_data(X).weighted_grams([h], append_ones=True)[0]
    monkeypatch.setattr(dense_gram, "_ONE_BLOCK_BYTES", X.nbytes)
    whole = as_data(X).weighted_grams([h], append_ones=True)[0]
    np.testing.assert_allclose(blocked, whole, rtol=1e-13, atol=1e-15)


def test_small_gram_of_float32_sums_in_float64() -> None:
    X32 = RNG.standard_normal((569, 30)).astype(np.float32)
    h = RNG.random(569)
    gram = as_data(X32).weighted_gram(h)
    exact = X32.astype(np.float64).T @ (h[:, None] * X32.astype(np.float64))
    assert gram.dtype == np.float64
    # Each block's product is float32: errors relative to the largest entry.
    np.testing.assert_allclose(gram, exact, rtol=0, atol=1e-5 * np.max(np.abs(exact)))


def test_empty_data_has_a_zero_gram() -> None:
    gram = as_data(np.empty((0, 3))).weighted_grams([np.empty(0)], append_ones=True)[0]
    np.testing.assert_array_equal(gram, np.zeros((4, 4)))


def test_newton_fit_of_breast_cancer_holds_less_than_a_copy_of_X() -> None:
    # Newton-Cholesky: the Hessian's scaled rows in blocks, the old Hessian
    # and point let go (2.6 X before).
    assert peak_memory_beyond_X("breast_cancer") < 1.0
