"""The training rows, as the post-fit statistics need them.

Robust and clustered covariances, leverages, residuals, marginal effects and
score tests are functions of the estimates *and* the data, which a model does
not keep (its ``inference_`` record holds only p-sized pieces). The caller
passes the data again; ``ModelData`` checks that they are the rows the model
was fitted on (their log-likelihood at the estimates must equal the one
recorded at fit) and holds them in the identified parametrisation::

    design  X~ = [1, X]                       # (n, q), intercept first
    eta     = X~ @ params.T (+ offset)        # (n, m), m = K - 1 outputs
    proba   = softmax([0, eta])               # (n, K), reference class at 0
    resid   = onehot(y)[:, others] - proba[:, others]        # (n, m)
    score_i = kron(resid[i], X~[i])              # (m * q,)

``score_i`` is observation ``i``'s gradient of the log-likelihood; the flat
parameter index ``k * q + j`` is (output ``k``, term ``j``), as in the
record. For a binary model ``m = 1`` and ``proba[:, 1] = sigmoid(eta)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

from .. import _validation
from .._formula_offset import evaluate_offset, split_offset
from .._numerics import FloatArray
from ..formula_design import as_frame, response_labels
from .covariance import reference_parametrisation
from .record import FitInference

#: Relative agreement asked of the log-likelihood of the data passed with the
#: one recorded at fit: both are sums of the same n terms, so rounding alone
#: stays far below it, while any changed row moves it far above.
SAME_ROWS_RTOL = 1e-7


@dataclass(frozen=True)
class ModelData:
    """Design, labels, weights and the fitted probabilities on the training rows.

    Attributes
    ----------
    design : ndarray of shape (n, q)
        ``[1, X]`` (intercept first when the model has one).
    y_index : ndarray of shape (n,)
        Position of each label in ``class_names`` after moving the reference
        class first (so ``0`` is the reference).
    weight : ndarray of shape (n,)
        Frequency weights (sample weights times class weights).
    params : ndarray of shape (m, q)
        Identified estimates, output by output.
    term_names : tuple of str
    class_names : tuple of str
        Classes with the reference first.
    record : FitInference
    frame : pandas.DataFrame or None
        The raw rows of a formula model (for cluster columns and effects).
    offset : ndarray of shape (n,) or None
        The fit's offset on these rows (binary models), added to ``eta``.
    """

    design: FloatArray
    y_index: np.ndarray
    weight: FloatArray
    params: FloatArray
    term_names: tuple[str, ...]
    class_names: tuple[str, ...]
    record: FitInference
    frame: Any = None
    offset: FloatArray | None = None

    @property
    def n_outputs(self) -> int:
        return int(self.params.shape[0])

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    @property
    def nobs(self) -> float:
        return float(np.sum(self.weight))

    @functools.cached_property
    def log_proba(self) -> FloatArray:
        """``log softmax([0, eta])`` on every row, computed once (the row
        check needs it) and kept for every later statistic."""
        eta = self.design @ self.params.T
        if self.offset is not None:
            eta = eta + self.offset[:, None]
        return log_probabilities(eta)

    @property
    def proba(self) -> FloatArray:
        return np.exp(self.log_proba)

    @functools.cached_property
    def residual(self) -> FloatArray:
        """``onehot(y) - proba`` for the non-reference classes, (n, m)."""
        residual = -self.proba[:, 1:]
        rows = np.flatnonzero(self.y_index > 0)
        residual[rows, self.y_index[rows] - 1] += 1.0
        return residual

    def loglik(self) -> float:
        picked = self.log_proba[np.arange(len(self.y_index)), self.y_index]
        return float(np.dot(self.weight, picked))


def log_probabilities(eta: FloatArray) -> FloatArray:
    """``log softmax([0, eta])``, computed stably by ``logsumexp``."""
    full = np.column_stack([np.zeros(len(eta)), eta])
    return full - scipy.special.logsumexp(full, axis=1, keepdims=True)


def model_data(
    model: Any, X: Any, y: Any = None, sample_weight: Any = None,
    reference: Any = None, offset: Any = None,
) -> ModelData:
    """Check and hold the training rows of ``model`` (see module doc).

    ``X`` is the feature matrix and ``y`` the labels (and ``offset`` the
    fit's offset, if it had one), or, for a model fitted by
    ``logitron.logit``, ``X`` may be the raw DataFrame and ``y`` omitted:
    the formula rebuilds all three, dropping rows with missing values as at
    fit.
    """

    record = getattr(model, "inference_", None)
    if record is None:
        raise ValueError(
            "statistics() needs an unpenalised model fitted in memory (C=np.inf, "
            "NumPy or pandas input): this model has no inference record."
        )
    frame = None
    if y is None:
        if offset is not None:
            raise ValueError(
                "offset is taken from the formula's offset(...) term; pass only the data."
            )
        X, y, frame, kept, offset = _formula_rows(model, X)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)[kept]
    features = _features(model, X)
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != len(features):
        raise ValueError(
            f"y must be 1-D with one label per row of X ({len(features)}); got "
            f"shape {labels.shape}."
        )
    y_fit = _validation.class_index(model.classes_, labels)
    weight = _validation.check_weights(
        features, y_fit, model.classes_, sample_weight, model.class_weight
    )
    parametrisation = reference_parametrisation(record, reference)
    order = [record.class_names.index(parametrisation.reference)]
    order += [k for k in range(record.n_classes) if k != order[0]]
    width = len(record.term_names)
    design = features
    if record.fit_intercept:
        design = np.column_stack([np.ones(len(features)), features])
    data = ModelData(
        design=design,
        y_index=np.argsort(order)[y_fit],
        weight=weight,
        params=parametrisation.params.reshape(-1, width),
        term_names=record.term_names,
        class_names=tuple(record.class_names[k] for k in order),
        record=record,
        frame=frame,
        offset=_validation.check_offset(offset, len(features), record.n_classes),
    )
    _check_same_rows(data)
    return data


def _features(model: Any, X: Any) -> FloatArray:
    import scipy.sparse as sp

    if sp.issparse(X):
        X = X.toarray()
    features = np.asarray(X, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X must be 2-D with the model's {model.n_features_in_} features; got "
            f"shape {features.shape}."
        )
    if not np.all(np.isfinite(features)):
        raise ValueError("X holds NaN or infinite values.")
    return features


def _formula_rows(
    model: Any, data: Any
) -> tuple[FloatArray, Any, Any, np.ndarray, FloatArray | None]:
    """Design, labels, raw rows, their positions and the offset (None
    without one), from a formula model; rows are dropped as at fit."""
    if getattr(model, "formula_", None) is None:
        raise ValueError(
            "y is missing: pass the labels (statistics(X, y)); only a model "
            "fitted by logitron.logit rebuilds them from a DataFrame."
        )
    import formulaic

    frame = as_frame(data)
    formula, expression = split_offset(model.formula_)
    offset = None if expression is None else evaluate_offset(expression, frame)
    rows = frame if offset is None else frame.loc[~np.isnan(offset)]
    matrices = formulaic.model_matrix(formula, rows)
    kept = np.asarray(matrices.rhs.index)
    rhs = matrices.rhs
    design = rhs.drop(columns="Intercept") if model.fit_intercept else rhs
    names = [str(c) for c in design.columns]
    if names != list(model.feature_names_in_):
        raise ValueError(
            f"The formula gives the columns {names} on these data, but the model "
            f"was fitted on {list(model.feature_names_in_)}: some factor level is "
            "missing or new. Pass the training data."
        )
    response = str(formulaic.Formula(formula).lhs).strip()
    y = response_labels(response, frame, matrices.lhs, kept)
    return (
        np.asarray(design, dtype=np.float64), y, frame.iloc[kept], kept,
        None if offset is None else offset[kept],
    )


def _check_same_rows(data: ModelData) -> None:
    check_same_rows(data.record, data.nobs, data.loglik())


def check_same_rows(record: FitInference, nobs: float, loglik: float) -> None:
    """Refuse rows whose weighted count ``nobs`` or log-likelihood ``loglik``
    at the estimates differs from the record's: not the training rows."""
    if abs(nobs - record.nobs) > 1e-9 * record.nobs or abs(
        loglik - record.loglik
    ) > SAME_ROWS_RTOL * abs(record.loglik) + 1e-9:
        raise ValueError(
            "These are not the rows the model was fitted on: their weighted count "
            f"is {nobs:g} (fit: {record.nobs:g}) and their log-likelihood at "
            f"the estimates {loglik:.10g} (fit: {record.loglik:.10g}). Pass the "
            "training data (same rows, labels, sample weights and offset)."
        )
