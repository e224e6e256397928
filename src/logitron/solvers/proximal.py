"""What every solver of the composite (smooth + L1) objective shares.

The objective is split as ``F(theta) = f(theta) + h(theta)`` with ``f`` the
smooth part (loss and L2 term, ``objective.value``) and ``h`` the L1 term::

    h(theta) = sum(l1 * |theta|)          # objective.nonsmooth_value
    l1       = objective.l1_strengths()   # r/(C S) on coefficients, 0 on intercepts

Optimality is measured by the *minimum-norm subgradient* of ``F``, the
composite analogue of the gradient (Nocedal & Wright (2006), *Numerical
Optimization*, eq. (12.34) applied entrywise to ``|.|``)::

    theta_j != 0:   g_j + l1_j * sign(theta_j)
    theta_j == 0:   sign(g_j) * max(|g_j| - l1_j, 0)

with ``g = grad f(theta)``. It is zero exactly at the minimisers, and its
max-norm is what the proximal solvers compare with ``tol``, the same units as
the gradient max-norm of the smooth solvers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from .._numerics import FloatArray
from ..objective.protocol import CompositeObjective, Objective

_EPS = np.finfo(np.float64).eps


#: Classes already found to satisfy ``CompositeObjective``.
_COMPOSITE_TYPES: set[type] = set()


def as_composite(objective: Objective) -> CompositeObjective:
    """``objective`` as a ``CompositeObjective``, or a TypeError saying why not.

    The registry hands every solver an ``Objective``; the proximal solvers
    also need the L1 weights and column-wise Hessians.
    """
    # isinstance against a runtime-checkable protocol inspects every member
    # statically (about 17 us, a tenth of a small fit's outer iteration):
    # check each class once.
    kind = type(objective)
    if kind not in _COMPOSITE_TYPES:
        if not isinstance(objective, CompositeObjective):
            raise TypeError(
                f"{kind.__name__} lacks what a proximal solver needs "
                "(nonsmooth_value, l1_strengths, parameter_columns, "
                "hessian_on_columns, raw_prediction, remember)."
            )
        _COMPOSITE_TYPES.add(kind)
    return cast(CompositeObjective, objective)


def soft_threshold(values: FloatArray, thresholds: FloatArray | float) -> FloatArray:
    """``sign(v) * max(|v| - t, 0)``: the proximal operator of ``t * |.|``.

    It returns exact zeros wherever ``|v| <= t``: this is where the sparse
    coefficients of an L1 fit come from.
    """
    return np.sign(values) * np.maximum(np.abs(values) - thresholds, 0.0)


def min_norm_subgradient(
    theta: FloatArray, gradient: FloatArray, l1: FloatArray
) -> FloatArray:
    """The minimum-norm element of ``grad f(theta) + l1 * d|theta|`` (module doc)."""
    shrunk = soft_threshold(gradient, l1)
    return np.where(theta != 0, gradient + l1 * np.sign(theta), shrunk)


@dataclass(frozen=True)
class CompositeStep:
    step: float
    value: float
    success: bool


def composite_armijo(
    value_at: Callable[[float], float],
    value0: float,
    decrease: float,
    sigma: float = 0.01,
    shrink: float = 0.5,
    max_halvings: int = 50,
) -> CompositeStep:
    """Largest ``t = shrink**k`` with sufficient decrease of ``F = f + h``.

    ::

        F(theta + t d) <= F(theta) + sigma * t * decrease

    where ``decrease = g @ d + h(theta + d) - h(theta) < 0`` is the predicted
    decrease of a proximal Newton direction ``d`` (Tseng & Yun (2009), "A
    coordinate gradient descent method for nonsmooth separable minimization",
    eq. (9) with ``gamma = 0``; the rule newGLMNET uses). Near the optimum,
    where rounding hides the decrease, a step that does not increase ``F`` by
    more than a few ulps is accepted and the caller's stopping test decides.
    """
    noise = 64 * _EPS * max(abs(value0), 1.0)
    step = 1.0
    for _ in range(max_halvings):
        value = value_at(step)
        if value <= value0 + sigma * step * decrease or (
            value <= value0 + noise and -decrease * step <= noise
        ):
            return CompositeStep(step, value, True)
        step *= shrink
    return CompositeStep(0.0, value0, False)
