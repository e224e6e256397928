"""The cost the solvers minimise: loss through the linear unit, plus penalty.

::

    z      = X @ coef.T + intercept + offset                 # the unit
    J(θ)   = (1/S) sum_i s_i * loss(y_i, z_i)
             + 1/(C S) * ((1 - r)/2 ||coef||^2 + r ||coef||_1)

with sample weights ``s`` (class weights folded in), ``S = sum(s)``, penalty
strength ``1/C`` (``C = inf``: no penalty) and ``r = l1_ratio``. The intercept
is never penalised. This is scikit-learn's objective
``C * sum_i s_i loss_i + penalty(coef)`` divided by the constant ``C * S``:
the same minimiser, on the scale of a mean log-loss, so that tolerances mean
the same thing for 100 or 10^7 samples.

Derivatives (backpropagation through the unit)::

    dJ/dz   = s/S * (p - onehot(y))
    dJ/dθ   = unit.backward(dJ/dz) + (1 - r)/(C S) * coef
    d2J/dθ2 = X~.T @ diag(s/S * d2loss/dz2) @ X~ + (1 - r)/(C S) * I_coef

The objective caches the raw prediction ``z`` of the last point it saw, so a
line search that moved along ``z + t * X @ d`` hands its ``z`` (and the loss
it evaluated there) over, and the next gradient costs one pass over ``X``
instead of two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._numerics import FloatArray, accurate_dot
from ..backends import ArrayData, as_data
from ..losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from ..neuron import LinearUnit
from . import curvature as curvature_terms
from .cache import Point, PointCache
from .coef_penalty import CoefficientPenalty
from .line import LineFunction

Loss = BinaryCrossEntropy | SoftmaxCrossEntropy


class LogisticObjective:
    """Penalised, weighted cross-entropy of a linear unit (see module doc).

    Parameters
    ----------
    unit : LinearUnit
        The linear unit over the data.
    loss : BinaryCrossEntropy or SoftmaxCrossEntropy
        Pointwise loss in raw-prediction space.
    y : ndarray of shape (n,)
        Encoded targets: {0, 1} for the binary loss, class indices for softmax.
    sample_weight : ndarray of shape (n,)
        Non-negative weights, class weights included; their sum must be > 0.
    C : float
        Inverse penalty strength, > 0; ``np.inf`` for no penalty.
    l1_ratio : float
        Share of L1 in the elastic-net penalty, in [0, 1].
    offset : ndarray of shape (n,) or None
        A known term added to ``z`` with coefficient 1 (R's ``offset()``,
        statsmodels' ``offset=``); None for none. A direction's ``X @ d``
        never includes it.
    """

    def __init__(
        self,
        unit: LinearUnit,
        loss: Loss,
        y: FloatArray,
        sample_weight: FloatArray,
        C: float = 1.0,
        l1_ratio: float = 0.0,
        offset: FloatArray | None = None,
    ) -> None:
        dtype = unit.data.dtype
        # np.sum without its Python wrapper (3 us).
        total_weight = float(np.add.reduce(sample_weight, axis=None, dtype=np.float64))
        self.unit = unit
        self.loss = loss
        # Labels in the loss's own form, read by every pass (signs 1 - 2 y).
        self.targets = loss.targets(y, dtype)
        self.offset = None if offset is None else np.asarray(offset, dtype=dtype)
        # Normalised weights s/S, in the dtype of X so n-sized work stays there.
        self.weight = np.asarray(sample_weight / total_weight, dtype=dtype)
        self.scale = C * total_weight
        self.penalty = CoefficientPenalty(unit, 1.0 / self.scale, l1_ratio)
        self.n_params = unit.n_params
        self.n_samples = unit.data.n_samples
        # Unit roundoff of the data: every n-sized quantity carries errors of
        # this relative size, so it bounds what a stopping test can ask.
        self.precision = float(np.finfo(dtype).eps)
        self._gradient_floor: float | None = None
        self.cache = PointCache()
        self.float32_products: tuple[LinearUnit, FloatArray] | None = None

    @property
    def y(self) -> FloatArray:
        """The labels, 0/1 or class indices, from ``targets`` (statistics)."""
        return self.loss.labels(self.targets)

    @classmethod
    def from_arrays(
        cls,
        X: Any,
        y_index: FloatArray,
        n_classes: int,
        sample_weight: FloatArray,
        *,
        fit_intercept: bool = True,
        C: float = 1.0,
        l1_ratio: float = 0.0,
        offset: FloatArray | None = None,
    ) -> LogisticObjective:
        """The objective of ``X`` (dense or sparse, or an ``ArrayData``) and
        class indices ``y_index``: one sigmoid neuron for two classes, a
        softmax layer of ``n_classes`` outputs otherwise."""
        binary = n_classes == 2
        data = X if isinstance(X, ArrayData) else as_data(X)
        unit = LinearUnit(data, 1 if binary else n_classes, fit_intercept)
        loss = BinaryCrossEntropy() if binary else SoftmaxCrossEntropy()
        return cls(
            unit, loss, y_index, sample_weight, C=C, l1_ratio=l1_ratio, offset=offset
        )

    # -- the last points seen, cached (see ``cache``) ------------------------
    def raw_prediction(self, theta: FloatArray) -> FloatArray:
        """``z = forward(theta)``, recomputed only for a new ``theta``."""
        point = self.cache.find(theta)
        if point is not None:
            assert point.raw is not None
            return point.raw
        self.cache.make_room()
        raw = self.unit.forward(theta, self.offset)
        self.remember(theta, raw)
        return raw

    def forget_all_but(self, theta: FloatArray) -> None:
        """Keep only ``z`` at ``theta`` in the cache (when the solver is done)."""
        self.cache.forget_all_but(theta)

    def forget_points(self) -> None:
        self.cache.forget_all()

    def remember(
        self,
        theta: FloatArray,
        raw: FloatArray,
        value: float | None = None,
        grad_raw: FloatArray | None = None,
        curvature: FloatArray | None = None,
    ) -> None:
        """Cache ``z`` for ``theta`` (line searches hand theirs over).

        A line search that evaluated the loss at ``theta`` also hands over
        ``J``, the weighted ``dJ/dz`` and possibly the loss's curvature: the
        gradient then costs only the backward pass, the Hessian only its
        products.
        """
        self.cache.keep(Point(np.array(theta, copy=True), raw, value, grad_raw, curvature))

    def pointwise(
        self, raw: FloatArray, rows: slice, curvature: bool,
        out: FloatArray | None = None, out_curvature: FloatArray | None = None,
    ) -> tuple[float, FloatArray, FloatArray | None]:
        """``(sum s/S * loss, s/S * dloss/dz, d2loss/dz2 or None)`` at the raw
        prediction ``raw`` of ``rows``, the last two written to ``out`` and
        ``out_curvature`` if given."""
        loss, grad_raw, second = self.loss.target_terms(
            self.targets[rows], raw, curvature, out=out, out_curvature=out_curvature
        )
        weight = self.weight[rows]
        data_term = accurate_dot(weight, loss)
        np.multiply(grad_raw, weight[:, None] if grad_raw.ndim == 2 else weight,
                    out=grad_raw)
        return data_term, grad_raw, second

    def _evaluate(self, theta: FloatArray, curvature: bool) -> Point:
        """The cached point at ``theta`` with ``J``, ``dJ/dtheta`` (and the
        loss's curvature if asked), computing only what is missing.

        A point whose ``z`` is known (a line search's) needs the loss and one
        backward pass; a new point takes one fused forward-backward pass.
        """
        point = self.cache.find(theta)
        if point is not None and point.gradient is not None and (
            point.curvature is not None or not curvature
        ):
            return point
        if point is not None:
            assert point.raw is not None
            if point.grad_raw is None or (curvature and point.curvature is None):
                data_term, grad_raw, second = self.pointwise(
                    point.raw, slice(None), curvature
                )
                point.value = data_term + self.penalty.value(theta)
                point.grad_raw, point.curvature = grad_raw, second
            if point.gradient is not None:
                return point
            assert point.grad_raw is not None
            point.gradient = self.unit.backward(point.grad_raw)
        else:
            self.cache.make_room()
            n = self.unit.data.n_samples
            shape = (n,) if self.unit.n_outputs == 1 else (n, self.unit.n_outputs)
            second = np.empty(shape, dtype=self.unit.data.dtype) if curvature else None
            # dJ/dz feeds only its block's backward pass: one block's worth.
            scratch = np.empty(self.unit.block_shape, dtype=self.unit.data.dtype)
            data_term = 0.0

            def pointwise(raw: FloatArray, rows: slice) -> FloatArray:
                nonlocal data_term
                block_term, block_grad_raw, _ = self.pointwise(
                    raw, rows, curvature, out=scratch[: len(raw)],
                    out_curvature=None if second is None else second[rows],
                )
                data_term += block_term
                return block_grad_raw

            raw, gradient = self.unit.forward_backward(theta, pointwise, self.offset)
            point = Point(
                np.array(theta, copy=True), raw,
                data_term + self.penalty.value(theta), None, second, gradient,
            )
            self.cache.keep(point)
        assert point.gradient is not None
        # dJ/dz has served its one use, the gradient: not kept (an n x K
        # array per cached point, a share of the peak on small data).
        point.grad_raw = None
        self.penalty.add_gradient(theta, point.gradient)
        return point

    # -- smooth part: value and derivatives ----------------------------------
    def value(self, theta: FloatArray) -> float:
        """``J(theta)`` without the L1 term (see ``nonsmooth_value``)."""
        raw = self.raw_prediction(theta)
        point = self.cache.find(theta)
        if point is not None and point.value is not None:
            return point.value
        return self.data_value(raw) + self.penalty.value(theta)

    def data_value(self, raw: FloatArray) -> float:
        """The data term ``sum_i s_i/S * loss(y_i, z_i)`` at raw prediction ``raw``."""
        return accurate_dot(self.weight, self.loss.target_value(self.targets, raw))

    def value_gradient(
        self, theta: FloatArray, keep_curvature: bool = False
    ) -> tuple[float, FloatArray]:
        """``(J, dJ/dtheta)`` in one pass over ``X`` (forward and backward
        fused), or only the backward pass when ``z`` at ``theta`` is known.

        ``keep_curvature=True`` also caches the loss's second derivative, for
        a Hessian at ``theta`` that a second-order solver may ask next.
        """
        point = self._evaluate(theta, keep_curvature)
        assert point.value is not None
        assert point.gradient is not None
        return point.value, point.gradient.copy()

    def value_gradient_curvature(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """``(J, gradient, d2loss/dz2)``: the loss's curvature at each row, from
        the cache when a ``keep_curvature`` evaluation left it there."""
        point = self._evaluate(theta, curvature=True)
        assert point.value is not None
        assert point.gradient is not None
        assert point.curvature is not None
        return point.value, point.gradient.copy(), point.curvature

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """``(J, gradient, Hessian)``, the Hessian as a dense (p, p) array
        from one blocked pass over ``X`` (see ``LinearUnit.hessian``)."""
        value, gradient, curvature = self.value_gradient_curvature(theta)
        self.cache.forget_others(theta)
        blocks = [
            (k, l, self.weight * h)
            for k, l, h in self.loss.hessian_blocks(curvature)  # noqa: E741
        ]
        hessian = self.unit.hessian(blocks)
        if self.penalty.l2_strength:
            # Every (p + 1)-th entry in C order is the diagonal: a slice, where
            # np.diag_indices_from builds two index arrays per Hessian.
            hessian.flat[:: self.n_params + 1] += self.penalty.hessian_diagonal()
        return value, gradient, hessian

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]:
        """``(J, gradient, v -> H @ v)``; each product costs one fused pass
        over ``X`` and no (p, p) matrix is formed::

            H @ v = backward(s/S * d2loss/dz2 * forward(v)) + (1-r)/(C S) * v_coef
        """
        value, gradient, curvature = self.value_gradient_curvature(theta)
        unit, weight = self.float32_products or (self.unit, self.weight)
        return value, gradient, curvature_terms.hessian_products(
            unit, self.loss, weight, curvature.astype(unit.data.dtype, copy=False),
            self.penalty.hessian_diagonal(),
        )

    def products_in_float32(self) -> None:
        """Hessian products over a float32 copy of dense float64 ``X`` (half its size):
        1.6 times the speed on digits; CG needs no more (``curvature.hessian_products``)."""
        self.float32_products = (self.unit.in_float32(), self.weight.astype(np.float32))

    def in_float32(self) -> LogisticObjective:
        """This objective over a float32 copy of dense float64 ``X``, the same
        minimiser to float32's precision (L-BFGS's ``coarse`` phase)."""
        # The weights here sum to 1: C times 1 is this objective's scale.
        return LogisticObjective(
            self.unit.in_float32(), self.loss, self.y, self.weight, C=self.scale,
            l1_ratio=self.penalty.elastic_net.l1_ratio, offset=self.offset,
        )

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray:
        """``diag(d2J/dtheta2)``, a preconditioner (see ``curvature``)."""
        _, _, curvature = self.value_gradient_curvature(theta)
        return curvature_terms.hessian_diagonal(
            self.unit, self.loss, self.weight, curvature, self.penalty
        )

    # -- what a stopping test can ask -----------------------------------------
    def gradient_floor(self) -> float:
        """Max-norm of ``dJ/dtheta`` below which it is rounding noise
        (``curvature.gradient_floor``), computed once."""
        if self._gradient_floor is None:
            self._gradient_floor = curvature_terms.gradient_floor(
                self.unit.data, self.weight, self.precision
            )
        return self._gradient_floor

    def value_noise(self, value: float) -> float:
        """Rounding level of ``J`` near ``value``: smaller changes are noise."""
        return 64 * self.precision * max(abs(value), 1e-3)

    # -- non-smooth part (L1) for proximal solvers ----------------------------
    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term ``r/(C S) ||coef||_1`` (0 for a smooth objective)."""
        return self.penalty.nonsmooth_value(theta)

    def prox(self, theta: FloatArray, step: float) -> FloatArray:
        """Proximal step of the L1 term on the coefficients; intercept untouched."""
        return self.penalty.prox(theta, step)

    def l1_strengths(self) -> FloatArray:
        """Per-entry L1 weights ``l1`` (p,) with ``nonsmooth_value(theta) =
        sum(l1 * |theta|)``: ``r/(C S)`` on coefficients, 0 on intercepts."""
        return self.penalty.l1_strengths()

    def parameter_columns(self) -> NDArray[np.intp]:
        """Column of ``W = [coef | intercept]`` holding each entry of theta (p,):
        feature ``j`` is column ``j``, the intercept column ``n_features``."""
        return self.unit.parameter_columns()

    def hessian_on_columns(
        self, theta: FloatArray, columns: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], FloatArray]:
        """``(index, Hessian of the smooth part on those entries of theta)``
        for some columns of ``W`` (see ``curvature.hessian_on_columns``)."""
        # The curvature value_gradient(keep_curvature=True) cached, else computed now.
        _, _, curvature = self.value_gradient_curvature(theta)
        return curvature_terms.hessian_on_columns(
            self.unit, self.loss, self.weight, curvature, self.penalty, columns
        )

    def null_space(self) -> FloatArray | None:
        """Orthonormal directions along which ``J`` is exactly constant (see
        ``LinearUnit.null_space``); ``None`` for one neuron."""
        return self.penalty.null_space()

    def hessian_cost(self) -> float:
        """A Hessian's cost in passes, each call's fixed cost included."""
        entries = self.unit.data.n_samples * self.n_params
        return curvature_terms.hessian_cost(self.n_params, entries)

    def parameter_bound(self) -> None:
        """None: Newton confirms convergence with one more pass here, which
        in memory is cheap (``solvers.newton_certificate``)."""
        return None

    def line(
        self, theta: FloatArray, direction: FloatArray, curvature: bool = False
    ) -> LineFunction:
        """``phi(t) = J(theta + t * direction)`` with ``z`` updated incrementally.

        With ``curvature=True`` each trial also computes the loss's second
        derivative, for a second-order solver's next Hessian.
        """
        return LineFunction(self, theta, direction, curvature)
