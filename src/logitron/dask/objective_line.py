"""What the Dask objective does along a line: the ``LineOwner`` side of
``DaskLogisticObjective`` (a mixin; see ``dask.objective``'s module doc for
why the first trial step is a pass over ``X`` and later ones are not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._numerics import FloatArray
from . import group_terms
from .block_model import GRADIENT, VALUE, BlockModel, Evaluation
from .line import DaskLineFunction, PointsOnWorkers

if TYPE_CHECKING:
    from ..backends.dask_backend import DaskBlocks
    from ..objective import CoefficientPenalty


class AlongLines:
    """``line``, ``line_value`` and ``remember_on_line`` over the objective's
    one pass (``_evaluate``) and the points it keeps on the workers."""

    blocks: DaskBlocks
    model: BlockModel
    penalty: CoefficientPenalty
    _last: Evaluation | None
    _on_workers: PointsOnWorkers

    def _evaluate(
        self, theta: FloatArray, order: int, direction: FloatArray | None = None
    ) -> Evaluation:
        raise NotImplementedError  # the objective's one pass

    def line(
        self, theta: FloatArray, direction: FloatArray, curvature: bool = False
    ) -> DaskLineFunction:
        """``phi(t) = J(theta + t * direction)``; trial steps after the first
        cost O(n) on the workers and no pass over ``X``."""
        # The previous line's kept arrays can go.
        self._on_workers.clear()
        return DaskLineFunction(self, theta, direction)

    def value_noise(self, value: float) -> float:
        """Rounding level of ``J`` near ``value``: smaller changes are noise."""
        return 64 * float(np.finfo(self.model.dtype).eps) * max(abs(value), 1e-3)

    def line_value(
        self, line: DaskLineFunction, step: float, with_derivative: bool
    ) -> tuple[float, float]:
        """``(phi(t), phi'(t))`` along ``line`` (``phi'`` only if asked; else 0.0)."""
        theta = line.at(step)
        order = GRADIENT if with_derivative else VALUE
        last = self._last
        if last is not None and last.order >= order and np.array_equal(last.theta, theta):
            return last.value, (
                float(last.gradient @ line.direction) if last.gradient is not None else 0.0
            )
        if line.kept is None:
            # First trial: one pass over X for z(theta + t d), X~ @ d and the
            # speculated derivatives; z and X~ @ d stay on the workers.
            self._on_workers.mark_first_trial(theta, line, step)
            evaluation = self._evaluate(theta, order)
            slope = 0.0
            if evaluation.gradient is not None:
                slope = float(evaluation.gradient @ line.direction)
            return evaluation.value, slope
        # Later trials: move z along X~ @ d on the workers, O(n), reading
        # only what the first trial kept there.
        offset = step - line.anchor_step
        terms, _ = self.blocks.map_sum(
            group_terms.move_along_line,
            [(kept,) for kept in line.kept],
            (self.model, line.anchor_theta, line.direction, offset, with_derivative),
            reads_X=False,
        )
        value = float(terms.value) + self.penalty.value(theta)
        slope = float(terms.derivative)
        if with_derivative:
            slope += self.penalty.slope(theta, line.direction)
        self._on_workers.know(theta, line.raw_at(step))
        return value, slope

    def remember_on_line(self, theta: FloatArray, line: DaskLineFunction, step: float) -> None:
        """``theta = line.at(step)`` is the solver's next point: its ``z`` is
        known to the workers (a later trial) or will be (the first trial)."""
        if line.kept is not None:
            self._on_workers.know(theta, line.raw_at(step))
        elif not self._on_workers.is_first_trial(theta):
            self._on_workers.only_first_trial(theta, line, step)
