"""The logistic objective over data on a Dask cluster, for the same solvers.

``DaskLogisticObjective`` answers every method of the ``Objective`` protocol
with the same numbers as the in-memory ``LogisticObjective`` (see
``logitron.objective`` for the formulas). The n-sized work of each call runs
block by block (``block_terms``) in a few tasks, each over a group of blocks
(``block_groups``, ``group_terms``); the client adds the groups' partial
sums, adds the penalty, and keeps the small solver state.

One graph per solver iteration
------------------------------
A solver asks, in turn, for derivatives at ``theta`` and for values along a
line ``theta + t d``. Asked naively that is two passes over ``X`` per
iteration (one for the derivatives, one for ``X @ d``), plus round trips.
This objective makes it one:

1. Every evaluation at a new point computes the derivatives the solver
   asked for last (*speculation*): the first trial step of a line search
   (``t = 1`` for Newton and L-BFGS, usually accepted) already returns the
   gradient and Hessian the next iteration needs, so the solver's next
   ``value_gradient_hessian`` is answered from the cache.
2. That first trial computes ``z(theta + t d)`` and ``X~ @ d`` from one
   product with ``X`` and leaves both on the workers. Further trial steps
   move ``z + t X~ @ d`` there, in O(n) and without reading ``X``; the
   derivatives at an accepted later step read ``X`` once more, for the
   backward pass only.

Each evaluation recomputes ``z`` from ``X`` and ``theta`` (never from the
previous iterate's ``z``), so the graph of any kept group is at most two
tasks deep above ``X`` (or above the files its task reads): a worker lost
mid-fit costs the scheduler one recomputation of its groups, not a replay
of the whole fit.

The proximal solvers (L1 and elastic net) ask for the same things plus:

- ``hessian_on_columns`` (proximal Newton's working-set Hessian): cut from
  the dense Hessian that the first trial step speculated, so a proximal
  Newton iteration is one graph too; above ``DENSE_HESSIAN_MAX_PARAMS`` one
  more graph forms the block alone;
- ``raw_prediction`` / ``remember`` (FISTA extrapolates ``z`` instead of
  reading ``X``): the ``z`` handed out is a ``RawOnWorkers``, a linear
  combination of arrays kept on the workers, and an evaluation at a
  remembered point does only the backward pass. A FISTA iteration is two
  graphs (the forward pass at the trial point, the backward pass at the
  extrapolated one), since the prox step between them needs the full
  gradient.

Hessian-vector products (trust-region Newton-CG) come from the dense Hessian
of the same pass while ``n_params <= DENSE_HESSIAN_MAX_PARAMS`` (cheaper than
a pass over ``X`` per conjugate-gradient step); above, one graph each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._numerics import FloatArray
from ..backends.dask_backend import DaskBlocks, NoLocalData
from ..neuron import LinearUnit
from ..objective import CoefficientPenalty
from ..objective.curvature import hessian_cost
from . import block_terms, group_terms
from .block_groups import BlockGroups
from .block_model import (
    GRADIENT,
    HESSIAN,
    HESSP,
    VALUE,
    BlockModel,
    BlockTerms,
    Evaluation,
    LabelStats,
)
from .line import PointsOnWorkers, RawOnWorkers
from .objective_line import AlongLines

# A dense Hessian adds O(n p^2) flops to the one pass; distributed products
# cost a pass over X (a read of the data, O(n p)) per conjugate-gradient step.
# For data read from storage the reads dominate until p reaches the
# thousands; at 1024 each block's (p, p) partial sum is still only 8 MB.
DENSE_HESSIAN_MAX_PARAMS = 1024


class DaskLogisticObjective(AlongLines):
    """Penalised, weighted cross-entropy of a linear unit over row blocks.

    Parameters
    ----------
    blocks : DaskBlocks
        ``X``, ``y`` and sample weights, block by block.
    model : BlockModel
        Classes, class weights, layout and the total weight ``S``.
    n_samples : float
        Number of rows (``nan`` if unknown); informational.
    C : float
        Inverse penalty strength, > 0; ``np.inf`` for no penalty.
    l1_ratio : float
        Share of L1 in the elastic-net penalty, in [0, 1].

    Attributes
    ----------
    unit : LinearUnit
        The parameter layout (over ``NoLocalData``: it has no ``X``).
    graphs_submitted, data_passes : int
        Graphs sent to the scheduler, and how many of them read ``X``.
    """

    def __init__(
        self,
        blocks: DaskBlocks,
        model: BlockModel,
        n_samples: float,
        C: float = 1.0,
        l1_ratio: float = 0.0,
    ) -> None:
        self.blocks = blocks
        self.model = model
        self.unit = LinearUnit(
            NoLocalData(n_samples, model.n_features, model.dtype),
            model.n_outputs, model.fit_intercept,
        )
        self.loss = model.loss()
        self.scale = C * model.total_weight
        self.penalty = CoefficientPenalty(self.unit, 1.0 / self.scale, l1_ratio)
        self.n_params = self.unit.n_params
        self.n_samples = self.unit.data.n_samples
        self.eps = float(np.finfo(model.dtype).eps)
        self._speculate = VALUE
        self._last: Evaluation | None = None
        self._on_workers = PointsOnWorkers()
        # Set once a solver asks for z itself (raw_prediction): from then on
        # every evaluation keeps its z on the workers.
        self._keep_raw = False
        self._check_finite = True
        self._groups: BlockGroups | None = None
        #: The start drawn from a sample with the labels (``sample_start``),
        #: and the labels' counts (``inputs.training_problem``).
        self.sample_theta: FloatArray | None = None
        self.label_stats: LabelStats | None = None
        #: ``max_i |x_ij|`` per column over the weighted rows, from the pass
        #: that checked ``X``'s values (``BlockTerms.column_bound``).
        self.column_bound: FloatArray | None = None

    @property
    def groups(self) -> BlockGroups:
        """The blocks gathered into a few tasks per pass (``block_groups``)."""
        if self._groups is None:
            self._groups = BlockGroups.of(self.blocks)
        return self._groups

    @property
    def graphs_submitted(self) -> int:
        return self.blocks.graphs_submitted

    @property
    def data_passes(self) -> int:
        return self.blocks.data_passes

    # -- the one pass ------------------------------------------------------
    def _evaluate(
        self, theta: FloatArray, order: int, direction: FloatArray | None = None
    ) -> Evaluation:
        """Value and derivatives at ``theta`` up to ``max(order, speculated)``,
        from the cache or from one graph over the blocks."""
        order = max(order, self._speculate)
        last = self._last
        if last is not None and last.order >= order and np.array_equal(last.theta, theta):
            return last
        key = theta.tobytes()
        groups = self.groups
        sources: list[tuple[Any, ...]] = [()] * groups.n_groups
        recipe: tuple[tuple[float, str], ...] = ()
        first_trial = self._on_workers.pop_first_trial(key) if direction is None else None
        known = self._on_workers.raw(key)
        if first_trial is not None:
            direction = first_trial[0].direction
        elif direction is None and known is not None:
            # z is a combination of arrays on the workers: no forward pass.
            sources, recipe = known.per_block(), known.recipe()
        keep = direction is not None or order == HESSP or self._keep_raw
        # Let the previous point's kept arrays go before new ones arrive.
        self._last = None
        terms, kept = self.blocks.map_sum(
            group_terms.evaluate,
            list(zip(groups.sources, sources, strict=True)),
            (self.model, theta, order, direction, recipe, self._check_finite),
            keep=keep,
        )
        self._check_finite = False
        evaluation = self._with_penalty(theta, order, terms, kept)
        self._last = evaluation
        if first_trial is not None:
            first_trial[0].anchor(first_trial[1], kept)
        if self._keep_raw and kept is not None and known is None:
            self._on_workers.know(theta, RawOnWorkers.of(kept))
        return evaluation

    def _with_penalty(
        self, theta: FloatArray, order: int, terms: BlockTerms, kept: list[Any] | None
    ) -> Evaluation:
        """Add the penalty's value and derivatives to the data terms (the
        same sums as ``LogisticObjective``)."""
        if terms.column_bound is not None:
            self.column_bound = np.asarray(terms.column_bound, dtype=np.float64)
        value = float(terms.value) + self.penalty.value(theta)
        evaluation = Evaluation(
            np.array(theta, copy=True), order, value, kept=kept,
            widest_margin=float(terms.widest_margin),
        )
        if order >= GRADIENT:
            gradient = np.array(terms.gradient, dtype=np.float64)
            self.penalty.add_gradient(theta, gradient)
            evaluation.gradient = gradient
        if order == HESSIAN:
            hessian = np.array(terms.hessian, dtype=np.float64)
            hessian[np.diag_indices_from(hessian)] += self.penalty.hessian_diagonal()
            evaluation.hessian = hessian
        return evaluation

    def last_evaluation(self) -> Evaluation | None:
        """What the last pass computed (its point, value and the derivatives
        it has), or None."""
        return self._last

    def release_workers(self) -> None:
        """Let go of every array kept on the workers (the last point's ``z``,
        a line's ``X~ @ d``): the fit is over."""
        self._last = None
        self._on_workers.clear()

    # -- the Objective protocol ----------------------------------------------
    def value(self, theta: FloatArray) -> float:
        """``J(theta)`` without the L1 term (see ``nonsmooth_value``)."""
        return self._evaluate(theta, VALUE).value

    def value_gradient(
        self, theta: FloatArray, keep_curvature: bool = False
    ) -> tuple[float, FloatArray]:
        """``(J, dJ/dtheta)`` from one pass over the blocks. (``keep_curvature``
        asks for the Hessian in the same graph: a second-order solver that
        hints so asks for it next, and on a cluster a second pass costs a
        second round trip.)"""
        self._speculate = HESSIAN if keep_curvature else GRADIENT
        evaluation = self._evaluate(theta, GRADIENT)
        assert evaluation.gradient is not None
        return evaluation.value, evaluation.gradient.copy()

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """``(J, gradient, Hessian)`` from one pass; the Hessian dense (p, p)."""
        self._speculate = HESSIAN
        evaluation = self._evaluate(theta, HESSIAN)
        assert evaluation.gradient is not None
        assert evaluation.hessian is not None
        return evaluation.value, evaluation.gradient.copy(), evaluation.hessian.copy()

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]:
        """``(J, gradient, v -> H @ v)``: a product with the dense Hessian of the
        same pass for up to ``DENSE_HESSIAN_MAX_PARAMS`` parameters, else one
        graph per product over the ``z`` kept on the workers."""
        if self.n_params <= DENSE_HESSIAN_MAX_PARAMS:
            value, gradient, hessian = self.value_gradient_hessian(theta)
            return value, gradient, lambda vector: hessian @ vector
        self._speculate = HESSP
        evaluation = self._evaluate(theta, HESSP)
        assert evaluation.gradient is not None
        assert evaluation.kept is not None
        kept, point = evaluation.kept, evaluation.theta
        penalty_diagonal = self.penalty.hessian_diagonal()

        def hessp(vector: FloatArray) -> FloatArray:
            product, _ = self.blocks.map_sum(
                group_terms.hessian_product,
                list(zip(self.groups.sources, kept, strict=True)),
                (self.model, point, np.asarray(vector, dtype=np.float64)),
            )
            return np.asarray(product, dtype=np.float64) + penalty_diagonal * vector

        return evaluation.value, evaluation.gradient.copy(), hessp

    def gradient_floor(self) -> float:
        """Max-norm of the gradient below which it is rounding noise (as the
        in-memory objective's, for unit-scale features)."""
        return 2 * float(np.finfo(self.model.dtype).eps)

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray:
        """Diagonal of the Hessian (L-BFGS's preconditioner), from the one-pass
        Hessian of the blocks."""
        return np.diag(self.value_gradient_hessian(theta)[2]).copy()

    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term ``r/(C S) ||coef||_1`` (0 for a smooth objective)."""
        return self.penalty.nonsmooth_value(theta)

    def prox(self, theta: FloatArray, step: float) -> FloatArray:
        """Proximal step of the L1 term on the coefficients; intercept untouched."""
        return self.penalty.prox(theta, step)

    def null_space(self) -> FloatArray | None:
        """Directions along which ``J`` is constant (softmax); see
        ``LinearUnit.null_space``."""
        return self.penalty.null_space()

    def hessian_cost(self) -> float:
        """A Hessian's cost in passes as in memory for as many rows
        (``curvature.hessian_cost``), so that Newton takes the same steps
        here; by the flops alone where the number of rows is unknown."""
        if not np.isfinite(self.n_samples):
            return hessian_cost(self.n_params)
        return hessian_cost(self.n_params, self.n_samples * self.n_params)

    def parameter_bound(self) -> FloatArray | None:
        """``column_bound`` in theta's layout (1 for the intercept): with it
        Newton's last step needs no pass to confirm convergence
        (``solvers.newton_certificate``). None for softmax, and before the
        pass that checks ``X``'s values gave the column bounds."""
        if self.unit.n_outputs > 1 or self.column_bound is None:
            return None
        if self.unit.fit_intercept:
            return np.append(self.column_bound, 1.0)
        return self.column_bound.copy()

    # -- what the proximal solvers add -------------------------------------
    def l1_strengths(self) -> FloatArray:
        """Per-entry L1 weights (see ``CoefficientPenalty.l1_strengths``)."""
        return self.penalty.l1_strengths()

    def parameter_columns(self) -> NDArray[np.intp]:
        """Column of ``W = [coef | intercept]`` of each entry of theta."""
        return self.unit.parameter_columns()

    def hessian_on_columns(
        self, theta: FloatArray, columns: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], FloatArray]:
        """``(index, Hessian of the smooth part on those entries of theta)``,
        as ``LogisticObjective.hessian_on_columns``.

        Up to ``DENSE_HESSIAN_MAX_PARAMS`` parameters the block is cut from
        the dense Hessian, which the line search's first trial step already
        computed (speculation): no graph of its own, so a proximal Newton
        iteration costs one graph. Above, one graph forms the block alone.
        """
        index = np.flatnonzero(np.isin(self.parameter_columns(), columns))
        if self.n_params <= DENSE_HESSIAN_MAX_PARAMS:
            _, _, hessian = self.value_gradient_hessian(theta)
            return index, hessian[np.ix_(index, index)]
        data_hessian, _ = self.blocks.map_sum(
            group_terms.each_block,
            [(sources,) for sources in self.groups.sources],
            (block_terms.hessian_on_columns, self.model, np.asarray(theta, dtype=np.float64),
             np.unique(columns)),
        )
        hessian = np.array(data_hessian, dtype=np.float64)
        hessian[np.diag_indices_from(hessian)] += self.penalty.hessian_diagonal()[index]
        return index, hessian

    def raw_prediction(self, theta: FloatArray) -> RawOnWorkers:
        """``z(theta)``, left on the workers (a handle, see ``RawOnWorkers``).

        From the first call on, every evaluation keeps its ``z``: a solver
        that asks for z's (FISTA) extrapolates them instead of reading ``X``.
        """
        self._keep_raw = True
        known = self._on_workers.raw(theta.tobytes())
        if known is not None:
            return known
        last = self._last
        if last is None or last.kept is None or not np.array_equal(last.theta, theta):
            self._last = None
            last = self._evaluate(theta, VALUE)
        assert last.kept is not None
        raw = RawOnWorkers.of(last.kept)
        self._on_workers.know(theta, raw)
        return raw

    def remember(self, theta: FloatArray, raw: FloatArray | RawOnWorkers) -> None:
        """Take ``z(theta)`` from the solver: a combination of z's the workers
        hold, so the next evaluation at ``theta`` needs no forward pass."""
        if not isinstance(raw, RawOnWorkers):
            raise TypeError(
                "a distributed objective remembers only z's that stay on the workers "
                f"(from its raw_prediction), not {type(raw).__name__}"
            )
        self._on_workers.know(np.asarray(theta, dtype=np.float64), raw)

    def forget_points(self) -> None:
        """Nothing to do: each evaluation lets the last one's arrays go
        before it runs (``_evaluate``)."""
