"""The classic recipe: vectorised batch gradient descent with a learning rate."""

from __future__ import annotations

import numpy as np

from .._numerics import FloatArray
from ..objective import Objective
from .result import SolverOptions, SolverResult, report


def gradient_descent(
    objective: Objective, theta0: FloatArray, options: SolverOptions
) -> SolverResult:
    """Batch gradient descent, stopped when the cost stops changing.

    Each iteration is one forward and one backward pass of the neuron::

        1. J, g = cost and gradient at theta      (forward, then backprop)
        2. theta = theta - learning_rate * g      (the update)
        3. stop when |J_new - J_old| < tol         (tol = 1e-5 in the recipe)

    Parameters
    ----------
    objective : Objective
        Smooth cost with ``value_gradient``.
    theta0 : ndarray of shape (p,)
        Starting weights (zeros in the recipe).
    options : SolverOptions
        ``learning_rate``, ``tol`` (on the change of cost) and ``max_iter``.
    """
    learning_rate = options.learning_rate
    theta = np.array(theta0, dtype=np.float64, copy=True)
    cost, gradient = objective.value_gradient(theta)
    history: list[float] = []
    for iteration in range(1, options.max_iter + 1):
        # 2. the update (a too-large learning rate can overflow: caught below)
        with np.errstate(over="ignore", invalid="ignore"):
            theta = theta - learning_rate * gradient
            # 1. forward and backward at the new weights; finite weights can
            # still overflow z = X @ theta, which is the same divergence.
            new_cost, gradient = (
                objective.value_gradient(theta)
                if np.all(np.isfinite(theta))
                else (np.inf, gradient)
            )
        if not (np.all(np.isfinite(theta)) and np.isfinite(new_cost)):
            # NaN weights: the estimator refuses non-finite coefficients.
            return SolverResult(
                np.full_like(theta, np.nan), False, iteration,
                "gradient descent diverged: the weights overflowed; lower "
                "learning_rate or scale the features", history,
            )
        history.append(new_cost)
        report(options, iteration, new_cost, float(np.max(np.abs(gradient))), theta)
        # 3. the recipe's stopping rule
        if abs(new_cost - cost) < options.tol:
            return SolverResult(
                theta, True, iteration,
                f"cost changed by less than tol={options.tol:g}", history,
            )
        cost = new_cost
    return SolverResult(
        theta, False, options.max_iter,
        f"gradient descent reached max_iter={options.max_iter} before the cost "
        f"changed by less than tol={options.tol:g}; scale the features (e.g. "
        "StandardScaler), raise learning_rate or raise max_iter", history,
    )
