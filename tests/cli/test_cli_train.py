"""``logitron train`` driven as a user would: files in, model file out."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import logitron
from logitron.io import read_model_file
from tests.cli_runner import assert_fails, run_cli, write_dataset


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    write_dataset(path)
    return path


def test_train_standardised_with_a_held_out_split(data: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "model.json"
    result = run_cli(
        "train", data, "--target", "label", "--features", "x1,x2", "--features", "x3",
        "--standardize", "--test-size", "0.25", "-o", model_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "fitted 120 rows, 3 features, classes no, yes" in result.stdout
    assert "on the held-out test rows:" in result.stdout
    assert "confusion matrix" in result.stdout
    assert f"model written to {model_path}" in result.stdout

    model_file = read_model_file(model_path)
    training = model_file.training
    assert training["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert training["target"] == "label"
    assert training["features"] == ["x1", "x2", "x3"]
    assert (training["n_train"], training["n_test"]) == (120, 40)
    assert 0.5 < training["test_metrics"]["accuracy"] <= 1.0
    model = model_file.model
    assert [name for name, _ in model.steps] == ["standardize", "logistic"]
    assert list(model[-1].feature_names_in_) == ["x1", "x2", "x3"]
    assert model[-1].classes_.tolist() == ["no", "yes"]


def test_train_passes_estimator_options_and_shows_progress(data: Path, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    model_path = tmp_path / "model.json"
    result = run_cli(
        "train", data, "--target", "label", "--features", "x1", "--sample-weight", "x3",
        "--solver", "gd", "--learning-rate", "0.5", "--tol", "1e-7", "--C", "4",
        "--class-weight", "yes=2,no=1", "--progress", "-o", model_path,
    )
    assert result.returncode == 0, result.stderr
    progress = result.stderr.splitlines()
    assert len(progress) >= 2
    assert all(line.startswith("[gd] iter") and "cost" in line for line in progress)
    model = logitron.load(model_path)
    assert model.solver_ == "gd"
    # The last progress line is the final iteration.
    assert progress[-1].split()[2] == str(model.n_iter_[0])
    frame = pd.read_csv(data)
    reference = logitron.LogisticRegression(
        solver="gd", learning_rate=0.5, tol=1e-7, C=4.0, class_weight={"yes": 2.0, "no": 1.0}
    ).fit(frame[["x1"]], frame["label"], sample_weight=frame["x3"])
    assert model.get_params() == reference.get_params()
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    np.testing.assert_array_equal(model.intercept_, reference.intercept_)


def test_train_reads_parquet(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    csv = tmp_path / "people.csv"
    write_dataset(csv)
    parquet = tmp_path / "people.parquet"
    pd.read_csv(csv).to_parquet(parquet)
    model_path = tmp_path / "model.json"
    result = run_cli("train", parquet, "--target", "label", "--features", "x1,x2,x3",
                     "-o", model_path)
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(csv)
    reference = logitron.LogisticRegression().fit(frame[["x1", "x2", "x3"]], frame["label"])
    np.testing.assert_allclose(logitron.load(model_path).coef_, reference.coef_, rtol=1e-12)


def test_train_from_a_formula_then_predict(data: Path, tmp_path: Path) -> None:
    pytest.importorskip("formulaic")
    model_path = tmp_path / "model.json"
    result = run_cli("train", data, "--formula", "label ~ x1 + scale(x2) + C(city)",
                     "-o", model_path)
    assert result.returncode == 0, result.stderr
    model = logitron.load(model_path)
    assert list(model.feature_names_in_) == [
        "x1", "scale(x2)", "C(city)[T.Oslo]", "C(city)[T.Rome]",
    ]
    predicted = run_cli("predict", model_path, data)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.splitlines()[0] == "predicted,proba_no,proba_yes"
    assert len(predicted.stdout.splitlines()) == 161


# -- errors: one line, right exit code, no model file ----------------------------------
def test_missing_data_file(tmp_path: Path) -> None:
    result = run_cli("train", tmp_path / "nope.csv", "--target", "y", "-o", tmp_path / "m.json")
    assert_fails(result, 1, "nope.csv", "no such file")
    assert not (tmp_path / "m.json").exists()


def test_malformed_csv_leaves_an_existing_model_file_alone(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("a,b,label\n1,2,yes\n3,4,no,5\n", encoding="utf-8")
    model_path = tmp_path / "m.json"
    model_path.write_text("previous model", encoding="utf-8")
    result = run_cli("train", data, "--target", "label", "-o", model_path)
    assert_fails(result, 1, "bad.csv", "malformed CSV", "line 3")
    assert model_path.read_text(encoding="utf-8") == "previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "m.json"]


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--target", "outcome"], ["target column 'outcome' not found", "label"]),
        (["--target", "label", "--features", "x1,x9"], ["feature column 'x9' not found"]),
    ],
)
def test_data_errors_exit_1(data: Path, tmp_path: Path, arguments: list[str],
                            words: list[str]) -> None:
    result = run_cli("train", data, *arguments, "-o", tmp_path / "m.json")
    assert_fails(result, 1, *words)
    assert not (tmp_path / "m.json").exists()


def test_missing_values_and_empty_files_are_named(tmp_path: Path) -> None:
    holes = tmp_path / "holes.csv"
    holes.write_text("x,label\n1.0,yes\n,no\n2.0,no\n0.5,yes\n", encoding="utf-8")
    assert_fails(run_cli("train", holes, "--target", "label", "--missing", "error",
                         "-o", tmp_path / "m.json"),
                 1, "column 'x'", "missing value", "line 3")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert_fails(run_cli("train", empty, "--target", "label", "-o", tmp_path / "m.json"),
                 1, "empty")
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--target", "label", "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
        (["--target", "label", "--C", "-1"], ["--C", "positive"]),
        (["--target", "label", "--solver", "magic"], ["--solver", "invalid choice"]),
        (["--formula", "label ~ x1", "--target", "label"], ["--target cannot be combined"]),
        ([], ["--target"]),
    ],
)
def test_usage_errors_exit_2(data: Path, tmp_path: Path, arguments: list[str],
                             words: list[str]) -> None:
    result = run_cli("train", data, *arguments, "-o", tmp_path / "m.json")
    assert_fails(result, 2, *words)
    assert not (tmp_path / "m.json").exists()


def test_train_help_documents_every_estimator_option() -> None:
    result = run_cli("train", "--help")
    assert result.returncode == 0
    for option in ("--target", "--features", "--formula", "--standardize", "--test-size",
                   "--C", "--l1-ratio", "--solver", "--tol", "--max-iter", "--learning-rate",
                   "--class-weight", "--no-intercept", "--random-state", "--sample-weight",
                   "--progress", "--output"):
        assert option in result.stdout, option


def test_a_fit_that_stops_early_warns_on_one_line_and_still_saves(
    data: Path, tmp_path: Path
) -> None:
    model_path = tmp_path / "model.json"
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2", "--solver", "gd",
                     "--max-iter", "3", "-o", model_path)
    assert result.returncode == 0, result.stderr
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("logitron train: warning: gradient descent reached max_iter=3")
    assert logitron.load(model_path).n_iter_[0] == 3
