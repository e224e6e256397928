"""Profile-likelihood confidence intervals and likelihood-ratio p-values.

For coefficient ``j`` the profile (penalised) log-likelihood is the best
value with ``beta_j`` held at ``b``::

    prof(b) = max over the other coefficients of  pl(beta) with beta_j = b

and the level-``1 - alpha`` interval is ``{b : 2 * (pl_max - prof(b)) <=
chi2.ppf(1 - alpha, 1)}`` (Venzon & Moolgavkar 1988, Applied Statistics 37;
R's ``confint`` on a ``glm`` through MASS's ``profile.glm``; logistf's
profile penalised likelihood with the Firth penalty, Heinze & Schemper
2002, section 2). The likelihood-ratio test of ``beta_j = 0`` is
``2 * (pl_max - prof(0))`` against chi-squared with one degree of freedom.

Each end point is the root of ``g(b) = prof(b) - pl_max + q / 2`` found by
Newton's method on ``b``, safeguarded by bisection, not on a grid. The
derivative is free: at the constrained optimum the other score components
vanish, so ``d prof / d b = U*_j`` (the envelope theorem). Every ``prof(b)``
is a constrained fit (``firth.fit_penalised`` with ``beta_j`` fixed)
warm-started from the previous one, so it takes two or three scoring steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from ._numerics import FloatArray
from .firth import FirthResult, design_matrix, fit_penalised

#: Distance from the estimate, in standard errors, beyond which an end point
#: is declared infinite: the profile has levelled off above the cut-off, as
#: it does for a coefficient whose estimate is infinite.
MAX_DISTANCE_SE = 1e4


@dataclass(frozen=True)
class ProfileProblem:
    """The data and the fit a profile is taken around."""

    design: FloatArray
    y: FloatArray
    weight: FloatArray
    offset: FloatArray
    fit: FirthResult
    jeffreys: bool

    def constrained(self, column: int, value: float, start: FloatArray) -> FirthResult:
        """The fit with ``beta[column]`` held at ``value``, from ``start``."""
        beta = np.array(start, dtype=np.float64)
        beta[column] = value
        fixed = np.zeros(len(beta), dtype=bool)
        fixed[column] = True
        return fit_penalised(
            self.design, self.y, self.weight, self.offset, jeffreys=self.jeffreys,
            start=beta, fixed=fixed,
        )


@dataclass(frozen=True)
class ProfileIntervals:
    """Profile intervals and likelihood-ratio tests, one entry per column.

    Attributes
    ----------
    lower, upper : ndarray of shape (m,)
        End points (``-inf`` / ``inf`` where the profile never reaches the
        cut-off).
    statistic : ndarray of shape (m,)
        ``2 * (pl_max - prof(0))``.
    pvalue : ndarray of shape (m,)
        ``chi2.sf(statistic, 1)``.
    level : float
    """

    lower: FloatArray
    upper: FloatArray
    statistic: FloatArray
    pvalue: FloatArray
    level: float


def profile_intervals(
    problem: ProfileProblem, level: float = 0.95, columns: list[int] | None = None,
) -> ProfileIntervals:
    """Profile intervals and LR p-values for ``columns`` (default all).

    Columns not asked for get NaN.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    m = len(problem.fit.beta)
    columns = list(range(m)) if columns is None else list(columns)
    lower, upper, statistic = (np.full(m, np.nan) for _ in range(3))
    for j in columns:
        lower[j] = end_point(problem, j, -1.0, level)
        upper[j] = end_point(problem, j, 1.0, level)
        statistic[j] = likelihood_ratio(problem, j, 0.0)
    return ProfileIntervals(lower, upper, statistic, chi2.sf(statistic, 1), level)


def likelihood_ratio(problem: ProfileProblem, column: int, value: float = 0.0) -> float:
    """``2 * (pl_max - prof(value))`` for coefficient ``column``."""
    restricted = problem.constrained(column, value, problem.fit.beta)
    return max(0.0, 2.0 * (problem.fit.penalised_loglik - restricted.penalised_loglik))


def end_point(problem: ProfileProblem, column: int, sign: float, level: float) -> float:
    """The end point of the profile interval of ``column`` on side ``sign``.

    Newton on ``g(b) = prof(b) - cut`` from the Wald end point, with the
    bracket ``[inner, outer]`` (``g > 0`` at inner, ``< 0`` at outer) kept to
    fall back on bisection when a Newton step leaves it.
    """
    fit = problem.fit
    centre = float(fit.beta[column])
    se = float(np.sqrt(fit.covariance[column, column]))
    cut = fit.penalised_loglik - 0.5 * chi2.ppf(level, 1)
    inner, outer = centre, np.nan
    b = centre + sign * norm.ppf(0.5 + level / 2) * se
    start = fit.beta
    for _ in range(100):
        current = problem.constrained(column, b, start)
        start = current.beta
        g = current.penalised_loglik - cut
        if g > 0:
            inner = b
        else:
            outer = b
        slope = float(current.score[column])
        # 1. A Newton step on g; 2. bisection when it leaves the bracket.
        proposal = b - g / slope if slope != 0 else np.inf * sign
        if not np.isnan(outer):
            low, high = sorted((inner, outer))
            if not low < proposal < high:
                proposal = 0.5 * (inner + outer)
        elif not sign * (proposal - inner) > 0 or abs(proposal - centre) > 2 * abs(b - centre):
            # No point beyond the cut-off yet: walk outwards, at most doubling.
            proposal = centre + 2 * (b - centre)
        if abs(proposal - b) <= 1e-10 * (1 + abs(b)) and abs(g) < 1e-8:
            return float(proposal)
        if np.isnan(outer) and abs(proposal - centre) > MAX_DISTANCE_SE * max(se, 1.0):
            return float(sign * np.inf)
        b = proposal
    return float(b)


def mle_profile_intervals(
    model: Any, X: Any, y: Any, sample_weight: Any = None, level: float = 0.95,
) -> ProfileIntervals:
    """Profile-likelihood intervals and LR p-values of an ordinary fit.

    What R's ``confint`` gives for a ``glm(family=binomial)`` (MASS's
    profiling), for a fitted two-class ``LogisticRegression(C=np.inf)`` and
    the data it was fitted on. Entries follow ``coef_[0]`` then the
    intercept. The fit is first polished by Newton's method to a step below
    1e-10 so that the profile starts from the exact optimum.

    Raises
    ------
    ValueError
        A penalised, softmax or class-weighted model, or data whose
        maximum-likelihood estimate does not exist (separation: use
        ``FirthLogisticRegression``).
    """
    if not (np.isposinf(model.C) and len(model.classes_) == 2):
        raise ValueError(
            "profile intervals need an unpenalised two-class fit "
            f"(C=np.inf, 2 classes); got C={model.C}, {len(model.classes_)} classes."
        )
    if model.class_weight is not None:
        raise ValueError("profile intervals take sample_weight, not class_weight.")
    X = np.asarray(X, dtype=np.float64)
    response = (np.asarray(y) == model.classes_[1]).astype(np.float64)
    n = X.shape[0]
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    design = design_matrix(X, model.fit_intercept)
    start = model.coef_[0]
    if model.fit_intercept:
        start = np.r_[start, model.intercept_[0]]
    fit = fit_penalised(design, response, weight, jeffreys=False, start=start)
    if not fit.converged:
        raise ValueError(
            "the maximum-likelihood estimate does not converge (the classes are "
            "probably separated), so its profile is flat; use "
            "FirthLogisticRegression for finite estimates and intervals."
        )
    problem = ProfileProblem(design, response, weight, np.zeros(n), fit, False)
    return profile_intervals(problem, level)
