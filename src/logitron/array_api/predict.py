"""Predictions of a model fitted on device arrays, in the namespace and on
the device of its ``coef_``.

``decision_function``, ``predict_proba`` and ``predict_log_proba`` return
arrays of ``X``'s library, dtype and device; ``predict`` returns labels
from ``classes_``: on the device when they are numbers, a NumPy array when
they are strings (no array-API library holds strings), as scikit-learn does.
``X`` must come from the namespace and device of the fit: anything else is
a ``ValueError`` that says so (scikit-learn's ``check_same_namespace``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import loss as device_loss
from .namespace import device_of, is_array_api_array, namespace_of, to_host


def is_device_model(model: Any) -> bool:
    """Whether ``model`` was fitted on array-API arrays (its ``coef_`` is one)."""
    coef = getattr(model, "coef_", None)
    return coef is not None and not isinstance(coef, np.ndarray) and is_array_api_array(coef)


def _checked(model: Any, X: Any, method: str) -> tuple[Any, Any]:
    """``(xp, X)`` with ``X`` in the model's namespace, device and dtype."""
    coef = model.coef_
    xp = namespace_of(coef)
    name = f"{type(model).__name__}.{method}()"
    if not is_array_api_array(X) or namespace_of(X) is not xp:
        got = type(X).__module__.split(".")[0] + "." + type(X).__name__
        raise ValueError(
            f"Inputs passed to {name} must use the same namespace as the fitted "
            f"attributes: the model was fitted on {xp.__name__} arrays, got {got}."
        )
    if device_of(X) != device_of(coef):
        raise ValueError(
            f"Inputs passed to {name} must use the same namespace and device as the "
            f"fitted attributes: {device_of(coef)}, got {device_of(X)}."
        )
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D X in {name}; got {X.ndim} dimensions.")
    if X.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(model).__name__} is expecting "
            f"{model.n_features_in_} features as input."
        )
    if X.dtype != coef.dtype:
        X = xp.astype(X, coef.dtype)
    return xp, X


def predict(model: Any, X: Any, method: str, offset: Any = None) -> Any:
    """``method`` (one of the four prediction methods) of a device model."""
    check_is_fitted(model)
    if offset is not None:
        raise NotImplementedError(
            "offset is fitted and predicted on NumPy input only (array_api_dispatch)."
        )
    xp, X = _checked(model, X, method)
    raw = X @ model.coef_.T + model.intercept_
    if method == "decision_function":
        return raw[:, 0] if raw.shape[1] == 1 else raw
    if method == "predict_proba":
        if raw.shape[1] == 1:
            return xp.concat(
                [device_loss.probabilities(xp, -raw), device_loss.probabilities(xp, raw)],
                axis=1,
            )
        return device_loss.probabilities(xp, raw)
    if method == "predict_log_proba":
        return device_loss.log_probabilities(xp, raw)
    binary = raw.shape[1] == 1
    index = xp.astype(raw[:, 0] > 0, xp.int64) if binary else xp.argmax(raw, axis=1)
    labels = model.classes_[to_host(index)]
    if labels.dtype.kind in "biuf":
        return xp.asarray(labels, device=device_of(raw))
    return labels
