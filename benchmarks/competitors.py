"""glum and statsmodels as competitors in the in-memory suite.

Each is wrapped in a small estimator with scikit-learn's fitted attributes
(``coef_``, ``intercept_``, ``n_iter_``), so the harness times it through
``fit`` like the others and measures its gap with the same ruler.

* **glum** (``GeneralizedLinearRegressor``, binomial family, two classes
  only) minimises ``deviance / (2 * n) + alpha / 2 * coef @ coef`` with
  ``deviance = 2 * sum(log_loss)``; scikit-learn's
  ``C * sum(log_loss) + coef @ coef / 2`` divided by ``C * n`` is the same
  objective at ``alpha = 1 / (C * n)`` (0 for ``C = inf``). Its ``tol`` is
  ``gradient_tol``.
* **statsmodels** (``Logit``, Newton's method, two classes, no penalty):
  fitted only where ``C = inf``, as ``sm.Logit(y, sm.add_constant(X))``; its
  ``tol`` is Newton's tolerance on the change of the parameters.

Both are imported when first fitted: glum lives only in the benchmark
environment.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from tests.problems import Problem

from .fitters import Fitter


class GlumLogistic:
    """glum's binomial GLM behind scikit-learn's attribute names."""

    solver = "irls"

    def __init__(self, C: float, tol: float | None, max_iter: int) -> None:
        self.C, self.tol, self.max_iter = C, tol, max_iter

    def fit(self, X: Any, y: np.ndarray) -> GlumLogistic:
        from glum import GeneralizedLinearRegressor

        alpha = 0.0 if np.isinf(self.C) else 1.0 / (self.C * X.shape[0])
        model = GeneralizedLinearRegressor(
            family="binomial", alpha=alpha, l1_ratio=0.0, fit_intercept=True,
            gradient_tol=self.tol, max_iter=self.max_iter,
        )
        model.fit(X, y)
        self.coef_ = np.asarray(model.coef_)[None, :]
        self.intercept_ = np.atleast_1d(model.intercept_)
        self.n_iter_ = np.atleast_1d(model.n_iter_)
        return self


class StatsmodelsLogit:
    """statsmodels' unpenalised ``Logit`` behind scikit-learn's names."""

    solver = "newton"

    def __init__(self, tol: float | None, max_iter: int) -> None:
        self.tol, self.max_iter = tol, max_iter

    def fit(self, X: Any, y: np.ndarray) -> StatsmodelsLogit:
        import statsmodels.api as sm

        options: dict[str, Any] = {"maxiter": self.max_iter, "disp": 0}
        if self.tol is not None:
            options["tol"] = self.tol
        result = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(
            method="newton", **options
        )
        params = np.asarray(result.params)
        self.coef_ = params[None, 1:]
        self.intercept_ = params[:1]
        self.n_iter_ = np.array([result.mle_retvals["iterations"]])
        return self


class CompetitorFitter(Fitter):
    """A fitter of another library than logitron or scikit-learn."""

    def applies(self, problem: Problem) -> str | None:
        """Why this library cannot fit ``problem`` (None: it can)."""
        if self.library == "glum" and importlib.util.find_spec("glum") is None:
            return "glum not installed"
        if problem.is_sparse:
            return "dense only here"
        if problem.n_classes > 2:
            return "two classes only"
        if self.library == "statsmodels" and not np.isinf(problem.C):
            return "no penalty only"
        return None

    def estimator(self, problem: Problem, tol: float | None) -> Any:
        if self.library == "glum":
            return GlumLogistic(problem.C, tol, self.max_iter)
        return StatsmodelsLogit(tol, self.max_iter)


COMPETITORS = [
    CompetitorFitter("glum", "irls", 1e-8, 200),
    CompetitorFitter("statsmodels", "newton", 1e-8, 200),
]


def skip_reason(fitter: Fitter, problem: Problem) -> str | None:
    """Why ``fitter`` is not run on ``problem`` (None: it is run)."""
    if isinstance(fitter, CompetitorFitter):
        return fitter.applies(problem)
    return None
