"""scikit-learn 1.9's parameters of ``LogisticRegressionCV``, read into ours.

The grid counterpart of ``logitron._sklearn_params``: the deprecated
``penalty`` and ``l1_ratios=None``, scikit-learn's solver names (liblinear
on ``[X, intercept_scaling]`` without a separate intercept), ``dual``,
``intercept_scaling``, ``use_legacy_attributes`` (scikit-learn 1.9's
attribute layout: dicts keyed by class, ``C_`` per class), and the three
transitional defaults ``"warn"`` of ``l1_ratios``, ``scoring`` and
``use_legacy_attributes``: each is read as scikit-learn 1.9 reads it
(``None``, accuracy, the legacy layout) with its FutureWarning, so that
code written for scikit-learn 1.9 gets the same ``C_``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)

from . import _sklearn_params
from ._sklearn_params import _append_column

#: The sentinel of scikit-learn 1.9's transitional defaults: the old value
#: is used and a FutureWarning names the new one.
WARN = "warn"

_L1_RATIOS_DEFAULT = (
    "The default value for l1_ratios will change from None to (0.0,) in version "
    "1.10. From version 1.10 onwards, only array-like with values in [0, 1] will be "
    "allowed, None will be forbidden. To avoid this warning, explicitly set a value, "
    "e.g. l1_ratios=(0,)."
)
_SCORING_DEFAULT = (
    "The default value of the parameter 'scoring' will change from None, i.e. "
    "accuracy, to 'neg_log_loss' in version 1.11. To silence this warning, "
    "explicitly set the scoring parameter: scoring='neg_log_loss' for the new, "
    "scoring='accuracy' or scoring=None for the old default."
)
_LEGACY_DEFAULT = (
    "The fitted attributes of LogisticRegressionCV will be simplified in "
    "scikit-learn 1.10 to remove redundancy. Set `use_legacy_attributes=False` to "
    "enable the new behavior now, or set it to `True` to silence this warning during "
    "the transition period while keeping the deprecated behavior for the time being. "
    "The default value of use_legacy_attributes will change from True to False in "
    "scikit-learn 1.10. See the docstring of LogisticRegressionCV for more details."
)


def _is_warn(value: Any) -> bool:
    return isinstance(value, str) and value == WARN


def scoring_of(estimator: Any) -> Any:
    """The ``scoring`` the estimator scores with: ``None`` and ``"warn"``
    (the default, scikit-learn 1.9's ``None``) are accuracy."""
    scoring = estimator.scoring
    return "accuracy" if scoring is None or _is_warn(scoring) else scoring


@dataclass(frozen=True)
class CVPlan:
    """The grid and solver a ``LogisticRegressionCV`` parameter set names.

    ``l1_ratios`` are the shares of L1 fitted; ``reported_l1_ratios`` what
    ``l1_ratios_`` shows; ``no_l1_axis`` is ``l1_ratios=None`` (whose legacy
    attributes have no l1_ratio axis); ``scoring`` and ``legacy`` are the
    ``scoring`` and ``use_legacy_attributes`` in force.
    """

    l1_ratios: Any
    reported_l1_ratios: Any
    solver: str
    penalised_intercept: bool
    intercept_scaling: float
    no_l1_axis: bool
    penalty: str | None
    tol: float | None
    scoring: Any
    legacy: bool


def plan_cv(estimator: Any) -> CVPlan:
    """Read a ``LogisticRegressionCV``'s parameters as scikit-learn 1.9 does."""
    _sklearn_params.check_common(estimator)
    given = _l1_ratios(estimator)
    ratios = [0.0] if given is None else given
    # Every warning before _grid_penalty's errors, as scikit-learn raises them.
    scoring, legacy = _scoring_and_layout(estimator)
    penalty = _grid_penalty(estimator, given)
    _sklearn_params.check_solver(estimator.solver, penalty, estimator.dual)
    if penalty != "elasticnet" and given is not None and estimator.penalty != "deprecated":
        warnings.warn(
            f"l1_ratios parameter is only used when penalty is 'elasticnet'. Got "
            f"(penalty={penalty})",
            UserWarning,
            stacklevel=3,
        )
    fitted: Any
    if penalty == "l1":
        fitted = np.ones(len(np.ravel(ratios)))
    elif penalty in ("l2", None):
        fitted = np.zeros(len(np.ravel(ratios)))
    else:
        fitted = ratios
    solver = estimator.solver
    tol = estimator.tol
    if solver in _sklearn_params.SKLEARN_SOLVERS and tol is not None:
        tol = min(tol, _sklearn_params._LOOSEST_TOL)
    return CVPlan(
        l1_ratios=fitted,
        reported_l1_ratios=ratios,
        solver=_sklearn_params._OUR_SOLVER.get(solver, solver),
        penalised_intercept=solver == "liblinear" and bool(estimator.fit_intercept),
        intercept_scaling=float(estimator.intercept_scaling),
        no_l1_axis=given is None,
        penalty=penalty,
        tol=tol,
        scoring=scoring,
        legacy=legacy,
    )


def _l1_ratios(estimator: Any) -> Any:
    """``l1_ratios``, its default ``"warn"`` read as ``None``, with the
    FutureWarning scikit-learn 1.9 gives for either."""
    given = estimator.l1_ratios
    if _is_warn(given):
        warnings.warn(_L1_RATIOS_DEFAULT, FutureWarning, stacklevel=4)
        return None
    if estimator.penalty == "deprecated" and given is None:
        warnings.warn(
            "'l1_ratios=None' was deprecated in version 1.8 and will trigger an error "
            "in 1.10. Use an array-like with values in [0, 1] instead.",
            FutureWarning,
            stacklevel=4,
        )
    return given


def _scoring_and_layout(estimator: Any) -> tuple[Any, bool]:
    """``scoring`` and ``use_legacy_attributes``, each ``"warn"`` read as
    scikit-learn 1.9 reads it (accuracy, the legacy layout) with its
    FutureWarning."""
    if _is_warn(estimator.scoring):
        warnings.warn(_SCORING_DEFAULT, FutureWarning, stacklevel=4)
    legacy = estimator.use_legacy_attributes
    if _is_warn(legacy):
        warnings.warn(_LEGACY_DEFAULT, FutureWarning, stacklevel=4)
        legacy = True
    return scoring_of(estimator), bool(legacy)


def _grid_penalty(estimator: Any, ratios: Any) -> str | None:
    """The penalty name, as scikit-learn 1.9 reads it from ``penalty`` and
    the ``l1_ratios`` given (``None`` included)."""
    penalty = estimator.penalty
    if penalty not in ("l1", "l2", "elasticnet", "deprecated"):
        raise ValueError(
            "The 'penalty' parameter of LogisticRegressionCV must be a str among "
            f"{{'l1', 'l2', 'elasticnet'}} (deprecated: prefer l1_ratios); got {penalty!r}."
        )
    if penalty != "deprecated":
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To "
            "avoid this warning, leave 'penalty' set to its default value and use "
            "'l1_ratios' and 'Cs' instead. Use l1_ratios=(0,) instead of penalty='l2', "
            "l1_ratios=(1,) instead of penalty='l1', l1_ratios set to floats between 0 "
            "and 1 instead of penalty='elasticnet', and Cs=(np.inf,) instead of "
            "penalty=None.",
            FutureWarning,
            stacklevel=4,
        )
        if penalty == "elasticnet" and (
            ratios is None
            or not all(isinstance(r, numbers.Real) and 0 <= float(r) <= 1 for r in ratios)
        ):
            raise ValueError(
                "l1_ratios must be an array-like of numbers between 0 and 1; got "
                f"(l1_ratios={ratios!r})"
            )
        return str(penalty)
    values = np.asarray([0.0] if ratios is None else ratios, dtype=object).ravel()
    if values.size and all(
        isinstance(r, numbers.Real) and r == 0 for r in values
    ):
        return "l2"
    if values.size and all(isinstance(r, numbers.Real) and r == 1 for r in values):
        return "l1"
    return "elasticnet"


def design(plan: CVPlan, X: Any, template: Any) -> Any:
    """The X the folds are fitted on: liblinear's gets a column of
    ``intercept_scaling`` and the template fits no separate intercept. The
    template gets the tolerance of the plan."""
    template.set_params(tol=plan.tol)
    if not plan.penalised_intercept:
        return X
    template.set_params(fit_intercept=False)
    return _append_column(X, plan.intercept_scaling)


def check_binary(plan: CVPlan, estimator: Any, classes: np.ndarray) -> None:
    """scikit-learn's liblinear fits two classes only."""
    if estimator.solver == "liblinear" and len(classes) > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme."
        )


def finish(plan: CVPlan, estimator: Any) -> None:
    """Map liblinear's penalised intercept weight back, then set the layout
    ``use_legacy_attributes`` asks for."""
    if plan.penalised_intercept:
        scaling = plan.intercept_scaling
        paths = estimator.coefs_paths_.copy()
        paths[..., -1] *= scaling
        estimator.coefs_paths_ = paths
        if estimator.refit:
            weights = estimator.coef_
            estimator.coef_ = weights[:, :-1].copy()
            estimator.intercept_ = scaling * weights[:, -1]
        else:
            estimator.intercept_ = scaling * estimator.intercept_
    if plan.penalty == "l1":
        estimator.l1_ratios_ = np.asarray(plan.reported_l1_ratios, dtype=np.float64)
    if plan.no_l1_axis:
        estimator.l1_ratios_ = np.array([None], dtype=object)
    if plan.legacy:
        _to_legacy(estimator, plan.no_l1_axis)


def _to_legacy(estimator: Any, no_l1_axis: bool) -> None:
    """scikit-learn 1.9's legacy layout: ``coefs_paths_`` and ``scores_`` as
    dicts over the classes (the positive class alone when binary) of arrays
    (n_folds, n_cs, n_l1_ratios[, n_dof]), ``n_iter_`` (1, n_folds, n_cs,
    n_l1_ratios), ``C_`` and ``l1_ratio_`` one entry per such class; the
    l1_ratio axis is dropped for ``l1_ratios=None``."""
    classes = estimator.classes_
    keys = classes[1:] if len(classes) == 2 else classes
    paths = np.moveaxis(estimator.coefs_paths_, (1, 2), (2, 1))
    scores = np.moveaxis(estimator.scores_, (1, 2), (2, 1))
    n_iter = np.moveaxis(estimator.n_iter_, (1, 2), (2, 1))[None]
    if no_l1_axis:
        paths, scores, n_iter = paths[:, :, 0], scores[:, :, 0], n_iter[..., 0]
    estimator.coefs_paths_ = {key: paths[..., k, :] for k, key in enumerate(keys)}
    estimator.scores_ = {key: scores.copy() for key in keys}
    estimator.n_iter_ = n_iter
    estimator.C_ = np.full(len(keys), estimator.C_)
    # scikit-learn 1.9 refits at the l1_ratio it lists, None for l1_ratios=None.
    l1_ratio = None if no_l1_axis and estimator.refit else estimator.l1_ratio_
    estimator.l1_ratio_ = np.full(len(keys), l1_ratio)


def metadata_routing(estimator: Any) -> MetadataRouter:
    """The router scikit-learn's ``LogisticRegressionCV`` declares."""
    return (
        MetadataRouter(owner=estimator)
        .add_self_request(estimator)
        .add(
            splitter=estimator.cv,
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        .add(
            scorer=check_scoring(estimator, scoring=scoring_of(estimator)),
            method_mapping=MethodMapping()
            .add(caller="score", callee="score")
            .add(caller="fit", callee="score"),
        )
    )


def route_fit(
    estimator: Any, sample_weight: Any, params: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """``fit``'s extra parameters: those for the splitter's ``split``, and
    whether the fold scores are weighted.

    Without metadata routing, extra parameters are an error and the scores
    are weighted whenever ``sample_weight`` is given (scikit-learn's
    behaviour); with it, the scorer's request decides.
    """
    if not _routing_enabled():
        _raise_for_params(params, estimator, "fit")
        return {}, True
    routed = process_routing(estimator, "fit", sample_weight=sample_weight, **params)
    return dict(routed.splitter.split), "sample_weight" in routed.scorer.score


def route_score(
    estimator: Any, sample_weight: Any, score_params: dict[str, Any]
) -> dict[str, Any]:
    """``score``'s keyword arguments for the scorer, routed as scikit-learn
    routes them (an unrequested ``sample_weight`` is an error under routing)."""
    _raise_for_params(score_params, estimator, "score")
    if sample_weight is not None:
        score_params["sample_weight"] = sample_weight
    if _routing_enabled():
        return dict(process_routing(estimator, "score", **score_params).scorer.score)
    weight = score_params.get("sample_weight")
    return {} if weight is None else {"sample_weight": weight}
