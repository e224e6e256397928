"""Residuals, leverage and Cook's distance against statsmodels' GLM
(``resid_response``, ``resid_pearson``, ``resid_deviance``,
``get_influence().hat_matrix_diag`` and ``.cooks_distance``, which follow R's
``residuals.glm``, ``hatvalues`` and ``cooks.distance``), computed at test
time. The Hosmer-Lemeshow reference is an independent straightforward
computation with ``pandas.qcut`` (the groups of R's
``ResourceSelection::hoslem.test``: linear quantiles, right-closed bins, the
lowest value in the first) and a loop over the groups; no published output
for these data sets was found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron import LogisticRegression

RTOL = 1e-6


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "selfLR", "age", "educ"]], data["vote"]
    stats = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y).statistics(X, y)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    return stats, glm


@pytest.mark.parametrize("kind", ["response", "pearson", "deviance"])
def test_residuals_match_glm(anes, kind):
    stats, glm = anes
    assert_allclose(stats.residuals(kind), getattr(glm, f"resid_{kind}"), rtol=RTOL)


def test_leverage_and_cooks_distance_match_glm_influence(anes):
    stats, glm = anes
    influence = glm.get_influence()
    assert_allclose(stats.leverage(), influence.hat_matrix_diag, rtol=RTOL)
    assert_allclose(stats.cooks_distance(), influence.cooks_distance[0], rtol=RTOL)


@pytest.mark.parametrize("groups", [10, 5, 8])
def test_hosmer_lemeshow_matches_a_direct_computation(anes, groups):
    stats, glm = anes
    proba = glm.fittedvalues.to_numpy()
    y = glm.model.endog
    bins = pd.qcut(proba, groups, duplicates="drop")
    statistic = 0.0
    used = 0
    for level in bins.categories:
        inside = np.asarray(bins == level)
        if not inside.any():
            continue
        used += 1
        ones, expected_ones = y[inside].sum(), proba[inside].sum()
        zeros, expected_zeros = inside.sum() - ones, inside.sum() - expected_ones
        statistic += (ones - expected_ones) ** 2 / expected_ones
        statistic += (zeros - expected_zeros) ** 2 / expected_zeros
    test = stats.hosmer_lemeshow(groups)
    assert test.df == used - 2
    assert_allclose(test.statistic, statistic, rtol=RTOL)
    assert_allclose(test.pvalue, scipy.stats.chi2.sf(statistic, used - 2), rtol=RTOL)


def test_checks_refuse_what_they_do_not_define(anes):
    stats, _ = anes
    with pytest.raises(ValueError, match="kind must be one of"):
        stats.residuals("studentized")
    with pytest.raises(ValueError, match="at least 3"):
        stats.hosmer_lemeshow(2)
    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "selfLR"]], data["PID"].clip(upper=2)
    softmax = LogisticRegression(C=np.inf).fit(X, y).statistics(X, y)
    with pytest.raises(ValueError, match="binary models only"):
        softmax.cooks_distance()
