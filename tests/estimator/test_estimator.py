"""LogisticRegression: the recipe, the estimator contract and ours-vs-theirs."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitron import LogisticRegression, PerfectSeparationWarning
from logitron._numerics import sigmoid


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def sklearn_objective(model, X, y, C, sample_weight=None):
    z = X @ model.coef_.ravel() + model.intercept_[0]
    loss = np.logaddexp(0, z) - y * z
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return C * np.sum(s * loss) + 0.5 * np.sum(model.coef_**2)


# -- the classic recipe ---------------------------------------------------------
def test_recipe_fit_on_arrays_then_predict_a_plain_list():
    X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.5], [0.5, 2.0], [2.5, 1.0]])
    y = np.array([0, 0, 1, 1, 0, 1])
    model = LogisticRegression(solver="gd", learning_rate=0.5).fit(X, y)
    rows = [[0.2, 1.5], [2.8, 0.4]]
    assert model.predict(rows).tolist() == [0, 1]
    # predict thresholds the sigmoid at 0.5
    proba = sigmoid(np.asarray(rows) @ model.coef_.ravel() + model.intercept_[0])
    assert model.predict(rows).tolist() == (proba > 0.5).astype(int).tolist()


def test_gd_stops_when_the_cost_changes_by_less_than_tol(cancer):
    X, y = cancer
    model = LogisticRegression(solver="gd").fit(X, y)
    curve = np.asarray(model.loss_curve_)
    assert len(curve) == model.n_iter_[0]
    assert np.all(np.diff(curve) <= 0)  # the cost falls at every step
    changes = np.abs(np.diff(curve))
    assert changes[-1] < 1e-5  # the recipe's rule ...
    assert np.all(changes[:-1] >= 1e-5)  # ... and not one iteration earlier


def test_gd_with_a_small_tol_lands_on_the_newton_optimum(cancer):
    X, y = cancer
    newton = LogisticRegression(C=0.1, solver="newton").fit(X, y)
    gd = LogisticRegression(
        C=0.1, solver="gd", learning_rate=1.0, tol=1e-12, max_iter=100_000
    ).fit(X, y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, rtol=1e-3)
    np.testing.assert_allclose(gd.intercept_, newton.intercept_, rtol=1e-3)


def test_gd_at_max_iter_warns_with_advice(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="learning_rate"):
        LogisticRegression(solver="gd", max_iter=5).fit(X, y)


def test_gd_diverging_raises_instead_of_returning_a_nan_model(cancer):
    X, y = cancer
    with pytest.raises(FloatingPointError, match="learning_rate"):
        # X * 1e3 stays unscaled (logitron._scaling rescales beyond 2**16),
        # so learning_rate * gradient overflows.
        LogisticRegression(solver="gd", learning_rate=1e308, C=np.inf).fit(X * 1e3, y)


# -- Newton ---------------------------------------------------------------------
@pytest.mark.parametrize("C", [1.0, 0.01])
def test_coefficients_equal_sklearn_newton_cholesky(cancer, C):
    X, y = cancer
    ours = LogisticRegression(C=C).fit(X, y)
    theirs = SklearnLogisticRegression(C=C, solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6)


def test_newton_reaches_the_optimum_in_a_handful_of_iterations(cancer):
    X, y = cancer
    # tol=0: run until the Newton decrement is below rounding error
    reference = LogisticRegression(C=1.0, tol=0.0, max_iter=50).fit(X, y)
    model = LogisticRegression(C=1.0).fit(X, y)
    assert model.n_iter_[0] <= 12
    best = sklearn_objective(reference, X, y, 1.0)
    gap = (sklearn_objective(model, X, y, 1.0) - best) / best
    # The reference is optimal to rounding only: either may be the lower.
    assert -10 * np.finfo(float).eps <= gap <= 1e-10


def test_statsmodels_logit_on_spector_unpenalised():
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy()
    theirs = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=100)
    ours = LogisticRegression(C=np.inf).fit(X, y)
    np.testing.assert_allclose(ours.intercept_[0], theirs.params[0], rtol=1e-6)
    np.testing.assert_allclose(ours.coef_.ravel(), theirs.params[1:], rtol=1e-6)


# -- the estimator contract -----------------------------------------------------
def test_predict_proba_is_the_sigmoid_of_decision_function(cancer):
    X, y = cancer
    model = LogisticRegression().fit(X, y)
    z = model.decision_function(X)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], sigmoid(z), rtol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-13)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(z > 0).astype(int)])
    assert model.score(X, y) == np.mean(model.predict(X) == y)


@pytest.mark.parametrize(
    "labels", [np.array(["no", "yes"]), np.array([False, True]), np.array([-3, 7])]
)
def test_any_label_type(cancer, labels):
    X, y = cancer
    y_labels = labels[y]
    model = LogisticRegression().fit(X, y_labels)
    np.testing.assert_array_equal(model.classes_, labels)
    reference = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.predict(X), labels[reference.predict(X)])
    assert model.coef_.shape == (1, X.shape[1])
    assert model.intercept_.shape == (1,)


def test_extreme_inputs_give_finite_probabilities(cancer):
    X, y = cancer
    model = LogisticRegression().fit(X, y)
    huge = X[:5] * 1e6
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        proba = model.predict_proba(huge)
        log_proba = model.predict_log_proba(huge)
    assert np.all(np.isfinite(log_proba))
    assert np.all((proba >= 0) & (proba <= 1))


def test_integer_sample_weights_equal_repeated_rows(cancer):
    X, y = cancer
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    # Fitted well below the comparison's rtol: at the default tol the two
    # optima agree only to the solver's stopping error (3e-8 here).
    weighted = LogisticRegression(C=0.5, tol=1e-12).fit(X, y, sample_weight=counts)
    repeated = LogisticRegression(C=0.5, tol=1e-12).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-8)


def test_class_weight_equals_the_matching_sample_weight(cancer):
    X, y = cancer
    by_class = LogisticRegression(class_weight={0: 3.0, 1: 0.5}).fit(X, y)
    by_sample = LogisticRegression().fit(X, y, sample_weight=np.where(y == 0, 3.0, 0.5))
    np.testing.assert_allclose(by_class.coef_, by_sample.coef_, rtol=1e-10)
    balanced = LogisticRegression(class_weight="balanced").fit(X, y)
    counts = np.bincount(y)
    weights = (len(y) / (2 * counts))[y]
    by_sample = LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(balanced.coef_, by_sample.coef_, rtol=1e-10)


def test_intercept_equals_an_unpenalised_column_of_ones():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + 0.7 + rng.logistic(size=300) > 0).astype(int)
    with_intercept = LogisticRegression(C=np.inf).fit(X, y)
    explicit = LogisticRegression(C=np.inf, fit_intercept=False).fit(
        np.column_stack([X, np.ones(300)]), y
    )
    np.testing.assert_allclose(explicit.coef_[0, :-1], with_intercept.coef_[0], rtol=1e-9)
    np.testing.assert_allclose(explicit.coef_[0, -1], with_intercept.intercept_[0], rtol=1e-9)
    assert np.all(explicit.intercept_ == 0)


def test_no_intercept_means_a_zero_intercept(cancer):
    X, y = cancer
    model = LogisticRegression(fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, [0.0])
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_.ravel(), rtol=1e-13)


def test_sparse_input_equals_dense(cancer):
    X, y = cancer
    # The same solver on both: "auto" may choose differently for sparse X.
    dense = LogisticRegression(solver="newton").fit(X, y)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = LogisticRegression(solver="newton").fit(fmt(X), y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10)
        np.testing.assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X), rtol=1e-10)


def test_float32_input_is_fitted_in_float32_to_float32_accuracy(cancer):
    X, y = cancer
    model64 = LogisticRegression().fit(X, y)
    model32 = LogisticRegression().fit(X.astype(np.float32), y)
    assert model32.coef_.dtype == np.float32
    np.testing.assert_allclose(model32.coef_, model64.coef_, rtol=1e-3, atol=1e-4)


def test_warm_start_continues_from_the_previous_coefficients(cancer):
    X, y = cancer
    model = LogisticRegression(C=0.5, warm_start=True).fit(X, y)
    first = model.n_iter_[0]
    model.set_params(C=0.6).fit(X, y)
    assert model.n_iter_[0] < first
    cold = LogisticRegression(C=0.6).fit(X, y)
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=1e-7)


def test_random_start_reaches_the_same_optimum(cancer):
    X, y = cancer
    zero = LogisticRegression().fit(X, y)
    random = LogisticRegression(random_state=0).fit(X, y)
    np.testing.assert_allclose(random.coef_, zero.coef_, rtol=1e-7)


def test_feature_names_come_from_dataframes(cancer):
    pd = pytest.importorskip("pandas")
    data = load_breast_cancer(as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(data.data, data.target)
    direct = LogisticRegression(solver="newton", C=0.01).fit(data.data / 1000, data.target)
    np.testing.assert_array_equal(direct.feature_names_in_, data.data.columns.to_numpy())
    assert isinstance(data.data, pd.DataFrame)


def test_works_inside_pipeline_and_grid_search(cancer):
    X, y = load_breast_cancer(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [0.01, 1.0]}, cv=3,
    ).fit(X, y)
    assert search.best_params_["logisticregression__C"] in (0.01, 1.0)
    assert search.score(X, y) > 0.95


def test_verbose_prints_the_cost_each_iteration(cancer, capsys):
    X, y = cancer
    model = LogisticRegression(verbose=1).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "cost" in line]
    assert len(lines) == model.n_iter_[0]


def test_perfect_separation_without_penalty_ends_with_a_warning():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with pytest.warns(PerfectSeparationWarning, match="grow without bound"):
        model = LogisticRegression(C=np.inf).fit(X, y)
    assert model.score(X, y) == 1.0
    # with a penalty the optimum exists: no warning (filterwarnings=error)
    LogisticRegression(C=1.0).fit(X, y)
