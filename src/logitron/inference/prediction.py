"""Predictions with standard errors and intervals, for new or training rows.

For a row ``x~ = [1, x]`` with estimates ``b`` and their covariance ``V``::

    eta      = x~ @ b                          # linear predictor
    se_eta   = sqrt(x~ @ V @ x~)
    p        = sigmoid(eta)
    se_p     = p * (1 - p) * se_eta            # delta method
    interval = sigmoid(eta -/+ Phi^-1(1 - alpha/2) * se_eta)

The probability interval is the link-scale Wald interval mapped through
``sigmoid``, as R's ``predict(fit, se.fit = TRUE)`` on the link scale is
used and as statsmodels' ``get_prediction().summary_frame()`` reports: it
stays inside (0, 1) and is not symmetric around ``p``. ``V`` is whichever
covariance the statistics object was built with (robust or clustered too).
This module is for binary models; a softmax model's class probabilities are
in ``prediction_softmax``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

from .._numerics import FloatArray
from ..formula_design import design_matrix
from .tails import normal_upper_quantile


@dataclass(frozen=True)
class PredictionResults:
    """Linear predictor and probability of the positive class, with intervals.

    Attributes
    ----------
    linpred, linpred_se : ndarray of shape (n,)
    predicted, se : ndarray of shape (n,)
        Probability of ``classes_[1]`` and its delta-method standard error.
    alpha : float
    """

    linpred: FloatArray
    linpred_se: FloatArray
    predicted: FloatArray
    se: FloatArray
    alpha: float

    def linpred_interval(self, alpha: float | None = None) -> FloatArray:
        """``(n, 2)`` Wald interval of the linear predictor."""
        quantile = normal_upper_quantile((self.alpha if alpha is None else alpha) / 2)
        return np.column_stack(
            [self.linpred - quantile * self.linpred_se,
             self.linpred + quantile * self.linpred_se]
        )

    def conf_int(self, alpha: float | None = None) -> FloatArray:
        """``(n, 2)`` probability interval: ``sigmoid`` of the link interval."""
        return scipy.special.expit(self.linpred_interval(alpha))

    def summary_frame(self, alpha: float | None = None) -> Any:
        """statsmodels' columns ``predicted, se, ci_lower, ci_upper``, then the
        linear predictor's ``linpred, linpred_se, linpred_ci_lower,
        linpred_ci_upper``."""
        import pandas as pd

        interval = self.conf_int(alpha)
        linear = self.linpred_interval(alpha)
        return pd.DataFrame(
            {
                "predicted": self.predicted, "se": self.se,
                "ci_lower": interval[:, 0], "ci_upper": interval[:, 1],
                "linpred": self.linpred, "linpred_se": self.linpred_se,
                "linpred_ci_lower": linear[:, 0], "linpred_ci_upper": linear[:, 1],
            }
        )


def get_prediction(
    design: FloatArray, params: FloatArray, cov: FloatArray, alpha: float = 0.05,
    offset: FloatArray | None = None,
) -> PredictionResults:
    """Predictions for the rows of ``design`` (``[1, X]``) (module doc); a
    known ``offset`` (n,) shifts the linear predictor, not its variance."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    linpred = design @ params if offset is None else design @ params + offset
    linpred_se = np.sqrt(np.einsum("ij,jk,ik->i", design, cov, design))
    predicted = scipy.special.expit(linpred)
    se = predicted * (1.0 - predicted) * linpred_se
    return PredictionResults(linpred, linpred_se, predicted, se, float(alpha))


def new_design(model: Any, X: Any) -> FloatArray:
    """``[1, X]`` for new rows: a raw DataFrame through the formula of a
    ``logitron.logit`` model, else features as ``model.predict`` takes them."""
    from sklearn.utils.validation import validate_data

    if getattr(model, "model_spec_", None) is not None:
        X = design_matrix(model, X)
    features = validate_data(model, X, reset=False, dtype=np.float64)
    features = np.asarray(features.toarray() if hasattr(features, "toarray")
                          else features)
    if model.fit_intercept:
        return np.column_stack([np.ones(len(features)), features])
    return features
