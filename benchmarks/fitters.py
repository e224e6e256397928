"""The fits a benchmark times: logitron's solvers and scikit-learn's.

A fitter takes a problem, a tolerance (``None``: the library default) and an
iteration cap, and returns the fitted ``coef_`` and ``intercept_``; each is
timed end to end through the estimator's ``fit``, validation included, as a
user would call it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from tests.problems import Problem

from logitron import LogisticRegression


@dataclass(frozen=True)
class Fitter:
    """One solver of one library."""

    library: str
    solver: str
    #: First tolerance of the search for the loosest one that reaches the gap.
    first_tol: float | None
    max_iter: int

    @property
    def label(self) -> str:
        return f"{self.library} {self.solver}"

    def estimator(self, problem: Problem, tol: float | None) -> Any:
        make: Callable[..., Any] = (
            LogisticRegression if self.library == "logitron"
            else SklearnLogisticRegression
        )
        kwargs: dict[str, Any] = {
            "C": problem.C, "solver": self.solver, "max_iter": self.max_iter,
        }
        if tol is not None:
            kwargs["tol"] = tol
        if self.solver in ("sag", "saga"):
            kwargs["random_state"] = 0
        return make(**kwargs)


# Tolerances to start from: what reaches a relative gap of about 1e-8 on most
# problems (tol means different things to each solver; the search then
# loosens or tightens by factors of 10).
OURS = [
    Fitter("logitron", "auto", None, 1_000),
    Fitter("logitron", "newton", None, 200),
    Fitter("logitron", "newton-cg", None, 500),
    Fitter("logitron", "lbfgs", None, 5_000),
    # scikit-learn's solver names on logitron (its problem, our algorithms):
    # timed against scikit-learn's solver of the same name.
    Fitter("logitron", "newton-cholesky", None, 200),
    Fitter("logitron", "sag", None, 1_000),
    Fitter("logitron", "saga", None, 1_000),
]
#: Timed only when ``--solvers`` names liblinear, on liblinear's own problem
#: (an intercept penalised as a feature: ``liblinear_meter``).
LIBLINEAR = [
    Fitter("logitron", "liblinear", None, 1_000),
    Fitter("sklearn", "liblinear", 1e-8, 10_000),
]
SKLEARN = [
    Fitter("sklearn", "lbfgs", 1e-8, 20_000),
    Fitter("sklearn", "newton-cg", 1e-8, 2_000),
    Fitter("sklearn", "newton-cholesky", 1e-8, 500),
    Fitter("sklearn", "sag", 1e-4, 10_000),
    Fitter("sklearn", "saga", 1e-4, 10_000),
]


@dataclass(frozen=True)
class Fitted:
    """What a fit hands back to the benchmark."""

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    solver: str


def fitted(model: Any) -> Fitted:
    """The parameters of a fitted estimator of either library."""
    return Fitted(
        coef=np.asarray(model.coef_, dtype=np.float64),
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        n_iter=int(np.max(model.n_iter_)),
        solver=str(getattr(model, "solver_", model.solver)),
    )
