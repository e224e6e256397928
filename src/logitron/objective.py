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
line search that moved along ``z + t * X @ d`` hands its ``z`` (and the loss
it evaluated there) over, and the next gradient costs one pass over ``X``
instead of two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from ._numerics import FloatArray, accurate_dot
from .backends import as_data
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .neuron import LinearUnit
from .penalties import ElasticNet

Loss = BinaryCrossEntropy | SoftmaxCrossEntropy


class Objective(Protocol):
    """What a solver may ask of an objective (in-memory or distributed)."""

    n_params: int

    def value(self, theta: FloatArray) -> float: ...

    def value_gradient(
        self, theta: FloatArray, keep_curvature: bool = False
    ) -> tuple[float, FloatArray]: ...

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]: ...

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]: ...

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray: ...

    def line(
        self, theta: FloatArray, direction: FloatArray, curvature: bool = False
    ) -> LineFunction: ...

    def null_space(self) -> FloatArray | None: ...

    def gradient_floor(self) -> float: ...

    def value_noise(self, value: float) -> float: ...


#: Rows that ``hessian_diagonal`` samples on large dense data (see there).
DIAGONAL_SAMPLE_ROWS = 16_384


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
        self.n_samples = unit.data.n_samples
        # Unit roundoff of the data: every n-sized quantity carries errors of
        # this relative size, so it bounds what a stopping test can ask.
        self.precision = float(np.finfo(dtype).eps)
        self._gradient_floor: float | None = None
        # The last two points seen: a solver that tried theta + d and wants a
        # line search back towards theta finds both z's here, and X @ d is
        # their difference.
        self._points: list[_Point] = []

    # -- the last point seen, cached -------------------------------------------
    def raw_prediction(self, theta: FloatArray) -> FloatArray:
        """``z = forward(theta)``, recomputed only for a new ``theta``."""
        point = self._find(theta)
        if point is not None:
            assert point.raw is not None
            return point.raw
        self._make_room()
        raw = self.unit.forward(theta)
        self.remember(theta, raw)
        return raw

    def _make_room(self) -> None:
        """Before computing a new point: it will push the older of the two
        cached ones out, so let that go first and its n-sized arrays are not
        held beside the new ones (the fit's peak memory on small data)."""
        del self._points[1:]

    def forget_all_but(self, theta: FloatArray) -> None:
        """Keep only ``z`` at ``theta`` in the cache (when the solver is done)."""
        self._points = [
            _Point(point.theta, point.raw) for point in self._points if point.holds(theta)
        ]

    def _find(self, theta: FloatArray) -> _Point | None:
        for point in self._points:
            if point.holds(theta):
                return point
        return None

    def _keep(self, point: _Point) -> None:
        others = [p for p in self._points if p is not point]
        self._points = [point, *others[:1]]

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
        self._keep(_Point(np.array(theta, copy=True), raw, value, grad_raw, curvature))

    def _pointwise(
        self, raw: FloatArray, rows: slice, curvature: bool,
        out: FloatArray | None = None, out_curvature: FloatArray | None = None,
    ) -> tuple[float, FloatArray, FloatArray | None]:
        """``(sum s/S * loss, s/S * dloss/dz, d2loss/dz2 or None)`` on ``rows``,
        the last two written to ``out`` and ``out_curvature`` if given."""
        if curvature:
            loss, grad_raw, second = self.loss.value_gradient_hessian(
                self.y[rows], raw, out=out, out_curvature=out_curvature
            )
        else:
            (loss, grad_raw), second = (
                self.loss.value_gradient(self.y[rows], raw, out=out), None
            )
        weight = self.weight[rows]
        data_term = accurate_dot(weight, loss)
        np.multiply(grad_raw, weight[:, None] if grad_raw.ndim == 2 else weight,
                    out=grad_raw)
        return data_term, grad_raw, second

    def _evaluate(self, theta: FloatArray, curvature: bool) -> _Point:
        """The cached point at ``theta`` with ``J``, ``dJ/dtheta`` (and the
        loss's curvature if asked), computing only what is missing.

        A point whose ``z`` is known (a line search's) needs the loss and one
        backward pass; a new point takes one fused forward-backward pass.
        """
        point = self._find(theta)
        if point is not None and point.gradient is not None and (
            point.curvature is not None or not curvature
        ):
            return point
        if point is not None:
            assert point.raw is not None
            if point.grad_raw is None or (curvature and point.curvature is None):
                data_term, grad_raw, second = self._pointwise(
                    point.raw, slice(None), curvature
                )
                point.value = data_term + self._penalty_value(theta)
                point.grad_raw, point.curvature = grad_raw, second
            if point.gradient is not None:
                return point
            assert point.grad_raw is not None
            point.gradient = self.unit.backward(point.grad_raw)
        else:
            self._make_room()
            n = self.unit.data.n_samples
            shape = (n,) if self.unit.n_outputs == 1 else (n, self.unit.n_outputs)
            grad_raw = np.empty(shape, dtype=self.unit.data.dtype)
            second = np.empty_like(grad_raw) if curvature else None
            data_term = 0.0

            def pointwise(raw: FloatArray, rows: slice) -> FloatArray:
                nonlocal data_term
                block_term, block_grad_raw, _ = self._pointwise(
                    raw, rows, curvature, out=grad_raw[rows],
                    out_curvature=None if second is None else second[rows],
                )
                data_term += block_term
                return block_grad_raw

            raw, gradient = self.unit.forward_backward(theta, pointwise)
            point = _Point(
                np.array(theta, copy=True), raw,
                data_term + self._penalty_value(theta), grad_raw, second, gradient,
            )
            self._keep(point)
        assert point.gradient is not None
        self._add_penalty_gradient(theta, point.gradient)
        return point

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
        point = self._find(theta)
        if point is not None and point.value is not None:
            return point.value
        data_term = accurate_dot(self.weight, self.loss.value(self.y, raw))
        return data_term + self._penalty_value(theta)

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

    def _value_gradient_curvature(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
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
        value, gradient, curvature = self._value_gradient_curvature(theta)
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
        """``(J, gradient, v -> H @ v)``; each product costs one fused pass
        over ``X`` and no (p, p) matrix is formed::

            H @ v = backward(s/S * d2loss/dz2 * forward(v)) + (1-r)/(C S) * v_coef
        """
        value, gradient, curvature = self._value_gradient_curvature(theta)
        penalty_diagonal = self._penalty_hessian_diagonal()

        def hessp(direction: FloatArray) -> FloatArray:
            def pointwise(raw_direction: FloatArray, rows: slice) -> FloatArray:
                product = self.loss.hessian_product(curvature[rows], raw_direction)
                return self._weighted(product, rows, out=product)

            _, product = self.unit.forward_backward(direction, pointwise)
            return product + penalty_diagonal * direction

        return value, gradient, hessp

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray:
        """``diag(d2J/dtheta2)``, a preconditioner for L-BFGS and CG::

            diag_coef[k, j]   = sum_i s_i/S * h_kk[i] * X[i, j]**2 + (1-r)/(C S)
            diag_intercept[k] = sum_i s_i/S * h_kk[i]

        A preconditioner needs each column's scale, not every digit: on
        dense data of ``2 * DIAGONAL_SAMPLE_ROWS`` rows or more the sums
        over ``X**2`` run over every ``stride``-th row (scaled by the stride),
        which costs a fraction of a pass instead of a whole one (the
        trust-region solver asks at every iteration).
        """
        _, _, curvature = self._value_gradient_curvature(theta)
        data = self.unit.data
        stride = (
            1 if data.is_sparse or data.n_samples < 2 * DIAGONAL_SAMPLE_ROWS
            else data.n_samples // DIAGONAL_SAMPLE_ROWS
        )
        rows = slice(None, None, stride)
        # Each sampled row stands for ``stride`` rows.
        weighted = self.loss.hessian_diagonal(curvature[rows]) * (
            self.weight[rows, None] * stride
        )
        diagonal = np.zeros(self.unit.weight_shape)
        coef_part = data.column_mean_squares(weighted, rows)  # (K, d)
        diagonal[..., : self.unit.n_features] = coef_part.reshape(
            diagonal[..., : self.unit.n_features].shape
        )
        if self.unit.fit_intercept:
            diagonal[..., self.unit.n_features] = np.sum(
                weighted, axis=0, dtype=np.float64
            ).reshape(diagonal[..., self.unit.n_features].shape)
        return diagonal.ravel() + self._penalty_hessian_diagonal()

    def _weighted(
        self, per_sample: FloatArray, rows: slice = slice(None),
        out: FloatArray | None = None,
    ) -> FloatArray:
        weight = self.weight[rows]
        if per_sample.ndim == 2:
            weight = weight[:, None]
        return np.multiply(per_sample, weight, out=out)

    # -- what a stopping test can ask -----------------------------------------
    def gradient_floor(self) -> float:
        """Max-norm of ``dJ/dtheta`` below which it is rounding noise.

        Each gradient entry is a weighted mean of ``X[:, j] * dloss/dz``
        computed in the dtype of ``X``, with ``|dloss/dz| <= 1``; its
        rounding error is a few ``eps * rms(X[:, j])``. Float64 data put
        this far below any useful tolerance, so it is estimated (one pass
        over ``X``) for narrower dtypes only. An estimate on the low side is
        harmless: a solver that cannot reach it stops when ``J`` stops
        decreasing above its rounding level.
        """
        if self._gradient_floor is None:
            if self.precision >= np.finfo(np.float64).eps * 2:
                rms = np.sqrt(self.unit.data.column_mean_squares(self.weight))
                scale = max(float(np.max(rms, initial=0.0)), 1.0)
            else:
                scale = 1.0
            self._gradient_floor = 2 * self.precision * scale
        return self._gradient_floor

    def value_noise(self, value: float) -> float:
        """Rounding level of ``J`` near ``value``: smaller changes are noise."""
        return 64 * self.precision * max(abs(value), 1e-3)

    # -- non-smooth part (L1) for proximal solvers ----------------------------
    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term ``r/(C S) ||coef||_1`` (0 for a smooth objective)."""
        return self.penalty.l1_value(self.unit.coef(theta))

    def prox(self, theta: FloatArray, step: float) -> FloatArray:
        """Proximal step of the L1 term on the coefficients; intercept untouched."""
        return prox_l1(self.unit, self.penalty, theta, step)

    def l1_strengths(self) -> FloatArray:
        """Per-entry L1 weights ``l1`` (p,) with ``nonsmooth_value(theta) =
        sum(l1 * |theta|)``: ``r/(C S)`` on coefficients, 0 on intercepts."""
        return l1_strengths(self.unit, self.penalty)

    def parameter_columns(self) -> NDArray[np.intp]:
        """Column of ``W = [coef | intercept]`` holding each entry of theta (p,):
        feature ``j`` is column ``j``, the intercept column ``n_features``."""
        return parameter_columns(self.unit)

    def hessian_on_columns(
        self, theta: FloatArray, columns: NDArray[np.intp]
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
        d = self.unit.n_features
        features = columns[columns < d]
        with_intercept = bool(self.unit.fit_intercept and columns[-1] == d)
        X = self.unit.data.X
        sub_data = as_data(X if len(features) == d else X[:, features])
        sub_unit = LinearUnit(sub_data, self.unit.n_outputs, with_intercept)
        # The loss's curvature at theta, cached by a value_gradient call with
        # keep_curvature=True (else computed and cached now).
        _, _, curvature = self._value_gradient_curvature(theta)
        blocks = [
            (k, l, self.weight * h)
            for k, l, h in self.loss.hessian_blocks(curvature)  # noqa: E741
        ]
        hessian = sub_unit.hessian(blocks)
        if self.penalty.l2_strength:
            diagonal = np.zeros(sub_unit.n_params)
            sub_unit.coef(diagonal)[...] = self.penalty.l2_strength
            hessian.flat[:: len(hessian) + 1] += diagonal
        width = self.unit.weight_shape[-1]
        kept = np.concatenate([features, [d]]) if with_intercept else features
        classes = np.arange(self.unit.n_outputs)
        index = (classes[:, None] * width + kept[None, :]).ravel()
        return index, hessian

    # -- structure solvers may use -------------------------------------------
    def null_space(self) -> FloatArray | None:
        """Orthonormal directions along which ``J`` is exactly constant (see
        the module-level ``null_space``); ``None`` for one neuron."""
        return null_space(self.unit, self.penalty)

    def line(
        self, theta: FloatArray, direction: FloatArray, curvature: bool = False
    ) -> LineFunction:
        """``phi(t) = J(theta + t * direction)`` with ``z`` updated incrementally.

        With ``curvature=True`` each trial also computes the loss's second
        derivative, for a second-order solver's next Hessian.
        """
        return LineFunction(self, theta, direction, curvature)


def prox_l1(
    unit: LinearUnit, penalty: ElasticNet, theta: FloatArray, step: float
) -> FloatArray:
    """Soft-thresholding of the coefficient part of ``theta`` (a new array);
    the intercept is never penalised. Shared by in-memory and distributed
    objectives, which differ only in where the data live."""
    result = np.array(theta, dtype=np.float64, copy=True)
    coef = unit.coef(result)
    coef[...] = penalty.prox_l1(coef, step)
    return result


def l1_strengths(unit: LinearUnit, penalty: ElasticNet) -> FloatArray:
    """Per-entry L1 weights of theta: ``r/(C S)`` on coefficients, 0 on
    intercepts (layout only: shared by in-memory and distributed objectives)."""
    strengths = np.zeros(unit.n_params)
    unit.coef(strengths)[...] = penalty.l1_strength
    return strengths


def parameter_columns(unit: LinearUnit) -> NDArray[np.intp]:
    """Column of ``W = [coef | intercept]`` holding each entry of theta (layout
    only: shared by in-memory and distributed objectives)."""
    width = unit.weight_shape[-1]
    columns = np.broadcast_to(np.arange(width), unit.weight_shape)
    return np.ascontiguousarray(columns).ravel()


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
    every trial step of a line search. The last trial point, with its ``z``,
    ``J`` and ``dJ/dz``, is what ``point`` hands to the objective's cache.
    """

    #: A trial step costs O(n) here, far less than an iteration: solvers may
    #: try extra steps (proximal Newton's extrapolation). On Dask each trial
    #: is a graph over the blocks, and it is not.
    trials_are_cheap = True

    def __init__(
        self,
        objective: LogisticObjective,
        theta: FloatArray,
        direction: FloatArray,
        curvature: bool = False,
        raw_direction: FloatArray | None = None,
    ) -> None:
        self.objective = objective
        self.theta = theta
        self.direction = direction
        self.curvature = curvature
        self._coef_direction = objective.unit.coef(direction)
        self._raw: FloatArray | None = None
        # X @ d, when the caller already has it (Dask keeps it per block).
        self._raw_direction: FloatArray | None = raw_direction
        self._trial: tuple[float, FloatArray, FloatArray] | None = None
        self._trial_loss: (
            tuple[float, FloatArray] | tuple[float, FloatArray, FloatArray] | None
        ) = None

    def value_noise(self, value: float) -> float:
        """Changes of ``phi`` smaller than this are rounding noise."""
        return self.objective.value_noise(value)

    # z(theta) and X @ d are fetched on the first trial step, not before: a
    # solver whose first trial (computed by value_gradient) is accepted never
    # pays for them.
    @property
    def raw(self) -> FloatArray:
        if self._raw is None:
            self._raw = self.objective.raw_prediction(self.theta)
        return self._raw

    @property
    def raw_direction(self) -> FloatArray:
        if self._raw_direction is None:
            raw = self.raw
            trial = self.objective._find(self.theta + self.direction)
            if trial is not None and trial.raw is not None:
                self._raw_direction = trial.raw - raw
            else:
                self._raw_direction = self.objective.unit.forward(self.direction)
        return self._raw_direction

    def _raw_at(self, step: float) -> tuple[FloatArray, FloatArray]:
        if self._trial is not None and self._trial[0] == step:
            return self._trial[1], self._trial[2]
        theta = self.theta + step * self.direction
        raw = np.multiply(self.raw_direction, step, dtype=self.raw.dtype)
        raw += self.raw
        self._trial, self._trial_loss = (step, theta, raw), None
        return theta, raw

    def point(self, step: float) -> FloatArray:
        """``theta + step * d``, handed with its ``z`` (and ``J``, ``dJ/dz`` if
        already evaluated) to the objective's cache."""
        theta, raw = self._raw_at(step)
        if self._trial_loss is not None:
            self.objective.remember(theta, raw, *self._trial_loss)
        else:
            self.objective.remember(theta, raw)
        return theta

    def value(self, step: float) -> float:
        theta, raw = self._raw_at(step)
        obj = self.objective
        data_term = accurate_dot(obj.weight, obj.loss.value(obj.y, raw))
        return data_term + obj._penalty_value(theta)

    def value_derivative(self, step: float) -> tuple[float, float]:
        """``(phi(t), phi'(t))``, with ``phi'(t) = dJ/dtheta(theta + t d) @ d``,
        also O(n): the data part is ``sum s/S * dloss/dz * (X @ d)``."""
        obj = self.objective
        theta, raw = self._raw_at(step)
        if self.curvature:
            loss, grad_raw, curvature = obj.loss.value_gradient_hessian(obj.y, raw)
        else:
            loss, grad_raw = obj.loss.value_gradient(obj.y, raw)
        value = accurate_dot(obj.weight, loss) + obj._penalty_value(theta)
        weighted_grad = obj._weighted(grad_raw, out=grad_raw)
        self._trial_loss = (
            (value, weighted_grad, curvature) if self.curvature
            else (value, weighted_grad)
        )
        derivative = accurate_dot(weighted_grad.ravel(), self.raw_direction.ravel())
        if obj.penalty.l2_strength:
            derivative += obj.penalty.l2_strength * float(
                np.vdot(obj.unit.coef(theta), self._coef_direction)
            )
        return value, derivative


@dataclass
class _Point:
    """What the objective knows about the last ``theta`` it saw."""

    theta: FloatArray | None
    raw: FloatArray | None
    value: float | None = None
    grad_raw: FloatArray | None = None
    curvature: FloatArray | None = None
    gradient: FloatArray | None = None

    def holds(self, theta: FloatArray) -> bool:
        return self.theta is not None and np.array_equal(theta, self.theta)
