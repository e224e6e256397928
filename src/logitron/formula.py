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

from . import _lazy_record
from ._formula_codec import data_variables
from ._formula_offset import evaluate_offset, split_offset
from ._missing import check_missing_choice, describe_missing, record_dropped
from .estimator import LogisticRegression
from .formula_design import INTERCEPT, as_frame, design_matrix, plain_frame, response_labels

__all__ = ["FormulaTerms", "design_matrix", "logit"]


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
        such as ``"I(score > 3) ~ x"``. ``offset(expr)`` on the right, two
        classes only, adds the known term ``expr`` to the log-odds with
        coefficient 1, as in R (``"y ~ x + offset(np.log(t))"``; see
        ``logitron._formula_offset``); predictions on new data apply it.
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
    if "fit_intercept" in params:
        raise TypeError(
            "fit_intercept is set by the formula: write '- 1' (or '0 +') in the "
            "formula for a model without intercept."
        )
    check_missing_choice(missing)
    frame = as_frame(data)
    without_offset, offset_expression = split_offset(formula)
    offset = None if offset_expression is None else evaluate_offset(offset_expression, frame)
    terms = FormulaTerms.of(without_offset, frame, missing, offset)
    weight = None if sample_weight is None else np.asarray(sample_weight)[terms.kept]
    model = LogisticRegression(
        **{"C": np.inf, **params}, fit_intercept=terms.fit_intercept
    )
    model.fit(
        terms.design, terms.y, sample_weight=weight,
        offset=None if offset is None else offset[terms.kept],
    )
    model.formula_ = formula
    model.model_spec_ = terms.spec
    _lazy_record.revise(model, response_name=terms.response_name)
    record_dropped(model, len(frame) - len(terms.kept))
    return model


@dataclasses.dataclass(frozen=True)
class FormulaTerms:
    """A formula evaluated on a frame: the design without its intercept
    column, the labels, the rows kept and formulaic's spec of the terms."""

    design: Any
    fit_intercept: bool
    y: np.ndarray
    kept: np.ndarray
    response_name: str
    spec: Any

    @classmethod
    def of(
        cls, formula: str, frame: Any, missing: str, offset: np.ndarray | None = None
    ) -> FormulaTerms:
        """``formula`` (its offset split off) on ``frame``; rows whose
        ``offset`` is missing count as rows with missing values."""
        import formulaic  # optional dependency, needed only here

        parsed = formulaic.Formula(formula)
        if not hasattr(parsed, "lhs"):
            raise ValueError(
                f"The formula {formula!r} has no response: write it as 'y ~ x1 + x2'."
            )
        rows = frame if offset is None else frame.loc[~np.isnan(offset)]
        if len(rows) < len(frame) and missing == "error":
            raise ValueError(
                f"{len(frame) - len(rows)} of {len(frame)} rows have a missing "
                "offset; pass missing='drop' to fit on the complete rows"
            )
        # frame has positions as its index (as_frame): rhs.index stays them.
        matrices = formulaic.model_matrix(formula, rows)
        rhs = matrices.rhs
        kept = np.asarray(rhs.index)
        n_dropped = len(frame) - len(kept)
        if n_dropped and missing == "error":
            raise ValueError(_missing_message(formula, frame, n_dropped))
        fit_intercept = INTERCEPT in rhs.columns
        design = rhs.drop(columns=INTERCEPT) if fit_intercept else rhs
        response_name = str(parsed.lhs).strip()
        y = response_labels(response_name, frame, matrices.lhs, kept)
        return cls(
            plain_frame(design), fit_intercept, y, kept, response_name, rhs.model_spec
        )


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
