"""Hyper-parameters are validated as scikit-learn validates its own (issue 14,
item 10): ``_parameter_constraints`` and ``InvalidParameterError``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from logitron import LogisticRegression, LogisticRegressionCV

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] + RNG.normal(size=40) > 0).astype(int)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"fit_intercept": 0.5}, "fit_intercept"),
        ({"fit_intercept": "no"}, "fit_intercept"),
        ({"tol": np.nan}, "tol"),
        ({"tol": np.inf}, "tol"),
        ({"warm_start": "no"}, "warm_start"),
        ({"C": np.nan}, "C"),
        ({"C": -np.inf}, "C"),
        ({"learning_rate": np.inf}, "learning_rate"),
        ({"max_iter": 2.5}, "max_iter"),
        ({"verbose": "loud"}, "verbose"),
        ({"class_weight": "even"}, "class_weight"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_parameter_raises_naming_it(params: dict[str, Any], name: str) -> None:
    message = f"The '{name}' parameter of LogisticRegression"
    with pytest.raises(InvalidParameterError, match=message):
        LogisticRegression(**params).fit(X, Y)


@pytest.mark.parametrize(
    "params",
    [
        {"fit_intercept": 0.5},
        {"warm_start": "no"},
        {"class_weight": "even"},
        {"verbose": "loud"},
        {"tol": np.nan},
    ],
)
def test_messages_are_scikit_learns(params: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterError) as theirs:
        SklearnLogisticRegression(**params).fit(X, Y)
    with pytest.raises(InvalidParameterError) as ours:
        LogisticRegression(**params).fit(X, Y)
    message = str(ours.value)
    if "tol" in params:
        # Our tol also takes None (the solver's default); scikit-learn's not.
        message = message.replace(" or None", "")
    assert message == str(theirs.value)


@pytest.mark.parametrize(
    "params",
    [{"C": np.inf}, {"fit_intercept": np.False_}, {"max_iter": np.int64(50)}, {"tol": 0.0}],
)
def test_good_parameters_pass(params: dict[str, Any]) -> None:
    LogisticRegression(**params).fit(X, Y)


def test_constraints_cover_every_constructor_argument() -> None:
    assert set(LogisticRegression._parameter_constraints) == set(
        LogisticRegression().get_params()
    )
    # scikit-learn's own entry point reads the same declaration.
    with pytest.raises(InvalidParameterError, match="'fit_intercept'"):
        LogisticRegression(fit_intercept=0.5)._validate_params()  # type: ignore[arg-type]


def test_cross_validation_checks_the_shared_parameters() -> None:
    with pytest.raises(InvalidParameterError, match="'fit_intercept'"):
        LogisticRegressionCV(Cs=2, cv=2, fit_intercept="yes").fit(X, Y)  # type: ignore[arg-type]
