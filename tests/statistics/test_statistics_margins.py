"""Marginal effects against statsmodels' ``get_margeff`` (every ``at`` and
``method`` option, dummy and count changes, ``atexog``), binary and
multinomial, computed at test time on Spector and anes96."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron import LogisticRegression

RTOL = 1e-6
FIT = dict(disp=0, method="newton", tol=1e-12, maxiter=100)


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog
    model = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y)
    return model.statistics(X, y), sm.Logit(y, sm.add_constant(X)).fit(**FIT)


@pytest.mark.parametrize(
    ("at", "method"),
    list(itertools.product(["overall", "mean", "median", "zero"],
                           ["dydx", "eyex", "dyex", "eydx"])),
)
def test_binary_continuous_effects(spector, at, method):
    stats, reference = spector
    ours = stats.marginal_effects(at=at, method=method)
    theirs = reference.get_margeff(at=at, method=method)
    assert_allclose(ours.margeff, theirs.margeff, rtol=RTOL)
    assert_allclose(np.asarray(ours.se), theirs.margeff_se, rtol=RTOL)
    assert_allclose(ours.conf_int(), theirs.conf_int(), rtol=RTOL)


@pytest.mark.parametrize(
    ("at", "method", "dummy", "count"),
    [("overall", "dydx", True, False), ("mean", "dydx", True, False),
     ("overall", "eydx", True, False), ("mean", "eydx", True, True),
     ("overall", "dydx", True, True), ("overall", "dydx", False, True)],
)
def test_binary_discrete_changes(at, method, dummy, count):
    data = sm.datasets.anes96.load_pandas().data
    data["female"] = (data["age"] % 2).astype(float)  # a 0/1 column
    X, y = data[["logpopul", "selfLR", "educ", "female"]], data["vote"]
    stats = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y).statistics(X, y)
    reference = sm.Logit(y, sm.add_constant(X)).fit(**FIT)
    ours = stats.marginal_effects(at=at, method=method, dummy=dummy, count=count)
    theirs = reference.get_margeff(at=at, method=method, dummy=dummy, count=count)
    assert_allclose(ours.margeff, theirs.margeff, rtol=RTOL)
    assert_allclose(np.asarray(ours.se), theirs.margeff_se, rtol=RTOL)


def test_at_values_and_per_row(spector):
    stats, reference = spector
    ours = stats.marginal_effects(at="mean", at_values={"PSI": 1.0})
    theirs = reference.get_margeff(at="mean", atexog={3: 1.0})
    assert_allclose(ours.margeff, theirs.margeff, rtol=RTOL)
    assert_allclose(np.asarray(ours.se), theirs.margeff_se, rtol=RTOL)
    rows = stats.marginal_effects(at="all")
    assert_allclose(rows.margeff, reference.get_margeff(at="all").margeff, rtol=RTOL)
    with pytest.raises(ValueError, match="without inference"):
        rows.conf_int()


def test_robust_covariance_carries_into_effects(spector):
    data = sm.datasets.spector.load_pandas()
    stats, _ = spector
    hc0 = sm.Logit(data.endog, sm.add_constant(data.exog)).fit(cov_type="HC0", **FIT)
    ours = stats.with_cov("HC0").marginal_effects()
    assert_allclose(ours.se, hc0.get_margeff().margeff_se, rtol=RTOL)


# statsmodels' MNLogit fails on the "ex" methods (a broadcasting error in its
# _derivative_exog), so those have no reference here.
@pytest.mark.parametrize(("at", "method"), [("overall", "dydx"), ("mean", "dydx"),
                                        ("overall", "eydx"), ("median", "eydx"),
                                        ("zero", "dydx")])
def test_multinomial_effects(at, method):
    data = sm.datasets.anes96.load_pandas().data
    X, y = data[["logpopul", "selfLR", "age"]], data["PID"].clip(upper=2)
    stats = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y).statistics(X, y)
    theirs = sm.MNLogit(y, sm.add_constant(X)).fit(**FIT).get_margeff(
        at=at, method=method
    )
    ours = stats.marginal_effects(at=at, method=method)
    assert_allclose(ours.margeff, theirs.margeff, rtol=RTOL)
    assert_allclose(np.asarray(ours.se), theirs.margeff_se, rtol=RTOL)
    assert ours.summary_frame().shape == (9, 6)


def test_bad_options_are_named(spector):
    stats, _ = spector
    with pytest.raises(ValueError, match="at must be one of"):
        stats.marginal_effects(at="somewhere")
    with pytest.raises(ValueError, match="not defined with method"):
        stats.marginal_effects(method="eyex", dummy=True)
    with pytest.raises(ValueError, match="unknown columns"):
        stats.marginal_effects(at_values={"gpa": 3.0})


def test_summary_frame_matches_statsmodels(spector):
    stats, reference = spector
    frame = stats.marginal_effects(method="eydx").summary_frame()
    expected = reference.get_margeff(method="eydx").summary_frame()
    assert list(frame.index) == list(expected.index)
    assert_allclose(frame.to_numpy(), expected.to_numpy(), rtol=RTOL)
