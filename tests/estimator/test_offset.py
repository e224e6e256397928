"""Offsets: ``fit(X, y, offset=o)`` against statsmodels' ``Logit(..., offset=o)``
and ``GLM(..., offset=o)`` on the Spector and Liberman data (statsmodels'
``spector`` data set), computed here at test time."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron import LogisticRegression
from logitron.fitting import FitSettings, fit_arrays


@pytest.fixture(scope="module")
def spector() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = sm.datasets.spector.load_pandas().data
    X = data[["GPA", "TUCE"]].to_numpy()
    # PSI enters with a known coefficient of 0.7 (a prior study's), shifted.
    offset = 0.7 * data["PSI"].to_numpy() - 0.25
    return X, data["GRADE"].to_numpy(), offset


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "newton-cg", "prox-newton", "fista"])
def test_coefficients_equal_statsmodels_logit(spector, solver: str) -> None:
    X, y, offset = spector
    reference = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    model = LogisticRegression(C=np.inf, solver=solver, tol=1e-11).fit(X, y, offset=offset)
    fitted = np.r_[model.intercept_, model.coef_.ravel()]
    assert_allclose(fitted, reference.params, rtol=0, atol=1e-6)
    # The offset changed the answer: without it the fit is another one.
    plain = LogisticRegression(C=np.inf, solver=solver, tol=1e-11).fit(X, y)
    assert np.max(np.abs(plain.coef_ - model.coef_)) > 1e-2


def test_summary_equals_statsmodels_glm(spector) -> None:
    X, y, offset = spector
    reference = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset
    ).fit(tol=1e-12)
    logit = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    summary = model.summary()
    assert model.inference_ is not None
    assert_allclose(np.asarray(summary.params), reference.params, atol=1e-6)
    assert_allclose(np.asarray(summary.bse), reference.bse, rtol=1e-6)
    assert_allclose(model.inference_.loglik, reference.llf, rtol=1e-9)
    # llnull: the intercept-only fit WITH the offset (statsmodels, R).
    assert_allclose(model.inference_.loglik_null, logit.llnull, rtol=1e-6)
    assert_allclose(model.inference_.loglik_null, reference.llnull, rtol=1e-6)


def test_null_model_without_intercept_keeps_the_offset(spector) -> None:
    X, y, offset = spector
    reference = sm.Logit(y, X, offset=offset).fit(disp=0, tol=1e-12)
    model = LogisticRegression(C=np.inf, fit_intercept=False).fit(X, y, offset=offset)
    assert_allclose(model.coef_.ravel(), reference.params, atol=1e-6)
    assert model.inference_ is not None
    # R's glm: "the null model will include the offset, and an intercept if
    # there is one in the model", so here z = offset (statsmodels' llnull
    # always adds a constant): statsmodels' loglike at zero coefficients.
    null = sm.Logit(y, X, offset=offset).loglike(np.zeros(2))
    assert_allclose(model.inference_.loglik_null, null, rtol=1e-12)


def test_predictions_take_the_new_rows_offset(spector) -> None:
    X, y, offset = spector
    reference = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    new_X, new_offset = X[:7] + 0.1, offset[:7] - 0.5
    expected = reference.predict(sm.add_constant(new_X, has_constant="add"), offset=new_offset)
    assert_allclose(model.predict_proba(new_X, offset=new_offset)[:, 1], expected, atol=1e-9)
    assert_allclose(
        model.decision_function(new_X, offset=new_offset),
        sm.add_constant(new_X, has_constant="add") @ reference.params + new_offset,
        atol=1e-7,
    )
    assert_allclose(
        model.predict_log_proba(new_X, offset=new_offset)[:, 1], np.log(expected), atol=1e-8
    )
    assert np.array_equal(
        model.predict(new_X, offset=new_offset), (expected > 0.5).astype(y.dtype)
    )


def test_penalised_fit_with_offset_equals_sparse_and_an_unpenalised_column(spector) -> None:
    X, y, offset = spector
    dense = LogisticRegression(C=0.5, tol=1e-12).fit(X, y, offset=offset)
    sparse = LogisticRegression(C=0.5, tol=1e-12).fit(sp.csr_matrix(X), y, offset=offset)
    assert_allclose(sparse.coef_, dense.coef_, atol=1e-9)
    # An offset is a column whose coefficient is fixed at 1: the unpenalised
    # fit with the offset as a free column finds the same z when its
    # coefficient happens to be 1 (statsmodels' fit_constrained would too).
    free = sm.Logit(y, sm.add_constant(np.column_stack([X, offset]))).fit(disp=0, tol=1e-12)
    shifted = free.params[-1] * offset
    model = LogisticRegression(C=np.inf).fit(X, y, offset=shifted)
    assert_allclose(np.r_[model.intercept_, model.coef_.ravel()], free.params[:-1], atol=1e-6)


def test_fit_arrays_takes_an_offset(spector) -> None:
    X, y, offset = spector
    reference = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    outcome = fit_arrays(
        X, y.astype(np.intp), 2, np.ones(len(y)), FitSettings(C=np.inf, tol=1e-12),
        offset=offset,
    )
    coef, intercept = outcome.unpack(centre_coef=True)
    assert_allclose(np.r_[intercept, coef.ravel()], reference.params, atol=1e-6)


def test_bad_offsets_are_refused_by_name(spector) -> None:
    X, y, offset = spector
    model = LogisticRegression(C=np.inf)
    wrong_length = r"offset must hold one number per row of X.*\(32,\).*\(31,\)"
    with pytest.raises(ValueError, match=wrong_length):
        model.fit(X, y, offset=offset[:-1])
    with pytest.raises(ValueError, match="offset must be finite"):
        model.fit(X, y, offset=np.r_[offset[:-1], np.nan])
    three = np.arange(len(y)) % 3
    with pytest.raises(ValueError, match="offset is supported for two classes only"):
        model.fit(X, three, offset=offset)
    model.fit(X, y, offset=offset)
    with pytest.raises(ValueError, match=r"expected shape \(5,\), got \(4,\)"):
        model.predict_proba(X[:5], offset=offset[:4])


def test_dask_input_with_an_offset_is_refused(spector) -> None:
    da = pytest.importorskip("dask.array")
    X, y, offset = spector
    lazy_X, lazy_y = da.from_array(X, chunks=16), da.from_array(y, chunks=16)
    with pytest.raises(NotImplementedError, match="offset is not supported on Dask"):
        LogisticRegression(C=np.inf).fit(lazy_X, lazy_y, offset=offset)
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    with pytest.raises(NotImplementedError, match="offset is not supported on Dask"):
        model.predict_proba(lazy_X, offset=offset)


def test_weights_and_float32_with_an_offset(spector) -> None:
    X, y, offset = spector
    weight = np.arange(len(y)) % 3 + 1.0
    reference = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), offset=offset,
        freq_weights=weight,
    ).fit(tol=1e-12)
    model = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight, offset=offset)
    assert_allclose(np.r_[model.intercept_, model.coef_.ravel()], reference.params, atol=1e-6)
    assert_allclose(np.asarray(model.summary().bse), reference.bse, rtol=1e-6)
    # float32 data keep float32 coefficients, to float32's accuracy.
    unweighted = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    single = LogisticRegression(C=np.inf).fit(X.astype(np.float32), y, offset=offset)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.coef_.ravel(), unweighted.params[1:], rtol=1e-3)


def test_offset_routed_through_a_pipeline(spector) -> None:
    sklearn = pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y, offset = spector
    reference = sm.Logit(y, sm.add_constant(X), offset=offset).fit(disp=0, tol=1e-12)
    with sklearn.config_context(enable_metadata_routing=True):
        step = LogisticRegression(C=np.inf).set_fit_request(offset=True)
        pipeline = make_pipeline(FunctionTransformer(), step).fit(X, y, offset=offset)
    assert_allclose(pipeline[-1].coef_.ravel(), reference.params[1:], atol=1e-6)
