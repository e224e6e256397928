"""What one task computes on one row block of the data.

Every function here runs on a worker, on one block, with the in-memory pieces
of the library: the block becomes an ``ArrayData``, a ``LinearUnit`` and an
unpenalised ``LogisticObjective`` weighted by the block's own weights, and the
block's partial sums are that objective's value and derivatives scaled by the
block's share of the total weight::

    J_data = (1/S) sum_i s_i loss_i = sum_b (S_b / S) * J_b
    J_b    = (1/S_b) sum_{i in b} s_i loss_i

(and the same for every derivative, the maps being linear in the weights).
No formula is written twice: the penalty is added once, on the client.

The blocks' conventions and the data classes the tasks exchange are in
``block_model``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import assert_all_finite

from .._numerics import FloatArray
from ..backends.dask_backend import NoLocalData, as_block_matrix
from ..backends.numpy_backend import ArrayData
from ..inference.separation_sums import column_bound, widest_margin
from ..neuron import LinearUnit
from ..objective import LineFunction, LogisticObjective
from .block_model import GRADIENT, HESSP, VALUE, BlockModel, BlockTerms, Kept, KeptBlock


def encoded(
    model: BlockModel, n_rows: int, y_block: Any, weight_block: Any
) -> tuple[np.ndarray, FloatArray]:
    """Class indices and weights (class weights included) of one block."""
    y_index = model.encode(y_block)
    if len(y_index) != n_rows:
        raise ValueError(
            f"a block of X has {n_rows} rows but the matching block of y has "
            f"{len(y_index)}; partition y like X."
        )
    return y_index, model.weights(y_index, weight_block)


def _block_objective(
    model: BlockModel, data: ArrayData, y_index: np.ndarray, weight: FloatArray
) -> tuple[LogisticObjective, float] | None:
    """The block's own unpenalised objective and its share ``S_b / S``, or
    ``None`` when the block carries no weight (it adds nothing)."""
    block_weight = float(np.sum(weight))
    if block_weight == 0.0:
        return None
    objective = LogisticObjective.from_arrays(
        data, y_index, len(model.classes), weight, fit_intercept=model.fit_intercept,
        C=np.inf,
    )
    return objective, block_weight / model.total_weight


def _raw_and_raw_direction(
    unit: LinearUnit, theta: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``z(theta)`` and ``z(d) = X~ @ d`` from one product with ``X``.

    The unit is linear in its weights, so a unit of twice the outputs applied
    to ``[W(theta); W(d)]`` returns both, reading ``X`` once.
    """
    n_outputs = unit.n_outputs
    width = unit.weight_shape[-1]
    pair = LinearUnit(unit.data, 2 * n_outputs, unit.fit_intercept)
    stacked = np.concatenate(
        [theta.reshape(n_outputs, width), direction.reshape(n_outputs, width)]
    )
    both = pair.forward(stacked.ravel())
    if n_outputs == 1:
        return np.ascontiguousarray(both[:, 0]), np.ascontiguousarray(both[:, 1])
    return (
        np.ascontiguousarray(both[:, :n_outputs]),
        np.ascontiguousarray(both[:, n_outputs:]),
    )


def _terms(objective: LogisticObjective, theta: FloatArray, order: int) -> BlockTerms:
    if order == VALUE:
        return BlockTerms(objective.value(theta))
    if order in (GRADIENT, HESSP):
        value, gradient = objective.value_gradient(theta)
        return BlockTerms(value, gradient)
    value, gradient, hessian = objective.value_gradient_hessian(theta)
    return BlockTerms(value, gradient, hessian)


def evaluate(
    X_block: Any,
    y_block: Any,
    weight_block: Any,
    sources: tuple[Kept, ...],
    model: BlockModel,
    theta: FloatArray,
    order: int,
    direction: FloatArray | None,
    recipe: tuple[tuple[float, str], ...],
    check_finite: bool,
) -> tuple[Kept, BlockTerms]:
    """The block's terms at ``theta`` up to ``order``: one pass over its rows.

    ``z`` comes from, in this order of preference:

    - a ``recipe`` over blocks kept by earlier tasks: ``z = sum_j c_j *
      sources[j].<field_j>`` for ``(c_j, field_j)`` in ``recipe`` (a point on
      a line, ``z_a + t * X~ @ d``, or an extrapolated point of an
      accelerated method); no product with ``X``;
    - a ``direction`` ``d`` given: ``z`` and ``X~ @ d`` from one product, both
      kept, so later trial steps along ``d`` need no pass over ``X``;
    - otherwise the unit's forward pass.

    Returns ``(kept, terms)``.
    """
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = encoded(model, len(X), y_block, weight_block)
    bound = _checked_column_bound(X, weight) if check_finite else None
    built = _block_objective(model, ArrayData(X), y_index, weight)
    if built is None:
        return None, BlockTerms()
    objective, share = built
    raw_direction = None
    if recipe:
        objective.remember(theta, combine(sources, recipe))
        first = sources[0]
        raw_direction = first.raw_direction if first is not None else None
    elif direction is not None:
        raw, raw_direction = _raw_and_raw_direction(objective.unit, theta, direction)
        objective.remember(theta, raw)
    terms = _terms(objective, theta, order).scaled(share)
    raw = objective.raw_prediction(theta)
    # The fit's separation screen (``lazy_record``): O(n) beside the pass.
    if order >= GRADIENT:
        terms.widest_margin = widest_margin(raw, y_index, weight)
    terms.column_bound = bound
    kept = KeptBlock.of(
        raw, raw_direction, y_index, weight, model, weighted=weight_block is not None
    )
    return kept, terms


def _checked_column_bound(X: np.ndarray, weight: FloatArray) -> FloatArray:
    """``column_bound(X, weight)``, raising scikit-learn's error if ``X``
    holds NaN or infinity (in any row, weighted or not).

    The columns' maxima and minima over all rows are finite exactly when
    every value is (NaN and infinities reach them), so the check and the
    bound share two reductions, where a check of its own would read the
    block once more.
    """
    high, low = X.max(axis=0, initial=-np.inf), X.min(axis=0, initial=np.inf)
    if not (np.all(np.isfinite(high)) and np.all(np.isfinite(low))):
        assert_all_finite(X, input_name="X")  # raises, naming NaN or infinity
    if len(X) and np.all(weight > 0):
        return np.maximum(high, -low).astype(np.float64)
    return column_bound(X, weight)


def combine(sources: tuple[Kept, ...], recipe: tuple[tuple[float, str], ...]) -> FloatArray:
    """``sum_j c_j * sources[j].<field_j>``: a raw prediction from kept arrays
    (the unit is linear in theta, so z of a linear combination of points is
    the same combination of their z's)."""
    total: FloatArray | None = None
    for source, (coefficient, field) in zip(sources, recipe, strict=True):
        assert source is not None
        part = getattr(source, field)
        assert part is not None
        total = coefficient * part if total is None else total + coefficient * part
    assert total is not None
    return total


def hessian_on_columns(
    X_block: Any,
    y_block: Any,
    weight_block: Any,
    model: BlockModel,
    theta: FloatArray,
    columns: np.ndarray,
) -> tuple[None, FloatArray | float]:
    """The block's share of the data Hessian on some columns of ``W`` (see
    ``LogisticObjective.hessian_on_columns``), for many parameters, where a
    working-set block costs less than the dense Hessian."""
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = encoded(model, len(X), y_block, weight_block)
    built = _block_objective(model, ArrayData(X), y_index, weight)
    if built is None:
        return None, 0.0
    objective, share = built
    _, hessian = objective.hessian_on_columns(theta, columns)
    return None, share * hessian


def move_along_line(
    kept: Kept,
    model: BlockModel,
    theta: FloatArray,
    direction: FloatArray,
    offset: float,
    with_derivative: bool,
) -> tuple[None, BlockTerms]:
    """``phi(offset)`` (and ``phi'``) along ``d`` from a kept block at ``theta``.

    O(n), and it reads neither ``X`` nor ``y``: the in-memory
    ``LineFunction`` does the work on the kept ``z``, handed the kept
    ``X~ @ d`` instead of computing it.
    """
    if kept is None:
        return None, BlockTerms()
    data = NoLocalData(len(kept.y_index), model.n_features, model.dtype)
    built = _block_objective(model, data, kept.y_index, kept.weight(model))
    if built is None:
        return None, BlockTerms()
    objective, share = built
    objective.remember(theta, kept.raw)
    line = LineFunction(objective, theta, direction, raw_direction=kept.raw_direction)
    if with_derivative:
        value, slope = line.value_derivative(offset)
        return None, BlockTerms(value, derivative=slope).scaled(share)
    return None, BlockTerms(line.value(offset)).scaled(share)


def hessian_product(
    X_block: Any, kept: Kept, model: BlockModel, theta: FloatArray, vector: FloatArray
) -> tuple[None, FloatArray | float]:
    """The block's share of ``H_data(theta) @ vector``, from the kept ``z``.

    Used only for many parameters, where a dense Hessian would cost more
    than a few passes; the in-memory closure computes one ``X.T @ r`` for
    the gradient it does not need here, a price accepted to keep one
    implementation of the product.
    """
    if kept is None:
        return None, 0.0
    X = as_block_matrix(X_block, model.dtype)
    built = _block_objective(model, ArrayData(X), kept.y_index, kept.weight(model))
    if built is None:
        return None, 0.0
    objective, share = built
    objective.remember(theta, kept.raw)
    _, _, hessp = objective.value_gradient_hessp(theta)
    return None, share * hessp(vector)
