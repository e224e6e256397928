"""The summary of separated data says, where the numbers are, that the
maximum-likelihood estimate does not exist (issue 14, item 5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_iris

from logitron import LogisticRegression, PerfectSeparationWarning


def _fit(X, y) -> LogisticRegression:
    with pytest.warns(PerfectSeparationWarning):
        return LogisticRegression(C=np.inf).fit(X, y)


def complete() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1"])
def test_no_wald_statistics_without_an_estimate(cov_type):
    model = _fit(*complete())
    summary = model.summary(cov_type=cov_type)
    text = str(summary)
    rows = [line for line in text.splitlines() if line.startswith(("Intercept", "x"))]
    assert len(rows) == 4
    assert all(row.split()[2:] == ["n/a"] * 5 for row in rows)
    assert "The maximum-likelihood estimate does not exist" in text.split("coef")[0]
    assert "Converged:                       True" not in text
    frame = summary.to_frame()
    assert frame.drop(columns="coef").isna().all().all()
    assert np.all(np.isnan(summary.pvalues))


def test_statsmodels_also_finds_the_data_separated():
    # The reference says the same of these data: statsmodels' Logit warns
    # that the MLE does not exist (perfect prediction).
    X, y = complete()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sm.Logit(y, sm.add_constant(X)).fit(disp=0, maxiter=50)
    assert any("separation" in str(w.message).lower() for w in caught)


def test_summary_of_a_singular_separated_fit_still_prints():
    # Setosa against versicolor: the information degenerates along the
    # separating direction; the table says n/a instead of raising.
    iris = load_iris()
    two = iris.target < 2
    model = _fit(iris.data[two], iris.target[two])
    text = str(model.summary())
    # Five terms of five n/a each, and the note above the table names it once.
    assert text.count("n/a") == 5 * 5 + 1


def test_softmax_separated_terms_are_marked():
    iris = load_iris()
    model = _fit(iris.data, iris.target)
    summary = model.summary(cov_type="HC1")
    assert np.all(np.isnan(summary.bse))
    assert "n/a" in str(summary)


def test_data_with_an_estimate_keep_every_statistic():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    summary = LogisticRegression(C=np.inf).fit(X, y).summary()
    assert np.all(summary.table.available)
    assert "n/a" not in str(summary)
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(summary.pvalues, reference.pvalues, rtol=1e-6)
