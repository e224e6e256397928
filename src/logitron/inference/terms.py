"""Tests by model term: joint Wald tests, likelihood-ratio tests, anova.

A *term* is what a formula writes once and may expand to several columns:
``C(g)`` is one column per non-reference level, ``x:C(g)`` likewise. A
model fitted without a formula has one term per column. In a softmax model
a term's parameters are its columns in every equation.

Likelihood-ratio test of a restricted model ``r`` nested in a full model
``f``, fitted on the same rows::

    LR = 2 * (loglik_f - loglik_r)  ~  chi2(k_f - k_r)

The analysis-of-deviance table adds the terms one at a time in formula
order, as R's ``anova(fit, test = "Chisq")`` for a ``glm``: each row is the
drop in deviance ``-2 * loglik`` from the model with the terms above it, and
its chi-square p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats

from .._numerics import FloatArray
from .hypotheses import WaldTest, wald_test
from .model_data import ModelData


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """``statistic ~ chi2(df)`` when the restricted model holds."""

    statistic: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        return f"LR chi2({self.df}) = {self.statistic:.6g}, p-value = {self.pvalue:.4g}"


def term_columns(data: ModelData, model: Any) -> dict[str, list[int]]:
    """Columns of ``data.design`` per term, in formula order (module doc)."""
    spec = getattr(model, "model_spec_", None)
    names = list(data.term_names)
    if spec is not None and list(spec.column_names) == names:
        return {
            ("Intercept" if str(term) == "1" else str(term)): list(columns)
            for term, columns in spec.term_indices.items()
        }
    return {name: [j] for j, name in enumerate(names)}


def term_tests(
    data: ModelData, model: Any, params: FloatArray, cov: FloatArray
) -> dict[str, WaldTest]:
    """The joint Wald test that all of a term's parameters are zero."""
    width = len(data.term_names)
    tests = {}
    for term, columns in term_columns(data, model).items():
        index = [k * width + j for k in range(data.n_outputs) for j in columns]
        restriction = np.eye(len(params))[index]
        tests[term] = wald_test(params, cov, restriction, np.zeros(len(index)))
    return tests


def lr_test(full: ModelData, restricted: ModelData) -> LikelihoodRatioTest:
    """LR test of ``restricted`` nested in ``full``; both on the same rows."""
    same = (
        len(full.y_index) == len(restricted.y_index)
        and full.class_names == restricted.class_names
        and np.array_equal(full.y_index, restricted.y_index)
        and np.array_equal(full.weight, restricted.weight)
    )
    if not same:
        raise ValueError(
            "The two models were not fitted on the same rows (labels or weights "
            "differ, e.g. rows dropped for missing values in one model only): a "
            "likelihood-ratio test compares fits to the same data."
        )
    df = full.n_params - restricted.n_params
    if df <= 0 or not _spans(full.design, restricted.design):
        raise ValueError(
            "The restricted model is not nested in the full one: it must have "
            f"fewer parameters ({restricted.n_params} vs {full.n_params}) and its "
            "columns must be combinations of the full model's columns."
        )
    statistic = 2.0 * (full.record.loglik - restricted.record.loglik)
    return LikelihoodRatioTest(statistic, df, float(scipy.stats.chi2.sf(statistic, df)))


def anova(data: ModelData, model: Any) -> Any:
    """Sequential analysis of deviance (R's ``anova(fit, test="Chisq")``).

    Returns a ``pandas.DataFrame`` with R's columns ``Df, Deviance,
    Resid. Df, Resid. Dev, Pr(>Chi)``; the first row is the null model.
    """
    import pandas as pd

    terms = [(t, c) for t, c in term_columns(data, model).items() if t != "Intercept"]
    record = data.record
    m = data.n_outputs
    rows = [("NULL", np.nan, np.nan, -2.0 * record.loglik_null)]
    columns: list[int] = [0] if record.fit_intercept else []
    for term, term_cols in terms:
        columns = columns + list(term_cols)
        deviance = -2.0 * _refit_loglik(data, model, columns)
        rows.append((term, m * len(term_cols), rows[-1][3] - deviance, deviance))
    n_params = [m * int(record.fit_intercept)]
    for _, term_cols in terms:
        n_params.append(n_params[-1] + m * len(term_cols))
    frame = pd.DataFrame(
        {
            "Df": [row[1] for row in rows],
            "Deviance": [row[2] for row in rows],
            "Resid. Df": [data.nobs - k for k in n_params],
            "Resid. Dev": [row[3] for row in rows],
        },
        index=[row[0] for row in rows],
    )
    frame["Pr(>Chi)"] = scipy.stats.chi2.sf(frame["Deviance"], frame["Df"])
    return frame


def _refit_loglik(data: ModelData, model: Any, columns: list[int]) -> float:
    """Log-likelihood of the model on a subset of the design's columns."""
    from sklearn.base import clone

    features = [j for j in columns if not (data.record.fit_intercept and j == 0)]
    if len(features) == data.design.shape[1] - int(data.record.fit_intercept):
        return data.record.loglik
    classes = np.asarray(data.class_names)
    # The weights already hold the class weights: not applied twice.
    submodel = clone(model).set_params(C=np.inf, class_weight=None)
    submodel.fit(
        data.design[:, features], classes[data.y_index], sample_weight=data.weight
    )
    return float(submodel.inference_.loglik)


def _spans(full: FloatArray, restricted: FloatArray) -> bool:
    """Whether every column of ``restricted`` is a combination of ``full``'s."""
    solution, *_ = np.linalg.lstsq(full, restricted, rcond=None)
    residual = np.linalg.norm(full @ solution - restricted)
    scale = max(float(np.linalg.norm(restricted)), 1.0)
    return bool(residual <= 1e-8 * scale)
