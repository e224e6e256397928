"""The statistics record of an unpenalised fit is computed when first asked
for, from the training data the fit keeps a reference to (issue 18, item 1).

Numbers are checked against statsmodels' ``Logit`` / ``MNLogit``; the
laziness itself by counting calls of ``record_fit``.
"""

from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest
import statsmodels.api as sm

import logitron
from logitron import LogisticRegression, _lazy_record
from logitron.inference import fit_screen


def binary(n: int = 4000, d: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ np.linspace(0.5, -0.5, d) + rng.logistic(size=n) > 0).astype(int)
    return X, y


@pytest.fixture
def record_calls(monkeypatch):
    """The ``with_meat`` argument of every ``record_fit`` call."""
    calls: list[bool] = []
    original = _lazy_record.record_fit

    def counted(*args, **kwargs):
        calls.append(kwargs.get("with_meat", True))
        return original(*args, **kwargs)

    monkeypatch.setattr(_lazy_record, "record_fit", counted)
    return calls


def statsmodels_fit(X, y, **kwargs):
    return sm.Logit(y, sm.add_constant(X)).fit(disp=0, **kwargs)


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs"])
def test_fit_computes_no_record_and_summary_matches_statsmodels(record_calls, solver):
    X, y = binary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=np.inf, solver=solver, tol=1e-10).fit(X, y)
    assert record_calls == []
    reference = statsmodels_fit(X, y)
    np.testing.assert_allclose(model.summary().bse, reference.bse, rtol=1e-6)
    # The default summary computes the information only: one Gram product.
    assert record_calls == [False]
    robust = statsmodels_fit(X, y, cov_type="HC0")
    np.testing.assert_allclose(model.summary(cov_type="HC0").bse, robust.bse, rtol=1e-6)
    assert record_calls == [False]  # the meat alone was added
    record = model.inference_
    assert record is not None
    np.testing.assert_allclose(record.loglik, reference.llf, rtol=1e-10)


def test_softmax_record_is_lazy_too(record_calls):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 3))
    y = np.argmax(X @ rng.normal(size=(3, 3)) + rng.gumbel(size=(3000, 3)), axis=1)
    model = LogisticRegression(C=np.inf, solver="newton").fit(X, y)
    assert record_calls == []
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    np.testing.assert_allclose(
        model.summary().bse.reshape(2, -1), np.asarray(reference.bse).T, rtol=1e-5
    )


def test_separated_data_still_warn_at_fit(record_calls):
    X, y = binary(200, 2)
    X[:, 0] = np.where(y == 1, 1.0, -1.0) + 0.1 * X[:, 1]  # complete separation
    with pytest.warns(logitron.PerfectSeparationWarning, match="complete separation"):
        LogisticRegression(C=np.inf).fit(X, y)
    assert record_calls == [True]  # the screen failed: the record came at fit


def test_a_rare_column_sends_the_fit_to_the_full_record(record_calls):
    # A column non-zero on 3 rows only: evenly spaced samples of 2,000 of
    # the 10,000 rows miss it, so the screen cannot decide.
    X, y = binary(10_000, 3)
    rare = np.zeros(len(y))
    rare[[1, 2, 3]] = [1.0, 2.0, 1.5]
    y[[1, 2, 3]] = [1, 0, 1]
    X = np.column_stack([X, rare])
    model = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    assert record_calls == [True]
    np.testing.assert_allclose(model.summary().bse, statsmodels_fit(X, y).bse, rtol=1e-5)


def test_changing_X_in_place_after_fit_is_refused():
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y)
    X[:10, 0] *= 2.0
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.summary()
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.inference_  # noqa: B018


def test_a_change_in_the_last_rows_is_refused_too():
    X, y = binary(50_000, 5)
    model = LogisticRegression(C=np.inf).fit(X, y)
    X[-1, -1] += 1.0
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.summary()


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_value_written_into_X_after_fit_is_refused(value):
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y)
    X[3, 1] = value
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.summary()


def test_the_meat_after_the_summary_checks_X_again():
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y)
    model.summary()  # the information only
    X[5, 2] -= 3.0
    with pytest.raises(ValueError, match="training data changed after fit"):
        model.summary(cov_type="HC0")


def test_compute_statistics_lets_go_of_the_data_and_keeps_the_numbers():
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y).compute_statistics()
    X[:, 0] = 0.0  # no longer read: the record is computed
    np.testing.assert_allclose(
        model.summary().bse, statsmodels_fit(*binary()).bse, rtol=1e-6
    )


def test_release_training_data_without_a_record():
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y).release_training_data()
    with pytest.raises(ValueError, match="release_training_data"):
        model.summary()
    assert model.inference_ is None
    with pytest.raises(ValueError, match="no inference record"):
        model.statistics(X, y)
    model.fit(X, y)  # a new fit keeps its data again
    expected = statsmodels_fit(X, y).bse
    np.testing.assert_allclose(model.summary().bse, expected, rtol=1e-6)


def test_a_pickle_carries_the_record_and_not_X():
    X, y = binary(20_000, 10)
    model = LogisticRegression(C=np.inf).fit(X, y)
    data = pickle.dumps(model)
    assert len(data) < X.nbytes / 20
    loaded = pickle.loads(data)
    np.testing.assert_allclose(loaded.summary().bse, statsmodels_fit(X, y).bse, rtol=1e-6)


def test_a_model_file_carries_the_record(tmp_path):
    X, y = binary()
    model = LogisticRegression(C=np.inf).fit(X, y)
    path = tmp_path / "model.npz"
    logitron.save(model, path)
    loaded = logitron.load(path)
    np.testing.assert_allclose(loaded.summary().bse, statsmodels_fit(X, y).bse, rtol=1e-6)
    buffer = io.BytesIO()
    pickle.dump(loaded, buffer)  # a loaded model has nothing pending
    assert buffer.tell() < X.nbytes / 4


def test_the_screen_runs_where_its_gram_is_cheap_next_to_the_fit():
    # 2,000 sampled rows of 21 columns against 100,000: a fraction of a pass.
    assert fit_screen.screen_pays(100_000, 2_000, 21)
    # 2,002 sampled rows of 1,001 columns against 20,000 rows: 100 passes.
    assert not fit_screen.screen_pays(20_000, 2_002, 1_001)
    # Small data always: a Gram of at most SCREEN_FREE_FLOPS.
    assert fit_screen.screen_pays(300, 300, 101)


@pytest.fixture
def no_free_screen(monkeypatch):
    """Every screen measured by its passes alone (none is free)."""
    monkeypatch.setattr(fit_screen, "SCREEN_FREE_FLOPS", 0.0)


def test_wide_separated_data_warn_when_the_record_is_computed(record_calls, no_free_screen):
    # 51 parameters on 300 rows: the screen's Gram would cost 51 passes.
    X, y = binary(300, 50)
    X[:, 0] = np.where(y == 1, 1.0, -1.0) + 0.1 * X[:, 1]  # complete separation
    assert not fit_screen.screen_pays(300, 300, 51)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=np.inf).fit(X, y)
    assert record_calls == []
    with pytest.warns(logitron.PerfectSeparationWarning, match="complete separation"):
        summary = model.summary()
    assert "no MLE" in str(summary)
    assert record_calls == [False]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only: the meat adds no warning
        model.summary(cov_type="HC0")


def test_wide_collinear_columns_warn_when_the_record_is_computed(no_free_screen):
    X, y = binary(300, 50)
    X[:, -1] = X[:, 0] - X[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=np.inf).fit(X, y)
    with (
        pytest.warns(logitron.CollinearityWarning, match="x50 = 1 \\* x1 - 1 \\* x2"),
        pytest.raises(logitron.SingularInformationError, match="x50"),
    ):
        model.summary()


def test_summary_takes_the_log_likelihood_from_the_fit(monkeypatch):
    # L-BFGS evaluated J at its estimate: summary() reads the log-likelihood
    # from it (-sum(s) * J) and computes only the loss's curvature, yet gives
    # statsmodels' GLM log-likelihood with frequency weights and an offset.
    from logitron.losses import BinaryCrossEntropy

    X, y = binary(n=3000)
    rng = np.random.default_rng(1)
    weight = rng.choice([0.5, 1.0, 3.0], size=len(y))
    offset = rng.normal(scale=0.3, size=len(y))
    model = LogisticRegression(C=np.inf, solver="lbfgs", tol=1e-10).fit(
        X, y, sample_weight=weight, offset=offset
    )
    assert model.__dict__["_pending_record"].value is not None
    losses = []
    full_terms = BinaryCrossEntropy.value_gradient_hessian

    def counted(self, *args, **kwargs):
        losses.append(1)
        return full_terms(self, *args, **kwargs)

    monkeypatch.setattr(BinaryCrossEntropy, "value_gradient_hessian", counted)
    loglik = model.summary().fit.loglik
    assert losses == []
    reference = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset,
        freq_weights=weight,
    ).fit(tol=1e-12)
    np.testing.assert_allclose(loglik, reference.llf, rtol=1e-10)
