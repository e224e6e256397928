"""A fitted ``FirthLogisticRegression`` <-> one step of a model file.

The step is ``{"name", "kind": "FirthLogisticRegression", "params", "state"}``
with::

    "params": {"fit_intercept": true, "correction": null | "flic" | "flac",
               "tol": 1e-10, "max_iter": 100}
    "state":  {"classes", "coef", "intercept", "n_iter", "n_features_in",
               "feature_names_in", "formula",      # as for LogisticRegression
               "covariance": <array (q, q)>,       # inv(I), intercept last
               "penalised_loglik": float, "loglik": float,
               "profile": null | {"level": 0.95, "lower": [...], "upper": [...],
                                  "statistic": [...]}}

The profile penalised-likelihood intervals need the training data, which a
model file does not hold, so they are computed when the model is saved (two
classes, ``correction`` None or ``"flic"``) at ``PROFILE_LEVEL`` and stored
with their likelihood-ratio statistics, in ``logitron._json_tree``'s
encoding because an end point can be infinite and FLIC's intercept has none
(NaN). The p-values are ``chi2.sf(statistic, 1)``, recomputed on load.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import chi2

from ._formula_codec import encode_model_spec
from ._json_tree import decode_tree, encode_tree
from ._model_fields import (
    ModelFileError,
    decode_array,
    encode_array,
    feature_names,
    formula_columns,
    integer_field,
    object_field,
    restore_formula,
)
from .firth_estimator import FirthLogisticRegression
from .profile import ProfileIntervals

#: The level of the profile intervals a model file keeps (the summary's default).
PROFILE_LEVEL = 0.95

_PARAMS = ("fit_intercept", "correction", "tol", "max_iter")


def encode_firth(name: str, model: FirthLogisticRegression) -> dict[str, Any]:
    """The step of a fitted ``FirthLogisticRegression``, its profile
    intervals computed now when it has them."""
    feature_names_in = getattr(model, "feature_names_in_", None)
    state: dict[str, Any] = {
        "classes": encode_array(np.asarray(model.classes_)),
        "coef": encode_array(model.coef_),
        "intercept": encode_array(model.intercept_),
        "n_iter": encode_array(np.asarray(model.n_iter_)),
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": (
            None if feature_names_in is None else [str(n) for n in feature_names_in]
        ),
        "formula": None,
        "covariance": encode_array(model.covariance_),
        "penalised_loglik": float(model.penalised_loglik_),
        "loglik": float(model.loglik_),
        "profile": None,
    }
    if getattr(model, "model_spec_", None) is not None:
        state["formula"] = {
            "text": str(model.formula_),
            "model_spec": encode_model_spec(model.model_spec_, formula_columns(model)),
        }
    if len(model.classes_) == 2 and model.correction != "flac":
        intervals = model.profile_intervals(PROFILE_LEVEL)
        state["profile"] = {
            "level": PROFILE_LEVEL,
            **{key: encode_tree(getattr(intervals, key))
               for key in ("lower", "upper", "statistic")},
        }
    params = {key: encode_tree(model.get_params()[key]) for key in _PARAMS}
    return {"name": name, "kind": "FirthLogisticRegression", "params": params, "state": state}


def decode_firth(step: dict[str, Any]) -> FirthLogisticRegression:
    """Inverse of ``encode_firth``; ModelFileError names the first field that
    is missing, mistyped or inconsistent."""
    params = object_field(step, "params")
    if set(params) != set(_PARAMS):
        raise ModelFileError(f"FirthLogisticRegression params must be exactly {list(_PARAMS)}")
    values = {key: decode_tree(value) for key, value in params.items()}
    if not isinstance(values["fit_intercept"], bool):
        raise ModelFileError("'fit_intercept' must be true or false")
    model = FirthLogisticRegression(**values)
    try:
        model._check_params()
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"invalid parameter: {error}") from None

    state = object_field(step, "state")
    classes = decode_array(state, "classes", kinds="biufUO", ndim=1)
    if len(classes) < 2 or not np.array_equal(np.unique(classes), classes):
        raise ModelFileError("'classes' must hold at least 2 distinct labels in sorted order")
    n_outputs = 1 if len(classes) == 2 else len(classes)
    n_features = integer_field(state, "n_features_in")
    coef = decode_array(state, "coef", kinds="f", shape=(n_outputs, n_features))
    intercept = decode_array(state, "intercept", kinds="f", shape=(n_outputs,))
    if coef.dtype != np.float64 or intercept.dtype != np.float64:
        raise ModelFileError("'coef' and 'intercept' of a Firth fit are float64")
    if n_outputs > 1 and (np.any(coef[0] != 0) or intercept[0] != 0):
        # The softmax fit is against the first class, whose row is zero.
        raise ModelFileError("the first class's row of 'coef' and 'intercept' must be 0")
    if not model.fit_intercept and np.any(intercept != 0):
        raise ModelFileError("'intercept' must be 0 when fit_intercept is false")
    width = (n_features + int(model.fit_intercept)) * (1 if n_outputs == 1 else n_outputs - 1)
    covariance = decode_array(state, "covariance", kinds="f", shape=(width, width))
    if not np.all(np.diag(covariance) > 0):
        raise ModelFileError("'covariance' must have a positive diagonal")

    model.classes_ = classes
    model.coef_ = coef
    model.intercept_ = intercept
    model.n_iter_ = decode_array(state, "n_iter", kinds="iu", shape=(1,))
    model.n_features_in_ = n_features
    model.covariance_ = covariance.astype(np.float64)
    model.penalised_loglik_ = _number(state, "penalised_loglik")
    model.loglik_ = _number(state, "loglik")
    if model.loglik_ > 0:
        raise ModelFileError("'loglik' is a log-likelihood and cannot be positive")
    names = feature_names(state, n_features)
    if names is not None:
        model.feature_names_in_ = names
    if state.get("formula") is not None:
        restore_formula(model, state["formula"])
    model._problem = None
    model._saved_profile = _decode_profile(
        state.get("profile"), width, expected=n_outputs == 1 and model.correction != "flac"
    )
    return model


def _decode_profile(plain: Any, width: int, *, expected: bool) -> ProfileIntervals | None:
    """The stored profile intervals, checked: one finite-or-infinite end
    point per side, lower <= upper, non-negative statistics."""
    if plain is None:
        if expected:
            raise ModelFileError("'profile' must hold the profile intervals of a two-class fit")
        return None
    if not expected:
        raise ModelFileError("'profile' must be null: this fit has no profile intervals")
    if not isinstance(plain, dict) or set(plain) != {"level", "lower", "upper", "statistic"}:
        raise ModelFileError("'profile' must hold level, lower, upper and statistic")
    if plain["level"] != PROFILE_LEVEL:
        raise ModelFileError(f"'profile' level must be {PROFILE_LEVEL}")
    arrays = {}
    for key in ("lower", "upper", "statistic"):
        value = decode_tree(plain[key])
        if not (isinstance(value, np.ndarray) and value.dtype == np.float64
                and value.shape == (width,)):
            raise ModelFileError(f"profile {key!r} must be {width} float64 values")
        arrays[key] = value
    lower, upper, statistic = arrays["lower"], arrays["upper"], arrays["statistic"]
    known = ~np.isnan(statistic)
    if (
        np.any(np.isnan(lower[known]) | np.isnan(upper[known]))
        or np.any(lower[known] > upper[known])
        or np.any(lower == np.inf) or np.any(upper == -np.inf)
        or np.any(statistic[known] < 0) or np.any(np.isinf(statistic))
    ):
        raise ModelFileError("'profile' intervals must have lower <= upper and statistics >= 0")
    return ProfileIntervals(lower, upper, statistic, chi2.sf(statistic, 1), PROFILE_LEVEL)


def _number(state: dict[str, Any], key: str) -> float:
    value = state.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ModelFileError(f"{key!r} must be a number")
    return float(value)
