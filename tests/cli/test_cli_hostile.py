"""Issue 14, the command line: categories from text columns, the missing-
value rule, files it must not overwrite, and one-line failures. Each test
failed before its fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import logitron
from logitron.io import read_model_file
from tests.cli_runner import assert_fails, run_cli, write_dataset
from tests.helpers import resign_model_file

pd = pytest.importorskip("pandas")
pytest.importorskip("formulaic")
smf = pytest.importorskip("statsmodels.formula.api")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    write_dataset(path)
    return path


def statsmodels_fit(frame, formula: str, **options):
    frame = frame.assign(yes=(frame["label"] == "yes").astype(float))
    return smf.logit(formula, frame, **options).fit(disp=0, method="newton", tol=1e-12)


# -- item 13: text columns are categories --------------------------------------
def test_text_features_are_encoded_as_c_column_and_unseen_levels_refused(
    data: Path, tmp_path: Path
) -> None:
    model_path = tmp_path / "m.json"
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2,city",
                     "--C", "inf", "--tol", "1e-12", "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert "encoding 'city' as categories" in result.stdout
    model = logitron.load(model_path)
    reference = statsmodels_fit(pd.read_csv(data), "yes ~ x1 + x2 + C(city)")
    # The same terms, coefficients and reference level (Lyon) as statsmodels
    # (matched by name: patsy puts the categorical terms first).
    names = list(model.feature_names_in_)
    assert sorted(names) == sorted(reference.params.index[1:])
    assert_allclose(model.coef_[0], reference.params[names], rtol=1e-6)
    assert_allclose(model.intercept_[0], reference.params["Intercept"], rtol=1e-6)

    predicted = run_cli("predict", model_path, data)
    assert predicted.returncode == 0, predicted.stderr
    proba = pd.read_csv(__import__("io").StringIO(predicted.stdout))["proba_yes"]
    assert_allclose(proba, reference.predict(pd.read_csv(data)), rtol=1e-6)

    unseen = tmp_path / "paris.csv"
    unseen.write_text(data.read_text().replace(",Oslo,", ",Paris,"), encoding="utf-8")
    assert_fails(run_cli("predict", model_path, unseen), 1,
                 "column 'city'", "'Paris' not seen in training")


# -- item 14: missing values, an explicit choice --------------------------------
@pytest.fixture
def gappy(data: Path, tmp_path: Path) -> Path:
    frame = pd.read_csv(data)
    frame.loc[[1, 9], "x1"] = np.nan
    frame.loc[[4], "city"] = np.nan
    path = tmp_path / "gappy.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_values_are_refused_when_asked(gappy: Path, tmp_path: Path) -> None:
    assert_fails(run_cli("train", gappy, "--target", "label", "--features", "x1,x2",
                         "--missing", "error", "-o", tmp_path / "m.json"),
                 1, "column 'x1' has 2 missing value(s)", "line 3", "--missing drop")


def test_missing_values_are_dropped_by_default_as_logit_drops_them(
    gappy: Path, tmp_path: Path
) -> None:
    # One rule for the command line and logitron.logit (R's and statsmodels'
    # default): the complete rows are fitted and the count is reported.
    result = run_cli("train", gappy, "--target", "label", "--features", "x1,x2",
                     "-o", tmp_path / "m.json")
    assert result.returncode == 0, result.stderr
    assert "dropped 2 of 160 rows with missing values" in result.stdout


@pytest.mark.parametrize(
    "how", [["--features", "x1,x2,city"], ["--formula", "label ~ x1 + x2 + C(city)"]]
)
def test_missing_drop_fits_the_complete_rows_and_says_so(
    gappy: Path, tmp_path: Path, how: list[str]
) -> None:
    model_path = tmp_path / "m.json"
    target = [] if how[0] == "--formula" else ["--target", "label"]
    result = run_cli("train", gappy, *target, *how, "--missing", "drop", "--C", "inf",
                     "--tol", "1e-12", "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert "dropped 3 of 160 rows with missing values" in result.stdout
    # statsmodels' missing="drop" is the reference for which rows remain.
    reference = statsmodels_fit(pd.read_csv(gappy), "yes ~ x1 + x2 + C(city)", missing="drop")
    model = logitron.load(model_path)
    assert_allclose(model.coef_[0], reference.params[list(model.feature_names_in_)], rtol=1e-6)
    assert model.inference_ is not None
    assert model.inference_.nobs == reference.nobs == 157
    assert read_model_file(model_path).training["n_dropped_missing"] == 3
    summary = run_cli("summary", model_path)
    assert "(3 rows with missing values dropped before the fit)" in summary.stdout


# -- items 8 and 11: files the CLI must not clobber or misname ------------------
def test_train_refuses_to_overwrite_its_training_data(data: Path) -> None:
    before = data.read_bytes()
    assert_fails(run_cli("train", data, "--target", "label", "-o", data), 2,
                 "would overwrite the training data")
    assert data.read_bytes() == before


def test_predict_into_a_folder_names_the_folder(data: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.json"
    assert run_cli("train", data, "--target", "label", "--features", "x1",
                   "-o", model_path).returncode == 0
    folder = tmp_path / "out"
    folder.mkdir()
    result = run_cli("predict", model_path, data, "-o", folder)
    assert_fails(result, 2, "--output", "is a folder")
    assert ".partial" not in result.stderr


# -- item 9: failures that printed tracebacks ----------------------------------
def test_a_diverging_fit_is_one_line(data: Path, tmp_path: Path) -> None:
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2,x3",
                     "--solver", "gd", "--learning-rate", "1e10", "-o", tmp_path / "m.json")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"^logitron train: error: .*diverged", result.stderr, re.MULTILINE)
    assert not (tmp_path / "m.json").exists()


def test_a_deeply_nested_model_file_is_one_line(data: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.json"
    model_path.write_text('{"format": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    assert_fails(run_cli("predict", model_path, data), 1, "m.json", "nested")


def test_a_number_too_large_for_a_float_is_one_line(data: Path, tmp_path: Path) -> None:
    model_path = tmp_path / "m.json"
    assert run_cli("train", data, "--target", "label", "--features", "x1",
                   "-o", model_path).returncode == 0

    def enlarge(document: dict[str, Any]) -> None:
        document["model"]["steps"][-1]["state"]["coef"]["data"][0] = 10**400

    resign_model_file(model_path, enlarge)
    assert_fails(run_cli("predict", model_path, data), 1, "m.json", "too large")


# -- item 7: a formula whose columns need backticks -----------------------------
def test_a_formula_with_quoted_columns_trains_and_predicts(data: Path, tmp_path: Path) -> None:
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(data.read_text().replace(",x2,", ",mean x2,", 1), encoding="utf-8")
    model_path = tmp_path / "m.json"
    result = run_cli("train", quoted, "--formula", "label ~ x1 + np.log(`mean x2`)",
                     "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    predicted = run_cli("predict", model_path, quoted)
    assert predicted.returncode == 0, predicted.stderr
    assert len(predicted.stdout.splitlines()) == 161


# -- item 17: the progress display ends where the closing line does ------------
def test_progress_ends_on_the_reported_iteration(data: Path, tmp_path: Path) -> None:
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2,x3",
                     "--progress", "-o", tmp_path / "m.json")
    assert result.returncode == 0, result.stderr
    reported = re.search(r"(\d+) iterations", result.stdout)
    assert reported is not None
    last = result.stderr.splitlines()[-1]
    assert last.startswith("[newton] iter")
    assert last.split()[2] == reported.group(1)


def test_a_fit_that_stops_before_its_first_step_is_reported(tmp_path: Path) -> None:
    # All-zero features: the start is the optimum, so the solver records no
    # cost; the closing line and the summary must still be written.
    data = tmp_path / "flat.csv"
    data.write_text("x,z,label\n0,0,yes\n0,0,no\n", encoding="utf-8")
    model_path = tmp_path / "m.json"
    result = run_cli("train", data, "--target", "label", "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert f"model written to {model_path}" in result.stdout
    summary = run_cli("summary", model_path)
    assert summary.returncode == 0, summary.stderr
    assert "final cost" in summary.stdout
