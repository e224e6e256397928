"""The command line's statistics: ``summary --odds-ratios``, ``--cov-type``
with ``--cluster``, ``effects`` and ``predict --interval``, on anes96 written
to CSV, against statsmodels computed at test time. The text tables print
six significant digits (effects) or four decimals (summary), so those are
compared at the printed precision; ``predict`` writes full-precision CSV and
is compared at rtol 1e-6."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from tests.cli_runner import assert_fails, run_cli

COLUMNS = ["logpopul", "selfLR", "age"]
FIT = dict(disp=0, method="newton", tol=1e-12, maxiter=100)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("stats")
    data = sm.datasets.anes96.load_pandas().data[[*COLUMNS, "educ", "vote"]]
    path = folder / "anes.csv"
    data.to_csv(path, index=False)
    model = folder / "model.json"
    result = run_cli("train", path, "--target", "vote", "--features", ",".join(COLUMNS),
                     "--C", "inf", "--tol", "1e-12", "-o", model)
    assert result.returncode == 0, result.stderr
    return model, path, data


def table_rows(text: str, names: list[str]) -> np.ndarray:
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.split() and line.split()[0] in names}
    return np.array([[float(v) for v in rows[name]] for name in names])


def reference(data: pd.DataFrame, **options):
    return sm.Logit(data["vote"], sm.add_constant(data[COLUMNS])).fit(**FIT, **options)


def test_summary_odds_ratios_and_clusters(trained):
    model, path, data = trained
    result = run_cli("summary", model, "--odds-ratios")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout, COLUMNS)
    assert_allclose(rows[:, 0], np.exp(reference(data).params[COLUMNS]), atol=6e-5)
    result = run_cli("summary", model, "--data", path, "--cluster", "educ")
    assert result.returncode == 0, result.stderr
    clustered = reference(data, cov_type="cluster", cov_kwds={"groups": data["educ"]})
    assert_allclose(table_rows(result.stdout, COLUMNS)[:, 1], clustered.bse[COLUMNS],
                    atol=6e-5)
    assert "cluster-robust" in result.stdout


def test_effects_command(trained):
    model, path, data = trained
    result = run_cli("effects", model, path, "--at", "mean", "--cov-type", "HC0")
    assert result.returncode == 0, result.stderr
    expected = reference(data, cov_type="HC0").get_margeff(at="mean")
    rows = table_rows(result.stdout, COLUMNS)
    assert_allclose(rows[:, 0], expected.margeff, rtol=5e-6)
    assert_allclose(rows[:, 1], expected.margeff_se, rtol=5e-6)


def test_predict_interval(trained):
    model, path, data = trained
    result = run_cli("predict", model, path, "--interval", "0.1")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout))
    expected = reference(data).get_prediction().summary_frame(alpha=0.1)
    assert_allclose(frame["proba_1.0"], expected["predicted"], rtol=1e-6)
    assert_allclose(frame["se_1.0"], expected["se"], rtol=1e-6)
    assert_allclose(frame["ci_lower_1.0"], expected["ci_lower"], rtol=1e-6)
    assert_allclose(frame["ci_upper_1.0"], expected["ci_upper"], rtol=1e-6)


def test_cli_statistics_errors(trained):
    model, path, _ = trained
    assert_fails(run_cli("summary", model, "--cov-type", "HC3"), 2, "--data")
    assert_fails(run_cli("summary", model, "--cov-type", "cluster"), 2, "--cluster")
    assert_fails(run_cli("effects", model, path, "--cluster", "nope"), 1, "nope")


def test_effects_by_variable_of_a_formula_model(tmp_path):
    data = sm.datasets.anes96.load_pandas().data[["vote", "selfLR", "age"]]
    path = tmp_path / "anes.csv"
    data.to_csv(path, index=False)
    model = tmp_path / "formula.json"
    result = run_cli("train", path, "--formula", "vote ~ selfLR + np.log(age)",
                     "--C", "inf", "--tol", "1e-12", "-o", model)
    assert result.returncode == 0, result.stderr
    result = run_cli("effects", model, path, "--by-variable")
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout, ["age", "selfLR"])
    fit = sm.Logit(data["vote"], sm.add_constant(
        data.assign(log_age=np.log(data["age"]))[["selfLR", "log_age"]])).fit(**FIT)
    per_row = fit.get_margeff(at="all").margeff
    assert_allclose(rows[0, 0], np.mean(per_row[:, 1] / data["age"]), rtol=5e-6)
    assert_allclose(rows[1, 0], np.mean(per_row[:, 0]), rtol=5e-6)
    assert_fails(run_cli("effects", model, path, "--by-variable", "--at", "mean"), 2,
                 "--by-variable")
