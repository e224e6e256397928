"""``logitron plot training``: the animation and the figure of a refit, from
the command line, with the frames they promise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sklearn.base import clone

import logitron
from tests.cli_runner import assert_fails, assert_valid_image, run_cli, write_dataset

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model file, data file): gradient descent on standardised x1, x2."""
    folder = tmp_path_factory.mktemp("training")
    data = folder / "people.csv"
    write_dataset(data, n=80)
    model_path = folder / "model.json"
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2",
                     "--standardize", "--solver", "gd", "--learning-rate", "0.5",
                     "-o", model_path)
    assert result.returncode == 0, result.stderr
    return model_path, data


def gif_frames(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return int(image.n_frames)


def test_gd_animation_gif_and_html(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    gif = tmp_path / "gd.gif"
    result = run_cli("plot", "training", model_path, data, "--frames", "8", "-o", gif)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == f"training animation (8 frames) written to {gif}"
    assert gif_frames(gif) == 8
    html = tmp_path / "gd.html"
    result = run_cli("plot", "training", model_path, data, "--frames", "5", "-o", html)
    assert result.returncode == 0, result.stderr
    page = html.read_text(encoding="utf-8")
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png", page)) == 5


def test_newton_animation_has_one_frame_per_iteration(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_path, data = trained
    gif = tmp_path / "newton.gif"
    result = run_cli("plot", "training", model_path, data, "--solver", "newton", "-o", gif)
    assert result.returncode == 0, result.stderr
    # The same refit in Python: the model file's pipeline, solver switched.
    import pandas as pd

    frame = pd.read_csv(data)
    model = clone(logitron.load(model_path)).set_params(logistic__solver="newton")
    model.fit(frame[["x1", "x2"]], frame["label"])
    # One frame per recorded iterate: the learning curve's length (Newton may
    # count one more, final, unrecorded step in n_iter_).
    n_iter = len(model[-1].loss_curve_)
    assert 2 <= n_iter < 15
    assert result.stdout.strip() == f"training animation ({n_iter} frames) written to {gif}"
    assert gif_frames(gif) == n_iter


def test_static_figure(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    png = tmp_path / "training.png"
    result = run_cli("plot", "training", model_path, data, "--frames", "3", "-o", png)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"training plot written to {png}"
    assert_valid_image(png)


def test_errors_write_nothing(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    assert_fails(run_cli("plot", "training", model_path, data, "-o", tmp_path / "a.mp4"),
                 2, ".gif or .html")
    assert_fails(run_cli("plot", "training", model_path, "-o", tmp_path / "a.gif"),
                 2, "needs the labelled DATA")
    assert_fails(run_cli("plot", "training", model_path, data, "--solver", "sgd",
                         "-o", tmp_path / "a.gif"), 2, "--solver")
    wide = tmp_path / "wide.json"
    trained_wide = run_cli("train", data, "--target", "label", "--features", "x1,x2,x3",
                           "-o", wide)
    assert trained_wide.returncode == 0, trained_wide.stderr
    assert_fails(run_cli("plot", "training", wide, data, "-o", tmp_path / "a.gif"),
                 1, "exactly two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.json"]
