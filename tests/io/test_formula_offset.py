"""``offset(...)`` in a formula against statsmodels' formula API with its
``offset=`` argument (the Spector and Liberman data), and offsets in model
files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

import logitron
from logitron._formula_offset import OffsetFormulaError, split_offset
from logitron.formula import design_matrix
from logitron.formula_design import formula_offset
from tests.helpers import resign_model_file

FORMULA = "GRADE ~ GPA + C(PSI) + offset(np.log(TUCE) - 3)"


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def reference(data: pd.DataFrame) -> Any:
    return smf.logit(
        "GRADE ~ GPA + C(PSI)", data, offset=np.log(data["TUCE"]) - 3
    ).fit(disp=0, method="newton", tol=1e-12)


def test_formula_offset_equals_statsmodels(spector: pd.DataFrame) -> None:
    expected = reference(spector)
    model = logitron.logit(FORMULA, spector)
    frame = model.summary().to_frame()
    names = ["Intercept", "GPA", "C(PSI)[T.1.0]"]
    assert_allclose(frame["coef"].to_numpy(), expected.params[names], rtol=1e-6)
    assert_allclose(frame["std err"].to_numpy(), expected.bse[names], rtol=1e-6)
    assert model.inference_ is not None
    assert_allclose(model.inference_.loglik, expected.llf, rtol=1e-9)
    assert_allclose(model.inference_.loglik_null, expected.llnull, rtol=1e-6)
    # New rows: the offset is evaluated on them and carried into predictions.
    new = spector.iloc[:6].assign(TUCE=[10.0, 15.0, 20.0, 25.0, 30.0, 5.0])
    offset = formula_offset(model, new)
    assert offset is not None
    predicted = model.predict_proba(design_matrix(model, new), offset=offset)[:, 1]
    assert_allclose(
        predicted,
        expected.predict(new, offset=np.log(new["TUCE"]) - 3),
        atol=1e-9,
    )


def test_rows_with_a_missing_offset_are_dropped_like_other_missing_rows(
    spector: pd.DataFrame,
) -> None:
    holes = spector.copy()
    holes.loc[[2, 11, 30], "TUCE"] = np.nan
    expected = reference(holes.dropna())
    model = logitron.logit(FORMULA, holes)
    assert_allclose(
        np.r_[model.intercept_, model.coef_.ravel()],
        expected.params[["Intercept", "GPA", "C(PSI)[T.1.0]"]], rtol=1e-6,
    )
    assert model.inference_ is not None
    assert model.inference_.n_dropped == 3
    with pytest.raises(ValueError, match="3 of 32 rows have a missing offset"):
        logitron.logit(FORMULA, holes, missing="error")


def test_model_file_keeps_the_formula_offset(spector: pd.DataFrame, tmp_path: Path) -> None:
    model = logitron.logit(FORMULA, spector)
    path = tmp_path / "model.json"
    logitron.save(model, path)
    loaded = logitron.load(path)
    assert loaded.formula_ == FORMULA
    new = spector.iloc[5:12]
    design, offset = design_matrix(loaded, new), formula_offset(loaded, new)
    assert offset is not None
    assert np.array_equal(offset, np.asarray(formula_offset(model, new)))
    assert np.array_equal(
        loaded.predict_proba(design, offset=offset),
        model.predict_proba(design_matrix(model, new), offset=formula_offset(model, new)),
    )
    # Bit-identical, and different from ignoring the offset.
    assert not np.allclose(
        loaded.predict_proba(design), loaded.predict_proba(design, offset=offset)
    )


def test_model_file_with_an_unsafe_offset_is_refused(
    spector: pd.DataFrame, tmp_path: Path
) -> None:
    model = logitron.logit(FORMULA, spector)
    path = tmp_path / "model.json"
    logitron.save(model, path)

    def inject(document: dict) -> None:
        state = document["model"]["steps"][-1]["state"]
        state["formula"]["text"] = "GRADE ~ GPA + C(PSI) + offset(__import__('os').getpid())"

    resign_model_file(path, inject)
    with pytest.raises(ValueError, match="refusing to load"):
        logitron.load(path)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ x * offset(t)", "must be a term of its own"),
        ("y ~ x + offset(np.log(t)", "no closing parenthesis"),
        ("y ~ x + offset()", "needs an expression"),
        ("y ~ x + offset(scale(t))", "calls 'scale'"),
    ],
)
def test_malformed_offsets_are_refused_by_name(formula: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_offset(formula)


def test_split_offset_keeps_the_other_terms() -> None:
    assert split_offset("y ~ offset(np.log(t)) + x + C(g)") == ("y ~ x + C(g)", "(np.log(t))")
    assert split_offset("y ~ x + offset(t) + offset(2 * u)") == ("y ~ x", "(t) + (2 * u)")
    assert split_offset("y ~ offset(t)") == ("y ~ 1", "(t)")
    assert split_offset("y ~ x + nooffset(t)") == ("y ~ x + nooffset(t)", None)
    with pytest.raises(OffsetFormulaError):
        split_offset("y ~ offset(t) x")


def test_softmax_formula_with_an_offset_is_refused() -> None:
    data = pd.DataFrame({"y": list("abcabcabc"), "x": np.arange(9.0), "t": np.arange(1.0, 10)})
    with pytest.raises(ValueError, match="two classes only"):
        logitron.logit("y ~ x + offset(np.log(t))", data)
