"""Fits of array-API inputs against scikit-learn's NumPy fit of the same
problem (the reference), and what comes out: namespace, device, dtype."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression
from logitron.array_api.namespace import device_of, namespace_of

from .conftest import LIBRARIES, to_library, to_numpy

pytestmark = pytest.mark.usefixtures("dispatch")


def _problem(n_classes: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=n_classes,
        random_state=seed,
    )
    return X.astype(dtype), y


def _weights(n: int) -> np.ndarray:
    return np.random.default_rng(1).uniform(0.0, 3.0, size=n)


def _reference(X: np.ndarray, y: np.ndarray, weight: Any, **params: Any) -> Any:
    # scikit-learn's lbfgs in float64, far tighter than its default tol.
    return SklearnLogisticRegression(tol=1e-12, max_iter=10_000, **params).fit(
        X.astype(np.float64), y, sample_weight=weight
    )


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_coefficients_equal_scikit_learns_numpy_fit(
    library: str, dtype: str, n_classes: int, weighted: bool
) -> None:
    X, y = _problem(n_classes, dtype)
    weight = _weights(len(y)) if weighted else None
    reference = _reference(X, y, weight, C=0.5)
    model = LogisticRegression(C=0.5, solver="lbfgs").fit(
        to_library(library, X), to_library(library, y),
        sample_weight=None if weight is None else to_library(library, weight),
    )
    # float64 to the solver's 1e-8 gradient tolerance; float32 to its rounding.
    rtol, atol = (1e-6, 1e-7) if dtype == "float64" else (2e-4, 2e-5)
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=rtol, atol=atol)
    assert_allclose(to_numpy(model.intercept_), reference.intercept_, rtol=rtol, atol=atol)
    assert_allclose(
        to_numpy(model.predict_proba(to_library(library, X))),
        reference.predict_proba(X.astype(np.float64)), rtol=rtol, atol=atol,
    )


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("solver", ["newton", "newton-cg", "lbfgs", "auto"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_each_device_solver_reaches_scikit_learns_optimum(
    library: str, solver: str, n_classes: int
) -> None:
    X, y = _problem(n_classes, "float64", seed=2)
    reference = _reference(X, y, None, C=2.0)
    model = LogisticRegression(C=2.0, solver=solver).fit(
        to_library(library, X), to_library(library, y)
    )
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(to_numpy(model.intercept_), reference.intercept_, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_outputs_stay_in_the_namespace_device_and_dtype(
    library: str, dtype: str, n_classes: int
) -> None:
    X, y = _problem(n_classes, dtype)
    X_device = to_library(library, X)
    model = LogisticRegression().fit(X_device, to_library(library, y))
    xp, device = namespace_of(X_device), device_of(X_device)
    outputs = {
        "coef_": model.coef_, "intercept_": model.intercept_,
        "decision_function": model.decision_function(X_device),
        "predict_proba": model.predict_proba(X_device),
        "predict_log_proba": model.predict_log_proba(X_device),
    }
    for name, array in outputs.items():
        assert namespace_of(array) is xp, name
        assert device_of(array) == device, name
        assert array.dtype == X_device.dtype, name
    assert namespace_of(model.n_iter_) is xp
    assert tuple(model.n_iter_.shape) == (1,)
    assert isinstance(model.classes_, np.ndarray)
    labels = model.predict(X_device)
    assert namespace_of(labels) is xp
    assert device_of(labels) == device
    # The labels are those of the decision function, as on NumPy.
    assert_array_equal(to_numpy(labels), model.classes_[
        np.argmax(to_numpy(model.predict_proba(X_device)), axis=1)
    ])


@pytest.mark.parametrize("library", LIBRARIES)
def test_string_labels_come_back_as_numpy(library: str) -> None:
    X, y = _problem(3, "float64")
    names = np.array(["ant", "bee", "cat"])[y]
    model = LogisticRegression().fit(to_library(library, X), names)
    labels = model.predict(to_library(library, X))
    assert isinstance(labels, np.ndarray)
    reference = _reference(X, names, None)
    assert_array_equal(labels, reference.predict(X))


@pytest.mark.parametrize("library", LIBRARIES)
def test_class_weights_and_warm_start(library: str) -> None:
    X, y = _problem(3, "float64")
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5}
    reference = _reference(X, y, None, class_weight=class_weight)
    model = LogisticRegression(class_weight=class_weight, warm_start=True)
    X_device, y_device = to_library(library, X), to_library(library, y)
    model.fit(X_device, y_device)
    first = int(to_numpy(model.n_iter_)[0])
    model.fit(X_device, y_device)
    # Started at the optimum, the second fit has nothing left to do.
    assert int(to_numpy(model.n_iter_)[0]) < first
    assert_allclose(to_numpy(model.coef_), reference.coef_, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("library", LIBRARIES)
def test_numpy_input_under_dispatch_stays_on_the_numpy_path(library: str) -> None:
    X, y = _problem(2, "float64")
    model = LogisticRegression().fit(X, y)
    assert isinstance(model.coef_, np.ndarray)
    assert isinstance(model.predict_proba(X), np.ndarray)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unpenalised_fit_has_statsmodels_standard_errors(library: str, dtype: str) -> None:
    statsmodels = pytest.importorskip("statsmodels.api")
    # Independent columns and labels drawn from a logistic model: the
    # maximum-likelihood estimate exists (no separation, no collinearity).
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 4))
    y = (rng.uniform(size=400) < 1 / (1 + np.exp(-(X @ [1.0, -0.5, 0.25, 0.0] + 0.3)))).astype(int)
    reference = statsmodels.Logit(y, statsmodels.add_constant(X)).fit(disp=0, maxiter=100)
    model = LogisticRegression(C=np.inf).fit(
        to_library(library, X.astype(dtype)), to_library(library, y)
    )
    summary = model.summary()
    # The intercept comes first in both tables.
    expected = np.asarray(reference.bse)
    # float32 data round the fit to about 1e-6 relative; the errors follow.
    rtol = 1e-6 if dtype == "float64" else 1e-3
    assert_allclose(np.asarray(summary.bse).ravel(), expected, rtol=rtol)
