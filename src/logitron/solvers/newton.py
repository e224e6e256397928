"""Newton's method with a Cholesky solve and a backtracking line search."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs

from .._numerics import FloatArray
from ..objective import Objective
from .line_search import backtracking_armijo
from .newton_certificate import bounds_after_step
from .result import SolverOptions, SolverResult, max_abs, report

_EPS = np.finfo(np.float64).eps

#: Chord steps must shrink the Newton decrement at least this much.
_MAX_CHORD_CONTRACTION = 0.5


def newton_cholesky(
    objective: Objective, theta0: FloatArray, options: SolverOptions,
    first_hessian: FloatArray | None = None,
) -> SolverResult:
    """Damped Newton's method on a smooth objective, reusing Hessian factors.

    Each iteration (Boyd & Vandenberghe (2004), *Convex Optimization*,
    Algorithm 9.5, with the Hessian refreshed as in Shamanskii's modified
    Newton method, Kelley (2003), *Solving Nonlinear Equations with Newton's
    Method*, Section 1.9)::

        1. g at theta; H (one blocked pass over X) when the factor is stale
        2. d = -H^{-1} g        (Cholesky factor of H, two triangular solves;
                                 never inv)
        3. decrement  lambda^2 = -g @ d = g @ H^{-1} @ g
        4. stop if max|g| <= tol and lambda^2 / 2 <= tol; or, after a fresh
           H, at theta + d if bounds on both at theta + d meet the test
           (two classes, when the objective bounds the step's change of z:
           ``newton_certificate``); that saves the pass which would only
           confirm convergence
        5. t by backtracking Armijo from t = 1
        6. theta = theta + t d; after a full step (t = 1) decide whether the
           next step reuses the factor of H (a chord step) or forms H anew

    ``lambda^2 / 2`` estimates ``J(theta) - J*`` near the optimum, so together
    with the gradient it certifies optimality in objective units; a test on
    the change of ``theta`` alone is rejected because a tiny step can also
    mean a badly scaled problem rather than convergence.

    Forming H costs about ``n * p**2 / 2`` flops against ``2 * n * p`` for a
    gradient; near the optimum H barely changes, so a step with the old
    factor (a chord step) gains nearly as much as a fresh Newton step at a
    fraction of the cost. In particular the last Hessian, formed only to
    certify convergence, is never needed: the decrement is estimated with
    the previous factor.

    The choice in step 6 compares the expected gain, in digits of the
    decrement, per unit of work. A chord step costs one unit (a gradient
    and a line pass) and contracts lambda^2 by the ratio the last chord step
    achieved (linear convergence); right after a Newton step that contracted
    lambda^2 by ``rho``, by about ``4 * rho`` (the chord error is
    ``(I - H_old^-1 H) e`` with ``||I - H_old^-1 H||`` twice the Newton
    contraction of the error, so four times in squared units). A fresh
    Newton step costs
    ``1 + c_H`` units, with ``c_H`` the Hessian's cost in gradients
    (``objective.hessian_cost()``: ``2 + p / 40`` on large data, where the
    blocked ``syrk`` does ``p / 2`` flops per entry of X at BLAS-3 speed,
    measured at about ``p / 40`` gradients for p >= 100, and the extra 2
    pays for the per-sample curvature and the Cholesky factor; less on
    small data, where each call's fixed cost outweighs the flops), and
    contracts by ``M * lambda^2`` where ``M`` is measured on the last Newton
    step (quadratic convergence: ``lambda_new^2 = M * lambda^4``).

    Over-parametrised objectives (softmax) report their flat directions via
    ``null_space()``; their projector is added to ``H``, which makes it
    positive definite and leaves the step unchanged elsewhere. If ``H`` is
    still numerically singular (collinear features, no penalty), a diagonal
    shift ``tau * I`` is added and grown until the factorisation succeeds
    (a Levenberg-Marquardt safeguard).

    ``first_hessian``, when given, stands in for the Hessian at ``theta0``
    in the first step: an estimate from a row sample (``solver="auto"``,
    ``fitting``), which serves a step from far away as well as the exact
    one. That step is then judged like a Newton step by step 6.
    """
    tol = max(options.tol, objective.gradient_floor())
    theta: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    null_space = objective.null_space()
    hessian_cost = objective.hessian_cost()
    history: list[float] = []
    # The point whose exact Hessian ``hessian`` is (None: a sample's estimate),
    # handed back for the statistics' reuse (``SolverResult.hessian``).
    hessian_theta: FloatArray | None = theta
    if first_hessian is None:
        value, gradient, hessian = objective.value_gradient_hessian(theta)
    else:
        value, gradient = objective.value_gradient(theta, keep_curvature=True)
        hessian, hessian_theta = np.array(first_hessian, dtype=np.float64, copy=True), None

    def last_hessian() -> tuple[FloatArray, FloatArray] | None:
        # The null space's projector was added to a softmax Hessian in place.
        if hessian_theta is None or null_space is not None:
            return None
        return hessian_theta, hessian

    factor = shifted_cholesky(hessian, null_space)
    fresh = True  # whether factor is of the Hessian at theta
    last_decrement, last_was_newton = np.inf, False
    quadratic_constant = np.inf  # M in lambda_new^2 = M * lambda^4
    for iteration in range(1, options.max_iter + 1):
        gradient_max = max_abs(gradient)
        # 1.-3. direction and decrement, with the kept factor if any
        direction = -cholesky_solve(factor, gradient)
        decrement = -float(gradient @ direction)
        converged = gradient_max <= tol and 0.5 * decrement <= tol
        if not (fresh or converged):
            contraction = decrement / last_decrement
            chord_contraction = contraction
            if last_was_newton:
                quadratic_constant = decrement / last_decrement**2
                chord_contraction = 4 * contraction
            newton_contraction = min(quadratic_constant * decrement, 1.0)
            # Both decrements positive (rounding aside, a positive definite
            # factor gives nothing else), so the logarithms are defined.
            chord = 0 < chord_contraction <= _MAX_CHORD_CONTRACTION and decrement > 0 and (
                (1 + hessian_cost) * math.log(1 / chord_contraction)
                >= math.log(1 / newton_contraction)
            )
            if not chord:
                # The old Hessian and its factor go first: on small data
                # (p x p beside n x p) they are a share of the fit's peak.
                del hessian, factor
                value, gradient, hessian = objective.value_gradient_hessian(theta)
                factor, fresh = shifted_cholesky(hessian, null_space), True
                hessian_theta = theta
                direction = -cholesky_solve(factor, gradient)
                decrement = -float(gradient @ direction)
                converged = gradient_max <= tol and 0.5 * decrement <= tol
        # 4. stopping tests
        if converged:
            if tol > options.tol:
                # Stopped by the rounding floor of a float32 gradient, not by
                # tol: the Newton step from here is still exact to second
                # order and takes the coefficients to the data's precision.
                theta = theta + direction
            return SolverResult(
                theta, True, iteration - 1,
                f"gradient max {gradient_max:.2e} and Newton decrement "
                f"{0.5 * decrement:.2e} below tol={tol:g}", history, last_hessian(),
            )
        # The bound needs the exact Hessian at theta, and a tol above the
        # gradient's rounding floor (at the floor a gradient is noise).
        exact = fresh and not (iteration == 1 and first_hessian is not None)
        bound = objective.parameter_bound() if exact and tol == options.tol else None
        if bound is not None and null_space is None:
            gradient_bound, decrement_bound = bounds_after_step(
                gradient, hessian, direction, bound,
                partial(cholesky_solve, factor),
            )
            if gradient_bound + objective.gradient_floor() <= tol and decrement_bound <= tol:
                return SolverResult(
                    theta + direction, True, iteration,
                    f"after the last Newton step, gradient max at most "
                    f"{gradient_bound:.2e} and Newton decrement at most "
                    f"{decrement_bound:.2e} (bounded from the step's pass), "
                    f"below tol={tol:g}", history, last_hessian(),
                )
        line = objective.line(theta, direction, curvature=True)
        if 0.5 * decrement <= line.value_noise(value):
            # The step's gain is below the rounding error of J, so no line
            # search can judge it; a full Newton step is still exact to
            # second order (with the Hessian at theta, not a kept one), so
            # take it and stop.
            if not fresh or (iteration == 1 and first_hessian is not None):
                _, _, hessian = objective.value_gradient_hessian(theta)
                factor, hessian_theta = shifted_cholesky(hessian, null_space), theta
                direction = -cholesky_solve(factor, gradient)
            return SolverResult(
                theta + direction, True, iteration,
                "Newton decrement below the rounding error of the objective: "
                "optimal to the precision of the data", history, last_hessian(),
            )
        # 5. step length; the full step t = 1 first, by one fused pass whose
        # gradient is the next iteration's if the step is taken (and whose
        # curvature stays cached for a next Hessian)
        trial = theta + direction
        trial_value, trial_gradient = objective.value_gradient(trial, keep_curvature=True)
        step = backtracking_armijo(line, value, -decrement, first=trial_value)
        if not step.success:
            return SolverResult(
                theta, False, iteration - 1,
                "line search found no decrease along the Newton direction; the "
                "problem may be badly scaled (standardise the features)", history,
            )
        # 6. update; after a damped step H has changed too much to be reused
        last_decrement, last_was_newton = decrement, fresh
        if step.step == 1.0:
            theta, value, gradient = trial, trial_value, trial_gradient
            fresh = False
            del line  # its n-sized arrays (z, X @ d) are not held into the next Hessian
        else:
            theta = line.point(step.step)
            del line, hessian, factor
            value, gradient, hessian = objective.value_gradient_hessian(theta)
            factor, fresh = shifted_cholesky(hessian, null_space), True
            hessian_theta = theta
        history.append(value)
        if options.callback is not None:
            report(options, iteration, value, max_abs(gradient), theta)
    gradient_max = max_abs(gradient)
    return SolverResult(
        theta, gradient_max <= tol, options.max_iter,
        f"Newton reached max_iter={options.max_iter} with gradient max "
        f"{gradient_max:.2e} > tol={tol:g}; raise max_iter or standardise "
        "the features", history, last_hessian(),
    )


def shifted_cholesky(matrix: FloatArray, null_space: FloatArray | None) -> FloatArray:
    """Lower Cholesky factor of a symmetric positive (semi)definite Hessian.

    The projector on ``null_space`` is added first, in place (pass a copy
    to keep ``matrix``). On failure, shift the
    diagonal by ``tau`` starting at ``1e-12 * max(diag)`` and growing
    tenfold until the factorisation holds. LAPACK ``potrf`` is called
    directly: scipy's wrappers cost more than the factorisation of a small
    Hessian. Also L-BFGS's initial inverse Hessian from a sample's Hessian
    (``lbfgs``'s ``initial_hessian``).
    """
    if null_space is not None:
        matrix += null_space @ null_space.T
    factor, info = dpotrf(matrix, lower=1, clean=0)
    if info == 0:
        return factor
    scale = max(float(np.max(np.abs(np.diag(matrix)))), _EPS)
    shift = 1e-12 * scale
    for _ in range(19):
        factor, info = dpotrf(matrix + shift * np.eye(len(matrix)), lower=1, clean=0)
        if info == 0:
            return factor
        shift *= 10.0
    raise np.linalg.LinAlgError(
        "the Hessian is not positive definite even after shifting"
    )


def cholesky_solve(factor: FloatArray, rhs: FloatArray) -> FloatArray:
    """``H^-1 @ rhs`` from the lower Cholesky factor (two triangular solves)."""
    solution, info = dpotrs(factor, rhs, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACK potrs failed (info={info})")
    return np.asarray(solution)
