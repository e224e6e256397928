"""Predictions with intervals against statsmodels' ``Logit.get_prediction``
(probabilities: the link interval through the logistic function; and
``which="linear"`` for the linear predictor), computed at test time."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

import logitron
from logitron import LogisticRegression

RTOL = 1e-6


def sm_logit(X, y, **options):
    return sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100, **options
    )


def test_new_rows_match_get_prediction():
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog
    model = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y)
    new = X.iloc[::3] + 0.1
    frame = model.statistics(X, y).get_prediction(new).summary_frame()
    reference = sm_logit(X, y)
    expected = reference.get_prediction(sm.add_constant(new, has_constant="add"))
    expected_frame = expected.summary_frame()
    for column in ["predicted", "se", "ci_lower", "ci_upper"]:
        assert_allclose(frame[column], expected_frame[column], rtol=RTOL)
    linear = reference.get_prediction(
        sm.add_constant(new, has_constant="add"), which="linear"
    ).summary_frame()
    for ours, theirs in [("linpred", "predicted"), ("linpred_se", "se"),
                         ("linpred_ci_lower", "ci_lower"),
                         ("linpred_ci_upper", "ci_upper")]:
        assert_allclose(frame[ours], linear[theirs], rtol=RTOL)


def test_formula_model_predicts_from_a_raw_frame_with_robust_errors():
    data = sm.datasets.anes96.load_pandas().data
    model = logitron.logit("vote ~ selfLR + np.log(age) + C(educ)", data=data,
                           tol=1e-12)
    stats = model.statistics(data, cov_type="HC0")
    new = data.iloc[:25]
    frame = stats.get_prediction(new, alpha=0.1).summary_frame()
    design = np.asarray(stats.data.design)
    reference = sm.Logit(data["vote"], design).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    expected = reference.get_prediction(design[:25]).summary_frame(alpha=0.1)
    assert_allclose(frame["predicted"], expected["predicted"], rtol=RTOL)
    assert_allclose(frame[["ci_lower", "ci_upper"]], expected[["ci_lower", "ci_upper"]],
                    rtol=RTOL)
    assert_allclose(frame["predicted"], model.predict_proba(
        logitron.formula.design_matrix(model, new))[:, 1], rtol=1e-12)


def test_prediction_refuses_bad_rows():
    data = sm.datasets.spector.load_pandas()
    model = LogisticRegression(C=np.inf).fit(data.exog, data.endog)
    stats = model.statistics(data.exog, data.endog)
    with pytest.raises(ValueError, match="PSI"):
        stats.get_prediction(data.exog.iloc[:, :2])
    with pytest.raises(ValueError, match="alpha"):
        stats.get_prediction(alpha=2.0)


def test_softmax_class_probabilities_with_delta_method_errors():
    """statsmodels' MNLogit has no get_prediction; the reference standard
    errors are its ``NonlinearDeltaCov`` (complex-step Jacobian) of the class
    probabilities, written here as a softmax of MNLogit's parameters."""
    from statsmodels.stats._delta_method import NonlinearDeltaCov

    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "selfLR", "age"]], data["PID"].clip(upper=2)
    stats = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y).statistics(X, y)
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100)
    new = X.iloc[:7]
    exog = sm.add_constant(new, has_constant="add").to_numpy()
    shape = reference.params.shape

    def proba(flat):
        eta = exog @ flat.reshape(shape, order="F")
        full = np.column_stack([np.zeros(len(exog)), eta])
        e = np.exp(full)
        return (e / e.sum(axis=1, keepdims=True)).ravel()

    params = reference.params.to_numpy().ravel(order="F")
    delta = NonlinearDeltaCov(proba, params, reference.cov_params().to_numpy())
    ours = stats.get_prediction(new, alpha=0.1)
    assert_allclose(ours.predicted.ravel(), reference.predict(exog).ravel(), rtol=RTOL)
    assert_allclose(ours.se.ravel(), delta.se_vectorized(), rtol=RTOL)
    frame = ours.summary_frame()
    assert frame.shape == (21, 4)
    assert np.all((frame["ci_lower"] < frame["predicted"])
                  & (frame["predicted"] < frame["ci_upper"]))


def test_two_class_softmax_interval_equals_the_binary_one():
    data = sm.datasets.spector.load_pandas()
    binary = LogisticRegression(C=np.inf, tol=1e-12).fit(data.exog, data.endog)
    stats = binary.statistics(data.exog, data.endog)
    expected = stats.get_prediction(alpha=0.1)
    from logitron.inference.prediction_softmax import get_class_prediction

    ours = get_class_prediction(stats.data.design, stats.data.params, stats.cov(),
                                ["0", "1"], alpha=0.1)
    assert_allclose(ours.se[:, 1], expected.se, rtol=1e-10)
    assert_allclose(ours.conf_int()[:, 1], expected.conf_int(), rtol=1e-10)
