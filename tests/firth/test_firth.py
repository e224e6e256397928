"""Firth's penalised likelihood: published values, an independent optimiser,
FLIC / FLAC, weights and offsets, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.stats
import statsmodels.api as sm
from sklearn.utils.estimator_checks import parametrize_with_checks

from logitron import FirthLogisticRegression

DATA = Path(__file__).parents[1] / "data" / "endometrial.csv"


@pytest.fixture(scope="module")
def endometrial() -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(DATA)
    return frame[["NV", "PI", "EH"]].to_numpy(float), frame["HG"].to_numpy(float)


def penalised_loglik(beta: np.ndarray, design: np.ndarray, y: np.ndarray) -> float:
    """l + 0.5 log det I, written from the definition (no hat values)."""
    eta = design @ beta
    p = 1 / (1 + np.exp(-eta))
    information = design.T @ (design * (p * (1 - p))[:, None])
    return float(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet(information)[1])


def penalised_gradient(beta: np.ndarray, design: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Its gradient in the trace form 0.5 * tr(inv(I) dI/dbeta_j), column by column."""
    eta = design @ beta
    p = 1 / (1 + np.exp(-eta))
    w = p * (1 - p)
    inverse = np.linalg.inv(design.T @ (design * w[:, None]))
    trace = [
        0.5 * np.trace(inverse @ design.T @ (design * (w * (1 - 2 * p) * column)[:, None]))
        for column in design.T
    ]
    return np.asarray(design.T @ (y - p) + trace)


def test_endometrial_matches_published_brglm2_output(endometrial):
    # Published reference: the README of R package brglm2 (github.com/ikosmidis/
    # brglm2, README.md, section "Estimation of binomial-response GLMs with
    # separated data"), summary(update(glm(HG ~ NV + PI + EH, binomial,
    # endometrial), method = "brglm_fit")). For the logit link brglm2's
    # default adjusted score equals Firth's modified score, so these are the
    # Firth estimates (logistf gives the same). Printed to 5 decimals.
    X, y = endometrial
    model = FirthLogisticRegression().fit(X, y)
    published_coef = {"(Intercept)": 3.77456, "NV": 2.92927, "PI": -0.03475, "EH": -2.60416}
    published_se = {"(Intercept)": 1.48869, "NV": 1.55076, "PI": 0.03958, "EH": 0.77602}
    ours = np.r_[model.coef_[0], model.intercept_]
    order = ["NV", "PI", "EH", "(Intercept)"]
    np.testing.assert_allclose(ours, [published_coef[k] for k in order], atol=0.5e-5)
    np.testing.assert_allclose(model.bse_, [published_se[k] for k in order], atol=0.5e-5)


def test_endometrial_matches_a_general_optimiser(endometrial):
    X, y = endometrial
    design = np.column_stack([X, np.ones(len(y))])
    result = scipy.optimize.minimize(
        lambda b: -penalised_loglik(b, design, y), np.zeros(4),
        jac=lambda b: -penalised_gradient(b, design, y), method="BFGS",
        options={"gtol": 1e-12, "maxiter": 1000},
    )
    model = FirthLogisticRegression().fit(X, y)
    np.testing.assert_allclose(np.r_[model.coef_[0], model.intercept_], result.x,
                               atol=1e-8, rtol=0)
    assert model.penalised_loglik_ == pytest.approx(-result.fun, abs=1e-10)


def test_profile_intervals_match_a_general_optimiser(endometrial):
    # End points solved independently: brentq on b of 2 * (pl_max - prof(b))
    # - chi2(0.95, 1), with each prof(b) maximised by BFGS over the others.
    X, y = endometrial
    design = np.column_stack([X, np.ones(len(y))])
    model = FirthLogisticRegression().fit(X, y)
    beta = np.r_[model.coef_[0], model.intercept_]
    cut = scipy.stats.chi2.ppf(0.95, 1)

    def profile(j: int, b: float) -> float:
        others = np.delete(np.arange(4), j)

        def full(free: np.ndarray) -> np.ndarray:
            point = np.empty(4)
            point[j], point[others] = b, free
            return point

        fit = scipy.optimize.minimize(
            lambda f: -penalised_loglik(full(f), design, y), beta[others],
            jac=lambda f: -penalised_gradient(full(f), design, y)[others],
            method="BFGS", options={"gtol": 1e-10},
        )
        return float(-fit.fun)

    ours = model.profile_intervals()
    for j in range(4):
        def excess(b: float, j: int = j) -> float:
            return 2 * (model.penalised_loglik_ - profile(j, b)) - cut

        se = model.bse_[j]
        lower = scipy.optimize.brentq(excess, beta[j] - 8 * se, beta[j], xtol=1e-10)
        upper = scipy.optimize.brentq(excess, beta[j], beta[j] + 8 * se, xtol=1e-10)
        assert ours.lower[j] == pytest.approx(lower, abs=1e-6)
        assert ours.upper[j] == pytest.approx(upper, abs=1e-6)
        statistic = 2 * (model.penalised_loglik_ - profile(j, 0.0))
        assert ours.statistic[j] == pytest.approx(statistic, abs=1e-7)
    assert ours.pvalue == pytest.approx(scipy.stats.chi2.sf(ours.statistic, 1))
    # NV's estimate is infinite by maximum likelihood; Firth's interval is finite.
    assert np.all(np.isfinite(ours.lower))
    assert np.all(np.isfinite(ours.upper))


def test_integer_weights_equal_repeated_rows(endometrial):
    X, y = endometrial
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    weighted = FirthLogisticRegression().fit(X, y, sample_weight=counts)
    repeated = FirthLogisticRegression().fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-9)
    np.testing.assert_allclose(weighted.covariance_, repeated.covariance_, atol=1e-9)


def test_offset_on_a_column_shifts_its_coefficient(endometrial):
    # The penalty depends on beta only through eta, so moving a * x_j into the
    # offset moves coefficient j by exactly -a.
    X, y = endometrial
    base = FirthLogisticRegression().fit(X, y)
    shifted = FirthLogisticRegression().fit(X, y, offset=-1.5 * X[:, 2])
    np.testing.assert_allclose(shifted.coef_[0], base.coef_[0] + [0, 0, 1.5], atol=1e-8)


@pytest.mark.parametrize("correction", ["flic", "flac"])
def test_corrections_restore_the_event_rate(endometrial, correction):
    # Puhr et al. (2017): both make the mean predicted probability equal the
    # observed event rate, which Firth's estimate misses.
    X, y = endometrial
    firth = FirthLogisticRegression().fit(X, y)
    corrected = FirthLogisticRegression(correction=correction).fit(X, y)
    assert abs(firth.predict_proba(X)[:, 1].mean() - y.mean()) > 1e-3
    assert corrected.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=1e-10)
    if correction == "flic":
        np.testing.assert_array_equal(corrected.coef_, firth.coef_)


def test_flac_equals_statsmodels_on_the_augmented_data(endometrial):
    # The augmentation built here from hat values computed from the definition
    # (diag of W^1/2 D inv(I) D.T W^1/2) at the Firth estimate, then fitted
    # by statsmodels' GLM with frequency weights.
    X, y = endometrial
    firth = FirthLogisticRegression().fit(X, y)
    design = np.column_stack([X, np.ones(len(y))])
    p = firth.predict_proba(X)[:, 1]
    root_w = np.sqrt(p * (1 - p))[:, None] * design
    hat = np.diag(root_w @ np.linalg.inv(root_w.T @ root_w) @ root_w.T)
    n = len(y)
    augmented = np.column_stack([np.vstack([design] * 3), np.r_[np.zeros(n), np.ones(2 * n)]])
    glm = sm.GLM(
        np.r_[y, np.ones(n), np.zeros(n)], augmented, family=sm.families.Binomial(),
        freq_weights=np.r_[np.ones(n), hat / 2, hat / 2],
    ).fit(tol=1e-12)
    flac = FirthLogisticRegression(correction="flac").fit(X, y)
    np.testing.assert_allclose(np.r_[flac.coef_[0], flac.intercept_], glm.params[:4], atol=1e-7)
    np.testing.assert_allclose(flac.bse_, glm.bse[:4], rtol=1e-6)


def test_separated_data_give_finite_estimates():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    model = FirthLogisticRegression().fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert model.coef_[0, 0] > 0
    np.testing.assert_array_equal(model.predict(X), y)


@pytest.mark.parametrize(
    ("kwargs", "fit_kwargs", "message"),
    [
        ({"correction": "flick"}, {}, "correction must be one of"),
        ({"correction": "flic", "fit_intercept": False}, {}, "needs fit_intercept=True"),
        ({}, {"offset": np.zeros(3)}, "offset must be"),
    ],
)
def test_bad_input_is_named(endometrial, kwargs, fit_kwargs, message):
    X, y = endometrial
    with pytest.raises(ValueError, match=message):
        FirthLogisticRegression(**kwargs).fit(X, y, **fit_kwargs)


def test_more_than_two_classes_fit_the_softmax_penalty():
    # Iris setosa is separated by sepal length and width: no finite MLE.
    from sklearn.datasets import load_iris

    from logitron.firth import design_matrix
    from logitron.firth_softmax import fit_softmax_penalised

    X, y = load_iris(return_X_y=True)
    X = X[:, :2]
    model = FirthLogisticRegression().fit(X, y)
    reference = fit_softmax_penalised(design_matrix(X, True), y, 3)
    np.testing.assert_array_equal(model.coef_[0], [0.0, 0.0])
    np.testing.assert_allclose(model.coef_[1:], reference.theta[:, :2], atol=1e-12)
    np.testing.assert_allclose(model.intercept_[1:], reference.theta[:, 2], atol=1e-12)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    summary = model.summary(method="wald")
    assert summary.terms[:2] == ("1:(Intercept)", "1:x1")
    np.testing.assert_allclose(summary.bse[1], np.sqrt(reference.covariance[0, 0]))
    with pytest.raises(ValueError, match="implemented for two classes"):
        model.summary()
    with pytest.raises(ValueError, match="correction and offset are for two classes"):
        FirthLogisticRegression(correction="flic").fit(X, y)


# The one expected failure: that check fits 15 rows with 30 features (3
# classes), whose Fisher information is singular; Firth's penalty log det I
# needs full column rank, and the fit says so (LinAlgError naming collinear
# columns).
@parametrize_with_checks(
    [FirthLogisticRegression()],
    expected_failed_checks=lambda _: {
        "check_sample_weight_equivalence_on_dense_data": "needs full column rank (n < d)"
    },
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_wald_p_values_match_published_brglm2_output(endometrial):
    # brglm2's README (see above) prints Pr(>|z|) 0.011229, 0.058902,
    # 0.379915, 0.000791 for (Intercept), NV, PI, EH. brglm2 stops its
    # iteration at epsilon = 1e-6 (brglmControl's default), so its sixth
    # decimal can be off by one: ours is 0.3799143 for PI, where the estimate
    # itself agrees with an independent optimiser to 1e-8 (test above).
    X, y = endometrial
    summary = FirthLogisticRegression().fit(X, y).summary(method="wald")
    assert summary.terms == ("(Intercept)", "x1", "x2", "x3")
    np.testing.assert_allclose(
        summary.pvalues, [0.011229, 0.058902, 0.379915, 0.000791], atol=1.5e-6
    )


def test_summary_profile_columns_are_the_profile_intervals(endometrial):
    X, y = endometrial
    model = FirthLogisticRegression().fit(X, y)
    summary = model.summary(level=0.9)
    intervals = model.profile_intervals(level=0.9)
    # Summary rows put the intercept first; the arrays keep it last.
    np.testing.assert_array_equal(summary.conf_int[0], [intervals.lower[3], intervals.upper[3]])
    np.testing.assert_array_equal(summary.pvalues[1:], intervals.pvalue[:3])
    assert "profile penalised likelihood" in str(summary)
    frame = summary.to_frame()
    assert list(frame.columns) == ["coef", "se(coef)", "lower", "upper", "chisq", "p"]


def test_corrections_and_profiles(endometrial):
    X, y = endometrial
    flic = FirthLogisticRegression(correction="flic").fit(X, y).profile_intervals()
    firth = FirthLogisticRegression().fit(X, y).profile_intervals()
    np.testing.assert_array_equal(flic.lower[:3], firth.lower[:3])
    assert np.isnan(flic.lower[3])
    with pytest.raises(ValueError, match="correction='flac'"):
        FirthLogisticRegression(correction="flac").fit(X, y).summary()
    with pytest.raises(ValueError, match="method must be one of"):
        FirthLogisticRegression().fit(X, y).summary(method="score")


def test_the_docs_firth_example_gives_finite_estimates():
    readme = (Path(__file__).parents[2] / "docs" / "inference.md").read_text(encoding="utf-8")
    block = next(
        code for code in readme.split("```python\n")[1:]
        if "FirthLogisticRegression().fit" in code
    ).split("```")[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/inference.md", "exec"), namespace)
    model = namespace["model"]
    assert isinstance(model, FirthLogisticRegression)
    assert np.all(np.isfinite(model.coef_))


def test_profile_intervals_with_weights_equal_repeated_rows(endometrial):
    X, y = endometrial
    counts = np.random.default_rng(3).integers(1, 3, size=len(y))
    weighted = FirthLogisticRegression().fit(X, y, sample_weight=counts).profile_intervals()
    repeated = FirthLogisticRegression().fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    ).profile_intervals()
    np.testing.assert_allclose(weighted.lower, repeated.lower, atol=1e-8)
    np.testing.assert_allclose(weighted.upper, repeated.upper, atol=1e-8)
    np.testing.assert_allclose(weighted.statistic, repeated.statistic, atol=1e-8)
