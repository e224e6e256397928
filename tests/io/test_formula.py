"""The formula interface against statsmodels' formula API (patsy), matched by
term name, with categorical terms, weights, missing values and new data."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

import logitron
from logitron.formula import design_matrix

RTOL = 1e-6
P_ATOL = 1e-6


def sm_fit(model):
    return model.fit(disp=0, method="newton", tol=1e-12, maxiter=100)


@pytest.fixture(scope="module")
def spector():
    return sm.datasets.spector.load_pandas().data


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data.copy()
    data["vote"] = data["vote"].astype(int)
    return data


def check_by_name(frame, params, bse, pvalues):
    """Our (term-indexed) table against statsmodels Series, by term name:
    formulaic keeps the formula's term order, patsy puts categoricals first."""
    assert set(frame.index) == set(params.index)
    assert_allclose(frame["coef"], params[frame.index], rtol=RTOL)
    assert_allclose(frame["std err"], bse[frame.index], rtol=RTOL)
    assert_allclose(frame["P>|z|"], pvalues[frame.index], rtol=0, atol=P_ATOL)


@pytest.mark.parametrize(
    ("dataset", "formula"),
    [
        ("spector", "GRADE ~ GPA + TUCE + C(PSI)"),
        ("anes", "vote ~ logpopul + selfLR + C(educ) + income"),
        ("anes", "vote ~ selfLR * income + C(educ, Treatment(reference=4))"),
    ],
)
def test_binary_formula_matches_statsmodels(dataset, formula, request):
    data = request.getfixturevalue(dataset)
    model = logitron.logit(formula, data, tol=1e-12)
    reference = sm_fit(smf.logit(formula, data))
    summary = model.summary()
    check_by_name(summary.to_frame(), reference.params, reference.bse,
                  reference.pvalues)
    assert_allclose([summary.fit.loglik, summary.fit.aic, summary.fit.bic],
                    [reference.llf, reference.aic, reference.bic], rtol=RTOL)
    assert summary.record.response_name == formula.split(" ~")[0]


def test_multinomial_formula_matches_mnlogit(anes):
    formula = "PID ~ logpopul + selfLR + age + C(vote)"
    summary = logitron.logit(formula, anes, tol=1e-12).summary()
    reference = sm_fit(smf.mnlogit(formula, anes))
    frame = summary.to_frame()
    classes = frame.index.get_level_values(0).unique()
    assert len(classes) == reference.params.shape[1]
    for column, cls in enumerate(classes):
        check_by_name(frame.loc[cls], reference.params.iloc[:, column],
                      reference.bse.iloc[:, column], reference.pvalues.iloc[:, column])
    assert_allclose(summary.fit.loglik, reference.llf, rtol=RTOL)


def test_weighted_formula_matches_glm_freq_weights(spector):
    weight = np.random.default_rng(3).integers(1, 5, size=len(spector)).astype(float)
    formula = "GRADE ~ GPA + C(PSI)"
    model = logitron.logit(formula, spector, sample_weight=weight, tol=1e-12)
    summary = model.summary()
    reference = smf.glm(formula, spector, family=sm.families.Binomial(),
                        freq_weights=weight).fit(tol=1e-12)
    check_by_name(summary.to_frame(), reference.params, reference.bse,
                  reference.pvalues)
    assert_allclose([summary.fit.loglik, summary.fit.bic],
                    [reference.llf, reference.bic_llf], rtol=RTOL)


def test_formula_without_intercept(spector):
    model = logitron.logit("GRADE ~ GPA + TUCE + PSI - 1", spector, tol=1e-12)
    assert not model.fit_intercept
    reference = sm_fit(smf.logit("GRADE ~ GPA + TUCE + PSI - 1", spector))
    check_by_name(model.summary().to_frame(), reference.params, reference.bse,
                  reference.pvalues)


def test_string_response_keeps_its_labels(spector):
    data = spector.assign(outcome=np.where(spector["GRADE"] > 0, "up", "down"))
    model = logitron.logit("outcome ~ GPA + PSI", data)
    assert list(model.classes_) == ["down", "up"]
    text = str(model.summary())
    assert "outcome" in text
    assert "down, up" in text
    reference = sm_fit(smf.logit("GRADE ~ GPA + PSI", spector))
    assert_allclose(model.summary().params, reference.params, rtol=RTOL)


def test_rows_with_missing_values_are_dropped_with_their_weights(spector):
    data = spector.copy()
    data.loc[[3, 10], "TUCE"] = np.nan
    weight = np.arange(1.0, len(data) + 1.0)
    fitted = logitron.logit("GRADE ~ GPA + TUCE", data, sample_weight=weight)
    keep = data["TUCE"].notna().to_numpy()
    direct = logitron.logit(
        "GRADE ~ GPA + TUCE", data[keep], sample_weight=weight[keep]
    )
    assert fitted.inference_ is not None
    assert fitted.inference_.nobs == weight[keep].sum()
    assert_allclose(fitted.coef_, direct.coef_, rtol=1e-10)


def test_design_matrix_encodes_new_data_like_the_training_data(anes):
    formula = "vote ~ logpopul + C(educ)"
    model = logitron.logit(formula, anes)
    # Only two education levels in the new rows: the columns must not change.
    new = anes[anes["educ"].isin([1.0, 5.0])].head(6)
    reference = sm_fit(smf.logit(formula, anes))
    assert_allclose(model.predict_proba(design_matrix(model, new))[:, 1],
                    reference.predict(new), rtol=1e-6)


def test_penalised_formula_fit_has_no_summary(spector):
    model = logitron.logit("GRADE ~ GPA + TUCE", spector, C=1.0)
    with pytest.raises(ValueError, match="unpenalised"):
        model.summary()


def test_formula_errors_name_the_problem(spector):
    with pytest.raises(ValueError, match="no response"):
        logitron.logit("GPA + TUCE", spector)
    with pytest.raises(TypeError, match="set by the formula"):
        logitron.logit("GRADE ~ GPA", spector, fit_intercept=False)
    with pytest.raises(TypeError, match="pandas DataFrame"):
        logitron.logit("GRADE ~ GPA", spector.to_numpy())
    with pytest.raises(ValueError, match="not fitted from a formula"):
        design_matrix(logitron.LogisticRegression().fit(spector[["GPA"]],
                                                        spector["GRADE"]), spector)
    data = spector.assign(level=np.where(spector["GPA"] > 3, "a", "b"))
    with pytest.raises(ValueError, match="one column of class labels"):
        logitron.logit("C(level) + PSI ~ GPA", data)


def test_formula_model_prints_term_names(anes):
    text = str(logitron.logit("vote ~ selfLR + C(educ)", anes).summary())
    assert "C(educ)[T.2.0]" in text
    assert "Dep. variable:                   vote" in text
