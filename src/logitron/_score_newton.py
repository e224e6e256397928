"""Newton steps for the Firth iterations when scoring crawls.

Scoring (``inv(I) @ U*``) uses the information in place of the Hessian of
the penalised log-likelihood. The two differ by the penalty's curvature,
which is small beside the information in large samples (a handful of
iterations) but comparable to it when the classes are (nearly) separated:
there scoring converges linearly with a rate close to 1 (200 iterations on
15 rows and 10 parameters). Newton's steps from a forward-difference
Jacobian of the modified score (one score evaluation per free parameter)
converge in two or three; ``crawling`` weighs the two costs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

from ._numerics import FloatArray


def crawling(step: FloatArray, previous: FloatArray | None, n_free: int, tol: float) -> bool:
    """Whether Newton's step pays: scoring, shrinking its step at the rate
    seen between the last two steps, would need more iterations to reach
    ``tol`` than a Jacobian costs score evaluations (``n_free``) plus the
    two or three Newton steps after it."""
    if previous is None:
        return False
    size, last = float(np.max(np.abs(step))), float(np.max(np.abs(previous)))
    if last == 0 or size <= tol:
        return False
    rate = size / last
    if rate >= 1:
        return True
    return bool(np.log(tol / size) / np.log(rate) > n_free + 3)


def newton_step(
    score_at: Callable[[FloatArray], FloatArray | None],
    theta: FloatArray,
    score: FloatArray,
    free: np.ndarray,
) -> FloatArray | None:
    """``-inv(J) @ score`` on the free coordinates, ``J`` the forward-
    difference Jacobian of ``score_at`` at ``theta`` (symmetrised: it is a
    Hessian); None when a score cannot be evaluated or ``-J`` is not
    positive definite (then the caller keeps the scoring step)."""
    index = np.flatnonzero(np.ravel(free))
    flat_theta, flat_score = np.ravel(theta), np.ravel(score)
    jacobian = np.empty((len(index), len(index)))
    for column, j in enumerate(index):
        # sqrt(machine epsilon) relative step: the usual forward-difference
        # balance of truncation and rounding error.
        h = 1.5e-8 * (1.0 + abs(flat_theta[j]))
        shifted = flat_theta.copy()
        shifted[j] += h
        moved = score_at(shifted.reshape(np.shape(theta)))
        if moved is None:
            return None
        jacobian[:, column] = (np.ravel(moved)[index] - flat_score[index]) / h
    hessian = -(jacobian + jacobian.T) / 2
    try:
        factor = scipy.linalg.cho_factor(hessian, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    step = np.zeros(flat_theta.shape)
    step[index] = scipy.linalg.cho_solve(factor, flat_score[index], check_finite=False)
    return step.reshape(np.shape(theta))
