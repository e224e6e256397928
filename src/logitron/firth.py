"""Firth's bias-reduced logistic regression, on arrays.

Firth (1993), "Bias reduction of maximum likelihood estimates", Biometrika
80(1); Heinze & Schemper (2002), "A solution to the problem of separation in
logistic regression", Statistics in Medicine 21. The estimate maximises the
log-likelihood plus half the log-determinant of the Fisher information (the
Jeffreys prior)::

    D = [X | 1]                                   # design, intercept last
    p = sigmoid(D @ beta + offset)
    w = s * p * (1 - p)                           # s: sample weights
    I = D.T @ (w[:, None] * D)                    # Fisher information
    l = sum(s * (y * log(p) + (1 - y) * log(1 - p)))
    penalised = l + 0.5 * log(det(I))

It exists for every data set whose design has full column rank, separated or
not (Kosmidis & Firth 2021, Biometrika 108(1)). Its gradient is the modified
score of Firth (1993, eq. 4.1) with the hat values ``h`` of the weighted
design::

    h = w * sum((D @ inv(I)) * D, axis=1)         # diag of W^1/2 D inv(I) D.T W^1/2
    U* = D.T @ (s * (y - p) + h * (0.5 - p))

because ``d/d eta_i 0.5 * log det I = 0.5 * h_i * (1 - 2 p_i)``. The solver is
the one of Heinze & Schemper (2002, section 2): scoring steps ``inv(I) @ U*``
(the information stands in for the Hessian of the penalised likelihood, which
differs from it by terms of order ``h``), halved until the penalised
log-likelihood rises. With ``jeffreys=False`` the same loop is Newton's method
for the plain likelihood (``h = 0``), which the profile intervals of
ordinary fits and FLAC use.

Coefficients can be held fixed (``fixed``): the step then runs over the free
ones while the penalty keeps the full information, as logistf's profile
penalised likelihood does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._numerics import FloatArray, log1pexp, sigmoid
from ._score_newton import crawling, newton_step

#: Largest change of any coefficient in one step, on the linear-predictor
#: scale: a scoring step far from the optimum can overshoot badly when some
#: p are near 0 or 1 (logistf's ``maxstep`` plays the same part).
MAX_STEP = 5.0

#: Step halvings tried per iteration before the iteration is declared stuck.
MAX_HALVINGS = 30


@dataclass(frozen=True)
class FirthResult:
    """A penalised (or plain) likelihood fit on the design ``[X | 1]``.

    Attributes
    ----------
    beta : ndarray of shape (n_columns,)
        Coefficients, the intercept last when the design has one.
    covariance : ndarray of shape (n_columns, n_columns)
        ``inv(I)`` at ``beta``, the covariance logistf and brglm2 report.
    penalised_loglik : float
        ``l + 0.5 * log det I`` (equal to ``loglik`` for a plain fit).
    loglik : float
        The log-likelihood ``l`` at ``beta``.
    hat : ndarray of shape (n,)
        Hat values ``h`` at ``beta`` (FLAC's pseudo-observation weights).
    score : ndarray of shape (n_columns,)
        The (modified) score at ``beta``; zero on free coefficients at the
        optimum.
    n_iter : int
    converged : bool
    """

    beta: FloatArray
    covariance: FloatArray
    penalised_loglik: float
    loglik: float
    hat: FloatArray
    score: FloatArray
    n_iter: int
    converged: bool


def design_matrix(X: FloatArray, fit_intercept: bool) -> FloatArray:
    """``[X | 1]`` (or ``X``) as a float64 array."""
    X = np.asarray(X, dtype=np.float64)
    if fit_intercept:
        return np.column_stack([X, np.ones(X.shape[0])])
    return X


@dataclass(frozen=True)
class _Point:
    """Everything one iterate needs, from one pass over the data."""

    beta: FloatArray
    value: float  # penalised log-likelihood
    loglik: float
    score: FloatArray
    information_factor: tuple[FloatArray, bool]
    hat: FloatArray


def _evaluate(
    design: FloatArray, y: FloatArray, weight: FloatArray, offset: FloatArray,
    beta: FloatArray, jeffreys: bool,
) -> _Point | None:
    """Penalised log-likelihood, modified score and factored information at
    ``beta``; None when the information is not positive definite."""
    eta = design @ beta + offset
    p = sigmoid(eta)
    w = weight * p * (1 - p)
    # I = R.T @ R with R = sqrt(w) * D: NumPy runs R.T @ R as a symmetric
    # rank-n update (half the flops of a general product); R serves the hat
    # values too.
    root = np.sqrt(w)[:, None] * design
    information = root.T @ root
    try:
        factor = scipy.linalg.cho_factor(information, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return None
    # y * eta - log(1 + e^eta): the log-likelihood without log(0) at p = 0 or 1.
    loglik = float(weight @ (y * eta - log1pexp(eta)))
    residual = weight * (y - p)
    value = loglik
    hat = np.zeros_like(p)
    if jeffreys:
        # h_i = ||inv(L) r_i||^2 with I = L L.T, r_i = sqrt(w_i) d_i. inv(L)
        # is m x m; one product R @ inv(L).T runs at matrix-product speed,
        # twice as fast as a triangular solve with the n columns of R.T.
        # LAPACK's trtri inverts L directly (scipy's solve_triangular costs
        # milliseconds of overhead per call, more than a small fit).
        inverse, _ = scipy.linalg.lapack.dtrtri(factor[0], lower=1)
        half = root @ np.tril(inverse).T
        hat = np.einsum("ij,ij->i", half, half)
        residual = residual + hat * (0.5 - p)
        value += float(np.sum(np.log(np.diag(factor[0]))))  # 0.5 * log det I
    return _Point(beta, value, loglik, design.T @ residual, factor, hat)


def _free_step(point: _Point, free: np.ndarray) -> FloatArray:
    """The scoring step ``inv(I_ff) @ U*_f`` on the free coefficients."""
    step = np.zeros_like(point.beta)
    if np.all(free):
        step = scipy.linalg.cho_solve(point.information_factor, point.score,
                                      check_finite=False)
    elif np.any(free):
        # cho_factor leaves junk above the diagonal: rebuild I from tril(L).
        lower = np.tril(point.information_factor[0])
        information = lower @ lower.T
        step[free] = scipy.linalg.solve(
            information[np.ix_(free, free)], point.score[free], assume_a="pos",
            check_finite=False,
        )
    largest = np.max(np.abs(step)) if step.size else 0.0
    return step * (MAX_STEP / largest) if largest > MAX_STEP else step


def fit_penalised(
    design: FloatArray,
    y: FloatArray,
    weight: FloatArray | None = None,
    offset: FloatArray | None = None,
    *,
    jeffreys: bool = True,
    start: FloatArray | None = None,
    fixed: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> FirthResult:
    """Maximise the Firth-penalised (or plain) log-likelihood.

    Parameters
    ----------
    design : ndarray of shape (n, m)
        The full design, intercept column included (``design_matrix``).
    y : ndarray of shape (n,)
        Responses in {0, 1}.
    weight : ndarray of shape (n,), optional
        Frequency weights ``s`` (default 1).
    offset : ndarray of shape (n,), optional
        Added to the linear predictor (default 0).
    jeffreys : bool, default=True
        Add ``0.5 * log det I`` (Firth); False fits the plain likelihood.
    start : ndarray of shape (m,), optional
        Starting coefficients (default 0); with ``fixed``, the fixed
        coefficients take their values from here.
    fixed : bool ndarray of shape (m,), optional
        Coefficients held at their ``start`` values.
    tol : float, default=1e-10
        Stop when the largest step is below ``tol`` and the largest free
        score component below ``tol * sum(weight)`` (the mean scale).
    max_iter : int, default=100

    Returns
    -------
    FirthResult

    Raises
    ------
    numpy.linalg.LinAlgError
        The Fisher information is singular at the start (collinear columns).
    """
    n, m = design.shape
    weight = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64)
    offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(m) if start is None else np.array(start, dtype=np.float64)
    free = np.ones(m, bool) if fixed is None else ~np.asarray(fixed, dtype=bool)
    point = _evaluate(design, y, weight, offset, beta, jeffreys)
    if point is None:
        raise np.linalg.LinAlgError(
            "the Fisher information is singular: the design's columns are "
            "collinear (or a column is constant within the weighted rows)"
        )
    # The score is a sum over rows: compare it on the mean scale, as the
    # Newton solver does, so that tol means the same for any n.
    scale = max(float(np.sum(weight)), 1.0)

    def evaluate(beta: FloatArray) -> _Point | None:
        return _evaluate(design, y, weight, offset, beta, jeffreys)

    return _maximise(evaluate, point, free, tol * scale, tol, max_iter)


#: One iterate's evaluation (penalised log-likelihood, modified score,
#: factored information), for callers that evaluate it with a pass of their
#: own over the data (``logitron.dask.firth``).
PenalisedPoint = _Point


def maximise_penalised(
    evaluate: Callable[[FloatArray], _Point | None], point: _Point,
    total_weight: float, *, tol: float = 1e-10, max_iter: int = 100,
) -> FirthResult:
    """``fit_penalised``'s iteration from ``point`` over every coefficient,
    with any ``evaluate(beta)`` (None where the information is singular) and
    the stopping rule of ``fit_penalised`` for rows weighing ``total_weight``."""
    free = np.ones(len(point.beta), bool)
    scale = max(float(total_weight), 1.0)
    return _maximise(evaluate, point, free, tol * scale, tol, max_iter)


def _maximise(
    evaluate: Callable[[FloatArray], _Point | None], point: _Point, free: np.ndarray,
    score_tol: float, tol: float, max_iter: int,
) -> FirthResult:
    """The iteration of ``fit_penalised`` from ``point``."""

    def score_at(beta: FloatArray) -> FloatArray | None:
        moved = evaluate(beta)
        return None if moved is None else moved.score

    converged, n_iter, previous = False, 0, None
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        # 1. The scoring direction on the free coefficients.
        step = _free_step(point, free)
        if np.max(np.abs(step), initial=0.0) < tol and np.max(
            np.abs(point.score[free]), initial=0.0
        ) < score_tol:
            converged = True
            break
        # 2. Newton's step instead when scoring crawls (``_score_newton``).
        newton = newton_step(score_at, point.beta, point.score, free) if crawling(
            step, previous, int(np.sum(free)), tol) else None
        previous = step
        if newton is not None:
            largest = float(np.max(np.abs(newton)))
            step = newton * (MAX_STEP / largest) if largest > MAX_STEP else newton
        # 3. Halve it until the penalised log-likelihood does not fall.
        for _ in range(MAX_HALVINGS):
            trial = evaluate(point.beta + step)
            if trial is not None and trial.value >= point.value - 1e-12 * abs(point.value):
                break
            step = step / 2
        else:
            break  # no ascent along the step: rounding has the last word
        point = trial
    return _result(point, n_iter, converged)


def _result(point: _Point, n_iter: int, converged: bool) -> FirthResult:
    covariance = scipy.linalg.cho_solve(
        point.information_factor, np.eye(len(point.beta)), check_finite=False
    )
    return FirthResult(
        beta=point.beta, covariance=covariance, penalised_loglik=point.value,
        loglik=point.loglik, hat=point.hat, score=point.score, n_iter=n_iter,
        converged=converged,
    )
