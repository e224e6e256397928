"""``logitron.plots``: each figure draws real content and saves as PNG or SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from logitron import LogisticRegression, plots
from tests.cli_runner import assert_valid_image

pytest.importorskip("matplotlib")


def make_data(classes: int, n: int = 150, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    raw = X @ rng.normal(size=(3, classes)) * 2.0
    return X, np.argmax(raw + rng.gumbel(size=raw.shape), axis=1)


@pytest.fixture(params=[2, 3], ids=["binary", "softmax"])
def fitted(request: pytest.FixtureRequest) -> tuple[Any, np.ndarray, np.ndarray]:
    X, y = make_data(request.param)
    return LogisticRegression(solver="gd").fit(X, y), X, y


def drawn(ax: Any) -> int:
    """How many things the axes hold: lines, collections, images."""
    return len(ax.lines) + len(ax.collections) + len(ax.images)


def test_every_figure_draws_and_saves(fitted: tuple[Any, Any, Any], tmp_path: Path) -> None:
    model, X, y = fitted
    figures = {
        "curve": plots.learning_curve(model),
        "boundary": plots.decision_boundary(model, X, y, features=(0, 2)),
        "roc": plots.roc_curve(model, X, y),
        "calibration": plots.calibration_curve(model, X, y, n_bins=5),
        "coefficients": plots.coefficients(model),
    }
    for name, ax in figures.items():
        assert drawn(ax) >= 1, name
        for suffix in (".png", ".svg"):
            path = plots.save_figure(ax.figure, tmp_path / f"{name}{suffix}")
            assert_valid_image(path)


def test_curve_is_the_loss_curve(fitted: tuple[Any, Any, Any]) -> None:
    model, _, _ = fitted
    line = plots.learning_curve(model).lines[0]
    np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(model.loss_curve_) + 1))


def test_roc_curve_matches_scikit_learn() -> None:
    from sklearn.metrics import roc_curve

    X, y = make_data(2)
    model = LogisticRegression().fit(X, y)
    line = plots.roc_curve(model, X, y).lines[0]
    false_positive, true_positive, _ = roc_curve(y, model.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(line.get_xdata(), false_positive)
    np.testing.assert_array_equal(line.get_ydata(), true_positive)


def test_boundary_marks_where_the_probability_is_one_half() -> None:
    X, y = make_data(2)
    model = LogisticRegression().fit(X[:, :2], y)
    ax = plots.decision_boundary(model, X[:, :2], y, resolution=50)
    (level,) = ax.collections[1].levels
    assert level == 0.5


def test_coefficients_plot_points_are_the_coefficients() -> None:
    X, y = make_data(2)
    model = LogisticRegression().fit(X, y)
    ax = plots.coefficients(model)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), model.coef_[0])
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["x1", "x2", "x3"]


def test_plotting_on_given_axes_and_refusals(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    X, y = make_data(2)
    model = LogisticRegression().fit(X, y)
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plots.roc_curve(model, X, y, ax=left) is left
    assert plots.calibration_curve(model, X, y, ax=right) is right
    with pytest.raises(ValueError, match="choose the two"):
        plots.decision_boundary(model, X, y)
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plots.save_figure(figure, tmp_path / "figure.gif")
    assert list(tmp_path.iterdir()) == []
