"""Inference on unpenalised fits against statsmodels (Logit, GLM, MNLogit).

Both sides are fitted to tight tolerances, so estimates agree to about 1e-7
relative and every derived statistic is compared at rtol=1e-6. p-values are
probabilities and are compared with atol=1e-6 (a relative test would ask for
agreement far in the tail, e.g. at p = 1e-50).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_wine

from logitron import CollinearityWarning, LogisticRegression, SingularInformationError
from logitron.inference import FitInference

RTOL = 1e-6
P_ATOL = 1e-6


def fit_ml(X, y, sample_weight=None, **params):
    model = LogisticRegression(C=np.inf, tol=1e-12, **params)
    return model.fit(X, y, sample_weight=sample_weight)


def sm_fit(model, cov_type="nonrobust"):
    return model.fit(
        disp=0, method="newton", tol=1e-12, maxiter=100, cov_type=cov_type
    )


def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


def breast_cancer():
    data = load_breast_cancer(as_frame=True)
    columns = ["mean radius", "mean texture", "mean smoothness"]
    return data.data[columns], data.target


def anes_vote():
    data = sm.datasets.anes96.load_pandas().data
    return data[["logpopul", "selfLR", "age", "educ", "income"]], data["vote"]


def anes_party():
    data = sm.datasets.anes96.load_pandas().data
    return data[["logpopul", "selfLR", "age", "educ", "income"]], data["PID"]


def wine():
    data = load_wine(as_frame=True)
    return data.data[["alcohol", "malic_acid"]], data.target


BINARY = [spector, breast_cancer, anes_vote]
MULTINOMIAL = [anes_party, wine]


def frequency_weights(n, seed=0):
    return np.random.default_rng(seed).integers(1, 4, size=n).astype(np.float64)


def flat_mnlogit(values):
    """MNLogit arrays are (n_terms, K-1); ours run class by class."""
    return np.asarray(values).T.ravel()


def assert_cov_close(actual, desired):
    """Covariances to rtol on the scale of the variances: an off-diagonal
    entry near 0 is judged against sqrt(var_i * var_j), not against itself."""
    desired = np.asarray(desired)
    scale = np.sqrt(np.outer(np.diag(desired), np.diag(desired)))
    assert_allclose(actual / scale, desired / scale, rtol=0, atol=RTOL)


def check_table(summary, params, bse, pvalues):
    assert_allclose(summary.params, params, rtol=RTOL)
    assert_allclose(summary.bse, bse, rtol=RTOL)
    assert_allclose(summary.pvalues, pvalues, rtol=0, atol=P_ATOL)


# -- binary: statsmodels Logit ---------------------------------------------
@pytest.mark.parametrize("dataset", BINARY)
def test_binary_matches_statsmodels_logit(dataset):
    X, y = dataset()
    summary = fit_ml(X, y).summary(alpha=0.1)
    reference = sm_fit(sm.Logit(y, sm.add_constant(X)))
    check_table(summary, reference.params, reference.bse, reference.pvalues)
    assert_allclose(summary.zvalues, reference.tvalues, rtol=RTOL)
    assert_allclose(summary.conf_int, reference.conf_int(alpha=0.1), rtol=RTOL)
    assert_cov_close(summary.cov_params, reference.cov_params())
    fit = summary.fit
    assert_allclose(
        [fit.loglik, fit.loglik_null, fit.lr_stat, fit.pseudo_r2, fit.aic, fit.bic],
        [reference.llf, reference.llnull, reference.llr, reference.prsquared,
         reference.aic, reference.bic],
        rtol=RTOL,
    )
    assert_allclose(fit.lr_pvalue, reference.llr_pvalue, rtol=RTOL, atol=P_ATOL)
    assert (fit.df_model, fit.df_resid) == (reference.df_model, reference.df_resid)


@pytest.mark.parametrize("dataset", BINARY)
def test_binary_robust_covariance_matches_statsmodels(dataset):
    X, y = dataset()
    model = fit_ml(X, y)
    reference = sm_fit(sm.Logit(y, sm.add_constant(X)), cov_type="HC0")
    hc0 = model.summary(cov_type="HC0")
    check_table(hc0, reference.params, reference.bse, reference.pvalues)
    # statsmodels' likelihood models return HC0 for "HC1"; HC1 here is
    # MacKinnon & White's nobs / (nobs - k) rescaling of it, as in R's sandwich.
    n, k = len(y), X.shape[1] + 1
    hc1 = model.summary(cov_type="HC1")
    assert_cov_close(hc1.cov_params, reference.cov_params() * n / (n - k))


@pytest.mark.parametrize("dataset", BINARY)
def test_frequency_weights_match_glm_and_repeated_rows(dataset):
    X, y = dataset()
    weight = frequency_weights(len(y))
    model = fit_ml(X, y, sample_weight=weight)
    summary = model.summary()
    glm = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weight
    ).fit(tol=1e-12)
    check_table(summary, glm.params, glm.bse, glm.pvalues)
    fit = summary.fit
    assert_allclose(
        [fit.loglik, fit.loglik_null, fit.deviance, fit.null_deviance, fit.aic,
         fit.bic],
        [glm.llf, glm.llnull, glm.deviance, glm.null_deviance, glm.aic, glm.bic_llf],
        rtol=RTOL,
    )
    # GLM's nobs counts rows, its df_resid and BIC use the sum of the weights.
    assert fit.nobs == weight.sum()
    assert fit.df_resid == glm.df_resid
    repeats = weight.astype(int)
    repeated = sm_fit(
        sm.Logit(np.repeat(y.to_numpy(), repeats),
                 np.repeat(sm.add_constant(X).to_numpy(), repeats, axis=0)),
        cov_type="HC0",
    )
    robust = model.summary(cov_type="HC0")
    check_table(robust, repeated.params, repeated.bse, repeated.pvalues)


def test_no_intercept_matches_logit_and_nulls_to_equal_odds():
    X, y = spector()
    summary = fit_ml(X, y, fit_intercept=False).summary()
    reference = sm_fit(sm.Logit(y, X))
    check_table(summary, reference.params, reference.bse, reference.pvalues)
    assert_allclose(summary.fit.loglik, reference.llf, rtol=RTOL)
    # R's convention: without an intercept the null model is z = 0 (p = 1/2),
    # so the LR test compares nested models; statsmodels refits a constant.
    assert_allclose(summary.fit.loglik_null, len(y) * np.log(0.5), rtol=1e-12)
    assert summary.fit.lr_df == X.shape[1]


def test_sparse_input_gives_the_same_record():
    X, y = breast_cancer()
    dense = fit_ml(X.to_numpy(), y).inference_
    sparse = fit_ml(sp.csr_matrix(X.to_numpy()), y).inference_
    assert_allclose(sparse.information, dense.information, rtol=1e-10)
    assert_allclose(sparse.meat, dense.meat, rtol=1e-10)
    assert_allclose(sparse.params, dense.params, rtol=1e-8)


# -- multinomial: statsmodels MNLogit ---------------------------------------
@pytest.mark.parametrize("dataset", MULTINOMIAL)
def test_multinomial_matches_statsmodels_mnlogit(dataset):
    X, y = dataset()
    model = fit_ml(X, y)
    summary = model.summary()
    reference = sm_fit(sm.MNLogit(y, sm.add_constant(X)))
    check_table(
        summary,
        flat_mnlogit(reference.params),
        flat_mnlogit(reference.bse),
        flat_mnlogit(reference.pvalues),
    )
    fit = summary.fit
    assert_allclose(
        [fit.loglik, fit.loglik_null, fit.lr_stat, fit.pseudo_r2, fit.aic, fit.bic],
        [reference.llf, reference.llnull, reference.llr, reference.prsquared,
         reference.aic, reference.bic],
        rtol=RTOL,
    )
    assert (fit.df_model, fit.df_resid) == (reference.df_model, reference.df_resid)
    robust = sm_fit(sm.MNLogit(y, sm.add_constant(X)), cov_type="HC0")
    check_table(
        model.summary(cov_type="HC0"),
        flat_mnlogit(robust.params),
        flat_mnlogit(robust.bse),
        flat_mnlogit(robust.pvalues),
    )


def test_multinomial_frequency_weights_match_repeated_rows():
    X, y = wine()
    weight = frequency_weights(len(y), seed=1)
    summary = fit_ml(X, y, sample_weight=weight).summary()
    repeats = weight.astype(int)
    reference = sm_fit(
        sm.MNLogit(np.repeat(y.to_numpy(), repeats),
                   np.repeat(sm.add_constant(X).to_numpy(), repeats, axis=0))
    )
    check_table(
        summary,
        flat_mnlogit(reference.params),
        flat_mnlogit(reference.bse),
        flat_mnlogit(reference.pvalues),
    )
    assert_allclose([summary.fit.loglik, summary.fit.aic, summary.fit.bic],
                    [reference.llf, reference.aic, reference.bic], rtol=RTOL)


def test_reference_class_is_a_reparametrisation():
    X, y = wine()
    model = fit_ml(X, y)
    first = model.summary()
    last = model.summary(reference=2)
    n_terms = X.shape[1] + 1
    # gamma(0 vs 2) = -gamma(2 vs 0): same standard errors, opposite signs.
    assert_allclose(last.params[:n_terms], -first.params[n_terms:], rtol=1e-12)
    assert_allclose(last.bse[:n_terms], first.bse[n_terms:], rtol=1e-8)
    # gamma(1 vs 2) = gamma(1 vs 0) - gamma(2 vs 0), with its covariance.
    difference = np.hstack([np.eye(n_terms), -np.eye(n_terms)])
    assert_allclose(last.params[n_terms:], difference @ first.params, rtol=1e-10)
    assert_allclose(last.cov_params[n_terms:, n_terms:],
                    difference @ first.cov_params @ difference.T, rtol=1e-8)
    assert last.fit == first.fit
    with pytest.raises(ValueError, match="not one of the classes"):
        model.summary(reference="setosa")


def test_binary_model_has_only_its_own_reference():
    X, y = spector()
    with pytest.raises(ValueError, match="log-odds of class"):
        fit_ml(X, y).summary(reference=1.0)


# -- summary object ---------------------------------------------------------
def test_summary_text_and_frame_carry_the_names():
    X, y = spector()
    summary = fit_ml(X, y).summary(alpha=0.1)
    text = str(summary)
    for expected in ["Dep. variable:", "GRADE", "Intercept", "GPA", "TUCE", "PSI",
                     "[0.05", "0.95]", "AIC / BIC:"]:
        assert expected in text
    frame = summary.to_frame()
    assert list(frame.index) == ["Intercept", "GPA", "TUCE", "PSI"]
    assert list(frame.columns) == ["coef", "std err", "z", "P>|z|", "[0.05", "0.95]"]
    assert_allclose(frame["std err"], summary.bse)


def test_multinomial_frame_is_indexed_by_class_and_term():
    X, y = wine()
    summary = fit_ml(X, y).summary()
    frame = summary.to_frame()
    assert frame.index.names == ["target", "term"]
    assert list(frame.index) == [
        (cls, term) for cls in ["1", "2"] for term in ["Intercept", *X.columns]
    ]
    text = str(summary)
    assert "target=1" in text
    assert "target=2" in text
    assert "reference class '0'" in text


def test_numpy_input_gets_statsmodels_style_names():
    X, y = spector()
    summary = fit_ml(X.to_numpy(), y.to_numpy()).summary()
    assert list(summary.to_frame().index) == ["Intercept", "x1", "x2", "x3"]


def test_bad_arguments_are_refused():
    X, y = spector()
    model = fit_ml(X, y)
    with pytest.raises(ValueError, match="cov_type"):
        model.summary(cov_type="HC3")
    with pytest.raises(ValueError, match="alpha"):
        model.summary(alpha=1.5)


def test_penalised_fit_refuses_with_the_reason():
    X, y = spector()
    model = LogisticRegression(C=1.0).fit(X, y)
    assert model.inference_ is None
    with pytest.raises(ValueError, match=r"unpenalised.*C=np.inf"):
        model.summary()


# -- the stored record --------------------------------------------------------
@pytest.mark.parametrize("dataset", [spector, wine])
def test_record_round_trips_through_json(dataset):
    X, y = dataset()
    model = fit_ml(X, y)
    plain = model.inference_.to_dict()
    as_json = json.dumps(
        {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in plain.items()}
    )
    restored = FitInference.from_dict(json.loads(as_json))
    model.inference_ = restored
    assert str(model.summary(cov_type="HC1")) == str(
        fit_ml(X, y).summary(cov_type="HC1")
    )


def test_record_from_dict_rejects_bad_input():
    X, y = spector()
    plain = fit_ml(X, y).inference_.to_dict()
    with pytest.raises(ValueError, match="format"):
        FitInference.from_dict({**plain, "format": 99})
    del plain["meat"]
    with pytest.raises(ValueError, match="missing the fields"):
        FitInference.from_dict(plain)


# -- singular information -----------------------------------------------------
def test_collinear_columns_are_named_never_nan():
    X, y = spector()
    X = X.assign(GPA2=2.0 * X["GPA"] - X["TUCE"])
    with pytest.warns(CollinearityWarning, match="GPA, TUCE, GPA2"):
        model = fit_ml(X, y, max_iter=30)
    with pytest.raises(SingularInformationError, match="GPA, TUCE, GPA2") as error:
        model.summary()
    assert "collinear" in str(error.value)
    # The message states one exact relation among the columns: it must hold.
    relation = re.search(r"non-zero weight, (\w+) = (.*?)\. ", str(error.value))
    assert relation is not None
    combination = sum(
        float(coefficient) * X[name]
        for coefficient, name in re.findall(r"([-+]?\s*[\d.e+-]+) \* (\w+)",
                                            relation.group(2).replace("- ", "-"))
    )
    assert_allclose(combination, X[relation.group(1)], rtol=1e-5)


def test_all_zero_column_is_named():
    X, y = spector()
    X = X.assign(empty=0.0)
    with pytest.warns(CollinearityWarning, match="empty"):
        model = fit_ml(X, y, max_iter=30)
    with pytest.raises(SingularInformationError, match=r"empty.*zero on every row"):
        model.summary()


def test_weights_of_zero_drop_rows_from_nobs():
    X, y = breast_cancer()
    weight = np.ones(len(y))
    weight[:50] = 0.0
    with_zeros = fit_ml(X, y, sample_weight=weight).summary()
    dropped = fit_ml(X[50:], y[50:]).summary()
    assert with_zeros.fit.nobs == len(y) - 50
    assert_allclose(with_zeros.bse, dropped.bse, rtol=1e-8)
    assert_allclose(with_zeros.fit.bic, dropped.fit.bic, rtol=1e-10)


def test_dataframe_y_name_reaches_the_summary():
    X, y = spector()
    model = fit_ml(X, pd.Series(y.to_numpy(), name="passed"))
    assert model.summary().record.response_name == "passed"
    assert "Dep. variable:                 passed" in str(model.summary())


def test_float32_input_gives_float64_statistics():
    X, y = breast_cancer()
    # Standardised, so that a float32 gradient can reach the default tol.
    X = (X - X.mean()) / X.std()
    single = LogisticRegression(C=np.inf).fit(X.to_numpy(np.float32), y).summary()
    double = LogisticRegression(C=np.inf).fit(X.to_numpy(np.float64), y).summary()
    assert single.bse.dtype == np.float64
    # float32 data carry about 7 significant digits.
    assert_allclose(single.bse, double.bse, rtol=1e-4)
    assert_allclose(single.fit.loglik, double.fit.loglik, rtol=1e-5)


def test_unpenalised_model_without_record_says_so():
    X, y = spector()
    model = fit_ml(X, y)
    model.inference_ = None
    with pytest.raises(ValueError, match="no inference record"):
        model.summary()
