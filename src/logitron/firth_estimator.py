"""``FirthLogisticRegression``: Firth's fit behind scikit-learn's contract.

A separate estimator rather than a ``LogisticRegression(firth=True)`` option:
the Firth fit has its own solver (the modified score, ``firth.py``), its own
statistics (profile penalised likelihood) and no ``C``, ``l1_ratio`` or
``solver``; a flag would switch most of ``LogisticRegression``'s parameters
off. The two share the numerics and the data checks.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _validation
from ._numerics import FloatArray, log1pexp, sigmoid, softmax
from .backends import is_dask_collection
from .dask import firth as dask_firth
from .dask import predict as dask_predict
from .firth import FirthResult, design_matrix, fit_penalised
from .firth_softmax import fit_softmax_penalised
from .firth_summary import FirthSummary, firth_summary
from .profile import ProfileIntervals, ProfileProblem, profile_intervals

CORRECTIONS = (None, "flic", "flac")


class FirthLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression by Firth's penalised likelihood.

    Maximises (Firth 1993; Heinze & Schemper 2002)::

        l(beta) + 0.5 * log(det(I(beta)))
        l = sum_i s_i * (y_i * z_i - log(1 + exp(z_i))),  z = X @ coef + intercept
        I = D.T @ diag(s * p * (1 - p)) @ D,              D = [X | 1]

    The estimate is finite even when the classes are separated, where the
    maximum-likelihood estimate does not exist, and its bias is of order
    ``1/n**2`` instead of ``1/n``. With K > 2 classes the same penalty on
    the softmax likelihood, each class against the first (``firth_softmax``).

    Parameters
    ----------
    fit_intercept : bool, default=True
    correction : {None, "flic", "flac"}, default=None
        Intercept corrections of Puhr et al. (2017), Statistics in Medicine
        36, that make the average predicted probability equal the observed
        event rate (Firth's penalty pulls it towards 1/2). ``"flic"`` refits
        the intercept by maximum likelihood with the Firth slopes held fixed;
        ``"flac"`` refits everything by maximum likelihood on the data
        augmented with pseudo-observations (each row twice, once per class,
        weighted ``h_i / 2``, flagged by an extra indicator column).
    tol : float, default=1e-10
        Largest coefficient step and modified-score component at which the
        iteration stops.
    max_iter : int, default=100

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        For K > 2 classes, each class against the first, whose row is 0
        (the softmax fit of ``firth_softmax``, as brglm2's ``brmultinom``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    covariance_ : ndarray of shape (q, q)
        ``inv(I)`` at the estimate, intercept last (as logistf's ``var``);
        for ``"flac"`` the augmented fit's, for ``"flic"`` the Firth fit's;
        for K > 2, class-major over classes ``1 .. K-1`` (``q = (K - 1) *
        (n_features + 1)``).
    penalised_loglik_ : float
        ``l + 0.5 * log det I`` at the Firth estimate.
    loglik_ : float
        ``l`` at the reported coefficients.
    n_iter_ : ndarray of shape (1,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np
    >>> from logitron import FirthLogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0, 0, 1, 1])          # separated: no finite MLE
    >>> model = FirthLogisticRegression().fit(X, y)
    >>> bool(np.isfinite(model.coef_).all())
    True
    """

    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        correction: str | None = None,
        tol: float = 1e-10,
        max_iter: int = 100,
    ) -> None:
        self.fit_intercept = fit_intercept
        self.correction = correction
        self.tol = tol
        self.max_iter = max_iter

    def _check_params(self) -> None:
        if self.correction not in CORRECTIONS:
            raise ValueError(
                f"correction must be one of {list(CORRECTIONS)}, got {self.correction!r}."
            )
        if self.correction is not None and not self.fit_intercept:
            raise ValueError(
                f"correction={self.correction!r} corrects the intercept and needs "
                "fit_intercept=True."
            )
        check_scalar(self.tol, "tol", numbers.Real, min_val=0.0, include_boundaries="neither")
        check_scalar(self.max_iter, "max_iter", numbers.Integral, min_val=1)

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, offset: Any = None
    ) -> FirthLogisticRegression:
        """Fit to ``X`` (n, d), two-class labels ``y`` (n,), optional
        frequency weights ``sample_weight`` and a fixed ``offset`` (n,) added
        to the linear predictor during the fit (not at prediction)."""
        self._check_params()
        if is_dask_collection(X, y, sample_weight, offset):
            return self._fit_dask(X, y, sample_weight, offset)
        if sp.issparse(X):
            raise TypeError(
                "Sparse data was passed, but FirthLogisticRegression needs dense X "
                "(its hat values come from the dense design); use X.toarray()."
            )
        X, y, _ = _validation.check_training_data(self, X, y)
        classes, y_index = _validation.encode_labels(y)
        weight = _validation.check_weights(X, y_index, classes, sample_weight, None)
        n = X.shape[0]
        self.classes_ = classes
        design = design_matrix(X, self.fit_intercept)
        if len(classes) > 2:
            if self.correction is not None or offset is not None:
                raise ValueError(
                    f"correction and offset are for two classes; y has {len(classes)}."
                )
            return self._fit_softmax(design, y_index, weight)
        offset = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
        if offset.shape != (n,) or not np.all(np.isfinite(offset)):
            raise ValueError(f"offset must be {n} finite numbers, one per row of X.")
        response = y_index.astype(np.float64)
        fit = fit_penalised(design, response, weight, offset, tol=self.tol,
                            max_iter=self.max_iter)
        self._warn_if_not_converged(fit.converged, fit.n_iter)
        self._problem: ProfileProblem | None = ProfileProblem(
            design, response, weight, offset, fit, True
        )
        self.penalised_loglik_ = fit.penalised_loglik
        beta, covariance, loglik = fit.beta, fit.covariance, fit.loglik
        if self.correction == "flic":
            beta, loglik = _flic(design, response, weight, offset, fit)
        elif self.correction == "flac":
            beta, covariance, loglik = _flac(design, response, weight, offset, fit)
        self._set_coefficients(beta[None, :])
        self.covariance_ = covariance
        self.loglik_ = loglik
        self.n_iter_ = np.array([fit.n_iter], dtype=np.int32)
        return self

    def _fit_dask(
        self, X: Any, y: Any, sample_weight: Any, offset: Any
    ) -> FirthLogisticRegression:
        """Two classes on dask rows, one pass per iterate (``dask.firth``);
        profile intervals need the rows in memory: ``summary(method="wald")``."""
        if self.correction is not None or offset is not None:
            raise NotImplementedError(
                "Firth's fit on Dask takes no correction or offset yet; fit in memory."
            )
        blocks, model = dask_firth.training_blocks(self, X, y, sample_weight)
        fit = dask_firth.fit_firth(blocks, model, tol=self.tol, max_iter=self.max_iter)
        self._warn_if_not_converged(fit.converged, fit.n_iter)
        self.classes_ = model.classes
        self._problem = None
        self.penalised_loglik_ = fit.penalised_loglik
        self._set_coefficients(fit.beta[None, :])
        self.covariance_ = fit.covariance
        self.loglik_ = fit.loglik
        self.n_iter_ = np.array([fit.n_iter], dtype=np.int32)
        return self

    def _fit_softmax(
        self, design: FloatArray, y_index: np.ndarray, weight: FloatArray
    ) -> FirthLogisticRegression:
        """K > 2: the softmax Firth fit against the first class, whose row
        of ``coef_`` and ``intercept_`` is zero."""
        fit = fit_softmax_penalised(
            design, y_index, len(self.classes_), weight, tol=self.tol, max_iter=self.max_iter
        )
        self._warn_if_not_converged(fit.converged, fit.n_iter)
        self._problem = None
        self.penalised_loglik_ = fit.penalised_loglik
        self._set_coefficients(np.vstack([np.zeros(design.shape[1]), fit.theta]))
        self.covariance_ = fit.covariance
        self.loglik_ = fit.loglik
        self.n_iter_ = np.array([fit.n_iter], dtype=np.int32)
        return self

    @staticmethod
    def _warn_if_not_converged(converged: bool, n_iter: int) -> None:
        if not converged:
            warnings.warn(
                f"Firth's iteration did not converge in {n_iter} steps; "
                "increase max_iter.", ConvergenceWarning, stacklevel=3,
            )

    def _set_coefficients(self, beta: FloatArray) -> None:
        """``beta`` has one row per output: the columns of ``[X | 1]``."""
        d = self.n_features_in_
        self.coef_ = beta[:, :d]
        self.intercept_ = beta[:, d] if self.fit_intercept else np.zeros(len(beta))

    # -- statistics ------------------------------------------------------------
    @property
    def bse_(self) -> FloatArray:
        """Standard errors ``sqrt(diag(covariance_))``, intercept last."""
        check_is_fitted(self)
        return np.asarray(np.sqrt(np.diag(self.covariance_)))

    def profile_intervals(self, level: float = 0.95) -> ProfileIntervals:
        """Profile penalised-likelihood intervals and penalised LR p-values
        (as logistf's ``pl=TRUE``) of the Firth fit, one entry per
        coefficient, intercept last.

        With ``correction="flic"`` the slopes are Firth's and keep their
        intervals; the refitted intercept gets NaN. ``"flac"`` changes every
        coefficient, so its profile is not this one: ValueError (use
        ``summary(method="wald")``).
        """
        check_is_fitted(self)
        if len(self.classes_) > 2:
            raise ValueError(
                "profile intervals are implemented for two classes; use "
                "summary(method='wald') for a softmax fit."
            )
        if self.correction == "flac":
            raise ValueError(
                "profile intervals are those of Firth's fit; with correction='flac' "
                "every coefficient differs from it. Use summary(method='wald')."
            )
        problem: ProfileProblem | None = getattr(self, "_problem", None)
        if problem is None:
            return self._saved_profile_intervals(level)
        intervals = profile_intervals(problem, level)
        if self.correction == "flic":
            for values in (intervals.lower, intervals.upper, intervals.statistic,
                           intervals.pvalue):
                values[-1] = np.nan
        return intervals

    def _saved_profile_intervals(self, level: float) -> ProfileIntervals:
        """A model loaded from a file has no training data to profile; the
        file keeps the intervals computed when it was saved, at one level."""
        saved: ProfileIntervals | None = getattr(self, "_saved_profile", None)
        if saved is None:
            raise ValueError(
                "this model has no training data to profile and its model file holds "
                "no profile intervals; use summary(method='wald')."
            )
        if level != saved.level:
            raise ValueError(
                f"this model was loaded from a model file, which holds its profile "
                f"intervals at level {saved.level:g} only (profiling needs the training "
                f"data); use that level, or summary(method='wald') for level {level:g}."
            )
        return ProfileIntervals(saved.lower.copy(), saved.upper.copy(),
                                saved.statistic.copy(), saved.pvalue.copy(), saved.level)

    def summary(self, level: float = 0.95, method: str = "profile") -> FirthSummary:
        """Coefficients, standard errors, intervals and p-values, as
        logistf prints them; ``method="profile"`` (profile penalised
        likelihood) or ``"wald"``. See ``logitron.firth_summary``."""
        check_is_fitted(self)
        return firth_summary(self, level, method)

    # -- prediction ------------------------------------------------------------
    def decision_function(self, X: Any) -> FloatArray:
        """The linear predictor ``X @ coef.T + intercept``: shape (n,) for
        two classes, (n, K) for more (the first class's column is 0). Dask
        rows give a lazy dask result, block by block (as for every method)."""
        check_is_fitted(self)
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "decision_function")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        raw = np.asarray(X @ self.coef_.T + self.intercept_, dtype=np.float64)
        return raw[:, 0] if len(self.classes_) == 2 else raw

    def predict_proba(self, X: Any) -> FloatArray:
        """Class probabilities, shape (n, K): ``[1 - p, p]`` with
        ``p = sigmoid(z)`` for two classes, ``softmax(z)`` for more."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "predict_proba")
        raw = self.decision_function(X)
        if raw.ndim == 2:
            return np.asarray(softmax(raw, axis=1))
        p = sigmoid(raw)
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest probability."""
        if is_dask_collection(X):
            return dask_predict.lazy_predict(self, X, "predict")
        raw = self.decision_function(X)
        index = raw.argmax(axis=1) if raw.ndim == 2 else (raw > 0).astype(int)
        return np.asarray(self.classes_[index])


def _flic(
    design: FloatArray, y: FloatArray, weight: FloatArray, offset: FloatArray,
    fit: FirthResult,
) -> tuple[FloatArray, float]:
    """FLIC: the maximum-likelihood intercept given the Firth slopes."""
    slopes = fit.beta.copy()
    slopes[-1] = 0.0
    intercept = fit_penalised(
        design[:, -1:], y, weight, offset + design @ slopes, jeffreys=False,
        start=fit.beta[-1:],
    )
    beta = slopes
    beta[-1] = intercept.beta[0]
    return beta, intercept.loglik


def _flac(
    design: FloatArray, y: FloatArray, weight: FloatArray, offset: FloatArray,
    fit: FirthResult,
) -> tuple[FloatArray, FloatArray, float]:
    """FLAC: maximum likelihood on the data plus pseudo-observations.

    Puhr et al. (2017, section 3.2): the Firth estimate solves the ML score
    equations of the data augmented, per row, by a copy with ``y = 1`` and
    one with ``y = 0``, each weighted ``h_i / 2``. Refitting those by plain
    ML with an indicator ``g`` of the pseudo-rows lets the pseudo-rows have
    their own intercept shift, so the original rows keep their event rate.
    """
    n, m = design.shape
    flag = np.r_[np.zeros(n), np.ones(2 * n)]
    augmented = np.column_stack([np.vstack([design] * 3), flag])
    responses = np.r_[y, np.ones(n), np.zeros(n)]
    weights = np.r_[weight, fit.hat / 2, fit.hat / 2]
    start = np.r_[fit.beta, 0.0]
    refit = fit_penalised(
        augmented, responses, weights, np.tile(offset, 3), jeffreys=False, start=start
    )
    keep = np.arange(m)
    eta = design @ refit.beta[keep] + offset
    loglik = float(weight @ (y * eta - log1pexp(eta)))
    return refit.beta[keep], refit.covariance[np.ix_(keep, keep)], loglik
