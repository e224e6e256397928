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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._numerics import (
    FloatArray,
    label_signs,
    logistic_curvature,
    logistic_loss,
    logistic_loss_gradient,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    softmax_loss,
)

# Labels: {0, 1} as floats for the binary loss, integer indices for softmax.
LabelArray = NDArray[Any]


class _CrossEntropy:
    """The loss of labels ``y``, from the subclass's ``targets`` (the labels
    in the form its passes read) and ``target_terms``."""

    def targets(self, y: LabelArray, dtype: Any) -> FloatArray:
        raise NotImplementedError

    def target_value(self, targets: FloatArray, raw: FloatArray) -> FloatArray:
        raise NotImplementedError

    def target_terms(
        self, targets: FloatArray, raw: FloatArray, curvature: bool,
        out: FloatArray | None = None, out_curvature: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        raise NotImplementedError

    def value(self, y: LabelArray, raw: FloatArray) -> FloatArray:
        return self.target_value(self.targets(y, np.asarray(raw).dtype), raw)

    def value_gradient(
        self, y: LabelArray, raw: FloatArray, out: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray]:
        loss, gradient, _ = self.target_terms(
            self.targets(y, np.asarray(raw).dtype), raw, False, out=out
        )
        return loss, gradient

    def value_gradient_hessian(
        self, y: LabelArray, raw: FloatArray, out: FloatArray | None = None,
        out_curvature: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        loss, gradient, curvature = self.target_terms(
            self.targets(y, np.asarray(raw).dtype), raw, True, out, out_curvature
        )
        assert curvature is not None
        return loss, gradient, curvature

    def curvature(self, y: LabelArray, raw: FloatArray) -> FloatArray:
        """The per-sample second derivatives ``value_gradient_hessian``
        gives (``hessian_blocks`` reads them), alone."""
        return self.value_gradient_hessian(y, raw)[2]


class BinaryCrossEntropy(_CrossEntropy):
    """The log-loss of one sigmoid neuron.

    ::

        p        = sigmoid(z)
        loss     = log(1 + exp(z)) - y * z      # = -y log p - (1 - y) log(1 - p)
        dloss/dz = p - y
        d2loss/dz2 = p * (1 - p)

    The first form never takes ``log`` of a probability that could round to 0,
    so the loss stays finite and exact at any ``|z|``.
    """

    # -- labels as the objective keeps them: their signs 1 - 2 y ----------
    @staticmethod
    def targets(y: LabelArray, dtype: Any) -> FloatArray:
        """``1 - 2 y``: what ``logistic_loss_gradient`` reads at every pass."""
        return label_signs(y, dtype)

    @staticmethod
    def labels(targets: FloatArray) -> FloatArray:
        """The labels ``y = (1 - s) / 2`` back from ``targets``."""
        labels = np.subtract(1, targets)
        labels *= 0.5
        return labels

    @staticmethod
    def target_value(targets: FloatArray, raw: FloatArray) -> FloatArray:
        return logistic_loss(targets, raw)

    @staticmethod
    def target_terms(
        targets: FloatArray, raw: FloatArray, curvature: bool,
        out: FloatArray | None = None, out_curvature: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        """``(loss, dloss/dz, d2loss/dz2 or None)`` of each sample."""
        return logistic_loss_gradient(targets, raw, curvature, out, out_curvature)

    def curvature(self, y: LabelArray, raw: FloatArray) -> FloatArray:
        """``sigmoid(z) * (1 - sigmoid(z))``: one exponential, no loss."""
        return logistic_curvature(raw)

    @staticmethod
    def hessian_product(curvature: FloatArray, raw_direction: FloatArray) -> FloatArray:
        """``d2loss/dz2 * v`` for each sample."""
        return curvature * raw_direction

    @staticmethod
    def hessian_blocks(curvature: FloatArray) -> Iterator[tuple[int, int, FloatArray]]:
        """The single (0, 0) block of pointwise second derivatives."""
        yield 0, 0, curvature

    @staticmethod
    def hessian_diagonal(curvature: FloatArray) -> FloatArray:
        """``d2loss/dz2`` for each sample, as a (n, 1) column."""
        return curvature[:, None]

    @staticmethod
    def proba(raw: FloatArray) -> FloatArray:
        """Probability of the positive class, ``sigmoid(z)``."""
        return sigmoid(raw)


class SoftmaxCrossEntropy(_CrossEntropy):
    """The log-loss of a softmax layer of K neurons.

    ::

        p        = softmax(z)                        # shape (K,) per sample
        loss     = logsumexp(z) - z[y]               # = -log p[y]
        dloss/dz = p - onehot(y)
        d2loss/dz_k dz_l = p_k * (delta_kl - p_l)

    The Hessian of each sample is ``diag(p) - p p^T``: never formed, applied to
    a direction ``v`` as ``p * v - p * (p @ v)``.
    """

    # -- labels as the objective keeps them: the class indices -------------
    @staticmethod
    def targets(y: LabelArray, dtype: Any) -> FloatArray:
        """The class indices, in ``dtype``."""
        return np.asarray(y, dtype=dtype)

    @staticmethod
    def labels(targets: FloatArray) -> FloatArray:
        return targets

    @staticmethod
    def target_value(targets: FloatArray, raw: FloatArray) -> FloatArray:
        return softmax_loss(targets, raw)

    @staticmethod
    def target_terms(
        targets: FloatArray, raw: FloatArray, curvature: bool,
        out: FloatArray | None = None, out_curvature: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray | None]:
        """``(loss, dloss/dz, softmax(z) or None)`` of each sample; without
        the curvature the gradient is written over the probabilities."""
        return softmax_cross_entropy(
            targets, raw, keep_proba=curvature, out=out, out_proba=out_curvature
        )

    @staticmethod
    def hessian_product(curvature: FloatArray, raw_direction: FloatArray) -> FloatArray:
        """``(diag(p) - p p^T) v`` for each sample, with ``curvature = p``."""
        p, v = curvature, raw_direction
        pv = p * v
        # The row sum as a product with ones: a reduction along the short
        # class axis is several times slower.
        row_sum = pv @ np.ones(pv.shape[1], dtype=pv.dtype)
        pv -= p * row_sum[:, None]
        return pv

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
    def hessian_diagonal(curvature: FloatArray) -> FloatArray:
        """``d2loss/dz_k^2 = p_k (1 - p_k)`` for each sample, (n, K): the
        diagonal blocks alone, without the K (K - 1) / 2 others."""
        p = curvature
        return p - p * p

    @staticmethod
    def proba(raw: FloatArray) -> FloatArray:
        """Class probabilities, ``softmax(z)`` along the class axis."""
        return softmax(raw, axis=1)

