"""The cross-entropy in raw-prediction space, written against an array-API
namespace ``xp`` so that it runs where ``z`` lives (a GPU, a torch CPU tensor).

The same formulas as ``logitron._numerics`` and ``logitron.losses``, with
``z`` always 2-D, (n, K): K = 1 is the binary neuron with targets in {0, 1}
as a column, K > 1 a softmax layer with one-hot targets ``Y``::

    binary:   loss = max(z, 0) + log1p(exp(-|z|)) - y * z
              p    = 1 / (1 + e) if z >= 0 else e / (1 + e),   e = exp(-|z|)
    softmax:  loss = logsumexp(z, axis=1) - sum(Y * z, axis=1)
              p    = exp(z - logsumexp(z, axis=1))
    both:     dloss/dz = p - Y

``exp(-|z|) <= 1`` never overflows, which keeps every function finite for
any finite ``z`` in float32 and float64 (the module doc of ``_numerics``).
"""

from __future__ import annotations

from typing import Any


def probabilities(xp: Any, raw: Any) -> Any:
    """``p`` (n, K) of the raw prediction ``z`` (n, K): sigmoid for K = 1,
    softmax over the rows otherwise."""
    if raw.shape[1] == 1:
        e = xp.exp(-xp.abs(raw))
        inverse = 1 / (1 + e)
        return xp.where(raw >= 0, inverse, e * inverse)
    shifted = raw - xp.max(raw, axis=1, keepdims=True)
    exp_shifted = xp.exp(shifted)
    return exp_shifted / xp.sum(exp_shifted, axis=1, keepdims=True)


def loss_and_probabilities(xp: Any, target: Any, raw: Any) -> tuple[Any, Any]:
    """``(loss (n,), p (n, K))`` at ``z`` for targets ``Y`` (n, K): one
    exponential per entry of ``z``."""
    if raw.shape[1] == 1:
        z = raw[:, 0]
        e = xp.exp(-xp.abs(z))
        loss = xp.maximum(z, xp.zeros_like(z)) + xp.log1p(e) - target[:, 0] * z
        inverse = 1 / (1 + e)
        proba = xp.where(z >= 0, inverse, e * inverse)
        return loss, proba[:, None]
    row_max = xp.max(raw, axis=1, keepdims=True)
    exp_shifted = xp.exp(raw - row_max)
    total = xp.sum(exp_shifted, axis=1, keepdims=True)
    log_normaliser = row_max[:, 0] + xp.log(total[:, 0])
    loss = log_normaliser - xp.sum(target * raw, axis=1)
    return loss, exp_shifted / total


def log_probabilities(xp: Any, raw: Any) -> Any:
    """``log p`` (n, 2) for K = 1 (both classes, as ``predict_log_proba``)
    or (n, K), computed stably from ``z``::

        log sigmoid(z) = min(z, 0) - log1p(exp(-|z|))
        log softmax(z) = z - logsumexp(z, axis=1)
    """
    if raw.shape[1] == 1:
        z = raw[:, 0]
        softplus_tail = xp.log1p(xp.exp(-xp.abs(z)))
        zero = xp.zeros_like(z)
        positive = xp.minimum(z, zero) - softplus_tail
        negative = xp.minimum(-z, zero) - softplus_tail
        return xp.stack([negative, positive], axis=1)
    row_max = xp.max(raw, axis=1, keepdims=True)
    shifted = raw - row_max
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def hessian_weights(xp: Any, proba: Any, weight: Any, k: int, l: int) -> Any:  # noqa: E741
    """``s/S * d2loss/(dz_k dz_l)`` (n,), the weights of the Hessian block
    ``(k, l)``: ``p (1 - p)`` for the sigmoid, ``p_k (delta_kl - p_l)`` for
    softmax."""
    p_k = proba[:, k]
    if k == l:
        return weight * p_k * (1 - p_k)
    return -(weight * p_k * proba[:, l])


def hessian_product(xp: Any, proba: Any, weight: Any, raw_direction: Any) -> Any:
    """``s/S * d2loss/dz2 @ dz`` per row (n, K), for ``dz = X~ @ d``::

        binary:  p (1 - p) dz
        softmax: p * dz - p * sum(p * dz, axis=1)
    """
    weighted = weight[:, None] * proba
    if proba.shape[1] == 1:
        return weighted * (1 - proba) * raw_direction
    mixed = xp.sum(proba * raw_direction, axis=1, keepdims=True)
    return weighted * (raw_direction - mixed)
