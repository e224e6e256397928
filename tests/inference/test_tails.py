"""The tail helpers give scipy.stats' values (the reference) without its
argument checking."""

import numpy as np
import pytest
import scipy.stats

from logitron.inference.tails import (
    chi2_upper_tail,
    normal_upper_quantile,
    two_sided_normal_pvalues,
)

Z = np.array([-np.inf, -40.0, -8.5, -1.96, -1e-12, 0.0, 0.3, 2.5, 38.0, np.inf, np.nan])


def test_two_sided_pvalues_are_scipy_stats():
    np.testing.assert_array_equal(
        two_sided_normal_pvalues(Z), 2.0 * scipy.stats.norm.sf(np.abs(Z))
    )


@pytest.mark.parametrize("q", [1e-300, 1e-10, 0.005, 0.025, 0.05, 0.5, 0.9, 1.0, 0.0])
def test_upper_quantile_is_norm_isf(q):
    assert normal_upper_quantile(q) == scipy.stats.norm.isf(q)


@pytest.mark.parametrize("df", [1, 2, 7, 50, 400])
@pytest.mark.parametrize("statistic", [0.0, 1e-9, 0.7, 3.84, 60.0, 2e3, np.inf])
def test_chi2_upper_tail_is_chi2_sf(statistic, df):
    assert chi2_upper_tail(statistic, df) == pytest.approx(
        scipy.stats.chi2.sf(statistic, df), rel=1e-14, abs=1e-300
    )


def test_chi2_upper_tail_of_a_statistic_rounded_below_zero_is_one():
    assert chi2_upper_tail(-1e-12, 3) == scipy.stats.chi2.sf(-1e-12, 3) == 1.0
    assert np.isnan(chi2_upper_tail(np.nan, 3))


def test_chi2_upper_tail_needs_positive_degrees_of_freedom():
    with pytest.raises(ValueError, match="degrees of freedom must be positive"):
        chi2_upper_tail(1.0, 0)
