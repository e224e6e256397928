"""Step-size rules shared by the descent solvers.

A line search sees only ``phi(t) = J(theta + t d)`` (a ``LineFunction``),
whose trial steps cost O(n) each because the objective updates
``z + t * X @ d`` instead of recomputing ``X @ theta``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..objective import LineFunction


@dataclass(frozen=True)
class StepResult:
    step: float
    value: float
    success: bool


def backtracking_armijo(
    line: LineFunction,
    value0: float,
    slope0: float,
    step: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_halvings: int = 60,
) -> StepResult:
    """Largest ``t = step * shrink**k`` with sufficient decrease (Armijo).

    ::

        phi(t) <= phi(0) + c1 * t * phi'(0)

    Nocedal & Wright (2006), *Numerical Optimization*, Algorithm 3.1.
    ``slope0 = phi'(0) = gradient @ d`` must be negative (a descent
    direction). When rounding makes the decrease unmeasurable near the
    optimum, a step that does not increase ``phi`` (up to a few ulps of
    ``phi(0)``) is accepted: the caller's stopping test decides the rest.
    """
    # Rounding floor: below it, a change in phi is noise.
    noise = 64 * 2.220446049250313e-16 * max(abs(value0), 1.0)
    for _ in range(max_halvings):
        value = line.value(step)
        if value <= value0 + c1 * step * slope0 or (
            value <= value0 + noise and -slope0 * step <= noise
        ):
            return StepResult(step, value, True)
        step *= shrink
    return StepResult(0.0, value0, False)
