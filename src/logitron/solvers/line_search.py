"""Step-size rules shared by the descent solvers.

A line search sees only ``phi(t) = J(theta + t d)`` (an ``objective.Line``),
whose trial steps cost O(n) each because the objective updates
``z + t * X @ d`` instead of recomputing ``X @ theta``.

Both searches accept a step whose decrease is lost in rounding only when the
derivative also says the step is good (the "approximate Wolfe" idea of
Hager & Zhang (2005), "A new conjugate gradient method with guaranteed
descent and an efficient line search", SIAM J. Optim. 16(1)): near the
optimum of a float32 problem, differences of ``phi`` are noise while
``phi'`` still carries the signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..objective import Line


@dataclass(frozen=True)
class StepResult:
    step: float
    value: float
    success: bool


def backtracking_armijo(
    line: Line,
    value0: float,
    slope0: float,
    step: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_halvings: int = 60,
    first: float | None = None,
) -> StepResult:
    """Largest ``t = step * shrink**k`` with sufficient decrease (Armijo).

    ::

        phi(t) <= phi(0) + c1 * t * phi'(0)

    Nocedal & Wright (2006), *Numerical Optimization*, Algorithm 3.1.
    ``slope0 = phi'(0) = gradient @ d`` must be negative (a descent
    direction). When rounding makes the decrease unmeasurable near the
    optimum, a step that does not increase ``phi`` beyond its rounding
    level is accepted: the caller's stopping test decides the rest.

    Each trial evaluates ``phi'`` too: it shares the pass over the loss, and
    the accepted trial's ``J`` and ``dJ/dz`` stay cached for the gradient
    the caller computes next. ``first``, if given, is ``phi(step)`` already
    evaluated by the caller.
    """
    noise = line.value_noise(value0)
    for _ in range(max_halvings):
        if first is not None:
            value, first = first, None
        else:
            value, _ = line.value_derivative(step)
        if value <= value0 + c1 * step * slope0 or (
            value <= value0 + noise and -slope0 * step <= noise
        ):
            return StepResult(step, value, True)
        step *= shrink
    return StepResult(0.0, value0, False)


def strong_wolfe(
    line: Line,
    value0: float,
    slope0: float,
    step: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evaluations: int = 30,
    first: tuple[float, float] | None = None,
) -> StepResult:
    """A step satisfying the strong Wolfe conditions.

    ::

        phi(t) <= phi(0) + c1 * t * phi'(0)          (sufficient decrease)
        |phi'(t)| <= c2 * |phi'(0)|                  (curvature)

    Nocedal & Wright (2006), Algorithm 3.5 (bracketing, the step doubling
    while ``phi`` still decreases) and Algorithm 3.6 (zoom, with the
    minimiser of the cubic through both ends, Eq. 3.59, kept inside the
    bracket). Every trial evaluates ``phi`` and ``phi'`` together: they share
    the pass over the loss, and the accepted trial's ``J`` and ``dJ/dz`` stay
    cached for the next gradient.

    The curvature condition keeps ``s @ y > 0`` in quasi-Newton updates.
    ``first``, if given, is ``(phi(step), phi'(step))`` already evaluated by
    the caller.
    """
    noise = line.value_noise(value0)

    def sufficient(t: float, value: float, slope: float) -> bool:
        if value <= value0 + c1 * t * slope0:
            return True
        # Approximate Armijo: the decrease of the quadratic through phi(0),
        # phi'(0) and phi'(t), used when phi's own decrease is rounding noise.
        return value <= value0 + noise and slope <= (2 * c1 - 1) * slope0

    def curvature(slope: float) -> bool:
        return abs(slope) <= -c2 * slope0

    previous = (0.0, value0, slope0)
    evaluations = 0
    # 1. Bracketing (Algorithm 3.5).
    while evaluations < max_evaluations:
        if first is not None:
            (value, slope), first = first, None
        else:
            value, slope = line.value_derivative(step)
        evaluations += 1
        if not np.isfinite(value):
            # The step left the domain of finite values: retreat.
            step = 0.5 * (previous[0] + step)
            continue
        if not sufficient(step, value, slope) or (
            evaluations > 1 and value >= previous[1]
        ):
            return _zoom(
                line, previous, (step, value, slope), value0, slope0,
                sufficient, curvature, max_evaluations - evaluations,
            )
        if curvature(slope):
            return StepResult(step, value, True)
        if slope >= 0:
            return _zoom(
                line, (step, value, slope), previous, value0, slope0,
                sufficient, curvature, max_evaluations - evaluations,
            )
        previous = (step, value, slope)
        step *= 2.0
    return StepResult(0.0, value0, False)


def _zoom(
    line: Line,
    low: tuple[float, float, float],
    high: tuple[float, float, float],
    value0: float,
    slope0: float,
    sufficient: Callable[[float, float, float], bool],
    curvature: Callable[[float], bool],
    max_evaluations: int,
) -> StepResult:
    """Algorithm 3.6 of Nocedal & Wright: shrink ``[low, high]`` (each end a
    ``(t, phi, phi')`` triple, ``low`` the best point so far) until a trial
    meets both Wolfe conditions."""
    for _ in range(max_evaluations):
        if abs(high[0] - low[0]) <= 1e-12 * max(abs(low[0]), abs(high[0])):
            break  # the bracket has shrunk to rounding: no better step exists
        step = _cubic_minimiser(low, high)
        value, slope = line.value_derivative(step)
        if not sufficient(step, value, slope) or value >= low[1]:
            high = (step, value, slope)
            continue
        if curvature(slope):
            return StepResult(step, value, True)
        if slope * (high[0] - low[0]) >= 0:
            high = low
        low = (step, value, slope)
    # No trial met the curvature condition; the best point still decreases
    # phi, which is enough for a descent method to move on.
    if low[0] > 0:
        line.value_derivative(low[0])
        return StepResult(low[0], low[1], True)
    return StepResult(0.0, value0, False)


def _cubic_minimiser(
    a: tuple[float, float, float], b: tuple[float, float, float]
) -> float:
    """Minimiser of the cubic matching ``phi`` and ``phi'`` at both ends
    (Nocedal & Wright, Eq. 3.59), clamped to the middle 80% of the bracket;
    bisection when the cubic has no minimiser there."""
    (t0, f0, g0), (t1, f1, g1) = a, b
    lo, hi = min(t0, t1), max(t0, t1)
    margin = 0.1 * (hi - lo)
    d1 = g0 + g1 - 3 * (f0 - f1) / (t0 - t1)
    radicand = d1 * d1 - g0 * g1
    if radicand >= 0:
        d2 = np.copysign(np.sqrt(radicand), t1 - t0)
        denominator = g1 - g0 + 2 * d2
        if denominator != 0:
            t = t1 - (t1 - t0) * (g1 + d2 - d1) / denominator
            if np.isfinite(t):
                return float(min(max(t, lo + margin), hi - margin))
    return 0.5 * (lo + hi)
