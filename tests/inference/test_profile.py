"""Profile-likelihood intervals and LR p-values of ordinary (unpenalised) fits."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.stats
import statsmodels.api as sm

from logitron import LogisticRegression, PerfectSeparationWarning
from logitron.profile import mle_profile_intervals


@pytest.fixture(scope="module")
def budworm() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Venables & Ripley (2002), MASS 4th ed., pp. 190-2: 20 budworms per
    dose and sex, ``numdead`` killed; one row per (dose, sex, outcome) with
    the count as frequency weight. Columns: sexM, ldose."""
    ldose = np.tile(np.arange(6.0), 2)
    dead = np.array([1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16], dtype=float)
    male = np.repeat([1.0, 0.0], 6)
    X = np.tile(np.column_stack([male, ldose]), (2, 1))
    y = np.r_[np.ones(12), np.zeros(12)]
    return X, y, np.r_[dead, 20 - dead]


def test_budworm_ldose_interval_matches_published_r_confint(budworm):
    # Published R output: confint(glm(SF ~ sex + ldose, family = binomial),
    # parm = "ldose") prints 0.8228708 1.3390581 (C. Ford, "Profile likelihood
    # ratio confidence intervals", clayford.net/statistics, the MASS budworm
    # example). MASS reads its end points off a spline through a grid of
    # profile points, which moves them by up to ~2e-5 from the exact roots;
    # the exact roots are checked to 1e-7 in the next test.
    X, y, weight = budworm
    model = LogisticRegression(C=np.inf, solver="newton").fit(X, y, sample_weight=weight)
    intervals = mle_profile_intervals(model, X, y, sample_weight=weight)
    assert intervals.lower[1] == pytest.approx(0.8228708, abs=5e-5)
    assert intervals.upper[1] == pytest.approx(1.3390581, abs=5e-5)


def test_end_points_and_p_values_match_statsmodels_profiles(budworm):
    # prof(b) for ldose is the log-likelihood of statsmodels' GLM with
    # b * ldose as offset and the other columns free; the end points are
    # brentq's roots of 2 * (l_max - prof(b)) = chi2(0.95, 1), and the LR
    # statistic of ldose = 0 is the deviance difference of the nested fits.
    X, y, weight = budworm
    design = np.column_stack([X, np.ones(len(y))])
    full = sm.GLM(y, design, family=sm.families.Binomial(), freq_weights=weight).fit(tol=1e-12)

    def profile(j: int, b: float) -> float:
        others = np.delete(design, j, axis=1)
        return float(sm.GLM(y, others, family=sm.families.Binomial(), freq_weights=weight,
                            offset=b * design[:, j]).fit(tol=1e-12).llf)

    model = LogisticRegression(C=np.inf, solver="newton").fit(X, y, sample_weight=weight)
    ours = mle_profile_intervals(model, X, y, sample_weight=weight)
    cut = scipy.stats.chi2.ppf(0.95, 1)
    for j in range(3):
        def excess(b: float, j: int = j) -> float:
            return 2 * (full.llf - profile(j, b)) - cut

        centre, se = full.params[j], full.bse[j]
        lower = scipy.optimize.brentq(excess, centre - 5 * se, centre, xtol=1e-12)
        upper = scipy.optimize.brentq(excess, centre, centre + 5 * se, xtol=1e-12)
        assert ours.lower[j] == pytest.approx(lower, abs=1e-7)
        assert ours.upper[j] == pytest.approx(upper, abs=1e-7)
        statistic = 2 * (full.llf - profile(j, 0.0))
        assert ours.statistic[j] == pytest.approx(statistic, rel=1e-7)
        assert ours.pvalue[j] == pytest.approx(scipy.stats.chi2.sf(statistic, 1), rel=1e-6)


def test_level_sets_the_width(budworm):
    X, y, weight = budworm
    model = LogisticRegression(C=np.inf, solver="newton").fit(X, y, sample_weight=weight)
    wide = mle_profile_intervals(model, X, y, sample_weight=weight, level=0.99)
    narrow = mle_profile_intervals(model, X, y, sample_weight=weight, level=0.9)
    assert np.all(wide.lower < narrow.lower)
    assert np.all(wide.upper > narrow.upper)
    with pytest.raises(ValueError, match="level must lie strictly between 0 and 1"):
        mle_profile_intervals(model, X, y, sample_weight=weight, level=1.0)


def test_penalised_or_separated_fits_are_refused(budworm):
    X, y, weight = budworm
    ridge = LogisticRegression(C=1.0).fit(X, y, sample_weight=weight)
    with pytest.raises(ValueError, match="unpenalised two-class fit"):
        mle_profile_intervals(ridge, X, y, sample_weight=weight)
    X_sep = np.array([[0.0], [1.0], [2.0], [3.0]])
    y_sep = np.array([0, 0, 1, 1])
    with pytest.warns(PerfectSeparationWarning, match="separation"):
        separated = LogisticRegression(C=np.inf, solver="newton").fit(X_sep, y_sep)
    with pytest.raises(ValueError, match="FirthLogisticRegression"):
        mle_profile_intervals(separated, X_sep, y_sep)
