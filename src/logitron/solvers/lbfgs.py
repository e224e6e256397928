"""Limited-memory BFGS with a strong-Wolfe line search."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from .._numerics import FloatArray
from ..objective import Objective
from .line_search import strong_wolfe
from .newton import cholesky_solve, shifted_cholesky
from .result import SolverOptions, SolverResult, max_abs, report

#: Number of (s, y) pairs kept. Each costs two vectors of size p and 4p flops
#: per iteration, nothing next to a pass over X; a longer memory than the
#: usual 10 saves iterations on ill-conditioned problems.
MEMORY = 20


def lbfgs(
    objective: Objective, theta0: FloatArray, options: SolverOptions,
    initial_hessian: FloatArray | None = None,
    coarse: Callable[[], Objective] | None = None,
) -> SolverResult:
    """L-BFGS (Nocedal & Wright (2006), *Numerical Optimization*, Algorithm 7.5).

    Each iteration::

        1. stop if max|g| <= tol
        2. d = -H_k @ g by the two-loop recursion (Algorithm 7.4) over the
           last m pairs s_i = theta_{i+1} - theta_i, y_i = g_{i+1} - g_i,
           starting from H_0 = gamma * D^-1 with D the Hessian's diagonal
           at the start and gamma = (s @ y) / (y @ D^-1 @ y), Eq. 7.20 in
           the metric of D
        3. t by a strong-Wolfe line search (Algorithms 3.5-3.6); t = 1 is
           tried first, with the value and gradient at theta + d from one
           fused pass over X, and L-BFGS usually accepts it
        4. theta = theta + t d;  g = gradient at theta (already known for
           t = 1; otherwise the line search's last trial holds z and dJ/dz,
           and one backward pass remains)
        5. keep (s, y) when s @ y > 0 (the Wolfe curvature condition
           guarantees it; rounding may not), dropping the oldest pair

    Cost per iteration: one pass over ``X`` when t = 1 is accepted; a
    line search that moves on costs O(n) per trial (X @ d is the difference
    of the two cached z's) and one more pass for the final gradient.

    The diagonal ``D`` (one pass over ``X``, once) makes the iterates
    independent of the scale of each feature: without it, features spanning
    1e-3 to 1e3 give a Hessian of condition 1e12 and L-BFGS stalls.

    ``initial_hessian`` (p, p), when given, is an estimate of the Hessian
    near ``theta0`` (a row sample's at its optimum: ``sampled_start``); then
    ``H_0 = initial_hessian^-1``, applied by a Cholesky solve
    (``newton.shifted_cholesky``, its flat directions made positive as
    Newton's are), in place of ``gamma * D^-1``, and without the scaling
    gamma: a good estimate of the whole Hessian already has the scale that
    gamma measures along one direction only. The first direction is then a
    Newton step with the estimate, and the pairs correct what the sample
    got wrong.

    ``tol`` bounds the max-norm of the gradient of the mean-scale objective.
    For float32 data it is raised to the gradient's rounding level.

    ``coarse``, when given, makes the same objective over a float32 copy
    of ``X`` (``LogisticObjective.in_float32``), held only while it is
    used: its passes read half the bytes. The iterations run on it until
    its gradient reaches its rounding level (or its line search fails, or
    ``tol`` is met), then on ``objective`` from the same point with the
    same pairs: a pair measured in float32 is a fine curvature estimate,
    so the float64 phase goes on where the float32 one stopped instead of
    starting again (wide-2kx5000: 44 iterations either way, 37 of the 46
    passes over float32). The stopping test is always the float64 gradient's.
    """
    tol = max(options.tol, objective.gradient_floor())
    theta: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    current = objective if coarse is None else coarse()
    # Where the iterations leave the float32 copy: its gradient's rounding level.
    switch_tol = max(tol, current.gradient_floor())
    # The curvature at the start feeds the diagonal below without a second
    # pass over the loss.
    value, gradient = current.value_gradient(
        theta, keep_curvature=initial_hessian is None
    )
    initial = (
        _diagonal_start(current, theta) if initial_hessian is None
        else _cholesky_start(objective, initial_hessian)
    )
    pairs: deque[tuple[FloatArray, FloatArray, float]] = deque(maxlen=MEMORY)
    history: list[float] = []
    gradient_max = max_abs(gradient)
    for iteration in range(1, options.max_iter + 1):
        if current is not objective and gradient_max <= switch_tol:
            # 0. the float32 phase is done: the same point in float64, the
            # copy of X let go
            current = objective
            value, gradient = objective.value_gradient(theta)
            gradient_max = max_abs(gradient)
        # 1. stopping test
        if gradient_max <= tol:
            return SolverResult(
                theta, True, iteration - 1,
                f"gradient max {gradient_max:.2e} below tol={tol:g}", history,
            )
        # 2. quasi-Newton direction
        direction = _two_loop(gradient, pairs, initial)
        slope = float(gradient @ direction)
        if not slope < 0:
            # Rounding broke the positive definiteness of H_k: restart.
            pairs.clear()
            direction = -initial.apply(gradient)
            slope = float(gradient @ direction)
        # 3. line search, its first trial t = 1 by a fused value-and-gradient
        # pass: when accepted (the rule), the iteration reads X once
        trial = theta + direction
        trial_value, trial_gradient = current.value_gradient(trial)
        line = current.line(theta, direction)
        step = strong_wolfe(
            line, value, slope, first=(trial_value, float(trial_gradient @ direction))
        )
        if not step.success:
            if current is not objective:
                switch_tol = np.inf  # float32 can go no further: float64 next
                continue
            if pairs:
                pairs.clear()  # retry once along -H_0 g
                continue
            if -slope <= line.value_noise(value):
                return SolverResult(
                    theta, True, iteration - 1,
                    "no decrease measurable above rounding error: optimal to the "
                    "precision of the data", history,
                )
            return _stalled(theta, iteration - 1, history, gradient_max, tol)
        # 4. move
        new_theta = trial if step.step == 1.0 else line.point(step.step)
        new_value, new_gradient = current.value_gradient(new_theta)
        # 5. memory update
        s = new_theta - theta
        y = new_gradient - gradient
        sy = float(s @ y)
        if sy > np.finfo(np.float64).eps * float(y @ y):
            pairs.append((s, y, 1.0 / sy))
        theta, value, gradient = new_theta, new_value, new_gradient
        gradient_max = max_abs(gradient)
        history.append(value)
        report(options, iteration, value, gradient_max, theta)
    converged = gradient_max <= tol
    return SolverResult(
        theta, converged, options.max_iter,
        f"L-BFGS reached max_iter={options.max_iter} with gradient max "
        f"{gradient_max:.2e} > tol={tol:g}; raise max_iter or standardise the "
        "features", history,
    )


class _InitialInverse:
    """``H_0``: ``apply(v) = H_0 @ v``, scaled per iteration by gamma
    (Eq. 7.20) when ``scaled``."""

    def __init__(self, apply: Callable[[FloatArray], FloatArray], scaled: bool) -> None:
        self.apply = apply
        self.scaled = scaled


def _diagonal_start(objective: Objective, theta: FloatArray) -> _InitialInverse:
    """``H_0 = D^-1``, the inverse of the Hessian's diagonal at ``theta``."""
    inverse_diagonal = 1.0 / _positive(objective.hessian_diagonal(theta))
    return _InitialInverse(lambda vector: inverse_diagonal * vector, scaled=True)


def _cholesky_start(objective: Objective, hessian: FloatArray) -> _InitialInverse:
    """``H_0 = hessian^-1`` by a Cholesky solve."""
    factor = shifted_cholesky(
        np.array(hessian, dtype=np.float64, copy=True), objective.null_space()
    )
    return _InitialInverse(lambda vector: cholesky_solve(factor, vector), scaled=False)


def _two_loop(
    gradient: FloatArray,
    pairs: deque[tuple[FloatArray, FloatArray, float]],
    initial: _InitialInverse,
) -> FloatArray:
    """``-H_k @ g`` by Nocedal & Wright's Algorithm 7.4."""
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        alpha = rho * float(s @ q)
        q -= alpha * y
        alphas.append(alpha)
    r = initial.apply(q)
    if pairs and initial.scaled:
        s, y, rho = pairs[-1]
        r *= 1.0 / (rho * float(y @ initial.apply(y)))
    for (s, y, rho), alpha in zip(pairs, reversed(alphas), strict=True):
        beta = rho * float(y @ r)
        r += (alpha - beta) * s
    return -r


def _positive(diagonal: FloatArray) -> FloatArray:
    # An all-zero column without penalty has no curvature: give it the mean.
    positive = diagonal > 0
    floor = float(np.mean(diagonal[positive])) if np.any(positive) else 1.0
    return np.where(positive, diagonal, floor)


def _stalled(
    theta: FloatArray, n_iter: int, history: list[float], gradient_max: float,
    tol: float,
) -> SolverResult:
    return SolverResult(
        theta, False, n_iter,
        f"L-BFGS line search found no decrease with gradient max "
        f"{gradient_max:.2e} > tol={tol:g}: the objective is flat to rounding "
        "error along the search direction; standardise the features or use "
        "solver='newton'", history,
    )
