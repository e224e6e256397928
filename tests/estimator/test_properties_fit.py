"""Property-based guard on ``fit`` (issue 14, "a lasting guard").

Hypothesis draws small binary problems with extreme column scales, constant
and duplicate columns, weights from 2**-1000 to 2**1000, separated labels,
float32 and sparse storage, penalties from none to strong, and checks that
``fit`` either

- raises a ``ValueError`` that says what is wrong,
- warns (``ConvergenceWarning``, or ``PerfectSeparationWarning`` where no
  optimum exists), or
- returns finite coefficients at the optimum: the gradient of the mean-scale
  objective, taken with respect to the coefficients of the columns divided
  by their largest ``|x|`` (the objective's own scale, where the unit of a
  column does not matter), is small.

The budget is fixed (``derandomize=True``): the same examples run in CI
every time.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from logitron import CollinearityWarning, LogisticRegression, PerfectSeparationWarning

BUDGET = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: ValueErrors that name a problem with the data rather than a failure.
CLEAR_REFUSALS = (
    "span too many orders of magnitude",
    "is too strong for the scales of X",
    "at least 2 classes",
)


@st.composite
def problems(draw: Any) -> dict[str, Any]:
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(12, 60))
    d = draw(st.integers(1, 4))
    float32 = draw(st.booleans())
    # float32 ends near 2**128: keep its columns' squares inside that range.
    exponents = [-300, -150, -40, 0, 0, 0, 40, 150, 300]
    if float32:
        exponents = [-40, -20, 0, 0, 20, 40]
    X = rng.normal(size=(n, d))
    scales = np.array([draw(st.sampled_from(exponents)) for _ in range(d)])
    kind = draw(st.sampled_from(["plain", "constant", "duplicate", "separated"]))
    if kind == "separated":
        y = (X[:, 0] > 0).astype(int)
    else:
        y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    if kind == "constant":
        X[:, -1] = 1.0
    if kind == "duplicate" and d > 1:
        X[:, -1] = X[:, 0]
        scales[-1] = scales[0]
    X = np.ldexp(X, scales[None, :])
    weight = None
    weight_kind = draw(st.sampled_from(["none", "random", "huge", "tiny"]))
    if weight_kind != "none":
        weight = rng.uniform(0.5, 2.0, size=n)
        # coef_ has X's dtype: with float32 a penalised optimum scaled by
        # weights of 2**-1000 would be below float32's range, so +-100 there.
        power = 100 if float32 else 1000
        weight = np.ldexp(weight, {"random": 0, "huge": power, "tiny": -power}[weight_kind])
    if float32:
        X = X.astype(np.float32)
    if draw(st.booleans()):
        X = sp.csr_matrix(X)
    C = draw(st.sampled_from([np.inf, 1.0, 0.01]))
    solver = draw(st.sampled_from(["auto", "newton", "lbfgs", "newton-cg"]))
    return {"X": X, "y": y, "weight": weight, "C": C, "solver": solver}


def scaled_gradient(model: LogisticRegression, X: Any, y: np.ndarray, weight: Any) -> np.ndarray:
    """Gradient of ``mean_s(loss) + ||coef||**2 / (2 * C * S)`` with respect
    to ``coef_j * m_j`` and the intercept.

    Without a penalty ``m_j`` is column j's largest |x|: the problem does not
    depend on the columns' units. A penalty does, on each column's own units;
    there ``m_j`` is the largest |x| of all columns, one common unit, which
    keeps the penalty a ridge (an objective of the same kind).
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    size = np.max(np.abs(X), axis=0)
    size[size == 0] = 1.0
    if np.isfinite(model.C):
        size[:] = np.max(size)
    _, exponent = np.frexp(size)
    unit_X = np.ldexp(X, -exponent[None, :])  # exact: columns of size ~1
    coef = np.ldexp(model.coef_.ravel().astype(np.float64), exponent)
    z = unit_X @ coef + float(model.intercept_[0])
    s = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    share = s / np.max(s)
    share = share / np.sum(share)
    residual = share * (expit(z) - y)
    gradient = unit_X.T @ residual
    if np.isfinite(model.C):
        # ||coef||**2 / (2 C S) in these coordinates: coef_j = coef'_j * 2**-e_j.
        with np.errstate(under="ignore", over="ignore"):
            scale_S = np.log2(model.C) + np.log2(np.max(s)) + np.log2(np.sum(s / np.max(s)))
            gradient += np.ldexp(coef, -2 * exponent) * np.exp2(-scale_S)
    return np.append(gradient, np.sum(residual))


@BUDGET
@given(problems())
def test_fit_reaches_the_optimum_or_says_why(problem: dict[str, Any]) -> None:
    X, y, weight = problem["X"], problem["y"], problem["weight"]
    model = LogisticRegression(C=problem["C"], solver=problem["solver"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y, sample_weight=weight)
        except ValueError as error:
            refusal = str(error)
        else:
            refusal = ""
    if refusal:
        event("refused")
        assert any(phrase in refusal for phrase in CLEAR_REFUSALS), refusal
        return
    kinds = {type(w.message) for w in caught}
    assert kinds <= {ConvergenceWarning, PerfectSeparationWarning, CollinearityWarning}, [
        str(w.message) for w in caught
    ]
    assert np.all(np.isfinite(model.coef_))
    assert np.all(np.isfinite(model.intercept_))
    event(str(sorted(k.__name__ for k in kinds)))
    if kinds & {ConvergenceWarning, PerfectSeparationWarning}:
        return
    tolerance = 1e-3 if model.coef_.dtype == np.float32 else 1e-6
    gradient = scaled_gradient(model, X, y, weight)
    assert np.max(np.abs(gradient)) < tolerance, gradient


@pytest.mark.parametrize("scale", [2.0**-300, 2.0**300])
def test_gradient_check_catches_the_old_all_zero_model(scale: float) -> None:
    # The property's own check must reject what issue 14 reported: a zero
    # model at 1e+-90 scales (coefficients 0, intercept at the class share).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) * scale
    y = (X[:, 0] + rng.normal(size=50) * scale > 0).astype(int)
    model = LogisticRegression(C=np.inf).fit(X, y)
    zero = LogisticRegression(C=np.inf)
    zero.coef_ = np.zeros_like(model.coef_)
    zero.intercept_ = np.array([np.log(np.mean(y) / (1 - np.mean(y)))])
    assert np.max(np.abs(scaled_gradient(zero, X, y, None))) > 1e-2
    assert np.max(np.abs(scaled_gradient(model, X, y, None))) < 1e-6
