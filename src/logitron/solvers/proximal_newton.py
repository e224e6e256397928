"""Proximal Newton on a working set: exact inner solves on a small Hessian,
Newton-CG on Hessian products for a large one."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.lapack import dposv as _positive_definite_solve

from .._numerics import FloatArray
from ..objective import LineFunction, Objective
from .proximal import (
    CompositeObjective,
    CompositeStep,
    as_composite,
    composite_armijo,
    min_norm_subgradient,
    soft_threshold,
)
from .result import SolverOptions, SolverResult, report

# Smallest working set: below it, forming the Gram of all candidates costs
# less than the extra outer iterations a tighter set would need.
_MIN_WORKING_SET = 64
# Inner sweeps allowed per outer iteration; the forcing rule below usually
# stops the inner solve after a few.
_MAX_SWEEPS = 100
# Walls an active-set phase may hit before a sweep takes over: each costs a
# Cholesky solve, and a sweep moves many entries to zero at once.
_MAX_WALLS = 3
# Doublings of a full step that beat its model (t up to 8).
_MAX_EXTRAPOLATIONS = 3
# Rounds of sign exchanges before the sweeps take over.
_MAX_EXCHANGES = 20
# Most multiply-adds (n * m^2) spent forming the working set's Hessian: the
# exact inner solve on it finds the model's active set in one outer
# iteration, but beyond a few milliseconds of BLAS (and the O(m^2) Python
# sweeps) a few conjugate-gradient solves on Hessian products, two passes
# over X each, are cheaper, even if the outer iteration needs more of them.
_MAX_GRAM_WORK = 1e7
# Conjugate-gradient iterations allowed per outer iteration on that path.
_MAX_CG = 250


def proximal_newton(
    objective: Objective, theta0: FloatArray, options: SolverOptions
) -> SolverResult:
    """Proximal Newton for ``F = f + sum(l1 * |theta|)`` (newGLMNET).

    Each outer iteration minimises the second-order model of the smooth part
    plus the exact L1 term,

    ::

        q(d) = g @ d + d @ H @ d / 2 + sum(l1 * |theta + d|)

    then backtracks on ``F`` along ``d``. This is the method of Yuan, Ho &
    Lin (2012), "An improved GLMNET for L1-regularized logistic regression",
    JMLR 13, Algorithm 3, with changes for NumPy: the model is minimised on a
    *working set* of columns, grown from the largest optimality violations
    as in Johnson & Guestrin (2015), "Blitz: a principled meta-algorithm for
    scaling sparse optimization", and how depends on its size. Entries
    outside the working set stay fixed for that iteration; the stopping test
    always looks at every entry, so the answer is the optimum of the full
    problem.

    Each iteration::

        1. f, g at theta                    (one backward pass; z is cached)
        2. s = min-norm subgradient of F;  stop if max|s| <= tol
        3. working set W: the intercept, every column with a non-zero
           coefficient and the columns of largest |s|, at most ws_size
        4. if forming H_W costs at most _MAX_GRAM_WORK multiply-adds
           (n * m^2 for m entries), or f has flat directions:
               H_W = Hessian of f on W       (one weighted Gram of X[:, W])
               d_W = argmin q                (``_solve_model``: sign
                                              exchanges, else subspace
                                              Newton steps and sweeps)
           else:
               d_W from Newton-CG on the predicted orthant
                                             (``_orthant_newton``: Hessian
                                              products, two passes each)
           Inner solves stop at max(max|s| * eta, tol / 10) in gradient
           units, eta = min(0.1, max|s|) on the formed Hessian and
           min(0.5, sqrt(max|s|)) for CG (forcing sequences that make the
           outer convergence quadratic and superlinear: Lee, Sun & Saunders
           (2014), "Proximal Newton-type methods for minimizing composite
           functions", SIAM J. Optim. 24(3), Section 3.2; Nocedal & Wright
           (2006), eq. (7.3))
        5. t by backtracking from 1 with the Armijo rule for composite
           functions (``composite_armijo``); after a full step that beat
           the model, t = 2, 4, 8 while F falls and no sign changes
           (``_extrapolate``)
        6. theta = theta + t d;  double ws_size if W was full

    Coordinate step ``j`` of the inner sweeps is closed-form: with
    ``u = theta_j + d_j``, ``a = H_jj`` and ``G_j = g_j + (H @ d)_j``::

        u_new = soft_threshold(u - G_j / a, l1_j / a)

    which lands exactly on zero for every coefficient the L1 term removes;
    the exchanges and the orthant projection set entries to exactly zero
    likewise.

    Parameters
    ----------
    objective : Objective
        A ``CompositeObjective``: smooth part with ``value_gradient`` and
        ``hessian_on_columns``, L1 weights from ``l1_strengths``.
    theta0 : ndarray of shape (p,)
        Starting point (a warm start along a regularisation path).
    options : SolverOptions
        ``tol`` on ``max|s|`` (mean-scale gradient units), ``max_iter`` outer
        iterations.
    """
    objective = as_composite(objective)
    theta: FloatArray = np.array(theta0, dtype=np.float64, copy=True)
    l1 = objective.l1_strengths()
    columns = objective.parameter_columns()
    n_columns = int(columns.max()) + 1
    ws_size = _MIN_WORKING_SET
    n_samples = objective.n_samples
    entries_per_column = len(theta) / n_columns
    # CG on Hessian products needs a definite smooth part on the predicted
    # orthant; a softmax layer's flat (gauge) directions are left to the
    # dense solve, whose diagonal shift handles them.
    products_apply = objective.null_space() is None
    history: list[float] = []
    for iteration in range(1, options.max_iter + 1):
        # 1. smooth value and gradient
        smooth_value, gradient = objective.value_gradient(theta, keep_curvature=True)
        value = smooth_value + objective.nonsmooth_value(theta)
        # 2. optimality
        subgradient = min_norm_subgradient(theta, gradient, l1)
        optimality = float(np.max(np.abs(subgradient)))
        if optimality <= options.tol:
            return SolverResult(
                theta,
                True,
                iteration - 1,
                f"min-norm subgradient max {optimality:.2e} below tol={options.tol:g}",
                history,
            )
        # 3. working set
        working, ws_full = _working_set(theta, subgradient, columns, n_columns, ws_size)
        # 4. the model's minimiser on W
        n_entries = len(working) * entries_per_column
        if n_samples * n_entries**2 > _MAX_GRAM_WORK and products_apply:
            index = np.flatnonzero(np.isin(columns, working))
            # Each CG iteration costs two passes over X: the looser forcing
            # of truncated Newton methods (still superlinear).
            inner_tol = max(optimality * min(0.5, np.sqrt(optimality)), 0.1 * options.tol)
            direction_w = _orthant_newton(objective, theta, gradient, l1, index, inner_tol)
        else:
            inner_tol = max(optimality * min(0.1, optimality), 0.1 * options.tol)
            index, hessian = objective.hessian_on_columns(theta, working)
            direction_w = _solve_model(
                hessian, gradient[index], theta[index], l1[index], inner_tol
            )
        direction = np.zeros_like(theta)
        direction[index] = direction_w
        trial = theta[index] + direction_w
        decrease = float(gradient[index] @ direction_w) + float(
            l1[index] @ (np.abs(trial) - np.abs(theta[index]))
        )
        if decrease >= 0.0:
            return _stalled(theta, iteration - 1, optimality, options, history)
        # 5. composite Armijo backtracking, then extrapolation
        line = objective.line(theta, direction, curvature=True)
        value_at = _composite_along(objective, line)
        step = composite_armijo(value_at, value, decrease)
        if not step.success:
            return _stalled(theta, iteration - 1, optimality, options, history)
        if line.trials_are_cheap:
            step = _extrapolate(value_at, theta, direction, value, step, decrease)
        # 6. update (theta_j + (0 - theta_j) is exactly 0: zeros survive)
        theta = line.point(step.step)
        history.append(step.value)
        report(options, iteration, step.value, optimality)
        if ws_full:
            ws_size = min(2 * ws_size, n_columns)
    smooth_value, gradient = objective.value_gradient(theta)
    optimality = float(np.max(np.abs(min_norm_subgradient(theta, gradient, l1))))
    return SolverResult(
        theta,
        optimality <= options.tol,
        options.max_iter,
        f"proximal Newton reached max_iter={options.max_iter} with min-norm "
        f"subgradient max {optimality:.2e} > tol={options.tol:g}; raise max_iter "
        "or standardise the features",
        history,
    )


def _extrapolate(
    value_at: Callable[[float], float],
    theta: FloatArray,
    direction: FloatArray,
    value: float,
    accepted: CompositeStep,
    decrease: float,
) -> CompositeStep:
    """Steps ``t = 2, 4, 8`` after a full step that beat the model.

    Far from the optimum the logistic loss flattens along ``d`` faster than
    its quadratic model predicts (the curvature ``p (1 - p)`` shrinks as the
    margins grow), so the full step falls short: each outer iteration then
    only doubles the coefficients' scale. When the full step lowered ``F``
    by at least half the predicted first-order decrease (what the quadratic
    model promises at its minimiser), longer steps are tried while ``F``
    keeps falling and every entry keeps its sign at ``t = 1``: the zeros of
    ``theta + d`` stay exact and no coefficient crosses zero. Each trial
    costs O(n) on the cached ``X @ d``; each outer iteration saved costs a
    Hessian and an inner solve. Every accepted step lowers ``F`` below the
    Armijo step's value, so the global convergence of the backtracking
    method is kept.
    """
    if accepted.step != 1.0 or value - accepted.value < -0.5 * decrease:
        return accepted
    signs = np.sign(theta + direction)
    best = accepted
    for _ in range(_MAX_EXTRAPOLATIONS):
        step = 2.0 * best.step
        if not np.array_equal(np.sign(theta + step * direction), signs):
            break
        trial = value_at(step)
        if not trial < best.value:
            break
        best = CompositeStep(step, trial, True)
    return best


def _composite_along(
    objective: CompositeObjective, line: LineFunction
) -> Callable[[float], float]:
    """``t -> F(theta + t d)``, the smooth part in O(n) through ``line``.

    Each trial also evaluates ``dJ/dz`` and the curvature there (one pass over
    the n-sized work, no pass over ``X``) and hands them with ``z`` to the
    objective's cache: the accepted trial's gradient and Hessian then cost
    only their products with ``X``.
    """

    def value_at(step: float) -> float:
        smooth_value, _ = line.value_derivative(step)
        point = line.point(step)
        return smooth_value + objective.nonsmooth_value(point)

    return value_at


def _working_set(
    theta: FloatArray,
    subgradient: FloatArray,
    columns: NDArray[np.intp],
    n_columns: int,
    ws_size: int,
) -> tuple[NDArray[np.intp], bool]:
    """Columns to optimise over, and whether the size limit cut candidates.

    A column's priority is its largest |subgradient| over the classes;
    columns holding a non-zero entry get priority ``inf`` because dropping
    them would freeze coefficients that are still moving.
    """
    if len(columns) == n_columns:  # one entry per column: no reduction
        priority = np.empty(n_columns)
        priority[columns] = np.where(theta != 0, np.inf, np.abs(subgradient))
    else:
        priority = np.zeros(n_columns)
        np.maximum.at(priority, columns, np.abs(subgradient))
        priority[np.unique(columns[theta != 0])] = np.inf
    candidates = np.flatnonzero(priority > 0)
    if len(candidates) <= ws_size:
        return candidates, False
    # Stable sort keeps ties in column order, so the choice is reproducible.
    order = np.argsort(-priority[candidates], kind="stable")
    return np.sort(candidates[order[:ws_size]]), True


def _solve_model(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    tol: float,
) -> FloatArray:
    """``d = argmin g @ d + d @ H @ d / 2 + sum(l1 * |theta + d|)``.

    Two moves alternate, each lowering the model:

    (a) *subspace Newton*: with the zero entries of ``theta + d`` held at
        zero and the others' signs fixed, the model is a smooth quadratic
        whose minimiser one Cholesky solve gives exactly (Byrd, Chin,
        Nocedal & Oztoprak (2016), "A family of second-order methods for
        convex l1-regularized optimization", Math. Program. 159, Section 2).
        A solution that leaves the orthant is projected onto it (crossing
        entries to zero) if that lowers the model, else followed only up to
        the first entry that reaches zero, and the solve is repeated on the
        new zeros: the primal active-set method for quadratic programs
        (Nocedal & Wright (2006), Algorithm 16.3) with a projection tried
        first. If the solve stays in the orthant and no zero entry wants to
        move, it is the answer.
    (b) one sweep of cyclic coordinate descent, which frees the zero entries
        that want to move and fixes signs; stop if no step exceeds ``tol``.

    Coordinate descent alone converges only linearly on the strongly coupled
    blocks of a softmax Hessian; the solves finish the job, and the sweeps
    find the active set that the solves cannot.

    Before either, ``_sign_exchange`` tries to guess the whole sign pattern
    in a few solves; it usually does (in 1 to 5 solves on the benchmark
    problems), and the two moves above are the safe path when it does not.
    """
    exchanged = _sign_exchange(hessian, gradient, theta, l1, tol)
    if exchanged is not None:
        return exchanged - theta
    value = theta.copy()
    penalised = l1 > 0
    misses, wait = 0, 0
    for _ in range(_MAX_SWEEPS):
        if wait == 0:
            value, exact = _active_set_steps(
                hessian, gradient, theta, l1, value, penalised
            )
            if exact and _zeros_optimal(hessian, gradient, theta, l1, value, tol):
                return value - theta
            # A phase that ended at a wall (a flat or misjudged pattern) cost
            # solves for little: back off, 1, 3, 7, ... sweeps before the next.
            misses += not exact
            wait = 2**misses - 1 if not exact else 0
        else:
            wait -= 1
        if _sweep(hessian, gradient, theta, l1, value) <= tol:
            break
    return value - theta


def _sign_exchange(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    tol: float,
) -> FloatArray | None:
    """The model's minimiser ``theta + d`` by exchanging sign patterns, or
    ``None`` if the exchanges stop making progress.

    A block principal pivoting method (Kim & Park (2011), "Fast nonnegative
    matrix factorization: an active-set-like method and comparisons", SIAM J.
    Sci. Comput. 33(6), Algorithm 2, written for the L1 model instead of
    non-negativity; a semismooth Newton method for it). Starting from
    ``sign(theta)``, each round solves the model with the pattern imposed
    (``_subspace_newton``) and then, all at once, holds at zero every entry
    whose solution left its sign, and frees with sign ``-sign(slope)`` every
    zero entry whose slope ``g + H @ d`` exceeds its L1 weight by more than
    ``tol``. With no such entry the solution satisfies the model's optimality
    conditions to ``tol``. Unlike single exchanges the rounds can cycle, so
    three rounds without fewer offending entries end the attempt.
    """
    pattern = np.sign(theta)
    penalised = l1 > 0
    fewest, stalls = len(theta) + 1, 0
    for _ in range(_MAX_EXCHANGES):
        value = _subspace_newton(hessian, gradient, theta, l1, pattern)
        if value is None:
            if np.any(pattern != 0) or not np.all(penalised):
                return None  # the solve failed
            value = np.zeros_like(theta)  # nothing free: every entry at zero
        slope = gradient + hessian @ (value - theta)
        left = penalised & (pattern != 0) & (np.sign(value) != pattern)
        entering = penalised & (pattern == 0) & (np.abs(slope) > l1 + tol)
        offending = int(np.count_nonzero(left) + np.count_nonzero(entering))
        if offending == 0:
            return value
        stalls = stalls + 1 if offending >= fewest else 0
        fewest = min(fewest, offending)
        if stalls >= 3:
            return None
        pattern[left] = 0.0
        pattern[entering] = -np.sign(slope[entering])
    return None


def _active_set_steps(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    value: FloatArray,
    penalised: NDArray[np.bool_],
) -> tuple[FloatArray, bool]:
    """Subspace Newton solves from ``value``, stepping to the orthant's walls
    at most ``_MAX_WALLS`` times; ``(new value, whether it is the solve's
    own minimiser)``."""
    for _ in range(_MAX_WALLS):
        pattern = np.sign(value)
        target = _subspace_newton(hessian, gradient, theta, l1, pattern)
        if target is None:
            return value, False
        crossing = penalised & (pattern != 0) & (np.sign(target) != pattern)
        if not np.any(crossing):
            return target, True
        # Project onto the orthant (every crossing entry to zero at once) if
        # that lowers the model; else step to the first wall, which does.
        projected = np.where(crossing, 0.0, target)
        model = functools.partial(_model_value, hessian, gradient, theta, l1)
        if model(projected) < model(value):
            value = projected
        else:
            value = _to_first_wall(value, target, crossing)
    return value, False


def _sweep(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    value: FloatArray,
) -> float:
    """One cyclic pass of exact coordinate minimisation, updating ``value``
    (= theta + d) in place; returns the largest step in gradient units.

    ``H @ d`` is recomputed once (O(m^2), one BLAS call) and then kept up to
    date with one row of ``H`` per moved coordinate. The scalar path uses
    plain Python floats: numpy scalars cost several times more per operation.
    """
    diagonal = hessian.diagonal().tolist()
    slope_base = (gradient + hessian @ (value - theta)).tolist()
    thresholds = l1.tolist()
    current_values = value.tolist()
    shift = np.zeros(len(current_values))  # H @ (moves made in this sweep)
    largest = 0.0
    for j, curvature in enumerate(diagonal):
        if curvature <= 0.0:
            continue  # a column of zeros: nothing to learn from it
        current = current_values[j]
        slope = slope_base[j] + float(shift[j])
        target = current - slope / curvature
        cut = thresholds[j] / curvature
        if target > cut:
            new = target - cut
        elif target < -cut:
            new = target + cut
        else:
            new = 0.0
        delta = new - current
        if delta != 0.0:
            current_values[j] = new
            shift += delta * hessian[j]
            largest = max(largest, abs(delta) * curvature)
    value[:] = current_values
    return largest


def _subspace_newton(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    pattern: FloatArray,
) -> FloatArray | None:
    """Minimiser of the model with ``sign(theta + d) = pattern`` imposed.

    Free entries ``F`` are those with a sign or without an L1 weight; the
    others are held at zero. Stationarity on ``F``::

        H[F, F] @ d[F] = -(g[F] + l1[F] * pattern[F]) - H[F, Z] @ d[Z],
        d[Z] = -theta[Z]

    ``H[F, F]`` may be singular (the softmax gauge, an all-zero column):
    a shift of ``1e-10 * max(diag)`` makes it definite, moving the solution
    by a relative 1e-10 at most, which the outer iteration absorbs. Along a
    direction where the model is flat inside the orthant the shifted solve
    goes far; the caller then stops at the orthant's walls.
    """
    free = (pattern != 0) | (l1 == 0)
    if not np.any(free):
        return None
    rhs = -(gradient + l1 * pattern)
    if np.all(free):
        block = hessian.copy()
    else:
        kept = np.flatnonzero(free)
        rows = hessian[kept]
        block = rows[:, kept]
        rhs = rhs[kept] + rows[:, ~free] @ theta[~free]
    shift = 1e-10 * max(float(np.max(block.diagonal())), 1e-300)
    block.flat[:: len(block) + 1] += shift
    # LAPACK's Cholesky solve in one call: the scipy.linalg wrappers'
    # input checks cost more than the factorisation at this size.
    _, step, info = _positive_definite_solve(block, rhs, lower=True)
    if info != 0:
        return None
    solution = np.zeros_like(theta)
    solution[free] = theta[free] + step
    return solution


def _to_first_wall(
    value: FloatArray, target: FloatArray, crossing: NDArray[np.bool_]
) -> FloatArray:
    """The point of the segment ``value -> target`` where the first crossing
    entry reaches zero (set exactly to zero there, with any tied ones)."""
    fractions = value[crossing] / (value[crossing] - target[crossing])
    fraction = float(np.min(fractions))
    moved = value + fraction * (target - value)
    moved[np.flatnonzero(crossing)[fractions <= fraction]] = 0.0
    return moved


def _model_value(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    value: FloatArray,
) -> float:
    """The model ``q(d) = g @ d + d @ H @ d / 2 + sum(l1 * |theta + d|)`` at
    ``d = value - theta``."""
    step = value - theta
    return float(gradient @ step + 0.5 * step @ (hessian @ step) + l1 @ np.abs(value))


def _zeros_optimal(
    hessian: FloatArray,
    gradient: FloatArray,
    theta: FloatArray,
    l1: FloatArray,
    value: FloatArray,
    tol: float,
) -> bool:
    """Whether every zero entry of ``value = theta + d`` satisfies the model's
    optimality condition ``|g_j + (H @ d)_j| <= l1_j`` to ``tol``."""
    zero = value == 0
    if not np.any(zero):
        return True
    slope = gradient[zero] + hessian[zero] @ (value - theta)
    return bool(np.all(np.abs(slope) <= l1[zero] + tol))


def _orthant_newton(
    objective: CompositeObjective,
    theta: FloatArray,
    gradient: FloatArray,
    l1: FloatArray,
    index: NDArray[np.intp],
    tol: float,
) -> FloatArray:
    """An approximate model minimiser on the entries ``index`` of theta,
    from Hessian products only (for working sets too large to form ``H``).

    The orthant-based Newton step of Byrd, Chin, Nocedal & Oztoprak (2016),
    Section 3: the orthant is predicted from ``sign(theta)`` and, for a zero
    entry whose gradient exceeds its L1 weight, ``-sign(g)`` (the way the
    min-norm subgradient points); on that orthant the model is the smooth
    quadratic of ``_subspace_newton``, solved here by preconditioned CG::

        H[F, F] @ d[F] = -(g[F] + l1[F] * pattern[F])

    and entries that leave the orthant are projected to zero. Should that
    not lower the model's linear part, the diagonally scaled proximal
    gradient step, always a descent direction, is taken instead.
    """
    entries_gradient, current, weights = gradient[index], theta[index], l1[index]
    pattern = np.sign(current)
    entering = (current == 0) & (np.abs(entries_gradient) > weights)
    pattern[entering] = -np.sign(entries_gradient[entering])
    free = (pattern != 0) | (weights == 0)
    free_index = index[free]
    _, _, hessp = objective.value_gradient_hessp(theta)
    diagonal = objective.hessian_diagonal(theta)[index]
    positive = diagonal > 0
    diagonal = np.where(positive, diagonal, np.max(diagonal, initial=1.0))
    padded = np.zeros_like(theta)

    def product(vector: FloatArray) -> FloatArray:
        padded[free_index] = vector
        return hessp(padded)[free_index]

    pseudo_gradient = entries_gradient[free] + weights[free] * pattern[free]
    target = current.copy()
    target[free] += _conjugate_gradient(
        product, -pseudo_gradient, diagonal[free], tol, _MAX_CG
    )
    crossing = (weights > 0) & (np.sign(target) != pattern)
    direction = np.where(crossing, 0.0, target) - current
    decrease = float(entries_gradient @ direction) + float(
        weights @ (np.abs(current + direction) - np.abs(current))
    )
    if decrease < 0.0:
        return direction
    scaled = soft_threshold(current - entries_gradient / diagonal, weights / diagonal)
    return scaled - current


def _conjugate_gradient(
    product: Callable[[FloatArray], FloatArray],
    rhs: FloatArray,
    diagonal: FloatArray,
    tol: float,
    max_iter: int,
) -> FloatArray:
    """Preconditioned CG for ``A @ x = rhs`` (Nocedal & Wright (2006),
    Algorithm 5.3, with ``M = diag(A)``), from ``x = 0``, stopped when
    ``max|rhs - A @ x| <= tol``. A direction of no curvature (a flat
    direction of the loss) ends it: the iterate so far still descends."""
    solution = np.zeros_like(rhs)
    residual = rhs.copy()
    preconditioned = residual / diagonal
    direction = preconditioned.copy()
    rz = float(residual @ preconditioned)
    for _ in range(max_iter):
        if float(np.max(np.abs(residual), initial=0.0)) <= tol:
            break
        curved = product(direction)
        curvature = float(direction @ curved)
        if curvature <= 0.0:
            break
        alpha = rz / curvature
        solution += alpha * direction
        residual -= alpha * curved
        preconditioned = residual / diagonal
        new_rz = float(residual @ preconditioned)
        direction = preconditioned + (new_rz / rz) * direction
        rz = new_rz
    return solution


def _stalled(
    theta: FloatArray,
    n_iter: int,
    optimality: float,
    options: SolverOptions,
    history: list[float],
) -> SolverResult:
    return SolverResult(
        theta,
        False,
        n_iter,
        f"proximal Newton cannot decrease the objective further (min-norm "
        f"subgradient max {optimality:.2e} > tol={options.tol:g}): rounding "
        "error dominates; use a larger tol or standardise the features",
        history,
    )
