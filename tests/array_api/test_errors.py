"""What the device path does not fit, and the errors that say so."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import get_config
from sklearn.datasets import make_classification

from logitron import LogisticRegression

from .conftest import HAS_TORCH, LIBRARIES, to_library

X, Y = make_classification(n_samples=60, n_features=4, random_state=0)


@pytest.mark.usefixtures("dispatch")
@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"l1_ratio": 1.0}, "L1 term .* NumPy input only"),
        ({"solver": "fista"}, "solver='fista' is fitted on NumPy input only"),
        ({"solver": "prox-newton"}, "solver='prox-newton' is fitted on NumPy input only"),
        ({"solver": "liblinear"}, "solver='liblinear' is fitted on NumPy input only"),
    ],
)
def test_numpy_only_problems_are_named(library: str, params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LogisticRegression(**params).fit(to_library(library, X), to_library(library, Y))


@pytest.mark.usefixtures("dispatch")
@pytest.mark.parametrize("library", LIBRARIES)
def test_offset_and_bad_X_are_refused(library: str) -> None:
    with pytest.raises(NotImplementedError, match="offset is fitted on NumPy input only"):
        LogisticRegression().fit(to_library(library, X), Y, offset=np.zeros(len(Y)))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        LogisticRegression().fit(to_library(library, bad), Y)
    with pytest.raises(ValueError, match="2-D X"):
        LogisticRegression().fit(to_library(library, X[:, 0]), Y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRegression().fit(to_library(library, X), Y[:-1])


@pytest.mark.usefixtures("dispatch")
@pytest.mark.parametrize("library", LIBRARIES)
def test_predicting_from_another_namespace_is_refused(library: str) -> None:
    model = LogisticRegression().fit(to_library(library, X), to_library(library, Y))
    with pytest.raises(ValueError, match=r"LogisticRegression.predict\(\) must use the same"):
        model.predict(X)
    with pytest.raises(ValueError, match="expecting 4 features"):
        model.predict_proba(to_library(library, X[:, :3]))


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (pip install '.[array-api]')")
def test_without_dispatch_a_cpu_tensor_is_converted_as_scikit_learn_does() -> None:
    import torch

    # scikit-learn's check_array takes np.asarray of a CPU tensor: NumPy out.
    assert not get_config()["array_api_dispatch"]
    model = LogisticRegression().fit(torch.asarray(X), torch.asarray(Y))
    assert isinstance(model.coef_, np.ndarray)
    reference = LogisticRegression().fit(X, Y)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
