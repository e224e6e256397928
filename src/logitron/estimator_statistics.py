"""The statistics of a fitted model: ``summary()`` from the record of the
fit (computed when first asked for, ``_lazy_record``), ``statistics(X, y)``
for everything that needs the training rows again
(``inference.model_statistics``)."""

from __future__ import annotations

from typing import Any, TypeVar

from sklearn.utils.validation import check_is_fitted

from . import inference
from ._lazy_record import LazyRecord
from .backends import is_dask_collection
from .dask import model_statistics as dask_model_statistics
from .inference.model_statistics import statistics, with_odds_ratios

Fitted = TypeVar("Fitted", bound="FittedStatistics")


class FittedStatistics:
    """``summary`` and ``statistics`` of a fitted ``LogisticRegression``
    (its ``inference_`` record and ``C``)."""

    C: float

    # -- the record, computed when first read -------------------------------
    @property
    def inference_(self) -> inference.FitInference | None:
        """The statistics record of an unpenalised fit (None for a penalised
        one), computed from the kept training data on first access."""
        state = self.__dict__
        pending: LazyRecord | None = state.get("_pending_record")
        if pending is not None:
            state["_inference_record"] = pending.compute()
            del state["_pending_record"]
        if "_inference_record" not in state:
            raise AttributeError("'inference_' is set by fit")
        record: inference.FitInference | None = state["_inference_record"]
        return record

    @inference_.setter
    def inference_(self, record: inference.FitInference | None) -> None:
        self.__dict__.pop("_pending_record", None)
        self.__dict__.pop("_training_data_released", None)
        self.__dict__["_inference_record"] = record

    def _set_record(
        self, record: inference.FitInference | None, pending: LazyRecord | None
    ) -> None:
        """The fit's record, or the data to compute it from later."""
        self.inference_ = record
        if pending is not None:
            self.__dict__["_pending_record"] = pending

    def _computed_record(self) -> inference.FitInference | None:
        """The record when it is computed already, without computing it."""
        return None if "_pending_record" in self.__dict__ else self.inference_

    def compute_statistics(self: Fitted) -> Fitted:
        """Compute the statistics record now and let go of the training data.

        An unpenalised fit keeps a reference to its training ``X`` (no copy)
        and a few n-sized vectors until the record is first needed
        (``docs/inference.md``); call this to free them, or before changing
        ``X`` in place. Nothing to do for a penalised fit or a loaded model.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        self.inference_  # noqa: B018 (computing it is the point)
        return self

    def release_training_data(self: Fitted) -> Fitted:
        """Let go of the training data without computing the record:
        ``summary()``, ``statistics(X, y)`` and the record itself
        (``inference_`` is None) are then unavailable until the next fit.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if self.__dict__.pop("_pending_record", None) is not None:
            self.__dict__["_inference_record"] = None
            self.__dict__["_training_data_released"] = True
        return self

    def __getstate__(self) -> dict[str, Any]:
        # A pickle carries the record, never the training data.
        if "_pending_record" in self.__dict__:
            self.compute_statistics()
        state: dict[str, Any] = super().__getstate__()  # type: ignore[misc]
        return state

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
        if self.__dict__.get("_training_data_released"):
            raise ValueError(
                "summary() needs the statistics record, but this model's training "
                "data were released by release_training_data() before it was "
                "computed. Fit again, and call compute_statistics() (or summary()) "
                "before releasing them."
            )
        pending: LazyRecord | None = self.__dict__.get("_pending_record")
        # The default covariance needs no meat: one Gram product, not two
        # (in memory; on Dask one pass computes both).
        record = (
            pending.information_record()
            if pending is not None and pending.meat_apart and cov_type == "nonrobust"
            else getattr(self, "inference_", None)
        )
        summary = inference.summarize_fit(record, self.C, alpha, cov_type, reference)
        return with_odds_ratios(summary) if odds_ratios else summary

    def statistics(
        self, X: Any, y: Any = None, sample_weight: Any = None, **options: Any
    ) -> Any:  # Statistics; DaskStatistics (a subset of its methods) on Dask rows
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
