"""Numerically stable elementwise functions of the raw prediction ``z``.

Every function here is exact in floating point for any finite ``z`` (|z| up to
the largest float), in float32 and float64, without overflow warnings. The one
trick behind all of them::

    exp(-|z|) <= 1      never overflows, and
    log(1 + e^z) = max(z, 0) + log1p(exp(-|z|))

The output dtype follows the input dtype (float32 stays float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.floating]


def _exp_neg_abs(z: FloatArray) -> FloatArray:
    # exp(-|z|) lies in (0, 1]: the one exponential every function below needs.
    return np.exp(-np.abs(z))


def log1pexp(z: FloatArray) -> FloatArray:
    """``log(1 + exp(z))``, the softplus, stable for any ``z``.

    ::

        log1pexp(z) = max(z, 0) + log1p(exp(-|z|))

    Limits: ``log1pexp(z) -> z`` as ``z -> +inf`` and ``-> exp(z)`` as
    ``z -> -inf`` (never 0 while exp(z) is representable).
    """
    z = np.asarray(z)
    return np.maximum(z, 0) + np.log1p(_exp_neg_abs(z))


def sigmoid(z: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-z))``, stable for any ``z``.

    ::

        e = exp(-|z|)
        sigmoid(z) = 1 / (1 + e)   if z >= 0
                   = e / (1 + e)   if z < 0

    so no exponential of a positive number is ever taken.
    """
    z = np.asarray(z)
    e = _exp_neg_abs(z)
    return sigmoid_from_exp_neg_abs(z, e)


def sigmoid_from_exp_neg_abs(z: FloatArray, e: FloatArray) -> FloatArray:
    """``sigmoid(z)`` given ``e = exp(-|z|)`` already computed (saves one exp)."""
    inv = 1 / (1 + e)
    return np.where(z >= 0, inv, e * inv)


def logistic_loss(y: NDArray[Any], z: FloatArray) -> FloatArray:
    """Binary cross-entropy ``log(1 + exp(z)) - y * z`` to full relative precision.

    ::

        loss = (max(z, 0) - y * z) + log1p(exp(-|z|))

    For labels y in {0, 1} the bracket is exactly 0 or |z|, so a confident
    right answer (loss ~ exp(-|z|)) keeps all its digits instead of being the
    difference of two numbers near |z|.
    """
    z = np.asarray(z)
    return (np.maximum(z, 0) - y * z) + np.log1p(_exp_neg_abs(z))


def logistic_loss_and_sigmoid(
    y: NDArray[Any], z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``(logistic_loss(y, z), sigmoid(z))`` from a single exponential.

    The binary cross-entropy needs both at every iterate (value and gradient),
    so sharing ``exp(-|z|)`` halves the transcendental work on the hot path.
    The results are those of ``logistic_loss`` and ``sigmoid`` bit for bit; the
    arrays are updated in place because on this path allocating temporaries
    costs more than the arithmetic (three times as much for 10^5 samples).
    """
    z = np.asarray(z)
    loss = np.maximum(z, 0)
    loss -= y * z  # exactly 0 or |z| for y in {0, 1}
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    loss += np.log1p(e)
    inverse = np.add(e, 1)
    np.reciprocal(inverse, out=inverse)
    # The sigmoid's numerator is 1 where z >= 0 (there e <= 1) and e where
    # z < 0: a maximum with the mask, much faster than np.where.
    proba = np.maximum(e, z >= 0, out=e)
    proba *= inverse
    return loss, proba


def log_sigmoid(z: FloatArray) -> FloatArray:
    """``log(sigmoid(z)) = -log1pexp(-z)``, stable for any ``z``."""
    return -log1pexp(-np.asarray(z))


def logsumexp(z: FloatArray, axis: int = -1) -> FloatArray:
    """``log(sum(exp(z), axis))`` with the maximum factored out.

    ::

        logsumexp(z) = m + log(sum(exp(z - m))),   m = max(z)

    so every exponential has a non-positive argument.
    """
    z = np.asarray(z)
    m = _max(z, axis)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


def softmax(z: FloatArray, axis: int = -1) -> FloatArray:
    """``exp(z) / sum(exp(z), axis)``, computed as ``exp(z - max(z)) / sum``."""
    z = np.asarray(z)
    e = np.exp(z - _max(z, axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def softmax_loss_and_proba(
    y: NDArray[Any], z: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Softmax cross-entropy ``logsumexp(z) - z[y]`` and ``softmax(z)``, rows of z.

    ::

        m      = max_k z_k
        rest   = sum of exp(z_k - m) over every k but one maximal entry
        loss   = (m - z_y) + log1p(rest)
        proba  = exp(z - m) / (1 + rest)

    ``log1p(rest)`` keeps full relative precision when the right class wins
    by a wide margin (loss ~ rest), where ``logsumexp(z) - z_y`` would cancel.
    A maximal entry contributes exactly ``exp(0) = 1``, so ``rest`` is the
    sum over the non-maximal entries plus one for each tie beyond the first.
    Row sums are products with a vector of ones (BLAS), several times faster
    than a numpy reduction along a short last axis.
    """
    z = np.asarray(z)
    ones = np.ones(z.shape[1], dtype=z.dtype)
    m = _max(z, 1)
    is_max = z == m
    e = np.subtract(z, m)
    np.exp(e, out=e)
    rest = np.where(is_max, 0, e) @ ones + (is_max @ ones - 1)
    rows = np.arange(z.shape[0])
    loss = (m[:, 0] - z[rows, y.astype(np.intp)]) + np.log1p(rest)
    e /= (1 + rest)[:, None]
    return loss, e


def _max(z: FloatArray, axis: int) -> FloatArray:
    """``np.max(z, axis, keepdims=True)``, exactly.

    For a 2-D array along its last axis (K classes per sample) it is a
    running maximum over the K columns: numpy's reduction along a short
    contiguous axis costs ten times more.
    """
    if z.ndim == 2 and axis in (1, -1) and z.shape[0] > 0 and z.shape[1] > 0:
        m = z[:, :1].copy()
        for k in range(1, z.shape[1]):
            np.maximum(m, z[:, k : k + 1], out=m)
        return m
    return np.max(z, axis=axis, keepdims=True)


def accurate_sum(values: FloatArray) -> float:
    """Sum in float64 whatever the input dtype.

    A float32 sum of 10^6 log-losses loses about three digits; the objective
    value drives line searches and stopping tests, so it is always summed in
    float64 (the array itself is not copied: numpy converts while reducing).
    """
    return float(np.sum(values, dtype=np.float64))


def accurate_dot(a: FloatArray, b: FloatArray) -> float:
    """``a @ b`` of two vectors, accumulated in float64 (see ``accurate_sum``)."""
    if a.dtype == np.float64 and b.dtype == np.float64:
        return float(a @ b)
    return float(np.dot(a.astype(np.float64), b.astype(np.float64)))
