"""``logitron summary`` and ``logitron plot`` on models trained by the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_runner import assert_fails, assert_valid_image, run_cli, write_dataset


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model file, data file): penalised fit of label on x1, x2."""
    folder = tmp_path_factory.mktemp("trained")
    data = folder / "people.csv"
    write_dataset(data)
    model_path = folder / "model.json"
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2",
                     "-o", model_path)
    assert result.returncode == 0, result.stderr
    return model_path, data


def test_summary_of_a_penalised_model_lists_coefficients(trained: tuple[Path, Path]) -> None:
    model_path, data = trained
    result = run_cli("summary", model_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"model file   {model_path}")
    assert any(line.startswith(f"trained on   {data}: 160 rows") for line in lines)
    assert "target       label" in lines
    assert "classes      no, yes" in lines
    table = {line.split()[0]: line.split()[1:] for line in lines if line[:2] in ("x1", "x2")}
    assert set(table) == {"x1", "x2"}
    assert float(table["x1"][0]) > 0  # the label rises with x1 in the data
    assert "no standard errors" in result.stdout


def test_summary_of_an_unpenalised_model_has_the_statistics_table(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    write_dataset(data)
    model_path = tmp_path / "model.json"
    trained = run_cli("train", data, "--target", "label", "--features", "x1,x2", "--C", "inf",
                      "-o", model_path)
    assert trained.returncode == 0, trained.stderr
    result = run_cli("summary", model_path, "--alpha", "0.1", "--cov-type", "HC1")
    assert result.returncode == 0, result.stderr
    assert "P>|z|" in result.stdout
    assert "x1" in result.stdout
    assert re.search(r"Dep\. variable:\s+label\b", result.stdout)
    assert "0.05" in result.stdout  # the 90% interval's lower quantile label


def test_summary_errors(tmp_path: Path) -> None:
    not_a_model = tmp_path / "notes.json"
    not_a_model.write_text('{"hello": "world"}', encoding="utf-8")
    assert_fails(run_cli("summary", not_a_model), 1, "not a logitron model file")
    assert_fails(run_cli("summary", not_a_model, "--cov-type", "HC9"), 2, "--cov-type")


@pytest.mark.parametrize(
    ("kind", "needs_data", "suffix"),
    [
        ("curve", False, ".png"),
        ("coefficients", False, ".svg"),
        ("boundary", True, ".png"),
        ("roc", True, ".png"),
        ("calibration", True, ".svg"),
    ],
)
def test_plot_writes_a_valid_image(
    trained: tuple[Path, Path], tmp_path: Path, kind: str, needs_data: bool, suffix: str
) -> None:
    pytest.importorskip("matplotlib")
    model_path, data = trained
    output = tmp_path / f"{kind}{suffix}"
    result = run_cli("plot", kind, model_path, *([data] if needs_data else []), "-o", output)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == f"{kind} plot written to {output}"
    assert_valid_image(output)


def test_plot_errors_write_nothing(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    assert_fails(run_cli("plot", "roc", model_path, data, "-o", tmp_path / "roc.jpg"),
                 2, ".png or .svg")
    assert_fails(run_cli("plot", "roc", model_path, "-o", tmp_path / "roc.png"),
                 2, "needs a labelled DATA file")
    assert_fails(run_cli("plot", "boundary", model_path, data, "--features", "x1,x3",
                         "-o", tmp_path / "b.png"), 2, "does not read x3")
    assert list(tmp_path.iterdir()) == []
