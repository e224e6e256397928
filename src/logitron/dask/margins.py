"""Marginal effects of a Dask fit, from block sums.

The average marginal effect and its Jacobian in the parameters are linear in
the averaging weights ``a_i = s_i / sum(s)`` (``inference.margins``)::

    effect   = sum_i a_i * effect(x~_i)
    jacobian = sum_i a_i * d effect(x~_i) / d params

so each block computes both with ``a_i = s_i`` by the in-memory code, and the
client adds them and divides by ``sum(s)``: one pass. Effects at the means
or at zero need the weighted column means (or which columns are all ones)
first: one pass for those, then the in-memory formula at that single row.
Dummy and count columns are found from each column's minimum, maximum and
whether it holds whole numbers, a pass of their own (as statsmodels'
``get_margeff``). ``at="median"`` (not a sum) and ``at="all"`` (per row) are
not available on Dask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..inference import margins
from .rows import RowSpec, block_data

AT = ("overall", "mean", "zero")


@dataclass
class ColumnSums:
    """Per design column: weighted sum, minimum, maximum, and whether every
    value is a whole number; and the weight of the rows."""

    weighted: FloatArray
    weight: float
    low: FloatArray
    high: FloatArray
    whole: np.ndarray

    def __add__(self, other: ColumnSums) -> ColumnSums:
        return ColumnSums(
            self.weighted + other.weighted, self.weight + other.weight,
            np.minimum(self.low, other.low), np.maximum(self.high, other.high),
            self.whole & other.whole,
        )


@dataclass
class EffectSums:
    """A block's ``sum_i s_i * effect`` and its Jacobian, and ``sum_i s_i``."""

    effects: FloatArray
    jacobian: FloatArray
    weight: float

    def __add__(self, other: EffectSums) -> EffectSums:
        return EffectSums(
            self.effects + other.effects, self.jacobian + other.jacobian,
            self.weight + other.weight,
        )


def column_block(
    X_block: Any, y_block: Any, weight_block: Any, spec: RowSpec
) -> tuple[None, ColumnSums]:
    """The block's ``ColumnSums`` of the design ``[1, X]``."""
    data = block_data(X_block, y_block, weight_block, spec)
    design = data.design
    if len(design) == 0:
        width = design.shape[1]
        return None, ColumnSums(np.zeros(width), 0.0, np.full(width, np.inf),
                                np.full(width, -np.inf), np.ones(width, dtype=bool))
    return None, ColumnSums(
        data.weight @ design, float(np.sum(data.weight)), design.min(axis=0),
        design.max(axis=0), np.all(design % 1.0 == 0, axis=0),
    )


def effect_block(
    X_block: Any, y_block: Any, weight_block: Any, spec: RowSpec,
    columns: list[int], kinds: list[str], method: str, at_values: dict[int, float],
) -> tuple[None, EffectSums]:
    """The block's weighted sums of the effects and of their Jacobian."""
    data = block_data(X_block, y_block, weight_block, spec)
    points = data.design.copy() if at_values else data.design
    for column, value in at_values.items():
        points[:, column] = value
    effects, jacobian = margins.averaged_effects(
        points, data.weight, data.params, columns, kinds, method
    )
    return None, EffectSums(effects, jacobian, float(np.sum(data.weight)))


def discrete(total: ColumnSums, columns: list[int]) -> tuple[list[int], list[int]]:
    """Dummy and count columns among ``columns``, as ``margins.discrete_columns``."""
    low, high = total.low, total.high
    whole = [j for j in columns if low[j] >= 0 and high[j] > low[j] and total.whole[j]]
    return margins.discrete_from_ranges(low, high, whole)


def at_row(total: ColumnSums, at: str) -> FloatArray:
    """The single row of ``at="mean"`` (weighted means) or ``"zero"`` (ones
    in the columns that are all ones, such as the intercept)."""
    if at == "mean":
        return total.weighted / total.weight
    return np.where((total.low == 1.0) & (total.high == 1.0), 1.0, 0.0)


def check_at(at: str) -> None:
    """Refuse the choices that are not sums over rows."""
    if at in ("median", "all"):
        raise ValueError(
            f"at={at!r} is not available on Dask: "
            + ("a median is not a sum over row blocks" if at == "median"
               else "effects per row are n-sized")
            + f"; use one of {AT}, or compute a sample in memory."
        )
    if at not in AT:
        raise ValueError(f"at must be one of {AT}; got {at!r}.")
