"""Minimisers of the second-order model with an L1 term, the inner solves
of proximal Newton (``proximal_newton``)::

    q(d) = g @ d + d @ H @ d / 2 + sum(l1 * |theta + d|)

``solve_model`` minimises it exactly on a formed (working-set) Hessian;
``orthant_newton`` approximately, from Hessian products only, for working
sets too large to form ``H``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.lapack import dposv as _positive_definite_solve

from .._numerics import FloatArray
from .proximal import CompositeObjective, soft_threshold

# Sweeps allowed per ``solve_model`` call; the caller's tolerance (a forcing
# rule of proximal Newton) usually stops it after a few.
_MAX_SWEEPS = 100
# Walls an active-set phase may hit before a sweep takes over: each costs a
# Cholesky solve, and a sweep moves many entries to zero at once.
_MAX_WALLS = 3
# Rounds of sign exchanges before the sweeps take over.
_MAX_EXCHANGES = 20
# Conjugate-gradient iterations allowed per ``orthant_newton`` call.
_MAX_CG = 250


def solve_model(
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
    threshold = l1 + tol
    fewest, stalls = len(theta) + 1, 0
    for _ in range(_MAX_EXCHANGES):
        value = _subspace_newton(hessian, gradient, theta, l1, pattern)
        if value is None:
            if np.any(pattern != 0) or not np.all(penalised):
                return None  # the solve failed
            value = np.zeros_like(theta)  # nothing free: every entry at zero
        slope = gradient + hessian @ (value - theta)
        held = pattern == 0
        left = penalised & ~held & (np.sign(value) != pattern)
        entering = penalised & held & (np.abs(slope) > threshold)
        offending = int(np.count_nonzero(left | entering))
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
    kept = np.flatnonzero(free)
    if len(kept) == 0:
        return None
    rhs = -(gradient + l1 * pattern)
    if len(kept) == len(free):
        block = hessian.copy()
    else:
        rows = hessian[kept]
        block = rows[:, kept]
        rhs = rhs[kept] + rows[:, ~free] @ theta[~free]
    shift = 1e-10 * max(float(block.diagonal().max()), 1e-300)
    block.flat[:: len(block) + 1] += shift
    # LAPACK's Cholesky solve in one call: the scipy.linalg wrappers'
    # input checks cost more than the factorisation at this size.
    _, step, info = _positive_definite_solve(block, rhs, lower=True)
    if info != 0:
        return None
    solution = np.zeros_like(theta)
    solution[kept] = theta[kept] + step
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


def orthant_newton(
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
