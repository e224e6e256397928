"""Separation diagnostics: complete and quasi-complete, named features,
weights, the Stiemke certificate that skips the LP, and no false alarms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer, load_iris

from logitron import LogisticRegression, PerfectSeparationWarning
from logitron.backends import as_data
from logitron.inference import separation_lp
from logitron.inference.separation import (
    certified_identified,
    certified_identified_binary,
    diagnose_separation,
)
from logitron.inference.separation_lp import (
    margin_matrix,
    minimal_separating_features,
    scaled_design,
    separates_completely,
)
from logitron.neuron import LinearUnit
from tests.problems import rare_level_in_one_class


def fit_ml(X, y, sample_weight=None):
    return LogisticRegression(C=np.inf).fit(X, y, sample_weight=sample_weight)


def signal_and_noise(seed=0, n=60):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.standard_normal((n, 3)), columns=["signal", "noise", "more"])
    return X, (X["signal"] > 0).astype(int)


def dummy_forces_class(seed=0, n=60):
    """Quasi-complete: d = 1 implies y = 1; the other rows overlap."""
    rng = np.random.default_rng(seed)
    d = (rng.random(n) < 0.3).astype(float)
    x = rng.standard_normal(n)
    y = np.where(d == 1, 1, (x + rng.standard_normal(n) > 0).astype(int))
    return pd.DataFrame({"x": x, "d": d, "z": rng.standard_normal(n)}), y


def test_complete_separation_names_an_irreducible_set():
    X, y = signal_and_noise()
    with pytest.warns(
        PerfectSeparationWarning,
        match=r"complete separation: a linear combination of signal classifies "
        r"all 60 observations",
    ):
        fit_ml(X, y)


def test_quasi_complete_separation_names_the_diverging_feature():
    X, y = dummy_forces_class()
    n_forced = int(X["d"].sum())
    with pytest.warns(PerfectSeparationWarning) as record:
        model = fit_ml(X, y)
    message = str(record[0].message)
    assert "quasi-complete separation: a linear combination of d separates" in message
    assert f"separates {n_forced} of 60 observations" in message
    summary = model.summary()
    # No Wald statistics where the estimate does not exist (issue 14, item 5;
    # R's glm prints an exploding standard error instead).
    assert np.isnan(summary.bse[2])
    assert np.isnan(summary.pvalues[2])
    assert "Warning: quasi-complete separation" in str(summary)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_rare_level_in_one_class_is_named_as_the_whole_answer(n_classes):
    # Every other coefficient converges, and the diagnosis shows it: the
    # message names `rare` alone, without "(among others)". Bounding each
    # coefficient by two programs under a budget of 24 ran out here and
    # could only say the list might be incomplete.
    X, y = rare_level_in_one_class(n_classes)
    with pytest.warns(PerfectSeparationWarning) as record:
        model = fit_ml(X, y)
    message = str(record[0].message)
    n_rare = int(X["rare"].sum())
    assert f"a linear combination of rare separates {n_rare} of 300" in message
    assert "among others" not in message
    assert model.inference_ is not None
    infinite = np.array(model.inference_.infinite).reshape(n_classes - 1, -1)
    # Intercept first, `rare` last: only its coefficients diverge. For the
    # class it forces, to +inf; with three classes class 1's may go either
    # way (at rare = 1 neither class 0 nor class 1 is observed).
    assert (infinite[:, :-1] == "").all()
    assert infinite[-1, -1] == "+inf"
    assert infinite[:-1, -1].tolist() == ["+/-inf"] * (n_classes - 2)


def test_single_separating_feature_really_separates():
    iris = load_iris(as_frame=True)
    two = iris.target < 2
    X, y = iris.data[two], iris.target[two]
    with pytest.warns(PerfectSeparationWarning, match="complete separation") as record:
        fit_ml(X, y)
    named = str(record[0].message).split("combination of ")[1].split(" classifies")[0]
    assert named in X.columns
    column = X[named]
    assert column[y == 0].max() < column[y == 1].min() or (
        column[y == 1].max() < column[y == 0].min()
    )


def test_multinomial_quasi_separation_names_the_class_pairs():
    iris = load_iris(as_frame=True)
    X = iris.data[["sepal length (cm)", "sepal width (cm)"]]
    labels = iris.target_names[iris.target]
    with pytest.warns(PerfectSeparationWarning, match="quasi-complete") as record:
        fit_ml(X, labels)
    message = str(record[0].message)
    assert "setosa and versicolor" in message
    assert "setosa and virginica" in message
    assert "versicolor and virginica" not in message


def test_zero_weight_rows_do_not_count():
    X = np.array([[-3.0], [-2.0], [-1.0], [1.0], [2.0], [3.0], [2.5]])
    y = np.array([0, 0, 0, 1, 1, 1, 0])
    with pytest.warns(PerfectSeparationWarning, match="complete separation"):
        fit_ml(X, y, sample_weight=[1, 1, 1, 1, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = fit_ml(X, y, sample_weight=[1, 1, 1, 1, 1, 1, 1])
    assert model.inference_.separation == ""


def test_sparse_input_is_diagnosed_too():
    X, y = dummy_forces_class()
    # Without column names the second column is "x2", as statsmodels numbers it.
    with pytest.warns(PerfectSeparationWarning, match=r"combination of x2 separates"):
        LogisticRegression(C=np.inf).fit(sp.csr_matrix(X.to_numpy()), y)


def test_penalised_fit_does_not_warn():
    X, y = signal_and_noise()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression(C=1.0).fit(X, y)
    assert model.inference_ is None


def real_datasets():
    spector = sm.datasets.spector.load_pandas()
    anes = sm.datasets.anes96.load_pandas().data
    cancer = load_breast_cancer(as_frame=True)
    columns = ["logpopul", "selfLR", "age", "educ", "income"]
    return [
        (spector.exog, spector.endog),
        (anes[columns], anes["vote"]),
        (anes[columns], anes["PID"]),
        (cancer.data[["mean radius", "mean texture", "mean smoothness"]],
         cancer.target),
    ]


@pytest.mark.parametrize("index", range(4))
def test_certificate_and_lp_agree_that_real_data_are_not_separated(index):
    X, y = real_datasets()[index]
    model = fit_ml(X, y)
    classes, y_index = np.unique(y, return_inverse=True)
    weight = np.ones(len(y))
    binary = len(classes) == 2
    unit = LinearUnit(as_data(X.to_numpy()), 1 if binary else len(classes), True)
    proba = model.predict_proba(X)
    assert certified_identified(unit, y_index, weight, proba)
    if binary:
        raw = model.decision_function(X)
        assert certified_identified_binary(
            unit, y_index, weight, raw, _binary_information(unit, weight, raw)
        )
    assert diagnose_separation(
        X.to_numpy(), y_index, weight, fit_intercept=True,
        feature_names=list(X.columns), class_names=[str(c) for c in classes],
    ) == ""


def test_certificate_fails_on_separated_data():
    X, y = dummy_forces_class()
    with pytest.warns(PerfectSeparationWarning):
        model = fit_ml(X, y)
    unit = LinearUnit(as_data(X.to_numpy()), 1, True)
    weight = np.ones(len(y))
    assert not certified_identified(unit, np.asarray(y), weight, model.predict_proba(X))
    raw = model.decision_function(X)
    assert not certified_identified_binary(
        unit, np.asarray(y), weight, raw, _binary_information(unit, weight, raw)
    )


def _binary_information(
    unit: LinearUnit, weight: np.ndarray, raw: np.ndarray
) -> np.ndarray:
    """``X~.T diag(s p (1 - p)) X~`` in the unit's [coef | intercept] order."""
    p = 1 / (1 + np.exp(-raw))
    return unit.hessian([(0, 0, weight * p * (1 - p))])


def _complete_separation_constraints(X: np.ndarray, y: np.ndarray) -> sp.csr_matrix:
    design = scaled_design(X, np.arange(len(y)), True)
    constraints, _, _ = margin_matrix(design, y, 2)
    return constraints


def test_naming_one_needed_feature_among_many_takes_few_programs():
    # 400 rows separated by one feature of 120: the chunked deletion filter
    # finds it, and proves the set irreducible, within its program budget.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 120))
    y = (X[:, 77] > 0).astype(int)
    constraints = _complete_separation_constraints(X, y)
    kept, exhaustive = minimal_separating_features(constraints, 120, 121)
    assert exhaustive
    np.testing.assert_array_equal(np.flatnonzero(kept), [77])


def test_naming_budget_shrinks_with_the_size_of_each_program():
    # Programs as large as a 300 x 200 four-class design's (900 x 603, 1 s
    # each) get fewer than the 24 that small ones get, never fewer than 4;
    # on many rows a program is solved over a subset (constraint
    # generation), so tall data keep the whole budget.
    def budget(n_rows, n_vars):
        return separation_lp.naming_budget(sp.csr_matrix((n_rows, n_vars)))

    most, least = separation_lp.MAX_NAMING_PROGRAMS, separation_lp.MIN_NAMING_PROGRAMS
    assert budget(60, 401) == budget(400, 121) == most
    assert budget(100_000, 51) == most
    assert least < budget(900, 603) < budget(600, 303) < most
    assert budget(5_000, 3_000) == least


def test_naming_features_of_wide_data_is_bounded_and_still_separates():
    # More features than rows separate always; no irreducible set is sought
    # past the budget (one program per feature took minutes at 1,000).
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 400))
    y = rng.integers(0, 2, 60)
    constraints = _complete_separation_constraints(X, y)
    kept, exhaustive = minimal_separating_features(constraints, 400, 401)
    assert not exhaustive
    assert kept.sum() < 400
    assert separates_completely(constraints, np.concatenate([kept, [True]]))
    with pytest.warns(PerfectSeparationWarning, match=r"and \d+ more features \(not reduced"):
        LogisticRegression(C=np.inf).fit(X, y)
