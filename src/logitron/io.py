"""Model files: save a fitted model to a JSON document, load it back exactly.

The format is data, never code: no pickle, nothing evaluated on load. A file
is one UTF-8 JSON object (format version 1)::

    {
      "format": "logitron-model",
      "format_version": 1,
      "model": {
        "pipeline": false,                  # true: steps form a scikit-learn Pipeline
        "steps": [                          # zero or more scalers, then the estimator
          {"name": "standardize", "kind": "StandardScaler",
           "params": {...}, "state": {"mean": <array>, "scale": <array>, ...}},
          {"name": "logistic", "kind": "LogisticRegression",
           "params": {"C": 1.0, "solver": "auto", ...},
           "state": {"classes": <array>, "coef": <array>, "intercept": <array>,
                     "n_iter": <array>, "loss_curve": [...], "solver": "newton",
                     "n_features_in": 30, "feature_names_in": [...] | null,
                     "formula": null | {"text": "y ~ x + C(g)", "model_spec": {...}},
                     "inference": null | {...}}}
        ]
      },
      "training": {                         # metadata; never needed to predict
        "logitron_version": "0.1.0", "written_at": "2026-01-01T00:00:00Z",
        "solver": "newton", "n_iter": 9,
        "objective": {"definition": "...", "C": 1.0, "l1_ratio": 0.0,
                      "final_cost": 0.0635}, ...  # plus what the caller adds
      },
      "sha256": "<hex digest of the canonical JSON of all other fields>"
    }

An array is ``{"dtype": "<f8", "shape": [1, 30], "data": [...]}`` with the
values flattened in C order; numbers are written with Python's shortest
repr, which reads back to the same bits, so a loaded model predicts exactly
what the saved one did. Class labels keep their dtype (integers, booleans,
floats, strings; ``"|O"`` for Python strings in an object array).
``"formula"`` holds the formula text, ``offset(...)`` terms included (see
``logitron._formula_offset``), and formulaic's encoding state of the other
terms (levels and transform parameters; see ``logitron._formula_codec``); ``"inference"``
holds the estimator's ``inference_`` record (``to_dict()``), with arrays as
in ``logitron._json_tree``. The last step may instead be a
``"FirthLogisticRegression"``, whose state adds its covariance, penalised
log-likelihood and the profile intervals computed at save time (the
summary needs them and the file holds no data; see ``logitron._firth_codec``).

``sha256`` is computed over ``json.dumps(document_without_sha256,
sort_keys=True, separators=(",", ":"), ensure_ascii=True)``. It detects a
file changed by accident or by hand (it is not a signature against a
determined forger, who can recompute it); the strict checks of every field
on load stand behind it, so even a consistent forgery can only describe a
linear model, and a formula in the file is checked to contain nothing but
column names, arithmetic and known transforms before it is ever evaluated.

Writes are atomic: the document goes to a temporary file in the target's
folder, which then replaces the target in one ``os.replace``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._json_tree import encode_tree
from ._model_codec import decode_model, encode_model
from ._model_fields import ModelFileError, object_field
from ._version import __version__
from .firth_estimator import FirthLogisticRegression

__all__ = [
    "FORMAT_VERSION",
    "ModelFile",
    "ModelFileError",
    "atomic_write",
    "load",
    "read_model_file",
    "save",
    "sha256_file",
]

FORMAT_NAME = "logitron-model"
FORMAT_VERSION = 1
OBJECTIVE = (
    "C * sum_i s_i * logloss_i + (1 - l1_ratio)/2 * ||coef||^2 + l1_ratio * ||coef||_1, "
    "intercept unpenalised; final_cost is divided by C * sum(s)"
)
FIRTH_OBJECTIVE = (
    "maximise sum_i s_i * loglik_i + 0.5 * log(det(I)), I the Fisher information "
    "(Firth 1993); correction: Puhr et al. 2017's FLIC or FLAC, or none"
)

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class ModelFile:
    """What ``read_model_file`` found: the model and the file's metadata.

    Attributes
    ----------
    model : LogisticRegression or sklearn.pipeline.Pipeline
        Fitted, ready to predict.
    training : dict
        Training metadata (solver, iterations, objective, logitron version,
        and whatever the writer added, e.g. a SHA-256 of the training data).
    format_version : int
    """

    model: Any
    training: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


# -- public API ------------------------------------------------------------
def save(model: Any, path: PathLike, *, training: Mapping[str, Any] | None = None) -> Path:
    """Write a fitted model to ``path`` as a logitron model file (atomically).

    Parameters
    ----------
    model : LogisticRegression, FirthLogisticRegression or Pipeline
        A fitted ``logitron.LogisticRegression`` (also one made by
        ``logitron.logit`` from a formula) or ``FirthLogisticRegression``,
        or a fitted scikit-learn ``Pipeline`` of ``StandardScaler`` steps
        ending in one.
    path : str or path-like
        Destination; an existing file is replaced only once the new one is
        complete.
    training : mapping, optional
        Extra JSON-compatible metadata stored under ``"training"`` (e.g.
        ``{"data_sha256": sha256_file("train.csv"), "target": "y"}``).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        For a model the format cannot describe (another estimator, another
        pipeline step, a formula whose state is not plain data).
    sklearn.exceptions.NotFittedError
        For an unfitted model.
    """
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model": encode_model(model),
        "training": _training_metadata(model, training),
    }
    try:
        document["sha256"] = _digest(document)
        text = _pretty(document)
    except ValueError as error:
        raise TypeError(
            f"cannot write a model file: the training metadata or the model holds a "
            f"value that is not plain JSON data ({error})"
        ) from None
    path = Path(path)
    with atomic_write(path) as stream:
        stream.write(text + "\n")
    return path


def load(path: PathLike) -> Any:
    """Read a model file written by ``save``; return the fitted model.

    Raises
    ------
    ModelFileError
        If the file is truncated, not a model file, changed since it was
        written, from a newer version of the format, or inconsistent.
    OSError
        If it cannot be read.
    """
    return read_model_file(path).model


def read_model_file(path: PathLike) -> ModelFile:
    """Like ``load``, but also return the file's training metadata."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        document = _parse(raw)
        _check_header(document)
        _check_digest(document)
        model = decode_model(object_field(document, "model"))
        training = object_field(document, "training")
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except (ValueError, TypeError, KeyError) as error:
        raise ModelFileError(f"{path}: invalid model file: {error}") from None
    except OverflowError:
        raise ModelFileError(
            f"{path}: invalid model file: a number is too large for its type"
        ) from None
    except RecursionError:
        raise ModelFileError(
            f"{path}: invalid model file: its JSON is nested far deeper than a model's"
        ) from None
    return ModelFile(model=model, training=training, format_version=FORMAT_VERSION)


def sha256_file(path: PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes (what ``sha256sum`` prints)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_write(path: PathLike, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on a clean exit it
    replaces ``path`` in one step, on an exception it is deleted, so readers
    of ``path`` only ever see the old file or the complete new one."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(
        dir=directory, prefix=f".{path.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(handle, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else "") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# -- the document ------------------------------------------------------------
def _training_metadata(model: Any, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    metadata: dict[str, Any] = {
        "logitron_version": __version__,
        "written_at": datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "solver": str(getattr(estimator, "solver_", getattr(estimator, "solver", "firth"))),
        "n_iter": int(np.asarray(getattr(estimator, "n_iter_", [0])).max()),
    }
    if isinstance(estimator, FirthLogisticRegression):
        metadata["objective"] = {
            "definition": FIRTH_OBJECTIVE,
            "correction": estimator.correction,
            "fit_intercept": bool(estimator.fit_intercept),
            "penalised_loglik": float(estimator.penalised_loglik_),
        }
    else:
        metadata["objective"] = {
            "definition": OBJECTIVE,
            "C": encode_tree(float(estimator.C)),
            "l1_ratio": float(estimator.l1_ratio),
            "fit_intercept": bool(estimator.fit_intercept),
            "final_cost": (
                float(estimator.loss_curve_[-1]) if getattr(estimator, "loss_curve_", None)
                else None
            ),
        }
    metadata.update(extra or {})
    return metadata


def _pretty(value: Any, indent: str = "") -> str:
    """JSON with one key per line, but lists of numbers or strings on one line
    (a coefficient vector stays a line, not a column, for a reader)."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = [f"{inner}{json.dumps(key)}: {_pretty(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        inner = indent + "  "
        items = [inner + _pretty(item, inner) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def _digest(document: Mapping[str, Any]) -> str:
    body = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _parse(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise ModelFileError("the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError("not a logitron model file (not UTF-8 JSON text)") from None
    try:
        document = json.loads(
            text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            raise ModelFileError(
                "the file is truncated (its JSON ends early); it was not completely "
                "written or was cut short"
            ) from None
        raise ModelFileError(
            f"not a logitron model file (invalid JSON at line {error.lineno}, "
            f"column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(document, dict):
        raise ModelFileError("not a logitron model file (not a JSON object)")
    return document


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ModelFileError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ModelFileError(f"the number {text} is out of the range of a float")
    return value


def _reject_constant(name: str) -> Any:
    raise ModelFileError(f"the file contains {name}, which is not JSON")


def _check_header(document: dict[str, Any]) -> None:
    if document.get("format") != FORMAT_NAME:
        raise ModelFileError(f"not a logitron model file (no \"format\": \"{FORMAT_NAME}\")")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"invalid format_version {version!r}")
    if version > FORMAT_VERSION:
            raise ModelFileError(
            f"written in model format version {version} by a newer logitron; this "
            f"logitron {__version__} reads versions up to {FORMAT_VERSION}: upgrade "
            "logitron to load it"
        )


def _check_digest(document: dict[str, Any]) -> None:
    stored = document.get("sha256")
    if not isinstance(stored, str):
        raise ModelFileError("the file has no sha256 field, so its integrity cannot be checked")
    if stored != _digest(document):
        raise ModelFileError(
            "failed its integrity check (SHA-256 mismatch): the file was modified or "
            "corrupted after it was written"
        )


