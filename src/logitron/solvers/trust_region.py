"""Trust-region Newton with conjugate-gradient inner solves (TRON)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._numerics import FloatArray
from ..objective import Objective
from .result import SolverOptions, SolverResult, max_abs, report

# Trust-region constants of Lin, Weng & Keerthi (2008), Section 2.
_ETA0, _ETA1, _ETA2 = 1e-4, 0.25, 0.75
_SIGMA1, _SIGMA2, _SIGMA3 = 0.25, 0.5, 4.0
#: CG also stops once ``max|r| <= _RESIDUAL_GOAL * tol``: the next gradient
#: is about ``-r``, so the outer test then passes and a more exact step is
#: wasted work (digits, 10-class softmax, to a gap of 1e-8: 122 -> 104
#: Hessian products).
_RESIDUAL_GOAL = 0.25


def trust_region_newton_cg(
    objective: Objective, theta0: FloatArray, options: SolverOptions
) -> SolverResult:
    """Trust-region Newton method with preconditioned CG on Hessian products.

    Lin, Weng & Keerthi (2008), "Trust region Newton method for large-scale
    logistic regression", JMLR 9, Algorithm 1 (outer loop) with the
    conjugate-gradient inner solver of their Algorithm 2 (Steihaug's CG,
    Nocedal & Wright (2006), Algorithm 7.2), preconditioned by the diagonal of
    the Hessian as in Hsia, Chiang & Lin (2018), "Preconditioned conjugate
    gradient methods in truncated Newton frameworks for large-scale linear
    classification", ACML. Each iteration::

        1. stop if max|g| <= tol
        2. M = diag(H); approximately solve
               min_s  q(s) = g @ s + s @ H @ s / 2   s.t.  ||s||_M <= radius
           by CG on v -> H @ v (two passes over X each, no p x p matrix),
           stopped when the residual's M^-1 norm falls below
           forcing * ||g||_M^-1 with forcing = min(0.5, sqrt(||g||_M^-1))
           (Nocedal & Wright, Eq. 7.3 and Algorithm 7.1: superlinear
           convergence) or its max-norm below tol / 4 (the next stopping
           test's need), at the trust-region boundary, or on negative
           curvature
        3. rho = (J(theta + s) - J(theta)) / q(s)
        4. theta = theta + s if rho > eta0
        5. radius updated from rho and the interpolated step length
           alpha * ||s|| (LWK Eq. 2.3, as in LIBLINEAR's tron.cpp, but
           without its clamp of the first radius to the first step)

    The M-norm ``||s||_M = sqrt(s @ (M * s))`` makes the region an ellipsoid
    scaled like the Hessian's diagonal, so features of very different scales
    need no standardising. The intercept's softmax gauge directions
    (``null_space``) are projected out of every CG direction.

    ``tol`` bounds the max-norm of the gradient (mean-scale objective),
    raised to its rounding level for float32 data.
    """
    tol = max(options.tol, objective.gradient_floor())
    theta: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    null_space = objective.null_space()
    value, gradient, hessp = objective.value_gradient_hessp(theta)
    diagonal = _safe_diagonal(objective.hessian_diagonal(theta))
    # The first radius is ||g||_M^-1. LIBLINEAR also shrinks it to the first
    # step's length; that step is CG cut short by the loose early forcing
    # term, so the radius then has to grow back by 4x per iteration. Without
    # it (2026-12-06, Hessian products to a gap of 1e-8): a nearly collinear
    # 10-class softmax 51 -> 24, collinear 20,000 x 50 22 -> 15, digits
    # 105 -> 122 (the same time), the suite's other problems unchanged.
    radius = float(np.sqrt(gradient @ (gradient / diagonal)))
    history: list[float] = []
    gradient_max = max_abs(gradient)
    for iteration in range(1, options.max_iter + 1):
        # 1. stopping test
        if gradient_max <= tol:
            return SolverResult(
                theta, True, iteration - 1,
                f"gradient max {gradient_max:.2e} below tol={tol:g}", history,
            )
        # 2. truncated CG in the trust region
        gradient_norm = float(np.sqrt(gradient @ (gradient / diagonal)))
        forcing = min(0.5, np.sqrt(gradient_norm))
        step, residual = _steihaug_cg(
            hessp, gradient, diagonal, radius, forcing * gradient_norm, null_space,
            max_iter=max(objective.n_params, 10), residual_max=_RESIDUAL_GOAL * tol,
        )
        # 3. actual against predicted reduction; q(s) = -(g @ s - r @ s) / 2
        # because r = -g - H @ s
        gs = float(gradient @ step)
        predicted = -0.5 * (gs - float(residual @ step))
        # One fused pass gives J, its gradient and curvature at the trial
        # point; all are kept for the next iteration if it is accepted.
        trial = theta + step
        # The step needs nothing more from theta's z and curvature: the Hessian
        # products a rejected step still asks for read the copy hessp holds.
        # Letting them go before the trial's arrive lowers the peak (digits,
        # 10 classes: 1.87 -> 1.54 X).
        objective.forget_points()
        new_value, new_gradient = objective.value_gradient(trial, keep_curvature=True)
        actual = value - new_value
        step_norm = float(np.sqrt(step @ (diagonal * step)))
        # 5. radius update (LWK Eq. 2.3): alpha minimises the quadratic
        # through J(theta), g @ s and J(theta + s) along s.
        curvature_term = new_value - value - gs
        alpha = (
            _SIGMA3 if curvature_term <= 0
            else max(_SIGMA1, -0.5 * gs / curvature_term)
        )
        radius = _update_radius(radius, actual, predicted, alpha * step_norm)
        # 4. accept or reject
        accept = actual > _ETA0 * predicted and np.isfinite(new_value)
        if not accept and predicted <= objective.value_noise(value):
            # J no longer tells better from worse, but the gradient still
            # does: a weakly curved direction (C * n large, a softmax
            # gauge) can hold coefficient errors of 1e-8 whose decrease of J
            # is below its rounding. Keep going while the step shrinks
            # max|g|; stop when even that fails.
            if not (np.isfinite(new_value) and np.max(np.abs(new_gradient)) < gradient_max):
                return SolverResult(
                    theta, True, iteration,
                    "the model predicts no decrease above rounding error: optimal "
                    "to the precision of the data", history,
                )
            accept = True
        if accept:
            theta = trial
            value, gradient, hessp = objective.value_gradient_hessp(theta)
            diagonal = _safe_diagonal(objective.hessian_diagonal(theta))
            gradient_max = max_abs(gradient)
        history.append(value)
        report(options, iteration, value, gradient_max, theta)
    return SolverResult(
        theta, gradient_max <= tol, options.max_iter,
        f"trust-region Newton reached max_iter={options.max_iter} with gradient "
        f"max {gradient_max:.2e} > tol={tol:g}; raise max_iter", history,
    )


def _update_radius(
    radius: float, actual: float, predicted: float, interpolated: float
) -> float:
    if actual < _ETA0 * predicted:
        return min(max(interpolated, _SIGMA1 * radius), _SIGMA2 * radius)
    if actual < _ETA1 * predicted:
        return max(_SIGMA1 * radius, min(interpolated, _SIGMA2 * radius))
    if actual < _ETA2 * predicted:
        return max(_SIGMA1 * radius, min(interpolated, _SIGMA3 * radius))
    return max(radius, min(interpolated, _SIGMA3 * radius))


def _safe_diagonal(diagonal: FloatArray) -> FloatArray:
    # Columns that are all zero have a zero Hessian diagonal (no penalty):
    # give them the mean curvature so M stays positive definite.
    positive = diagonal > 0
    floor = float(np.mean(diagonal[positive])) if np.any(positive) else 1.0
    return np.where(positive, diagonal, floor)


def _steihaug_cg(
    hessp: Callable[[FloatArray], FloatArray],
    gradient: FloatArray,
    diagonal: FloatArray,
    radius: float,
    residual_tol: float,
    null_space: FloatArray | None,
    max_iter: int,
    residual_max: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Preconditioned Steihaug CG for ``H @ s = -g`` within ``||s||_M <= radius``.

    Returns the step ``s`` and the residual ``r = -g - H @ s``. Stops when
    ``sqrt(r @ M^-1 @ r) <= residual_tol`` or ``max|r| <= residual_max``,
    when a step would leave the region (then it ends on the boundary), or
    on non-positive curvature (then it follows that direction to the
    boundary).
    """
    step = np.zeros_like(gradient)
    residual = -gradient
    preconditioned = _project(residual / diagonal, null_space)
    direction = preconditioned.copy()
    rz = float(residual @ preconditioned)
    for _ in range(max_iter):
        if np.sqrt(max(rz, 0.0)) <= residual_tol or max_abs(residual) <= residual_max:
            break
        hessian_direction = hessp(direction)
        curvature = float(direction @ hessian_direction)
        if curvature <= 0:
            tau = _to_boundary(step, direction, diagonal, radius)
            return step + tau * direction, residual - tau * hessian_direction
        alpha = rz / curvature
        new_step = step + alpha * direction
        if float(new_step @ (diagonal * new_step)) >= radius * radius:
            tau = _to_boundary(step, direction, diagonal, radius)
            return step + tau * direction, residual - tau * hessian_direction
        step = new_step
        residual = residual - alpha * hessian_direction
        preconditioned = _project(residual / diagonal, null_space)
        new_rz = float(residual @ preconditioned)
        direction = preconditioned + (new_rz / rz) * direction
        rz = new_rz
    return step, residual


def _to_boundary(
    step: FloatArray, direction: FloatArray, diagonal: FloatArray, radius: float
) -> float:
    """``tau >= 0`` with ``||step + tau * direction||_M = radius``, the root
    of a quadratic computed without cancellation (as in LIBLINEAR)."""
    md = diagonal * direction
    s_md = float(step @ md)
    d_md = float(direction @ md)
    s_ms = float(step @ (diagonal * step))
    gap = radius * radius - s_ms
    root = np.sqrt(max(s_md * s_md + d_md * gap, 0.0))
    if s_md >= 0:
        return gap / (s_md + root) if s_md + root > 0 else 0.0
    return (root - s_md) / d_md


def _project(vector: FloatArray, null_space: FloatArray | None) -> FloatArray:
    """Remove the components along the objective's flat directions."""
    if null_space is None:
        return vector
    return vector - null_space @ (null_space.T @ vector)
