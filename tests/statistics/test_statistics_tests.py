"""Wald, term, likelihood-ratio tests and the analysis of deviance, against
statsmodels at test time (``wald_test``, ``t_test``, ``compare_lr_test``, and
the deviances of ``GLM`` fits of the nested models, which is what R's
``anova(fit, test = "Chisq")`` tabulates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.api as sm
from numpy.testing import assert_allclose

import logitron
from logitron import LogisticRegression

RTOL = 1e-6
FORMULA = "vote ~ logpopul + selfLR + age + C(educ)"


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    model = logitron.logit(FORMULA, data=data, tol=1e-12)
    stats = model.statistics(data)
    design = pd.DataFrame(stats.data.design, columns=stats.names)
    reference = sm.Logit(data["vote"], design).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    return data, model, stats, reference


def test_string_hypotheses_match_statsmodels_wald_test(anes):
    _, _, stats, reference = anes
    for hypothesis in [
        "selfLR = age",
        "C(educ)[T.2.0] = C(educ)[T.3.0] = 0",
        "2 * selfLR - age = 0.1, logpopul",
    ]:
        ours = stats.wald_test(hypothesis)
        theirs = reference.wald_test(hypothesis, scalar=True, use_f=False)
        assert_allclose(ours.statistic, theirs.statistic, rtol=RTOL)
        assert ours.df == theirs.df_denom or ours.df == int(theirs.df_denom)
        assert_allclose(ours.pvalue, theirs.pvalue, rtol=RTOL, atol=1e-12)


def test_matrix_hypothesis_and_t_test(anes):
    _, _, stats, reference = anes
    restriction = np.zeros((2, len(stats.names)))
    restriction[0, 1], restriction[1, 2], restriction[1, 3] = 1.0, 1.0, -1.0
    ours = stats.wald_test(restriction)
    theirs = reference.wald_test(restriction, scalar=True, use_f=False)
    assert_allclose(ours.statistic, theirs.statistic, rtol=RTOL)
    table = stats.t_test((restriction, [0.0, 0.05]))
    expected = reference.t_test((restriction, [0.0, 0.05]))
    assert_allclose(table.effect, expected.effect, rtol=RTOL)
    assert_allclose(table.bse, expected.sd.ravel(), rtol=RTOL)
    assert_allclose(table.zvalues, expected.statistic.ravel(), rtol=RTOL)
    assert_allclose(table.conf_int, expected.conf_int(), rtol=RTOL)


def test_term_test_covers_every_level_of_a_factor(anes):
    _, _, stats, reference = anes
    tests = stats.term_tests()
    assert list(tests) == ["Intercept", "logpopul", "selfLR", "age", "C(educ)"]
    levels = [name for name in stats.names if name.startswith("C(educ)")]
    assert len(levels) == 6
    theirs = reference.wald_test(", ".join(levels), scalar=True, use_f=False)
    assert tests["C(educ)"].df == 6
    assert_allclose(tests["C(educ)"].statistic, theirs.statistic, rtol=RTOL)
    robust = stats.with_cov("HC0").term_tests()["C(educ)"]
    hc0 = sm.Logit(reference.model.endog, reference.model.exog).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    index = [stats.names.index(name) for name in levels]
    restriction = np.eye(len(stats.names))[index]
    assert_allclose(
        robust.statistic,
        hc0.wald_test(restriction, scalar=True, use_f=False).statistic, rtol=RTOL,
    )


def test_lr_test_matches_statsmodels_loglikelihoods(anes):
    data, _, stats, reference = anes
    small = logitron.logit("vote ~ logpopul + selfLR", data=data, tol=1e-12)
    ours = stats.lr_test(small.statistics(data))
    small_ref = sm.Logit(data["vote"], sm.add_constant(data[["logpopul", "selfLR"]]))
    small_ref = small_ref.fit(disp=0, method="newton", tol=1e-12)
    # lmtest::lrtest's statistic from statsmodels' log-likelihoods.
    statistic = 2 * (reference.llf - small_ref.llf)
    df = reference.df_model - small_ref.df_model
    pvalue = scipy.stats.chi2.sf(statistic, df)
    assert_allclose(ours.statistic, statistic, rtol=RTOL)
    assert_allclose(ours.pvalue, pvalue, rtol=RTOL, atol=1e-14)
    assert ours.df == df


def test_lr_test_refuses_other_rows_and_non_nested_models(anes):
    data, _, stats, _ = anes
    fewer = data.iloc[:-5]
    small = logitron.logit("vote ~ logpopul", data=fewer, tol=1e-12)
    with pytest.raises(ValueError, match="not fitted on the same rows"):
        stats.lr_test(small.statistics(fewer))
    other = logitron.logit("vote ~ income", data=data, tol=1e-12)
    with pytest.raises(ValueError, match="not nested"):
        stats.lr_test(other.statistics(data))


def test_anova_matches_sequential_glm_deviances(anes):
    data, _, stats, _ = anes
    table = stats.anova()
    assert list(table.index) == ["NULL", "logpopul", "selfLR", "age", "C(educ)"]
    columns = []
    deviances = []
    for term in [None, "logpopul", "selfLR", "age", "C(educ)"]:
        if term is not None:
            columns += [name for name in stats.names if name.startswith(term)]
        design = np.column_stack(
            [np.ones(len(data))]
            + [stats.data.design[:, stats.names.index(c)] for c in columns]
        )
        glm = sm.GLM(data["vote"], design, family=sm.families.Binomial())
        deviances.append(glm.fit(tol=1e-12).deviance)
    assert_allclose(table["Resid. Dev"], deviances, rtol=RTOL)
    drops = -np.diff(deviances)
    assert_allclose(table["Deviance"].iloc[1:], drops, rtol=RTOL)
    assert_allclose(table["Df"].iloc[1:], [1, 1, 1, 6])
    assert_allclose(table["Resid. Df"], len(data) - np.array([1, 2, 3, 4, 10]))
    assert_allclose(
        table["Pr(>Chi)"].iloc[1:], scipy.stats.chi2.sf(drops, [1, 1, 1, 6]),
        rtol=RTOL,
    )


def test_unreadable_hypotheses_name_the_problem(anes):
    _, _, stats, _ = anes
    with pytest.raises(ValueError, match="parameter names are"):
        stats.wald_test("selfLR = wealth")
    with pytest.raises(ValueError, match="involves no parameter"):
        stats.wald_test("1 = 1")
    with pytest.raises(ValueError, match="columns"):
        stats.wald_test(np.ones((1, 3)))


def test_plain_model_terms_are_its_columns():
    data = sm.datasets.spector.load_pandas()
    model = LogisticRegression(C=np.inf, tol=1e-12).fit(data.exog, data.endog)
    tests = model.statistics(data.exog, data.endog).term_tests()
    reference = sm.Logit(data.endog, sm.add_constant(data.exog)).fit(
        disp=0, method="newton", tol=1e-12
    )
    assert_allclose(tests["GPA"].statistic, reference.tvalues["GPA"] ** 2, rtol=RTOL)


def test_multinomial_anova_and_term_tests_match_mnlogit():
    data = sm.datasets.anes96.load_pandas().data
    data = data.assign(party=data["PID"].clip(upper=2))
    model = logitron.logit("party ~ logpopul + selfLR + C(educ)", data=data, tol=1e-12)
    stats = model.statistics(data)
    table = stats.anova()
    design = stats.data.design
    deviances = []
    for width in [1, 2, 3, design.shape[1]]:
        fit = sm.MNLogit(data["party"], design[:, :width]).fit(
            disp=0, method="newton", tol=1e-12, maxiter=100)
        deviances.append(-2 * fit.llf)
        full = fit
    assert_allclose(table["Resid. Dev"], deviances, rtol=RTOL)
    assert_allclose(table["Df"].iloc[1:], [2, 2, 12])
    index = [k * design.shape[1] + j for k in range(2) for j in range(3, design.shape[1])]
    restriction = np.eye(2 * design.shape[1])[index]
    # MNLogit orders its parameters term by term within each equation, as ours.
    expected = full.wald_test(restriction, scalar=True, use_f=False)
    assert_allclose(stats.term_tests()["C(educ)"].statistic, expected.statistic,
                    rtol=RTOL)
