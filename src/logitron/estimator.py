"""``LogisticRegression``: the neuron behind scikit-learn's estimator contract."""

from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _partial_fit, _validation, inference
from ._numerics import FloatArray, log_sigmoid, log_softmax, sigmoid, softmax
from .backends import as_data
from .dask import dispatch as dask_dispatch
from .exceptions import PerfectSeparationWarning
from .inference.model_statistics import Statistics, statistics, with_odds_ratios
from .inference.separation import classifies_every_row
from .losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from .neuron import LinearUnit
from .objective import LogisticObjective
from .solvers import SOLVERS, IterationInfo, SolverOptions, choose_solver

if TYPE_CHECKING:
    from .dask.objective import DaskLogisticObjective


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression as a one-neuron network (a softmax layer for K > 2).

    The model, for a feature row ``x``::

        z = x @ coef.T + intercept
        P(y = 1 | x) = sigmoid(z)                 # two classes
        P(y = k | x) = softmax(z)[k]              # K > 2 classes

    fitted by minimising scikit-learn's objective::

        C * sum_i s_i * logloss_i
          + (1 - l1_ratio)/2 * ||coef||_2^2 + l1_ratio * ||coef||_1

    where ``s_i`` is the sample weight times the class weight. The intercept
    is never penalised; ``C=np.inf`` fits the unpenalised maximum-likelihood
    model. Internally the objective is divided by ``C * sum(s)`` (a mean
    log-loss scale); the minimiser is the same.

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty strength, > 0; ``np.inf`` for no penalty.
    l1_ratio : float, default=0.0
        Share of L1 in the penalty (0 = ridge). Values > 0 need a proximal
        solver.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : {"auto", "gd", "newton", "newton-cg", "lbfgs", "prox-newton", "fista"}, \
default="auto"
        ``"gd"`` is the classic recipe: batch gradient descent with
        ``learning_rate``, stopped when the cost changes by less than ``tol``.
        ``"newton"`` is Newton's method with a Cholesky solve,
        ``"newton-cg"`` a trust-region Newton method with conjugate-gradient
        steps on Hessian products, ``"lbfgs"`` limited-memory BFGS.
        ``"prox-newton"`` (proximal Newton on a working set: the quadratic
        model solved on its formed Hessian by sign exchanges and coordinate
        descent, or by Newton-CG on Hessian products when the set is large)
        and ``"fista"`` (accelerated proximal gradient) also fit
        ``l1_ratio > 0``. ``"auto"`` picks ``"prox-newton"`` for an L1 term,
        else Newton for small dense problems and L-BFGS otherwise (see
        ``logitron.solvers.choose_solver`` for the benchmark figures).
    tol : float or None, default=None
        Stopping tolerance in the solver's own rule; ``None`` takes the
        solver's default (1e-5 change of cost for ``"gd"``, 1e-10 gradient
        max-norm and Newton decrement for ``"newton"``, 1e-8 gradient
        max-norm for ``"newton-cg"`` and ``"lbfgs"``).
    max_iter : int or None, default=None
        Iteration cap; ``None`` takes the solver's default (10,000 for
        ``"gd"``, 100 for ``"newton"``, 200 for ``"newton-cg"``, 1,000 for
        ``"lbfgs"``).
    learning_rate : float, default=0.1
        Step size of ``"gd"`` on the mean-scale cost (ignored by the others).
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into the sample weights.
    warm_start : bool, default=False
        Start from the previous fit's coefficients when the shapes agree.
    random_state : int, RandomState or None, default=None
        ``None`` starts from zero weights (the recipe); otherwise the start
        is drawn from N(0, 0.01^2) with this seed. The objective is convex,
        so the optimum does not depend on it.
    verbose : int, default=0
        Print the cost and gradient size after each iteration when > 0.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
        Iterations the solver ran.
    loss_curve_ : list of float
        The (mean-scale) cost after each iteration: the learning curve.
    solver_ : str
        The solver that ran (``"auto"`` resolved).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names (a DataFrame).
    inference_ : FitInference or None
        For ``C=np.inf`` only: the Fisher information, sandwich meat and
        log-likelihoods behind ``summary()`` (see ``logitron.inference``).

    Examples
    --------
    >>> import numpy as np
    >>> from logitron import LogisticRegression
    >>> X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5]])
    >>> y = np.array([0, 0, 1, 1])
    >>> model = LogisticRegression(solver="gd", learning_rate=0.5).fit(X, y)
    >>> model.predict([[0.5, 1.0], [2.5, 0.5]]).tolist()
    [0, 1]
    """

    def __init__(
        self,
        C: float = 1.0,
        *,
        l1_ratio: float = 0.0,
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float | None = None,
        max_iter: int | None = None,
        learning_rate: float = 0.1,
        class_weight: dict[Any, float] | str | None = None,
        warm_start: bool = False,
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        return tags

    # -- fitting -----------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit the neuron to ``X`` (n, d) and labels ``y`` (n,).

        ``sample_weight`` (n,) are non-negative frequency-like weights: an
        integer weight equals repeating the row. ``X`` may be a dask array or
        DataFrame (``y`` and weights partitioned alike): the n-sized work then
        runs on the Dask cluster, one graph per solver iteration.
        """
        _validation.check_params(self, list(SOLVERS))
        if dask_dispatch.is_dask_collection(X, y, sample_weight):
            objective, classes, separates = dask_dispatch.training_problem(
                self, X, y, sample_weight
            )
            return self._fit_objective(objective, classes, separates=separates)
        response_name = inference.response_name(y)
        X, y = _validation.check_training_data(self, X, y)
        classes, y_index = _validation.encode_labels(y)
        weight = _validation.check_weights(
            X, y_index, classes, sample_weight, self.class_weight
        )
        return self._fit_arrays(X, y_index, classes, weight, response_name)

    def _fit_arrays(
        self,
        X: Any,
        y_index: np.ndarray,
        classes: np.ndarray,
        weight: FloatArray,
        response_name: str = "y",
        statistics: bool = True,
    ) -> LogisticRegression:
        """``fit`` on data it has already checked: ``X`` validated, labels
        encoded as indices into ``classes``, weights with class weights folded
        in. ``LogisticRegressionCV`` calls it once per ``C`` of a fold's path,
        after checking the fold once. ``statistics=False`` skips the
        inference record of an unpenalised fit (and its separation warning):
        for a fit whose coefficients are only a starting point."""
        self.n_features_in_ = X.shape[1]
        objective = self._objective(X, y_index, weight, n_classes=len(classes))
        return self._fit_objective(
            objective, classes,
            record=(X, y_index, weight, response_name) if statistics else None,
        )

    def _fit_objective(
        self,
        objective: LogisticObjective | DaskLogisticObjective,
        classes: np.ndarray,
        record: tuple[Any, np.ndarray, FloatArray, str] | None = None,
        separates: Any = None,
    ) -> LogisticRegression:
        """Minimise ``objective`` and set the fitted attributes. In memory,
        ``record`` holds what the statistics of an unpenalised fit need (none
        without it); on Dask, ``separates`` runs the separation check."""
        distributed = not isinstance(objective, LogisticObjective)
        data = objective.unit.data
        solver_name = self._resolve_solver(
            data.n_samples, data.n_features, len(classes),
            is_sparse=not distributed and data.is_sparse, dtype=data.dtype,
            distributed=distributed,
        )
        solver = SOLVERS[solver_name]
        if self.l1_ratio > 0 and self.C != np.inf and not solver.handles_l1:
            raise ValueError(
                f"solver={solver_name!r} needs a smooth objective and cannot fit "
                f"l1_ratio={self.l1_ratio}; use l1_ratio=0."
            )

        options = SolverOptions(
            tol=solver.default_tol if self.tol is None else float(self.tol),
            max_iter=solver.default_max_iter if self.max_iter is None else self.max_iter,
            learning_rate=float(self.learning_rate),
            callback=(
                partial(self._print_progress, solver_name) if self.verbose else None
            ),
        )
        theta0 = self._initial_theta(objective.unit, classes)
        if distributed:
            assert not isinstance(objective, LogisticObjective)
            theta0 = dask_dispatch.sample_start(self, objective, solver_name, theta0)
        result = solver.minimize(objective, theta0, options)
        if not np.all(np.isfinite(result.theta)):
            raise FloatingPointError(
                f"solver={solver_name!r} produced non-finite coefficients: "
                f"{result.message}"
            )

        self.classes_ = classes
        self.solver_ = solver_name
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        self.loss_curve_ = list(result.history)
        self._set_coefficients(objective.unit, result.theta, data.dtype)
        separation = ""
        if record is None:
            # The statistics need the data in memory; on Dask only the
            # separation check runs.
            self.inference_ = None
            if distributed and np.isposinf(self.C) and separates(result.theta):
                separation = "perfect separation: the coefficients grow without bound"
        else:
            X, y_index, weight, response_name = record
            self.inference_ = (
                inference.record_fit(
                    self, X, y_index, weight, objective, result.theta, result.converged,
                    response_name,
                )
                if np.isposinf(self.C)
                else None
            )
            separation = self.inference_.separation if self.inference_ is not None else ""
        # Warnings point at the caller of fit (fit, _fit_*, here).
        if separation:
            warnings.warn(
                f"The classes show {separation}",
                PerfectSeparationWarning,
                stacklevel=4,
            )
        elif not result.converged:
            warnings.warn(result.message, ConvergenceWarning, stacklevel=4)
        return self

    def _partial_fit_is_supported(self) -> bool:
        # Mini-batch steps handle the smooth (L2) penalty only.
        return float(self.l1_ratio) == 0.0 or bool(np.isposinf(self.C))

    @available_if(lambda self: self._partial_fit_is_supported())
    def partial_fit(
        self,
        X: Any,
        y: Any,
        classes: Any = None,
        sample_weight: Any = None,
        *,
        total_weight: float | None = None,
    ) -> LogisticRegression:
        """One stochastic (Adam) step on the mini-batch ``(X, y)``.

        For data that never fits at once: call it once per mini-batch, for
        as many passes as needed; ``coef_`` is an average of the iterates
        that approaches ``fit``'s optimum. ``learning_rate`` is Adam's base
        step (decaying as ``1/sqrt(t)``). ``classes`` (all labels) is
        required on the first call. ``total_weight`` is the sum of the
        sample weights of all the data (its row count, unweighted), so that
        the penalty has the strength it has in ``fit``; ``None`` takes the
        weight seen so far. ``X`` may be in memory or a dask collection.
        See ``logitron._partial_fit`` and ``logitron.solvers.stochastic``.
        """
        return _partial_fit.partial_fit(self, X, y, classes, sample_weight, total_weight)

    def _resolve_solver(
        self, n_samples: float, n_features: int, n_classes: int, *,
        is_sparse: bool, dtype: Any, distributed: bool,
    ) -> str:
        if self.solver != "auto":
            return str(self.solver)
        return choose_solver(
            n_samples=n_samples, n_features=n_features, n_classes=n_classes,
            is_sparse=is_sparse, dtype=dtype, distributed=distributed,
            l1=self.l1_ratio > 0 and self.C != np.inf,
        )

    def _objective(
        self, X: Any, y_index: np.ndarray, weight: FloatArray, n_classes: int
    ) -> LogisticObjective:
        binary = n_classes == 2
        unit = LinearUnit(
            as_data(X), n_outputs=1 if binary else n_classes,
            fit_intercept=self.fit_intercept,
        )
        loss = BinaryCrossEntropy() if binary else SoftmaxCrossEntropy()
        return LogisticObjective(
            unit, loss, y_index, weight, C=float(self.C), l1_ratio=float(self.l1_ratio)
        )

    def _initial_theta(self, unit: LinearUnit, classes: np.ndarray) -> FloatArray:
        """Previous weights (warm start), zeros (the recipe), or N(0, 0.01^2)."""
        previous = getattr(self, "coef_", None)
        if (
            self.warm_start
            and previous is not None
            and np.array_equal(getattr(self, "classes_", np.empty(0)), classes)
            and previous.shape[1] == unit.n_features
        ):
            columns = [previous, self.intercept_[:, None]] if self.fit_intercept else [previous]
            return np.hstack(columns).astype(np.float64).ravel()
        if self.random_state is None:
            return np.zeros(unit.n_params)
        return check_random_state(self.random_state).normal(scale=0.01, size=unit.n_params)

    def _set_coefficients(self, unit: LinearUnit, theta: FloatArray, dtype: Any) -> None:
        if unit.n_outputs > 1:
            # Softmax is invariant to a common shift of all classes: report the
            # symmetric (zero-sum) representative, as scikit-learn does.
            weights = unit.weights(theta).copy()
            centred = weights - weights.mean(axis=0)
            free = slice(None) if self.C == np.inf else slice(unit.n_features, None)
            weights[:, free] = centred[:, free]
            theta = weights.ravel()
        coef = np.atleast_2d(unit.coef(theta))
        intercept = np.atleast_1d(unit.intercept(theta))
        self.coef_ = np.array(coef, dtype=dtype)
        self.intercept_ = (
            np.array(intercept, dtype=dtype)
            if self.fit_intercept
            else np.zeros(len(coef), dtype=dtype)
        )

    def _separates(self, X: Any, y_index: np.ndarray, weight: FloatArray) -> bool:
        """Whether the fitted model classifies every weighted sample right.

        Without a penalty such a fit has found a separating hyperplane:
        scaling it up lowers the loss forever, so no finite maximum-likelihood
        estimate exists. (The Dask path checks its blocks with this; in memory
        the statistics record diagnoses separation in more detail.)
        """
        return classifies_every_row(self.decision_function(X), y_index, weight)

    def _print_progress(self, solver_name: str, info: IterationInfo) -> None:
        print(
            f"[{solver_name}] iter {info.iteration:5d}  "
            f"cost {info.value:.10g}  max|grad| {info.gradient_max:.3e}"
        )

    # -- predicting --------------------------------------------------------
    def decision_function(self, X: Any) -> FloatArray:
        """Raw prediction ``z = X @ coef_.T + intercept_``: shape (n,) for two
        classes (the log-odds of ``classes_[1]``), (n, n_classes) otherwise."""
        if dask_dispatch.is_dask_collection(X):
            return dask_dispatch.lazy_predict(self, X, "decision_function")
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32),
            reset=False,
        )
        raw = np.asarray(X @ self.coef_.T) + self.intercept_
        return raw.ravel() if raw.shape[1] == 1 else raw

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels: ``classes_[1]`` where ``sigmoid(z) > 0.5`` (i.e.
        ``z > 0``), or the class of largest ``z`` for softmax."""
        if dask_dispatch.is_dask_collection(X):
            return dask_dispatch.lazy_predict(self, X, "predict")
        raw = self.decision_function(X)
        index = (raw > 0).astype(np.intp) if raw.ndim == 1 else raw.argmax(axis=1)
        return self.classes_[index]

    def predict_proba(self, X: Any) -> FloatArray:
        """Class probabilities, shape (n, n_classes): ``sigmoid`` or ``softmax``
        of ``decision_function``."""
        if dask_dispatch.is_dask_collection(X):
            return dask_dispatch.lazy_predict(self, X, "predict_proba")
        check_is_fitted(self)
        raw = self.decision_function(X)
        if raw.ndim == 1:
            return np.column_stack([sigmoid(-raw), sigmoid(raw)])
        return softmax(raw, axis=1)

    def predict_log_proba(self, X: Any) -> FloatArray:
        """Log class probabilities, computed stably from the raw prediction."""
        if dask_dispatch.is_dask_collection(X):
            return dask_dispatch.lazy_predict(self, X, "predict_log_proba")
        check_is_fitted(self)
        raw = self.decision_function(X)
        if raw.ndim == 1:
            return np.column_stack([log_sigmoid(-raw), log_sigmoid(raw)])
        return log_softmax(raw, axis=1)

    # -- inference ---------------------------------------------------------
    def summary(
        self,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
        reference: Any = None,
        odds_ratios: bool = False,
    ) -> inference.Summary:
        """Standard errors, z, p-values, Wald intervals and fit statistics.

        Only for unpenalised fits (``C=np.inf``): maximum-likelihood
        conventions as in R's ``glm``, Stata and statsmodels (dispersion 1,
        no degrees-of-freedom correction); sample weights act as frequency
        weights. See ``logitron.inference``.

        Parameters
        ----------
        alpha : float, default=0.05
            Intervals at level ``1 - alpha``.
        cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"
            Inverse Fisher information, or the White sandwich without (HC0)
            or with (HC1) the ``nobs / (nobs - k)`` factor.
        reference : class label, optional
            Softmax models only: the class the others are compared against
            (default ``classes_[0]``, as statsmodels' MNLogit).
        odds_ratios : bool, default=False
            Report ``exp(coef)`` and its interval (Stata's ``logit, or``).
            HC2, HC3 and clustered errors need the data: see ``statistics``.

        Returns
        -------
        Summary
            ``print`` it for the table; ``.to_frame()`` for a DataFrame;
            ``.params``, ``.bse``, ``.pvalues``, ``.conf_int``, ``.fit.aic``...
        """
        check_is_fitted(self)
        if cov_type in ("HC2", "HC3", "cluster"):
            raise ValueError(
                f"cov_type={cov_type!r} needs the training rows (leverages, clusters): "
                f"use model.statistics(X, y, cov_type={cov_type!r}, ...).summary()."
            )
        summary = inference.summarize_model(self, alpha, cov_type, reference)
        return with_odds_ratios(summary) if odds_ratios else summary

    def statistics(
        self, X: Any, y: Any = None, sample_weight: Any = None, **options: Any
    ) -> Statistics:
        """Every post-fit statistic from the training rows: robust and
        clustered covariances, tests, predictions with intervals, marginal
        effects, residuals. See ``logitron.inference.model_statistics``;
        ``options`` are ``cov_type``, ``groups``, ``convention``, ``reference``.
        """
        check_is_fitted(self)
        return statistics(self, X, y, sample_weight, **options)
