"""Watching a fit: the static figure and the animation of its path, from
``logitron.plots``, with the number of frames they promise."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression, plots
from logitron.plots_training import frame_iterations
from logitron.trace import FitTrace, record_fit
from tests.cli_runner import assert_valid_image

pytest.importorskip("matplotlib")


def gif_frames(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        assert image.format == "GIF"
        return int(image.n_frames)


def html_frames(path: Path) -> int:
    page = path.read_text(encoding="utf-8")
    assert "<script" in page
    return len(re.findall(r"frames\[\d+\] = \"data:image/png;base64,", page))


def blobs(n: int = 60, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X @ np.array([1.5, -1.0]) + 0.3 + rng.logistic(size=n) > 0).astype(int)


@pytest.fixture(scope="module")
def gd_trace() -> tuple[FitTrace, np.ndarray, np.ndarray]:
    X, y = blobs()
    return record_fit(LogisticRegression(solver="gd", learning_rate=0.5), X, y), X, y


def test_frames_are_spread_dense_early_and_include_both_ends() -> None:
    frames = frame_iterations(1000, 12)
    assert len(frames) == 12
    assert frames[0] == 0
    assert frames[-1] == 999
    assert np.all(np.diff(frames) > 0)
    assert np.all(np.diff(np.diff(frames)) >= 0)   # gaps grow: dense early
    np.testing.assert_array_equal(frame_iterations(5, 12), np.arange(5))
    one_skipped = frame_iterations(13, 12)
    assert len(set(one_skipped)) == 12
    assert one_skipped[0] == 0
    assert one_skipped[-1] == 12
    with pytest.raises(ValueError, match="at least one"):
        frame_iterations(0, 3)


def test_static_figure_has_a_panel_per_snapshot(gd_trace: Any, tmp_path: Path) -> None:
    trace, X, y = gd_trace
    figure = plots.training_figure(trace, X, y, panels=5)
    assert len(figure.axes) == 5 + 2
    titles = [ax.get_title() for ax in figure.axes[:5]]
    shown = trace.iterations[frame_iterations(trace.n_iter, 5)]
    assert titles == [
        f"iteration {step}: cost {trace.values[step - 1]:.4g}" for step in shown
    ]
    # The boundary drawn in the last panel is the fitted one: z = 0 on it.
    line = figure.axes[4].lines[-1].get_xydata()
    line = line[np.isfinite(line).all(axis=1)]
    assert len(line) > 10
    np.testing.assert_allclose(trace.model.decision_function(line), 0.0, atol=1e-2)
    path = plots.save_figure(figure, tmp_path / "training.png")
    assert_valid_image(path)


def test_gd_animation_as_gif_and_html(gd_trace: Any, tmp_path: Path) -> None:
    trace, X, y = gd_trace
    assert trace.n_iter > 12
    gif = plots.save_animation(plots.training_animation(trace, X, y, max_frames=12),
                               tmp_path / "gd.gif")
    assert gif_frames(gif) == 12
    html = plots.save_animation(plots.training_animation(trace, X, y, max_frames=7),
                                tmp_path / "gd.html")
    assert html_frames(html) == 7
    assert not list(tmp_path.glob(".*"))   # no temporary file left behind


def test_newton_animation_shows_every_iterate(tmp_path: Path) -> None:
    X, y = blobs()
    trace = record_fit(LogisticRegression(solver="newton"), X, y)
    assert trace.n_iter < 12
    gif = plots.save_animation(plots.training_animation(trace, X, y), tmp_path / "newton.gif")
    assert gif_frames(gif) == trace.n_iter


def test_softmax_in_a_pipeline_on_a_dataframe(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    data = load_iris(as_frame=True)
    X = data.data[["sepal length (cm)", "sepal width (cm)"]]
    y = data.target.to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression(solver="newton"))
    trace = record_fit(model, X, y)
    figure = plots.training_figure(trace, X, y, panels=3)
    assert figure.axes[0].get_xlabel() == "sepal length (cm)"
    assert_valid_image(plots.save_figure(figure, tmp_path / "softmax.png"))
    gif = plots.save_animation(plots.training_animation(trace, X, y), tmp_path / "softmax.gif")
    assert gif_frames(gif) == trace.n_iter
    assert isinstance(X, pd.DataFrame)


def test_bad_input_is_named(gd_trace: Any, tmp_path: Path) -> None:
    trace, X, y = gd_trace
    with pytest.raises(ValueError, match="two features"):
        plots.training_figure(trace, np.column_stack([X, X]), y)
    animation = plots.training_animation(trace, X, y, max_frames=2)
    with pytest.raises(ValueError, match=r"\.gif or \.html"):
        plots.save_animation(animation, tmp_path / "movie.mp4")
    plots.save_animation(animation, tmp_path / "movie.gif")   # rendered: no warning
