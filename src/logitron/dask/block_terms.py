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

Conventions
-----------
``X_block``, ``y_block``, ``weight_block``: one row block of ``X`` (NumPy array
or pandas partition), raw labels, raw sample weights (or ``None``).
A ``KeptBlock`` is what a task leaves on its worker for later tasks: the raw
prediction ``z`` at the evaluated point, ``X~ @ d`` for a line-search
direction ``d`` (intercept included), the encoded labels and the weights, so
that a later trial step reads nothing but these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import assert_all_finite

from .._numerics import FloatArray
from .._validation import class_index
from ..backends.dask_backend import NoLocalData, as_block_matrix, as_block_vector
from ..backends.numpy_backend import ArrayData
from ..inference.separation import classifies_every_row
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from ..neuron import LinearUnit
from ..objective import LineFunction, LogisticObjective

# What a task evaluates, in increasing cost. HESSP is the gradient plus ``z``
# kept on the worker, from which Hessian-vector products follow.
VALUE, GRADIENT, HESSP, HESSIAN = 0, 1, 2, 3


@dataclass(frozen=True)
class BlockModel:
    """What every block task must know beyond its rows (small; sent with each).

    ``classes`` sorted labels; ``class_weight`` one multiplier per class;
    ``total_weight`` the sum ``S`` of all weights, class weights included;
    ``checks_separation``: every evaluation also tells whether its point
    classifies every weighted row right (an unpenalised fit's separation
    check, from the ``z`` the pass computes anyway).
    """

    classes: np.ndarray
    class_weight: FloatArray
    n_features: int
    fit_intercept: bool
    dtype: np.dtype
    total_weight: float
    checks_separation: bool = False

    @property
    def n_outputs(self) -> int:
        return 1 if len(self.classes) == 2 else len(self.classes)

    def loss(self) -> BinaryCrossEntropy | SoftmaxCrossEntropy:
        return BinaryCrossEntropy() if self.n_outputs == 1 else SoftmaxCrossEntropy()

    def encode(self, y_block: Any) -> np.ndarray:
        """Labels to class indices; a label outside ``classes`` is an error."""
        return class_index(self.classes, as_block_vector(y_block))

    def weights(self, y_index: np.ndarray, weight_block: Any) -> FloatArray:
        """Sample weights times class weights for one block."""
        if weight_block is None:
            return self.class_weight[y_index]
        weight = as_block_vector(weight_block).astype(np.float64)
        check_sample_weight_block(weight)
        if len(weight) != len(y_index):
            raise ValueError(
                f"a block of sample_weight has {len(weight)} values but the matching "
                f"block of y has {len(y_index)}; partition sample_weight like X."
            )
        return weight * self.class_weight[y_index]


@dataclass(frozen=True)
class KeptBlock:
    """n-sized arrays of one block kept on its worker between graphs.

    Worker memory is the scarce resource, so the labels are kept in the
    smallest integer type and the weights only when sample weights were
    given (otherwise they are the class weights of the labels).
    """

    raw: FloatArray
    raw_direction: FloatArray | None
    y_index: np.ndarray
    sample_weight: FloatArray | None

    @classmethod
    def of(
        cls,
        raw: FloatArray,
        raw_direction: FloatArray | None,
        y_index: np.ndarray,
        weight: FloatArray,
        model: BlockModel,
        weighted: bool,
    ) -> KeptBlock:
        labels = y_index.astype(np.min_scalar_type(len(model.classes)))
        return cls(raw, raw_direction, labels, weight if weighted else None)

    def weight(self, model: BlockModel) -> FloatArray:
        if self.sample_weight is not None:
            return self.sample_weight
        return model.class_weight[self.y_index]


Kept = KeptBlock | None


@dataclass
class BlockTerms:
    """Partial sums of one block (or of several, once added).

    ``value``, ``gradient``, ``hessian`` of ``J_data``; ``derivative`` the
    slope ``phi'(t)`` of ``J_data`` along a line. ``0.0`` stands for a term
    that was not asked for (or a block without weight). ``misclassified``
    counts blocks with a weighted row on the wrong side at the point (when
    ``BlockModel.checks_separation``).
    """

    value: float = 0.0
    gradient: FloatArray | float = 0.0
    hessian: FloatArray | float = 0.0
    derivative: float = 0.0
    misclassified: int = 0

    def __add__(self, other: BlockTerms) -> BlockTerms:
        return BlockTerms(
            self.value + other.value,
            self.gradient + other.gradient,
            self.hessian + other.hessian,
            self.derivative + other.derivative,
            self.misclassified + other.misclassified,
        )

    def scaled(self, share: float) -> BlockTerms:
        return BlockTerms(
            share * self.value,
            share * self.gradient,
            share * self.hessian,
            share * self.derivative,
            self.misclassified,
        )


@dataclass
class LabelStats:
    """Labels seen, with their counts and weight sums (the pre-pass over y)."""

    labels: np.ndarray
    counts: np.ndarray
    weight_sums: FloatArray
    n_rows: int = 0

    def __add__(self, other: LabelStats) -> LabelStats:
        labels, inverse = np.unique(
            np.concatenate([self.labels, other.labels]), return_inverse=True
        )
        counts = np.bincount(
            inverse, weights=np.concatenate([self.counts, other.counts]),
            minlength=len(labels),
        )
        sums = np.asarray(np.bincount(
            inverse, weights=np.concatenate([self.weight_sums, other.weight_sums]),
            minlength=len(labels),
        ), dtype=np.float64)
        return LabelStats(labels, counts.astype(np.int64), sums, self.n_rows + other.n_rows)


def check_sample_weight_block(weight: FloatArray) -> None:
    if not np.all(np.isfinite(weight)):
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if np.any(weight < 0):
        raise ValueError("Negative values in data passed to `sample_weight`.")


def label_stats(y_block: Any, weight_block: Any) -> tuple[None, LabelStats]:
    """Distinct labels of a block, how often each occurs and its weight sum."""
    y = as_block_vector(y_block)
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    if weight_block is None:
        weight = np.ones(len(y))
    else:
        weight = as_block_vector(weight_block).astype(np.float64)
        check_sample_weight_block(weight)
        if len(weight) != len(y):
            raise ValueError(
                f"a block of sample_weight has {len(weight)} values but the matching "
                f"block of y has {len(y)}; partition sample_weight like y."
            )
    sums = np.asarray(
        np.bincount(inverse.ravel(), weights=weight, minlength=len(labels)), dtype=np.float64
    )
    return None, LabelStats(labels, counts, sums, len(y))


def _encoded(
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
    unit = LinearUnit(data, model.n_outputs, model.fit_intercept)
    objective = LogisticObjective(unit, model.loss(), y_index, weight, C=np.inf)
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
    if check_finite:
        assert_all_finite(X, input_name="X")
    y_index, weight = _encoded(model, len(X), y_block, weight_block)
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
    if model.checks_separation:
        terms.misclassified = int(not classifies_every_row(raw, y_index, weight))
    kept = KeptBlock.of(
        raw, raw_direction, y_index, weight, model, weighted=weight_block is not None
    )
    return kept, terms


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
    y_index, weight = _encoded(model, len(X), y_block, weight_block)
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


def sample_rows(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel, max_rows: int
) -> tuple[np.ndarray, np.ndarray, FloatArray]:
    """At most ``max_rows`` rows of one block, evenly strided through it (a
    block sorted by time or by class still gives rows from all its span):
    ``(X, class indices, weights with class weights)``."""
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = _encoded(model, len(X), y_block, weight_block)
    stride = max(1, -(-len(X) // max_rows))
    if stride == 1:
        return X, y_index, weight
    return np.ascontiguousarray(X[::stride]), y_index[::stride], weight[::stride]


def fit_sample(
    parts: list[tuple[np.ndarray, np.ndarray, FloatArray]],
    model: BlockModel,
    C: float,
    l1_ratio: float,
    solver: str,
) -> tuple[None, FloatArray | None]:
    """theta of the in-memory fit of the rows ``sample_rows`` took from a few
    blocks, or ``None`` when it would be a poor start (a class missing, no
    weight, or any warning: separation, no convergence).

    The sample's problem has the penalty per unit of weight of the whole
    one, ``1/(C_s S_s) = 1/(C S)``: its optimum estimates the full optimum
    from the sample's rows alone.
    """
    import warnings

    from .._partial_fit import theta_from_coefficients
    from ..estimator import LogisticRegression

    X = np.concatenate([part[0] for part in parts])
    y_index = np.concatenate([part[1] for part in parts])
    weight = np.concatenate([part[2] for part in parts])
    sample_weight = float(np.sum(weight))
    if sample_weight <= 0 or len(np.unique(y_index[weight > 0])) < len(model.classes):
        return None, None
    estimator = LogisticRegression(
        C=C * model.total_weight / sample_weight, l1_ratio=l1_ratio,
        fit_intercept=model.fit_intercept, solver=solver,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            # Only the coefficients are wanted: no statistics (an unpenalised
            # record's Gram products, certificate or separation programs
            # would cost a small worker its memory). All classes are in the
            # sample (checked above), so y_index already indexes them.
            estimator._fit_arrays(
                X, y_index, np.arange(len(model.classes)), weight, statistics=False
            )
        except (Warning, ArithmeticError):
            return None, None
    if np.isposinf(C) and estimator._separates(X, y_index, weight):
        return None, None  # a separating sample: its fit diverges, no start
    unit = LinearUnit(
        NoLocalData(len(X), model.n_features, model.dtype), model.n_outputs,
        model.fit_intercept,
    )
    return None, theta_from_coefficients(estimator, unit)


def count_misclassified(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel, estimator: Any
) -> tuple[None, int]:
    """1 if the fitted ``estimator`` misclassifies a weighted row of the
    block, else 0 (the separation test of the in-memory estimator, per block)."""
    y_index = model.encode(y_block)
    weight = model.weights(y_index, weight_block)
    return None, int(not estimator._separates(X_block, y_index, weight))
