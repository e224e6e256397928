"""The cost the solvers minimise: loss through the linear unit, plus penalty.

::

    z      = X @ coef.T + intercept                          # the unit
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
line search that moved along ``z + t * X @ d`` hands its ``z`` over and the
next gradient costs one pass over ``X`` instead of two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from ._numerics import FloatArray, accurate_dot
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .neuron import LinearUnit
from .penalties import ElasticNet

Loss = BinaryCrossEntropy | SoftmaxCrossEntropy


class Objective(Protocol):
    """What a solver may ask of an objective (in-memory or distributed)."""

    n_params: int
    eps: float  # machine epsilon of the data: the noise floor of J relative to |J|

    def value(self, theta: FloatArray) -> float: ...

    def value_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]: ...

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]: ...

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]: ...

    def line(self, theta: FloatArray, direction: FloatArray) -> LineFunction: ...

    def null_space(self) -> FloatArray | None: ...


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
    """

    def __init__(
        self,
        unit: LinearUnit,
        loss: Loss,
        y: FloatArray,
        sample_weight: FloatArray,
        C: float = 1.0,
        l1_ratio: float = 0.0,
    ) -> None:
        dtype = unit.data.dtype
        total_weight = float(np.sum(sample_weight, dtype=np.float64))
        self.unit = unit
        self.loss = loss
        self.y = np.asarray(y, dtype=dtype)
        # Normalised weights s/S, in the dtype of X so n-sized work stays there.
        self.weight = np.asarray(sample_weight / total_weight, dtype=dtype)
        self.scale = C * total_weight
        self.penalty = ElasticNet(strength=1.0 / self.scale, l1_ratio=l1_ratio)
        self.n_params = unit.n_params
        self.eps = float(np.finfo(dtype).eps)
        self._cached_theta: FloatArray | None = None
        self._cached_raw: FloatArray | None = None

    # -- the raw prediction, cached -----------------------------------------
    def raw_prediction(self, theta: FloatArray) -> FloatArray:
        """``z = forward(theta)``, recomputed only for a new ``theta``."""
        if self._cached_theta is not None and np.array_equal(theta, self._cached_theta):
            assert self._cached_raw is not None
            return self._cached_raw
        raw = self.unit.forward(theta)
        self.remember(theta, raw)
        return raw

    def remember(self, theta: FloatArray, raw: FloatArray) -> None:
        """Cache ``z`` for ``theta`` (line searches hand theirs over)."""
        self._cached_theta = np.array(theta, copy=True)
        self._cached_raw = raw

    # -- penalty on the coefficient part of theta ----------------------------
    def _penalty_value(self, theta: FloatArray) -> float:
        return self.penalty.smooth_value(self.unit.coef(theta))

    def _add_penalty_gradient(self, theta: FloatArray, gradient: FloatArray) -> None:
        if self.penalty.l2_strength:
            self.unit.coef(gradient)[...] += self.penalty.smooth_gradient(
                self.unit.coef(theta)
            )

    def _penalty_hessian_diagonal(self) -> FloatArray:
        diagonal = np.zeros(self.n_params)
        self.unit.coef(diagonal)[...] = self.penalty.l2_strength
        return diagonal

    # -- smooth part: value and derivatives ----------------------------------
    def value(self, theta: FloatArray) -> float:
        """``J(theta)`` without the L1 term (see ``nonsmooth_value``)."""
        raw = self.raw_prediction(theta)
        data_term = accurate_dot(self.weight, self.loss.value(self.y, raw))
        return data_term + self._penalty_value(theta)

    def value_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """``(J, dJ/dtheta)`` in one forward and one backward pass."""
        raw = self.raw_prediction(theta)
        loss, grad_raw = self.loss.value_gradient(self.y, raw)
        value = accurate_dot(self.weight, loss) + self._penalty_value(theta)
        gradient = self.unit.backward(self._weighted(grad_raw))
        self._add_penalty_gradient(theta, gradient)
        return value, gradient

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """``(J, gradient, Hessian)``, the Hessian as a dense (p, p) array."""
        raw = self.raw_prediction(theta)
        loss, grad_raw, curvature = self.loss.value_gradient_hessian(self.y, raw)
        value = accurate_dot(self.weight, loss) + self._penalty_value(theta)
        gradient = self.unit.backward(self._weighted(grad_raw))
        self._add_penalty_gradient(theta, gradient)
        blocks = [
            (k, l, self.weight * h)
            for k, l, h in self.loss.hessian_blocks(curvature)  # noqa: E741
        ]
        hessian = self.unit.hessian(blocks)
        hessian[np.diag_indices_from(hessian)] += self._penalty_hessian_diagonal()
        return value, gradient, hessian

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]:
        """``(J, gradient, v -> H @ v)``; each product costs two passes over X
        and no (p, p) matrix is formed."""
        raw = self.raw_prediction(theta)
        loss, grad_raw, curvature = self.loss.value_gradient_hessian(self.y, raw)
        value = accurate_dot(self.weight, loss) + self._penalty_value(theta)
        gradient = self.unit.backward(self._weighted(grad_raw))
        self._add_penalty_gradient(theta, gradient)
        penalty_diagonal = self._penalty_hessian_diagonal()

        def hessp(direction: FloatArray) -> FloatArray:
            raw_direction = self.unit.forward(direction)
            product = self.loss.hessian_product(curvature, raw_direction)
            return self.unit.backward(self._weighted(product)) + (
                penalty_diagonal * direction
            )

        return value, gradient, hessp

    def _weighted(self, per_sample: FloatArray) -> FloatArray:
        if per_sample.ndim == 2:
            return per_sample * self.weight[:, None]
        return per_sample * self.weight

    # -- non-smooth part (L1) for proximal solvers ----------------------------
    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term ``r/(C S) ||coef||_1`` (0 for a smooth objective)."""
        return self.penalty.l1_value(self.unit.coef(theta))

    def prox(self, theta: FloatArray, step: float) -> FloatArray:
        """Proximal step of the L1 term on the coefficients; intercept untouched."""
        result = np.array(theta, dtype=np.float64, copy=True)
        coef = self.unit.coef(result)
        coef[...] = self.penalty.prox_l1(coef, step)
        return result

    # -- structure solvers may use -------------------------------------------
    def null_space(self) -> FloatArray | None:
        """Orthonormal directions along which ``J`` is exactly constant (see
        the module-level ``null_space``); ``None`` for one neuron."""
        return null_space(self.unit, self.penalty)

    def line(self, theta: FloatArray, direction: FloatArray) -> LineFunction:
        """``phi(t) = J(theta + t * direction)`` with ``z`` updated incrementally."""
        return LineFunction(self, theta, direction)


def null_space(unit: LinearUnit, penalty: ElasticNet) -> FloatArray | None:
    """Orthonormal directions along which ``J`` is exactly constant.

    A softmax layer is over-parametrised: adding the same constant to
    every class's intercept (and, without an L2 penalty, to every class's
    coefficient of one feature) leaves each ``softmax(z)`` unchanged. The
    returned (p, m) matrix spans those directions; a Newton solver adds
    its projector to the Hessian to make it positive definite without
    changing the step in the other directions. ``None`` for one neuron.
    It depends only on the parameter layout and the penalty, so in-memory
    and distributed objectives share it.
    """
    n_classes = unit.n_outputs
    if n_classes == 1:
        return None
    width = unit.weight_shape[-1]
    free_columns = [unit.n_features] if unit.fit_intercept else []
    if penalty.l2_strength == 0.0:
        free_columns = list(range(width))
    basis = np.zeros((n_classes, width, len(free_columns)))
    for j, column in enumerate(free_columns):
        basis[:, column, j] = 1.0 / np.sqrt(n_classes)
    return basis.reshape(unit.n_params, len(free_columns)) if free_columns else None


class LineFunction:
    """``phi(t) = J(theta + t d)`` evaluated in O(n) per trial step.

    ``z(theta + t d) = z(theta) + t * (X @ d_coef.T + d_intercept)`` because the
    unit is linear in theta, so one pass over ``X`` for the direction serves
    every trial step of a line search.
    """

    def __init__(
        self,
        objective: LogisticObjective,
        theta: FloatArray,
        direction: FloatArray,
        raw_direction: FloatArray | None = None,
    ) -> None:
        self.objective = objective
        self.theta = theta
        self.direction = direction
        self.raw = objective.raw_prediction(theta)
        # A caller that already holds X @ d (a distributed objective keeps it
        # on its workers) hands it over instead of paying a pass over X.
        self.raw_direction = (
            objective.unit.forward(direction) if raw_direction is None else raw_direction
        )

    def point(self, step: float) -> FloatArray:
        """``theta + step * d``, with its ``z`` handed to the objective's cache."""
        theta = self.theta + step * self.direction
        self.objective.remember(theta, self.raw + step * self.raw_direction)
        return theta

    def value(self, step: float) -> float:
        return self.objective.value(self.point(step))

    def value_derivative(self, step: float) -> tuple[float, float]:
        """``(phi(t), phi'(t))``, with ``phi'(t) = dJ/dtheta(theta + t d) @ d``,
        also O(n): the data part is ``sum s/S * dloss/dz * (X @ d)``."""
        obj = self.objective
        theta = self.point(step)
        raw = obj.raw_prediction(theta)
        loss, grad_raw = obj.loss.value_gradient(obj.y, raw)
        value = accurate_dot(obj.weight, loss) + obj._penalty_value(theta)
        weighted_grad = obj._weighted(grad_raw)
        derivative = accurate_dot(weighted_grad.ravel(), self.raw_direction.ravel())
        if obj.penalty.l2_strength:
            derivative += obj.penalty.l2_strength * float(
                np.vdot(obj.unit.coef(theta), obj.unit.coef(self.direction))
            )
        return value, derivative
