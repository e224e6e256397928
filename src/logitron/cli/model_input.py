"""A model file as the command line uses it: which columns it reads, how a
table becomes its input, and which column holds the labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._formula_offset import split_offset
from ..io import ModelFileError, read_model_file
from . import tables
from .errors import CliError, DataError


@dataclass
class CliModel:
    """A loaded model file.

    ``model`` is what ``logitron.load`` returns (an estimator, or a Pipeline
    of StandardScaler steps ending in one); ``training`` the metadata.
    """

    path: Path
    model: Any
    training: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> CliModel:
        if not path.exists():
            raise DataError(f"{path}: no such model file")
        try:
            model_file = read_model_file(path)
        except ModelFileError as error:
            raise DataError(str(error)) from None
        return cls(path, model_file.model, model_file.training)

    @property
    def estimator(self) -> Any:
        return self.model.steps[-1][1] if hasattr(self.model, "steps") else self.model

    @property
    def classes(self) -> np.ndarray:
        return np.asarray(self.estimator.classes_)

    @property
    def formula(self) -> str | None:
        return getattr(self.estimator, "formula_", None)

    @property
    def feature_names(self) -> list[str] | None:
        """Input column names, in order, for models without a formula."""
        first = self.model.steps[0][1] if hasattr(self.model, "steps") else self.model
        names = getattr(first, "feature_names_in_", None)
        return None if names is None else [str(name) for name in names]

    @property
    def n_features(self) -> int:
        first = self.model.steps[0][1] if hasattr(self.model, "steps") else self.model
        return int(first.n_features_in_)

    def input_columns(self) -> list[str] | None:
        """Columns of a data file this model reads (None: by position)."""
        if self.formula is not None:
            from .._formula_codec import data_variables

            return sorted(data_variables(self.estimator.model_spec_.formula))
        return self.feature_names

    def default_target(self) -> str | None:
        """The label column named at training time, if known."""
        target = self.training.get("target")
        if isinstance(target, str):
            return target
        if self.formula is not None:
            return self.formula.split("~", 1)[0].strip() or None
        return None

    # -- tables -> model input ----------------------------------------------
    def features(self, path: Path, frame: Any, target: str | None = None) -> Any:
        """The model's input built from ``frame`` (a DataFrame or array)."""
        if self.formula is not None:
            return self._formula_features(path, frame)
        names = self.feature_names
        if names is None:
            # A model fitted on a bare array reads columns by position: all
            # columns but the target, exactly as many as it was trained on.
            names = [str(c) for c in frame.columns if c != target]
            if len(names) != self.n_features:
                raise DataError(
                    f"{path}: the model reads {self.n_features} unnamed feature columns "
                    f"by position, but the file has {len(names)} (besides the target)"
                )
            return tables.numeric_matrix(path, frame, names).to_numpy()
        matrix = tables.numeric_matrix(path, frame, names)
        return matrix if self._named_input() else matrix.to_numpy()

    def _named_input(self) -> bool:
        first = self.model.steps[0][1] if hasattr(self.model, "steps") else self.model
        return getattr(first, "feature_names_in_", None) is not None

    def _formula_features(self, path: Path, frame: Any) -> Any:
        design_matrix = formula_functions()[1]
        if split_offset(str(self.formula))[1] is not None:
            # The predictions below take no offset: refuse, never ignore it.
            raise DataError(
                f"{path}: the model's formula has an offset(...) term, which the "
                "command line does not apply yet; predict in Python with "
                "logitron.formula_design.formula_offset"
            )
        required = self.input_columns() or []
        tables.require_columns(path, frame, required, "formula")
        for name in required:
            tables.require_complete(path, frame, name)
        try:
            return design_matrix(self.estimator, frame)
        except (ValueError, TypeError, KeyError) as error:
            raise DataError(f"{path}: cannot encode the data with the model's formula: "
                            f"{tables.one_line(error)}") from None

    def labels(self, path: Path, frame: Any, target: str) -> np.ndarray:
        """The label column, as values of the model's ``classes_``."""
        tables.require_columns(path, frame, [target], "target")
        tables.require_complete(path, frame, target)
        values = frame[target].to_numpy()
        classes = self.classes
        try:
            labels = values.astype(classes.dtype) if classes.dtype.kind in "biuf" else values
        except (ValueError, TypeError):
            labels = values
        unknown = sorted({str(v) for v in np.asarray(labels)[~np.isin(labels, classes)]})
        if unknown:
            raise DataError(
                f"{path}: target column {target!r} has label(s) the model was not trained "
                f"on: {', '.join(unknown[:5])} (the model knows {', '.join(map(str, classes))})"
            )
        return np.asarray(labels)

    def predict_proba(self, features: Any) -> np.ndarray:
        return np.asarray(self.model.predict_proba(features))


def formula_functions() -> tuple[Any, Any]:
    """``(logit, design_matrix)`` from ``logitron.formula``, once formulaic
    (an optional dependency) is known to be installed."""
    from ..formula import design_matrix, logit

    try:
        import formulaic  # noqa: F401
    except ImportError:
        raise CliError("formulas need formulaic: pip install 'logitron[formula]'") from None
    return logit, design_matrix
