"""Firth's penalised likelihood for softmax (baseline-category) regression.

The multinomial counterpart of ``firth.py``, as R's ``brglm2::brmultinom``
with ``type = "AS_mean"`` (for the canonical softmax link, Firth's modified
score is the mean-bias-reducing one; Kosmidis & Firth 2011, Biometrika 98).
Class 0 is the reference: ``theta`` has one row of ``m`` coefficients per
other class, ``z_ik = D_i @ theta[k - 1]`` and ``z_i0 = 0``.

Notation, per row ``i`` (``p`` over the classes ``1 .. K-1`` only)::

    W_i = diag(p_i) - outer(p_i, p_i)                      # (K-1, K-1)
    I = sum_i s_i * kron(W_i, outer(D_i, D_i))             # class-major blocks
    penalised = l + 0.5 * log(det(I))

The penalty's gradient is ``0.5 * tr(inv(I) @ dI/dtheta[c, j])``. With
``Q_i[k, l] = D_i @ inv(I)[k-block, l-block] @ D_i`` and
``dp_k/dz_c = p_k * (delta_kc - p_c)`` it reduces to::

    G_ic = p_c * (Q_cc - sum_k Q_kk p_k - 2 * (Q p)_c + 2 * p @ Q @ p)
    U*[c] = D.T @ (s * (onehot[:, c] - p[:, c] + 0.5 * G[:, c]))

For ``K = 2`` this is ``h * (0.5 - p)`` with ``h = s p (1 - p) Q``, the
binary modified score. The iteration is the binary one: scoring steps
``inv(I) @ U*``, halved until the penalised log-likelihood rises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._numerics import FloatArray, log_softmax, softmax
from ._score_newton import crawling, newton_step
from .firth import MAX_HALVINGS, MAX_STEP


@dataclass(frozen=True)
class SoftmaxFirthResult:
    """A softmax Firth fit against class 0.

    Attributes
    ----------
    theta : ndarray of shape (K - 1, m)
        Coefficients of classes ``1 .. K-1`` against class 0 (intercept last
        when the design has one).
    covariance : ndarray of shape ((K - 1) * m, (K - 1) * m)
        ``inv(I)``, class-major (``theta.ravel()`` order).
    penalised_loglik : float
    loglik : float
    n_iter : int
    converged : bool
    """

    theta: FloatArray
    covariance: FloatArray
    penalised_loglik: float
    loglik: float
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class _Point:
    theta: FloatArray
    value: float
    loglik: float
    score: FloatArray
    factor: tuple[FloatArray, bool]


def _evaluate(
    design: FloatArray, onehot: FloatArray, weight: FloatArray, theta: FloatArray,
) -> _Point | None:
    n, m = design.shape
    others = theta.shape[0]
    raw = np.column_stack([np.zeros(n), design @ theta.T])
    log_p = log_softmax(raw, axis=1)
    p = softmax(raw, axis=1)[:, 1:]
    loglik = float(weight @ np.sum(onehot * log_p, axis=1))
    # Blocks (k, l) of I: D.T @ diag(s * W_i[k, l]) @ D.
    blocks = np.empty((others, m, others, m))
    for k in range(others):
        for l in range(k, others):  # noqa: E741 (the textbook index)
            w = weight * ((k == l) * p[:, k] - p[:, k] * p[:, l])
            block = design.T @ (w[:, None] * design)
            blocks[k, :, l, :] = block
            blocks[l, :, k, :] = block.T
    information = blocks.reshape(others * m, others * m)
    try:
        factor = scipy.linalg.cho_factor(information, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    inverse = scipy.linalg.cho_solve(factor, np.eye(others * m), check_finite=False)
    q = np.einsum("ia,kalb,ib->ikl", design, inverse.reshape(others, m, others, m), design)
    qp = np.einsum("ikl,il->ik", q, p)
    diag = np.einsum("ikk->ik", q)
    g = p * (diag - np.sum(diag * p, axis=1, keepdims=True) - 2 * qp
             + 2 * np.sum(p * qp, axis=1, keepdims=True))
    residual = weight[:, None] * (onehot[:, 1:] - p + 0.5 * g)
    score = (design.T @ residual).T  # (K-1, m)
    value = loglik + float(np.sum(np.log(np.diag(factor[0]))))
    return _Point(theta, value, loglik, score, factor)


def fit_softmax_penalised(
    design: FloatArray,
    y_index: np.ndarray,
    n_classes: int,
    weight: FloatArray | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> SoftmaxFirthResult:
    """Maximise the Firth-penalised softmax log-likelihood.

    Parameters
    ----------
    design : ndarray of shape (n, m)
        ``[X | 1]`` (``firth.design_matrix``).
    y_index : ndarray of shape (n,)
        Classes ``0 .. K-1``; class 0 is the reference.
    n_classes : int
        ``K >= 2``.
    weight : ndarray of shape (n,), optional
        Frequency weights.
    tol : float, default=1e-10
        Largest step, and largest score component over ``sum(weight)``.
    max_iter : int, default=200

    Raises
    ------
    numpy.linalg.LinAlgError
        The information is singular at the start (collinear columns).
    """
    n, m = design.shape
    weight = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64)
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), np.asarray(y_index)] = 1.0
    point = _evaluate(design, onehot, weight, np.zeros((n_classes - 1, m)))
    if point is None:
        raise np.linalg.LinAlgError(
            "the Fisher information is singular: the design's columns are collinear"
        )
    scale = max(float(np.sum(weight)), 1.0)

    def score_at(theta: FloatArray) -> FloatArray | None:
        moved = _evaluate(design, onehot, weight, theta)
        return None if moved is None else moved.score

    free = np.ones(point.theta.shape, dtype=bool)
    converged, n_iter, previous = False, 0, None
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        # 1. The scoring direction inv(I) @ U*, capped like the binary one.
        step = scipy.linalg.cho_solve(point.factor, point.score.ravel(), check_finite=False)
        step = step.reshape(point.theta.shape)
        largest = float(np.max(np.abs(step)))
        if largest < tol and float(np.max(np.abs(point.score))) < tol * scale:
            converged = True
            break
        # 2. Newton's step instead when scoring crawls (``_score_newton``).
        newton = newton_step(score_at, point.theta, point.score, free) if crawling(
            step, previous, int(np.sum(free)), tol) else None
        previous = step
        step = step if newton is None else newton
        largest = float(np.max(np.abs(step)))
        if largest > MAX_STEP:
            step *= MAX_STEP / largest
        # 3. Halve it until the penalised log-likelihood does not fall.
        for _ in range(MAX_HALVINGS):
            trial = _evaluate(design, onehot, weight, point.theta + step)
            if trial is not None and trial.value >= point.value - 1e-12 * abs(point.value):
                break
            step = step / 2
        else:
            break
        point = trial
    covariance = scipy.linalg.cho_solve(
        point.factor, np.eye(point.theta.size), check_finite=False
    )
    return SoftmaxFirthResult(
        point.theta, covariance, point.value, point.loglik, n_iter, converged
    )
