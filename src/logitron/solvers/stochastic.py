"""Adam on mini-batches, with an averaged iterate: the solver of ``partial_fit``.

Data that never fits at once arrives a mini-batch at a time; each batch gives
an unbiased estimate ``g`` of the full gradient (see ``partial_fit``), and one
step is taken per batch. The state is small (a few vectors of size p) and
lives on the estimator between calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._numerics import FloatArray

_BETA1, _BETA2, _EPSILON = 0.9, 0.999, 1e-8  # Kingma & Ba's defaults
# eta of the polynomial-decay average (the value Shamir & Zhang use).
_AVERAGING_ETA = 3.0


@dataclass
class AdamState:
    """Adam's iterate and moments, and the averaged iterate that is reported.

    Attributes
    ----------
    theta : ndarray of shape (p,)
        The current iterate (where the next gradient is taken).
    first_moment, second_moment : ndarray of shape (p,)
        Exponential averages of ``g`` and ``g**2``.
    average : ndarray of shape (p,)
        Polynomial-decay average of the iterates: the estimate to use.
    n_steps : int
        Steps taken.
    seen_weight : float
        Total sample weight of the mini-batches seen so far.
    """

    theta: FloatArray
    first_moment: FloatArray
    second_moment: FloatArray
    average: FloatArray
    n_steps: int = 0
    seen_weight: float = 0.0

    @classmethod
    def start(cls, theta0: FloatArray) -> AdamState:
        theta = np.array(theta0, dtype=np.float64, copy=True)
        zeros = np.zeros_like(theta)
        return cls(theta, zeros, zeros.copy(), theta.copy())


def adam_step(state: AdamState, gradient: FloatArray, learning_rate: float) -> None:
    """One Adam step with a decaying step size, then update the average.

    Kingma & Ba (2015), "Adam: a method for stochastic optimization",
    Algorithm 1, with the step size ``alpha_t = learning_rate / sqrt(t)`` of
    their convergence analysis (Section 4, Theorem 4.1)::

        1. t = t + 1
        2. m = beta1 * m + (1 - beta1) * g
        3. v = beta2 * v + (1 - beta2) * g**2
        4. m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        5. theta = theta - alpha_t * m_hat / (sqrt(v_hat) + epsilon)
        6. w = (eta + 1) / (t + eta);  average = (1 - w) * average + w * theta

    Step 6 is the polynomial-decay averaging of Shamir & Zhang (2013),
    "Stochastic gradient descent for non-smooth optimization: convergence
    results and optimal averaging schemes", ICML, with eta = 3: it forgets
    the early, far-off iterates as a suffix average would, and smooths the
    noise of the last ones, which wander at the scale of the step size.
    """
    # 1.-4. moments and their bias corrections
    state.n_steps += 1
    t = state.n_steps
    state.first_moment = _BETA1 * state.first_moment + (1 - _BETA1) * gradient
    state.second_moment = _BETA2 * state.second_moment + (1 - _BETA2) * gradient**2
    first = state.first_moment / (1 - _BETA1**t)
    second = state.second_moment / (1 - _BETA2**t)
    # 5. the step
    step_size = learning_rate / np.sqrt(t)
    state.theta = state.theta - step_size * first / (np.sqrt(second) + _EPSILON)
    # 6. the average
    weight = (_AVERAGING_ETA + 1) / (t + _AVERAGING_ETA)
    state.average = (1 - weight) * state.average + weight * state.theta
