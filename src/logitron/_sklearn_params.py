"""scikit-learn 1.9's parameters of ``LogisticRegression``, read into ours.

scikit-learn code names its problem with ``penalty`` (deprecated in 1.8),
``C``, ``l1_ratio`` and a ``solver`` from its own list; logitron fits every
one of those problems with its own algorithms. This module turns such a
parameter set into a :class:`Plan` -- the objective's ``C`` and
``l1_ratio`` and one of our registered solvers -- raising scikit-learn's
errors and warnings (same classes, same wording where the wording names no
scikit-learn internals) along the way. The estimator then fits the plan.

scikit-learn's solver names and what each minimises here:

    "lbfgs", "newton-cg"   ours of the same name (smooth penalties only)
    "newton-cholesky"      our "newton" (a Cholesky-solved Newton step)
    "sag"                  "auto" among our smooth solvers (sag's problem is smooth)
    "saga"                 "auto": proximal Newton for an L1 term, else smooth
    "liblinear"            "auto" on X with a column of ``intercept_scaling``
                           appended and no separate intercept, so that the
                           intercept is penalised as a feature, as liblinear does
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import _scaling
from ._numerics import FloatArray
from .backends import is_dask_collection
from .solvers import SOLVERS

#: scikit-learn 1.9's solver names.
SKLEARN_SOLVERS = ("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga")

#: Every accepted solver name but "auto": ours, then scikit-learn's others.
ACCEPTED_SOLVERS = list(dict.fromkeys([*SOLVERS, *SKLEARN_SOLVERS]))

#: Our solver for each scikit-learn name that we do not register ourselves.
_OUR_SOLVER = {"newton-cholesky": "newton", "sag": "auto", "saga": "auto", "liblinear": "auto"}

_PENALTIES = ("l1", "l2", "elasticnet", None, "deprecated")

#: scikit-learn's own words when its solver stops at max_iter; ours follow
#: them (with what the iterate had reached and what to do).
_NOT_CONVERGED = {
    "lbfgs": "lbfgs failed to converge",
    "newton-cg": "newton-cg failed to converge. Increase the number of iterations.",
    "newton-cholesky": "Newton solver did not converge after {n_iter} iterations",
    "sag": "The max_iter was reached which means the coef_ did not converge",
    "saga": "The max_iter was reached which means the coef_ did not converge",
    "liblinear": "Liblinear failed to converge, increase the number of iterations.",
}

#: The loosest tolerance a scikit-learn solver name gets. scikit-learn's
#: ``tol`` is in each of its solvers' own units (a change of coefficients for
#: sag/saga, a gradient norm for lbfgs); ours stop on the gradient of the
#: mean-scale objective, whose 1e-8 is tighter than any of them at 1e-4.
_LOOSEST_TOL = 1e-8

_PENALTY_DEPRECATED = (
    "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To avoid "
    "this warning, leave 'penalty' set to its default value and use 'l1_ratio' or "
    "'C' instead. Use l1_ratio=0 instead of penalty='l2', l1_ratio=1 instead of "
    "penalty='l1', l1_ratio set to a float between 0 and 1 instead of "
    "penalty='elasticnet', and C=np.inf instead of penalty=None."
)


@dataclass(frozen=True)
class Plan:
    """The problem a parameter set names, the solver we fit it with, and
    what the data need for it.

    ``penalised_intercept`` (liblinear) fits ``[X, intercept_scaling]``
    without a separate intercept and maps the last weight back;
    ``sklearn_solver`` is the scikit-learn solver name asked for, if any
    (its convergence warning opens with scikit-learn's words).
    """

    C: float
    l1_ratio: float
    solver: str
    penalised_intercept: bool = False
    tol: float | None = None
    sklearn_solver: str | None = None
    intercept_scaling: float = 1.0

    def check_input(self, X: Any, y: Any, sample_weight: Any) -> None:
        """What scikit-learn's liblinear, sag and saga refuse before any fit."""
        if self.sklearn_solver in ("liblinear", "sag", "saga"):
            _check_32bit_indices(X)
        if self.sklearn_solver == "liblinear" and is_dask_collection(X, y, sample_weight):
            raise NotImplementedError(
                "solver='liblinear' needs X in memory (it appends a column to X); "
                "on Dask collections use another solver, e.g. 'auto'."
            )

    def check_data(self, X: Any, y: np.ndarray) -> Any:
        """Checked ``X`` as the solver name needs it (liblinear: float64, two
        classes, no value above 1e30, as scikit-learn's liblinear path)."""
        if self.sklearn_solver != "liblinear":
            return X
        return _liblinear_data(X, y)

    def design(self, X: Any) -> Any:
        """``X``, or ``[X, intercept_scaling]`` for a penalised intercept."""
        if not self.penalised_intercept:
            return X
        return _append_column(X, self.intercept_scaling)

    def design_squares(
        self, squares: _scaling.ColumnSquares | None
    ) -> _scaling.ColumnSquares | None:
        """``_scaling.column_squares`` of ``design(X)`` given that of ``X``
        (None for ``[X, intercept_scaling]``: the fit sizes it itself)."""
        return None if self.penalised_intercept else squares

    def previous(
        self, previous: tuple[FloatArray, FloatArray] | None
    ) -> tuple[FloatArray, FloatArray] | None:
        """A warm start ``(coef_, intercept_)`` in the layout of ``design``."""
        if previous is None or not self.penalised_intercept:
            return previous
        coef, intercept = previous
        return np.hstack([coef, intercept[:, None] / self.intercept_scaling]), intercept

    def coefficients(
        self, coef: FloatArray, intercept: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``(coef_, intercept_)`` of the caller's columns from the fit of
        ``design``: a penalised intercept is its column's weight times
        ``intercept_scaling``."""
        if not self.penalised_intercept:
            return coef, intercept
        return coef[:, :-1].copy(), np.asarray(self.intercept_scaling * coef[:, -1])

    def convergence_message(self, message: str, n_iter: int) -> str:
        """scikit-learn's opening words for its solver name, then ours."""
        if self.sklearn_solver not in _NOT_CONVERGED:
            return message
        return f"{_NOT_CONVERGED[self.sklearn_solver].format(n_iter=n_iter)}: {message}"


def plain_plan(estimator: Any) -> Plan:
    """The plan of an estimator whose parameters are logitron's own (a
    ``LogisticRegressionCV`` path's template): nothing to translate."""
    return Plan(C=estimator.C, l1_ratio=estimator.l1_ratio, solver=estimator.solver,
                tol=estimator.tol)


def _same(planned: Any, given: Any) -> bool:
    # A nan is left for the estimator's own checks to name; it must not
    # count as a change (the translated fit would meet it again).
    try:
        return bool(planned == given or (np.isnan(float(planned)) and np.isnan(float(given))))
    except (TypeError, ValueError):
        return planned is given


def named_penalty(estimator: Any, l1_ratio: Any) -> str | None:
    """scikit-learn's penalty name for the estimator's parameters, with the
    FutureWarning a set ``penalty`` (or ``l1_ratio=None``) raises."""
    penalty = estimator.penalty
    if penalty not in _PENALTIES:
        raise ValueError(
            "The 'penalty' parameter must be a str among {'l1', 'l2', 'elasticnet'} "
            f"or None (deprecated: prefer l1_ratio and C); got {penalty!r}."
        )
    if penalty != "deprecated":
        warnings.warn(_PENALTY_DEPRECATED, FutureWarning, stacklevel=4)
        return str(penalty) if penalty is not None else None
    if l1_ratio is None:
        warnings.warn(
            "'l1_ratio=None' was deprecated in version 1.8 and will trigger an error "
            "in 1.10. Use 0<=l1_ratio<=1 instead.",
            FutureWarning,
            stacklevel=4,
        )
    if l1_ratio is None or l1_ratio == 0:
        named: str | None = "l2"
    elif l1_ratio == 1:
        named = "l1"
    else:
        named = "elasticnet"
    return None if estimator.C == np.inf else named


def check_solver(solver: str, penalty: str | None, dual: Any) -> None:
    """scikit-learn's ``_check_solver``: which of its solvers fit which
    penalty. Our own solver names are checked by the estimator."""
    if not isinstance(dual, bool | np.bool_):
        raise ValueError(f"dual must be True or False; got {dual!r}.")
    if solver not in SKLEARN_SOLVERS:
        if dual:
            raise ValueError(f"Solver {solver} supports only dual=False, got dual={dual}")
        return
    if solver not in ("liblinear", "saga") and penalty not in ("l2", None):
        raise ValueError(
            f"Solver {solver} supports only 'l2' or None penalties, got {penalty} penalty."
        )
    if solver != "liblinear" and dual:
        raise ValueError(f"Solver {solver} supports only dual=False, got dual={dual}")
    if penalty == "elasticnet" and solver != "saga":
        raise ValueError(
            f"Only 'saga' solver supports elasticnet penalty, got solver={solver}."
        )
    if solver == "liblinear" and penalty is None:
        raise ValueError(
            "C=np.inf as well as penalty=None is not supported for the liblinear solver"
        )
    if solver == "liblinear" and penalty == "l1" and dual:
        raise ValueError(
            "Unsupported set of arguments: The combination of penalty='l1' and "
            "loss='logistic_regression' are not supported when dual=True, Parameters: "
            "penalty='l1', loss='logistic_regression', dual=True"
        )


def check_common(estimator: Any) -> None:
    """``n_jobs`` (no effect, as in scikit-learn 1.8+) and ``intercept_scaling``."""
    n_jobs = estimator.n_jobs
    if n_jobs is not None and not isinstance(n_jobs, numbers.Integral):
        raise ValueError(f"n_jobs must be an int or None; got {n_jobs!r}.")
    scaling = estimator.intercept_scaling
    if (
        not isinstance(scaling, numbers.Real)
        or isinstance(scaling, bool)
        or not 0 < float(scaling) < np.inf
    ):
        raise ValueError(
            f"The 'intercept_scaling' parameter of {type(estimator).__name__} must be "
            f"a float in the range (0.0, inf). Got {scaling!r} instead."
        )


def plan_fit(estimator: Any) -> Plan:
    """Read a ``LogisticRegression``'s parameters as scikit-learn 1.9 does."""
    check_common(estimator)
    if estimator.n_jobs is not None:
        warnings.warn(
            "'n_jobs' has no effect since 1.8 and will be removed in 1.10. You "
            f"provided 'n_jobs={estimator.n_jobs}', please leave it unspecified.",
            FutureWarning,
            stacklevel=3,
        )
    l1_ratio = estimator.l1_ratio
    penalty = named_penalty(estimator, l1_ratio)
    check_solver(estimator.solver, penalty, estimator.dual)
    if penalty != "elasticnet" and l1_ratio is not None and 0 < l1_ratio < 1:
        warnings.warn(
            "l1_ratio parameter is only used when penalty is 'elasticnet'. Got "
            f"(penalty={penalty})",
            UserWarning,
            stacklevel=3,
        )
    given = estimator.penalty
    if (given == "l2" and l1_ratio != 0) or (given == "l1" and l1_ratio != 1):
        warnings.warn(
            f"Inconsistent values: penalty={given} with l1_ratio={l1_ratio}. penalty "
            "is deprecated. Please use l1_ratio only.",
            UserWarning,
            stacklevel=3,
        )
    if penalty == "elasticnet" and l1_ratio is None:
        raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
    C = estimator.C
    if given is None:
        if C != 1.0:
            warnings.warn(
                "Setting penalty=None will ignore the C and l1_ratio parameters",
                UserWarning,
                stacklevel=3,
            )
        C = np.inf
    effective_l1 = {"l1": 1.0, "l2": 0.0, None: 0.0}.get(penalty, l1_ratio)
    solver = _OUR_SOLVER.get(estimator.solver, estimator.solver)
    tol = estimator.tol
    if estimator.solver in SKLEARN_SOLVERS and tol is not None:
        tol = min(tol, _LOOSEST_TOL)
    return Plan(
        C=C, l1_ratio=float(effective_l1), solver=solver,
        penalised_intercept=estimator.solver == "liblinear" and estimator.fit_intercept,
        tol=tol,
        sklearn_solver=estimator.solver if estimator.solver in SKLEARN_SOLVERS else None,
        intercept_scaling=float(estimator.intercept_scaling),
    )


def _check_32bit_indices(X: Any) -> None:
    # scikit-learn's liblinear, sag and saga take 32-bit sparse indices only;
    # code written for them is told the same.
    if sp.issparse(X) and any(
        getattr(X, name, np.empty(0, np.int32)).dtype == np.int64
        for name in ("indices", "indptr", "row", "col")
    ):
        raise ValueError(
            "Only sparse matrices with 32-bit integer indices are accepted by "
            "scikit-learn's liblinear, sag and saga solvers (and their names here); "
            "got int64 indices. Use another solver name, e.g. 'auto'."
        )


def _liblinear_data(X: Any, y: np.ndarray) -> Any:
    """The checks scikit-learn's liblinear path makes: two classes only
    (its liblinear fits no multinomial model) and no value above 1e30."""
    # liblinear computes in float64 and so returns float64 coefficients.
    X = X.astype(np.float64, copy=False)
    if len(np.unique(y)) > 2:
        raise ValueError(
            "The 'liblinear' solver does not support multiclass classification "
            "(n_classes >= 3). Either use another solver or wrap the estimator in a "
            "OneVsRestClassifier to keep applying a one-versus-rest scheme."
        )
    if X.shape[0] and (X.max() > 1e30):
        raise ValueError(
            "Using the 'liblinear' solver while X contains a maximum value > 1e30 "
            "results in a frozen fit. Please choose another solver or rescale the "
            "input X."
        )
    return X


def _append_column(X: Any, value: float) -> Any:
    column = np.full((X.shape[0], 1), value, dtype=X.dtype)
    if sp.issparse(X):
        return sp.hstack([X, sp.csr_matrix(column)], format=X.format)
    return np.hstack([X, column])
