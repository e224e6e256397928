"""``model.statistics(X, y)`` on dask rows: the in-memory numbers from block sums.

Every number is compared with ``model.statistics`` of the same model and the
same rows in memory (which tests/statistics/ checks against statsmodels and
R's ``sandwich``) to 1e-8, and the clustered covariance also with statsmodels'
``Logit(cov_type="cluster")`` directly. The rows stay dask collections: the
object is ``DaskStatistics``, its passes go through ``DaskBlocks.map_sum``
and its predictions are lazy. The synchronous scheduler runs the blocks in
this process; one test runs them on a LocalCluster of two worker processes.
"""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from distributed import Client, LocalCluster
from numpy.testing import assert_allclose

from logitron import LogisticRegression
from logitron.backends.dask_backend import DaskBlocks
from logitron.dask.model_statistics import DaskStatistics

N_SAMPLES, CHUNK = 900, 200  # 5 blocks, the last short
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def make_data(n_classes, seed):
    """A continuous, a 0/1 and a count column; weights; string cluster labels
    (clusters span blocks) and a second clustering for two-way."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([
        rng.normal(size=N_SAMPLES) * 2.0 + 1.0,
        rng.integers(0, 2, N_SAMPLES),
        rng.integers(0, 5, N_SAMPLES),
    ]).astype(float)
    coef = rng.normal(size=(3, n_classes)) * 0.6
    y = (X @ coef + rng.gumbel(size=(N_SAMPLES, n_classes))).argmax(axis=1)
    weight = rng.uniform(0.5, 3.0, size=N_SAMPLES)
    school = np.array([f"s{k:02d}" for k in rng.integers(0, 25, N_SAMPLES)])
    region = rng.integers(0, 6, N_SAMPLES)
    return X, y, weight, school, region


def on_dask(*arrays):
    return [da.from_array(a, chunks=CHUNK if a.ndim == 1 else (CHUNK, -1)) for a in arrays]


def fitted(X, y, weight, **params):
    return LogisticRegression(C=np.inf, tol=1e-12, **params).fit(X, y, sample_weight=weight)


def assert_same_table(got, want):
    assert isinstance(got, DaskStatistics)
    assert got.names == want.names
    assert_allclose(got.params, want.params, rtol=1e-12)
    scale = np.max(np.abs(want.cov()))
    assert_allclose(got.cov(), want.cov(), rtol=1e-8, atol=1e-10 * scale)
    got_table, want_table = got.summary().table, want.summary().table
    for name in ("bse", "zvalues", "pvalues", "conf_int"):
        assert_allclose(getattr(got_table, name), getattr(want_table, name), rtol=1e-8)
    assert got_table.cov_type == want_table.cov_type


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_hc_covariances_equal_the_in_memory_ones(cov_type):
    X, y, weight, _, _ = make_data(2, seed=1)
    model = fitted(X, y, weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    got = model.statistics(X_d, y_d, weight_d, cov_type=cov_type)
    assert_same_table(got, model.statistics(X, y, weight, cov_type=cov_type))
    odds = got.summary(odds_ratios=True).table
    assert_allclose(odds.params, np.exp(got.params), rtol=1e-12)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1"])
def test_softmax_sandwich_with_a_reference_class_equals_the_in_memory_one(cov_type):
    X, y, weight, school, _ = make_data(4, seed=17)
    model = fitted(X, y, weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    got = model.statistics(X_d, y_d, weight_d, cov_type=cov_type, reference=3)
    assert_same_table(got, model.statistics(X, y, weight, cov_type=cov_type, reference=3))
    # Labels in memory are cut like the dask rows.
    got = got.with_cov("cluster", groups=list(school))
    want = model.statistics(X, y, weight, cov_type="cluster", groups=school, reference=3)
    assert_same_table(got, want)


@pytest.mark.parametrize("cov_type", ["HC1", "HC3"])
def test_the_statsmodels_convention_is_kept(cov_type):
    X, y, weight, _, _ = make_data(2, seed=2)
    model = fitted(X, y, weight)
    got = model.statistics(*on_dask(X, y, weight), cov_type=cov_type, convention="statsmodels")
    want = model.statistics(X, y, weight, cov_type=cov_type, convention="statsmodels")
    assert_same_table(got, want)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_clusters_from_a_dask_series_equal_the_in_memory_ones(n_classes):
    X, y, weight, school, region = make_data(n_classes, seed=3 + n_classes)
    frame = pd.DataFrame(X, columns=["dose", "treated", "visits"])
    frame["y"], frame["w"], frame["school"], frame["region"] = y, weight, school, region
    model = fitted(frame[["dose", "treated", "visits"]], frame["y"], frame["w"],
                   class_weight="balanced")
    data = dd.from_pandas(frame, npartitions=4)
    X_d = data[["dose", "treated", "visits"]]
    for groups, labels in [
        (data["school"], school),
        (data[["school", "region"]], np.column_stack([school, region])),
    ]:
        got = model.statistics(X_d, data["y"], data["w"], cov_type="cluster", groups=groups)
        want = model.statistics(
            frame[["dose", "treated", "visits"]], frame["y"], frame["w"],
            cov_type="cluster", groups=labels,
        )
        assert_same_table(got, want)


def test_two_way_clusters_from_a_dask_array():
    X, y, weight, school, region = make_data(2, seed=6)
    model = fitted(X, y, weight)
    labels = np.column_stack([np.unique(school, return_inverse=True)[1], region])
    X_d, y_d, weight_d, labels_d = on_dask(X, y, weight, labels)
    got = model.statistics(X_d, y_d, weight_d, cov_type="cluster", groups=labels_d)
    assert_same_table(got, model.statistics(X, y, weight, cov_type="cluster", groups=labels))
    assert got.summary().table.cov_type == "cluster (two-way)"


def test_clustered_errors_match_statsmodels_logit():
    X, y, _, school, _ = make_data(2, seed=7)
    model = fitted(X, y, None)
    X_d, y_d = on_dask(X, y)
    got = model.statistics(X_d, y_d, cov_type="cluster", groups=da.from_array(school, CHUNK))
    codes = np.unique(school, return_inverse=True)[1]
    reference = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, cov_type="cluster", cov_kwds={"groups": codes}
    )
    assert_allclose(got.bse(), reference.bse, rtol=1e-6)


def test_statistics_are_one_pass_over_the_blocks(monkeypatch):
    X, y, weight, school, _ = make_data(2, seed=8)
    model = fitted(X, y, weight)
    calls = []
    map_sum = DaskBlocks.map_sum

    def counting(self, function, *args, **kwargs):
        calls.append(function.__name__)
        return map_sum(self, function, *args, **kwargs)

    monkeypatch.setattr(DaskBlocks, "map_sum", counting)
    X_d, y_d, weight_d, school_d = on_dask(X, y, weight, school)
    stats = model.statistics(X_d, y_d, weight_d, cov_type="cluster", groups=school_d)
    assert calls == ["robust_block"]
    stats.summary(), stats.cov(), stats.wald_test("x1 = x2")
    assert calls == ["robust_block"]


def test_rows_that_are_not_the_training_rows_are_refused():
    X, y, weight, _, _ = make_data(2, seed=9)
    model = fitted(X, y, weight)
    with pytest.raises(ValueError, match="not the rows the model was fitted on"):
        model.statistics(*on_dask(X, y, weight * 1.5))


@pytest.mark.parametrize("at", ["overall", "mean", "zero"])
@pytest.mark.parametrize("method", ["dydx", "eyex", "eydx"])
def test_binary_marginal_effects_equal_the_in_memory_ones(at, method):
    X, y, weight, _, _ = make_data(2, seed=10)
    model = fitted(X, y, weight)
    got_stats = model.statistics(*on_dask(X, y, weight), cov_type="HC1")
    want_stats = model.statistics(X, y, weight, cov_type="HC1")
    options = dict(at=at, method=method, at_values={"x2": 1.5})
    if method != "eyex" and at != "zero":
        options.update(dummy=True, count=True)
    got = got_stats.marginal_effects(**options)
    want = want_stats.marginal_effects(**options)
    assert got.names == want.names
    assert_allclose(got.margeff, want.margeff, rtol=1e-8, atol=1e-14)
    assert_allclose(got.se, want.se, rtol=1e-8, atol=1e-14)
    if at != "zero":  # at x = 0 the elasticities are 0 with se 0: no z-values
        pd.testing.assert_frame_equal(got.summary_frame(), want.summary_frame(), rtol=1e-8)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_softmax_marginal_effects_equal_the_in_memory_ones(at):
    X, y, weight, _, _ = make_data(3, seed=11)
    model = fitted(X, y, weight)
    got = model.statistics(*on_dask(X, y, weight), reference=2).marginal_effects(
        at=at, dummy=True
    )
    want = model.statistics(X, y, weight, reference=2).marginal_effects(at=at, dummy=True)
    assert got.margeff.shape == want.margeff.shape == (3, 3)
    assert_allclose(got.margeff, want.margeff, rtol=1e-8, atol=1e-14)
    assert_allclose(got.se, want.se, rtol=1e-8, atol=1e-14)


def test_effects_that_are_not_sums_are_refused_with_a_reason():
    X, y, weight, _, _ = make_data(2, seed=12)
    stats = fitted(X, y, weight).statistics(*on_dask(X, y, weight))
    with pytest.raises(ValueError, match="median is not a sum"):
        stats.marginal_effects(at="median")
    with pytest.raises(ValueError, match="per row"):
        stats.marginal_effects(at="all")
    with pytest.raises(ValueError, match="binary models only"):
        fitted(*make_data(3, seed=12)[:3]).statistics(
            *on_dask(*make_data(3, seed=12)[:3]), cov_type="HC2"
        )


def test_predictions_with_intervals_are_lazy_and_equal_the_in_memory_ones():
    X, y, weight, school, _ = make_data(2, seed=13)
    model = fitted(X, y, weight)
    X_d, y_d, weight_d, school_d = on_dask(X, y, weight, school)
    stats = model.statistics(X_d, y_d, weight_d, cov_type="cluster", groups=school_d)
    lazy = stats.get_prediction(alpha=0.1)
    assert dask.is_dask_collection(lazy)
    want = model.statistics(X, y, weight, cov_type="cluster", groups=school)
    expected = want.get_prediction(alpha=0.1).summary_frame()
    got = lazy.compute()
    assert list(got.columns) == list(expected.columns)
    assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-8, atol=1e-15)


def test_softmax_predictions_of_a_dataframe_keep_its_index():
    X, y, weight, _, _ = make_data(3, seed=14)
    frame = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(N_SAMPLES) * 3)
    model = fitted(frame, y, weight)
    data = dd.from_pandas(frame.assign(y=y, w=weight), npartitions=3)
    stats = model.statistics(data[["a", "b", "c"]], data["y"], data["w"])
    got = stats.get_prediction(data[["a", "b", "c"]].iloc[:, :]).compute()
    want = model.statistics(frame, y, weight).get_prediction(frame)
    pd.testing.assert_index_equal(got.index, frame.index)
    for k, name in enumerate(want.class_names):
        assert_allclose(got[f"predicted[{name}]"], want.predicted[:, k], rtol=1e-12)
        assert_allclose(got[f"se[{name}]"], want.se[:, k], rtol=1e-8)
        assert_allclose(got[f"ci_upper[{name}]"], want.conf_int()[:, k, 1], rtol=1e-8)


def test_likelihood_ratio_test_of_nested_dask_fits():
    X, y, weight, _, _ = make_data(2, seed=15)
    full, small = fitted(X, y, weight), fitted(X[:, :1], y, weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    got = full.statistics(X_d, y_d, weight_d).lr_test(
        small.statistics(X_d[:, :1], y_d, weight_d)
    )
    want = full.statistics(X, y, weight).lr_test(small.statistics(X[:, :1], y, weight))
    assert got.df == want.df == 2
    assert_allclose([got.statistic, got.pvalue], [want.statistic, want.pvalue], rtol=1e-8)
    other = fitted(X[:, 1:], y, weight).statistics(X_d[:, 1:], y_d, weight_d)
    with pytest.raises(ValueError, match="not nested"):
        small.statistics(X_d[:, :1], y_d, weight_d).lr_test(other)
    with pytest.raises(ValueError, match="not nested"):
        full.statistics(X_d, y_d, weight_d).lr_test(
            fitted(X[:, :2] + 1e-3 * X[:, 2:] ** 2, y, weight).statistics(
                da.from_array(X[:, :2] + 1e-3 * X[:, 2:] ** 2, (CHUNK, -1)), y_d, weight_d
            )
        )
    unweighted = fitted(X[:, :1], y, None).statistics(X_d[:, :1], y_d)
    with pytest.raises(ValueError, match="same rows"):
        full.statistics(X_d, y_d, weight_d).lr_test(unweighted)


def test_cluster_sums_cross_processes_on_a_local_cluster():
    X, y, weight, school, region = make_data(3, seed=16)
    model = fitted(X, y, weight)
    labels = np.column_stack([school, region.astype(str)])
    want = model.statistics(X, y, weight, cov_type="cluster", groups=labels)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        X_d, y_d, weight_d, labels_d = on_dask(X, y, weight, labels)
        got = model.statistics(X_d, y_d, weight_d, cov_type="cluster", groups=labels_d)
        effects = got.marginal_effects()
    assert_same_table(got, want)
    expected = want.marginal_effects()
    assert_allclose(effects.margeff, expected.margeff, rtol=1e-8, atol=1e-14)
    assert_allclose(effects.se, expected.se, rtol=1e-8, atol=1e-14)
