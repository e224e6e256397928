"""Gradient check: backpropagation against finite differences.

The objective's derivatives come from the chain rule (``dJ/dz`` from the
loss, then backward through the linear unit; see ``logitron.objective``).
A finite difference needs nothing but the cost itself, so when the two
agree the backward pass is right. With ``e_j`` the j-th unit vector::

    numeric_gradient[j]   = (J(theta + h_j e_j) - J(theta - h_j e_j)) / (2 h_j)
    numeric_hessian[:, j] = (g(theta + h_j e_j) - g(theta - h_j e_j)) / (2 h_j)
    relative_error(a, b)  = norm(a - b) / max(norm(a), norm(b))

where ``g`` is the analytic gradient (so the Hessian is checked against the
gradient it differentiates). Central differences err by ``O(h**2)`` from the
Taylor series plus ``O(eps / h)`` from rounding the cost; ``h_j = eps**(1/3) *
max(typical_j, |theta_j|)`` balances the two (Nocedal & Wright, *Numerical
Optimization*, 2nd ed., section 8.1, eq. 8.9), which leaves relative errors
near ``eps**(2/3)``, about 1e-10 in float64. ``typical_j`` is the size on
which the cost changes along ``theta_j``: ``1 / rms(X[:, j])`` for a
coefficient (a feature measured in thousands moves ``z`` a thousand times
faster) and 1 for an intercept. A wrong derivative gives errors of order 1.

Check away from the optimum: there the gradient is zero up to the solver's
tolerance, and a relative error of two near-zero vectors says nothing. The
default point is the recipe's start, zero weights, where the gradient is
largest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_is_fitted

from . import _validation
from ._numerics import FloatArray
from .objective import LogisticObjective


@dataclass(frozen=True)
class GradientCheck:
    """Analytic and finite-difference derivatives of ``J`` at ``theta``.

    Attributes
    ----------
    theta : ndarray of shape (p,)
        The point, in the objective's flat layout (``LinearUnit``: each
        output's ``[coef | intercept]``).
    value : float
        ``J(theta)`` on the objective's mean scale (as ``loss_curve_``).
    gradient, numeric_gradient : ndarray of shape (p,)
    hessian, numeric_hessian : ndarray of shape (p, p)
    gradient_error, hessian_error : float
        ``relative_error`` of each pair (see module docstring).
    """

    theta: FloatArray
    value: float
    gradient: FloatArray
    numeric_gradient: FloatArray
    hessian: FloatArray
    numeric_hessian: FloatArray
    gradient_error: float
    hessian_error: float

    def __str__(self) -> str:
        return (
            f"gradient check at {len(self.theta)} parameters: relative error "
            f"{self.gradient_error:.2e} (gradient), {self.hessian_error:.2e} (Hessian)"
        )


def relative_error(analytic: FloatArray, numeric: FloatArray) -> float:
    """``norm(a - b) / max(norm(a), norm(b))``; 0 when both are zero."""
    scale = max(float(np.linalg.norm(analytic)), float(np.linalg.norm(numeric)))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(np.asarray(analytic) - np.asarray(numeric)) / scale)


def check_objective(objective: Any, theta: Any, typical: Any = None) -> GradientCheck:
    """Compare an objective's derivatives at ``theta`` with central differences.

    Parameters
    ----------
    objective : Objective
        Anything with ``value(theta)``, ``value_gradient(theta)`` and
        ``value_gradient_hessian(theta)`` (``logitron.objective.Objective``).
    theta : array-like of shape (p,)
        The point.
    typical : array-like of shape (p,), optional
        A typical size of each parameter, the floor of its difference step
        (see module docstring); ones by default.

    Returns
    -------
    GradientCheck
    """
    theta = np.array(theta, dtype=np.float64).ravel()
    if theta.shape != (objective.n_params,):
        raise ValueError(
            f"theta has {theta.size} entries; the objective has {objective.n_params} "
            "parameters"
        )
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta must be finite")
    typical = np.ones_like(theta) if typical is None else np.asarray(typical, dtype=np.float64)
    value, gradient, hessian = objective.value_gradient_hessian(theta)
    steps = np.cbrt(np.finfo(np.float64).eps) * np.maximum(typical, np.abs(theta))
    numeric_gradient = np.empty_like(theta)
    numeric_hessian = np.empty_like(hessian)
    for j, step in enumerate(steps):
        # The step as the floating-point numbers see it: dividing by the
        # difference actually taken removes one rounding error.
        ahead, behind = theta.copy(), theta.copy()
        ahead[j] += step
        behind[j] -= step
        width = ahead[j] - behind[j]
        value_ahead, gradient_ahead = objective.value_gradient(ahead)
        value_behind, gradient_behind = objective.value_gradient(behind)
        numeric_gradient[j] = (value_ahead - value_behind) / width
        numeric_hessian[:, j] = (gradient_ahead - gradient_behind) / width
    return GradientCheck(
        theta=theta,
        value=float(value),
        gradient=np.asarray(gradient, dtype=np.float64),
        numeric_gradient=numeric_gradient,
        hessian=np.asarray(hessian, dtype=np.float64),
        numeric_hessian=numeric_hessian,
        gradient_error=relative_error(gradient, numeric_gradient),
        hessian_error=relative_error(hessian, numeric_hessian),
    )


def gradient_check(
    model: Any, X: Any, y: Any, sample_weight: Any = None, *, at: Any = "start"
) -> GradientCheck:
    """Check the derivatives of the cost a fitted model minimised on ``(X, y)``.

    Parameters
    ----------
    model : LogisticRegression or Pipeline ending in one
        Fitted; its ``C``, ``class_weight``, ``fit_intercept`` and classes
        define the objective (a Pipeline's other steps transform ``X``).
    X : array-like of shape (n, d)
    y : array-like of shape (n,)
        Labels among the model's ``classes_``.
    sample_weight : array-like of shape (n,), optional
    at : {"start", "fitted"} or array-like of shape (p,), default="start"
        The point: zero weights (the recipe's start), the fitted weights, or
        any flat ``theta`` in the layout of ``logitron.neuron.LinearUnit``.

    Returns
    -------
    GradientCheck

    Raises
    ------
    ValueError
        For an L1 term (its cost has no gradient where a coefficient is
        zero), labels the model does not know, or a point of the wrong size.

    Examples
    --------
    >>> import numpy as np
    >>> from logitron import LogisticRegression
    >>> from logitron.gradcheck import gradient_check
    >>> X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5]])
    >>> y = np.array([0, 1, 0, 1])
    >>> check = gradient_check(LogisticRegression().fit(X, y), X, y)
    >>> bool(check.gradient_error < 1e-8 and check.hessian_error < 1e-6)
    True
    """
    pipeline = model if hasattr(model, "steps") else None
    estimator = model.steps[-1][1] if pipeline is not None else model
    check_is_fitted(estimator)
    if float(estimator.l1_ratio) > 0 and not np.isposinf(estimator.C):
        raise ValueError(
            f"l1_ratio={estimator.l1_ratio}: an L1 term has no gradient where a "
            "coefficient is zero, so there is nothing to check by differences; "
            "check the model refitted with l1_ratio=0"
        )
    if pipeline is not None:
        X = pipeline[:-1].transform(X)
    objective = _objective(estimator, X, y, sample_weight)
    return check_objective(objective, _point(estimator, objective, at), _typical(objective))


def _objective(estimator: Any, X: Any, y: Any, sample_weight: Any) -> LogisticObjective:
    """The cost ``fit`` minimised, rebuilt from the model's parameters."""
    X = check_array(X, accept_sparse=("csr", "csc"), dtype=np.float64)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features; the model was fitted on "
            f"{estimator.n_features_in_}"
        )
    classes = np.asarray(estimator.classes_)
    labels = np.asarray(y)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"y must hold one label per row of X ({X.shape[0]}), got "
                         f"shape {labels.shape}")
    known = np.isin(labels, classes)
    if not known.all():
        raise ValueError(f"y has labels the model does not know: "
                         f"{sorted(set(labels[~known].tolist()))[:5]}")
    y_index: np.ndarray = np.searchsorted(classes, labels)
    weight = _validation.check_weights(
        X, y_index, classes, sample_weight, estimator.class_weight
    )
    return LogisticObjective.from_arrays(
        X, y_index, len(classes), weight, fit_intercept=bool(estimator.fit_intercept),
        C=float(estimator.C), l1_ratio=float(estimator.l1_ratio),
    )


def _typical(objective: LogisticObjective) -> FloatArray:
    """``1 / rms(X[:, j])`` for each coefficient, 1 for each intercept."""
    X = objective.unit.data.X
    squares = X.multiply(X) if sp.issparse(X) else np.square(X)
    rms = np.sqrt(np.asarray(squares.mean(axis=0), dtype=np.float64).ravel())
    typical = np.ones(objective.n_params)
    with np.errstate(divide="ignore"):
        # An all-zero column does not move z at all: any step will do.
        objective.unit.coef(typical)[...] = np.where(rms > 0, 1.0 / rms, 1.0)
    return typical


def _point(estimator: Any, objective: LogisticObjective, at: Any) -> FloatArray:
    if isinstance(at, str):
        if at == "start":
            return np.zeros(objective.n_params)
        if at == "fitted":
            columns = [np.asarray(estimator.coef_, dtype=np.float64)]
            if estimator.fit_intercept:
                columns.append(np.asarray(estimator.intercept_, dtype=np.float64)[:, None])
            return np.hstack(columns).ravel()
        raise ValueError(f"at must be 'start', 'fitted' or an array, not {at!r}")
    return np.asarray(at, dtype=np.float64)
