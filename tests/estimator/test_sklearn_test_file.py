"""scikit-learn's own tests of ``LogisticRegression``, run on logitron's.

The installed ``sklearn/linear_model/tests/test_logistic.py`` is copied into
a temporary folder with one line changed -- its ``LogisticRegression`` and
``LogisticRegressionCV`` imported from logitron instead -- and run by pytest
in a subprocess (with scikit-learn's conftest for its fixtures). Every test
must pass, except the ones listed in ``EXPECTED_FAILURES`` with the reason
each cannot. scikit-learn skips its array-API cases without
``SCIPY_ARRAY_API=1``; ``test_scikit_learn_array_api_cases_pass_on_logitron``
runs them in a second subprocess with it set (scipy reads it at import) and
with array-api-strict and PyTorch on the CPU.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

SKLEARN_IMPORT = (
    "from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, "
    "SGDClassifier\n"
)
SWAPPED_IMPORT = (
    "from sklearn.linear_model import SGDClassifier; "
    "from logitron import LogisticRegression, LogisticRegressionCV\n"
)

_PRIVATE = "calls scikit-learn's private {} on our estimator's parameters"
_CALLBACKS = "scikit-learn's experimental callback API (sklearn.callback) is not offered"
_MISSING_CLASS = (
    "a training fold without some class is an error here (that class's intercept "
    "has no finite optimum); scikit-learn fits such folds anyway"
)

#: Test name (without parameters) -> why it cannot pass on logitron.
EXPECTED_FAILURES: dict[str, str] = {
    "test_logistic_cv_multinomial_score": _PRIVATE.format("_log_reg_scoring_path"),
    "test_logreg_predict_proba_multinomial": _PRIVATE.format("_predict_proba_lr"),
    "test_logistic_regression_callback_support": _CALLBACKS,
    "test_logistic_regression_callback_fitted_estimator": _CALLBACKS,
    "test_logistic_regression_callback_support_warning": _CALLBACKS,
    "test_newton_cholesky_fallback_to_lbfgs": (
        "asserts scikit-learn's internal fallback from its Newton-Cholesky to its "
        "lbfgs (equal iteration counts); our Newton needs no fallback there"
    ),
    "test_liblinear_dual_random_state": (
        "asserts that liblinear's dual coordinate descent at tol=1e-3 ends at "
        "different points for different seeds; we solve to the optimum, which "
        "does not depend on the seed"
    ),
    "test_warm_start_newton_solver": (
        "'newton-cg' is logitron's trust-region Newton-CG, whose trust radius is "
        "not carried by a warm start: max_iter=1 twice is not max_iter=2"
    ),
    "test_c_inf_no_warning": (
        "the data are separable and logitron warns (PerfectSeparationWarning) "
        "that the unpenalised maximum-likelihood estimate does not exist"
    ),
    "test_logistic_cv_folds_with_classes_missing": _MISSING_CLASS,
    "test_multinomial_cv_iris": _MISSING_CLASS + " (its last part)",
}

_RESULT = re.compile(r"^(PASSED|FAILED|ERROR|XPASS|XFAIL)\s+\S+::(test_\w+)", re.MULTILINE)


def _installed_test_file() -> Path:
    path = Path(sklearn.__file__).parent / "linear_model" / "tests" / "test_logistic.py"
    if not path.exists():
        pytest.skip("this scikit-learn installation ships without its tests")
    return path


def _run_swapped(
    tmp_path: Path, selection: list[str], env_extra: dict[str, str] | None = None
) -> tuple[dict[str, set[str]], subprocess.CompletedProcess[str]]:
    """Run the swapped test file (with pytest's ``selection`` arguments) and
    return each test's outcomes, by test name."""
    source = _installed_test_file().read_text()
    assert source.count(SKLEARN_IMPORT) == 1, "scikit-learn's import line changed"
    (tmp_path / "test_logistic.py").write_text(source.replace(SKLEARN_IMPORT, SWAPPED_IMPORT))
    src = Path(__file__).resolve().parents[2] / "src"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(env_extra or {})
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "sklearn.conftest", "-rA", "--tb=short", *selection, "test_logistic.py",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800,
    )
    outcomes: dict[str, set[str]] = {}
    for outcome, name in _RESULT.findall(completed.stdout):
        outcomes.setdefault(name, set()).add(outcome)
    assert outcomes, completed.stdout[-3000:] + completed.stderr[-3000:]
    return outcomes, completed


def test_scikit_learn_test_logistic_passes_on_logitron(tmp_path: Path) -> None:
    outcomes, completed = _run_swapped(tmp_path, [])
    failing = {name for name, seen in outcomes.items() if seen & {"FAILED", "ERROR"}}
    unexpected = sorted(failing - set(EXPECTED_FAILURES))
    assert not unexpected, f"failing on logitron: {unexpected}\n{completed.stdout[-3000:]}"
    # A listed test that passes now should leave the list.
    fixed = sorted(set(EXPECTED_FAILURES) - failing)
    assert not fixed, f"listed as failing but passing: {fixed}"


_ARRAY_API_CASES = (
    "test_logistic_regression_array_api_compliance",
    "test_logistic_regression_array_api_warm_start",
)
_CASE = re.compile(r"^(PASSED|FAILED|ERROR)\s+\S+::(test_\w+)\[([^\]]+)\]", re.MULTILINE)


def test_scikit_learn_array_api_cases_pass_on_logitron(tmp_path: Path) -> None:
    """scikit-learn's array-API cases of ``test_logistic.py`` (iris, C=1e-2,
    lbfgs at tol=1e-12, class and sample weights, string labels, warm start)
    on NumPy, array-api-strict (two devices, float64 and float32) and PyTorch."""
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the array-api extra)")
    selection = ["-k", " or ".join(_ARRAY_API_CASES)]
    if not torch.cuda.is_available():
        # scikit-learn skips the cuda cases only when torch is built without
        # CUDA; a CUDA build on a machine without a GPU (or driver) fails in
        # the test's own xp.asarray(..., device="cuda"), before any fit.
        selection[1] = f"({selection[1]}) and not cuda"
    outcomes, completed = _run_swapped(tmp_path, selection, {"SCIPY_ARRAY_API": "1"})
    failing = {name for name, seen in outcomes.items() if seen & {"FAILED", "ERROR"}}
    assert not failing, completed.stdout[-6000:]
    ran = {params.split("-")[0] for outcome, _, params in _CASE.findall(completed.stdout)
           if outcome == "PASSED"}
    assert {"array_api_strict", "torch", "numpy"} <= ran, completed.stdout[-3000:]
