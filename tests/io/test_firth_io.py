"""Model files of FirthLogisticRegression: exact round trips, the summary
(profile intervals included) without the training data, forgeries refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import logitron
from logitron import FirthLogisticRegression
from logitron.io import ModelFileError
from tests.helpers import resign_model_file

DATA = Path(__file__).parents[1] / "data" / "endometrial.csv"


@pytest.fixture(scope="module")
def endometrial() -> tuple[pd.DataFrame, np.ndarray]:
    """Heinze & Schemper's (2002) data, where NV separates the classes."""
    frame = pd.read_csv(DATA)
    return frame[["NV", "PI", "EH"]], frame["HG"].to_numpy()


def round_trip(model: Any, tmp_path: Path) -> Any:
    path = tmp_path / "firth.json"
    logitron.save(model, path)
    return logitron.load(path)


def assert_same_summary(before: Any, after: Any) -> None:
    pd.testing.assert_frame_equal(before.to_frame(), after.to_frame(), check_exact=True)
    assert str(before) == str(after)


@pytest.mark.parametrize("correction", [None, "flic", "flac"])
def test_two_class_round_trip_is_exact_with_its_summary(
    tmp_path: Path, endometrial: Any, correction: str | None
) -> None:
    X, y = endometrial
    model = FirthLogisticRegression(correction=correction).fit(X, y)
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is FirthLogisticRegression
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert list(loaded.feature_names_in_) == ["NV", "PI", "EH"]
    assert_same_summary(model.summary(method="wald"), loaded.summary(method="wald"))
    assert_same_summary(model.summary(level=0.9, method="wald"),
                        loaded.summary(level=0.9, method="wald"))
    if correction != "flac":
        # The profile needs the rows; the file carries the table computed at save.
        assert_same_summary(model.summary(), loaded.summary())
        with pytest.raises(ValueError, match=r"level 0.95 only.*method='wald'"):
            loaded.summary(level=0.9)
    else:
        with pytest.raises(ValueError, match="flac"):
            loaded.summary()


def test_softmax_and_pipeline_round_trips(tmp_path: Path, endometrial: Any) -> None:
    X, y = endometrial
    labels = np.digitize(X["PI"], [15.0, 25.0])
    softmax = FirthLogisticRegression().fit(X, labels)
    loaded = round_trip(softmax, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), softmax.predict_proba(X))
    assert_same_summary(softmax.summary(method="wald"), loaded.summary(method="wald"))
    with pytest.raises(ValueError, match="two classes"):
        loaded.summary()

    pipeline = make_pipeline(StandardScaler(), FirthLogisticRegression()).fit(X, y)
    reloaded = round_trip(pipeline, tmp_path)
    np.testing.assert_array_equal(reloaded.predict_proba(X), pipeline.predict_proba(X))
    assert_same_summary(pipeline[-1].summary(), reloaded[-1].summary())


def test_saving_a_loaded_model_writes_the_same_model(tmp_path: Path, endometrial: Any) -> None:
    X, y = endometrial
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    logitron.save(FirthLogisticRegression().fit(X, y), first)
    logitron.save(logitron.load(first), second)

    def model_part(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))["model"]

    assert model_part(first) == model_part(second)
    training = logitron.io.read_model_file(first).training
    assert training["solver"] == "firth"
    assert "Firth" in training["objective"]["definition"]


@pytest.fixture
def saved(tmp_path: Path, endometrial: Any) -> Path:
    X, y = endometrial
    path = tmp_path / "firth.json"
    logitron.save(FirthLogisticRegression().fit(X, y), path)
    return path


def change_step(part: str, key: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["model"]["steps"][-1][part][key] = value

    return change


def change_profile(key: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["model"]["steps"][-1]["state"]["profile"][key] = value

    return change


def f8(*values: Any) -> dict[str, Any]:
    return {"$array": ["<f8", [len(values)], list(values)]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (change_step("params", "correction", "evil"), "invalid parameter: correction"),
        (change_step("params", "fit_intercept", "yes"), "'fit_intercept' must be true"),
        (change_step("params", "C", 1.0), "params must be exactly"),
        (change_step("state", "covariance", {"dtype": "<f8", "shape": [2, 2],
                                             "data": [1.0, 0.0, 0.0, 1.0]}),
         r"'covariance' has shape \(2, 2\), expected \(4, 4\)"),
        (change_step("state", "covariance", {"dtype": "<f8", "shape": [4, 4],
                                             "data": [-1.0] * 16}), "positive diagonal"),
        (change_step("state", "loglik", 3.0), "cannot be positive"),
        (change_step("state", "penalised_loglik", "high"), "must be a number"),
        (change_step("state", "profile", None), "must hold the profile intervals"),
        (change_profile("level", 0.5), "level must be 0.95"),
        (change_profile("lower", f8(1.0, 2.0)), "must be 4 float64 values"),
        (change_profile("lower", f8(9.0, 9.0, 9.0, 9.0)), "lower <= upper"),
        (change_profile("statistic", f8(-1.0, 1.0, 1.0, 1.0)), "statistics >= 0"),
        (change_profile("evil", 1), "level, lower, upper and statistic"),
        (lambda d: d["model"]["steps"][-1].update(kind="Firth"), "unexpected kind"),
    ],
)
def test_consistent_forgeries_are_refused_field_by_field(
    saved: Path, change: Any, message: str
) -> None:
    resign_model_file(saved, change)
    with pytest.raises(ModelFileError, match=message):
        logitron.load(saved)


def test_a_softmax_row_for_the_first_class_must_be_zero(
    tmp_path: Path, endometrial: Any
) -> None:
    X, _ = endometrial
    path = tmp_path / "softmax.json"
    logitron.save(FirthLogisticRegression().fit(X, np.digitize(X["PI"], [15.0, 25.0])), path)

    def shift_first_class(document: dict[str, Any]) -> None:
        document["model"]["steps"][-1]["state"]["intercept"]["data"][0] = 1.0

    resign_model_file(path, shift_first_class)
    with pytest.raises(ModelFileError, match="first class's row"):
        logitron.load(path)
