"""Curvature of the objective beyond the full Hessian: its diagonal (a
preconditioner) and its block on a few columns (proximal Newton's working
set), each from the loss's second derivative ``curvature`` at ``theta`` and the
normalised weights ``s/S`` (``weight``) of an objective."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._numerics import FloatArray
from ..backends import as_data
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from ..neuron import LinearUnit
from .coef_penalty import CoefficientPenalty

Loss = BinaryCrossEntropy | SoftmaxCrossEntropy

#: Rows that ``hessian_diagonal`` samples on large dense data (see there).
DIAGONAL_SAMPLE_ROWS = 16_384


def hessian_diagonal(
    unit: LinearUnit,
    loss: Loss,
    weight: FloatArray,
    curvature: FloatArray,
    penalty: CoefficientPenalty,
) -> FloatArray:
    """``diag(d2J/dtheta2)``, a preconditioner for L-BFGS and CG::

        diag_coef[k, j]   = sum_i s_i/S * h_kk[i] * X[i, j]**2 + (1-r)/(C S)
        diag_intercept[k] = sum_i s_i/S * h_kk[i]

    A preconditioner needs each column's scale, not every digit: on
    dense data of ``2 * DIAGONAL_SAMPLE_ROWS`` rows or more the sums
    over ``X**2`` run over every ``stride``-th row (scaled by the stride),
    which costs a fraction of a pass instead of a whole one (the
    trust-region solver asks at every iteration).
    """
    data = unit.data
    stride = (
        1 if data.is_sparse or data.n_samples < 2 * DIAGONAL_SAMPLE_ROWS
        else data.n_samples // DIAGONAL_SAMPLE_ROWS
    )
    rows = slice(None, None, stride)
    # Each sampled row stands for ``stride`` rows.
    weighted = loss.hessian_diagonal(curvature[rows]) * (
        weight[rows, None] * stride
    )
    diagonal = np.zeros(unit.weight_shape)
    coef_part = data.column_mean_squares(weighted, rows)  # (K, d)
    diagonal[..., : unit.n_features] = coef_part.reshape(
        diagonal[..., : unit.n_features].shape
    )
    if unit.fit_intercept:
        diagonal[..., unit.n_features] = np.sum(
            weighted, axis=0, dtype=np.float64
        ).reshape(diagonal[..., unit.n_features].shape)
    return diagonal.ravel() + penalty.hessian_diagonal()


def hessian_on_columns(
    unit: LinearUnit,
    loss: Loss,
    weight: FloatArray,
    curvature: FloatArray,
    penalty: CoefficientPenalty,
    columns: NDArray[np.intp],
) -> tuple[NDArray[np.intp], FloatArray]:
    """Hessian of the smooth part restricted to some columns of ``W``.

    A working-set solver needs ``d2J/dtheta2`` only on the entries of
    theta in a few columns (features, and the intercept column
    ``n_features``), for every class. This forms that (m, m) block in
    one weighted Gram product of ``X[:, features]``, never the full
    (p, p) Hessian.

    Returns
    -------
    index : ndarray of shape (m,)
        Entries of theta, class-major: the rows and columns of ``hessian``.
    hessian : ndarray of shape (m, m)
    """
    columns = np.unique(columns)
    d = unit.n_features
    features = columns[columns < d]
    with_intercept = bool(unit.fit_intercept and columns[-1] == d)
    X = unit.data.X
    sub_data = as_data(X if len(features) == d else X[:, features])
    sub_unit = LinearUnit(sub_data, unit.n_outputs, with_intercept)
    blocks: list[tuple[int, int, FloatArray]] = [
        (k, l, weight * h)
        for k, l, h in loss.hessian_blocks(curvature)  # noqa: E741
    ]
    hessian = sub_unit.hessian(blocks)
    if penalty.l2_strength:
        sub_penalty = CoefficientPenalty(sub_unit, penalty.l2_strength, 0.0)
        hessian.flat[:: len(hessian) + 1] += sub_penalty.hessian_diagonal()
    width = unit.weight_shape[-1]
    kept = np.concatenate([features, [d]]) if with_intercept else features
    classes = np.arange(unit.n_outputs)
    index = (classes[:, None] * width + kept[None, :]).ravel()
    return index, hessian

