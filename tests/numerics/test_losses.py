"""Pointwise losses: closed-form values and derivatives against finite differences."""

import numpy as np
import pytest

from logitron._numerics import sigmoid
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from tests.helpers import five_point_derivative


def test_binary_loss_closed_form_values():
    loss = BinaryCrossEntropy()
    z = np.array([0.0, 0.0, 2.0, -3.0, 1e4, -1e4])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    expected = [
        np.log(2),
        np.log(2),
        np.log1p(np.exp(-2.0)),      # -log(sigmoid(2))
        np.log1p(np.exp(-3.0)),      # -log(1 - sigmoid(-3))
        1e4,                          # confidently wrong: loss equals |z|
        1e4,
    ]
    np.testing.assert_allclose(loss.value(y, z), expected, rtol=1e-15)


def test_binary_loss_equals_textbook_cross_entropy_where_that_is_safe():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3, size=100)
    y = rng.integers(0, 2, size=100).astype(float)
    p = sigmoid(z)
    textbook = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(BinaryCrossEntropy().value(y, z), textbook, rtol=1e-12)


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_binary_derivatives_match_finite_differences(label):
    loss = BinaryCrossEntropy()
    z = np.linspace(-20, 20, 41)
    y = np.full_like(z, label)
    value, gradient, curvature = loss.value_gradient_hessian(y, z)
    np.testing.assert_allclose(value, loss.value(y, z), rtol=1e-15)
    numeric_gradient = five_point_derivative(lambda t: loss.value(y, t), z, h=1e-3)
    np.testing.assert_allclose(gradient, numeric_gradient, rtol=1e-8, atol=1e-11)
    numeric_curvature = five_point_derivative(
        lambda t: loss.value_gradient(y, t)[1], z, h=1e-3
    )
    np.testing.assert_allclose(curvature, numeric_curvature, rtol=1e-7, atol=1e-11)
    _, gradient_only = loss.value_gradient(y, z)
    np.testing.assert_array_equal(gradient_only, gradient)


def test_softmax_closed_form_values():
    loss = SoftmaxCrossEntropy()
    z = np.array([[0.0, 0.0, 0.0], [1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    y = np.array([2, 1, 0])
    expected = [np.log(3), 1e4, np.log(np.exp(1) + np.exp(2) + np.exp(3)) - 1]
    np.testing.assert_allclose(loss.value(y, z), expected, rtol=1e-15)


def test_softmax_gradient_and_hessian_match_finite_differences():
    loss = SoftmaxCrossEntropy()
    rng = np.random.default_rng(1)
    z = rng.normal(scale=2, size=(7, 4))
    y = rng.integers(0, 4, size=7)
    _, gradient, curvature = loss.value_gradient_hessian(y, z)
    h = 1e-3
    for k in range(4):
        step = np.zeros_like(z)
        step[:, k] = 1.0
        numeric = five_point_derivative(lambda t, step=step: loss.value(y, z + t * step), 0.0, h=h)
        np.testing.assert_allclose(gradient[:, k], numeric, rtol=1e-8, atol=1e-11)
    # Hessian-vector product against differences of the gradient.
    v = rng.normal(size=z.shape)
    numeric_hv = five_point_derivative(lambda t: loss.value_gradient(y, z + t * v)[1], 0.0, h=h)
    np.testing.assert_allclose(
        loss.hessian_product(curvature, v), numeric_hv, rtol=1e-7, atol=1e-10
    )


def test_softmax_hessian_blocks_agree_with_hessian_product():
    loss = SoftmaxCrossEntropy()
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 3))
    _, _, curvature = loss.value_gradient_hessian(rng.integers(0, 3, 5), z)
    dense = np.zeros((5, 3, 3))
    for k, l, block in loss.hessian_blocks(curvature):  # noqa: E741
        dense[:, k, l] = dense[:, l, k] = block
    v = rng.normal(size=(5, 3))
    np.testing.assert_allclose(
        np.einsum("nkl,nl->nk", dense, v), loss.hessian_product(curvature, v), rtol=1e-13
    )


def test_two_class_softmax_equals_binary_cross_entropy():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=4, size=(50, 2))
    y = rng.integers(0, 2, size=50)
    softmax_loss, softmax_grad = SoftmaxCrossEntropy().value_gradient(y, z)
    binary_loss, binary_grad = BinaryCrossEntropy().value_gradient(
        y.astype(float), z[:, 1] - z[:, 0]
    )
    np.testing.assert_allclose(softmax_loss, binary_loss, rtol=1e-12)
    np.testing.assert_allclose(softmax_grad[:, 1], binary_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(softmax_grad[:, 0], -binary_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_are_finite_at_huge_raw_predictions(dtype):
    z = np.array([-1e4, -1e3, 0, 1e3, 1e4], dtype=dtype)
    for label in (0.0, 1.0):
        y = np.full(5, label, dtype=dtype)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value, gradient, curvature = BinaryCrossEntropy().value_gradient_hessian(y, z)
        assert value.dtype == dtype
        assert np.all(np.isfinite(value))
        assert np.all(np.isfinite(gradient))
        assert np.all((curvature >= 0) & (curvature <= 0.25))
    zz = np.stack([z, -z, np.zeros_like(z)], axis=1)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, gradient, _ = SoftmaxCrossEntropy().value_gradient_hessian(
            np.array([0, 1, 2, 0, 1]), zz
        )
    assert np.all(np.isfinite(value))
    assert np.all(np.isfinite(gradient))
