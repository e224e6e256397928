"""Pointwise cross-entropy losses in raw-prediction space.

A loss sees one sample at a time: its label ``y`` and its raw prediction ``z``
(the output of the linear unit, before the activation). It knows nothing of
``X``, weights or penalties; the objective applies the chain rule through the
unit and sums with sample weights.

Conventions
-----------
Binary:  ``y`` in {0, 1}, shape (n,); ``z`` shape (n,).
Softmax: ``y`` class indices in {0, ..., K-1}, shape (n,); ``z`` shape (n, K).

Each ``value_gradient_hessian`` returns the per-sample loss, its gradient in
``z`` and a *curvature* object that ``hessian_product`` and ``hessian_blocks``
turn into second-derivative information without forming (n, K, K) tensors.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._numerics import (
    FloatArray,
    log1pexp,
    log1pexp_and_sigmoid,
    max_and_log_tail,
    sigmoid,
    softmax,
)


class BinaryCrossEntropy:
    """The log-loss of one sigmoid neuron.

    ::

        p        = sigmoid(z)
        loss     = log(1 + exp(z)) - y * z      # = -y log p - (1 - y) log(1 - p)
        dloss/dz = p - y
        d2loss/dz2 = p * (1 - p)

    The first form never takes ``log`` of a probability that could round to 0,
    so the loss stays finite and exact at any ``|z|``.
    """

    def value(self, y: FloatArray, raw: FloatArray) -> FloatArray:
        return log1pexp(raw) - y * raw

    def value_gradient(
        self, y: FloatArray, raw: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        softplus, proba = log1pexp_and_sigmoid(raw)
        return softplus - y * raw, proba - y

    def value_gradient_hessian(
        self, y: FloatArray, raw: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        softplus, proba = log1pexp_and_sigmoid(raw)
        # p (1 - p) underflows gracefully to exp(-|z|) in both tails.
        curvature = proba * (1 - proba)
        return softplus - y * raw, proba - y, curvature

    @staticmethod
    def hessian_product(curvature: FloatArray, raw_direction: FloatArray) -> FloatArray:
        """``d2loss/dz2 * v`` for each sample."""
        return curvature * raw_direction

    @staticmethod
    def hessian_blocks(curvature: FloatArray) -> Iterator[tuple[int, int, FloatArray]]:
        """The single (0, 0) block of pointwise second derivatives."""
        yield 0, 0, curvature

    @staticmethod
    def proba(raw: FloatArray) -> FloatArray:
        """Probability of the positive class, ``sigmoid(z)``."""
        return sigmoid(raw)


class SoftmaxCrossEntropy:
    """The log-loss of a softmax layer of K neurons.

    ::

        p        = softmax(z)                        # shape (K,) per sample
        loss     = logsumexp(z) - z[y]               # = -log p[y]
        dloss/dz = p - onehot(y)
        d2loss/dz_k dz_l = p_k * (delta_kl - p_l)

    The Hessian of each sample is ``diag(p) - p p^T``: never formed, applied to
    a direction ``v`` as ``p * v - p * (p @ v)``.
    """

    def value(self, y: FloatArray, raw: FloatArray) -> FloatArray:
        top, tail = max_and_log_tail(raw, axis=1)
        return (top - _take_label(raw, y)) + tail

    def value_gradient(
        self, y: FloatArray, raw: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        loss, proba = self._value_proba(y, raw)
        return loss, _minus_onehot(proba, y)

    def value_gradient_hessian(
        self, y: FloatArray, raw: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        loss, proba = self._value_proba(y, raw)
        return loss, _minus_onehot(proba.copy(), y), proba

    @staticmethod
    def _value_proba(y: FloatArray, raw: FloatArray) -> tuple[FloatArray, FloatArray]:
        # One logsumexp gives both the loss and the probabilities; the loss
        # is grouped as (max - z_y) + tail so a near-certain sample keeps
        # its tiny loss (see max_and_log_tail).
        top, tail = max_and_log_tail(raw, axis=1)
        proba = np.exp(raw - (top + tail)[:, None])
        return (top - _take_label(raw, y)) + tail, proba

    @staticmethod
    def hessian_product(curvature: FloatArray, raw_direction: FloatArray) -> FloatArray:
        """``(diag(p) - p p^T) v`` for each sample, with ``curvature = p``."""
        p, v = curvature, raw_direction
        pv = p * v
        return pv - p * np.sum(pv, axis=1, keepdims=True)

    @staticmethod
    def hessian_blocks(curvature: FloatArray) -> Iterator[tuple[int, int, FloatArray]]:
        """Blocks ``(k, l, p_k * (delta_kl - p_l))`` for ``k <= l``."""
        p = curvature
        n_classes = p.shape[1]
        for k in range(n_classes):
            for l in range(k, n_classes):  # noqa: E741 (l is the textbook index)
                block = -p[:, k] * p[:, l]
                if k == l:
                    block += p[:, k]
                yield k, l, block

    @staticmethod
    def proba(raw: FloatArray) -> FloatArray:
        """Class probabilities, ``softmax(z)`` along the class axis."""
        return softmax(raw, axis=1)


def _minus_onehot(proba: FloatArray, y: FloatArray) -> FloatArray:
    """``proba - onehot(y)`` in place, the label entry as ``-sum(other p)``.

    ``p_y - 1`` cancels for a near-certain sample (it is 0 in float32 when
    the true value is -1e-13); the sum of the other probabilities does not.
    """
    rows, labels = np.arange(len(y)), y.astype(np.intp)
    proba[rows, labels] = 0
    proba[rows, labels] = -np.sum(proba, axis=1)
    return proba


def _take_label(raw: FloatArray, y: FloatArray) -> FloatArray:
    return raw[np.arange(len(y)), y.astype(np.intp)]
