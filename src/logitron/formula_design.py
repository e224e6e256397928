"""A formula's design matrix on data: what a formula model needs below the
estimator (predictions, statistics on new rows).

``logit`` (``formula``) fits a model from a formula; the model keeps
formulaic's spec as ``model_spec_``, and ``design_matrix`` evaluates it on
new data with the training data's categorical levels. formulaic and pandas
are optional dependencies, imported when a formula is used.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._formula_codec import check_names_are_columns
from ._formula_levels import check_known_levels
from ._formula_offset import evaluate_offset, split_offset

#: formulaic's name for the intercept column.
INTERCEPT = "Intercept"


def design_matrix(model: Any, data: Any) -> Any:
    """The right-hand side of ``model.formula_`` evaluated on new ``data``,
    ready for ``model.predict`` (categorical levels as in the training data).
    Rows with missing values are kept, so predictions stay aligned with
    ``data`` (and the estimator rejects them with a clear error).

    Raises ValueError when a categorical column holds a level the training
    data did not have (as R's ``predict`` and statsmodels do), and
    ``UnsafeFormulaError`` when the formula reads a name that is neither a
    column of ``data`` nor a known transform."""
    from formulaic.errors import DataMismatchWarning

    spec = getattr(model, "model_spec_", None)
    if spec is None:
        raise ValueError("This model was not fitted from a formula (see logit()).")
    frame = as_frame(data)
    check_names_are_columns(spec.formula, frame.columns)
    check_known_levels(spec, frame)
    with warnings.catch_warnings():
        # formulaic would encode an unseen level as the reference level.
        warnings.simplefilter("error", DataMismatchWarning)
        try:
            matrix = spec.get_model_matrix(frame, na_action="ignore")
        except DataMismatchWarning as warning:
            raise ValueError(
                f"the new data has categories not seen in training: {warning}"
            ) from None
    if INTERCEPT in matrix.columns and model.fit_intercept:
        matrix = matrix.drop(columns=INTERCEPT)
    return plain_frame(matrix)


def formula_offset(model: Any, data: Any) -> np.ndarray | None:
    """The ``offset(...)`` of ``model.formula_`` evaluated on new ``data``
    (one value per row, NaN where missing), or None when the formula has
    none: pass it with ``design_matrix(model, data)`` to the predictions."""
    formula = getattr(model, "formula_", None)
    if formula is None:
        raise ValueError("This model was not fitted from a formula (see logit()).")
    _, expression = split_offset(str(formula))
    if expression is None:
        return None
    return evaluate_offset(expression, as_frame(data))


def as_frame(data: Any) -> Any:
    """``data`` (a pandas DataFrame) with a fresh positional index."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a pandas DataFrame, got {type(data).__name__}."
        )
    # Positions, not labels, align the response and the weights with the rows
    # formulaic keeps.
    return data.reset_index(drop=True)


def plain_frame(matrix: Any) -> Any:
    """formulaic's ModelMatrix as a plain float DataFrame (scikit-learn reads
    its column names as feature names)."""
    import pandas as pd

    return pd.DataFrame(
        np.asarray(matrix, dtype=np.float64), columns=[str(c) for c in matrix.columns]
    )


def response_labels(name: str, frame: Any, lhs: Any, kept: np.ndarray) -> np.ndarray:
    """Class labels: the column itself when the response is a column name
    (keeping its labels, e.g. strings), else the single column formulaic
    evaluated."""
    if name in frame.columns:
        return np.asarray(frame[name].iloc[kept])
    if lhs.shape[1] != 1:
        raise ValueError(
            f"The response {name!r} must be one column of class labels; it "
            f"expanded to the columns {list(lhs.columns)}."
        )
    return np.asarray(lhs.iloc[:, 0])
