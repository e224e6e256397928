"""``model.statistics(X, y, offset=o)`` against statsmodels' ``Logit(...,
offset=o)`` on the Spector and Liberman data: robust covariances,
predictions with intervals, residuals."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

import logitron
from logitron import LogisticRegression


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas().data
    X = data[["GPA", "TUCE"]].to_numpy()
    offset = 0.7 * data["PSI"].to_numpy() - 0.25
    return X, data["GRADE"].to_numpy(), offset


def sm_logit(X, y, offset, **fit):
    return sm.Logit(y, sm.add_constant(X), offset=offset).fit(
        disp=0, method="newton", tol=1e-12, **fit
    )


def test_robust_covariance_equals_statsmodels(spector) -> None:
    X, y, offset = spector
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    stats = model.statistics(X, y, offset=offset, cov_type="HC0")
    assert_allclose(stats.bse(), sm_logit(X, y, offset, cov_type="HC0").bse, rtol=1e-6)


def test_predictions_with_intervals_equal_statsmodels(spector) -> None:
    X, y, offset = spector
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    stats = model.statistics(X, y, offset=offset)
    reference = sm_logit(X, y, offset)
    new, new_offset = X[:9] + 0.2, offset[:9] + 0.3
    frame = stats.get_prediction(new, offset=new_offset).summary_frame(alpha=0.1)
    expected = reference.get_prediction(
        sm.add_constant(new, has_constant="add"), offset=new_offset
    ).summary_frame(alpha=0.1)
    for column in ["predicted", "se", "ci_lower", "ci_upper"]:
        assert_allclose(frame[column], expected[column], rtol=1e-6)
    # The training rows: the fit's own offset.
    fitted = stats.get_prediction().summary_frame()
    assert_allclose(fitted["predicted"], reference.predict(), rtol=1e-7)
    assert_allclose(stats.residuals("pearson"), reference.resid_pearson, rtol=1e-6)


def test_statistics_refuse_rows_without_their_offset(spector) -> None:
    X, y, offset = spector
    model = LogisticRegression(C=np.inf).fit(X, y, offset=offset)
    with pytest.raises(ValueError, match="sample weights and offset"):
        model.statistics(X, y)
    with pytest.raises(NotImplementedError, match="marginal_effects is not available"):
        model.statistics(X, y, offset=offset).marginal_effects()


def test_formula_statistics_take_the_formula_offset() -> None:
    data = sm.datasets.spector.load_pandas().data
    model = logitron.logit("GRADE ~ GPA + PSI + offset(np.log(TUCE) - 3)", data)
    reference = smf.logit("GRADE ~ GPA + PSI", data, offset=np.log(data["TUCE"]) - 3).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    stats = model.statistics(data, cov_type="HC0")
    assert_allclose(stats.bse(), reference.bse, rtol=1e-6)
    new = data.iloc[:5].assign(TUCE=[8.0, 12.0, 20.0, 26.0, 29.0])
    frame = stats.get_prediction(new).summary_frame()
    assert_allclose(
        frame["predicted"], reference.predict(new, offset=np.log(new["TUCE"]) - 3), rtol=1e-7
    )
