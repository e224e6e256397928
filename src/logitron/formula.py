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
import warnings
from typing import Any

import numpy as np

from ._formula_codec import check_names_are_columns, data_variables
from ._formula_levels import check_known_levels
from ._missing import check_missing_choice, describe_missing, record_dropped
from .estimator import LogisticRegression

_INTERCEPT = "Intercept"


def logit(
    formula: str,
    data: Any,
    *,
    sample_weight: Any = None,
    missing: str = "drop",
    **params: Any,
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
        The formula's variables, one row per observation.
    sample_weight : array-like of shape (len(data),), optional
        Frequency weights, aligned with the rows of ``data``.
    missing : {"drop", "error"}, default="drop"
        Rows where a variable of the formula (or a term computed from them)
        is missing: ``"drop"`` fits on the other rows, as R's ``glm`` and
        statsmodels do, and ``summary()`` says how many were dropped;
        ``"error"`` raises a ValueError naming the columns.
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
    check_missing_choice(missing)
    frame = _as_frame(data)
    parsed = formulaic.Formula(formula)
    if not hasattr(parsed, "lhs"):
        raise ValueError(
            f"The formula {formula!r} has no response: write it as 'y ~ x1 + x2'."
        )
    matrices = formulaic.model_matrix(formula, frame)
    rhs = matrices.rhs
    kept = np.asarray(rhs.index)
    n_dropped = len(frame) - len(kept)
    if n_dropped and missing == "error":
        raise ValueError(_missing_message(formula, frame, n_dropped))
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
    record_dropped(model, n_dropped)
    return model


def _missing_message(formula: str, frame: Any, n_dropped: int) -> str:
    columns = sorted(data_variables(formula) | {_response_name(formula)})
    where = describe_missing(frame, columns)
    cause = (
        f"missing values ({where})" if where
        else "terms that evaluate to missing values (e.g. the log of a negative number)"
    )
    return (
        f"{n_dropped} of {len(frame)} rows have {cause}; pass missing='drop' to fit "
        "on the complete rows"
    )


def _response_name(formula: str) -> str:
    return formula.split("~", 1)[0].strip().strip("`")


def design_matrix(model: LogisticRegression, data: Any) -> Any:
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
    frame = _as_frame(data)
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
