"""Extreme scales of X and of the sample weights (issue 14, items 2-4).

Scaling a column by ``s`` is a linear reparametrisation: the optimum is the
unscaled one with the coefficient divided by ``s`` (and its standard error
too). The reference is statsmodels' ``Logit`` on the unscaled data; with a
penalty, scikit-learn on the unscaled data with the equivalent ``C``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from logitron import LogisticRegression, _scaling, load, save
from logitron._scaling import column_max_abs, scale_columns


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture(scope="module")
def statsmodels_fit(data):
    X, y = data
    return sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)


def _coef(model) -> np.ndarray:
    return np.concatenate([model.intercept_, model.coef_.ravel()])


@pytest.mark.parametrize("scale", [1e160, 1e300, 1e-300, 1e-200])
def test_all_columns_scaled_reach_the_unpenalised_optimum(data, statsmodels_fit, scale):
    X, y = data
    model = LogisticRegression(C=np.inf).fit(X * scale, y)
    expected = statsmodels_fit.params.copy()
    expected[1:] /= scale
    np.testing.assert_allclose(_coef(model), expected, rtol=1e-7)
    summary = model.summary()
    bse = statsmodels_fit.bse.copy()
    bse[1:] /= scale
    np.testing.assert_allclose(summary.bse, bse, rtol=1e-6)
    np.testing.assert_allclose(summary.pvalues, statsmodels_fit.pvalues, rtol=1e-5)
    np.testing.assert_allclose(summary.fit.aic, statsmodels_fit.aic, rtol=1e-10)


def test_robust_errors_survive_the_rescaling(data):
    X, y = data
    robust = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, cov_type="HC0")
    summary = LogisticRegression(C=np.inf).fit(X * 1e160, y).summary(cov_type="HC0")
    bse = robust.bse.copy()
    bse[1:] /= 1e160
    np.testing.assert_allclose(summary.bse, bse, rtol=1e-6)


def test_one_huge_column_without_penalty(data, statsmodels_fit):
    X, y = data
    wide = X.copy()
    wide[:, 0] *= 1e200
    model = LogisticRegression(C=np.inf).fit(wide, y)
    expected = statsmodels_fit.params.copy()
    expected[1] /= 1e200
    np.testing.assert_allclose(_coef(model), expected, rtol=1e-7)


def test_one_huge_column_with_a_penalty_is_refused(data):
    X, y = data
    wide = X.copy()
    wide[:, 0] *= 1e200
    with pytest.raises(ValueError, match=r"span too many orders of magnitude.*StandardScaler"):
        LogisticRegression(C=1.0).fit(wide, y)


def test_penalised_huge_scale_equals_sklearn_with_the_equivalent_C(data):
    # X * s with penalty C is the unscaled problem with penalty C * s**2
    # (module doc of logitron._scaling): s = 2**515, C = 2**-1020 give 2**10.
    X, y = data
    scale = 2.0**515
    model = LogisticRegression(C=2.0**-1020).fit(X * scale, y)
    theirs = SklearnLogisticRegression(C=2.0**10, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(model.coef_ * scale, theirs.coef_, rtol=1e-5)
    np.testing.assert_allclose(model.intercept_, theirs.intercept_, rtol=1e-5)


def test_default_C_at_1e160_is_the_unpenalised_optimum(data, statsmodels_fit):
    # With C = 1 the penalty on coefficients of size 1e-160 is 1e-320 of the
    # loss: below its rounding, so the optimum is the unpenalised one.
    X, y = data
    model = LogisticRegression().fit(X * 1e160, y)
    expected = statsmodels_fit.params.copy()
    expected[1:] /= 1e160
    np.testing.assert_allclose(_coef(model), expected, rtol=1e-6)


@pytest.mark.parametrize("storage", ["csr", "csc", "float32"])
def test_sparse_and_float32_inputs(data, statsmodels_fit, storage):
    X, y = data
    if storage == "float32":
        # float32's range ends near 3e38: 1e30 already overflows X.T @ X.
        scale, X_scaled, rtol = 1e30, (X * 1e30).astype(np.float32), 2e-3
    else:
        scale, rtol = 1e160, 1e-7
        X_scaled = sp.csr_matrix(X * scale) if storage == "csr" else sp.csc_matrix(X * scale)
    model = LogisticRegression(C=np.inf).fit(X_scaled, y)
    expected = statsmodels_fit.params.copy()
    expected[1:] /= scale
    np.testing.assert_allclose(_coef(model).astype(np.float64), expected, rtol=rtol)


def test_huge_weights_fit_as_weights_one(data, statsmodels_fit):
    X, y = data
    weight = np.full(len(y), 1e308)
    model = LogisticRegression(C=np.inf).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(_coef(model), statsmodels_fit.params, rtol=1e-7)
    # Frequency weights of 1e308 make n = 569e308: the standard errors shrink
    # by sqrt(1e308); nobs itself is beyond a float.
    bse = model.summary().bse
    np.testing.assert_allclose(bse * 1e154, statsmodels_fit.bse, rtol=1e-6)


def test_tiny_weights_with_a_penalty_are_refused(data):
    # C * sum(weights) ~ 6e-318: rescaled to weights of size 1 the penalty
    # needs C' = 2**-1063, beyond a float's normal range; no faithful fit.
    X, y = data
    with pytest.raises(ValueError, match="too strong for the scales of X and of the"):
        LogisticRegression(C=1.0).fit(X, y, sample_weight=np.full(len(y), 1e-320))


def test_tiny_weights_with_a_moderate_penalty_equal_sklearn(data):
    # Weights 2**-200 with C = 2**190 are weights 1 with C = 2**-10.
    X, y = data
    weight = np.full(len(y), 2.0**-200)
    model = LogisticRegression(C=2.0**190).fit(X, y, sample_weight=weight)
    theirs = SklearnLogisticRegression(C=2.0**-10, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(model.coef_, theirs.coef_, rtol=1e-6)
    np.testing.assert_allclose(model.intercept_, theirs.intercept_, rtol=1e-6)


def test_warm_start_maps_the_previous_coefficients(data, statsmodels_fit):
    X, y = data
    model = LogisticRegression(C=np.inf, warm_start=True, solver="lbfgs")
    model.fit(X * 1e-300, y)
    model.fit(X * 1e-300, y)
    expected = statsmodels_fit.params.copy()
    expected[1:] /= 1e-300
    np.testing.assert_allclose(_coef(model), expected, rtol=1e-6)


def test_scale_columns_is_exact_for_every_storage():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3))
    exponent = np.array([-500, 0, 300])
    expected = X * np.exp2(exponent)
    np.testing.assert_array_equal(scale_columns(X, exponent), expected)
    for sparse in (sp.csr_matrix(X), sp.csc_matrix(X)):
        scaled = scale_columns(sparse, exponent)
        assert scaled.format == sparse.format
        np.testing.assert_array_equal(scaled.toarray(), expected)


def test_a_saved_rescaled_model_keeps_its_standard_errors(data, statsmodels_fit, tmp_path):
    X, y = data
    model = LogisticRegression(C=np.inf).fit(X * 1e160, y)
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    bse = statsmodels_fit.bse.copy()
    bse[1:] /= 1e160
    np.testing.assert_allclose(loaded.summary().bse, bse, rtol=1e-6)
    assert model.inference_ is not None
    np.testing.assert_array_equal(loaded.inference_.log2_scale, model.inference_.log2_scale)


@pytest.mark.parametrize("chunk", [1 << 18, 7])
@pytest.mark.parametrize("storage", ["dense", "float32", "csr", "csc", "coo", "csr32", "lil"])
def test_column_sizes_are_the_largest_absolute_values(storage, chunk, monkeypatch):
    # From column maxima and minima (no abs(X) copy): a column of negative
    # values, one of zeros and one of mixed signs, dense and sparse (sparse
    # from the stored entries, in chunks: here also of 7 entries, so that
    # chunks end inside and between columns).
    monkeypatch.setattr(_scaling, "_SPARSE_CHUNK", chunk)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((40, 6)) * [1.0, 1e3, 1e-3, 5.0, 2.0, 3.0]
    X[:, 3] = -np.abs(X[:, 3])
    X[:, 1] = 0.0
    X[:, 4] = 0.0
    X[rng.random(X.shape) < 0.3] = 0.0
    stored = {
        "dense": X, "float32": X.astype(np.float32),
        "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X), "coo": sp.coo_matrix(X),
        "csr32": sp.csr_matrix(X.astype(np.float32)), "lil": sp.lil_matrix(X),
    }[storage]
    dense = stored.toarray() if sp.issparse(stored) else stored
    np.testing.assert_array_equal(
        column_max_abs(stored), np.max(np.abs(dense), axis=0).astype(np.float64)
    )


@pytest.mark.parametrize(
    ("shape", "order"),
    [((5000, 7), "C"), ((5003, 7), "C"), ((5003, 7), "F"), ((700, 4096), "C"), ((3, 2000), "C")],
)
def test_column_sizes_of_long_narrow_data(shape, order):
    # Narrow C-ordered rows are reduced as folded rows of k * d entries
    # (whole multiples of k rows, then the remainder): the extremes must be
    # every row's, wherever they sit, also in the last rows and in F order.
    rng = np.random.default_rng(5)
    X = np.asarray(rng.standard_normal(shape), order=order)
    X[-1, 0] = 50.0
    X[0, -1] = -60.0
    X[shape[0] // 2, 1] = -70.0
    np.testing.assert_array_equal(column_max_abs(X), np.max(np.abs(X), axis=0))
    assert column_max_abs(X)[0] == 50.0
    assert column_max_abs(X)[-1] == 60.0


def _plan_outcome(X, C, squares):
    """The plan's exponents (or its error's message) for ``X``."""
    names = [f"x{j + 1}" for j in range(X.shape[1])]
    try:
        rescaling = _scaling.plan(X, np.ones(len(X)), C, 0.0, names, squares)
    except ValueError as error:
        return str(error)
    return None if rescaling is None else (rescaling.column_exponent.tolist(), rescaling.C)


# Column sizes at and around the edges of the safe range [2**-16, 2**17), the
# float's limits, zero columns and values whose squares underflow.
_COLUMN_SCALES = [
    1.0, 2.0**-16, 2.0**-16 * 0.999, 2.0**-15, 2.0**17, 2.0**17 * 0.999, 2.0**16,
    1e-200, 1e-160, 1e150, 1e300, 0.0,
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("C", [1.0, np.inf])
@pytest.mark.parametrize("rows", [1, 50, 4000])
def test_plan_from_column_squares_equals_plan_from_exact_sizes(dtype, C, rows):
    # The sums of squares only bracket each column's size; the plan must
    # still take exactly the exponents (or raise exactly the error) that
    # the exact maxima give, for every column scale and combination.
    rng = np.random.default_rng(11)
    finite = np.finfo(dtype)
    tiny, top = float(finite.tiny), float(finite.max) / 10
    scales = [s for s in _COLUMN_SCALES if s == 0 or tiny <= s <= top]
    cases = [[s] for s in scales] + [[1.0, s] for s in scales] + [[s, 3.0, 0.0] for s in scales]
    for columns in cases:
        X = (rng.standard_normal((rows, len(columns))) * columns).astype(dtype)
        X[0] = np.asarray(columns, dtype=dtype)  # each column reaches its scale
        squares = _scaling.column_squares(X)
        if not np.all(np.isfinite(squares.sums)):
            continue  # the estimator validates such X in full instead
        assert _plan_outcome(X, C, squares) == _plan_outcome(X, C, None), columns


def test_column_squares_need_no_exact_maxima_for_standardised_data(monkeypatch):
    # The point of the sums: the usual fit reads X once for its sizes.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 30))
    y = (X[:, 0] + rng.standard_normal(2000) > 0).astype(int)
    monkeypatch.setattr(_scaling, "column_max_abs", _no_column_max_abs)
    for C in (1.0, np.inf):
        LogisticRegression(C=C).fit(X, y)


def _no_column_max_abs(X):
    raise AssertionError("the exact column maxima were computed")
