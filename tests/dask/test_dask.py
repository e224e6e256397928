"""The estimator on a real Dask cluster: same answers as in memory, lazy
validation and predictions, one graph per iteration.

The cluster (``conftest.py``) has 2 worker processes x 1 thread. Data come
from seeded dask.array random generators or Parquet files.
"""

import warnings
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from logitron import LogisticRegression, LogisticRegressionCV

from .seeded_data import CHUNK, N_SAMPLES, make_data


@pytest.mark.parametrize(
    ("n_classes", "params"),
    [
        pytest.param(2, dict(C=0.5, class_weight={1: 2.0}), id="binary-weighted"),
        pytest.param(3, dict(class_weight="balanced"), id="softmax-balanced"),
        pytest.param(2, dict(C=np.inf, fit_intercept=False), id="unpenalised-no-intercept"),
        pytest.param(3, dict(solver="newton-cg", C=2.0), id="softmax-newton-cg"),
        pytest.param(3, dict(solver="lbfgs", class_weight="balanced"), id="softmax-lbfgs"),
        pytest.param(2, dict(solver="newton-cg", C=np.inf), id="unpenalised-newton-cg"),
    ],
)
def test_newton_fit_equals_the_in_memory_fit(cluster, n_classes, params):
    X, y, weight = make_data(n_classes)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    expected = LogisticRegression(**params).fit(X_np, y_np, sample_weight=weight_np)
    model = LogisticRegression(**params).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(model.classes_, expected.classes_)
    assert model.n_iter_[0] == expected.n_iter_[0]


def test_gradient_descent_takes_the_same_path_as_in_memory(cluster, graph_counter):
    X, y, _ = make_data(seed=1)
    X_np, y_np = dask.compute(X, y)
    params: dict[str, Any] = dict(solver="gd", learning_rate=1.0, tol=0.0, max_iter=25)
    with pytest.warns(ConvergenceWarning, match="max_iter=25"):
        expected = LogisticRegression(**params).fit(X_np, y_np)
    graph_counter.graphs = 0
    with pytest.warns(ConvergenceWarning, match="max_iter=25"):
        model = LogisticRegression(**params).fit(X, y)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.loss_curve_, expected.loss_curve_, rtol=1e-13)
    # One graph over y for the classes, one at the start, one per iteration.
    assert graph_counter.graphs == 2 + 25


def test_newton_sends_one_graph_per_iteration(cluster, graph_counter):
    X, y, weight = make_data(n_classes=3, seed=2)
    model = LogisticRegression().fit(X, y, sample_weight=weight)
    assert model.n_iter_[0] >= 3
    assert graph_counter.graphs == 2 + model.n_iter_[0]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    ("l1_ratio", "C"), [(1.0, 0.01), (0.5, 0.005)], ids=["l1", "elastic-net"]
)
def test_l1_fit_equals_the_in_memory_fit_with_the_same_zeros(cluster, n_classes, l1_ratio, C):
    X, y, weight = make_data(n_classes, seed=11)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    params: dict[str, Any] = dict(C=C, l1_ratio=l1_ratio, class_weight={1: 1.5})
    expected = LogisticRegression(**params).fit(X_np, y_np, sample_weight=weight_np)
    # The point of the test: some coefficients are exactly zero, some not.
    assert 0 < np.count_nonzero(expected.coef_ == 0) < expected.coef_.size
    model = LogisticRegression(**params).fit(X, y, sample_weight=weight)
    assert model.solver_ == expected.solver_ == "prox-newton"
    np.testing.assert_array_equal(model.coef_ == 0, expected.coef_ == 0)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=0, atol=1e-8)
    proba: Any = model.predict_proba(X)
    assert dask.is_dask_collection(proba)
    np.testing.assert_allclose(proba.compute(), expected.predict_proba(X_np), rtol=0, atol=1e-8)


def test_proximal_newton_sends_one_graph_per_iteration(cluster, graph_counter):
    X, y, weight = make_data(n_classes=3, seed=12)
    model = LogisticRegression(C=0.01, l1_ratio=1.0).fit(X, y, sample_weight=weight)
    assert model.n_iter_[0] >= 2
    # One graph over y, two at the start (gradient, then Hessian), at most one
    # per iteration: the first trial step returns the next Hessian, and no
    # extra trial steps (the in-memory extrapolation) run on Dask.
    assert graph_counter.graphs <= 3 + model.n_iter_[0]


def test_fista_fit_equals_the_in_memory_fit(cluster, graph_counter):
    X, y, weight = make_data(n_classes=3, seed=13)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    params: dict[str, Any] = dict(C=0.01, l1_ratio=0.7, solver="fista", tol=1e-10)
    expected = LogisticRegression(**params).fit(X_np, y_np, sample_weight=weight_np)
    assert np.any(expected.coef_ == 0)
    graph_counter.graphs = 0
    model = LogisticRegression(**params).fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(model.coef_ == 0, expected.coef_ == 0)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    assert model.n_iter_[0] == expected.n_iter_[0]
    # FISTA's z's stay on the workers: each iteration is a forward pass for
    # the trial point and a backward pass at the extrapolated point (whose z
    # is combined from kept ones): two graphs, as the prox step between them
    # needs the whole gradient. A backtracking step adds a forward pass; an
    # extrapolated point that is the last trial point (no momentum: the
    # first step, a restart) has its gradient from the trial's pass, which
    # computed it speculatively. Recomputing z would take a third graph.
    # One graph over y, three at the start (z, and gradients at two points
    # for the first Lipschitz estimate).
    assert 4 + model.n_iter_[0] <= graph_counter.graphs <= 4 + 2 * model.n_iter_[0]


@pytest.mark.parametrize(
    ("n_classes", "params"),
    [
        pytest.param(3, dict(C=2.0), id="newton-softmax"),
        pytest.param(2, dict(C=np.inf), id="newton-unpenalised"),
        pytest.param(2, dict(C=0.01, l1_ratio=1.0), id="prox-newton"),
    ],
)
def test_many_blocks_start_from_a_samples_fit(cluster, graph_counter, n_classes, params):
    # 8 blocks: the Newton methods start from the fit of a sample of a
    # block's rows (drawn in the labels' graph), which saves passes over all
    # of them.
    X, y, weight = make_data(n_classes, seed=14, chunk=2000, n_samples=16_000)
    X_np, y_np, weight_np = dask.compute(X, y, weight)
    expected = LogisticRegression(**params).fit(X_np, y_np, sample_weight=weight_np)
    graph_counter.graphs = 0
    model = LogisticRegression(**params).fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(model.coef_ == 0, expected.coef_ == 0)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=0, atol=1e-8)
    assert model.n_iter_[0] < expected.n_iter_[0]
    # y's classes with the sample's fit, the pass at the start, at most one
    # per iteration (Newton's last step may need none); prox-newton asks for
    # its first Hessian apart. An unpenalised fit adds none: its statistics
    # wait for summary(), and its separation check rides on the passes made.
    extra = int("l1_ratio" in params)
    assert graph_counter.graphs <= 2 + extra + model.n_iter_[0]


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_unpenalised_separated_data_warn_as_in_memory(cluster, n_classes, solver):
    # Separated classes: the coefficients grow without bound, and the Dask
    # fit says so as the in-memory one does (its screen cannot prove that
    # the estimate exists, so the record's pass checks at fit); data that do
    # not separate give no warning.
    from logitron.exceptions import PerfectSeparationWarning

    X, y, _ = make_data(n_classes, seed=21)
    X_np = X.compute()
    separated = da.from_array(
        np.argmax(X_np[:, :n_classes], axis=1) if n_classes > 2 else (X_np[:, 0] > 0),
        chunks=CHUNK,
    ).astype(int)
    params = dict(C=np.inf, solver=solver, max_iter=30)
    with pytest.warns(PerfectSeparationWarning, match="perfect separation"):
        LogisticRegression(**params).fit(X, separated)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        LogisticRegression(C=np.inf, solver=solver).fit(X, y)


def test_float32_stays_float32(cluster):
    X, y, _ = make_data(seed=3, dtype=np.float32)
    X_np, y_np = dask.compute(X, y)
    expected = LogisticRegression().fit(X_np, y_np)
    model = LogisticRegression().fit(X, y)
    assert model.coef_.dtype == np.float32
    # Blocks sum in another order than the whole array: equal to float32's limit.
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=20 * np.finfo(np.float32).eps)


def test_dataframe_from_parquet_fits_and_predicts_lazily(cluster, tmp_path, graph_counter):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(N_SAMPLES, 3)), columns=["a", "b", "c"])
    frame["label"] = np.where(frame.a - frame.b + rng.logistic(size=N_SAMPLES) > 0, "yes", "no")
    for i, rows in enumerate(np.array_split(np.arange(N_SAMPLES), 3)):
        frame.iloc[rows].to_parquet(tmp_path / f"part-{i}.parquet")
    data = dd.read_parquet(tmp_path)
    model = LogisticRegression(C=2.0).fit(data[["a", "b", "c"]], data["label"])
    expected = LogisticRegression(C=2.0).fit(frame[["a", "b", "c"]], frame["label"])
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(model.feature_names_in_, ["a", "b", "c"])

    graph_counter.graphs = 0
    predicted: Any = model.predict(data[["a", "b", "c"]])
    proba: Any = model.predict_proba(data[["a", "b", "c"]])
    accuracy = (predicted == data["label"]).mean()
    assert dask.is_dask_collection(accuracy)
    assert dask.is_dask_collection(proba)
    assert graph_counter.graphs == 0
    # A DataFrame in, a Series / DataFrame out, aligned with the rows of X.
    np.testing.assert_array_equal(
        predicted.compute().to_numpy(), expected.predict(frame[["a", "b", "c"]])
    )
    assert accuracy.compute() == expected.score(frame[["a", "b", "c"]], frame["label"])
    assert list(proba.columns) == ["no", "yes"]
    np.testing.assert_allclose(
        proba.compute().to_numpy(), expected.predict_proba(frame[["a", "b", "c"]]),
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "method", ["decision_function", "predict", "predict_proba", "predict_log_proba"]
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_on_dask_arrays_are_lazy_and_right(cluster, method, n_classes):
    X, y, _ = make_data(n_classes, seed=5)
    X_np, y_np = dask.compute(X, y)
    model = LogisticRegression().fit(X_np, y_np)
    lazy: Any = getattr(model, method)(X)
    assert dask.is_dask_collection(lazy)
    expected = getattr(model, method)(X_np)
    assert lazy.shape == expected.shape
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)


def test_validation_that_metadata_answers_computes_nothing(cluster, graph_counter):
    X, y, _ = make_data(seed=6)
    with pytest.raises(ValueError, match="2-D"):
        LogisticRegression().fit(X[:, 0], y)
    frame = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": list("wxyz")}), 2)
    with pytest.raises(ValueError, match="column 'b'"):
        LogisticRegression().fit(frame, frame["a"] > 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRegression().fit(X, y[:-10])
    model = LogisticRegression().fit(*dask.compute(X, y))
    graph_counter.graphs = 0
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])
    assert graph_counter.graphs == 0


def test_bad_values_are_caught_in_the_first_pass(cluster):
    X, y, weight = make_data(seed=7)
    X_nan = da.where(da.arange(N_SAMPLES)[:, None] == 700, np.nan, X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LogisticRegression().fit(X_nan, y)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        LogisticRegression().fit(X, y, sample_weight=weight - 1.0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, y * 0)
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        LogisticRegression().fit(X, weight)


def test_unsupported_input_says_so(cluster):
    X, y, _ = make_data(seed=8)
    with pytest.raises(NotImplementedError, match="not supported yet"):
        LogisticRegression().fit(X.map_blocks(_to_sparse, dtype=X.dtype), y)
    frame = dd.from_pandas(pd.DataFrame({"a": np.arange(8.0)}), npartitions=2)
    with pytest.raises(ValueError, match="1-D dask collection"):
        LogisticRegression().fit(frame, np.arange(8) % 2)
    # Cross-validation would pull the data into memory: it says so instead.
    with pytest.raises(NotImplementedError, match="LogisticRegressionCV does not run"):
        LogisticRegressionCV(Cs=2, cv=2).fit(X, y)


def _to_sparse(block):
    import scipy.sparse as sp

    return sp.csr_matrix(block)
