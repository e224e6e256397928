"""Formula interface: ``logitron.logit("y ~ x1 + x2 + C(group)", data=df)``.

The formula is parsed and the design matrix built by formulaic (an optional
dependency: ``pip install formulaic``), with R's conventions: an intercept
unless the formula says ``- 1`` or ``0 +``, and categorical columns
(strings, pandas categoricals or ``C(...)``) encoded by treatment contrasts
against their first level, so each coefficient compares a level with that
reference level. The result is an ordinary fitted ``LogisticRegression``
whose feature names, and so whose ``summary()``, carry the formula's term
names (``C(group)[T.b]``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .estimator import LogisticRegression

_INTERCEPT = "Intercept"


def logit(
    formula: str, data: Any, *, sample_weight: Any = None, **params: Any
) -> LogisticRegression:
    """Fit a logistic regression from a model formula.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"`` in formulaic's (Wilkinson / R) syntax. The
        response is a column of ``data`` with two classes (binary model) or
        more (multinomial model), or an expression giving one numeric column
        such as ``"I(score > 3) ~ x"``.
    data : pandas.DataFrame
        Rows with a missing value in any variable of the formula are dropped.
    sample_weight : array-like of shape (len(data),), optional
        Frequency weights, aligned with the rows of ``data``.
    **params
        Parameters of ``LogisticRegression``; ``C`` defaults to ``np.inf``
        (the maximum-likelihood fit, for inference) and ``fit_intercept`` is
        set by the formula.

    Returns
    -------
    LogisticRegression
        Fitted, with two more attributes: ``formula_`` (the formula) and
        ``model_spec_`` (formulaic's ``ModelSpec`` of the right-hand side;
        ``design_matrix(model, new_data)`` applies it to new data).

    Examples
    --------
    >>> import pandas as pd
    >>> import logitron
    >>> df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0, 1, 0],
    ...                    "x": [0.5, 1.0, 1.5, 2.0, 2.5, 0.2, 0.9, 2.2],
    ...                    "g": ["a", "b", "a", "b", "a", "b", "a", "b"]})
    >>> model = logitron.logit("y ~ x + g", data=df)
    >>> list(model.feature_names_in_)
    ['x', 'g[T.b]']
    """
    import formulaic  # optional dependency, needed only here

    if "fit_intercept" in params:
        raise TypeError(
            "fit_intercept is set by the formula: write '- 1' (or '0 +') in the "
            "formula for a model without intercept."
        )
    frame = _as_frame(data)
    parsed = formulaic.Formula(formula)
    if not hasattr(parsed, "lhs"):
        raise ValueError(
            f"The formula {formula!r} has no response: write it as 'y ~ x1 + x2'."
        )
    matrices = formulaic.model_matrix(formula, frame)
    rhs = matrices.rhs
    kept = np.asarray(rhs.index)
    fit_intercept = _INTERCEPT in rhs.columns
    design = rhs.drop(columns=_INTERCEPT) if fit_intercept else rhs
    response_name = str(parsed.lhs).strip()
    y = _response(response_name, frame, matrices.lhs, kept)
    weight = None if sample_weight is None else np.asarray(sample_weight)[kept]
    model = LogisticRegression(
        **{"C": np.inf, **params}, fit_intercept=fit_intercept
    )
    model.fit(_plain_frame(design), y, sample_weight=weight)
    model.formula_ = formula
    model.model_spec_ = rhs.model_spec
    if model.inference_ is not None:
        model.inference_ = dataclasses.replace(
            model.inference_, response_name=response_name
        )
    return model


def design_matrix(model: LogisticRegression, data: Any) -> Any:
    """The right-hand side of ``model.formula_`` evaluated on new ``data``,
    ready for ``model.predict`` (categorical levels as in the training data).
    Rows with missing values are kept, so predictions stay aligned with
    ``data`` (and the estimator rejects them with a clear error)."""
    spec = getattr(model, "model_spec_", None)
    if spec is None:
        raise ValueError("This model was not fitted from a formula (see logit()).")
    matrix = spec.get_model_matrix(_as_frame(data), na_action="ignore")
    if _INTERCEPT in matrix.columns and model.fit_intercept:
        matrix = matrix.drop(columns=_INTERCEPT)
    return _plain_frame(matrix)


def _as_frame(data: Any) -> Any:
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a pandas DataFrame, got {type(data).__name__}."
        )
    # Positions, not labels, align the response and the weights with the rows
    # formulaic keeps.
    return data.reset_index(drop=True)


def _plain_frame(matrix: Any) -> Any:
    """formulaic's ModelMatrix as a plain float DataFrame (scikit-learn reads
    its column names as feature names)."""
    import pandas as pd

    return pd.DataFrame(
        np.asarray(matrix, dtype=np.float64), columns=[str(c) for c in matrix.columns]
    )


def _response(name: str, frame: Any, lhs: Any, kept: np.ndarray) -> np.ndarray:
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
