"""The record's sums over the rows of ``X`` at the estimate, and the record
made from them (``record.FitInference``).

The log-likelihood, the Fisher information and the sandwich meat are sums
over the rows (``record`` has the formulas), so the in-memory record is one
``RecordSums`` over all rows and a Dask record the sum of its blocks'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray, accurate_dot, accurate_sum
from .null_model import null_loglik
from .record import FitInference


@dataclass
class RecordSums:
    """The additive parts of the record over some rows (a block, or all).

    Each field is a sum over the rows, so the record of data split into row
    blocks is the record of the blocks' sums added (``+``): the in-memory
    fit computes one ``RecordSums`` over all rows, a Dask fit one per block.
    Arrays are in the unit's ``[coef | intercept]`` layout. A per-cluster
    score sum (cluster-robust covariances) adds the same way, keyed by
    cluster label.
    """

    loglik: float
    information: FloatArray
    meat: FloatArray
    class_totals: FloatArray  # sum of s over the rows of each class
    n_samples: int  # rows with s > 0

    def __add__(self, other: RecordSums) -> RecordSums:
        return RecordSums(
            self.loglik + other.loglik,
            self.information + other.information,
            self.meat + other.meat,
            self.class_totals + other.class_totals,
            self.n_samples + other.n_samples,
        )


def record_sums(
    unit: Any,
    loss: Any,
    y: FloatArray,
    sample_weight: FloatArray,
    n_classes: int,
    raw: FloatArray,
    with_meat: bool = True,
    loglik: float | None = None,
) -> RecordSums:
    """The record's sums over the rows of ``unit.data`` at ``raw = z(theta)``.

    One loss evaluation and one pass over ``X`` for the Gram products of the
    information and the meat (module doc for the formulas). Without
    ``with_meat`` the meat is left out (NaN: never a plausible number), for
    a caller that adds it later with ``meat_at``. A ``loglik`` the caller
    knows (the fit's objective at the estimate) is taken as it is; without
    the meat only the loss's curvature is then computed.
    """
    weight = np.asarray(sample_weight, dtype=np.float64)
    grad_raw = None
    if loglik is None or with_meat:
        loss_pointwise, grad_raw, curvature = loss.value_gradient_hessian(y, raw)
        if loglik is None:
            loglik = -accurate_dot(weight, np.asarray(loss_pointwise))
        del loss_pointwise
    else:
        curvature = loss.curvature(y, raw)
    blocks = [
        [(k, l, weight * h) for k, l, h in loss.hessian_blocks(curvature)],  # noqa: E741
    ]
    if with_meat:
        assert grad_raw is not None
        blocks.append(_score_blocks(grad_raw, weight))
    # Only the blocks' weights are needed from here: the n-sized pointwise
    # arrays go before the Gram products allocate theirs.
    del grad_raw, curvature
    information, *rest = unit.hessians(blocks)
    meat = rest[0] if with_meat else np.full_like(information, np.nan)
    del blocks
    class_totals = np.bincount(
        np.asarray(y, dtype=np.intp), weights=weight, minlength=n_classes
    ).astype(np.float64)
    return RecordSums(
        loglik, information, meat, class_totals, int(np.count_nonzero(weight))
    )


def record_from_sums(
    sums: RecordSums,
    unit: Any,
    theta: FloatArray,
    *,
    term_names: tuple[str, ...],
    class_names: tuple[str, ...],
    converged: bool,
    separation: str = "",
    separation_checked: bool = True,
    response_name: str = "y",
) -> FitInference:
    """The record of the rows behind ``sums`` at the estimate ``theta``:
    p-sized work only (reordering to intercept first, the null model)."""
    order = information_order(unit)
    weights = unit.weights(np.asarray(theta, dtype=np.float64)).reshape(
        unit.n_outputs, -1
    )
    if unit.n_outputs > 1:
        # Report the symmetric representative of the softmax gauge, like coef_.
        weights = weights - weights.mean(axis=0)
    params = weights.ravel()[order].reshape(unit.n_outputs, -1)
    return FitInference(
        params=params,
        information=sums.information[np.ix_(order, order)],
        meat=sums.meat[np.ix_(order, order)],
        loglik=float(sums.loglik),
        loglik_null=null_loglik(sums.class_totals, unit.fit_intercept),
        nobs=accurate_sum(sums.class_totals),
        n_samples=int(sums.n_samples),
        fit_intercept=bool(unit.fit_intercept),
        term_names=term_names,
        class_names=class_names,
        response_name=response_name,
        converged=bool(converged),
        separation=separation,
        separation_checked=bool(separation_checked),
    )


def compute_fit_inference(
    unit: Any,
    loss: Any,
    y: FloatArray,
    sample_weight: FloatArray,
    theta: FloatArray,
    *,
    term_names: tuple[str, ...],
    class_names: tuple[str, ...],
    converged: bool,
    separation: str = "",
    response_name: str = "y",
    raw: FloatArray | None = None,
    with_meat: bool = True,
    loglik: float | None = None,
) -> FitInference:
    """Evaluate the record at the unpenalised estimate ``theta``.

    One forward pass for ``z`` and one Gram product per Hessian block for the
    information and for the meat; no refit.

    Parameters
    ----------
    unit : LinearUnit
        The fitted linear unit (``theta`` in its ``[coef | intercept]``
        layout).
    loss : BinaryCrossEntropy or SoftmaxCrossEntropy
    y : ndarray of shape (n,)
        Encoded labels as the objective sees them.
    sample_weight : ndarray of shape (n,)
        Frequency weights ``s`` (float64), class weights included.
    theta : ndarray of shape (n_params,)
        The solver's estimate.
    raw : ndarray, optional
        ``unit.forward(theta)`` when the caller already has it.
    with_meat : bool, default=True
        False leaves the meat out (``record_sums``).
    loglik : float, optional
        The log-likelihood at ``theta`` when the caller knows it.
    """
    if raw is None:
        raw = unit.forward(theta)
    sums = record_sums(
        unit, loss, y, sample_weight, len(class_names), raw, with_meat, loglik
    )
    return record_from_sums(
        sums, unit, theta, term_names=term_names, class_names=class_names,
        converged=converged, separation=separation, response_name=response_name,
    )


def _score_blocks(
    grad_raw: FloatArray, weight: FloatArray
) -> list[tuple[int, int, FloatArray]]:
    """``(k, l, s * r_k * r_l)`` for ``k <= l``: the pointwise outer products of
    the score ``r = dloss/dz``, which the unit's Hessian turns into the meat."""
    residual = np.asarray(grad_raw, dtype=np.float64)
    if residual.ndim == 1:
        return [(0, 0, weight * residual * residual)]
    n_outputs = residual.shape[1]
    return [
        (k, l, weight * residual[:, k] * residual[:, l])
        for k in range(n_outputs)
        for l in range(k, n_outputs)  # noqa: E741
    ]


def information_order(unit: Any) -> np.ndarray:
    """Permutation from the unit's ``[coef | intercept]`` rows to
    ``[intercept, coef]`` rows."""
    width = unit.n_features + int(unit.fit_intercept)
    row = np.arange(width)
    if unit.fit_intercept:
        row = np.concatenate([[unit.n_features], np.arange(unit.n_features)])
    return np.concatenate([k * width + row for k in range(unit.n_outputs)])
