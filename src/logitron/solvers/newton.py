"""Newton's method with a Cholesky solve and a backtracking line search."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .._numerics import FloatArray
from ..objective import Objective
from .line_search import backtracking_armijo
from .result import SolverOptions, SolverResult, report

_EPS = np.finfo(np.float64).eps


def newton_cholesky(
    objective: Objective, theta0: FloatArray, options: SolverOptions
) -> SolverResult:
    """Damped Newton's method on a smooth objective.

    Each iteration (Boyd & Vandenberghe (2004), *Convex Optimization*,
    Algorithm 9.5)::

        1. J, g, H at theta                  (one pass for g and H)
        2. d = -H^{-1} g                      (Cholesky factor of H, two
                                               triangular solves; never inv)
        3. decrement  lambda^2 = -g @ d = g @ H^{-1} @ g
        4. stop if max|g| <= tol and lambda^2 / 2 <= tol
        5. t by backtracking Armijo from t = 1
        6. theta = theta + t d

    ``lambda^2 / 2`` estimates ``J(theta) - J*`` near the optimum, so together
    with the gradient it certifies optimality in objective units; a test on
    the change of ``theta`` alone is rejected because a tiny step can also
    mean a badly scaled problem rather than convergence.

    Over-parametrised objectives (softmax) report their flat directions via
    ``null_space()``; their projector is added to ``H``, which makes it
    positive definite and leaves the step unchanged elsewhere. If ``H`` is
    still numerically singular (collinear features, no penalty), a diagonal
    shift ``tau * I`` is added and grown until the factorisation succeeds
    (a Levenberg-Marquardt safeguard).
    """
    theta: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    null_space = objective.null_space()
    history: list[float] = []
    for iteration in range(1, options.max_iter + 1):
        # 1. value, gradient and Hessian
        value, gradient, hessian = objective.value_gradient_hessian(theta)
        gradient_max = float(np.max(np.abs(gradient)))
        # 2. Newton direction
        if null_space is not None:
            hessian += null_space @ null_space.T
        direction = -_cholesky_solve(hessian, gradient)
        # 3.-4. Newton decrement and stopping test
        decrement = float(-gradient @ direction)
        if gradient_max <= options.tol and 0.5 * decrement <= options.tol:
            return SolverResult(
                theta, True, iteration - 1,
                f"gradient max {gradient_max:.2e} and Newton decrement "
                f"{0.5 * decrement:.2e} below tol={options.tol:g}", history,
            )
        if 0.5 * decrement <= 4 * objective.eps * abs(value):
            # The predicted decrease is below the rounding noise of J (float32
            # data: ~1e-7 |J|): a line search could not see it. In the
            # quadratic region the full step is right; take it and stop.
            theta = theta + direction
            history.append(objective.value(theta))
            return SolverResult(
                theta, True, iteration,
                "Newton decrement below the rounding error of the objective: "
                "optimal to the precision of the data", history,
            )
        # 5. step length
        line = objective.line(theta, direction)
        step = backtracking_armijo(line, value, -decrement)
        if not step.success:
            return SolverResult(
                theta, False, iteration - 1,
                "line search found no decrease along the Newton direction; the "
                "problem may be badly scaled (standardise the features)", history,
            )
        # 6. update
        theta = line.point(step.step)
        history.append(step.value)
        report(options, iteration, step.value, gradient_max)
    value, gradient = objective.value_gradient(theta)
    gradient_max = float(np.max(np.abs(gradient)))
    return SolverResult(
        theta, gradient_max <= options.tol, options.max_iter,
        f"Newton reached max_iter={options.max_iter} with gradient max "
        f"{gradient_max:.2e} > tol={options.tol:g}; raise max_iter or standardise "
        "the features", history,
    )


def _cholesky_solve(matrix: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve ``matrix @ x = rhs`` for symmetric positive (semi)definite input.

    Cholesky first; on failure, shift the diagonal by ``tau`` starting at
    ``1e-12 * max(diag)`` and growing tenfold until the factorisation holds.
    """
    shift = 0.0
    scale = max(float(np.max(np.abs(np.diag(matrix)))), _EPS)
    for _ in range(20):
        try:
            factor = scipy.linalg.cho_factor(
                matrix + shift * np.eye(len(matrix)) if shift else matrix,
                lower=True, check_finite=False,
            )
            return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
        except np.linalg.LinAlgError:
            shift = 1e-12 * scale if shift == 0.0 else 10.0 * shift
    raise np.linalg.LinAlgError("the Hessian is not positive definite even after shifting")
