"""Model files: exact round trips, and strict refusal of anything damaged."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

import logitron
from logitron import LogisticRegression
from logitron.io import FORMAT_VERSION, ModelFileError, atomic_write, read_model_file, sha256_file
from tests.helpers import resign_model_file


def make_data(
    n: int = 120, classes: int = 2, seed: int = 0, scaled: bool = True
) -> tuple[Any, Any]:
    """Three features and labels drawn from a softmax model; unless
    ``scaled``, the features have very different scales and offsets."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 3))
    raw = Z @ rng.normal(size=(3, classes))
    y = np.argmax(raw + rng.gumbel(size=raw.shape), axis=1)
    return (Z if scaled else Z * [1.0, 10.0, 0.1] + [0.0, 50.0, 1.0]), y


def assert_same_model(original: Any, loaded: Any, X: Any) -> None:
    """Bit-identical predictions, labels with their dtype, same parameters."""
    np.testing.assert_array_equal(original.predict_proba(X), loaded.predict_proba(X))
    np.testing.assert_array_equal(original.decision_function(X), loaded.decision_function(X))
    predicted, reloaded = original.predict(X), loaded.predict(X)
    assert predicted.dtype == reloaded.dtype
    np.testing.assert_array_equal(predicted, reloaded)
    original_params, loaded_params = original.get_params(), loaded.get_params()
    assert original_params.keys() == loaded_params.keys()
    for key, value in original_params.items():
        if key.endswith("random_state") or key == "steps" or hasattr(value, "get_params"):
            continue
        assert loaded_params[key] == value, key


def round_trip(model: Any, tmp_path: Path, **training: Any) -> Any:
    path = tmp_path / "model.json"
    assert logitron.save(model, path, training=training or None) == path
    return logitron.load(path)




def estimator_state(document: dict[str, Any]) -> dict[str, Any]:
    return dict(document["model"]["steps"][-1]["state"])


# -- round trips ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("labels", "params"),
    [
        (np.array([0, 1]), {}),
        (np.array(["no", "yes"]), {"C": np.inf}),
        (np.array([False, True]), {"fit_intercept": False}),
        (np.array([-1.0, 2.0]), {"class_weight": "balanced", "solver": "gd"}),
        (np.array(["cat", "dog", "eel"]), {"C": 0.5}),
        (np.array([3, 7, 9, 11]), {"class_weight": {3: 2.0, 7: 1.0, 9: 0.5, 11: 1.0}}),
    ],
)
def test_round_trip_predicts_bit_identically(
    tmp_path: Path, labels: np.ndarray, params: dict[str, Any]
) -> None:
    X, y_index = make_data(classes=len(labels))
    model = LogisticRegression(**params).fit(X, labels[y_index])
    loaded = round_trip(model, tmp_path)
    assert_same_model(model, loaded, X)
    assert loaded.classes_.dtype == model.classes_.dtype
    assert loaded.n_iter_.tolist() == model.n_iter_.tolist()
    assert loaded.loss_curve_ == model.loss_curve_
    assert loaded.solver_ == model.solver_


def test_round_trip_keeps_float32_coefficients_and_object_labels(tmp_path: Path) -> None:
    X, y_index = make_data()
    labels = np.array(["a", "b"], dtype=object)[y_index]
    model = LogisticRegression().fit(X.astype(np.float32), labels)
    loaded = round_trip(model, tmp_path)
    assert loaded.coef_.dtype == np.float32
    assert loaded.classes_.dtype == object
    assert_same_model(model, loaded, X.astype(np.float32))


def test_round_trip_of_a_standardising_pipeline_with_feature_names(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    X, y = make_data(scaled=False)
    frame = pd.DataFrame(X, columns=["age", "income", "score"])
    model = Pipeline(
        [("standardize", StandardScaler().set_output(transform="pandas")),
         ("logistic", LogisticRegression(C=3.0))]
    ).fit(frame, y)
    loaded = round_trip(model, tmp_path)
    assert isinstance(loaded, Pipeline)
    assert [name for name, _ in loaded.steps] == ["standardize", "logistic"]
    assert list(loaded[-1].feature_names_in_) == ["age", "income", "score"]
    assert_same_model(model, loaded, frame)


def test_formula_round_trip_encodes_new_data_identically(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    formulaic = pytest.importorskip("formulaic")
    rng = np.random.default_rng(3)
    n = 200
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "w": rng.uniform(0.5, 3.0, size=n),
        "group": rng.choice(["north", "south", "west"], size=n),
    })
    frame["y"] = (frame["x"] + (frame["group"] == "west") + rng.normal(size=n) > 0.5).astype(int)
    formula = "y ~ scale(x) + C(group, contr.treatment('south')) + np.log(w) + poly(w, 2)"
    matrices = formulaic.model_matrix(formula, frame)
    design = matrices.rhs.drop(columns="Intercept")
    columns = [str(c) for c in design.columns]
    model = LogisticRegression(C=10.0).fit(
        pd.DataFrame(np.asarray(design, dtype=float), columns=columns), frame["y"].to_numpy()
    )
    model.formula_ = formula
    model.model_spec_ = matrices.rhs.model_spec

    loaded = round_trip(model, tmp_path)
    assert loaded.formula_ == formula
    new = frame.sample(40, random_state=0).reset_index(drop=True)
    before = model.model_spec_.get_model_matrix(new).drop(columns="Intercept")
    after = loaded.model_spec_.get_model_matrix(new).drop(columns="Intercept")
    assert list(after.columns) == list(before.columns)
    np.testing.assert_array_equal(np.asarray(after, float), np.asarray(before, float))
    as_frame = pd.DataFrame(np.asarray(after, dtype=float), columns=columns)
    np.testing.assert_array_equal(model.predict_proba(as_frame), loaded.predict_proba(as_frame))


def test_inference_record_round_trips(tmp_path: Path) -> None:
    X, y = make_data()
    model: Any = LogisticRegression(C=np.inf).fit(X, y)
    loaded = round_trip(model, tmp_path)
    assert str(loaded.summary()) == str(model.summary())
    np.testing.assert_array_equal(loaded.inference_.information, model.inference_.information)


def test_training_metadata_is_kept_and_described(tmp_path: Path) -> None:
    X, y = make_data()
    model = LogisticRegression(solver="gd").fit(X, y)
    path = tmp_path / "model.json"
    logitron.save(model, path, training={"data_sha256": "ab" * 32, "rows": 120})
    training = read_model_file(path).training
    assert training["data_sha256"] == "ab" * 32
    assert training["rows"] == 120
    assert training["solver"] == "gd"
    assert training["n_iter"] == int(model.n_iter_[0])
    assert training["logitron_version"] == logitron.__version__
    assert training["objective"]["C"] == 1.0
    assert training["objective"]["final_cost"] == model.loss_curve_[-1]
    assert "C * sum_i s_i * logloss_i" in training["objective"]["definition"]


def test_saving_a_loaded_model_writes_the_same_model(tmp_path: Path) -> None:
    X, y = make_data(scaled=False)
    first = tmp_path / "first.json"
    logitron.save(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), first)
    second = tmp_path / "second.json"
    logitron.save(logitron.load(first), second)
    models = [json.loads(p.read_text(encoding="utf-8"))["model"] for p in (first, second)]
    assert models[0] == models[1]


def test_sha256_file_is_the_digest_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n" * 1000)
    assert sha256_file(path, chunk_size=7) == hashlib.sha256(path.read_bytes()).hexdigest()


# -- what save refuses -------------------------------------------------------------
def test_save_refuses_unfitted_and_foreign_models(tmp_path: Path) -> None:
    X, y = make_data()
    with pytest.raises(NotFittedError):
        logitron.save(LogisticRegression(), tmp_path / "m.json")
    with pytest.raises(TypeError, match="PolynomialFeatures"):
        logitron.save(make_pipeline(PolynomialFeatures(), LogisticRegression()).fit(X, y),
                      tmp_path / "m.json")
    from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

    with pytest.raises(TypeError, match="cannot store step"):
        logitron.save(SklearnLogisticRegression().fit(X, y), tmp_path / "m.json")
    with pytest.raises(TypeError, match="not plain JSON"):
        logitron.save(LogisticRegression().fit(X, y), tmp_path / "m.json",
                      training={"ratio": math.nan})
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_leaves_the_previous_file_and_no_debris(tmp_path: Path) -> None:
    X, y = make_data()
    path = tmp_path / "model.json"
    logitron.save(LogisticRegression().fit(X, y), path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        logitron.save(LogisticRegression().fit(X, y), path, training={"bad": object()})
    assert path.read_bytes() == before

    def interrupted_write() -> None:
        with atomic_write(path) as stream:
            stream.write("half a fi")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted_write()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


# -- what load refuses -------------------------------------------------------------
@pytest.fixture
def saved(tmp_path: Path) -> Path:
    X, y = make_data()
    path = tmp_path / "model.json"
    logitron.save(LogisticRegression().fit(X, y), path)
    return path


def test_truncated_file(saved: Path) -> None:
    text = saved.read_bytes()
    for keep in (len(text) // 2, len(text) - 3, 1):
        saved.write_bytes(text[:keep])
        with pytest.raises(ModelFileError, match="truncated"):
            logitron.load(saved)


def test_empty_and_foreign_files(saved: Path) -> None:
    for content, message in [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8"),
        (b"a,b\n1,2\n", "invalid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"format": "something-else"}', "not a logitron model file"),
        (b'{"format": "logitron-model", "format_version": 1, "x": NaN}', "NaN"),
        (b'{"format": "logitron-model", "format": "logitron-model"}', "appears twice"),
        (b'{"format": "logitron-model", "format_version": 1, "x": 1e999}', "out of the range"),
    ]:
        saved.write_bytes(content)
        with pytest.raises(ModelFileError, match=message):
            logitron.load(saved)


def test_any_edit_fails_the_integrity_check(saved: Path) -> None:
    document = json.loads(saved.read_text(encoding="utf-8"))
    coef = estimator_state(document)["coef"]["data"]
    coef[0] = coef[0] + 1e-12
    saved.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ModelFileError, match="integrity check"):
        logitron.load(saved)
    document.pop("sha256")
    saved.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ModelFileError, match="no sha256"):
        logitron.load(saved)


def test_future_format_version_asks_for_an_upgrade(saved: Path) -> None:
    resign_model_file(saved, lambda document: document.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match=r"newer logitron.*upgrade"):
        logitron.load(saved)


def set_state(key: str, value: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["model"]["steps"][-1]["state"][key] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_state("coef", {"dtype": "<f8", "shape": [1, 2], "data": [1.0, 2.0]}),
         r"'coef' has shape \(1, 2\), expected \(1, 3\)"),
        (set_state("coef", {"dtype": "<f8", "shape": [1, 3], "data": [1.0, "2", 3.0]}),
         "holds '2'"),
        (set_state("coef", {"dtype": "|O", "shape": [1, 3], "data": ["a", "b", "c"]}),
         "unsupported dtype"),
        (set_state("coef", {"dtype": "<f8", "shape": [1, 3], "data": [1.0, 2.0]}),
         "must hold 3 values"),
        (set_state("classes", {"dtype": "<i8", "shape": [2], "data": [1, 1]}),
         "2 distinct labels"),
        (set_state("classes", {"dtype": "<i8", "shape": [2], "data": [0, True]}),
         "holds True"),
        (set_state("feature_names_in", ["a", "a", "b"]), "distinct strings"),
        (set_state("solver", "quantum"), "unknown solver"),
        (lambda d: d["model"]["steps"][-1]["params"].update(C=-1.0), "invalid parameter"),
        (lambda d: d["model"]["steps"][-1]["params"].update(evil="x"), "unknown"),
        (lambda d: d["model"]["steps"][-1].update(kind="Pickle"), "unexpected kind"),
        (lambda d: d["model"].update(pipeline="yes"), "'pipeline' flag"),
    ],
)
def test_consistent_forgeries_are_refused_field_by_field(
    saved: Path, change: Any, message: str
) -> None:
    resign_model_file(saved, change)
    with pytest.raises(ModelFileError, match=message):
        logitron.load(saved)


def test_scaler_and_estimator_widths_must_agree(tmp_path: Path) -> None:
    X, y = make_data(scaled=False)
    path = tmp_path / "model.json"
    logitron.save(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), path)

    def widen(document: dict[str, Any]) -> None:
        state = document["model"]["steps"][0]["state"]
        state["n_features_in"] = 4
        for key in ("mean", "scale", "var"):
            state[key]["shape"] = [4]
            state[key]["data"].append(1.0)

    resign_model_file(path, widen)
    with pytest.raises(ModelFileError, match="outputs 4 features"):
        logitron.load(path)


def test_a_formula_that_runs_code_is_refused_without_running_it(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    formulaic = pytest.importorskip("formulaic")
    frame = pd.DataFrame({"x": [0.1, 0.5, 0.9, 1.3, 1.7, 2.1], "y": [0, 1, 0, 1, 1, 1]})
    matrices = formulaic.model_matrix("y ~ x", frame)
    model = LogisticRegression().fit(
        pd.DataFrame({"x": matrices.rhs["x"].to_numpy()}), frame["y"].to_numpy()
    )
    model.formula_ = "y ~ x"
    model.model_spec_ = matrices.rhs.model_spec
    path = tmp_path / "model.json"
    logitron.save(model, path)
    marker = tmp_path / "pwned"
    payload = f"{{__import__('pathlib').Path({str(marker)!r}).touch()}}"
    for text in (f"y ~ x + {payload}", f"y ~ x + {{open({str(marker)!r}, 'w')}}",
                 "y ~ x + {x.__class__}"):

        def inject(document: dict[str, Any], text: str = text) -> None:
            formula = estimator_state(document)["formula"]
            document["model"]["steps"][-1]["state"]["formula"] = {
                **formula, "text": text,
                "model_spec": {**formula["model_spec"], "formula": text.split("~")[1]},
            }

        resign_model_file(path, inject)
        with pytest.raises(ModelFileError, match="refusing to load"):
            logitron.load(path)
        assert not marker.exists()


def test_formula_data_variables_come_from_the_terms() -> None:
    pytest.importorskip("formulaic")
    from logitron._formula_codec import data_variables

    formula = 'y ~ x1 + scale(x2) + np.log(x3) + C(g, contr.treatment("u")) + a:b + Q("my col")'
    assert data_variables(formula) == {"x1", "x2", "x3", "g", "a", "b", "my col"}
