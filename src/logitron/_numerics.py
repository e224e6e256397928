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


def logistic_loss(sign: FloatArray, z: FloatArray) -> FloatArray:
    """Binary cross-entropy ``log(1 + exp(z)) - y * z`` to full relative
    precision, for labels given by their signs ``s = 1 - 2 y``::

        loss = max(s z, 0) + log1p(exp(-|z|))

    For labels y in {0, 1}, ``max(s z, 0)`` is exactly ``max(z, 0) - y z``
    (0 or |z|), so a confident right answer (loss ~ exp(-|z|)) keeps all
    its digits instead of being the difference of two numbers near |z|.
    """
    z = np.asarray(z)
    loss = np.multiply(z, sign)
    np.maximum(loss, 0, out=loss)
    loss += np.log1p(_exp_neg_abs(z))
    return loss


def label_signs(y: NDArray[Any], dtype: Any = np.float64) -> FloatArray:
    """``1 - 2 y`` for labels ``y`` in {0, 1}: +1 for class 0, -1 for class 1,
    the form ``logistic_loss_gradient`` reads (exact in any float)."""
    signs = np.multiply(y, -2, dtype=dtype)
    signs += 1
    return signs


def logistic_loss_gradient(
    sign: FloatArray, z: FloatArray, curvature: bool = False,
    out: FloatArray | None = None, out_curvature: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Binary cross-entropy, its gradient ``sigmoid(z) - y`` and, on request,
    its curvature ``sigmoid(z) * (1 - sigmoid(z))``, from one exponential,
    for labels given by their signs ``s = 1 - 2 y`` (``label_signs``). The
    gradient and the curvature are written to ``out`` and ``out_curvature``
    when given (the caller's n-sized buffers).

    ::

        e        = exp(-|z|),   s = 1 - 2 y  (+1 for y = 0, -1 for y = 1)
        loss     = max(s z, 0) + log1p(e)
        gradient = s * sigmoid(s z) = s * (1 if s z >= 0 else e) / (1 + e)
        curvature = e / (1 + e)^2

    For labels in {0, 1} every term keeps full relative precision: a
    confident right answer has loss ~ e and gradient ~ -e, never the
    rounded difference ``sigmoid(z) - 1 = 0``. The signs, not the labels,
    are the argument because each fit reads them at every pass: two
    multiplications instead of six n-sized operations (a quarter of this
    function on 32 rows, an eighth on 100,000). Arrays are updated in
    place, three n-sized ones in all (four with the curvature): on this hot
    path allocating temporaries costs more than the arithmetic, and they
    are the fit's peak memory beyond ``X`` on small data.
    """
    z = np.asarray(z)
    signed = np.multiply(z, sign)  # s z
    right_side = signed >= 0  # boolean: an eighth of a float array
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    loss = np.maximum(signed, 0, out=signed)
    gradient = np.log1p(e, out=out)
    loss += gradient
    # gradient = s * sigmoid(s z), sigmoid(s z) = (1 if s z >= 0 else e) / (1 + e);
    # a maximum with the mask is much faster than np.where.
    np.add(e, 1, out=gradient)
    hessian = None
    if curvature:
        hessian = np.divide(e, gradient, out=out_curvature)
        hessian /= gradient
    np.maximum(e, right_side, out=e)
    e /= gradient
    np.multiply(e, sign, out=gradient)
    return loss, gradient, hessian


def logistic_curvature(z: FloatArray) -> FloatArray:
    """``sigmoid(z) * (1 - sigmoid(z)) = e / (1 + e)**2``, ``e = exp(-|z|)``:
    the curvature ``logistic_loss_gradient`` gives, by the same operations
    (so the same bits), without the loss and the gradient."""
    e = _exp_neg_abs(z)
    denominator = np.add(e, 1)
    np.divide(e, denominator, out=e)
    e /= denominator
    return e


def log_sigmoid(z: FloatArray) -> FloatArray:
    """``log(sigmoid(z)) = -log1pexp(-z)``, stable for any ``z``."""
    return -log1pexp(-np.asarray(z))


def logsumexp(z: FloatArray, axis: int = -1) -> FloatArray:
    """``log(sum(exp(z), axis))`` with the maximum factored out.

    ::

        logsumexp(z) = m + log1p(rest),   m = max(z),
        rest = sum of exp(z - m) over all entries but one maximal one

    so every exponential has a non-positive argument and a tail far below
    the maximum is not rounded away by ``log(1 + tiny)``.
    """
    z = np.asarray(z)
    if z.ndim == 2 and axis in (1, -1):
        m, _, rest = _max_exp_rest(z)
        return m[:, 0] + np.log1p(rest)
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


def softmax(z: FloatArray, axis: int = -1) -> FloatArray:
    """``exp(z) / sum(exp(z), axis)``, computed as ``exp(z - max(z)) / sum``."""
    z = np.asarray(z)
    e = np.exp(z - _max(z, axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def softmax_cross_entropy(
    y: NDArray[Any], z: FloatArray, keep_proba: bool = True,
    out: FloatArray | None = None, out_proba: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Softmax cross-entropy ``logsumexp(z) - z[y]``, its gradient
    ``softmax(z) - onehot(y)`` and (``keep_proba``) ``softmax(z)``, for the
    rows of z.

    ::

        m      = max_k z_k
        rest   = sum of exp(z_k - m) over every k but one maximal entry
        loss   = (m - z_y) + log1p(rest)
        proba  = exp(z - m) / (1 + rest)
        grad_y = -rest / (1 + rest)      where z_y = m, else proba_y - 1

    ``log1p(rest)`` and ``-rest / (1 + rest)`` keep full relative precision
    when the right class wins by a wide margin (loss ~ rest), where
    ``logsumexp(z) - z_y`` and ``proba_y - 1`` would cancel to 0. A maximal
    entry contributes exactly ``exp(0) = 1``, so ``rest`` is the sum over
    the non-maximal entries plus one for each tie beyond the first. Without
    ``keep_proba`` the gradient is written over the probabilities (one
    (n, K) array fewer, on the hot path of first-order solvers). The
    gradient and the probabilities go to ``out`` and ``out_proba`` if given.
    """
    z = np.asarray(z)
    m, e, rest = _max_exp_rest(z, out=out_proba if keep_proba else out)
    # Flat indices of each row's label: one gather and one scatter, no
    # (rows, label) pair indexing.
    label = np.arange(0, z.size, z.shape[1])
    label += y.astype(np.intp, copy=False)
    z_label = np.take(z, label)
    loss = np.subtract(m[:, 0], z_label)
    loss += np.log1p(rest)
    inverse = np.add(rest, 1)
    np.reciprocal(inverse, out=inverse)
    e *= inverse[:, None]
    if not keep_proba:
        gradient = e
    elif out is None:
        gradient = e.copy()
    else:
        gradient = out
        np.copyto(gradient, e)
    label_gradient = np.take(e, label)
    label_gradient -= 1
    wins = z_label == m[:, 0]
    if wins.any():
        rest *= inverse
        np.negative(rest, out=rest)
        np.copyto(label_gradient, rest, where=wins)
    np.put(gradient, label, label_gradient)
    return loss, gradient, e if keep_proba else None


def softmax_loss(y: NDArray[Any], z: FloatArray) -> FloatArray:
    """The loss part of ``softmax_cross_entropy`` alone."""
    z = np.asarray(z)
    m, _, rest = _max_exp_rest(z)
    return (m[:, 0] - z[np.arange(z.shape[0]), y.astype(np.intp)]) + np.log1p(rest)


def log_softmax(z: FloatArray, axis: int = 1) -> FloatArray:
    """``log(softmax(z))`` of a 2-D ``z`` along its rows, as
    ``(z - m) - log1p(rest)`` (see ``softmax_cross_entropy``): the
    log-probability of a near-certain class is ``-rest``, not a rounded 0."""
    z = np.asarray(z)
    if axis not in (1, -1) or z.ndim != 2:
        raise ValueError("log_softmax works along the rows of a 2-D array")
    m, _, rest = _max_exp_rest(z)
    return (z - m) - np.log1p(rest)[:, None]


def _max_exp_rest(
    z: FloatArray, out: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(m, exp(z - m), rest)`` for the rows of ``z``, ``m`` of shape (n, 1);
    ``exp(z - m)`` is written to ``out`` if given."""
    ones = np.ones(z.shape[1], dtype=z.dtype)
    m = _max(z, 1)
    is_max = z == m
    e = np.subtract(z, m, out=out)
    np.exp(e, out=e)
    # exp(0) = 1 exactly at a maximum, so e - is_max drops those terms.
    rest = np.subtract(e, is_max) @ ones
    if np.count_nonzero(is_max) > len(rest):
        # Exact ties for the maximum: each beyond the first adds its 1.
        rest += is_max @ ones - 1
    return m, e, rest


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
