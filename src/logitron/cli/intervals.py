"""``logitron predict --interval``: standard errors and confidence intervals
of the predicted probability, from the model file's own statistics record
(no training data needed): the link interval through the sigmoid, as
``Statistics.get_prediction``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..inference import cov_params
from ..inference.prediction import get_prediction
from . import train_firth
from .errors import UsageError
from .model_input import CliModel


def check_interval_model(model: CliModel) -> None:
    """Refuse models without a record, and softmax models."""
    estimator = model.estimator
    train_firth.refuse_firth_model(estimator, "--interval")
    if getattr(estimator, "inference_", None) is None:
        raise UsageError(
            "--interval needs an unpenalised model with statistics (train with --C inf)"
        )
    if len(model.classes) != 2:
        raise UsageError("--interval is for binary models (two classes)")


def interval_columns(model: CliModel, features: Any, alpha: float) -> dict[str, Any]:
    """``se``, ``ci_lower``, ``ci_upper`` of the probability of ``classes_[1]``."""
    estimator = model.estimator
    if hasattr(model.model, "steps"):
        # The estimator saw the standardized features.
        features = model.model[:-1].transform(features)
    matrix = np.asarray(features, dtype=np.float64)
    if estimator.fit_intercept:
        matrix = np.column_stack([np.ones(len(matrix)), matrix])
    record = estimator.inference_
    prediction = get_prediction(
        matrix, record.params.ravel(), cov_params(record), alpha
    )
    interval = prediction.conf_int()
    label = model.classes[1]
    return {
        f"se_{label}": prediction.se,
        f"ci_lower_{label}": interval[:, 0],
        f"ci_upper_{label}": interval[:, 1],
    }
