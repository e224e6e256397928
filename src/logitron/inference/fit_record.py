"""The record of an unpenalised fit, and the summary of one.

When the record of an unpenalised fit (``C=np.inf``) is first asked for
(``logitron._lazy_record``), ``record_fit`` evaluates the Fisher information, the sandwich meat and
the log-likelihoods once (``record``) and checks for separation
(``separation``); ``summarize_fit`` turns such a record into a ``Summary``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._numerics import FloatArray
from .infinite import direction_labels, infinite_directions
from .null_model import null_loglik_with_offset
from .record import FitInference
from .record_sums import _score_blocks, compute_fit_inference, information_order
from .separation import (
    certified_identified,
    certified_identified_binary,
    diagnose_separation,
)
from .summary import Summary, summarize


def record_fit(
    X: Any,
    y_index: np.ndarray,
    sample_weight: FloatArray,
    objective: Any,
    theta: FloatArray,
    converged: bool,
    *,
    feature_names: list[str],
    class_names: list[str],
    response_name: str = "y",
    offset: FloatArray | None = None,
    identified: bool = False,
    with_meat: bool = True,
    with_infinite: bool = True,
) -> FitInference:
    """The ``inference_`` record of an unpenalised fit, separation included.

    Parameters
    ----------
    X, y_index, sample_weight
        The validated training data, encoded labels and frequency weights.
    objective : LogisticObjective
        The objective the solver minimised (its unit and loss).
    theta : ndarray
        The solver's estimate, in the unit's layout.
    converged : bool
        Whether the solver met its tolerance.
    feature_names, class_names : list of str
        Names of the columns of ``X`` and of the classes, for the summary.
    response_name : str
        Name of the dependent variable, for the summary.
    offset : ndarray of shape (n,), optional
        The fit's offset: the null model is then the intercept-only fit
        with it (``null_model``), as R's ``glm`` and statsmodels compute it.
    identified : bool, default=False
        True when the caller has proved that the estimate exists
        (``fit_screen``): the certificate is then skipped.
    with_meat : bool, default=True
        False leaves the sandwich meat out (``record_sums.record_sums``).
    with_infinite : bool, default=True
        False leaves ``infinite`` empty on separated data: its linear
        programs (one or two per coefficient) are ``infinite_labels``.
    """
    unit, loss = objective.unit, objective.loss
    # The solver's last z, cached by the objective: no pass over X. The
    # solver's other cached arrays are let go: the statistics' own n-sized
    # work comes on top of what is kept, and memory is counted beyond X.
    raw = objective.raw_prediction(theta)
    loglik = known_loglik(objective, theta, sample_weight)
    objective.forget_all_but(theta)
    term_names = (["Intercept"] if unit.fit_intercept else []) + feature_names
    record = compute_fit_inference(
        unit, loss, objective.y, sample_weight, theta,
        term_names=tuple(term_names),
        class_names=tuple(class_names),
        converged=converged,
        response_name=response_name,
        raw=raw,
        with_meat=with_meat,
        loglik=loglik,
    )
    weight = np.asarray(sample_weight, dtype=np.float64)
    if offset is not None:
        record = dataclasses.replace(record, loglik_null=null_loglik_with_offset(
            y_index, weight, offset, unit.fit_intercept
        ))
    if identified:
        return record
    if raw.ndim == 1:
        # The binary certificate reuses the Fisher information (module doc
        # of ``separation``), back in the unit's [coef | intercept] order.
        unit_order = np.argsort(information_order(unit))
        identified = certified_identified_binary(
            unit, y_index, weight, raw,
            record.information[np.ix_(unit_order, unit_order)],
        )
    else:
        proba = np.asarray(loss.proba(raw), dtype=np.float64)
        identified = certified_identified(unit, y_index, weight, proba)
    if identified:
        return record
    separation = diagnose_separation(
        X, y_index, weight, fit_intercept=unit.fit_intercept,
        feature_names=feature_names,
        class_names=list(class_names),
    )
    record = dataclasses.replace(record, separation=separation)
    if not (separation and with_infinite):
        return record
    return dataclasses.replace(record, infinite=infinite_labels(
        X, y_index, weight, fit_intercept=unit.fit_intercept, n_classes=len(class_names),
    ))


def infinite_labels(
    X: Any, y_index: np.ndarray, weight: FloatArray, *, fit_intercept: bool, n_classes: int
) -> tuple[str, ...]:
    """Which estimates are infinite, and in which direction, for the
    summary of separated data (``FitInference.infinite``)."""
    return direction_labels(infinite_directions(
        X, y_index, np.asarray(weight, dtype=np.float64), fit_intercept=fit_intercept,
        n_classes=n_classes,
    ))


def known_loglik(objective: Any, theta: FloatArray, sample_weight: FloatArray) -> float | None:
    """``-sum(s) * J(theta)`` where the objective's cache holds ``J`` at
    ``theta`` and has no penalty (``C = inf``), else None.

    The solver evaluated ``J`` there (L-BFGS always, Newton unless its last
    step was taken unevaluated): the loss's pass over the rows, a fifth of
    ``summary()`` on 100,000 x 20, is not needed for the log-likelihood.
    ``J`` sums ``s_i / sum(s) * loss_i``, so this agrees with the direct sum
    to a few units in the last place.
    """
    point = objective.cache.find(theta)
    if point is None or point.value is None or not np.isinf(objective.scale):
        return None
    return -float(np.add.reduce(sample_weight, dtype=np.float64)) * point.value


def meat_at(
    unit: Any, loss: Any, y: FloatArray, sample_weight: FloatArray, raw: FloatArray
) -> FloatArray:
    """The record's ``meat`` alone (intercept first), as ``record_sums``
    computes it: for a record computed ``with_meat=False``."""
    weight = np.asarray(sample_weight, dtype=np.float64)
    _, grad_raw, _ = loss.value_gradient_hessian(y, raw)
    meat = unit.hessian(_score_blocks(grad_raw, weight))
    order = information_order(unit)
    return meat[np.ix_(order, order)]


def summarize_fit(
    record: FitInference | None,
    C: float,
    alpha: float = 0.05,
    cov_type: str = "nonrobust",
    reference: Any = None,
) -> Summary:
    """``model.summary(...)``: refuse penalised fits (``C`` finite) and fits
    without a record, else summarise the record."""
    if record is None and np.isposinf(C):
        raise ValueError(
            "This model carries no inference record (inference_ is missing or "
            "None): it was saved without one, or fitted by a version of "
            "logitron that kept none for Dask input. Refit it with C=np.inf "
            "to get a summary."
        )
    if record is None:
        raise ValueError(
            f"summary() needs an unpenalised fit, but this model has C={C!r}. "
            "A penalty shrinks the estimates towards zero, so they are biased and "
            "the inverse Fisher information is not their covariance: standard "
            "errors, p-values and intervals computed that way would be wrong. "
            "Refit with C=np.inf for maximum-likelihood inference."
        )
    return summarize(record, alpha, cov_type, reference)


def response_name(y: Any) -> str:
    """The name of ``y`` when it carries one (a pandas Series), else ``"y"``."""
    name = getattr(y, "name", None)
    return str(name) if isinstance(name, str) and name else "y"


def feature_names(names_in: Any, n_features: int) -> list[str]:
    """DataFrame column names, else ``x1 .. xd`` as statsmodels numbers them."""
    if names_in is not None:
        return [str(name) for name in names_in]
    return [f"x{j + 1}" for j in range(n_features)]
