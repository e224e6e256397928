"""Stable elementwise functions: exact values, limits and no warnings at |z| = 1e4+."""

import math

import numpy as np
import pytest

from logitron._numerics import (
    accurate_sum,
    label_signs,
    log1pexp,
    log_sigmoid,
    logistic_curvature,
    logistic_loss,
    logistic_loss_gradient,
    logsumexp,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)

DTYPES = [np.float32, np.float64]
EXTREMES = [-1e300, -1e30, -1e4, -745.0, -100.0, -1.0, 0.0, 1.0, 100.0, 745.0, 1e4, 1e30]


def reference_log1pexp(z):
    # Scalar reference, one branch per element so no exponential overflows.
    return np.array(
        [v + math.log1p(math.exp(-v)) if v > 0 else math.log1p(math.exp(v)) for v in z]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1pexp_is_finite_exact_and_keeps_dtype(dtype):
    z = np.array([v for v in EXTREMES if abs(v) < float(np.finfo(dtype).max)], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = log1pexp(z)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))
    expected = reference_log1pexp(z.astype(np.float64).tolist()).astype(dtype)
    np.testing.assert_allclose(out, expected, rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_limits_and_symmetry(dtype):
    big = dtype(1e4)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert sigmoid(np.array([big], dtype=dtype))[0] == 1
        assert sigmoid(np.array([-big], dtype=dtype))[0] == 0
        z = np.linspace(-50, 50, 1001, dtype=dtype)
        p = sigmoid(z)
    assert p.dtype == dtype
    # sigmoid(-z) = 1 - sigmoid(z); in the lower tail the small side is exact.
    np.testing.assert_allclose(sigmoid(-z) + p, 1, rtol=2 * np.finfo(dtype).eps)
    assert np.all(np.diff(p) >= 0)
    # In the far-left tail sigmoid(z) = exp(z) to relative precision, not 0.
    tail = np.array([-80.0], dtype=dtype) if dtype == np.float32 else np.array([-700.0])
    np.testing.assert_allclose(sigmoid(tail), np.exp(tail), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_sigmoid_is_finite_at_the_extremes(dtype):
    z = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = log_sigmoid(z)
    assert np.all(np.isfinite(out))
    assert out[0] == dtype(-1e4)
    assert out[2] == pytest.approx(-np.log(2), rel=1e-6)
    assert out[-1] == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_logistic_loss_gradient_equal_the_separate_formulas(dtype):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=30, size=500).astype(dtype)
    y = rng.integers(0, 2, size=500).astype(dtype)
    signs = label_signs(y, dtype)
    np.testing.assert_array_equal(signs, np.where(y == 1, -1, 1))
    loss, gradient, curvature = logistic_loss_gradient(signs, z, curvature=True)
    assert curvature is not None
    assert loss.dtype == gradient.dtype == signs.dtype == dtype
    # The loss from labels, (max(z, 0) - y z) + log1p(exp(-|z|)), bit for bit.
    from_labels = (np.maximum(z, 0) - y * z) + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_array_equal(loss, from_labels)
    np.testing.assert_array_equal(logistic_loss(signs, z), loss)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(gradient, sigmoid(z) - y, rtol=4 * eps, atol=4 * eps)
    p = sigmoid(z)
    np.testing.assert_allclose(curvature, p * (1 - p), rtol=8 * eps, atol=8 * eps)
    # log(1 + e^z) - y z, and exact 0-or-|z| cancellation for confident answers
    np.testing.assert_allclose(loss, log1pexp(z) - y * z, rtol=0, atol=8 * eps * 30)


def test_confident_right_answers_keep_a_tiny_nonzero_gradient():
    z = np.array([40.0, 700.0])
    _, gradient, curvature = logistic_loss_gradient(-np.ones(2), z, curvature=True)
    assert curvature is not None
    np.testing.assert_allclose(gradient, -np.exp(-z), rtol=1e-15)
    np.testing.assert_allclose(curvature, np.exp(-z), rtol=1e-15)
    _, gradient, _ = logistic_loss_gradient(np.ones(2), -z)
    np.testing.assert_allclose(gradient, np.exp(-z), rtol=1e-15)


def test_logistic_loss_keeps_relative_precision_for_confident_right_answers():
    z = np.array([5.0, 20.0, 40.0, 700.0])
    expected = [math.log1p(math.exp(-v)) for v in z]
    # y = 1 (sign -1) at z, y = 0 (sign +1) at -z
    np.testing.assert_allclose(logistic_loss(-np.ones(4), z), expected, rtol=1e-15)
    np.testing.assert_allclose(logistic_loss(np.ones(4), -z), expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_and_softmax_at_extremes(dtype):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [3.0, 1.0, 2.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        lse = logsumexp(z, axis=1)
        p = softmax(z, axis=1)
    assert lse.dtype == dtype
    assert lse[0] == dtype(1e4)
    np.testing.assert_allclose(lse[1], -1e4 + np.log(3), rtol=1e-6)
    np.testing.assert_allclose(lse[2], np.log(np.exp(3) + np.exp(1) + np.exp(2)), rtol=1e-6)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(p[0], [1, 0, 0])
    np.testing.assert_allclose(p[1], 1 / 3, rtol=1e-6)


@pytest.mark.parametrize("keep_proba", [True, False])
def test_softmax_cross_entropy_with_tied_maxima(keep_proba):
    # Rows with two or three equal maxima, the label on a tied entry or not.
    z = np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0], [1.0, 1.0, 1.0], [0.0, 5.0, 5.0]])
    y = np.array([0.0, 2.0, 1.0, 0.0])
    loss, gradient, proba = softmax_cross_entropy(y, z, keep_proba=keep_proba)
    expected_proba = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    np.testing.assert_allclose(loss, -np.log(expected_proba[rows, y.astype(int)]), rtol=1e-14)
    onehot = np.eye(3)[y.astype(int)]
    np.testing.assert_allclose(gradient, expected_proba - onehot, rtol=1e-14, atol=1e-16)
    if keep_proba:
        assert proba is not None
        np.testing.assert_allclose(proba, expected_proba, rtol=1e-14)
    else:
        assert proba is None


def test_softmax_of_two_columns_is_the_sigmoid_of_their_difference():
    z = np.random.default_rng(1).normal(scale=5, size=(200, 2))
    np.testing.assert_allclose(softmax(z)[:, 1], sigmoid(z[:, 1] - z[:, 0]), rtol=1e-13)


def test_accurate_sum_accumulates_float32_in_float64():
    values = np.full(10**6, 0.1, dtype=np.float32)
    assert accurate_sum(values) == pytest.approx(10**6 * float(np.float32(0.1)), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logistic_curvature_is_the_fused_functions_bit_for_bit(dtype):
    # The record computes the Fisher information from this alone when it
    # knows the log-likelihood: it must be the curvature the fused function
    # gives, and sigmoid(z) * (1 - sigmoid(z)) to relative precision.
    z = np.concatenate([np.linspace(-60, 60, 2001), [-745.0, 0.0, 745.0]]).astype(dtype)
    signs = label_signs(np.arange(len(z)) % 2, dtype)
    np.testing.assert_array_equal(logistic_curvature(z), logistic_loss_gradient(signs, z, True)[2])
    exact = np.exp(-np.abs(z.astype(np.float64))) / (1 + np.exp(-np.abs(z.astype(np.float64)))) ** 2
    # atol: exp(-745) underflows to 0 in float32 (a float64 subnormal).
    np.testing.assert_allclose(
        logistic_curvature(z), exact, rtol=4 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny
    )
