"""``LogisticRegression.fit`` on array-API inputs: the estimator's side of
``logitron.array_api``.

Under ``sklearn.set_config(array_api_dispatch=True)`` a non-NumPy ``X``
(a torch tensor on the CPU or a GPU, a CuPy array, an array-api-strict
array) is checked and fitted where it lives; ``coef_``, ``intercept_`` and
``n_iter_`` are then arrays of its library on its device, in its float
dtype (float32 stays float32), and ``classes_`` stays a NumPy array, as in
scikit-learn. Labels and weights are moved to the host (they may come
from any namespace): the label encoding and class weights are NumPy work
of O(n) done once. An unpenalised fit (``C=np.inf``) also gets its
statistics record (``summary()``), from a float64 host copy of ``X``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from . import _validation, fitting, inference
from .array_api import fit as device_fit
from .array_api.namespace import device_of, float_dtype, to_host
from .objective import LogisticObjective


class ArrayAPIFit:
    """The ``fit`` of array-API inputs, mixed into ``LogisticRegression``."""

    # Device arrays after a device fit, NumPy ones otherwise.
    coef_: Any
    intercept_: Any
    n_iter_: Any
    inference_: Any
    n_features_in_: int

    def _fit_namespace(
        self, xp: Any, X: Any, y: Any, sample_weight: Any, offset: Any, plan: Any
    ) -> Any:
        """Fit device ``X`` in namespace ``xp`` (see module doc)."""
        library = device_fit.library_name(xp)
        if offset is not None:
            raise NotImplementedError(
                f"offset is fitted on NumPy input only; got a {library} X with "
                "array_api_dispatch=True."
            )
        if plan.penalised_intercept:
            raise ValueError(
                f"solver='liblinear' is fitted on NumPy input only; got a {library} X "
                "with array_api_dispatch=True. Use solver='lbfgs' or 'auto'."
            )
        settings = self._settings(plan)  # type: ignore[attr-defined]
        device_fit.check_supported(xp, settings)
        X = _check_device_X(xp, X)
        y = column_or_1d(to_host(y), warn=True)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        check_classification_targets(y)
        classes, y_index = _validation.encode_labels(y)
        # The weights' checks need only the row count of X, on the host.
        weight = _validation.check_weights(
            np.empty((X.shape[0], 0)), y_index, classes,
            None if sample_weight is None else to_host(sample_weight),
            self.class_weight,  # type: ignore[attr-defined]
        )
        self.n_features_in_ = X.shape[1]
        previous = self._host_previous(classes, X.shape[1])
        outcome = device_fit.fit_namespace(
            xp, X, y_index, len(classes), weight, settings, previous,
            self.random_state,  # type: ignore[attr-defined]
        )
        self._set_fitted(outcome, classes, plan)  # type: ignore[attr-defined]
        device = device_of(X)
        self.coef_ = xp.asarray(self.coef_, dtype=X.dtype, device=device)
        self.intercept_ = xp.asarray(self.intercept_, dtype=X.dtype, device=device)
        self.n_iter_ = xp.asarray(self.n_iter_, device=device)
        self.inference_ = None
        if np.isposinf(plan.C):
            self.inference_ = self._host_record(X, y_index, classes, outcome)
        separation = self.inference_.separation if self.inference_ else ""
        self._warn(outcome, separation, plan)  # type: ignore[attr-defined]
        if self.inference_ is not None:
            inference.collinearity.warn_if_collinear(self.inference_, stacklevel=3)
        return self

    def _host_record(
        self, X: Any, y_index: np.ndarray, classes: np.ndarray, outcome: fitting.FitOutcome
    ) -> inference.FitInference:
        """The statistics record of an unpenalised device fit, computed on a
        float64 host copy of ``X`` (one transfer): standard errors need the
        Fisher information to float64 accuracy, whatever the device's dtype."""
        assert outcome.sample_weight is not None
        host_X = to_host(X).astype(np.float64)
        host = LogisticObjective.from_arrays(
            host_X, y_index, len(classes), outcome.sample_weight,
            fit_intercept=outcome.objective.unit.fit_intercept, C=np.inf,
        )
        names = inference.feature_names(None, host_X.shape[1])
        return inference.record_fit(
            host_X, y_index, outcome.sample_weight, host, outcome.theta,
            outcome.result.converged, feature_names=names,
            class_names=[str(label) for label in classes],
        )

    def _host_previous(
        self, classes: np.ndarray, n_features: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """A warm start's ``(coef_, intercept_)`` on the host, when asked and
        they fit (the NumPy path's ``_previous``)."""
        coef = getattr(self, "coef_", None)
        if (
            not self.warm_start  # type: ignore[attr-defined]
            or coef is None
            or not np.array_equal(getattr(self, "classes_", np.empty(0)), classes)
            or coef.shape[1] != n_features
        ):
            return None
        return to_host(coef).astype(np.float64), to_host(self.intercept_).astype(np.float64)


def _check_device_X(xp: Any, X: Any) -> Any:
    """``X`` 2-D, non-empty, finite, in float32 or float64 (integers and
    booleans converted, as scikit-learn's ``check_array``)."""
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D X; got {X.ndim} dimension(s). Reshape your data, e.g. "
            "X[:, None] for a single feature."
        )
    n_samples, n_features = X.shape
    if n_samples < 1 or n_features < 1:
        raise ValueError(
            f"Found array with {n_samples} sample(s) and {n_features} feature(s) "
            "while a minimum of 1 is required."
        )
    dtype = float_dtype(xp, X)
    if X.dtype != dtype:
        X = xp.astype(X, dtype)
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError("Input X contains NaN or infinity.")
    return X
