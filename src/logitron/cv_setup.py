"""What ``LogisticRegressionCV`` sets up before fitting: the grids of ``C``
and ``l1_ratio`` checked, the folds (every class in every training fold),
and the scorer (the log-loss from the coefficients, with scikit-learn's
arithmetic, when that is what ``scoring`` asks for), and the predictor of
the next optimum along the grid of ``C``."""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import numpy as np
from sklearn.metrics import check_scoring, make_scorer
from sklearn.model_selection import StratifiedKFold, check_cv

from ._numerics import FloatArray, sigmoid, softmax


def check_Cs(Cs: Any) -> FloatArray:
    if isinstance(Cs, numbers.Integral) and not isinstance(Cs, bool):
        if Cs < 1:
            raise ValueError(f"Cs as an int is a number of values, >= 1; got {Cs}.")
        return np.logspace(-4, 4, int(Cs))
    try:
        values = np.asarray(Cs, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Cs must be an int or a list of floats; got {Cs!r}."
        ) from error
    if values.size == 0 or np.any(np.isnan(values)) or np.any(values <= 0):
        raise ValueError(
            f"Cs must hold positive numbers (np.inf for no penalty); got {Cs!r}."
        )
    return values


def check_l1_ratios(l1_ratios: Any) -> FloatArray:
    try:
        values = np.asarray(l1_ratios, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"l1_ratios must be a list of numbers in [0, 1]; got {l1_ratios!r}."
        ) from error
    if values.size == 0 or not np.all((values >= 0) & (values <= 1)):
        raise ValueError(
            f"l1_ratios must be a list of numbers in [0, 1]; got {l1_ratios!r}."
        )
    return values


def folds(
    cv: Any,
    X: Any,
    y: np.ndarray,
    classes: np.ndarray,
    y_index: np.ndarray,
    sample_weight: FloatArray | None,
    split_params: dict[str, Any],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) index pairs, each training fold holding every class.

    A training fold without some class has no finite optimum (that class's
    intercept runs to -inf), so it is an error, named here before any fit.
    """
    splitter = check_cv(cv, y, classifier=True)
    if isinstance(splitter, StratifiedKFold):
        counts = np.bincount(y_index, minlength=len(classes))
        rare = int(np.argmin(counts))
        if counts[rare] < splitter.n_splits:
            label = classes[rare].tolist()
            raise ValueError(
                f"class {label!r} has only {counts[rare]} sample(s), fewer than the "
                f"{splitter.n_splits} cross-validation folds, so some "
                "training fold would lack it. Use fewer folds (cv=...), gather more "
                "samples of that class, or drop it."
            )
    folds = list(splitter.split(X, y, **split_params))
    weight = np.ones(len(y_index)) if sample_weight is None else sample_weight
    for number, (train, _) in enumerate(folds):
        present = np.unique(y_index[train][weight[train] > 0])
        if len(present) < len(classes):
            missing = np.setdiff1d(np.arange(len(classes)), present)
            label = classes[missing[0]].tolist()
            raise ValueError(
                f"training fold {number} has no sample (with non-zero weight) of "
                f"class {label!r}; every training fold must contain every class. "
                "Use fewer folds or a stratified splitter."
            )
    return folds


def scorer(template: Any, scoring: Any, classes: np.ndarray) -> Any:
    """The scorer, told all the classes when its metric takes ``labels``.

    A test fold may lack a class; a probability metric such as the log-loss
    must still know the model's full class list (scikit-learn's
    ``LogisticRegressionCV`` rebuilds the scorer the same way).
    """
    scorer = check_scoring(template, scoring=scoring)
    score_func = getattr(scorer, "_score_func", None)
    if score_func is None:
        return scorer
    signature = inspect.signature(score_func).parameters
    if "labels" not in signature:
        return scorer
    kwargs = dict(getattr(scorer, "_kwargs", {}))
    kwargs["labels"] = classes
    if len(classes) == 2 and "pos_label" in signature:
        kwargs["pos_label"] = classes[-1]
    full_scorer = make_scorer(
        score_func,
        greater_is_better=getattr(scorer, "_sign", 1) == 1,
        response_method=getattr(scorer, "_response_method", "predict"),
        **kwargs,
    )
    if isinstance(scoring, str) and scoring == "neg_log_loss":
        return NegLogLoss(classes, full_scorer)
    return full_scorer


class NegLogLoss:
    """scikit-learn's ``neg_log_loss`` scorer, computed from the fold model's
    coefficients: the same arithmetic (probabilities clipped to
    ``[eps, 1 - eps]``, then a weighted mean of ``-log p[y]``) without
    checking the already-checked test fold again at every ``C``, which on
    small folds costs more than the score. Models that miss a class fall
    back to the full scorer."""

    def __init__(self, classes: np.ndarray, full_scorer: Any) -> None:
        self.classes = classes
        self.full_scorer = full_scorer

    def __call__(
        self, model: Any, X: Any, y: np.ndarray,
        sample_weight: FloatArray | None = None,
    ) -> float:
        if not np.array_equal(model.classes_, self.classes):
            return float(self.full_scorer(model, X, y, sample_weight=sample_weight))
        raw = np.asarray(X @ model.coef_.T) + model.intercept_
        if raw.shape[1] == 1:
            # A binary scorer sees P(classes_[1]) only and log_loss takes
            # 1 - p for the other class: the same rounding here.
            positive = sigmoid(raw[:, 0])
            proba = np.column_stack([1 - positive, positive])
        else:
            proba = softmax(raw, axis=1)
        eps = np.finfo(proba.dtype).eps
        label = np.searchsorted(self.classes, y)
        observed = np.clip(proba[np.arange(len(label)), label], eps, 1 - eps)
        return -float(np.average(-np.log(observed), weights=sample_weight))


def predict_optimum(
    Cs: FloatArray, weights: list[FloatArray], position: int
) -> FloatArray:
    """Secant predictor of the next optimum along the path, in ``log C``.

    The optimum moves smoothly with ``log C``; extrapolating linearly from
    the last two optima lands closer to the next one than the last optimum
    itself (the predictor step of a predictor-corrector path follower,
    Allgower & Georg (1990), *Numerical Continuation Methods*, Section 2.2).
    An infinite ``C`` has no log: the last optimum is used as is.
    """
    log_c = np.log(Cs[position - 2 : position + 1])
    if not np.all(np.isfinite(log_c)) or log_c[1] == log_c[0]:
        return weights[-1]
    ratio = (log_c[2] - log_c[1]) / (log_c[1] - log_c[0])
    return weights[-1] + ratio * (weights[-1] - weights[-2])
