"""scikit-learn's own estimator checks, with no expected-failure list."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from logitron import LogisticRegression


# The array-API checks (the estimator's array_api_support tag is True) are
# skipped by scikit-learn itself unless SCIPY_ARRAY_API=1 and the array
# libraries are present; tests/array_api/test_sklearn_checks.py runs them.
@parametrize_with_checks([LogisticRegression()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The classic recipe on the checks' unscaled toy data needs more than its
# default max_iter, and says so with a ConvergenceWarning (which this project's
# pytest setting turns into an error); the checks themselves must still pass.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([LogisticRegression(solver="gd")])
def test_sklearn_compatible_estimator_with_gradient_descent(estimator, check):
    check(estimator)
