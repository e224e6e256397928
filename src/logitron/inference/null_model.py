"""The null model: the intercept-only fit, with the fit's offset if any.

Without an offset the intercept-only model has a closed form (the class
shares, ``null_loglik``). With a known offset ``o`` (n,) the null
model of R's ``glm`` and statsmodels' ``llnull`` keeps it::

    z_i = a + o_i                  # one free intercept a (none: a = 0)
    loglik(a) = sum_i s_i * (y_i * z_i - log1pexp(z_i))
    dloglik/da = sum_i s_i * (y_i - sigmoid(z_i))
    d2loglik/da2 = -sum_i s_i * sigmoid(z_i) * sigmoid(-z_i)

so the intercept is the root of a strictly decreasing function: Newton's
method with step halving (loglik is concave) finds it in a few steps.
"""

from __future__ import annotations

import numpy as np

from .._numerics import FloatArray, accurate_dot, log1pexp, sigmoid


def null_loglik(class_totals: FloatArray, fit_intercept: bool) -> float:
    """Log-likelihood of the model without features, in closed form.

    ``class_totals[k] = S_k``, the weight of class ``k``. With an intercept
    its MLE reproduces the weighted class shares ``f_k = S_k / S``, so
    ``loglik_null = sum_k S_k * log(f_k)``; without one the null model is
    ``z = 0``: ``loglik_null = -S * log(K)``.
    """
    totals = np.asarray(class_totals, dtype=np.float64)
    total = float(np.sum(totals))
    if not fit_intercept:
        return -total * float(np.log(len(totals)))
    present = totals > 0
    return float(np.sum(totals[present] * np.log(totals[present] / total)))


def _loglik(a: float, y: FloatArray, weight: FloatArray, offset: FloatArray) -> float:
    z = a + offset
    return accurate_dot(weight, y * z - log1pexp(z))


def null_loglik_with_offset(
    y: FloatArray, weight: FloatArray, offset: FloatArray, fit_intercept: bool,
    tol: float = 1e-12, max_iter: int = 100,
) -> float:
    """Log-likelihood of ``z = a + offset`` at the MLE of ``a`` (binary).

    Parameters
    ----------
    y : ndarray of shape (n,)
        Labels in {0, 1}.
    weight : ndarray of shape (n,)
        Frequency weights ``s``.
    offset : ndarray of shape (n,)
        The known offset ``o``.
    fit_intercept : bool
        Whether the null model has ``a`` (else ``a = 0``: ``z = o``).
    """
    y = np.asarray(y, dtype=np.float64)
    weight = np.asarray(weight, dtype=np.float64)
    offset = np.asarray(offset, dtype=np.float64)
    a = 0.0
    value = _loglik(a, y, weight, offset)
    if not fit_intercept:
        return value
    for _ in range(max_iter):
        z = a + offset
        score = accurate_dot(weight, y - sigmoid(z))
        information = accurate_dot(weight, sigmoid(z) * sigmoid(-z))
        if information <= 0.0:
            break
        # The Newton step, not the score, is tested: it does not change
        # when every weight is scaled by the same factor.
        step = score / information
        if abs(step) <= tol * max(abs(a), 1.0):
            break
        # Halve the Newton step until loglik does not decrease (concave).
        for _ in range(60):
            trial = _loglik(a + step, y, weight, offset)
            if trial >= value:
                break
            step /= 2.0
        if trial < value:
            break  # no ascent left at the float's resolution
        a, value = a + step, trial
    return value
