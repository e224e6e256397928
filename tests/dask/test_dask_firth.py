"""Firth's fit on dask rows equals ``FirthLogisticRegression`` in memory.

The in-memory fit is checked against logistf in tests/firth/; here the Dask
fit of the same rows must give its coefficients, covariance and
log-likelihoods to 1e-8, on ordinary and on separated data (where the
maximum-likelihood estimate does not exist and Firth's does), with the
one-pass iterate (the third-moment tensor) and with the two-pass one (hat
values) that wider designs take.
"""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from logitron import FirthLogisticRegression
from logitron.backends.dask_backend import DaskBlocks
from logitron.dask import firth as dask_firth

CHUNK = 60


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def make_data(n, seed, separated=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 2.0, 0.5]
    y = (X @ [1.0, -0.5, 0.8] + rng.logistic(size=n) > 0).astype(int)
    if separated:
        y = (X[:, 0] > 0.2).astype(int)
    return X, y, rng.uniform(0.5, 2.0, n)


def on_dask(*arrays):
    return [da.from_array(a, chunks=CHUNK if a.ndim == 1 else (CHUNK, -1)) for a in arrays]


def assert_same_fit(got, want):
    assert_allclose(got.coef_, want.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(got.intercept_, want.intercept_, rtol=1e-8, atol=1e-10)
    scale = np.max(np.abs(want.covariance_))
    assert_allclose(got.covariance_, want.covariance_, rtol=1e-8, atol=1e-10 * scale)
    assert_allclose([got.penalised_loglik_, got.loglik_],
                    [want.penalised_loglik_, want.loglik_], rtol=1e-10)
    got_table, want_table = got.summary(method="wald"), want.summary(method="wald")
    assert got_table.terms == want_table.terms
    assert_allclose(got_table.pvalues, want_table.pvalues, rtol=1e-8)


@pytest.mark.parametrize("tensor_columns", [12, 0], ids=["one-pass", "hat-pass"])
@pytest.mark.parametrize("separated", [False, True], ids=["overlap", "separated"])
def test_firth_on_dask_equals_the_in_memory_fit(monkeypatch, tensor_columns, separated):
    monkeypatch.setattr(dask_firth, "TENSOR_COLUMNS", tensor_columns)
    X, y, weight = make_data(300, seed=1, separated=separated)
    want = FirthLogisticRegression().fit(X, y, sample_weight=weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    got = FirthLogisticRegression().fit(X_d, y_d, sample_weight=weight_d)
    assert_same_fit(got, want)
    assert list(got.classes_) == [0, 1]


def test_each_iterate_of_a_narrow_design_is_one_pass_over_the_blocks(monkeypatch):
    X, y, _ = make_data(300, seed=2)
    modes = []
    map_sum = DaskBlocks.map_sum

    def counting(self, function, block_args, constants=(), **kwargs):
        if function is dask_firth.firth_block:
            modes.append(constants[2])
        return map_sum(self, function, block_args, constants, **kwargs)

    monkeypatch.setattr(DaskBlocks, "map_sum", counting)
    model = FirthLogisticRegression().fit(*on_dask(X, y))
    assert set(modes) == {"tensor"}
    # One evaluation at the start and one per accepted step at least.
    assert len(modes) >= model.n_iter_[0]


def test_a_dataframe_without_intercept_keeps_its_feature_names():
    X, y, weight = make_data(240, seed=3)
    frame = pd.DataFrame(X, columns=["age", "dose", "score"])
    want = FirthLogisticRegression(fit_intercept=False).fit(frame, y, sample_weight=weight)
    data = dd.from_pandas(frame.assign(y=y, w=weight), npartitions=4)
    got = FirthLogisticRegression(fit_intercept=False).fit(
        data[["age", "dose", "score"]], data["y"], sample_weight=data["w"]
    )
    assert_same_fit(got, want)
    assert list(got.feature_names_in_) == ["age", "dose", "score"]


def test_what_is_not_on_dask_says_so():
    X, y, _ = make_data(120, seed=4)
    with pytest.raises(NotImplementedError, match="two classes"):
        FirthLogisticRegression().fit(*on_dask(X, np.arange(120) % 3))
    with pytest.raises(NotImplementedError, match="no correction or offset"):
        FirthLogisticRegression(correction="flic").fit(*on_dask(X, y))
    model = FirthLogisticRegression().fit(*on_dask(X, y))
    with pytest.raises(ValueError, match="summary\\(method='wald'\\)"):
        model.profile_intervals()


def test_third_moments_from_the_upper_triangle_equal_the_full_sum():
    rng = np.random.default_rng(5)
    design, factor = rng.normal(size=(50, 5)), rng.normal(size=50)
    expected = np.einsum("i,ij,ik,il->jkl", factor, design, design, design)
    assert_allclose(dask_firth.third_moments(design, factor), expected, rtol=1e-12,
                    atol=1e-12 * np.max(np.abs(expected)))


def test_predictions_on_dask_rows_are_lazy_and_equal_the_in_memory_ones():
    X, y, _ = make_data(240, seed=6)
    X_d, y_d = on_dask(X, y)
    model = FirthLogisticRegression().fit(X_d, y_d)
    for method in ("decision_function", "predict_proba", "predict"):
        lazy = getattr(model, method)(X_d)
        assert dask.is_dask_collection(lazy)
        assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12)
