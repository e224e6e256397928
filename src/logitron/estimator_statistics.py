"""The statistics of a fitted model: ``summary()`` from the record kept at
fit, ``statistics(X, y)`` for everything that needs the training rows again
(``inference.model_statistics``)."""

from __future__ import annotations

from typing import Any

from sklearn.utils.validation import check_is_fitted

from . import inference
from .backends import is_dask_collection
from .dask import model_statistics as dask_model_statistics
from .inference.model_statistics import Statistics, statistics, with_odds_ratios


class FittedStatistics:
    """``summary`` and ``statistics`` of a fitted ``LogisticRegression``
    (its ``inference_`` record and ``C``)."""

    C: float

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
        summary = inference.summarize_fit(
            getattr(self, "inference_", None), self.C, alpha, cov_type, reference
        )
        return with_odds_ratios(summary) if odds_ratios else summary

    def statistics(
        self, X: Any, y: Any = None, sample_weight: Any = None, **options: Any
    ) -> Statistics | dask_model_statistics.DaskStatistics:
        """Every post-fit statistic from the training rows: robust and
        clustered covariances, tests, predictions with intervals, marginal
        effects, residuals. See ``logitron.inference.model_statistics``;
        ``options`` are ``cov_type``, ``groups``, ``convention``, ``reference``
        and ``offset`` (the fit's, when it had one). Dask rows (``X``, ``y``,
        weights and ``groups`` as dask collections) give ``DaskStatistics``
        (``logitron.dask.model_statistics``), computed from block sums.
        """
        check_is_fitted(self)
        if is_dask_collection(X, y, sample_weight, options.get("groups")):
            # Dask rows stay on the cluster: the same answers from block sums.
            return dask_model_statistics.statistics(self, X, y, sample_weight, **options)
        return statistics(self, X, y, sample_weight, **options)
