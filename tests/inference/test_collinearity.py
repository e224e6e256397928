"""Collinear columns are named at fit with a CollinearityWarning, and
summary() still refuses them (issue 14, item 15)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from logitron import CollinearityWarning, LogisticRegression, SingularInformationError


def collinear(scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """x3 = x1 - 2 * x2 exactly (x1 stored times ``scale``)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    X = np.column_stack([X, X[:, 0] - 2.0 * X[:, 1]])
    y = (X[:, 0] + rng.normal(size=100) > 0).astype(int)
    X[:, 0] *= scale
    return X, y


def _relation(message: str) -> dict[str, float]:
    """``{term: coefficient}`` of "xk = a * xi + b * xj" in the message, the
    left-hand side with coefficient -1."""
    found = re.search(r"non-zero weight, (\w+) = (.*?)\. ", message)
    assert found is not None, message
    terms = {found.group(1): -1.0}
    for sign, value, name in re.findall(
        r"(^|[-+])\s*([\d.e+-]+) \* (\w+)", found.group(2)
    ):
        terms[name] = -float(value) if sign == "-" else float(value)
    return terms


@pytest.mark.parametrize("scale", [1.0, 1e200])
def test_fit_warns_naming_a_relation_that_holds(scale):
    X, y = collinear(scale)
    with pytest.warns(CollinearityWarning, match="x1, x2, x3") as caught:
        model = LogisticRegression(C=np.inf).fit(X, y)
    terms = _relation(str(caught[0].message))
    combination = sum(terms[f"x{j + 1}"] * X[:, j] for j in range(3))
    np.testing.assert_allclose(combination, 0.0, atol=1e-9 * np.max(np.abs(X[:, 1:])))
    with pytest.raises(SingularInformationError, match="collinear"):
        model.summary()
    with pytest.raises(SingularInformationError, match="collinear"):
        model.summary(cov_type="HC1")


def test_no_warning_for_a_penalty_or_for_independent_columns():
    X, y = collinear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(C=1.0).fit(X, y)  # the ridge identifies them
        LogisticRegression(C=np.inf).fit(X[:, :2], y)


def test_the_docs_say_what_happens():
    page = Path(__file__).resolve().parents[2] / "docs" / "inference.md"
    text = " ".join(page.read_text(encoding="utf-8").split())
    sentence = text.split("collinear columns")[1].split(".")[0]
    assert "CollinearityWarning" in sentence
    assert "SingularInformationError" in sentence
