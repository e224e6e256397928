"""How small the gradient is after a Newton step, bounded without a pass.

Newton's method knows it has converged only from the gradient at its last
iterate, one more pass over ``X``. On data read from storage at every pass
(Dask over Parquet files) that pass can be a third of a fit. For the
two-class logistic loss it can be replaced by a bound, from what the
step's own pass already has and the largest ``|x~_ij|`` of each column.

The curvature of one row, ``v(z) = sigma(z) (1 - sigma(z))``, satisfies
``|v'(z)| = v(z) |1 - 2 sigma(z)| <= v(z)``, so moving ``z`` by ``a``
changes it by a factor within ``exp(+-|a|)``. Let ``d`` solve ``H d = -g``
at ``theta`` up to the residual ``r = g + H d``, let ``B_j >= |x~_ij|``
over the rows of positive weight (the objective's ``parameter_bound``),
and ``t = B @ |d| >= |x~_i @ d| = |delta_i|`` (Hoelder). The gradient at
``theta + d`` is ``g`` plus the Hessian integrated along the step::

    g(theta + d) = r + R,
    R = (1/S) sum_i s_i x~_i delta_i integral_0^1 (v(z_i + u delta_i) - v(z_i)) du

and the integral is at most ``v_i phi(|delta_i|)`` in size, with
``phi(a) = (exp(a) - 1) / a - 1`` (about ``a / 2``). Two bounds follow,
with ``||d||_H^2 = d @ H @ d`` and ``H`` at least its data part::

    |R_j| <= phi(t) sqrt(H_jj) ||d||_H          (Cauchy-Schwarz)
    |R_j| <= phi(t) / t * B_j ||d||_H^2          (phi(a) / a grows with a)

The second is of second order in the step, like the remainder itself, and
the tighter near the optimum. The Hessian at ``theta + d`` is at least
``exp(-t) H``, so Newton's decrement there is at most
``exp(t) (||r||_{H^-1} + phi(t) ||d||_H)^2``. A quadratic penalty adds
nothing to ``R`` (its gradient is linear in theta). When both bounds meet
Newton's stopping test, ``theta + d`` meets it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._numerics import FloatArray
from .result import max_abs

#: Beyond this change of z a row's curvature may change by exp(30) = 1e13:
#: no step that long is certified (and exp would soon overflow).
MAX_REACH = 30.0


def remainder_factor(reach: float) -> float:
    """``phi(t) = integral_0^1 (exp(s t) - 1) ds``: the relative change of a
    row's curvature, averaged along a step that moves its ``z`` by ``t``."""
    if reach < 1e-8:
        return 0.5 * reach  # the series' first term; the quotient would cancel
    return math.expm1(reach) / reach - 1.0


def bounds_after_step(
    gradient: FloatArray, hessian: FloatArray, direction: FloatArray,
    parameter_bound: FloatArray, solve: Callable[[FloatArray], FloatArray],
) -> tuple[float, float]:
    """``(max|g|, lambda^2 / 2)`` at ``theta + direction``, bounded above.

    Parameters
    ----------
    gradient, hessian : ndarray
        The gradient and the exact Hessian at ``theta``.
    direction : ndarray
        The Newton step from ``theta``.
    parameter_bound : ndarray
        ``B_j >= |x~_ij|`` for each entry of theta, over weighted rows.
    solve : callable
        ``v -> H^-1 @ v`` by the factor that gave ``direction``.
    """
    reach = float(parameter_bound @ np.abs(direction))
    if not reach <= MAX_REACH:
        return math.inf, math.inf
    residual = gradient + hessian @ direction
    residual_in_inverse = math.sqrt(max(float(residual @ solve(residual)), 0.0))
    step_norm = math.sqrt(max(float(direction @ hessian @ direction), 0.0))
    phi = remainder_factor(reach)
    first_order = phi * step_norm * np.sqrt(np.maximum(np.diag(hessian), 0.0))
    second_order = (phi / reach if reach > 0 else 0.5) * step_norm**2 * parameter_bound
    gradient_bound = max_abs(np.abs(residual) + np.minimum(first_order, second_order))
    decrement_bound = math.exp(reach) * (residual_in_inverse + phi * step_norm) ** 2
    return gradient_bound, 0.5 * decrement_bound


def quadratic_model_error(
    hessian: FloatArray, step: FloatArray, parameter_bound: FloatArray
) -> float:
    """A bound on ``|J(theta + step) - (J + g @ step + step @ H @ step / 2)|``
    for the two-class loss, ``inf`` for a step too long to bound.

    A row's cubic remainder is at most ``v_i exp(t) |delta_i|^3 / 6`` (the
    third derivative is ``v'``, at most ``v`` times ``exp(t)`` along the
    step), so the model is within ``exp(t) t / 6 * step @ H @ step``, with
    ``t = B @ |step|`` as above (a quadratic penalty's model is exact).
    """
    reach = float(parameter_bound @ np.abs(step))
    if not reach <= MAX_REACH:
        return math.inf
    return math.exp(reach) * reach / 6 * max(float(step @ hessian @ step), 0.0)

