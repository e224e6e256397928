"""Curvature of the objective beyond the full Hessian: its diagonal (a
preconditioner), its products with a vector (Newton-CG) and its block on a
few columns (proximal Newton's working set), each from the loss's second
derivative ``curvature`` at ``theta`` and the normalised weights ``s/S``
(``weight``) of an objective; and what a full Hessian costs in passes
(``hessian_cost``, Newton's chord rule)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg.lapack
from numpy.typing import NDArray

from .._numerics import FloatArray
from ..backends import ArrayData, as_data
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from ..neuron import LinearUnit
from .coef_penalty import CoefficientPenalty

Loss = BinaryCrossEntropy | SoftmaxCrossEntropy

#: Rows that ``hessian_diagonal`` samples on large dense data (see there).
DIAGONAL_SAMPLE_ROWS = 16_384

#: The fixed cost of one in-memory call, in entries of ``X~`` whose
#: arithmetic takes as long (one thread, AMD EPYC, 32 x 3 to 2,000 x 20: a
#: fused pass 27 us plus 0.6 ns an entry; a Hessian with its Cholesky
#: factor 15 us on 32 x 3).
PASS_CALL_ENTRIES = 45_000
HESSIAN_CALL_ENTRIES = 26_000


def hessian_cost(n_params: int, entries: float | None = None) -> float:
    """A Hessian's cost in gradient passes, for Newton's choice between a
    fresh Hessian and a chord step (``solvers.newton``).

    ``2 + n_params / 40`` by the flops of large data. With ``entries`` (the
    ``n * n_params`` of an in-memory pass) each call's fixed cost is added
    to both sides: on tiny data that takes the ratio to about 0.6 (32 x 3:
    a Hessian 15 us, a pass 27 us), and Newton forms every Hessian there,
    which saves it an iteration.
    """
    flops = 2.0 + n_params / 40.0
    if entries is None:
        return flops
    return (HESSIAN_CALL_ENTRIES + flops * entries) / (PASS_CALL_ENTRIES + entries)


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
    trust-region solver asks at every iteration). Where every row has the
    same weight and curvature (zero coefficients, equal weights, no offset:
    L-BFGS's first preconditioner) the input check's sums of squares answer
    exactly, without a pass (``ArrayData.squares_serve``).
    """
    data = unit.data
    sampled = not data.is_sparse and data.n_samples >= 2 * DIAGONAL_SAMPLE_ROWS
    stride = data.n_samples // DIAGONAL_SAMPLE_ROWS if sampled else 1
    rows = slice(None, None, stride) if stride > 1 else slice(None)
    weighted = loss.hessian_diagonal(curvature[rows]) * weight[rows, None]  # (m, K)
    if stride > 1 and data.squares_serve(weighted):
        # The sampled rows are all alike: so may every row be (a zero start),
        # and then the sums answer exactly. Only then are all rows read.
        every_row = loss.hessian_diagonal(curvature) * weight[:, None]
        if data.squares_serve(every_row):
            rows, weighted, stride = slice(None), every_row, 1
    if stride > 1:
        weighted = weighted * stride  # each sampled row stands for ``stride`` rows
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


def hessian_products(
    unit: LinearUnit,
    loss: Loss,
    weight: FloatArray,
    curvature: FloatArray,
    penalty_diagonal: FloatArray,
) -> Callable[[FloatArray], FloatArray]:
    """``v -> H @ v``, each product one fused pass over the unit's ``X``::

        H @ v = backward(s/S * d2loss/dz2 * forward(v)) + (1-r)/(C S) * v_coef

    in the dtype of the unit's data (``weight`` and ``curvature`` in it
    too), summed in float64. A unit over a float32 copy of float64 data
    (``LogisticObjective.products_in_float32``) gives each product to a
    relative error of about 1e-7, far below what truncated CG asks of it
    (a residual reduced by ``sqrt(||g||)``, or to ``tol / 4``); the
    gradient and ``J``, which decide steps and stopping, stay float64.
    """

    def hessp(direction: FloatArray) -> FloatArray:
        def pointwise(raw_direction: FloatArray, rows: slice) -> FloatArray:
            product = loss.hessian_product(curvature[rows], raw_direction)
            rows_weight = weight[rows]
            if product.ndim == 2:
                rows_weight = rows_weight[:, None]
            return np.multiply(product, rows_weight, out=product)

        _, product = unit.forward_backward(direction, pointwise)
        return product + penalty_diagonal * direction

    return hessp


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


#: Rows the conditioning probe samples at least, and per column of ``[X | 1]``.
CONDITION_SAMPLE_MIN_ROWS = 500
CONDITION_SAMPLE_ROWS_PER_COLUMN = 8


def evenly_spaced_rows(weight: FloatArray, size: int) -> NDArray[np.intp]:
    """``size`` evenly spaced rows (every row when there are fewer), those of
    zero weight left out: deterministic, spread over data stored in any
    order, and without a pass over the n weights."""
    n_samples = len(weight)
    rows = (
        np.arange(n_samples) if n_samples <= size
        else np.linspace(0, n_samples - 1, size).round().astype(np.intp)
    )
    return rows[np.asarray(weight)[rows] > 0]


def condition_sample_size(width: int) -> int:
    """Rows ``sampled_condition`` reads for a unit of ``width`` columns."""
    return max(CONDITION_SAMPLE_MIN_ROWS, CONDITION_SAMPLE_ROWS_PER_COLUMN * width)


def sampled_condition(unit: LinearUnit, weight: FloatArray, l2_strength: float) -> float:
    """Estimated condition number of the Hessian that no column scaling
    fixes, from a weighted Gram product over a row sample ``R``::

        H_R   = curvature * A_R.T @ diag(s_R / sum(s_R)) @ A_R + a * I_coef
        U     = D**-0.5 @ H_R @ D**-0.5,      D = diag(H_R)
        kappa = norm1(U) * norm1(inv(U))

    with ``A = [X | 1]`` (one output's block: a softmax Hessian at a
    uniform curvature is this block times a fixed K x K matrix),
    ``curvature`` the loss's second derivative at z = 0 (1/4 for the
    sigmoid; ``1/K`` for softmax, the non-zero eigenvalue of
    ``I/K - 1/K**2``) and ``a`` the L2 strength on the mean scale: a
    property of the design, whatever the start (a warm start, an offset).
    ``D`` is the scaling L-BFGS already applies (its preconditioner), so
    ``kappa`` measures what is left: nearly collinear columns. ``R`` is
    ``max(CONDITION_SAMPLE_MIN_ROWS, CONDITION_SAMPLE_ROWS_PER_COLUMN *
    width)`` evenly spaced rows (``evenly_spaced_rows``; all of them on
    small data). A sample of ``m`` rows of independent columns spreads the
    eigenvalues by about ``((1 + sqrt(w/m)) / (1 - sqrt(w/m)))**2`` (4.4 at
    ``m = 8 w``; 1.4 against 4.2 on ``dense_data(20_000, 20)``), far below
    the orders of magnitude the rule in ``solvers.choice`` reads.
    ``norm1(inv(U))`` is LAPACK's estimate from the Cholesky factor
    (``pocon``): ``p**2`` work where eigenvalues cost ``p**3``. Columns
    without weight in the sample (and no penalty) are left out; a factor
    that fails (an exactly singular sample) gives ``inf``.
    """
    width = unit.weight_shape[-1]
    rows = evenly_spaced_rows(weight, condition_sample_size(width))
    sample_weight = np.asarray(weight[rows], dtype=np.float64)
    sample = LinearUnit(as_data(unit.data.X[rows]), 1, unit.fit_intercept)
    curvature = 0.25 if unit.n_outputs == 1 else 1.0 / unit.n_outputs
    scale = curvature / float(np.sum(sample_weight))
    hessian = sample.hessian([(0, 0, sample_weight * scale)])
    hessian.flat[: unit.n_features * (width + 1) : width + 1] += l2_strength
    diagonal = np.diag(hessian)
    kept = np.flatnonzero(diagonal > 0)
    root = np.sqrt(diagonal[kept])
    unit_diagonal = hessian[np.ix_(kept, kept)] / np.outer(root, root)
    factor, info = scipy.linalg.lapack.dpotrf(unit_diagonal, lower=1)
    if info != 0:
        return np.inf
    norm1 = float(np.max(np.sum(np.abs(unit_diagonal), axis=0)))
    rcond, info = scipy.linalg.lapack.dpocon(factor, norm1, uplo="L")
    return np.inf if info != 0 or not rcond > 0 else 1.0 / float(rcond)


def gradient_floor(data: ArrayData, weight: FloatArray, precision: float) -> float:
    """Max-norm of ``dJ/dtheta`` below which it is rounding noise.

    Each gradient entry is a weighted mean of ``X[:, j] * dloss/dz``
    computed in the dtype of ``X`` (unit roundoff ``precision``), with
    ``|dloss/dz| <= 1``; its rounding error is a few ``eps * rms(X[:, j])``.
    Float64 data put this far below any useful tolerance, so it is
    estimated (one pass over ``X``, none where the input check's column
    sums serve) for narrower dtypes only. An estimate on the low side is
    harmless: a solver that cannot reach it stops when ``J`` stops
    decreasing above its rounding level.
    """
    scale = 1.0
    if precision >= np.finfo(np.float64).eps * 2:
        rms = np.sqrt(data.column_mean_squares(weight))
        scale = max(float(np.max(rms, initial=0.0)), 1.0)
    return 2 * precision * scale
