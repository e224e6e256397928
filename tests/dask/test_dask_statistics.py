"""Statistics of an unpenalised Dask fit: the in-memory summary, from one
more pass over the blocks.

Every number is compared with the same model fitted in memory (which
tests/inference/test_inference.py checks against statsmodels) to 1e-8, and the
weighted binary table also with statsmodels' GLM directly. The synchronous
scheduler runs the blocks in this process; one test runs them on a
LocalCluster of two worker processes (``conftest.py``).
"""

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron import LogisticRegression, io
from logitron.backends import as_data
from logitron.backends.dask_backend import DaskBlocks
from logitron.dask import group_terms
from logitron.exceptions import PerfectSeparationWarning
from logitron.inference import FitInference
from logitron.inference.record_sums import record_sums
from logitron.inference.separation_lp import margin_matrix
from logitron.inference.separation_sums import (
    certificate_correction,
    certificate_sums,
    certified_by_bound,
    corrected_margin,
)
from logitron.losses import BinaryCrossEntropy, SoftmaxCrossEntropy
from logitron.neuron import LinearUnit

N_SAMPLES, N_FEATURES, CHUNK = 900, 3, 200  # 5 blocks, the last short


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def make_data(n_classes, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) * [1.0, 3.0, 0.5] + [0.0, 1.0, -2.0]
    coef = rng.normal(size=(N_FEATURES, n_classes))
    raw = X @ coef + rng.gumbel(size=(N_SAMPLES, n_classes))
    y = raw.argmax(axis=1)
    weight = rng.uniform(0.5, 3.0, size=N_SAMPLES)
    return X, y, weight


def on_dask(*arrays):
    return [da.from_array(a, chunks=CHUNK if a.ndim == 1 else (CHUNK, -1)) for a in arrays]


def record_of(model) -> FitInference:
    record = model.inference_
    assert record is not None
    return record


def assert_same_statistics(model, expected):
    for cov_type in ("nonrobust", "HC0", "HC1"):
        got, want = model.summary(cov_type=cov_type), expected.summary(cov_type=cov_type)
        assert_allclose(got.params, want.params, rtol=1e-8, atol=1e-10)
        for name in ("bse", "zvalues", "pvalues", "conf_int", "cov_params"):
            assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-8, atol=1e-12)
    got, want = model.summary().fit, expected.summary().fit
    for name in ("loglik", "loglik_null", "lr_stat", "lr_pvalue", "pseudo_r2",
                 "deviance", "aic", "bic", "nobs", "df_resid"):
        assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-8, atol=1e-14)
    assert (got.lr_df, got.df_model) == (want.lr_df, want.df_model)
    record, wanted = record_of(model), record_of(expected)
    for name in ("information", "meat"):
        want_matrix = getattr(wanted, name)
        atol = 1e-8 * np.max(np.abs(want_matrix))
        assert_allclose(getattr(record, name), want_matrix, rtol=1e-8, atol=atol)
    assert record.n_samples == wanted.n_samples
    assert record.term_names == wanted.term_names
    assert record.class_names == wanted.class_names
    assert (record.separation, record.separation_checked) == ("", True)


@pytest.mark.parametrize(
    ("n_classes", "params", "weighted"),
    [
        pytest.param(2, dict(class_weight={1: 2.0}), True, id="binary-weights-class-weights"),
        pytest.param(2, dict(fit_intercept=False), False, id="binary-no-intercept"),
        pytest.param(2, dict(solver="lbfgs"), True, id="binary-lbfgs"),
        pytest.param(3, dict(class_weight="balanced"), True, id="softmax-balanced-weights"),
        pytest.param(4, dict(), False, id="softmax-4"),
    ],
)
def test_summary_equals_the_in_memory_summary(n_classes, params, weighted):
    X, y, weight = make_data(n_classes, seed=n_classes)
    sample_weight = weight if weighted else None
    expected = LogisticRegression(C=np.inf, **params).fit(X, y, sample_weight=sample_weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation warning, no non-convergence
        model = LogisticRegression(C=np.inf, **params).fit(
            X_d, y_d, sample_weight=weight_d if weighted else None
        )
    assert_same_statistics(model, expected)


def test_weighted_binary_table_matches_statsmodels_glm():
    X, y, weight = make_data(2, seed=11)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    model = LogisticRegression(C=np.inf).fit(X_d, y_d, sample_weight=weight_d)
    glm = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weight
    ).fit(tol=1e-12)
    summary = model.summary()
    assert_allclose(summary.params, glm.params, rtol=1e-7)
    assert_allclose(summary.bse, glm.bse, rtol=1e-7)
    assert_allclose(
        [summary.fit.loglik, summary.fit.loglik_null, summary.fit.aic, summary.fit.bic],
        [glm.llf, glm.llnull, glm.aic, glm.bic_llf],
        rtol=1e-9,
    )


def test_dataframe_input_names_the_terms_and_the_response():
    X, y, weight = make_data(3, seed=5)
    frame = pd.DataFrame(X, columns=["age", "dose", "score"])
    frame["outcome"] = np.array(["low", "mid", "high"])[y]
    frame["w"] = weight
    expected = LogisticRegression(C=np.inf).fit(
        frame[["age", "dose", "score"]], frame["outcome"], sample_weight=frame["w"]
    )
    data = dd.from_pandas(frame, npartitions=4)
    model = LogisticRegression(C=np.inf).fit(
        data[["age", "dose", "score"]], data["outcome"], sample_weight=data["w"]
    )
    assert_same_statistics(model, expected)
    assert record_of(model).response_name == "outcome"
    got, want = model.summary().to_frame(), expected.summary().to_frame()
    pd.testing.assert_index_equal(got.index, want.index)
    assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-8)


def test_the_record_is_one_graph_sent_by_the_first_summary(monkeypatch):
    # The fit sends no statistics pass (its separation screen rides on the
    # solver's passes); the first summary() sends one, later reads none.
    # (This fit stops one rounding-level step past Newton's last pass, so
    # even the default summary needs the record: test_dask_lazy_record.py
    # has fits whose default summary costs no pass.)
    X, y, weight = make_data(2, seed=7)
    expected = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    calls = []
    map_sum = DaskBlocks.map_sum

    def counting(self, function, block_args, constants=(), **kwargs):
        # A pass of group tasks names its block task first among the constants.
        task = constants[0] if function is group_terms.each_block else function
        calls.append(task.__name__)
        return map_sum(self, function, block_args, constants, **kwargs)

    monkeypatch.setattr(DaskBlocks, "map_sum", counting)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    model = LogisticRegression(C=np.inf).fit(X_d, y_d, sample_weight=weight_d)
    assert "record_block" not in calls
    calls.clear()
    summary = model.summary()
    assert calls == ["record_block"]
    calls.clear()
    assert_same_statistics(model, expected)
    model.summary(cov_type="HC1")
    assert calls == []
    assert_allclose(summary.bse, expected.summary().bse, rtol=1e-8)


def test_a_solver_without_a_final_hessian_computes_the_record_at_fit(monkeypatch):
    # L-BFGS's last pass has no Hessian, so the screen cannot run: the
    # record (and its separation check) comes with the fit, as before.
    X, y, weight = make_data(2, seed=7)
    calls = []
    map_sum = DaskBlocks.map_sum

    def counting(self, function, block_args, constants=(), **kwargs):
        calls.append(constants[0] if function is group_terms.each_block else function)
        return map_sum(self, function, block_args, constants, **kwargs)

    monkeypatch.setattr(DaskBlocks, "map_sum", counting)
    model = LogisticRegression(C=np.inf, solver="lbfgs").fit(*on_dask(X, y, weight))
    assert [task.__name__ for task in calls].count("record_block") == 1
    calls.clear()
    model.summary()
    assert calls == []


def test_complete_separation_is_found_from_the_end_point():
    X, _, _ = make_data(2, seed=8)
    separated = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    with pytest.warns(PerfectSeparationWarning, match="complete separation"):
        model = LogisticRegression(C=np.inf, max_iter=30).fit(*on_dask(X, separated))
    record = record_of(model)
    assert "classifies all 900 observations perfectly" in record.separation
    assert record.separation_checked
    assert "Warning: complete separation" in str(model.summary())


def test_quasi_complete_separation_is_reported_as_not_ruled_out():
    # x0 > 0 only in class 1, and x0 = 0 on rows of both classes:
    # quasi-complete separation (the coefficient of x0 diverges), which the
    # in-memory fit names with its linear programs. From block sums the
    # certificate fails and some row stays misclassified: not ruled out.
    X, y, _ = make_data(2, seed=9)
    X[:, 0] = np.maximum(X[:, 0], 0.0)
    y = np.where(X[:, 0] > 0, 1, y)
    with pytest.warns(PerfectSeparationWarning, match="quasi-complete separation"):
        in_memory = LogisticRegression(C=np.inf).fit(X, y)
    assert "quasi-complete" in record_of(in_memory).separation
    with pytest.warns(PerfectSeparationWarning, match="possible quasi-complete separation"):
        model = LogisticRegression(C=np.inf).fit(*on_dask(X, y))
    record = record_of(model)
    assert (record.separation, record.separation_checked) == ("", False)
    assert "separation was not ruled out" in str(model.summary())
    restored = FitInference.from_dict(record.to_dict())
    assert restored.separation_checked is False


def test_a_dask_fit_saves_its_statistics_in_the_model_file(tmp_path):
    X, y, weight = make_data(2, seed=16)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    model = LogisticRegression(C=np.inf).fit(X_d, y_d, sample_weight=weight_d)
    loaded = io.load(io.save(model, tmp_path / "model.json"))
    assert_same_statistics(loaded, model)


def test_records_saved_before_the_flag_read_as_checked():
    X, y, _ = make_data(2, seed=10)
    plain = record_of(LogisticRegression(C=np.inf).fit(X, y)).to_dict()
    del plain["separation_checked"]
    assert FitInference.from_dict(plain).separation_checked is True


@pytest.mark.parametrize("n_classes", [2, 3])
def test_block_sums_add_up_to_the_sums_over_all_rows(n_classes):
    # What the blocks add on the client is what one pass over all rows gives.
    X, y, weight = make_data(n_classes, seed=13)
    weight[:50] = 0.0  # rows without weight count nowhere
    fitted = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    n_outputs = 1 if n_classes == 2 else n_classes
    theta = LinearUnit(as_data(X), n_outputs, True).pack(fitted.coef_, fitted.intercept_)
    loss = BinaryCrossEntropy() if n_classes == 2 else SoftmaxCrossEntropy()

    def sums(rows):
        unit = LinearUnit(as_data(X[rows]), n_outputs, True)
        raw = unit.forward(theta)
        labels = y[rows].astype(float)
        return (
            record_sums(unit, loss, labels, weight[rows], n_classes, raw),
            certificate_sums(unit, X[rows], y[rows], weight[rows], raw),
        )

    whole_record, whole_certificate = sums(slice(None))
    parts = [sums(rows) for rows in np.array_split(np.arange(N_SAMPLES), 3)]
    record = parts[0][0] + parts[1][0] + parts[2][0]
    certificate = parts[0][1] + parts[1][1] + parts[2][1]
    for name in ("information", "meat", "class_totals"):
        assert_allclose(getattr(record, name), getattr(whole_record, name), rtol=1e-12)
    assert_allclose(record.loglik, whole_record.loglik, rtol=1e-12)
    assert record.n_samples == whole_record.n_samples == N_SAMPLES - 50
    assert_allclose(certificate.score, whole_certificate.score, rtol=1e-8,
                    atol=1e-10 * np.max(np.abs(whole_record.information)))
    assert_allclose(
        certificate.column_bound,
        np.append(np.max(np.abs(X[50:]), axis=0), 1.0),
    )
    assert not certificate.underflow
    unit = LinearUnit(as_data(X), n_outputs, True)
    assert certified_by_bound(unit, certificate, record.information)


def test_the_record_crosses_processes_on_a_local_cluster(cluster, graph_counter):
    # 2 worker processes: the block sums are pickled to the client and added
    # there; the numbers are those of the in-memory fit.
    X, y, weight = make_data(3, seed=14)
    expected = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    X_d, y_d, weight_d = on_dask(X, y, weight)
    # The cluster's Client, not this module's synchronous scheduler.
    with dask.config.set(scheduler="dask.distributed"):
        model = LogisticRegression(C=np.inf).fit(X_d, y_d, sample_weight=weight_d)
    assert graph_counter.graphs > 0
    assert_same_statistics(model, expected)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_the_correction_from_the_information_balances_the_margin_rows(n_classes):
    # The bound's premise (inference/separation_sums.py): with u from the
    # Fisher information, lam_ij = s_i p_ij (1 + sum_{k != j} p_ik x~_i @
    # (u_k - u_j)) has A.T @ lam = 0, A the margin rows that separation_lp
    # builds for the linear programs. Checked away from the optimum, where
    # the score A.T @ lam0 is far from 0.
    rng = np.random.default_rng(15)
    n, d = 60, 3
    X, y, s = rng.normal(size=(n, d)), rng.integers(0, n_classes, n), rng.uniform(0.5, 2, n)
    n_outputs = 1 if n_classes == 2 else n_classes
    unit = LinearUnit(as_data(X), n_outputs, True)
    raw = unit.forward(rng.normal(size=unit.n_params) * 0.5)
    loss = BinaryCrossEntropy() if n_classes == 2 else SoftmaxCrossEntropy()
    information = record_sums(unit, loss, y.astype(float), s, n_classes, raw).information
    certificate = certificate_sums(unit, X, y, s, raw)
    width = d + 1
    reduced = np.arange(width if n_outputs > 1 else 0, unit.n_params)
    u = np.vstack([
        np.zeros(width),
        -np.linalg.solve(information[np.ix_(reduced, reduced)],
                         certificate.score[reduced]).reshape(-1, width),
    ])
    proba = loss.proba(raw)
    proba = np.column_stack([1 - proba, proba]) if n_classes == 2 else proba
    design = sp.csr_matrix(np.column_stack([X, np.ones(n)]))
    rows, observations, pairs = margin_matrix(design, y, n_classes)
    x_u = np.column_stack([X, np.ones(n)]) @ u.T  # x~_i @ u_k
    i, j = observations, pairs[:, 1]
    correction = (proba[i] * (x_u[i] - x_u[i, j][:, None])).sum(axis=1)
    lam = s[i] * proba[i, j] * (1 + correction)
    lam0 = s[i] * proba[i, j]
    assert np.max(np.abs(rows.T @ lam0)) > 1.0
    assert_allclose(rows.T @ lam, 0.0, atol=1e-12 * np.max(np.abs(rows.T @ lam0)))
    # What the row check computes from sums and one pass: the same u, and
    # the smallest correction over the margin rows.
    full = certificate_correction(unit, certificate, information)
    assert full is not None
    assert_allclose(full.reshape(-1, width), u[-len(full) // width:], rtol=1e-10)
    assert_allclose(corrected_margin(unit, y, s, raw, full), correction.min(), rtol=1e-10)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_loosely_converged_fit_of_data_not_separated_gives_no_warning(n_classes):
    # At tol=0.1 Newton stops far from the optimum, where the score is large
    # and the certificate's bound from sums fails: the row check and the
    # certificate at Newton iterates past the estimate settle it instead.
    X, y, _ = make_data(n_classes, seed=21)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        model = LogisticRegression(C=np.inf, solver="newton", tol=0.1).fit(*on_dask(X, y))
    record = record_of(model)
    assert (record.separation, record.separation_checked) == ("", True)
    n_outputs = 1 if n_classes == 2 else n_classes
    unit = LinearUnit(as_data(X), n_outputs, True)
    raw = unit.forward(unit.pack(model.coef_, model.intercept_))
    certificate = certificate_sums(unit, X, y, np.ones(N_SAMPLES), raw)
    assert not certified_by_bound(unit, certificate, record.information)
