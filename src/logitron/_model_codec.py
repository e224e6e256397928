"""Fitted models <-> the ``"model"`` part of a model file (see ``logitron.io``).

Writing turns each step into ``{"name", "kind", "params", "state"}`` of plain
JSON data; reading checks every field (types, dtypes, shapes, consistency
between steps) and returns a model only when all of them pass, so a model
that loads is a well-formed linear model whatever the file said.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from . import _validation
from ._formula_codec import (
    UnsafeFormulaError,
    check_formula_is_safe,
    decode_model_spec,
    encode_model_spec,
)
from ._formula_offset import OffsetFormulaError, split_offset
from ._json_tree import decode_tree, encode_tree
from ._sklearn_params import ACCEPTED_SOLVERS
from .estimator import LogisticRegression
from .inference import FitInference
from .solvers import SOLVERS


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, not a model file,
    modified after it was written, from a newer logitron, or inconsistent."""


def encode_model(model: Any) -> dict[str, Any]:
    """A fitted estimator, or Pipeline of StandardScaler steps ending in one,
    as ``{"pipeline": bool, "steps": [...]}``; TypeError for anything else."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted


    pipeline = isinstance(model, Pipeline)
    steps = list(model.steps) if pipeline else [("logistic", model)]
    encoded = []
    for position, (name, step) in enumerate(steps):
        last = position == len(steps) - 1
        if last and isinstance(step, LogisticRegression):
            check_is_fitted(step)
            encoded.append(_encode_estimator(name, step))
        elif not last and isinstance(step, StandardScaler):
            check_is_fitted(step)
            encoded.append(_encode_scaler(name, step))
        else:
            raise TypeError(
                "a model file holds a logitron LogisticRegression, optionally after "
                f"StandardScaler steps in a Pipeline; cannot store step {name!r} "
                f"({type(step).__name__}) there"
            )
    return {"pipeline": pipeline, "steps": encoded}


def _encode_estimator(name: str, model: Any) -> dict[str, Any]:
    params = {key: _encode_param(key, value) for key, value in model.get_params().items()}
    feature_names = getattr(model, "feature_names_in_", None)
    state: dict[str, Any] = {
        "classes": _encode_array(np.asarray(model.classes_)),
        # A sparsified coef_ (issue 15) is stored dense; load gives it dense.
        "coef": _encode_array(
            model.coef_.toarray() if hasattr(model.coef_, "toarray") else model.coef_
        ),
        "intercept": _encode_array(model.intercept_),
        "n_iter": _encode_array(np.asarray(model.n_iter_)),
        "loss_curve": [float(value) for value in model.loss_curve_],
        "solver": str(model.solver_),
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": None if feature_names is None else [str(n) for n in feature_names],
        "formula": None,
        "inference": None,
    }
    if getattr(model, "model_spec_", None) is not None:
        state["formula"] = {
            "text": str(model.formula_),
            "model_spec": encode_model_spec(model.model_spec_, _formula_columns(model)),
        }
    inference = getattr(model, "inference_", None)
    if inference is not None:
        state["inference"] = encode_tree(inference.to_dict())
    return {"name": name, "kind": "LogisticRegression", "params": params, "state": state}


def _formula_columns(model: Any) -> list[str]:
    """The design matrix's columns, as formulaic names them (intercept first)."""
    names = [str(name) for name in model.feature_names_in_]
    return ["Intercept", *names] if model.fit_intercept else names


def _encode_scaler(name: str, scaler: Any) -> dict[str, Any]:
    feature_names = getattr(scaler, "feature_names_in_", None)
    output = getattr(scaler, "_sklearn_output_config", {}).get("transform", "default")
    return {
        "name": name,
        "kind": "StandardScaler",
        "params": {
            "with_mean": bool(scaler.with_mean),
            "with_std": bool(scaler.with_std),
            "copy": bool(scaler.copy),
        },
        "state": {
            "mean": None if scaler.mean_ is None else _encode_array(scaler.mean_),
            "scale": None if scaler.scale_ is None else _encode_array(scaler.scale_),
            "var": None if scaler.var_ is None else _encode_array(scaler.var_),
            "n_samples_seen": encode_tree(scaler.n_samples_seen_),
            "n_features_in": int(scaler.n_features_in_),
            "feature_names_in": None if feature_names is None else [str(n) for n in feature_names],
            "transform_output": str(output),
        },
    }


def _encode_array(array: np.ndarray) -> dict[str, Any]:
    array = np.asarray(array)
    if array.dtype.kind == "O":
        if not all(isinstance(item, str) for item in array.ravel()):
            raise TypeError("object arrays in a model file must hold only strings")
    elif array.dtype.kind not in "biufU":
        raise TypeError(f"cannot store an array of dtype {array.dtype} in a model file")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise TypeError("cannot store non-finite coefficients in a model file")
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": array.ravel().tolist()}


def _encode_param(key: str, value: Any) -> Any:
    if key == "random_state" and not (value is None or isinstance(value, (int, np.integer))):
        # A RandomState object is generator state, not a setting; predictions
        # never use it.
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(f"cannot store the parameter {key}={value!r} in a model file")
    return encode_tree(value)


def decode_model(plain: dict[str, Any]) -> Any:
    """Inverse of ``encode_model``; ModelFileError names the first field that
    is missing, mistyped or inconsistent."""
    from sklearn.pipeline import Pipeline

    steps = plain.get("steps")
    pipeline = plain.get("pipeline")
    if not isinstance(steps, list) or not steps or not isinstance(pipeline, bool):
        raise ModelFileError("'model' needs a non-empty 'steps' list and a 'pipeline' flag")
    if not pipeline and len(steps) != 1:
        raise ModelFileError("a model that is not a pipeline has exactly one step")
    decoded = []
    for position, step in enumerate(steps):
        if not isinstance(step, dict):
            raise ModelFileError(f"step {position} is not an object")
        kind = step.get("kind")
        last = position == len(steps) - 1
        if last and kind == "LogisticRegression":
            decoded.append((_string(step, "name"), _decode_estimator(step)))
        elif not last and kind == "StandardScaler":
            decoded.append((_string(step, "name"), _decode_scaler(step)))
        else:
            raise ModelFileError(f"step {position} has an unexpected kind {kind!r}")
    names = [name for name, _ in decoded]
    if len(set(names)) != len(names):
        raise ModelFileError(f"repeated step names {names}")
    _check_widths(decoded)
    if not pipeline:
        return decoded[0][1]
    return Pipeline(decoded)


def _decode_estimator(step: dict[str, Any]) -> Any:

    params = object_field(step, "params")
    known = LogisticRegression().get_params()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ModelFileError(f"unknown LogisticRegression parameters {unknown}")
    model = LogisticRegression(**{key: _decode_param(value) for key, value in params.items()})
    try:
        # scikit-learn's solver names are valid parameters too (issue 15).
        _validation.check_params(model, ACCEPTED_SOLVERS)
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"invalid parameter: {error}") from None

    state = object_field(step, "state")
    classes = _decode_array(state, "classes", kinds="biufUO", ndim=1)
    if len(classes) < 2 or len(np.unique(classes)) != len(classes):
        raise ModelFileError("'classes' must hold at least 2 distinct labels")
    if not np.array_equal(np.unique(classes), classes):
        # predict maps output k to classes[k], and fit sorts them: unsorted
        # classes would swap the predicted labels.
        raise ModelFileError("'classes' must be in sorted order, as fit stores them")
    n_outputs = 1 if len(classes) == 2 else len(classes)
    n_features = _integer(state, "n_features_in")
    coef = _decode_array(state, "coef", kinds="f", shape=(n_outputs, n_features))
    intercept = _decode_array(state, "intercept", kinds="f", shape=(n_outputs,))
    if coef.dtype != intercept.dtype or coef.dtype not in (np.float32, np.float64):
        raise ModelFileError("'coef' and 'intercept' must share a float32 or float64 dtype")
    n_iter = _decode_array(state, "n_iter", kinds="iu", shape=(1,))
    loss_curve = state.get("loss_curve")
    if not isinstance(loss_curve, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in loss_curve
    ):
        raise ModelFileError("'loss_curve' must be a list of numbers")
    solver = _string(state, "solver")
    if solver not in SOLVERS:
        raise ModelFileError(f"unknown solver {solver!r}")

    model.classes_ = classes
    model.coef_ = coef
    model.intercept_ = intercept
    model.n_iter_ = n_iter
    model.loss_curve_ = [float(value) for value in loss_curve]
    model.solver_ = solver
    model.n_features_in_ = n_features
    names = _feature_names(state, n_features)
    if names is not None:
        model.feature_names_in_ = names
    formula = state.get("formula")
    if formula is not None:
        _restore_formula(model, formula)
    inference = state.get("inference")
    model.inference_ = None if inference is None else _decode_inference(inference)
    return model


def _restore_formula(model: Any, formula: Any) -> None:

    if not isinstance(formula, dict) or not isinstance(formula.get("text"), str):
        raise ModelFileError("'formula' must hold the formula 'text' and its 'model_spec'")
    plain_spec = object_field(formula, "model_spec")
    try:
        # An offset(...) term is ours, not formulaic's: checked on its own.
        without_offset, _ = split_offset(formula["text"])
        check_formula_is_safe(without_offset)
        spec = decode_model_spec(plain_spec)
    except (UnsafeFormulaError, OffsetFormulaError) as error:
        raise ModelFileError(f"refusing to load: {error}") from None
    except ModuleNotFoundError:
        raise ModelFileError(
            "this model was trained from a formula; reading it needs formulaic: "
            "pip install 'logitron[formula]'"
        ) from None
    columns = [str(c) for c in plain_spec.get("column_names", []) if c != "Intercept"]
    if columns != list(getattr(model, "feature_names_in_", [])):
        raise ModelFileError("the formula's columns do not match the feature names")
    model.formula_ = formula["text"]
    model.model_spec_ = spec


def _decode_inference(plain: Any) -> Any:

    record = decode_tree(plain)
    if not isinstance(record, dict):
        raise ModelFileError("'inference' must be an object")
    return FitInference.from_dict(record)


def _decode_scaler(step: dict[str, Any]) -> Any:
    from sklearn.preprocessing import StandardScaler

    params = object_field(step, "params")
    if set(params) != {"with_mean", "with_std", "copy"} or not all(
        isinstance(value, bool) for value in params.values()
    ):
        raise ModelFileError("StandardScaler params must be with_mean, with_std, copy (bools)")
    scaler = StandardScaler(**params)
    state = object_field(step, "state")
    n_features = _integer(state, "n_features_in")
    shape = (n_features,)
    scaler.mean_ = _decode_array(state, "mean", "f", shape=shape, optional=True)
    scaler.scale_ = _decode_array(state, "scale", "f", shape=shape, optional=True)
    scaler.var_ = _decode_array(state, "var", "f", shape=shape, optional=True)
    if (scaler.mean_ is None) == params["with_mean"]:
        raise ModelFileError("StandardScaler 'mean' must be present exactly when with_mean")
    if (scaler.scale_ is None) == params["with_std"]:
        raise ModelFileError("StandardScaler 'scale' must be present exactly when with_std")
    if scaler.scale_ is not None and not np.all(scaler.scale_ > 0):
        raise ModelFileError("StandardScaler 'scale' must be positive")
    seen = decode_tree(state.get("n_samples_seen"))
    if not isinstance(seen, (int, float, np.ndarray)) or isinstance(seen, bool):
        raise ModelFileError("StandardScaler 'n_samples_seen' must be a number or an array")
    scaler.n_samples_seen_ = seen
    scaler.n_features_in_ = n_features
    names = _feature_names(state, n_features)
    if names is not None:
        scaler.feature_names_in_ = names
    output = state.get("transform_output")
    if output not in ("default", "pandas", "polars"):
        raise ModelFileError(f"unknown StandardScaler transform_output {output!r}")
    if output != "default":
        scaler.set_output(transform=output)
    return scaler


def _check_widths(steps: list[tuple[str, Any]]) -> None:
    for (name, step), (next_name, next_step) in itertools.pairwise(steps):
        if step.n_features_in_ != next_step.n_features_in_:
            raise ModelFileError(
                f"step {name!r} outputs {step.n_features_in_} features but "
                f"{next_name!r} expects {next_step.n_features_in_}"
            )


# -- field checks ------------------------------------------------------------
def object_field(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise ModelFileError(f"{key!r} must be a JSON object")
    return value


def _string(parent: dict[str, Any], key: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str):
        raise ModelFileError(f"{key!r} must be a string")
    return value


def _integer(parent: dict[str, Any], key: str) -> int:
    value = parent.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelFileError(f"{key!r} must be a positive integer")
    return value


def _feature_names(state: dict[str, Any], n_features: int) -> np.ndarray | None:
    names = state.get("feature_names_in")
    if names is None:
        return None
    if (
        not isinstance(names, list)
        or len(names) != n_features
        or not all(isinstance(name, str) for name in names)
        or len(set(names)) != len(names)
    ):
        raise ModelFileError(f"'feature_names_in' must be {n_features} distinct strings")
    return np.asarray(names, dtype=object)


def _decode_array(
    parent: dict[str, Any],
    key: str,
    kinds: str,
    *,
    shape: tuple[int, ...] | None = None,
    ndim: int | None = None,
    optional: bool = False,
) -> Any:
    plain = parent.get(key)
    if plain is None and optional:
        return None
    if not isinstance(plain, dict) or set(plain) != {"dtype", "shape", "data"}:
        raise ModelFileError(f"{key!r} must be an array object (dtype, shape, data)")
    dtype_text, stored_shape, data = plain["dtype"], plain["shape"], plain["data"]
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        raise ModelFileError(f"{key!r} has an unknown dtype {dtype_text!r}") from None
    if dtype.kind not in kinds:
        raise ModelFileError(f"{key!r} has the unsupported dtype {dtype_text!r}")
    if not isinstance(stored_shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in stored_shape
    ):
        raise ModelFileError(f"{key!r} has an invalid shape {stored_shape!r}")
    if shape is not None and tuple(stored_shape) != shape:
        raise ModelFileError(f"{key!r} has shape {tuple(stored_shape)}, expected {shape}")
    if ndim is not None and len(stored_shape) != ndim:
        raise ModelFileError(f"{key!r} must have {ndim} dimension(s)")
    if not isinstance(data, list) or len(data) != int(np.prod(stored_shape, dtype=np.int64)):
        raise ModelFileError(f"{key!r} must hold {int(np.prod(stored_shape))} values")
    expected: tuple[type, ...] = {
        "b": (bool,), "i": (int,), "u": (int,), "f": (int, float), "U": (str,), "O": (str,),
    }[dtype.kind]
    for value in data:
        if not isinstance(value, expected) or (isinstance(value, bool) != (dtype.kind == "b")):
            raise ModelFileError(f"{key!r} of dtype {dtype_text!r} holds {value!r}")
        if dtype.kind == "U" and len(str(value)) > dtype.itemsize // 4:
            # NumPy would cut the string to the dtype's length without a word.
            raise ModelFileError(f"{key!r} of dtype {dtype_text!r} cannot hold {value!r}")
    array = np.empty(len(data), dtype=dtype) if dtype.kind == "O" else None
    if array is not None:
        array[:] = data
    else:
        array = np.array(data, dtype=dtype)
    if dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ModelFileError(f"{key!r} holds non-finite values")
    return array.reshape(stored_shape)


def _decode_param(value: Any) -> Any:
    decoded = decode_tree(value)
    if isinstance(decoded, (list, np.ndarray)):
        raise ModelFileError("parameters are numbers, strings, booleans, null or $dict")
    return decoded
