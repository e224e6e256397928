"""Robust and clustered covariances of ``model.statistics`` against statsmodels.

References, computed at test time:

* HC0 and clusters: statsmodels ``Logit`` / ``MNLogit`` with
  ``cov_type="HC0"`` / ``"cluster"`` (its cluster correction
  ``G/(G-1) * (n-1)/(n-k)`` is R's ``vcovCL(type="HC1", cadjust=TRUE)`` and
  Stata's ``vce(cluster)``); two-way clusters: ``cov_type="cluster"`` with two
  group columns (Cameron, Gelbach & Miller).
* HC1..HC3 in R's ``sandwich::vcovHC`` convention: ``vcovHC`` on a ``glm`` is
  the HC covariance of the final IRLS weighted least-squares step, i.e.
  statsmodels ``OLS(sqrt(w) * z, sqrt(w) * X).fit(cov_type=...)`` with
  ``w = p (1 - p)`` and the working response ``z = X b + (y - p) / w``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

import logitron
from logitron import LogisticRegression

RTOL = 1e-6


def fit_ml(X, y):
    return LogisticRegression(C=np.inf, tol=1e-12).fit(X, y)


def sm_logit(X, y, **options):
    return sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100, **options
    )


def anes():
    data = sm.datasets.anes96.load_pandas().data
    return data[["logpopul", "selfLR", "age"]], data["vote"], data


def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


def irls_ols(X, y):
    """The final IRLS step of the binomial GLM as an OLS problem (module doc)."""
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    design = np.asarray(sm.add_constant(X), dtype=float)
    p = glm.fittedvalues.to_numpy()
    w = p * (1 - p)
    z = design @ glm.params.to_numpy() + (np.asarray(y) - p) / w
    root = np.sqrt(w)
    return sm.OLS(root * z, root[:, None] * design)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
def test_hc_types_match_sandwich_vcovhc(cov_type):
    X, y = spector()
    stats = fit_ml(X, y).statistics(X, y, cov_type=cov_type)
    expected = irls_ols(X, y).fit(cov_type=cov_type).cov_params()
    assert_allclose(stats.cov(), expected, rtol=RTOL)


def test_hc0_matches_statsmodels_logit():
    X, y, _ = anes()
    stats = fit_ml(X, y).statistics(X, y, cov_type="HC0")
    assert_allclose(stats.bse(), sm_logit(X, y, cov_type="HC0").bse, rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["HC1", "HC2", "HC3"])
def test_statsmodels_convention_gives_its_hc0(cov_type):
    X, y = spector()
    stats = fit_ml(X, y).statistics(X, y, cov_type=cov_type, convention="statsmodels")
    assert_allclose(stats.bse(), sm_logit(X, y, cov_type=cov_type).bse, rtol=RTOL)


def test_one_way_cluster_matches_statsmodels():
    X, y, data = anes()
    stats = fit_ml(X, y).statistics(X, y, cov_type="cluster", groups=data["educ"])
    expected = sm_logit(X, y, cov_type="cluster", cov_kwds={"groups": data["educ"]})
    assert_allclose(stats.cov(), expected.cov_params(), rtol=RTOL)
    assert "cluster" in str(stats.summary())


def test_two_way_cluster_matches_statsmodels():
    X, y, data = anes()
    groups = data[["educ", "income"]].to_numpy().astype(int)
    stats = fit_ml(X, y).statistics(X, y, cov_type="cluster", groups=groups)
    expected = sm_logit(X, y, cov_type="cluster", cov_kwds={"groups": groups})
    assert_allclose(stats.cov(), expected.cov_params(), rtol=RTOL)


def test_multinomial_hc0_and_cluster_match_mnlogit():
    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "selfLR", "age"]], data["PID"].clip(upper=2)
    model = fit_ml(X, y)
    sm_model = sm.MNLogit(y, sm.add_constant(X))
    fit = dict(disp=0, method="newton", tol=1e-12, maxiter=100)
    hc0 = sm_model.fit(cov_type="HC0", **fit)
    assert_allclose(
        model.statistics(X, y, cov_type="HC0").bse(),
        hc0.bse.to_numpy().T.ravel(), rtol=RTOL,
    )
    clustered = sm_model.fit(
        cov_type="cluster", cov_kwds={"groups": data["educ"]}, **fit
    )
    stats = model.statistics(X, y, cov_type="cluster", groups=data["educ"])
    assert_allclose(stats.bse(), clustered.bse.to_numpy().T.ravel(), rtol=RTOL)


def test_formula_model_clusters_by_column_name():
    _, _, data = anes()
    model = logitron.logit("vote ~ logpopul + selfLR + age", data=data, tol=1e-12)
    stats = model.statistics(data, cov_type="cluster", groups="educ")
    X = data[["logpopul", "selfLR", "age"]]
    expected = sm_logit(X, data["vote"], cov_type="cluster",
                        cov_kwds={"groups": data["educ"]})
    assert_allclose(stats.bse(), expected.bse, rtol=RTOL)
    with_cov = stats.with_cov("HC0")
    assert_allclose(with_cov.bse(), sm_logit(X, data["vote"], cov_type="HC0").bse,
                    rtol=RTOL)


def test_rows_other_than_the_training_rows_are_refused():
    X, y = spector()
    model = fit_ml(X, y)
    with pytest.raises(ValueError, match="not the rows the model was fitted on"):
        model.statistics(X.iloc[1:], y.iloc[1:])
    with pytest.raises(ValueError, match="groups are needed"):
        model.statistics(X, y, cov_type="cluster")
    with pytest.raises(ValueError, match="cov_type must be one of"):
        model.statistics(X, y, cov_type="HC9")
    with pytest.raises(ValueError, match="one label per row"):
        model.statistics(X, y, cov_type="cluster", groups=np.arange(3))


def test_odds_ratio_summary_is_stata_logit_or():
    X, y = spector()
    reference = sm_logit(X, y)
    summary = fit_ml(X, y).summary(odds_ratios=True)
    frame = summary.to_frame()
    assert_allclose(frame["odds ratio"], np.exp(reference.params), rtol=RTOL)
    assert_allclose(frame["std err"], np.exp(reference.params) * reference.bse,
                    rtol=RTOL)
    assert_allclose(frame.iloc[:, -2:], np.exp(reference.conf_int()), rtol=RTOL)
    assert "odds ratio" in str(summary)
    frame_hc = fit_ml(X, y).statistics(X, y, cov_type="HC0").summary(
        odds_ratios=True).to_frame()
    hc0 = sm_logit(X, y, cov_type="HC0")
    assert_allclose(frame_hc.iloc[:, -2:], np.exp(hc0.conf_int()), rtol=RTOL)


def test_pandas_groups_and_frame_agree():
    X, y, data = anes()
    model = fit_ml(X, y)
    a = model.statistics(X, y, cov_type="cluster", groups=data["educ"]).cov()
    b = model.statistics(X, y, cov_type="cluster",
                         groups=pd.Series(data["educ"]).astype(str)).cov()
    assert_allclose(a, b, rtol=1e-12)


def test_frequency_weights_equal_repeated_rows():
    X, y, data = anes()
    counts = 1 + (np.arange(len(y)) % 3)
    model = LogisticRegression(C=np.inf, tol=1e-12)
    weighted = model.fit(X, y, sample_weight=counts).statistics(
        X, y, sample_weight=counts)
    repeated_X, repeated_y = X.loc[X.index.repeat(counts)], y.loc[y.index.repeat(counts)]
    repeated_fit = LogisticRegression(C=np.inf, tol=1e-12).fit(repeated_X, repeated_y)
    repeated = repeated_fit.statistics(repeated_X, repeated_y)
    for cov_type in ["HC0", "HC1", "HC2", "HC3"]:
        assert_allclose(weighted.with_cov(cov_type).cov(),
                        repeated.with_cov(cov_type).cov(), rtol=RTOL)
    groups = data["educ"].to_numpy()
    assert_allclose(
        weighted.with_cov("cluster", groups).cov(),
        repeated.with_cov("cluster", np.repeat(groups, counts)).cov(), rtol=RTOL,
    )
    assert_allclose(np.asarray(weighted.marginal_effects(at="mean").se),
                    np.asarray(repeated.marginal_effects(at="mean").se), rtol=RTOL)


def test_loaded_formula_model_and_no_intercept(tmp_path):
    _, _, data = anes()
    model = logitron.logit("vote ~ logpopul + selfLR + age", data=data, tol=1e-12)
    logitron.save(model, tmp_path / "model.json")
    loaded = logitron.load(tmp_path / "model.json")
    assert_allclose(
        loaded.statistics(data, cov_type="cluster", groups="educ").cov(),
        model.statistics(data, cov_type="cluster", groups="educ").cov(), rtol=1e-12,
    )
    X, y = spector()
    bare = LogisticRegression(C=np.inf, tol=1e-12, fit_intercept=False).fit(X, y)
    stats = bare.statistics(X, y, cov_type="HC3")
    assert_allclose(stats.cov(), irls_ols_plain(X, y).fit(cov_type="HC3").cov_params(),
                    rtol=RTOL)
    reference = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12)
    assert_allclose(stats.with_cov().marginal_effects(at="zero").margeff,
                    reference.get_margeff(at="zero").margeff, rtol=RTOL)


def irls_ols_plain(X, y):
    """``irls_ols`` for a model without intercept."""
    glm = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12)
    design = np.asarray(X, dtype=float)
    p = glm.fittedvalues.to_numpy()
    w = p * (1 - p)
    z = design @ glm.params.to_numpy() + (np.asarray(y) - p) / w
    return sm.OLS(np.sqrt(w) * z, np.sqrt(w)[:, None] * design)


def test_model_summary_points_to_statistics_for_data_covariances():
    X, y = spector()
    with pytest.raises(ValueError, match=r"model\.statistics\(X, y, cov_type='HC3'"):
        fit_ml(X, y).summary(cov_type="HC3")
