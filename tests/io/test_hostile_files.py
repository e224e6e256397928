"""Issue 14, files and formulas: forged model files, formulas that need
quoting, categories never seen in training, names that are not columns,
and missing values. Each test failed before its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import logitron
from logitron import LogisticRegression
from logitron.io import ModelFileError
from tests.helpers import resign_model_file

pd = pytest.importorskip("pandas")
pytest.importorskip("formulaic")
sm = pytest.importorskip("statsmodels.api")
smf = pytest.importorskip("statsmodels.formula.api")

from logitron._formula_codec import UnsafeFormulaError  # noqa: E402
from logitron.formula import design_matrix  # noqa: E402


def state(document: dict[str, Any]) -> dict[str, Any]:
    return document["model"]["steps"][-1]["state"]


@pytest.fixture(scope="module")
def grouped() -> Any:
    rng = np.random.default_rng(3)
    n = 90
    frame = pd.DataFrame({
        "x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], size=n),
    })
    raw = frame["x"] + (frame["g"] == "b") - (frame["g"] == "c")
    frame["y"] = (raw + rng.logistic(size=n) > 0).astype(int)
    return frame


# -- item 1: a level not seen in training -------------------------------------
@pytest.mark.parametrize("term", ["g", "C(g)", "C(g, Treatment('b'))"])
def test_an_unseen_level_is_refused_as_statsmodels_refuses_it(grouped, term, tmp_path):
    formula = f"y ~ x + {term}"
    new = pd.DataFrame({"x": [0.0, 0.5], "g": ["a", "zzz"]})
    # The reference: statsmodels (patsy) will not score a level it never saw.
    reference = smf.logit(formula, grouped).fit(disp=0)
    with pytest.raises(Exception, match="zzz"):
        reference.predict(new)
    model = logitron.logit(formula, grouped)
    logitron.save(model, tmp_path / "m.json")
    for candidate in (model, logitron.load(tmp_path / "m.json")):
        with pytest.raises(ValueError, match=r"column 'g' has level\(s\) 'zzz' not seen"):
            design_matrix(candidate, new)
    # Known levels still score as statsmodels does.
    known = grouped.head(7)
    assert_allclose(model.predict_proba(design_matrix(model, known))[:, 1],
                    reference.predict(known), rtol=1e-6)


def test_an_unseen_level_of_a_computed_category_is_refused(grouped):
    model = logitron.logit("y ~ x + {g + '_'}", grouped)
    with pytest.raises(ValueError, match="not seen in training"):
        design_matrix(model, pd.DataFrame({"x": [0.0], "g": ["zzz"]}))


# -- item 6: forged class labels ----------------------------------------------
@pytest.fixture
def labelled_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] + rng.logistic(size=40) > 0, "positive", "negative")
    path = tmp_path / "model.json"
    logitron.save(LogisticRegression().fit(X, y), path)
    return path


def test_labels_longer_than_their_dtype_are_refused(labelled_file: Path) -> None:
    def shorten(document: dict[str, Any]) -> None:
        state(document)["classes"]["dtype"] = "<U3"

    resign_model_file(labelled_file, shorten)
    with pytest.raises(ModelFileError, match="cannot hold 'negative'"):
        logitron.load(labelled_file)


def test_unsorted_labels_are_refused(labelled_file: Path) -> None:
    def swap(document: dict[str, Any]) -> None:
        state(document)["classes"]["data"] = ["positive", "negative"]

    resign_model_file(labelled_file, swap)
    with pytest.raises(ModelFileError, match="sorted order"):
        logitron.load(labelled_file)


# -- item 9: files that broke the reader ---------------------------------------
def test_deeply_nested_json_is_a_model_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(ModelFileError, match="nested"):
        logitron.load(path)


def test_a_number_too_large_for_its_dtype_is_a_model_file_error(labelled_file: Path) -> None:
    def enlarge(document: dict[str, Any]) -> None:
        state(document)["coef"]["data"][0] = 10**400

    resign_model_file(labelled_file, enlarge)
    with pytest.raises(ModelFileError, match="too large"):
        logitron.load(labelled_file)


# -- item 7: formulas whose text str() does not give back -----------------------
@pytest.mark.parametrize(
    "formula",
    [
        "target ~ `mean radius` + np.log(`mean texture`)",  # the README's own
        "target ~ `mean radius`:`mean texture` + {`mean smoothness` ** 2} - 1",
    ],
)
def test_formula_models_with_quoted_names_save_and_load(formula: str, tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True).frame
    model = logitron.logit(formula, data, C=1.0)
    logitron.save(model, tmp_path / "m.json")
    loaded = logitron.load(tmp_path / "m.json")
    assert_array_equal(loaded.predict_proba(design_matrix(loaded, data)),
                       model.predict_proba(design_matrix(model, data)))


# -- item 12: names that are neither columns nor transforms --------------------
@pytest.mark.parametrize("term", ["C(g, open)", "np.log(eval)", "C(exec)"])
def test_a_bare_builtin_in_a_model_file_formula_is_never_evaluated(
    grouped, term: str, tmp_path: Path
) -> None:
    path = tmp_path / "m.json"
    logitron.save(logitron.logit("y ~ x + C(g)", grouped), path)

    def inject(document: dict[str, Any]) -> None:
        formula = state(document)["formula"]
        formula["text"] = formula["text"].replace("C(g)", term)
        spec = formula["model_spec"]
        spec["formula"] = spec["formula"].replace("C(g)", term)

    resign_model_file(path, inject)
    loaded = logitron.load(path)
    with pytest.raises(UnsafeFormulaError, match="neither a column of the data nor a known"):
        design_matrix(loaded, grouped)


# -- item 14: missing values, an explicit choice --------------------------------
@pytest.fixture(scope="module")
def spector_gaps() -> Any:
    data = sm.datasets.spector.load_pandas().data.copy()
    data.loc[[3, 10], "TUCE"] = np.nan
    data.loc[[5], "GPA"] = np.nan
    return data


def test_missing_error_names_the_columns(spector_gaps) -> None:
    with pytest.raises(ValueError, match=r"3 of 32 rows .*column 'GPA': 1, column 'TUCE': 2"):
        logitron.logit("GRADE ~ GPA + TUCE", spector_gaps, missing="error")
    with pytest.raises(ValueError, match="missing must be 'drop' or 'error'"):
        logitron.logit("GRADE ~ GPA + TUCE", spector_gaps, missing="skip")


def test_missing_drop_is_reported_in_the_summary_as_r_does(spector_gaps, tmp_path) -> None:
    model = logitron.logit("GRADE ~ GPA + TUCE", spector_gaps, missing="drop")
    # statsmodels' missing="drop" keeps the same rows: its nobs is the reference.
    reference = smf.logit("GRADE ~ GPA + TUCE", spector_gaps, missing="drop").fit(disp=0)
    assert model.inference_ is not None
    assert model.inference_.nobs == reference.nobs == 29
    assert model.inference_.n_dropped == len(spector_gaps) - reference.nobs
    assert "(3 rows with missing values dropped before the fit)" in str(model.summary())
    logitron.save(model, tmp_path / "m.json")
    assert "(3 rows with missing values" in str(logitron.load(tmp_path / "m.json").summary())
