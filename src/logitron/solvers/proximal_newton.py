"""Proximal Newton on a working set: exact inner solves on a small Hessian,
Newton-CG on Hessian products for a large one."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._numerics import FloatArray
from ..objective import Line, Objective
from .l1_model import orthant_newton, solve_model
from .proximal import (
    CompositeObjective,
    CompositeStep,
    as_composite,
    composite_armijo,
    min_norm_subgradient,
)
from .result import SolverOptions, SolverResult, report

# Smallest working set: below it, forming the Gram of all candidates costs
# less than the extra outer iterations a tighter set would need.
_MIN_WORKING_SET = 64
# Factor by which a full working set grows. Doubling took eight outer
# iterations to reach the 8,576 non-zeros of the 50,000 x 10,000 sparse
# benchmark (each a gradient, a preconditioner, a line search and CG
# solves); growing eightfold reaches them in four, and 104 passes over X
# fall to 60. A set larger than the model can use costs little: a Hessian
# product reads all of X whatever the set, and the orthant prediction keeps
# zero the entries whose gradient is below their L1 weight.
_WORKING_SET_GROWTH = 8
# Doublings of a full step that beat its model (t up to 8).
_MAX_EXTRAPOLATIONS = 3
# Slope of F at a step, as a share of its slope at 0, below which no
# doubling is tried (``_refine_full_step``). On the L1 benchmarks every doubling
# that lowered F started from a share of 0.21 to 0.31, every one that did
# not from at most 0.205, most from below 0.1.
_EXTRAPOLATION_SLOPE = 0.2
# Rise of F at a full step, as a share of its fall at 0, above which a
# secant step back towards the line's minimum is tried (``_refine_full_step``).
_SECANT_SHARE = 0.1
# Most multiply-adds (n * m^2) spent forming the working set's Hessian: the
# exact inner solve on it finds the model's active set in one outer
# iteration, but beyond a few milliseconds of BLAS (and the O(m^2) Python
# sweeps) a few conjugate-gradient solves on Hessian products, two passes
# over X each, are cheaper, even if the outer iteration needs more of them.
_MAX_GRAM_WORK = 1e7


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
               d_W = argmin q                (``l1_model.solve_model``: sign
                                              exchanges, else subspace
                                              Newton steps and sweeps)
           else:
               d_W from Newton-CG on the predicted orthant
                                             (``l1_model.orthant_newton``:
                                              Hessian products, two passes
                                              each)
           Inner solves stop at max(max|s| * eta, tol / 10) in gradient
           units, eta = min(0.1, max|s|) on the formed Hessian and
           min(0.5, max|s|**(1/4)) for CG (forcing sequences that make the
           outer convergence quadratic and superlinear: Lee, Sun & Saunders
           (2014), "Proximal Newton-type methods for minimizing composite
           functions", SIAM J. Optim. 24(3), Section 3.2; Nocedal & Wright
           (2006), eq. (7.3))
        5. t by backtracking from 1 with the Armijo rule for composite
           functions (``composite_armijo``); after a full step that beat
           the model, t = 2, 4, 8 while F falls and no sign changes; after
           one that overshot, the secant step (``_refine_full_step``)
        6. theta = theta + t d;  ws_size *= 8 if W was full

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
            # Each CG iteration costs two passes over X: a looser forcing
            # term than on the formed Hessian, still superlinear (eta -> 0).
            # The exponent 1/4 instead of Nocedal & Wright's 1/2 saves CG
            # iterations that the next outer iteration would undo (sparse
            # benchmark: 70 passes over X to a 1e-11 gap instead of 86).
            inner_tol = max(optimality * min(0.5, optimality**0.25), 0.1 * options.tol)
            direction_w = orthant_newton(objective, theta, gradient, l1, index, inner_tol)
        else:
            inner_tol = max(optimality * min(0.1, optimality), 0.1 * options.tol)
            index, hessian = objective.hessian_on_columns(theta, working)
            direction_w = solve_model(
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
        along = _CompositeLine(objective, line, l1)
        step = composite_armijo(along.value, value, decrease)
        if not step.success:
            return _stalled(theta, iteration - 1, optimality, options, history)
        if line.trials_are_cheap:
            step = _refine_full_step(along, theta, direction, value, step, decrease)
        # 6. update (theta_j + (0 - theta_j) is exactly 0: zeros survive)
        theta = line.point(step.step)
        history.append(step.value)
        report(options, iteration, step.value, optimality, theta)
        if ws_full:
            ws_size = min(_WORKING_SET_GROWTH * ws_size, n_columns)
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


def _refine_full_step(
    along: _CompositeLine,
    theta: FloatArray,
    direction: FloatArray,
    value: float,
    accepted: CompositeStep,
    decrease: float,
) -> CompositeStep:
    """A better step than a full step the Armijo rule accepted, if ``F``'s
    slope there (free with the trial's value) points to one.

    *Overshoot.* If ``F`` rises at ``t = 1`` by more than ``_SECANT_SHARE``
    of its slope at 0 (``decrease``), its minimum along ``d`` lies in
    ``(0, 1)``: one trial at the zero of the slope interpolated linearly
    between ``t = 0`` and ``t = 1`` (the secant step), kept if it lowers
    ``F``. A full Newton step overshoots where the curvature grows along
    ``d`` (margins shrinking towards zero); landing nearer the minimum
    saved an outer iteration on two L1 benchmarks (breast cancer: 6 to 5).

    *Undershoot.* Far from the optimum the logistic loss flattens along
    ``d`` faster than its quadratic model predicts (the curvature
    ``p (1 - p)`` shrinks as the margins grow), so the full step falls
    short: each outer iteration then only doubles the coefficients' scale.
    When the full step lowered ``F`` by at least half the predicted
    first-order decrease (what the quadratic model promises at its
    minimiser) and ``F`` still falls at ``t = 1`` at least
    ``_EXTRAPOLATION_SLOPE`` times as steeply as at 0, steps ``t = 2, 4, 8``
    are tried while ``F`` keeps falling and every entry keeps its sign at
    ``t = 1``: the zeros of ``theta + d`` stay exact and no coefficient
    crosses zero. Near the optimum a Newton step leaves a slope of a few
    per cent of the initial one and doubling it overshoots, so the slope
    test spares that trial; later doublings need only ``F`` to keep
    falling (the slope at ``t = 2`` of a flattening loss says little about
    ``t = 4``).

    Each trial costs O(n) on the cached ``X @ d``; each outer iteration
    saved costs a Hessian and an inner solve. Every step taken lowers ``F``
    below the Armijo step's value, so the global convergence of the
    backtracking method is kept.
    """
    if accepted.step != 1.0:
        return accepted
    # decrease < 0 is the slope at t = 0 when no entry changes sign (else
    # steeper than it): the scale of the slope at t = 1.
    share = along.slope(1.0) / decrease
    if share < -_SECANT_SHARE:
        # F rises at t = 1: its minimum along d lies in (0, 1), near where
        # the slope, interpolated linearly from t = 0, vanishes.
        step = 1.0 / (1.0 - share)
        trial = along.value(step)
        return CompositeStep(step, trial, True) if trial < accepted.value else accepted
    if value - accepted.value < -0.5 * decrease or share < _EXTRAPOLATION_SLOPE:
        return accepted
    signs = np.sign(theta + direction)
    best = accepted
    for _ in range(_MAX_EXTRAPOLATIONS):
        step = 2.0 * best.step
        if not np.array_equal(np.sign(theta + step * direction), signs):
            break
        trial = along.value(step)
        if not trial < best.value:
            break
        best = CompositeStep(step, trial, True)
    return best


class _CompositeLine:
    """``t -> F(theta + t d)``, the smooth part in O(n) through ``line``,
    and the slope of ``F`` at the last trial.

    Each trial also evaluates ``dJ/dz`` and the curvature there (one pass over
    the n-sized work, no pass over ``X``) and hands them with ``z`` to the
    objective's cache: the accepted trial's gradient and Hessian then cost
    only their products with ``X``.
    """

    def __init__(
        self, objective: CompositeObjective, line: Line, l1: FloatArray
    ) -> None:
        self.objective = objective
        self.line = line
        self.l1 = l1
        self._last: tuple[float, float, FloatArray] | None = None

    def value(self, step: float) -> float:
        smooth_value, derivative = self.line.value_derivative(step)
        point = self.line.point(step)
        self._last = (step, derivative, point)
        return smooth_value + self.objective.nonsmooth_value(point)

    def slope(self, step: float) -> float:
        """``dF/dt`` from the right at ``step``, the last trial: the smooth
        slope plus ``l1 * sign(theta_j) * d_j`` (``l1 * |d_j|`` at a zero)."""
        if self._last is None or self._last[0] != step:
            self.value(step)
        assert self._last is not None
        _, derivative, point = self._last
        direction = self.line.direction
        nonsmooth = np.where(point != 0, np.sign(point) * direction, np.abs(direction))
        return derivative + float(self.l1 @ nonsmooth)


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
