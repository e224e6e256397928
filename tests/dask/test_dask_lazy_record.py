"""The statistics of an unpenalised Dask fit, computed when first asked for.

The fit keeps a reference to the collection (its graph) and sends no
statistics pass; the first ``summary()`` sends one graph and gives the
in-memory numbers (``test_dask_statistics.assert_same_statistics``, to 1e-8);
``compute_statistics`` and ``release_training_data`` behave as in memory.
Run on the module's LocalCluster of two worker processes (``conftest.py``).
"""

import pickle

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from logitron import LogisticRegression
from logitron.backends.dask_backend import DaskBlocks
from logitron.dask import group_terms

from .test_dask_statistics import assert_same_statistics, make_data, on_dask


@pytest.fixture
def block_tasks(monkeypatch):
    """Names of the block tasks of the passes the client sends, in order."""
    names: list[str] = []
    map_sum = DaskBlocks.map_sum

    def counting(self, function, block_args, constants=(), **kwargs):
        # A pass of group tasks names its block task first among the constants.
        task = constants[0] if function is group_terms.each_block else function
        names.append(task.__name__)
        return map_sum(self, function, block_args, constants, **kwargs)

    monkeypatch.setattr(DaskBlocks, "map_sum", counting)
    return names


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_record_is_one_graph_sent_by_the_first_read_that_needs_it(
    cluster, graph_counter, block_tasks, n_classes
):
    X, y, weight = make_data(n_classes, seed=40 + n_classes)
    expected = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    model = LogisticRegression(C=np.inf).fit(*on_dask(X, y, weight))
    assert "record_block" not in block_tasks
    graph_counter.graphs = 0
    block_tasks.clear()
    first = model.summary(cov_type="HC0")
    assert (graph_counter.graphs, block_tasks) == (1, ["record_block"])
    np.testing.assert_allclose(
        first.bse, expected.summary(cov_type="HC0").bse, rtol=1e-8
    )
    assert_same_statistics(model, expected)
    assert graph_counter.graphs == 1  # every later read from the record


# Seeds whose Newton stops by its tolerance at an evaluated point (two
# classes can also stop by the bound after a step, newton_certificate, whose
# summary then sends its pass).
@pytest.mark.parametrize(("n_classes", "seed"), [(2, 40), (3, 45), (4, 4)])
def test_a_fit_stopped_at_its_estimate_gives_the_default_summary_free(
    cluster, graph_counter, block_tasks, n_classes, seed
):
    # Stopped by its tolerance, Newton's last pass was at the estimate: its
    # value and Hessian are the log-likelihood and the information, and the
    # nonrobust summary needs no pass; a sandwich covariance sends the one.
    X, y, weight = make_data(n_classes, seed=seed)
    expected = LogisticRegression(C=np.inf, tol=1e-6).fit(X, y, sample_weight=weight)
    model = LogisticRegression(C=np.inf, tol=1e-6).fit(*on_dask(X, y, weight))
    graph_counter.graphs = 0
    got, want = model.summary(), expected.summary()
    assert (graph_counter.graphs, block_tasks.count("record_block")) == (0, 0)
    for name in ("params", "bse", "zvalues", "pvalues", "conf_int", "cov_params"):
        np.testing.assert_allclose(
            getattr(got, name), getattr(want, name), rtol=1e-8, atol=1e-12
        )
    for name in ("loglik", "loglik_null", "lr_stat", "pseudo_r2", "aic", "bic", "nobs"):
        np.testing.assert_allclose(getattr(got.fit, name), getattr(want.fit, name), rtol=1e-10)
    np.testing.assert_allclose(got.fit.df_resid, want.fit.df_resid, rtol=1e-12)
    model.summary(cov_type="HC1")
    assert (graph_counter.graphs, block_tasks.count("record_block")) == (1, 1)
    assert_same_statistics(model, expected)


def test_compute_statistics_and_release_training_data_as_in_memory(
    cluster, graph_counter, block_tasks
):
    X, y, weight = make_data(2, seed=44)
    expected = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    data = on_dask(X, y, weight)
    computed = LogisticRegression(C=np.inf).fit(*data).compute_statistics()
    assert block_tasks.count("record_block") == 1
    graph_counter.graphs = 0
    assert_same_statistics(computed, expected)
    assert graph_counter.graphs == 0
    restored = pickle.loads(pickle.dumps(computed))
    assert_same_statistics(restored, expected)

    released = LogisticRegression(C=np.inf).fit(*data).release_training_data()
    assert released.inference_ is None
    with pytest.raises(ValueError, match="release_training_data"):
        released.summary()
    assert block_tasks.count("record_block") == 1


def test_a_pickle_carries_the_record_computed_then(cluster, block_tasks):
    X, y, weight = make_data(3, seed=45)
    expected = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    model = LogisticRegression(C=np.inf).fit(*on_dask(X, y, weight))
    restored = pickle.loads(pickle.dumps(model))
    assert block_tasks.count("record_block") == 1
    assert_same_statistics(restored, expected)


def test_files_changed_after_fit_are_refused(cluster, tmp_path):
    # The record is computed from the files when first asked for: if they
    # changed, its log-likelihood is not the fit's, and summary() says so.
    # The model that computed its statistics before the change keeps them.
    rng = np.random.default_rng(46)
    frame = pd.DataFrame(rng.normal(size=(1200, 3)), columns=["a", "b", "c"])
    frame["label"] = (frame.a - frame.b + rng.logistic(size=1200) > 0).astype(int)
    frame["w"] = 1.0
    for i, rows in enumerate(np.array_split(np.arange(1200), 3)):
        frame.iloc[rows].to_parquet(tmp_path / f"part-{i}.parquet")
    data = dd.read_parquet(tmp_path)
    model = LogisticRegression(C=np.inf).fit(data[["a", "b", "c"]], data["label"])
    # Weighted, so that its graphs share no key with the first model's (the
    # scheduler may still hold a result of the same key).
    kept = LogisticRegression(C=np.inf).fit(
        data[["a", "b", "c"]], data["label"], sample_weight=data["w"]
    )
    kept.compute_statistics()
    changed = frame.iloc[:400].assign(label=1 - frame.label.iloc[:400])
    changed.to_parquet(tmp_path / "part-0.parquet")
    # The record is computed from the files, and refuses them.
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.summary(cov_type="HC1")
    expected = LogisticRegression(C=np.inf).fit(frame[["a", "b", "c"]], frame["label"])
    assert_same_statistics(kept, expected)
