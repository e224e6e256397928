"""What the block tasks exchange with the client: the small model every
task is sent, the arrays a task leaves on its worker, and the partial sums
it returns (see ``block_terms`` for the tasks themselves).

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
from sklearn.utils.multiclass import check_classification_targets

from .._numerics import FloatArray
from .._validation import class_index, class_weight_vector, encode_labels
from ..backends.dask_backend import as_block_vector
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy

# What a task evaluates, in increasing cost. HESSP is the gradient plus ``z``
# kept on the worker, from which Hessian-vector products follow.
VALUE, GRADIENT, HESSP, HESSIAN = 0, 1, 2, 3


@dataclass(frozen=True)
class BlockModel:
    """What every block task must know beyond its rows (small; sent with each).

    ``classes`` sorted labels; ``class_weight`` one multiplier per class;
    ``total_weight`` the sum ``S`` of all weights, class weights included.
    """

    classes: np.ndarray
    class_weight: FloatArray
    n_features: int
    fit_intercept: bool
    dtype: np.dtype
    total_weight: float

    @classmethod
    def of_labels(
        cls, stats: LabelStats, class_weight: Any, n_features: int, fit_intercept: bool,
        dtype: np.dtype,
    ) -> BlockModel:
        """The model of the labels ``stats`` counted, with the estimator's
        ``class_weight`` (``None``, ``"balanced"`` or a dict); a ``ValueError``
        for labels that cannot be fitted (one class with weight, no weight)."""
        check_classification_targets(stats.labels)
        classes, _ = encode_labels(stats.labels)
        class_weight = class_weight_vector(class_weight, classes, stats.weight_sums)
        weight_sums = stats.weight_sums * class_weight
        total_weight = float(np.sum(weight_sums))
        if total_weight <= 0:
            raise ValueError("The sample weights sum to zero: there is nothing to fit.")
        if np.count_nonzero(weight_sums) < 2:
            raise ValueError(
                "Logistic regression needs samples of at least 2 classes with non-zero "
                f"weight; got only class {classes[np.flatnonzero(weight_sums)[0]]!r}."
            )
        return cls(classes, class_weight, n_features, fit_intercept, dtype, total_weight)

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
        weight = weight_block_values(weight_block, len(y_index), like="X")
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
    that was not asked for (or a block without weight).

    Two maxima ride along for the fit's separation screen
    (``dask.lazy_record``), combined by maximum: ``column_bound``
    ``max_i |x_ij|`` per column over the weighted rows (from the pass that
    checks ``X``'s values; ``None`` from the others), and ``widest_margin``,
    over the weighted rows at the evaluated point, ``z_i`` signed towards the
    row's class (one sigmoid neuron) or ``max_k z_ik - min_k z_ik`` (softmax):
    how far a probability is from underflowing (``-inf`` when not computed).
    """

    value: float = 0.0
    gradient: FloatArray | float = 0.0
    hessian: FloatArray | float = 0.0
    derivative: float = 0.0
    column_bound: FloatArray | None = None
    widest_margin: float = -np.inf

    def __add__(self, other: BlockTerms) -> BlockTerms:
        bound = self.column_bound if other.column_bound is None else (
            other.column_bound if self.column_bound is None
            else np.maximum(self.column_bound, other.column_bound)
        )
        return BlockTerms(
            self.value + other.value,
            self.gradient + other.gradient,
            self.hessian + other.hessian,
            self.derivative + other.derivative,
            bound,
            max(self.widest_margin, other.widest_margin),
        )

    def scaled(self, share: float) -> BlockTerms:
        return BlockTerms(
            share * self.value,
            share * self.gradient,
            share * self.hessian,
            share * self.derivative,
            self.column_bound,
            self.widest_margin,
        )


@dataclass
class Evaluation:
    """What one graph over all the blocks returned about one point ``theta``,
    the penalty added on the client."""

    theta: FloatArray
    order: int
    value: float
    gradient: FloatArray | None = None
    hessian: FloatArray | None = None
    kept: list[Any] | None = None  # per-block KeptBlock handles on the workers
    widest_margin: float = -np.inf  # BlockTerms.widest_margin of all the blocks


@dataclass
class LabelStats:
    """Labels seen, with their counts, weight sums and counts of rows of
    positive weight (the pre-pass over y)."""

    labels: np.ndarray
    counts: np.ndarray
    weight_sums: FloatArray
    n_rows: int = 0
    positive_counts: np.ndarray | None = None

    def __add__(self, other: LabelStats) -> LabelStats:
        labels, inverse = np.unique(
            np.concatenate([self.labels, other.labels]), return_inverse=True
        )

        def merged(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
            return np.bincount(
                inverse, weights=np.concatenate([mine, theirs]), minlength=len(labels)
            )

        positive = None
        if self.positive_counts is not None and other.positive_counts is not None:
            positive = merged(self.positive_counts, other.positive_counts).astype(np.int64)
        return LabelStats(
            labels, merged(self.counts, other.counts).astype(np.int64),
            np.asarray(merged(self.weight_sums, other.weight_sums), dtype=np.float64),
            self.n_rows + other.n_rows, positive,
        )

    def n_weighted_rows(self, class_weight: FloatArray) -> int:
        """Rows whose weight times their class's weight is positive (the
        labels in the classes' order, ``class_weight`` one per class)."""
        assert self.positive_counts is not None
        return int(self.positive_counts[np.asarray(class_weight) > 0].sum())


def weight_block_values(weight_block: Any, n_rows: int, like: str) -> FloatArray:
    """One block of ``sample_weight`` as float64, checked: finite, non-negative,
    and as long as its block of labels (``like`` names the collection it
    must be partitioned like, for the message)."""
    weight = as_block_vector(weight_block).astype(np.float64)
    if not np.all(np.isfinite(weight)):
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if np.any(weight < 0):
        raise ValueError("Negative values in data passed to `sample_weight`.")
    if len(weight) != n_rows:
        raise ValueError(
            f"a block of sample_weight has {len(weight)} values but the matching "
            f"block of y has {n_rows}; partition sample_weight like {like}."
        )
    return weight


def label_stats(y_block: Any, weight_block: Any) -> tuple[None, LabelStats]:
    """Distinct labels of a block, how often each occurs and its weight sum."""
    y = as_block_vector(y_block)
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    if weight_block is None:
        weight: FloatArray = np.ones(len(y))
    else:
        weight = weight_block_values(weight_block, len(y), like="y")
    inverse = inverse.ravel()
    sums = np.asarray(
        np.bincount(inverse, weights=weight, minlength=len(labels)), dtype=np.float64
    )
    positive = np.bincount(inverse, weights=weight > 0, minlength=len(labels))
    return None, LabelStats(labels, counts, sums, len(y), positive.astype(np.int64))
