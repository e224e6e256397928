"""Numerically stable elementwise functions of the raw prediction ``z``.

Every function here is exact in floating point for any finite ``z`` (|z| up to
the largest float), in float32 and float64, without overflow warnings. The one
trick behind all of them::

    exp(-|z|) <= 1      never overflows, and
    log(1 + e^z) = max(z, 0) + log1p(exp(-|z|))

The output dtype follows the input dtype (float32 stays float32).
"""

from __future__ import annotations

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


def log1pexp_and_sigmoid(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(log1pexp(z), sigmoid(z))`` from a single exponential.

    The binary cross-entropy needs both at every iterate (value and gradient),
    so sharing ``exp(-|z|)`` halves the transcendental work on the hot path.
    """
    z = np.asarray(z)
    e = _exp_neg_abs(z)
    return np.maximum(z, 0) + np.log1p(e), sigmoid_from_exp_neg_abs(z, e)


def log_sigmoid(z: FloatArray) -> FloatArray:
    """``log(sigmoid(z)) = -log1pexp(-z)``, stable for any ``z``."""
    return -log1pexp(-np.asarray(z))


def max_and_log_tail(z: FloatArray, axis: int = -1) -> tuple[FloatArray, FloatArray]:
    """``(m, tail)`` with ``logsumexp(z) = m + tail``, both along ``axis``.

    ::

        m    = max(z)
        tail = log1p(sum of exp(z - m) over every entry but the maximal one)

    The maximal entry contributes exactly 1, so ``log1p`` keeps the tail
    that ``log(1 + tiny)`` would round away, and keeping ``m`` apart lets a
    cross-entropy be formed as ``(m - z_k) + tail``: exactly ``tail`` when
    ``z_k`` is the maximum, where ``(m + tail) - z_k`` would give 0.
    """
    z = np.asarray(z)
    index = np.expand_dims(np.argmax(z, axis=axis), axis)
    m = np.take_along_axis(z, index, axis=axis)
    e = np.exp(z - m)
    np.put_along_axis(e, index, 0, axis=axis)
    tail = np.log1p(np.sum(e, axis=axis, keepdims=True))
    return np.squeeze(m, axis=axis), np.squeeze(tail, axis=axis)


def logsumexp(z: FloatArray, axis: int = -1) -> FloatArray:
    """``log(sum(exp(z), axis))`` with the maximum factored out.

    ::

        logsumexp(z) = m + log(sum(exp(z - m))),   m = max(z)

    so every exponential has a non-positive argument (see ``max_and_log_tail``).
    """
    m, tail = max_and_log_tail(z, axis=axis)
    return m + tail


def log_softmax(z: FloatArray, axis: int = -1) -> FloatArray:
    """``log(softmax(z))`` as ``(z - m) - tail`` (see ``max_and_log_tail``):
    the log-probability of a near-certain class is ``-tail``, not 0."""
    z = np.asarray(z)
    m, tail = max_and_log_tail(z, axis=axis)
    return (z - np.expand_dims(m, axis)) - np.expand_dims(tail, axis)


def softmax(z: FloatArray, axis: int = -1) -> FloatArray:
    """``exp(z) / sum(exp(z), axis)``, computed as ``exp(z - max(z)) / sum``."""
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


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
