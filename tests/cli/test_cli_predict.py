"""``logitron predict`` and ``logitron evaluate`` on a model trained by the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

import logitron
from tests.cli_runner import assert_fails, run_cli, write_dataset


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(model file, data file): standardised x1..x3 -> label."""
    folder = tmp_path_factory.mktemp("trained")
    data = folder / "people.csv"
    write_dataset(data)
    model_path = folder / "model.json"
    result = run_cli("train", data, "--target", "label", "--features", "x1,x2,x3",
                     "--standardize", "-o", model_path)
    assert result.returncode == 0, result.stderr
    return model_path, data


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def expected_predictions(
    model_path: Path, data: Path, chunk_size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """What the Python API predicts, chunk by chunk as the CLI reads the file
    (BLAS may round a product of 7 rows differently from one of 160)."""
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(data)
    model = logitron.load(model_path)
    step = chunk_size or len(frame)
    chunks = [frame[["x1", "x2", "x3"]].astype(float).iloc[start : start + step]
              for start in range(0, len(frame), step)]
    return (np.concatenate([model.predict(chunk) for chunk in chunks]),
            np.concatenate([model.predict_proba(chunk) for chunk in chunks]))


def test_predict_to_stdout_matches_the_python_api_bit_for_bit(trained: tuple[Path, Path]) -> None:
    model_path, data = trained
    result = run_cli("predict", model_path, data)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows = read_csv(result.stdout)
    labels, proba = expected_predictions(model_path, data)
    assert list(rows[0]) == ["predicted", "proba_no", "proba_yes"]
    assert [row["predicted"] for row in rows] == labels.tolist()
    written = np.array([[float(row["proba_no"]), float(row["proba_yes"])] for row in rows])
    np.testing.assert_array_equal(written, proba)


def test_predict_to_a_file_in_chunks_keeps_id_columns(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_path, data = trained
    output = tmp_path / "predictions.csv"
    result = run_cli("predict", model_path, data, "--keep", "id", "--chunk-size", "7",
                     "-o", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    rows = read_csv(output.read_text(encoding="utf-8"))
    assert len(rows) == 160
    assert [row["id"] for row in rows] == [f"r{i}" for i in range(160)]
    labels, proba = expected_predictions(model_path, data, chunk_size=7)
    assert [row["predicted"] for row in rows] == labels.tolist()
    np.testing.assert_array_equal([float(row["proba_yes"]) for row in rows], proba[:, 1])


def test_predict_reads_parquet(trained: tuple[Path, Path], tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    model_path, data = trained
    parquet = tmp_path / "people.parquet"
    pd.read_csv(data).drop(columns="label").to_parquet(parquet)
    result = run_cli("predict", model_path, parquet, "--chunk-size", "50")
    assert result.returncode == 0, result.stderr
    labels, _ = expected_predictions(model_path, data, chunk_size=50)
    assert [row["predicted"] for row in read_csv(result.stdout)] == labels.tolist()


def test_predict_errors_leave_no_output(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    output = tmp_path / "predictions.csv"
    partial = tmp_path / "partial.csv"
    partial.write_text("x1,x2\n1.0,2.0\n", encoding="utf-8")
    assert_fails(run_cli("predict", model_path, partial, "-o", output), 1,
                 "feature column 'x3' not found")
    assert_fails(run_cli("predict", tmp_path / "none.json", data, "-o", output), 1,
                 "no such model file")
    assert list(tmp_path.iterdir()) == [partial]


def test_a_tampered_model_file_is_refused(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model_path, data = trained
    tampered = tmp_path / "tampered.json"
    document = json.loads(model_path.read_text(encoding="utf-8"))
    document["model"]["steps"][-1]["state"]["intercept"]["data"][0] += 1.0
    tampered.write_text(json.dumps(document), encoding="utf-8")
    assert_fails(run_cli("predict", tampered, data), 1, "integrity check")
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(model_path.read_bytes()[:500])
    assert_fails(run_cli("evaluate", truncated, data), 1, "truncated")


def test_evaluate_reports_every_metric(trained: tuple[Path, Path]) -> None:
    model_path, data = trained
    result = run_cli("evaluate", model_path, data)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for heading in ("accuracy", "log-loss", "ROC AUC", "confusion matrix", "precision",
                    "recall", "f1-score"):
        assert heading in result.stdout, heading


def test_evaluate_as_json_agrees_with_scikit_learn(trained: tuple[Path, Path]) -> None:
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    pd = pytest.importorskip("pandas")
    model_path, data = trained
    result = run_cli("evaluate", model_path, data, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    labels, proba = expected_predictions(model_path, data)
    truth = pd.read_csv(data)["label"].to_numpy()
    assert report["target"] == "label"
    assert report["n_samples"] == 160
    assert report["accuracy"] == accuracy_score(truth, labels)
    assert report["log_loss"] == log_loss(truth, proba)
    assert report["roc_auc"] == roc_auc_score(truth == "yes", proba[:, 1])
    assert np.sum(report["confusion_matrix"]) == 160
    assert set(report["classification_report"]) >= {"no", "yes", "macro avg"}


def test_evaluate_refuses_labels_the_model_never_saw(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    model_path, data = trained
    odd = tmp_path / "odd.csv"
    odd.write_text(data.read_text(encoding="utf-8").replace(",yes\n", ",maybe\n", 1),
                   encoding="utf-8")
    assert_fails(run_cli("evaluate", model_path, odd), 1, "maybe", "not trained on")
    assert_fails(run_cli("evaluate", model_path, data, "--target", "city"), 1, "Lyon")


def test_three_classes_train_and_evaluate(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    write_dataset(data)
    model_path = tmp_path / "city.json"
    trained = run_cli("train", data, "--target", "city", "--features", "x1,x2,x3",
                      "-o", model_path)
    assert trained.returncode == 0, trained.stderr
    assert logitron.load(model_path).coef_.shape == (3, 3)
    result = run_cli("evaluate", model_path, data, "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["classes"] == ["Lyon", "Oslo", "Rome"]
    assert np.shape(report["confusion_matrix"]) == (3, 3)
    assert 0.0 < report["roc_auc"] < 1.0


def test_predict_refuses_a_formula_offset_it_cannot_apply(tmp_path: Path) -> None:
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.spector.load_pandas().data
    path = tmp_path / "spector.csv"
    data.to_csv(path, index=False)
    model_path = tmp_path / "offset.json"
    logitron.save(logitron.logit("GRADE ~ GPA + PSI + offset(0.1 * TUCE)", data), model_path)
    assert_fails(run_cli("predict", model_path, path), 1, "offset(...) term")
