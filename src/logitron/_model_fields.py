"""The fields of a model file's ``"model"`` part, written and checked one by one.

Shared by the codecs of ``LogisticRegression`` (``_model_codec``) and of
``FirthLogisticRegression`` (``_firth_codec``): arrays as ``{"dtype", "shape",
"data"}``, strings, positive integers, feature names and a formula, each
refused with a ``ModelFileError`` that names the field.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._formula_codec import UnsafeFormulaError, check_formula_is_safe, decode_model_spec
from ._formula_offset import OffsetFormulaError, split_offset


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, not a model file,
    modified after it was written, from a newer logitron, or inconsistent."""


def formula_columns(model: Any) -> list[str]:
    """The design matrix's columns, as formulaic names them (intercept first)."""
    names = [str(name) for name in model.feature_names_in_]
    return ["Intercept", *names] if model.fit_intercept else names


def encode_array(array: np.ndarray) -> dict[str, Any]:
    """``{"dtype", "shape", "data"}`` of a finite array of numbers, booleans or text."""
    array = np.asarray(array)
    if array.dtype.kind == "O":
        if not all(isinstance(item, str) for item in array.ravel()):
            raise TypeError("object arrays in a model file must hold only strings")
    elif array.dtype.kind not in "biufU":
        raise TypeError(f"cannot store an array of dtype {array.dtype} in a model file")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise TypeError("cannot store non-finite coefficients in a model file")
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": array.ravel().tolist()}


def restore_formula(model: Any, formula: Any) -> None:
    """Check the stored formula (nothing but column names, arithmetic and known
    transforms) and its encoding state, then set ``formula_`` and ``model_spec_``."""
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


# -- field checks ------------------------------------------------------------
def object_field(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise ModelFileError(f"{key!r} must be a JSON object")
    return value


def string_field(parent: dict[str, Any], key: str) -> str:
    value = parent.get(key)
    if not isinstance(value, str):
        raise ModelFileError(f"{key!r} must be a string")
    return value


def integer_field(parent: dict[str, Any], key: str) -> int:
    value = parent.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelFileError(f"{key!r} must be a positive integer")
    return value


def feature_names(state: dict[str, Any], n_features: int) -> np.ndarray | None:
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


def decode_array(
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
