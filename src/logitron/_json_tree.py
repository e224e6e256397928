"""Trees of plain data (numbers, strings, lists, dicts, NumPy arrays) as JSON,
exactly, for model files.

JSON alone loses three things a model file needs: dict keys that are not
strings (formulaic keys some transform state by integer), arrays with their
dtype and shape, and non-finite floats. Each gets a one-key tagged object::

    {"$dict": [[key, value], ...]}          # every dict, whatever its keys
    {"$array": [dtype, shape, values]}      # dtype as numpy's dtype.str, e.g. "<f8"
    {"$float": "inf" | "-inf" | "nan"}      # a non-finite float

Floats are written with Python's shortest repr, which reads back to the same
bits, so ``decode_tree(json.loads(json.dumps(encode_tree(x)))) == x`` exactly.
Nothing here creates objects other than dicts, lists, tuples of keys, Python
scalars and NumPy arrays of booleans or numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def encode_tree(value: Any) -> Any:
    """None/bool/int/float/str, lists, tuples, dicts and NumPy scalars or
    numeric arrays -> JSON-ready data; raises TypeError on anything else."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isfinite(value):
            return float(value)
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, (list, tuple)):
        return [encode_tree(item) for item in value]
    if isinstance(value, dict):
        return {"$dict": [[encode_tree(k), encode_tree(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return {"$array": [value.dtype.str, list(value.shape), encode_tree(value.tolist())]}
    raise TypeError(f"cannot store a {type(value).__name__} in a model file")


def decode_tree(value: Any) -> Any:
    """Inverse of ``encode_tree``; raises ValueError on data it did not write."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode_tree(item) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, content),) = value.items()
        if tag == "$dict":
            return _decode_dict(content)
        if tag == "$array":
            return _decode_array(content)
        if tag == "$float" and content in _NON_FINITE:
            return _NON_FINITE[content]
    raise ValueError(f"unexpected {type(value).__name__} {str(value)[:40]!r}")


def _decode_dict(pairs: Any) -> dict[Any, Any]:
    if not isinstance(pairs, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in pairs
    ):
        raise ValueError("a $dict must hold [key, value] pairs")
    decoded: dict[Any, Any] = {}
    for key, item in pairs:
        key = decode_tree(key)
        if isinstance(key, list):
            key = tuple(key)
        if isinstance(key, (dict, np.ndarray)) or key in decoded:
            raise ValueError(f"a $dict has an invalid or repeated key {key!r}")
        decoded[key] = decode_tree(item)
    return decoded


def _decode_array(content: Any) -> np.ndarray:
    if not (isinstance(content, list) and len(content) == 3 and isinstance(content[0], str)):
        raise ValueError("an $array must be [dtype, shape, values]")
    dtype_text, shape, data = content
    try:
        dtype = np.dtype(dtype_text)
    except TypeError:
        raise ValueError(f"an $array has the unknown dtype {dtype_text!r}") from None
    if dtype.kind not in "biuf":
        raise ValueError(f"an $array has the unsupported dtype {dtype_text!r}")
    if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise ValueError("an $array shape must be a list of non-negative integers")
    values = decode_tree(data)
    leaf_types = _LEAF_TYPES[dtype.kind]
    for leaf in _leaves(values):
        # NumPy would quietly turn "1.5" or True into a number: refuse instead.
        if isinstance(leaf, bool) != (dtype.kind == "b") or not isinstance(leaf, leaf_types):
            raise ValueError(f"an $array of dtype {dtype_text!r} holds {leaf!r}")
    array = np.array(values, dtype=dtype)
    if list(array.shape) != shape:
        raise ValueError(f"an $array of shape {list(array.shape)} says it has shape {shape}")
    return array


_LEAF_TYPES: dict[str, tuple[type, ...]] = {
    "b": (bool,), "i": (int,), "u": (int,), "f": (int, float),
}


def _leaves(values: Any) -> list[Any]:
    if isinstance(values, list):
        return [leaf for item in values for leaf in _leaves(item)]
    return [values]
