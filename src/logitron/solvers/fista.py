"""FISTA: accelerated proximal gradient with backtracking and restarts."""

from __future__ import annotations

import numpy as np

from .._numerics import FloatArray
from ..objective import Objective
from .proximal import (
    CompositeObjective,
    as_composite,
    min_norm_subgradient,
    soft_threshold,
)
from .result import SolverOptions, SolverResult, report

_EPS = np.finfo(np.float64).eps


def fista(
    objective: Objective, theta0: FloatArray, options: SolverOptions
) -> SolverResult:
    """FISTA with backtracking for ``F = f + sum(l1 * |theta|)``.

    The method of Beck & Teboulle (2009), "A fast iterative
    shrinkage-thresholding algorithm for linear inverse problems", SIAM J.
    Imaging Sci. 2(1), Section 4 ("FISTA with backtracking"), with the
    gradient-based adaptive restart of O'Donoghue & Candès (2015), "Adaptive
    restart for accelerated gradient schemes", Found. Comput. Math. 15, eq.
    (12). Notation: ``L`` the current Lipschitz estimate of ``grad f``,
    ``p_L(y) = soft_threshold(y - grad f(y) / L, l1 / L)`` the proximal
    gradient step.

    Each iteration::

        1. f(y), g = grad f(y)                (z(y) is extrapolated from the
                                               z of the last two iterates, so
                                               this is one backward pass)
        2. backtracking: x_new = p_L(y) with the smallest L = L * 2**i such
           that f(x_new) <= f(y) + g @ (x_new - y) + L/2 ||x_new - y||^2;
           once that bound is below the rounding error of f, the stricter
           (g(x_new) - g) @ (x_new - y) <= L/2 ||x_new - y||^2 is tested
           instead, as in Becker, Candès & Grant (2011), "Templates for
           convex cone problems", Math. Prog. Comp. 3, Section 5.3
        3. stop if the gradient mapping max|L (y - x_new)| <= tol and the
           min-norm subgradient of F at x_new, max|s| <= tol
        4. restart if (y - x_new) @ (x_new - x) > 0 (the step turned back
           against the momentum): t = 1, and L halves, since a restart
           begins a new FISTA run that may start from a smaller estimate
        5. t_new = (1 + sqrt(1 + 4 t^2)) / 2
           y = x_new + (t - 1) / t_new * (x_new - x)

    Because the linear unit is linear in theta, ``z(y) = z(x_new) + beta *
    (z(x_new) - z(x))``: the extrapolated point costs no pass over ``X``.

    Parameters
    ----------
    objective : Objective
        A ``CompositeObjective``: smooth part with ``value_gradient``, L1
        weights from ``l1_strengths``.
    theta0 : ndarray of shape (p,)
        Starting point.
    options : SolverOptions
        ``tol`` on the min-norm subgradient max-norm, ``max_iter`` iterations.
    """
    objective = as_composite(objective)
    l1 = objective.l1_strengths()
    x: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    raw_x = objective.raw_prediction(x)
    y, raw_y = x, raw_x
    momentum = 1.0
    lipschitz = _initial_lipschitz(objective, x)
    history: list[float] = []
    for iteration in range(1, options.max_iter + 1):
        # 1. smooth value and gradient at the extrapolated point
        objective.remember(y, raw_y)
        value_y, gradient_y = objective.value_gradient(y)
        # 2. backtracking on the quadratic upper model
        noise = 1e4 * _EPS * max(abs(value_y), 1.0)
        while True:
            gradient_new = None
            x_new = soft_threshold(y - gradient_y / lipschitz, l1 / lipschitz)
            step = x_new - y
            value_new = objective.value(x_new)
            bound = 0.5 * lipschitz * float(step @ step)
            if bound > noise:
                accepted = value_new - value_y - float(gradient_y @ step) <= bound
            else:
                # Below the rounding of f the value test is a coin toss; for
                # convex f, f(x) - f(y) - g(y) @ s <= (g(x) - g(y)) @ s, so
                # this gradient test implies it and stays exact.
                _, gradient_new = objective.value_gradient(x_new)
                accepted = float((gradient_new - gradient_y) @ step) <= bound
            if accepted:
                break
            lipschitz *= 2.0
            if not np.isfinite(lipschitz):
                return SolverResult(
                    x,
                    False,
                    iteration - 1,
                    "FISTA backtracking found no step size: the objective is "
                    "not finite near the iterate; standardise the features",
                    history,
                )
        raw_new = objective.raw_prediction(x_new)
        composite = value_new + objective.nonsmooth_value(x_new)
        history.append(composite)
        mapping = lipschitz * float(np.max(np.abs(step))) if step.size else 0.0
        report(options, iteration, composite, mapping, x_new)
        # 3. stopping test, confirmed on the true optimality measure
        if mapping <= options.tol:
            if gradient_new is None:
                _, gradient_new = objective.value_gradient(x_new)
            optimality = float(
                np.max(np.abs(min_norm_subgradient(x_new, gradient_new, l1)))
            )
            if optimality <= options.tol:
                return SolverResult(
                    x_new,
                    True,
                    iteration,
                    f"min-norm subgradient max {optimality:.2e} below "
                    f"tol={options.tol:g}",
                    history,
                )
        # 4. adaptive restart
        if float(step @ (x_new - x)) < 0.0:
            momentum = 1.0
            lipschitz *= 0.5
        # 5. momentum and extrapolation, in theta and in z
        momentum_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * momentum**2))
        beta = (momentum - 1.0) / momentum_new
        y = x_new + beta * (x_new - x)
        raw_y = raw_new + beta * (raw_new - raw_x) if beta else raw_new
        x, raw_x, momentum = x_new, raw_new, momentum_new
    _, gradient = objective.value_gradient(x)
    optimality = float(np.max(np.abs(min_norm_subgradient(x, gradient, l1))))
    return SolverResult(
        x,
        optimality <= options.tol,
        options.max_iter,
        f"FISTA reached max_iter={options.max_iter} with min-norm subgradient max "
        f"{optimality:.2e} > tol={options.tol:g}; raise max_iter, standardise the "
        "features, or use solver='prox-newton'",
        history,
    )


def _initial_lipschitz(objective: CompositeObjective, theta: FloatArray) -> float:
    """A local curvature estimate ``||g(theta + e) - g(theta)|| / ||e||``.

    Backtracking only ever raises ``L`` (until a restart), so starting from
    this secant estimate rather than a worst-case bound keeps the first steps
    long; a too-small start costs a few doublings once.
    """
    _, gradient = objective.value_gradient(theta)
    norm = float(np.linalg.norm(gradient))
    if norm == 0.0:
        return 1.0
    probe = theta - gradient * (1e-3 / norm)
    _, gradient_probe = objective.value_gradient(probe)
    estimate = float(np.linalg.norm(gradient_probe - gradient)) / 1e-3
    return max(estimate, 1e-12)
