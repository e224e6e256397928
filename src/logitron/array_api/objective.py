"""The logistic objective over arrays of any array-API library, for the same
solvers.

``NamespaceObjective`` answers the ``Objective`` protocol
(``logitron.objective.protocol``) with the numbers of the in-memory
``LogisticObjective`` (see ``logitron.objective`` for the formulas). The
split is the Dask backend's: the n-sized work -- ``z = X @ coef.T +
intercept``, the loss, ``X.T @ dJ/dz``, ``X.T @ diag(h) @ X`` -- runs in the
namespace and on the device of ``X``, in its dtype (float32 stays float32);
what comes back to the host is p-sized and float64 (the value, the
gradient, the Hessian), and the solvers' state stays there.

Conventions
-----------
On the device ``z`` is always (n, K), K = 1 for the binary neuron; the
targets ``Y`` are (n, K) (a {0, 1} column, or one-hot rows); the
normalised weights ``s/S`` are (n,). On the host ``theta`` is the ravel of
``W = [coef | intercept]`` as for every objective (``logitron.neuron``).

Each device round trip moves ``p`` numbers each way, so an iteration of
L-BFGS costs one pass over ``X`` (value and gradient fused) and a few
O(n) trial steps along ``z + t * X~ @ d``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..backends import ArrayData
from ..neuron import LinearUnit
from ..objective import CoefficientPenalty
from ..objective.curvature import hessian_cost
from . import loss as device_loss
from .line import NamespaceLine
from .namespace import device_of, has_float64, to_host

#: Points (theta with its z and derivatives) kept: the current iterate and
#: a line search's trial, as the in-memory ``PointCache``.
_KEPT_POINTS = 3


class DeviceShape(ArrayData):
    """The shape and dtype of an ``X`` that lives in another namespace: the
    ``LinearUnit`` on the host needs the layout, never the values."""

    def __init__(self, n_samples: int, n_features: int, dtype: Any) -> None:
        self.X = None
        self.is_sparse = False
        self.dtype = np.dtype(dtype)
        self.n_samples = n_samples
        self.n_features = n_features


class _Point:
    """``theta`` with what is known there: ``z``, and after an evaluation the
    value, the host gradient, ``p`` and the weighted ``dJ/dz``."""

    def __init__(self, theta: FloatArray, raw: Any) -> None:
        self.theta = np.array(theta, dtype=np.float64, copy=True)
        self.raw = raw
        self.value: float | None = None
        self.gradient: FloatArray | None = None
        self.proba: Any = None


class NamespaceObjective:
    """Penalised, weighted cross-entropy of a linear unit over device arrays.

    Parameters
    ----------
    xp : module
        The array-API namespace of ``X``.
    X : array of shape (n, d)
        Float32 or float64, on its device.
    target : ndarray of shape (n, K)
        Host ``Y``: a {0, 1} column (K = 1) or one-hot rows (moved to the device).
    sample_weight : ndarray of shape (n,)
        Host weights, class weights included; their sum must be > 0.
    fit_intercept : bool
    C : float
        Inverse penalty strength, > 0; ``np.inf`` for no penalty.
    l1_ratio : float
        Share of L1 (the proximal solvers are NumPy-only, see ``fit``).
    """

    def __init__(
        self, xp: Any, X: Any, target: FloatArray, sample_weight: FloatArray, *,
        fit_intercept: bool = True, C: float = 1.0, l1_ratio: float = 0.0,
    ) -> None:
        self.xp, self.X = xp, X
        self.device = device_of(X)
        self.target = self.to_device(target)
        n_samples, n_features = X.shape
        n_outputs = target.shape[1]
        # The NumPy dtype of the same name ("torch.float32" -> float32): the
        # host's layout and rounding levels are read from it.
        host_dtype = str(X.dtype).rsplit(".", 1)[-1]
        self.unit = LinearUnit(
            DeviceShape(n_samples, n_features, host_dtype), n_outputs, fit_intercept
        )
        total_weight = float(np.sum(sample_weight, dtype=np.float64))
        self.weight = self.to_device(sample_weight / total_weight)
        self.scale = C * total_weight
        self.penalty = CoefficientPenalty(self.unit, 1.0 / self.scale, l1_ratio)
        self.n_params = self.unit.n_params
        self.n_samples = n_samples
        self.precision = float(np.finfo(self.unit.data.dtype).eps)
        # Sums whose accuracy matters (the value) are taken in float64 where
        # the device has it: a float32 sum of 10^6 terms loses 3 digits.
        self._wide = xp.float64 if has_float64(xp, self.device) else X.dtype
        self._points: list[_Point] = []
        self._gradient_floor: float | None = None

    # -- host <-> device ------------------------------------------------------
    def to_device(self, values: Any) -> Any:
        """A host array on the device, in the dtype of ``X``."""
        return self.xp.asarray(
            np.ascontiguousarray(values), dtype=self.X.dtype, device=self.device
        )

    def host_sum(self, values: Any) -> float:
        """``sum(values)`` as a host float, accumulated in float64 if possible."""
        return float(self.xp.sum(self.xp.astype(values, self._wide)))

    def split(self, theta: FloatArray) -> tuple[Any, Any]:
        """``(coef.T (d, K), intercept (K,))`` of ``theta`` on the device."""
        weights = np.reshape(self.unit.weights(theta), (self.unit.n_outputs, -1))
        d = self.unit.n_features
        intercept = weights[:, d] if self.unit.fit_intercept else np.zeros(len(weights))
        return self.to_device(weights[:, :d].T), self.to_device(intercept)

    def forward(self, theta: FloatArray) -> Any:
        """``z = X @ coef.T + intercept`` (n, K) on the device."""
        coef_t, intercept = self.split(theta)
        return self.X @ coef_t + intercept

    def backward(self, grad_raw: Any) -> FloatArray:
        """``dJ/dtheta`` of the data term (host, float64) from the weighted
        ``dJ/dz`` (n, K): ``X.T @ dJ/dz`` and its column sums, laid out as theta."""
        coef_part = to_host(self.X.T @ grad_raw).astype(np.float64).T
        if not self.unit.fit_intercept:
            return np.ascontiguousarray(coef_part).ravel()
        intercept_part = to_host(self.xp.sum(grad_raw, axis=0)).astype(np.float64)
        return np.column_stack([coef_part, intercept_part]).ravel()

    # -- points ---------------------------------------------------------------
    def find(self, theta: FloatArray) -> _Point | None:
        """The kept point at exactly ``theta``, if any."""
        for point in self._points:
            if np.array_equal(point.theta, theta):
                return point
        return None

    def keep(self, theta: FloatArray, raw: Any) -> _Point:
        """Remember ``z`` at ``theta`` (a line search hands its trial over)."""
        point = self.find(theta)
        if point is None:
            point = _Point(theta, raw)
            self._points = [*self._points[-(_KEPT_POINTS - 1):], point]
        return point

    def forget_points(self) -> None:
        self._points = []

    def raw_prediction(self, theta: FloatArray) -> Any:
        """``z`` at ``theta`` (n, K), from the kept points or one product."""
        point = self.find(theta)
        return point.raw if point is not None else self.keep(theta, self.forward(theta)).raw

    def data_terms(self, raw: Any) -> tuple[float, Any, Any]:
        """``(sum s/S * loss, s/S * (p - Y), p)`` at ``z``: one pass over ``z``."""
        xp = self.xp
        loss, proba = device_loss.loss_and_probabilities(xp, self.target, raw)
        value = self.host_sum(self.weight * loss)
        return value, self.weight[:, None] * (proba - self.target), proba

    def _evaluate(self, theta: FloatArray) -> _Point:
        """The point at ``theta`` with value, gradient and ``p`` (one pass
        over ``X`` each way, or only back when ``z`` is known)."""
        point = self.find(theta)
        if point is None:
            point = self.keep(theta, self.forward(theta))
        if point.gradient is None:
            data_value, grad_raw, point.proba = self.data_terms(point.raw)
            point.value = data_value + self.penalty.value(theta)
            gradient = self.backward(grad_raw)
            self.penalty.add_gradient(theta, gradient)
            point.gradient = gradient
        return point

    # -- the Objective protocol ---------------------------------------------
    def value(self, theta: FloatArray) -> float:
        """``J(theta)`` (no L1 term on this path)."""
        point = self.find(theta)
        if point is not None and point.value is not None:
            return point.value
        data_value, _, _ = self.data_terms(self.raw_prediction(theta))
        return data_value + self.penalty.value(theta)

    def value_gradient(
        self, theta: FloatArray, keep_curvature: bool = False
    ) -> tuple[float, FloatArray]:
        """``(J, dJ/dtheta)``; ``p`` is kept, so a Hessian at ``theta`` needs
        no further pass for the loss (``keep_curvature`` is implied)."""
        point = self._evaluate(theta)
        assert point.value is not None
        assert point.gradient is not None
        return point.value, point.gradient.copy()

    def value_gradient_hessian(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, FloatArray]:
        """``(J, gradient, Hessian)``, the Hessian dense (p, p) on the host::

            H[k, l] = X~.T @ diag(s/S * d2loss/(dz_k dz_l)) @ X~ (+ penalty)

        one weighted Gram product on the device per pair of outputs k <= l.
        """
        value, gradient = self.value_gradient(theta)
        proba = self._evaluate(theta).proba
        n_outputs, width = self.unit.n_outputs, self.unit.weight_shape[-1]
        hessian = np.zeros((self.n_params, self.n_params))
        for k in range(n_outputs):
            for l in range(k, n_outputs):  # noqa: E741
                h = device_loss.hessian_weights(self.xp, proba, self.weight, k, l)
                block = self._gram(h)
                rows, cols = slice(k * width, (k + 1) * width), slice(l * width, (l + 1) * width)
                hessian[rows, cols] = block
                hessian[cols, rows] = block.T
        hessian[np.diag_indices_from(hessian)] += self.penalty.hessian_diagonal()
        return value, gradient, hessian

    def _gram(self, h: Any) -> FloatArray:
        """``X~.T @ diag(h) @ X~`` (host float64), ``X~ = [X, 1]`` with an intercept."""
        X = self.X
        gram = to_host(X.T @ (h[:, None] * X)).astype(np.float64)
        if not self.unit.fit_intercept:
            return gram
        column = to_host(X.T @ h).astype(np.float64)
        corner = self.host_sum(h)
        return np.block([[gram, column[:, None]], [column[None, :], np.array([[corner]])]])

    def value_gradient_hessp(
        self, theta: FloatArray
    ) -> tuple[float, FloatArray, Callable[[FloatArray], FloatArray]]:
        """``(J, gradient, v -> H @ v)``: each product one pass over ``X`` each
        way on the device, no (p, p) matrix formed::

            H @ v = backward(s/S * d2loss/dz2 @ (X~ @ v)) + (1-r)/(C S) * v_coef
        """
        value, gradient = self.value_gradient(theta)
        proba = self._evaluate(theta).proba
        penalty_diagonal = self.penalty.hessian_diagonal()

        def hessp(vector: FloatArray) -> FloatArray:
            raw_direction = self.forward(vector)
            product = device_loss.hessian_product(
                self.xp, proba, self.weight, raw_direction
            )
            return self.backward(product) + penalty_diagonal * vector

        return value, gradient, hessp

    def hessian_diagonal(self, theta: FloatArray) -> FloatArray:
        """``diag(d2J/dtheta2)`` (a preconditioner): ``(X * X).T @ h_kk`` and
        ``sum(h_kk)`` per output ``k``, plus the penalty's diagonal."""
        proba = self._evaluate(theta).proba
        xp = self.xp
        curvature = self.weight[:, None] * proba * (1 - proba)
        diagonal = self.backward_squares(curvature, xp)
        return diagonal + self.penalty.hessian_diagonal()

    def backward_squares(self, per_row: Any, xp: Any) -> FloatArray:
        """``(X * X).T @ per_row`` and ``sum(per_row)``, laid out as theta."""
        squares = to_host((self.X * self.X).T @ per_row).astype(np.float64).T
        if not self.unit.fit_intercept:
            return np.ascontiguousarray(squares).ravel()
        sums = to_host(xp.sum(per_row, axis=0)).astype(np.float64)
        return np.column_stack([squares, sums]).ravel()

    def line(
        self, theta: FloatArray, direction: FloatArray, curvature: bool = False
    ) -> NamespaceLine:
        """``phi(t) = J(theta + t * direction)``; after one product for
        ``X~ @ d`` each trial step is O(n) on the device."""
        return NamespaceLine(self, theta, direction)

    def gradient_floor(self) -> float:
        """Max-norm of the gradient below which it is rounding noise (the
        in-memory rule: ``2 eps max(rms(X[:, j]), 1)`` for narrow floats)."""
        if self._gradient_floor is None:
            scale = 1.0
            if self.precision >= np.finfo(np.float64).eps * 2:
                squares = self.weight @ (self.X * self.X)
                scale = max(float(np.sqrt(np.max(to_host(squares), initial=0.0))), 1.0)
            self._gradient_floor = 2 * self.precision * scale
        return self._gradient_floor

    def value_noise(self, value: float) -> float:
        """Rounding level of ``J`` near ``value``: smaller changes are noise."""
        return 64 * self.precision * max(abs(value), 1e-3)

    def nonsmooth_value(self, theta: FloatArray) -> float:
        """The L1 term (0: this path fits smooth penalties only)."""
        return self.penalty.nonsmooth_value(theta)

    def null_space(self) -> FloatArray | None:
        """Directions along which ``J`` is constant (softmax); see
        ``LinearUnit.null_space``."""
        return self.penalty.null_space()

    def hessian_cost(self) -> float:
        """A Hessian's cost in passes as in memory for as many rows
        (``curvature.hessian_cost``), so that Newton takes the same steps."""
        return hessian_cost(self.n_params, self.n_samples * self.n_params)

    def parameter_bound(self) -> None:
        """None: Newton confirms convergence with one more pass here
        (``solvers.newton_certificate``). In memory that pass is cheap, and
        its Hessian at the estimate is the Fisher information the statistics
        reuse."""
        return None
