"""``LogisticRegressionCV``: choose ``C`` and ``l1_ratio`` by cross-validation.

For every training fold and every ``l1_ratio`` the model is fitted along the
grid ``Cs`` in order, each fit starting from the previous optimum (a warm
start: neighbouring ``C`` have neighbouring optima, so each fit after the
first takes a few Newton steps). Each fit is scored on its test fold; the
pair ``(C, l1_ratio)`` with the best total score over the folds wins and the
model is refitted on all the data, as scikit-learn's ``LogisticRegressionCV``
does.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.utils import metadata_routing
from sklearn.utils.validation import _check_sample_weight, _deprecate_positional_args

from . import _params, _sklearn_cv, _validation, cv_setup
from ._numerics import FloatArray
from ._sklearn_params import ACCEPTED_SOLVERS
from .backends import is_dask_collection
from .estimator import LogisticRegression


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` and ``l1_ratio`` chosen by cross-validation.

    The objective for each candidate is :class:`LogisticRegression`'s::

        C * sum_i s_i * logloss_i
          + (1 - l1_ratio)/2 * ||coef||_2^2 + l1_ratio * ||coef||_1

    Parameters follow scikit-learn 1.9's ``LogisticRegressionCV`` (its
    solver names, ``dual``, ``intercept_scaling`` and the deprecated
    ``penalty`` included; see ``docs/sklearn.md``), defaults included: left
    at ``"warn"``, ``l1_ratios``, ``scoring`` and ``use_legacy_attributes``
    mean what they mean in scikit-learn 1.9 (``None``, accuracy, the legacy
    layout) and raise its FutureWarnings; pass them to choose.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        Candidate inverse penalty strengths, fitted in the order given; an
        int ``m`` means ``np.logspace(-4, 4, m)``. ``np.inf`` is allowed (no
        penalty).
    l1_ratios : array-like of float in [0, 1] or None, default="warn"
        Candidate shares of L1 in the penalty. ``"warn"`` is ``None`` with a
        FutureWarning; ``None`` (deprecated) fits ``(0.0,)``, shown as ``[None]``.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        ``None`` is 5-fold; an int is a number of folds; both are
        ``StratifiedKFold`` (no shuffling), as in scikit-learn.
    scoring : str, callable or None, default="warn"
        Score of a fit on a test fold (higher is better); ``None`` is
        accuracy, and so is ``"warn"``, with a FutureWarning (scikit-learn
        1.11 makes ``"neg_log_loss"`` the default). Sample weights, when
        given, weight the test score too.
    solver : str, default="auto"
        As in :class:`LogisticRegression`.
    tol, max_iter : float or None, int or None, default=None
        Per-fit stopping rule, as in :class:`LogisticRegression`.
    learning_rate : float, default=0.1
        Step size of ``solver="gd"``.
    class_weight : dict, "balanced" or None, default=None
        ``"balanced"`` is computed once on all the data (with the sample
        weights) and then held fixed in every fold, as scikit-learn does.
    n_jobs : int or None, default=None
        Folds x l1_ratios fitted in parallel through joblib.
    verbose : int, default=0
    refit : bool, default=True
        Refit on all the data at the best ``(C, l1_ratio)`` (warm-started
        from the folds' mean coefficients). Otherwise average, over the
        folds, the coefficients at each fold's own best pair; ``C_`` and
        ``l1_ratio_`` are then the means of those pairs.
    random_state : int, RandomState or None, default=None
        Starting point of the first fit of each path (see
        :class:`LogisticRegression`); the folds do not depend on it.
    dual, penalty, intercept_scaling
        As in :class:`LogisticRegression` (scikit-learn's meanings).
    use_legacy_attributes : bool, default="warn"
        ``"warn"`` is ``True`` with a FutureWarning. ``True`` is scikit-learn
        1.9's layout (``False``, the one below, is 1.10's): ``coefs_paths_``
        and ``scores_`` dicts keyed by class (the positive class alone when
        binary) of arrays (n_folds, n_cs, n_l1_ratios[, n_dof]), ``n_iter_``
        (1, n_folds, n_cs, n_l1_ratios), ``C_`` and ``l1_ratio_`` arrays with
        one entry per such key; the l1_ratio axis is dropped when
        ``l1_ratios`` is ``None``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_ : float
        The selected ``C``.
    l1_ratio_ : float
        The selected ``l1_ratio``.
    coefs_paths_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, n_outputs, n_dof)
        Fitted ``[coef | intercept]`` for every fold and candidate;
        ``n_outputs`` is 1 for two classes, ``n_dof = n_features +
        fit_intercept``.
    scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
    n_iter_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
    solver_ : str
        The solver of the final fit.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from logitron import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = LogisticRegressionCV(
    ...     Cs=[0.01, 0.1, 1.0], l1_ratios=(0.0,), scoring="neg_log_loss",
    ...     use_legacy_attributes=False,
    ... ).fit(scale(X), y)
    >>> float(model.C_)
    1.0
    """

    # scikit-learn 1.9's declaration of the constructor's constraints.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = _params.cv_parameter_constraints(
        ACCEPTED_SOLVERS
    )
    # score's sample_weight goes to the scorer only, by its own request.
    __metadata_request__score: ClassVar[dict[str, Any]] = {"sample_weight": metadata_routing.UNUSED}

    def _partial_fit_is_supported(self) -> bool:
        # A search over C has no mini-batch form: no partial_fit.
        return False

    def get_metadata_routing(self) -> Any:
        """scikit-learn's metadata routing: ``fit`` routes to the splitter's
        ``split`` and the scorer, ``score`` to the scorer."""
        return _sklearn_cv.metadata_routing(self)

    def __init__(
        self,
        *,
        Cs: int | Any = 10,
        l1_ratios: Any = _sklearn_cv.WARN,
        fit_intercept: bool = True,
        cv: Any = None,
        scoring: Any = _sklearn_cv.WARN,
        solver: str = "auto",
        tol: float | None = None,
        max_iter: int | None = None,
        learning_rate: float = 0.1,
        class_weight: dict[Any, float] | str | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        refit: bool = True,
        random_state: Any = None,
        dual: bool = False,
        penalty: str = "deprecated",
        intercept_scaling: float = 1.0,
        use_legacy_attributes: bool | str = _sklearn_cv.WARN,
    ) -> None:
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.random_state = random_state
        # scikit-learn 1.9's parameters (see logitron._sklearn_cv).
        self.dual = dual
        self.penalty = penalty
        self.intercept_scaling = intercept_scaling
        self.use_legacy_attributes = use_legacy_attributes

    # Its **params are scikit-learn's routed metadata, not LogisticRegression's
    # offset: cross-validating with an offset is not offered.
    def fit(  # type: ignore[override]
        self, X: Any, y: Any, sample_weight: Any = None, **params: Any
    ) -> LogisticRegressionCV:
        """Cross-validate the grid ``Cs`` x ``l1_ratios``, then fit the best.

        ``params`` go to the splitter and the scorer by scikit-learn's
        metadata routing (only when it is enabled).
        """
        if is_dask_collection(X, y, sample_weight):
            raise NotImplementedError(
                "LogisticRegressionCV does not run on Dask collections yet: it "
                "would pull the data into memory. Cross-validate on an in-memory "
                "sample, or fit LogisticRegression(C=...) on the Dask data."
            )
        _params.check(self, self._parameter_constraints)  # types before any FutureWarning
        Cs = cv_setup.check_Cs(self.Cs)
        # scikit-learn's penalty and solver names, mapped onto our grid.
        plan = _sklearn_cv.plan_cv(self)
        l1_ratios = cv_setup.check_l1_ratios(plan.l1_ratios)
        template = self._template(Cs, l1_ratios, plan.solver)
        X, y, _ = _validation.check_training_data(self, X, y)
        classes, y_index = _validation.encode_labels(y)
        _sklearn_cv.check_binary(plan, self, classes)
        X = _sklearn_cv.design(plan, X, template)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        template.set_params(
            class_weight=self._fixed_class_weight(classes, y_index, sample_weight)
        )
        split_params, weigh_scores = _sklearn_cv.route_fit(self, sample_weight, params)
        folds = cv_setup.folds(self.cv, X, y, classes, y_index, sample_weight, split_params)
        score_weight = sample_weight if weigh_scores else None
        scorer = cv_setup.scorer(template, plan.scoring, classes)

        paths = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(_fit_path)(
                template, X, y, sample_weight, score_weight, train, test, Cs, l1_ratio,
                scorer,
            )
            for train, test in folds
            for l1_ratio in l1_ratios
        )
        n_folds, n_l1, n_cs = len(folds), len(l1_ratios), len(Cs)
        self.coefs_paths_ = np.stack([path[0] for path in paths]).reshape(
            n_folds, n_l1, n_cs, *paths[0][0].shape[1:]
        )
        self.scores_ = np.array([path[1] for path in paths]).reshape(
            n_folds, n_l1, n_cs
        )
        self.n_iter_ = np.array([path[2] for path in paths]).reshape(
            n_folds, n_l1, n_cs
        )
        self.Cs_ = Cs
        self.l1_ratios_ = l1_ratios
        self.classes_ = classes
        if self.refit:
            self._refit_best(template, X, y, sample_weight)
        else:
            self._average_fold_bests(X.dtype)
        _sklearn_cv.finish(plan, self)
        return self

    # -- pieces of fit -----------------------------------------------------
    def _template(
        self, Cs: FloatArray, l1_ratios: FloatArray, solver: str
    ) -> LogisticRegression:
        """The per-fit estimator (its parameters are ``fit``'s, checked there)."""
        template = LogisticRegression(
            C=1.0,
            l1_ratio=float(np.max(l1_ratios)),
            fit_intercept=self.fit_intercept,
            solver=solver,
            tol=self.tol,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            warm_start=True,
            random_state=self.random_state,
            verbose=max(0, self.verbose - 1),
        )
        return template

    def _fixed_class_weight(
        self, classes: np.ndarray, y_index: np.ndarray, sample_weight: Any
    ) -> dict[Any, float] | None:
        """The class weights as a dict over all the data (see ``class_weight``)."""
        if self.class_weight is None:
            return None
        weight = np.ones(len(y_index)) if sample_weight is None else sample_weight
        per_class = _validation.class_weights(
            self.class_weight, classes, y_index, weight
        )
        return dict(zip(classes.tolist(), per_class.tolist(), strict=True))

    def _refit_best(
        self, template: LogisticRegression, X: Any, y: Any, sample_weight: Any
    ) -> None:
        _, n_l1, n_cs = self.scores_.shape
        # Candidates ordered C-major, as scikit-learn does, so that ties are
        # broken the same way (first C, then first l1_ratio).
        total = self.scores_.sum(axis=0).T.ravel()
        best_c, best_l1 = np.unravel_index(int(np.argmax(total)), (n_cs, n_l1))
        self.C_ = float(self.Cs_[best_c])
        self.l1_ratio_ = float(self.l1_ratios_[best_l1])
        final = clone(template).set_params(C=self.C_, l1_ratio=self.l1_ratio_)
        _seed(final, self.classes_, self.coefs_paths_[:, best_l1, best_c].mean(axis=0))
        final.fit(X, y, sample_weight=sample_weight)
        self.coef_ = final.coef_
        self.intercept_ = final.intercept_
        self.solver_ = final.solver_
        self.loss_curve_ = final.loss_curve_

    def _average_fold_bests(self, dtype: Any) -> None:
        n_folds, n_l1, n_cs = self.scores_.shape
        per_fold = self.scores_.transpose(0, 2, 1).reshape(n_folds, -1)
        best_c, best_l1 = np.unravel_index(np.argmax(per_fold, axis=1), (n_cs, n_l1))
        folds = np.arange(n_folds)
        weights = self.coefs_paths_[folds, best_l1, best_c].mean(axis=0)
        self.C_ = float(np.mean(self.Cs_[best_c]))
        self.l1_ratio_ = float(np.mean(self.l1_ratios_[best_l1]))
        n_features = self.n_features_in_
        self.coef_ = np.array(weights[:, :n_features], dtype=dtype)
        self.intercept_ = (
            np.array(weights[:, n_features], dtype=dtype)
            if self.fit_intercept
            else np.zeros(len(weights), dtype=dtype)
        )
        self.solver_ = self.solver
        self.loss_curve_ = []

    # scikit-learn 1.9 deprecates a positional sample_weight (an error in 1.11).
    @_deprecate_positional_args(version="1.11")
    def score(self, X: Any, y: Any, *, sample_weight: Any = None, **score_params: Any) -> float:
        """The ``scoring`` of this model on ``(X, y)`` (higher is better)."""
        kwargs = _sklearn_cv.route_score(self, sample_weight, score_params)
        return float(self._get_scorer()(self, X, y, **kwargs))

    def _get_scorer(self) -> Any:
        # scikit-learn's name, which its tests call; no warning here.
        return check_scoring(self, scoring=_sklearn_cv.scoring_of(self))


def _fit_path(
    template: LogisticRegression,
    X: Any,
    y: np.ndarray,
    sample_weight: FloatArray | None,
    score_weight: FloatArray | None,
    train: np.ndarray,
    test: np.ndarray,
    Cs: FloatArray,
    l1_ratio: float,
    scorer: Any,
) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Fit one training fold along ``Cs`` with warm starts; score each fit.

    Returns the ``[coef | intercept]`` of each fit (n_cs, n_outputs, n_dof),
    the test scores (n_cs,) and the iteration counts (n_cs,).
    """
    model = clone(template).set_params(l1_ratio=l1_ratio)
    train_weight = None if sample_weight is None else sample_weight[train]
    test_weight = None if score_weight is None else score_weight[test]
    score_kwargs = {} if test_weight is None else {"sample_weight": test_weight}
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    # The fold is checked once (as fit would check it), not once per C: on
    # small folds the checks cost as much as the fits.
    classes, y_index = _validation.encode_labels(y_train)
    weight = _validation.check_weights(
        X_train, y_index, classes, train_weight, model.class_weight
    )
    weights: list[FloatArray] = []
    scores, n_iter = [], []
    for position, C in enumerate(Cs):
        if position >= 2:
            _seed(model, classes, cv_setup.predict_optimum(Cs, weights, position))
        model.set_params(C=float(C))
        model._fit_arrays(X_train, y_index, classes, weight)
        columns = [model.coef_]
        if model.fit_intercept:
            columns.append(model.intercept_[:, None])
        weights.append(np.hstack(columns).astype(np.float64))
        scores.append(scorer(model, X_test, y_test, **score_kwargs))
        n_iter.append(int(model.n_iter_[0]))
    return np.stack(weights), np.asarray(scores, dtype=np.float64), np.asarray(n_iter)


def _seed(model: LogisticRegression, classes: np.ndarray, weights: FloatArray) -> None:
    """Hand ``model`` a warm start ``[coef | intercept]`` (its own attributes)."""
    n_features = weights.shape[1] - int(model.fit_intercept)
    model.classes_ = classes
    model.coef_ = weights[:, :n_features].copy()
    model.intercept_ = (
        weights[:, n_features].copy() if model.fit_intercept else np.zeros(len(weights))
    )
