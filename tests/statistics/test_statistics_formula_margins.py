"""Effects of the data's variables through every formula term they enter.

References, at test time: the per-row effects of statsmodels'
``get_margeff(at="all")`` on each design column, combined by the chain rule
written out here (``d/d age`` of ``age``, ``selfLR:age`` and
``np.log(age)``), and their delta-method standard errors from statsmodels'
``NonlinearDeltaCov`` (complex-step Jacobian) of that average; discrete
changes of a categorical variable from statsmodels ``predict`` on the rows
moved to each level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from statsmodels.stats._delta_method import NonlinearDeltaCov

import logitron

RTOL = 1e-6
FORMULA = "vote ~ logpopul + selfLR * age + np.log(age) + C(educ)"


@pytest.fixture(scope="module")
def fitted():
    data = sm.datasets.anes96.load_pandas().data
    model = logitron.logit(FORMULA, data=data, tol=1e-12)
    stats = model.statistics(data)
    names = stats.names
    design = pd.DataFrame(stats.data.design, columns=names)
    reference = sm.Logit(data["vote"], design).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    return data, stats, design, reference


def test_slope_through_every_term(fitted):
    data, stats, design, reference = fitted
    columns = list(design.columns)
    per_row = reference.get_margeff(at="all").margeff  # no constant column
    effect_of = {name: per_row[:, k] for k, name in enumerate(columns[1:])}
    age, self_lr = data["age"].to_numpy(), data["selfLR"].to_numpy()
    chain = (effect_of["age"] + effect_of["selfLR:age"] * self_lr
             + effect_of["np.log(age)"] / age)
    ours = stats.average_slopes(["age", "selfLR", "logpopul"])
    assert_allclose(ours.margeff[0], chain.mean(), rtol=RTOL)
    exog = design.to_numpy()
    j = {name: columns.index(name) for name in columns}

    def average_slope(b):
        p = 1.0 / (1.0 + np.exp(-(exog @ b)))
        return np.atleast_1d(np.mean(p * (1 - p) * (
            b[j["age"]] + b[j["selfLR:age"]] * self_lr + b[j["np.log(age)"]] / age)))

    delta = NonlinearDeltaCov(average_slope, reference.params.to_numpy(),
                              reference.cov_params().to_numpy())
    assert_allclose(ours.se[0], delta.se_vectorized()[0], rtol=RTOL)
    assert ours.names == ["age", "selfLR", "logpopul"]
    plain = reference.get_margeff()
    assert_allclose(ours.margeff[2], plain.margeff[columns.index("logpopul") - 1],
                    rtol=RTOL)
    assert_allclose(ours.se[2], plain.margeff_se[columns.index("logpopul") - 1],
                    rtol=RTOL)


def test_categorical_variable_gets_level_contrasts(fitted):
    data, stats, design, reference = fitted
    ours = stats.average_slopes(["educ"])
    levels = sorted(data["educ"].unique())
    assert ours.names[0] == f"educ: {levels[1]} - {levels[0]}"
    exog = design.to_numpy()
    educ_columns = [k for k, n in enumerate(design.columns) if n.startswith("C(educ)")]

    def moved(level_index):
        rows = exog.copy()
        rows[:, educ_columns] = 0.0
        if level_index:
            rows[:, educ_columns[level_index - 1]] = 1.0
        return rows

    def contrasts(b):
        p0 = 1.0 / (1.0 + np.exp(-(moved(0) @ b)))
        return np.array([np.mean(1.0 / (1.0 + np.exp(-(moved(k) @ b))) - p0)
                         for k in range(1, len(levels))])

    params = reference.params.to_numpy()
    assert_allclose(ours.margeff, contrasts(params), rtol=RTOL)
    assert_allclose(reference.predict(moved(3)).mean()
                    - reference.predict(moved(0)).mean(), ours.margeff[2], rtol=RTOL)
    delta = NonlinearDeltaCov(contrasts, params, reference.cov_params().to_numpy())
    assert_allclose(ours.se, delta.se_vectorized(), rtol=RTOL)


def test_slopes_need_a_formula_model_and_known_variables(fitted):
    _, stats, _, _ = fitted
    with pytest.raises(ValueError, match="reads the variables"):
        stats.average_slopes(["income"])
    data = sm.datasets.spector.load_pandas()
    plain = logitron.LogisticRegression(C=np.inf).fit(data.exog, data.endog)
    with pytest.raises(ValueError, match=r"logitron\.logit"):
        plain.statistics(data.exog, data.endog).average_slopes()
