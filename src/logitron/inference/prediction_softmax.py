"""Class probabilities of a softmax model with standard errors and intervals.

With the reference class first, ``p = softmax([0, x~ @ G.T])`` where ``G``
holds the ``m = K - 1`` identified coefficient rows and ``V`` their
covariance (blocks ``V[k, l]`` of size q x q). The delta method gives::

    dp_j / dG_k = p_j * (delta_jk - p_k) * x~           # k = 1..m
    A[j, k]     = p_j * (delta_jk - p_k)                 # (K, m) per row
    W[k, l]     = x~ @ V[k, l] @ x~                      # (m, m) per row
    var(p_j)    = A[j] @ W @ A[j]

Each class's interval is the Wald interval of ``logit(p_j)`` (standard error
``se_j / (p_j * (1 - p_j))``) mapped back through the sigmoid, so it stays in
(0, 1), like the binary model's interval; for two classes both agree with
the binary ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

from .._numerics import FloatArray
from .model_data import log_probabilities
from .tails import normal_upper_quantile


@dataclass(frozen=True)
class ClassPredictionResults:
    """``predicted`` and ``se`` of shape (n, K), classes in ``class_names``
    order (the reference class first)."""

    predicted: FloatArray
    se: FloatArray
    class_names: list[str]
    alpha: float

    def conf_int(self, alpha: float | None = None) -> FloatArray:
        """(n, K, 2) intervals: ``sigmoid(logit(p) -/+ z * se / (p (1 - p)))``."""
        quantile = normal_upper_quantile((self.alpha if alpha is None else alpha) / 2)
        p = self.predicted
        centre = scipy.special.logit(p)
        half = quantile * self.se / (p * (1.0 - p))
        return scipy.special.expit(np.stack([centre - half, centre + half], axis=-1))

    def summary_frame(self, alpha: float | None = None) -> Any:
        """One row per (row, class): ``predicted, se, ci_lower, ci_upper``."""
        import pandas as pd

        interval = self.conf_int(alpha)
        n = len(self.predicted)
        index = pd.MultiIndex.from_product(
            [np.arange(n), self.class_names], names=["row", "class"]
        )
        return pd.DataFrame(
            {
                "predicted": self.predicted.ravel(), "se": self.se.ravel(),
                "ci_lower": interval[..., 0].ravel(), "ci_upper": interval[..., 1].ravel(),
            },
            index=index,
        )


def get_class_prediction(
    design: FloatArray, params: FloatArray, cov: FloatArray, class_names: list[str],
    alpha: float = 0.05,
) -> ClassPredictionResults:
    """Class probabilities of the rows of ``design`` (module doc);
    ``params`` is (m, q), ``cov`` (m q, m q) output by output."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    m, q = params.shape
    proba = np.exp(log_probabilities(design @ params.T))
    quadratic = np.empty((len(design), m, m))
    for k in range(m):
        for l in range(k, m):  # noqa: E741
            block = cov[k * q:(k + 1) * q, l * q:(l + 1) * q]
            quadratic[:, k, l] = np.einsum("ij,jk,ik->i", design, block, design)
            quadratic[:, l, k] = quadratic[:, k, l]
    # A[i, j, k] = p_ij * (delta_jk - p_ik) for the non-reference columns k.
    eye = np.eye(m + 1)[:, 1:]
    slopes = proba[:, :, None] * (eye[None, :, :] - proba[:, None, 1:])
    variance = np.einsum("ijk,ikl,ijl->ij", slopes, quadratic, slopes)
    return ClassPredictionResults(
        proba, np.sqrt(np.maximum(variance, 0.0)), class_names, float(alpha)
    )
