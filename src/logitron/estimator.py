"""``LogisticRegression``: the neuron behind scikit-learn's estimator contract."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from . import _lazy_record, _params, _scaling, _sklearn_params, _validation, fitting, inference
from ._numerics import FloatArray
from .array_api import dispatched_namespace
from .backends import is_dask_collection
from .backends.dask_backend import is_dask_frame
from .dask import inputs as dask_inputs
from .dask import lazy_record as dask_lazy_record
from .dask import statistics as dask_statistics
from .dask.sample_start import sample_start
from .estimator_array_api import ArrayAPIFit
from .estimator_statistics import FittedStatistics
from .neuron import LinearUnit
from .prediction import NeuronPredictions, SparseCoefMixin
from .streaming import PartialFit


class LogisticRegression(
    NeuronPredictions, SparseCoefMixin, FittedStatistics, PartialFit, ArrayAPIFit,
    ClassifierMixin, BaseEstimator,
):
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
        ``None`` starts from zero weights with ``solver="gd"`` (the recipe)
        and from the intercept-only model's optimum with the others (zero
        coefficients, intercepts the log-odds of the class shares); otherwise
        the start is drawn from N(0, 0.01^2) with this seed. The objective is
        convex, so the optimum does not depend on it.
    verbose : int, default=0
        Print the cost and gradient size after each iteration when > 0.
    penalty : {"l1", "l2", "elasticnet"}, None or "deprecated", default="deprecated"
        scikit-learn's deprecated penalty name: mapped onto ``l1_ratio``
        (1, 0, ``l1_ratio``) and ``C`` (``None`` is ``C=np.inf``) with its
        FutureWarning, as scikit-learn 1.9 does.
    dual : bool, default=False
        scikit-learn's liblinear dual formulation: only with
        ``solver="liblinear"`` and an L2 penalty. Its optimum is the primal
        one, which is what is computed.
    intercept_scaling : float, default=1.0
        With ``solver="liblinear"`` the intercept is the weight of an
        appended feature of this value, penalised like the others (the
        fitted ``intercept_`` is ``intercept_scaling`` times that weight).
    n_jobs : int or None, default=None
        No effect (a FutureWarning when set), as in scikit-learn >= 1.8.

    scikit-learn's solver names are accepted and fit the problem its solver
    of that name fits, with our algorithms: ``"newton-cholesky"`` with
    ``"newton"``, ``"sag"`` and ``"saga"`` with ``"auto"`` (``"saga"``
    alone also takes L1), ``"liblinear"`` with ``"auto"`` on the
    intercept-penalised problem (two classes only, as in scikit-learn 1.9).
    Their ``tol`` is capped at 1e-8 in our units; see ``docs/sklearn.md``.

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
        log-likelihoods behind ``summary()`` (see ``logitron.inference``),
        computed when first read from the training data the fit keeps a
        reference to (``compute_statistics``, ``docs/inference.md``); on
        Dask input at fit, from one more pass over the blocks.

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

    # scikit-learn's declaration of the constructor's constraints.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = _params.parameter_constraints(
        _sklearn_params.ACCEPTED_SOLVERS
    )

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
        penalty: str | None = "deprecated",
        dual: bool = False,
        intercept_scaling: float = 1.0,
        n_jobs: int | None = None,
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
        # scikit-learn 1.9's parameters (see logitron._sklearn_params).
        self.penalty = penalty
        self.dual = dual
        self.intercept_scaling = intercept_scaling
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        # torch, CuPy, array-api-strict X under array_api_dispatch (array_api/).
        tags.array_api_support = True
        return tags

    # -- fitting -----------------------------------------------------------
    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None
    ) -> LogisticRegression:
        """Fit the neuron to ``X`` (n, d) and labels ``y`` (n,).

        ``sample_weight`` (n,) are non-negative frequency-like weights: an
        integer weight equals repeating the row. ``offset`` (n,), two classes
        only, is a known term of each row's log-odds with coefficient 1
        (``z = X @ coef.T + intercept + offset``, statsmodels' ``offset=``, R's
        ``offset()``); predictions then take the new rows' offset. ``X`` may
        be a dask array or DataFrame (``y`` and weights partitioned alike):
        the n-sized work then runs on the Dask cluster, one graph per solver
        iteration.
        """
        # Types first, as scikit-learn checks them before its own warnings.
        _validation.check_params(self, _sklearn_params.ACCEPTED_SOLVERS)
        # scikit-learn's penalty and solver names, read as the problem they name.
        plan = _sklearn_params.plan_fit(self)
        plan.check_input(X, y, sample_weight)
        if is_dask_collection(X, y, sample_weight, offset):
            if offset is not None:
                raise NotImplementedError(
                    "offset is not supported on Dask collections; fit in memory."
                )
            return self._fit_dask(X, y, sample_weight, plan)
        # array_api_dispatch=True and a non-NumPy X: fitted on its device.
        namespace = dispatched_namespace(X)
        if namespace is not None:
            return self._fit_namespace(namespace, X, y, sample_weight, offset, plan)
        response_name = inference.response_name(y)
        X, y, column_squares = _validation.check_training_data(self, X, y)
        X = plan.check_data(X, y)
        classes, y_index = _validation.encode_labels(y)
        weight = _validation.check_weights(
            X, y_index, classes, sample_weight, self.class_weight
        )
        offset = _validation.check_offset(offset, X.shape[0], len(classes))
        self._fit_arrays(
            X, y_index, classes, weight, response_name, plan, offset, column_squares
        )
        # Collinear columns are named at fit, not only at summary(); a record
        # left pending passed the fit's collinearity screen.
        inference.collinearity.warn_if_collinear(self._computed_record(), stacklevel=2)
        return self

    def _fit_arrays(
        self,
        X: Any,
        y_index: np.ndarray,
        classes: np.ndarray,
        weight: FloatArray,
        response_name: str = "y",
        plan: _sklearn_params.Plan | None = None,
        offset: FloatArray | None = None,
        column_squares: _scaling.ColumnSquares | None = None,
    ) -> LogisticRegression:
        """``fit`` on data it has already checked: ``X`` validated, labels
        encoded as indices into ``classes``, weights with class weights folded
        in, a checked ``offset`` or None; ``plan`` the problem the parameters
        name (``None``: logitron's own parameters, as ``LogisticRegressionCV``
        calls it once per ``C`` of a fold's path, after checking the fold once);
        ``column_squares`` the check's ``_scaling.column_squares(X)``, if any."""
        plan = plan or _sklearn_params.plain_plan(self)
        self.n_features_in_ = X.shape[1]
        names = inference.feature_names(getattr(self, "feature_names_in_", None), X.shape[1])
        outcome = fitting.fit_arrays(
            plan.design(X), y_index, len(classes), weight, self._settings(plan),
            plan.previous(self._previous(classes, X.shape[1])), self.random_state,
            [*names, "intercept_scaling"] if plan.penalised_intercept else names, offset,
            plan.design_squares(column_squares),
        )
        self._set_fitted(outcome, classes, plan)
        record, pending = None, None
        if plan.C == np.inf:  # np.isposinf costs 2 us a call on a scalar
            # The record waits for its first reader (_lazy_record) unless the
            # fit's own checks need it now.
            record, pending = _lazy_record.after_fit(
                outcome, X, y_index, feature_names=names,
                class_names=[str(label) for label in classes], response_name=response_name,
            )
        self._set_record(record, pending)
        self._warn(outcome, record.separation if record else "", plan)
        return self

    def _fit_dask(
        self, X: Any, y: Any, sample_weight: Any, plan: _sklearn_params.Plan
    ) -> LogisticRegression:
        """``fit`` on dask input: one graph per solver iteration; for
        ``C=np.inf`` the record waits for its first reader (``dask.lazy_record``)
        unless the separation screen needs it now."""
        settings = self._settings(plan)
        objective, classes = dask_inputs.training_problem(
            self, X, y, sample_weight, settings
        )
        solver = fitting.resolve_solver(
            settings, objective.unit, len(classes), distributed=True
        )
        stats = objective.label_stats
        previous = self._previous(classes, objective.unit.n_features)
        start = fitting.starting_point(
            objective.unit, settings, solver, previous, self.random_state,
            None if stats is None else stats.weight_sums * objective.model.class_weight,
        )
        theta0 = sample_start(objective, solver, start)
        outcome = fitting.minimize(objective, solver, settings, theta0)
        self._set_fitted(outcome, classes, plan)
        record, pending = None, None
        if np.isposinf(plan.C):
            record, pending = dask_lazy_record.after_fit(
                objective, outcome,
                feature_names=inference.feature_names(
                    getattr(self, "feature_names_in_", None), objective.model.n_features
                ),
                class_names=[str(label) for label in classes],
                response_name=inference.response_name(y) if is_dask_frame(y) else "y",
            )
        self._set_record(record, pending)
        self._warn(outcome, dask_statistics.separation_warning(record) if record else "", plan)
        return self

    def _settings(self, plan: _sklearn_params.Plan) -> fitting.FitSettings:
        return fitting.FitSettings(
            C=float(plan.C), l1_ratio=float(plan.l1_ratio),
            fit_intercept=bool(self.fit_intercept) and not plan.penalised_intercept,
            solver=str(plan.solver), tol=plan.tol, max_iter=self.max_iter,
            learning_rate=float(self.learning_rate), verbose=int(self.verbose),
        )

    def _previous(
        self, classes: np.ndarray, n_features: int
    ) -> tuple[FloatArray, FloatArray] | None:
        """``(coef_, intercept_)`` to warm-start from, when asked and they fit."""
        coef = getattr(self, "coef_", None)
        warm = (
            self.warm_start
            and coef is not None
            and np.array_equal(getattr(self, "classes_", np.empty(0)), classes)
            and coef.shape[1] == n_features
        )
        return (coef, self.intercept_) if warm and coef is not None else None

    def _start(self, unit: LinearUnit, classes: np.ndarray) -> FloatArray:
        """Previous weights (warm start), zeros, or N(0, 0.01^2) (``partial_fit``)."""
        previous = self._previous(classes, unit.n_features)
        return fitting.initial_theta(unit, previous, self.random_state)

    def _set_fitted(
        self, outcome: fitting.FitOutcome, classes: np.ndarray, plan: _sklearn_params.Plan
    ) -> None:
        unit = outcome.objective.unit
        self.classes_ = classes
        self.solver_ = outcome.solver
        self.n_iter_ = np.array([outcome.result.n_iter], dtype=np.int32)
        self.loss_curve_ = list(outcome.result.history)
        coef, intercept = plan.coefficients(*outcome.unpack(_centre_coef(plan.C, plan.l1_ratio)))
        self.coef_ = np.array(coef, dtype=unit.data.dtype)
        self.intercept_ = np.array(intercept, dtype=unit.data.dtype)

    def _set_coefficients(self, unit: LinearUnit, theta: FloatArray) -> None:
        centre_coef = _centre_coef(self.C, self.l1_ratio)
        coef, intercept = unit.unpack(theta, centre_coef=centre_coef)
        dtype = unit.data.dtype
        self.coef_ = np.array(coef, dtype=dtype)
        self.intercept_ = np.array(intercept, dtype=dtype)

    def _warn(
        self, outcome: fitting.FitOutcome, separation: str, plan: _sklearn_params.Plan
    ) -> None:
        # Warnings point at the caller of fit (fit, _fit_*, here).
        if inference.separation.warn_if_separated(separation, stacklevel=4):
            return
        if not outcome.result.converged:
            result = outcome.result
            message = plan.convergence_message(result.message, result.n_iter)
            warnings.warn(message, ConvergenceWarning, stacklevel=4)


def _centre_coef(C: float, l1_ratio: float) -> bool:
    """Whether ``coef_`` is the zero-sum softmax representative
    (``LinearUnit.unpack``): without a penalty, or under a pure L2 one."""
    return bool(C == np.inf) or float(l1_ratio) == 0.0
