"""The statistics figures draw the numbers of the statistics object (which
the other test files compare with statsmodels): interval bars at the
effects' limits, the band at the prediction's limits."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from logitron import LogisticRegression, statistics_plots


@pytest.fixture(scope="module")
def stats():
    data = sm.datasets.spector.load_pandas()
    model = LogisticRegression(C=np.inf, tol=1e-12).fit(data.exog, data.endog)
    return model.statistics(data.exog, data.endog), data.exog


def test_effects_plot_draws_the_intervals(stats):
    statistics, _ = stats
    effects = statistics.marginal_effects()
    ax = statistics_plots.marginal_effects(effects)
    container = ax.containers[0]
    points = container.lines[0].get_xdata()
    assert_allclose(points, effects.margeff)
    segments = container.lines[2][0].get_segments()
    assert_allclose([s[:, 0] for s in segments], effects.conf_int())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["GPA", "TUCE", "PSI"]
    with pytest.raises(ValueError, match="no intervals"):
        statistics_plots.marginal_effects(statistics.marginal_effects(at="all"))


def test_prediction_band_follows_the_interval(stats):
    statistics, X = stats
    grid = X.iloc[[0] * 40].assign(GPA=np.linspace(4.0, 2.0, 40))
    prediction = statistics.get_prediction(grid)
    ax = statistics_plots.prediction_band(prediction, grid["GPA"])
    line = ax.get_lines()[0]
    assert_allclose(line.get_xdata(), np.linspace(2.0, 4.0, 40))
    assert_allclose(line.get_ydata(), prediction.predicted[::-1])
    band = ax.collections[0].get_paths()[0].vertices
    interval = prediction.conf_int()[::-1]
    assert_allclose(band[1:41, 1], interval[:, 0])
    assert ax.get_xlabel() == "GPA"
    with pytest.raises(ValueError, match="one value per predicted row"):
        statistics_plots.prediction_band(prediction, np.ones(3))
