"""scikit-learn 1.9's parameters and solver names on logitron, ours vs theirs.

Each problem named with scikit-learn's parameters is fitted by scikit-learn
(solved tightly) and by logitron; the coefficients must agree to the
solvers' tolerance. The errors and warnings are scikit-learn's classes.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from numpy.testing import assert_allclose
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import scale
from sklearn.utils._param_validation import InvalidParameterError

import logitron
from logitron import LogisticRegression, LogisticRegressionCV, io


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return scale(X), y


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return scale(X), y


def _theirs(**params: object) -> sk.LogisticRegression:
    return sk.LogisticRegression(tol=1e-12, max_iter=100_000, **params)


@pytest.mark.parametrize(
    ("l1_ratio", "intercept_scaling"), [(0.0, 1.0), (0.0, 3.0), (1.0, 1.0), (1.0, 0.5)]
)
def test_liblinear_penalises_the_intercept_as_scikit_learn(
    cancer: tuple[np.ndarray, np.ndarray], l1_ratio: float, intercept_scaling: float
) -> None:
    X, y = cancer
    params = dict(
        C=0.3, l1_ratio=l1_ratio, solver="liblinear", intercept_scaling=intercept_scaling
    )
    reference = _theirs(**params).fit(X, y)
    model = LogisticRegression(**params).fit(X, y)  # type: ignore[arg-type]
    assert_allclose(model.coef_, reference.coef_, atol=2e-5)
    assert_allclose(model.intercept_, reference.intercept_, atol=2e-5)
    # The penalised intercept differs from the unpenalised one.
    free = LogisticRegression(C=0.3, l1_ratio=l1_ratio).fit(X, y)
    assert abs(free.intercept_[0] - model.intercept_[0]) > 1e-3
    assert model.n_features_in_ == X.shape[1]


def test_liblinear_on_sparse_x_and_without_intercept(
    cancer: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = cancer
    for fit_intercept in (True, False):
        params = dict(C=0.5, solver="liblinear", fit_intercept=fit_intercept)
        reference = _theirs(**params).fit(X, y)
        model = LogisticRegression(**params).fit(sp.csr_matrix(X), y)  # type: ignore[arg-type]
        assert_allclose(model.coef_, reference.coef_, atol=2e-5)
        assert_allclose(model.intercept_, np.atleast_1d(reference.intercept_), atol=2e-5)


@pytest.mark.parametrize(
    ("solver", "params"),
    [
        ("newton-cholesky", {"C": 0.5}),
        ("sag", {"C": 0.5}),
        ("saga", {"C": 0.5}),
        ("saga", {"C": 0.5, "l1_ratio": 1.0}),
        ("saga", {"C": 0.5, "l1_ratio": 0.4}),
        ("newton-cholesky", {"C": 100.0}),
    ],
)
def test_solver_names_minimise_scikit_learns_objective(
    iris: tuple[np.ndarray, np.ndarray], solver: str, params: dict[str, float]
) -> None:
    X, y = iris
    # scikit-learn's saga is the reference for an L1 term (its only solver
    # of the multinomial L1 problem), its Newton-Cholesky for the others.
    reference_solver = "saga" if params.get("l1_ratio", 0) > 0 else "newton-cholesky"
    reference = _theirs(solver=reference_solver, **params).fit(X, y)
    model = LogisticRegression(solver=solver, **params).fit(X, y)  # type: ignore[arg-type]
    assert_allclose(model.coef_, reference.coef_, atol=1e-4)
    assert_allclose(model.intercept_, reference.intercept_, atol=1e-4)


def test_penalty_is_mapped_with_scikit_learns_future_warning(
    cancer: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = cancer
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        by_penalty = LogisticRegression(
            penalty="l1", l1_ratio=1.0, C=0.2, solver="saga"
        ).fit(X, y)
    by_ratio = LogisticRegression(l1_ratio=1.0, C=0.2).fit(X, y)
    assert_allclose(by_penalty.coef_, by_ratio.coef_, atol=1e-8)
    with pytest.warns(FutureWarning), pytest.warns(UserWarning, match="ignore the C"):
        unpenalised = LogisticRegression(penalty=None, C=4.0).fit(X[:, :5], y)
    reference = LogisticRegression(C=np.inf).fit(X[:, :5], y)
    assert_allclose(unpenalised.coef_, reference.coef_)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"solver": "lbfgs", "l1_ratio": 1.0}, "Solver lbfgs supports only 'l2' or None"),
        ({"solver": "sag", "l1_ratio": 0.5}, "Solver sag supports only 'l2' or None"),
        ({"solver": "liblinear", "l1_ratio": 0.5}, "Only 'saga' solver supports elasticnet"),
        ({"solver": "liblinear", "C": np.inf}, "not supported for the liblinear solver"),
        ({"solver": "newton-cholesky", "dual": True}, "supports only dual=False"),
        ({"solver": "liblinear"}, "does not support multiclass classification"),
        ({"intercept_scaling": 0.0}, r"'intercept_scaling' .* in the range \(0.0, inf\)"),
        ({"penalty": "l3"}, "The 'penalty' parameter .*must be a str among"),
    ],
)
def test_scikit_learns_errors(
    iris: tuple[np.ndarray, np.ndarray], params: dict[str, object], message: str
) -> None:
    X, y = iris
    with pytest.raises(ValueError, match=message):
        LogisticRegression(**params).fit(X, y)  # type: ignore[arg-type]
    # scikit-learn raises for the same parameters, saying the same.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match=message):
            sk.LogisticRegression(**params).fit(X, y)


def test_n_jobs_has_no_effect_and_says_so(cancer: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = cancer
    with pytest.warns(FutureWarning, match="'n_jobs' has no effect"):
        LogisticRegression(n_jobs=2).fit(X, y)


def test_sparsify_and_densify(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    model = LogisticRegression(C=0.05, l1_ratio=1.0).fit(X, y)
    dense = model.decision_function(X)
    model.sparsify()
    assert sp.issparse(model.coef_)
    assert_allclose(model.decision_function(sp.csr_matrix(X)), dense)
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    model.densify()
    assert isinstance(model.coef_, np.ndarray)
    assert_allclose(model.decision_function(X), dense)


def test_max_iter_zero_returns_the_start(cancer: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = cancer
    with pytest.warns(ConvergenceWarning):
        model = LogisticRegression(max_iter=0).fit(X, y)
    assert model.n_iter_[0] == 0
    assert_allclose(model.coef_, 0.0)
    assert_allclose(model.predict_proba(X), 0.5)


def test_legacy_attributes_have_scikit_learns_layout(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    for l1_ratios in ((0.0, 0.5), None):
        params = dict(
            Cs=3, cv=3, l1_ratios=l1_ratios, use_legacy_attributes=True,
            scoring="neg_log_loss",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs = sk.LogisticRegressionCV(solver="saga", max_iter=20, **params).fit(X, y)
            ours = LogisticRegressionCV(solver="saga", **params).fit(X, y)  # type: ignore[arg-type]
        for name in ("coefs_paths_", "scores_"):
            assert list(getattr(ours, name)) == list(getattr(theirs, name))
            for key, value in getattr(theirs, name).items():
                assert getattr(ours, name)[key].shape == value.shape
        for name in ("n_iter_", "C_", "l1_ratio_", "l1_ratios_"):
            assert np.shape(getattr(ours, name)) == np.shape(getattr(theirs, name))
    # The legacy layout holds the same numbers as the new one.
    grid = dict(Cs=3, cv=3, l1_ratios=(0.0, 0.5), scoring="neg_log_loss")
    new = LogisticRegressionCV(**grid, use_legacy_attributes=False).fit(X, y)  # type: ignore[arg-type]
    legacy = LogisticRegressionCV(**grid, use_legacy_attributes=True).fit(X, y)  # type: ignore[arg-type]
    assert_allclose(legacy.scores_[0], np.swapaxes(new.scores_, 1, 2))
    assert_allclose(legacy.coefs_paths_[2], new.coefs_paths_[:, :, :, 2].swapaxes(1, 2))
    assert_allclose(legacy.C_, [new.C_] * 3)


def _fit_and_hear(estimator: Any, X: np.ndarray, y: np.ndarray) -> set[tuple[Any, str]]:
    """Fit; the FutureWarnings and UserWarnings raised, by class and words
    (ConvergenceWarnings depend on each library's solver). Spaces are
    dropped: two of scikit-learn 1.9's messages lack one between strings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    return {
        (record.category, str(record.message).replace(" ", ""))
        for record in caught
        if record.category in (FutureWarning, UserWarning)
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"l1_ratios": None},
        {"scoring": "neg_log_loss"},
        {"use_legacy_attributes": False},
        {"l1_ratios": (0.0,), "scoring": None, "use_legacy_attributes": True},
        {"penalty": "l2", "l1_ratios": (0.0,)},
    ],
)
def test_cv_defaults_and_warnings_are_scikit_learn_19s(params: dict[str, Any]) -> None:
    # On this problem accuracy (scikit-learn 1.9's default scoring) and the
    # log-loss (1.11's) choose C a factor 60 apart: a default that differed
    # would select another C_.
    X, y = make_classification(n_samples=100, n_features=10, random_state=0)
    X = scale(X)
    theirs = sk.LogisticRegressionCV(Cs=10, solver="newton-cholesky", tol=1e-10, **params)
    ours = LogisticRegressionCV(Cs=10, tol=1e-10, **params)
    assert _fit_and_hear(ours, X, y) == _fit_and_hear(theirs, X, y)
    assert np.shape(ours.C_) == np.shape(theirs.C_)
    assert_allclose(ours.C_, theirs.C_)
    for name in ("l1_ratio_", "l1_ratios_"):
        assert np.asarray(getattr(ours, name)).tolist() == np.asarray(
            getattr(theirs, name)
        ).tolist()
    assert type(ours.scores_) is type(theirs.scores_)
    if isinstance(theirs.scores_, dict):
        assert list(ours.scores_) == list(theirs.scores_)
        for key, value in theirs.scores_.items():
            assert_allclose(ours.scores_[key], value, atol=1e-7)
    else:
        assert_allclose(ours.scores_, theirs.scores_, atol=1e-7)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))
    assert ours._get_scorer()._score_func is theirs._get_scorer()._score_func


def test_cv_score_warns_of_a_positional_sample_weight_as_scikit_learn() -> None:
    X, y = make_classification(n_samples=60, n_features=5, random_state=1)
    weight = np.linspace(0.5, 2.0, len(y))
    params: dict[str, Any] = dict(
        Cs=3, cv=3, l1_ratios=(0.0,), scoring="neg_log_loss", use_legacy_attributes=False
    )
    said = []
    for model in (sk.LogisticRegressionCV(**params), LogisticRegressionCV(**params)):
        model.fit(X, y)
        with pytest.warns(FutureWarning, match="as keyword args") as record:
            positional = model.score(X, y, weight)
        assert positional == model.score(X, y, sample_weight=weight)
        said.append([str(warning.message) for warning in record])
    assert said[1] == said[0]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("LogisticRegression", {"intercept_scaling": 0}),
        ("LogisticRegression", {"penalty": "foo"}),
        ("LogisticRegression", {"n_jobs": "all"}),
        ("LogisticRegressionCV", {"refit": "yes"}),
        ("LogisticRegressionCV", {"scoring": "foo"}),
        ("LogisticRegressionCV", {"use_legacy_attributes": "yes"}),
        ("LogisticRegressionCV", {"cv": "x"}),
        ("LogisticRegressionCV", {"Cs": 0}),
        ("LogisticRegressionCV", {"penalty": None}),
        ("LogisticRegressionCV", {"fit_intercept": "yes"}),
    ],
)
def test_bad_types_are_refused_before_any_warning_as_in_scikit_learn(
    name: str, params: dict[str, Any]
) -> None:
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    (param,) = params
    for library in (sk, logitron):
        with warnings.catch_warnings():
            # A FutureWarning of a default would be raised as an error first.
            warnings.simplefilter("error")
            with pytest.raises(InvalidParameterError, match=f"'{param}' parameter of {name}"):
                getattr(library, name)(**params).fit(X, y)


@pytest.mark.parametrize("intercept_scaling", [1.0, 2.0])
def test_cv_liblinear_matches_scikit_learn(
    cancer: tuple[np.ndarray, np.ndarray], intercept_scaling: float
) -> None:
    X, y = cancer
    params = dict(
        Cs=[0.01, 0.1, 1.0], cv=3, solver="liblinear", intercept_scaling=intercept_scaling
    )
    theirs = sk.LogisticRegressionCV(
        tol=1e-10, max_iter=10_000, scoring="neg_log_loss", l1_ratios=(0.0,),
        use_legacy_attributes=False, **params,
    ).fit(X, y)
    ours = LogisticRegressionCV(
        scoring="neg_log_loss", l1_ratios=(0.0,), use_legacy_attributes=False, **params,  # type: ignore[arg-type]
    ).fit(X, y)
    assert ours.C_ == theirs.C_
    assert_allclose(ours.coefs_paths_, theirs.coefs_paths_, atol=1e-4)
    assert_allclose(ours.scores_, theirs.scores_, rtol=1e-5)
    if intercept_scaling == 1.0:
        # scikit-learn 1.9's final refit leaves intercept_scaling at 1 (its
        # _logistic_regression_path is not passed it); ours keeps it.
        assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)
        assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-4)


def test_model_files_keep_scikit_learn_names_and_sparse_coef(
    cancer: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    X, y = cancer
    model = LogisticRegression(solver="liblinear", intercept_scaling=2.0, C=0.5).fit(X, y)
    loaded = io.load(io.save(model, tmp_path / "liblinear.json"))
    assert loaded.get_params() == model.get_params()
    assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    model.sparsify()
    loaded = io.load(io.save(model, tmp_path / "sparse.json"))
    assert_allclose(loaded.decision_function(X), model.decision_function(X))


@pytest.mark.parametrize("solver", ["sag", "liblinear"])
def test_refit_on_an_array_forgets_the_dataframe_names(
    cancer: tuple[np.ndarray, np.ndarray], solver: str
) -> None:
    pd = pytest.importorskip("pandas")
    X, y = cancer
    frame = pd.DataFrame(X[:, :4], columns=["a", "b", "c", "d"])
    model = LogisticRegression(solver=solver).fit(frame, y)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    assert model.n_features_in_ == 4
    model.fit(X[:, :3], y)
    assert not hasattr(model, "feature_names_in_")
    assert model.n_features_in_ == 3
    model.predict(X[:, :3])
