"""Timing ``solver="liblinear"`` on the problem it solves.

scikit-learn's liblinear penalises the intercept: it is the weight of an
appended feature of value ``intercept_scaling``, under the same penalty as
the others, so its optimum is not that of ``GapMeter``'s objective.
``LiblinearGapMeter`` measures the gap on liblinear's own problem (both
libraries' ``liblinear`` fit it, with the default ``intercept_scaling=1``):
the binary objective over ``[X | intercept_scaling]`` without a separate
intercept, ``C`` as given (it has no unpenalised form).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from tests.problems import Problem

from logitron.backends import as_data
from logitron.losses import BinaryCrossEntropy
from logitron.neuron import LinearUnit
from logitron.objective import LogisticObjective
from logitron.solvers import SOLVERS, SolverOptions

from .fitters import Fitted
from .harness import GapMeter

INTERCEPT_SCALING = 1.0


def liblinear_meter(problem: Problem) -> LiblinearGapMeter | None:
    """The meter of liblinear's problem, or None where liblinear does not
    apply (more than two classes, or no penalty)."""
    if len(np.unique(problem.y)) != 2 or np.isposinf(problem.C):
        return None
    return LiblinearGapMeter(problem)


class LiblinearGapMeter(GapMeter):
    """``GapMeter`` on liblinear's problem (module doc)."""

    def __init__(self, problem: Problem) -> None:
        X = problem.X.astype(np.float64) if problem.X.dtype != np.float64 else problem.X
        column = np.full((X.shape[0], 1), INTERCEPT_SCALING)
        design = sp.hstack([X, column], format="csr") if sp.issparse(X) else np.hstack(
            [X, column]
        )
        _, y_index = np.unique(problem.y, return_inverse=True)
        self.unit = LinearUnit(as_data(design), n_outputs=1, fit_intercept=False)
        self.objective = LogisticObjective(
            self.unit, BinaryCrossEntropy(), y_index.astype(np.float64),
            np.ones(len(y_index)), C=problem.C,
        )
        solver = "newton" if self.unit.n_params <= 2000 else "newton-cg"
        result = SOLVERS[solver].minimize(
            self.objective, np.zeros(self.unit.n_params), SolverOptions(tol=0.0, max_iter=500)
        )
        self.optimum = self.objective.value(result.theta)

    def value(self, fit: Fitted) -> float:
        weight = np.asarray(fit.intercept, dtype=np.float64).ravel() / INTERCEPT_SCALING
        return self.objective.value(np.concatenate([fit.coef.ravel(), weight]))
