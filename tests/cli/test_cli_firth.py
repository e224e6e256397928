"""``logitron train --firth`` and what the other commands do with its model
file: summary (profile intervals from the file alone), predict, evaluate."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitron import FirthLogisticRegression
from tests.cli_runner import assert_fails, run_cli

DATA = Path(__file__).parents[1] / "data" / "endometrial.csv"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Firth's fit of HG on NV, PI, EH (NV separates the classes)."""
    model_path = tmp_path_factory.mktemp("firth") / "model.json"
    result = run_cli("train", DATA, "--target", "HG", "--firth", "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert "Firth's penalised likelihood" in result.stdout
    return model_path


def table_rows(text: str) -> dict[str, list[float]]:
    """The summary table's rows, by term."""
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in ("(Intercept)", "NV", "PI", "EH") and len(parts) == 7:
            rows[parts[0]] = [float(value) for value in parts[1:]]
    return rows


def test_summary_prints_the_profile_table_of_the_data_without_the_data(trained: Path) -> None:
    result = run_cli("summary", trained)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "profile penalised likelihood" in result.stdout
    frame = pd.read_csv(DATA)
    # The table a fit on the rows computes now, printed as the CLI prints it.
    reference = FirthLogisticRegression().fit(frame[["NV", "PI", "EH"]], frame["HG"]).summary()
    assert table_rows(result.stdout) == table_rows(str(reference))
    assert len(table_rows(result.stdout)) == 4


def test_summary_at_another_level_falls_back_to_wald(trained: Path) -> None:
    result = run_cli("summary", trained, "--alpha", "0.1")
    assert result.returncode == 0, result.stderr
    assert "level 0.95 only" in result.stdout
    assert "90% intervals and p-values: Wald" in result.stdout


def test_predict_and_evaluate_use_the_firth_model(trained: Path) -> None:
    frame = pd.read_csv(DATA)
    model = FirthLogisticRegression().fit(frame[["NV", "PI", "EH"]], frame["HG"])
    result = run_cli("predict", trained, DATA)
    assert result.returncode == 0, result.stderr
    predicted = pd.read_csv(StringIO(result.stdout))
    np.testing.assert_allclose(
        predicted["proba_1"], model.predict_proba(frame[["NV", "PI", "EH"]])[:, 1],
        rtol=1e-15, atol=0,
    )
    evaluated = run_cli("evaluate", trained, DATA)
    assert evaluated.returncode == 0, evaluated.stderr
    accuracy = np.mean(model.predict(frame[["NV", "PI", "EH"]]) == frame["HG"])
    assert f"accuracy  {accuracy:.4f}" in evaluated.stdout


def test_formula_and_correction(tmp_path: Path) -> None:
    model_path = tmp_path / "flic.json"
    result = run_cli("train", DATA, "--formula", "HG ~ NV + np.log(PI + 1) + EH",
                     "--firth", "--correction", "flic", "-o", model_path)
    assert result.returncode == 0, result.stderr
    assert "correction flic" in result.stdout
    summary = run_cli("summary", model_path)
    assert summary.returncode == 0, summary.stderr
    assert "np.log(PI + 1)" in summary.stdout
    frame = pd.read_csv(DATA)
    X = pd.DataFrame({"NV": frame["NV"], "np.log(PI + 1)": np.log(frame["PI"] + 1),
                      "EH": frame["EH"]})
    reference = FirthLogisticRegression(correction="flic").fit(X, frame["HG"]).summary()
    ours = table_rows(summary.stdout)
    for term in ("NV", "EH"):
        assert ours[term] == table_rows(str(reference))[term]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--C", "2"], ["--firth cannot be combined with --C"]),
        (["--solver", "newton", "--l1-ratio", "0.5"], ["--l1-ratio", "--solver"]),
        (["--class-weight", "balanced"], ["--class-weight"]),
    ],
)
def test_firth_refuses_the_penalised_fit_options(
    tmp_path: Path, options: list[str], words: list[str]
) -> None:
    result = run_cli("train", DATA, "--target", "HG", "--firth", *options,
                     "-o", tmp_path / "m.json")
    assert_fails(result, 2, *words)
    assert not (tmp_path / "m.json").exists()


def test_correction_needs_firth_and_summary_refuses_other_covariances(
    tmp_path: Path, trained: Path
) -> None:
    result = run_cli("train", DATA, "--target", "HG", "--correction", "flac",
                     "-o", tmp_path / "m.json")
    assert_fails(result, 2, "--correction is an option of --firth")
    assert_fails(run_cli("summary", trained, "--cov-type", "HC1"), 2, "--cov-type",
                 "Firth model")


def test_standardized_firth_fit_with_progress(tmp_path: Path) -> None:
    model_path = tmp_path / "scaled.json"
    result = run_cli("train", DATA, "--target", "HG", "--firth", "--standardize",
                     "--progress", "-o", model_path)
    assert result.returncode == 0, result.stderr
    summary = run_cli("summary", model_path)
    assert summary.returncode == 0, summary.stderr
    frame = pd.read_csv(DATA)
    X = frame[["NV", "PI", "EH"]]
    scaler = StandardScaler().set_output(transform="pandas")  # as train keeps the names
    pipeline = make_pipeline(scaler, FirthLogisticRegression()).fit(X, frame["HG"])
    assert table_rows(summary.stdout) == table_rows(str(pipeline[-1].summary()))
    predicted = pd.read_csv(StringIO(run_cli("predict", model_path, DATA).stdout))
    np.testing.assert_allclose(predicted["proba_1"], pipeline.predict_proba(X)[:, 1],
                               rtol=1e-15, atol=0)


def test_commands_that_need_the_ordinary_record_say_so(trained: Path) -> None:
    assert_fails(run_cli("effects", trained, DATA), 2, "not available for a Firth model")
    assert_fails(run_cli("predict", trained, DATA, "--interval"), 2, "--interval",
                 "Firth model")
