"""Small dense data read as ``X~ = [X | 1]``: the unit's products equal the
textbook formulas over ``X~``, with and without that copy.

The copy (``ArrayData.with_ones``) is a speed path of small fits only; these
tests hold it to the same forward, backward, fused pass and Hessian as the
general path that adds the intercept around the products of ``X``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from logitron.backends import ArrayData, as_data
from logitron.backends.dask_backend import NoLocalData
from logitron.neuron import LinearUnit


def _design(n: int, d: int, dtype: type, order: str) -> np.ndarray:
    rng = np.random.default_rng(n + d)
    X: np.ndarray = rng.normal(size=(n, d)).astype(dtype)
    return np.asfortranarray(X) if order == "F" else X


def _expected(X, theta, n_outputs, offset, r, h):
    """``z``, ``X~.T @ r`` and ``X~.T @ diag(h) @ X~`` in float64 by hand."""
    Xt = np.hstack([X.astype(np.float64), np.ones((len(X), 1))])
    W = theta.reshape(n_outputs, -1) if n_outputs > 1 else theta
    z = Xt @ W.T
    if offset is not None:
        z = z + (offset if z.ndim == 1 else offset[:, None])
    gradient = (Xt.T @ r).T.ravel()
    hessian = Xt.T @ (h[:, None] * Xt)
    return z, gradient, hessian


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("with_offset", [False, True])
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_products_over_x_with_ones_equal_the_formulas(n_outputs, with_offset, dtype, rtol, order):
    X = _design(40, 3, dtype, order)
    unit = LinearUnit(as_data(X), n_outputs, fit_intercept=True)
    assert unit.with_ones is not None  # 40 x 3 is small: X~ is held
    rng = np.random.default_rng(1)
    theta = rng.normal(size=unit.n_params)
    offset = rng.normal(size=len(X)) if with_offset else None
    shape = (len(X),) if n_outputs == 1 else (len(X), n_outputs)
    r = rng.normal(size=shape)
    h = rng.uniform(0.1, 1.0, size=len(X))
    z, gradient, hessian = _expected(X, theta, n_outputs, offset, r, h)

    np.testing.assert_allclose(unit.forward(theta, offset), z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(unit.backward(r), gradient, rtol=rtol, atol=rtol)
    seen = []

    def pointwise(raw, rows):
        seen.append(np.array(raw))
        return r[rows].astype(raw.dtype)

    raw, fused = unit.forward_backward(theta, pointwise, offset)
    np.testing.assert_allclose(raw, z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(np.concatenate(seen), z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(fused, gradient, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(unit.hessian([(0, 0, h)])[: 4, : 4], hessian, rtol=rtol)


def test_the_general_path_gives_the_same_numbers(monkeypatch):
    X = _design(40, 3, np.float64, "C")
    small = LinearUnit(as_data(X), 1, fit_intercept=True)
    # Data that never hold X~: the products of X, the intercept added around them.
    monkeypatch.setattr(ArrayData, "with_ones", lambda self: None)
    general = LinearUnit(as_data(X), 1, fit_intercept=True)
    rng = np.random.default_rng(2)
    theta, r, h = rng.normal(size=4), rng.normal(size=40), rng.uniform(size=40)
    np.testing.assert_allclose(small.forward(theta), general.forward(theta), rtol=1e-14)
    np.testing.assert_allclose(small.backward(r), general.backward(r), rtol=1e-13)
    np.testing.assert_allclose(
        small.hessian([(0, 0, h)]), general.hessian([(0, 0, h)]), rtol=1e-13
    )


def test_only_small_dense_data_with_an_intercept_hold_the_copy():
    small = _design(40, 3, np.float64, "C")
    assert LinearUnit(as_data(small), 1, fit_intercept=False).with_ones is None
    held = ArrayData(small).with_ones()
    assert held is not None
    assert held.X.shape == (40, 4)
    np.testing.assert_array_equal(held.X, np.hstack([small, np.ones((40, 1))]))
    assert ArrayData(_design(2000, 3, np.float64, "C")).with_ones() is None  # 48 kB
    assert ArrayData(sp.csr_matrix(small)).with_ones() is None
    assert NoLocalData(40, 3, np.float64).with_ones() is None
