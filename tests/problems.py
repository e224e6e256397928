"""Named logistic-regression problems shared by the tests and the benchmarks.

A problem is data plus the penalty it is fitted with: ``X`` (dense NumPy or
scipy.sparse CSR), integer labels ``y`` and ``C`` (``np.inf`` = no penalty,
used only where the unpenalised optimum exists). Every generator is seeded,
so a name always means the same numbers.

``BENCHMARK_PROBLEMS`` holds the matrix of the speed benchmark (sizes as the
project's benchmark issue lists them); ``SMALL_PROBLEMS`` holds small
versions of each kind, quick enough for every solver in the test suite.

How labels are drawn: ``z = X @ w + b`` for a seeded ``w``, then
``y ~ Bernoulli(sigmoid(z))`` (or ``Categorical(softmax(z))``), so the
classes overlap and the maximum-likelihood estimate exists when ``n >> d``;
``signal`` scales ``z`` (a large signal makes the set nearly separable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Problem:
    """One fitting task: data, labels and the penalty strength ``C``."""

    name: str
    X: Any
    y: np.ndarray
    C: float
    description: str

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y))

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.X)

    def with_X(self, X: Any, suffix: str) -> Problem:
        """The same labels and penalty on another storage of ``X``."""
        return Problem(f"{self.name}-{suffix}", X, self.y, self.C, self.description)


# -- data generators ----------------------------------------------------------


def _labels(raw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw labels from the logistic (one column) or softmax (K columns) model."""
    if raw.ndim == 1:
        return (rng.random(len(raw)) < 1 / (1 + np.exp(-raw))).astype(np.int64)
    proba = np.exp(raw - raw.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(proba, axis=1)
    draws = rng.random((len(raw), 1))
    return np.minimum((draws > cumulative).sum(axis=1), raw.shape[1] - 1)


def _true_weights(
    rng: np.random.Generator, n_features: int, n_classes: int, signal: float
) -> tuple[np.ndarray, np.ndarray]:
    # Unit-variance features and N(0, 1/d) weights give z of standard deviation
    # `signal` whatever d is.
    shape = (n_features,) if n_classes == 2 else (n_features, n_classes)
    coef = rng.standard_normal(shape) * signal / np.sqrt(n_features)
    intercept = 0.5 * rng.standard_normal(shape[1:])
    return coef, intercept


@lru_cache(maxsize=16)
def dense_data(
    n_samples: int,
    n_features: int,
    *,
    n_classes: int = 2,
    signal: float = 2.0,
    log10_scale: float = 0.0,
    intercept_shift: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features, labels from a logistic/softmax model.

    With ``log10_scale = s`` the columns are multiplied by
    ``logspace(-s, s, d)`` (unscaled features), the true weights divided by
    the same factors so the labels do not change. ``intercept_shift`` is
    added to the true intercept (negative: a rare class 1).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    coef, intercept = _true_weights(rng, n_features, n_classes, signal)
    y = _labels(X @ coef + intercept + intercept_shift, rng)
    if log10_scale:
        X *= np.logspace(-log10_scale, log10_scale, n_features)
    return X, y


@lru_cache(maxsize=4)
def sparse_data(
    n_samples: int,
    n_features: int,
    density: float,
    *,
    signal: float = 2.0,
    seed: int = 0,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """CSR features with Gaussian non-zeros at the given density."""
    rng = np.random.default_rng(seed)
    X = sp.random(
        n_samples, n_features, density=density, format="csr", dtype=np.float64,
        random_state=rng, data_rvs=rng.standard_normal,
    )
    nnz_per_row = max(density * n_features, 1.0)
    coef = rng.standard_normal(n_features) * signal / np.sqrt(nnz_per_row)
    y = _labels(np.asarray(X @ coef) + 0.5, rng)
    return X, y


@lru_cache(maxsize=1)
def breast_cancer_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's copy of the Wisconsin breast-cancer set, standardised."""
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@lru_cache(maxsize=2)
def collinear_data(
    n_samples: int, n_features: int, noise: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Columns ``f + noise * e_j`` around one shared Gaussian factor ``f``:
    a Hessian whose condition (about ``1 / noise**2``) no column scaling
    improves. Labels from ``z = (X - f) @ w - f``, ``w`` growing as
    ``1 / noise`` so that the small differences carry the signal."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal((n_samples, 1))
    X = factor + noise * rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal(n_features) * 2 / np.sqrt(n_features) / max(noise, 0.05)
    raw = (X - factor) @ coef - factor[:, 0]
    return X, _labels(raw, rng)


@lru_cache(maxsize=1)
def digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8 x 8 handwritten digits (1,797 x 64, 10 classes),
    standardised (the constant border pixels stay zero)."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- the named problems -------------------------------------------------------

ProblemFactory = Callable[[], Problem]


def rare_level_in_one_class(
    n_classes: int, seed: int = 0, n: int = 300
) -> tuple[Any, np.ndarray]:
    """Ten continuous features and a categorical one in four dummies whose
    rarest level (2% of rows, ``rare``) occurs in one class only: the usual
    quasi-complete separation."""
    rng = np.random.default_rng(seed)
    continuous = rng.standard_normal((n, 10))
    level = rng.choice(5, size=n, p=[0.4, 0.3, 0.2, 0.08, 0.02])
    X = pd.DataFrame(continuous, columns=[f"c{j}" for j in range(10)])
    for k, name in enumerate(["b", "c", "d", "rare"], start=1):
        X[name] = (level == k).astype(float)
    z = continuous[:, 0] - 0.5 * continuous[:, 1] + 0.5 * X["b"].to_numpy()
    if n_classes == 2:
        y = (z + rng.logistic(size=n) > 0).astype(int)
    else:
        gumbel = rng.gumbel(size=(n, 3))
        y = np.argmax(np.column_stack([np.zeros(n), z, -z]) + gumbel, axis=1)
    y[level == 4] = n_classes - 1
    return X, y


def _dense(
    name: str, n: int, d: int, C: float, description: str,
    dtype: type = np.float64, **kwargs: Any,
) -> tuple[str, ProblemFactory]:
    def make() -> Problem:
        X, y = dense_data(n, d, **kwargs)
        return Problem(name, X.astype(dtype, copy=False), y, C, description)

    return name, make


def _sparse(
    name: str, n: int, d: int, density: float, C: float, description: str
) -> tuple[str, ProblemFactory]:
    def make() -> Problem:
        X, y = sparse_data(n, d, density)
        return Problem(name, X, y, C, description)

    return name, make


def _breast_cancer(name: str, C: float) -> tuple[str, ProblemFactory]:
    def make() -> Problem:
        X, y = breast_cancer_data()
        return Problem(name, X, y, C, "breast_cancer 569 x 30, standardised")

    return name, make


def _digits(name: str, C: float) -> tuple[str, ProblemFactory]:
    def make() -> Problem:
        X, y = digits_data()
        return Problem(name, X, y, C, "digits 1,797 x 64, standardised, 10 classes")

    return name, make


def _collinear(name: str, C: float) -> tuple[str, ProblemFactory]:
    def make() -> Problem:
        X, y = collinear_data(20_000, 50, 0.01)
        return Problem(name, X, y, C, "dense 20,000 x 50, nearly collinear columns")

    return name, make


INF = np.inf

BENCHMARK_PROBLEMS: dict[str, ProblemFactory] = dict(
    [
        _dense("dense-100kx20", 100_000, 20, 1.0, "dense 100,000 x 20"),
        _dense("dense-100kx20-noreg", 100_000, 20, INF, "dense 100,000 x 20"),
        _dense("dense-200kx100", 200_000, 100, 1.0, "dense 200,000 x 100"),
        _dense("dense-200kx100-noreg", 200_000, 100, INF, "dense 200,000 x 100"),
        _dense(
            "dense-200kx100-f32", 200_000, 100, 1.0, "dense 200,000 x 100, float32",
            dtype=np.float32,
        ),
        _dense("dense-20kx1000", 20_000, 1_000, 1.0, "dense 20,000 x 1,000"),
        _dense("dense-20kx1000-noreg", 20_000, 1_000, INF, "dense 20,000 x 1,000"),
        _dense("wide-2kx5000", 2_000, 5_000, 1.0, "dense 2,000 x 5,000 (d > n)"),
        _sparse(
            "sparse-100kx20k", 100_000, 20_000, 0.001, 1.0,
            "CSR 100,000 x 20,000 at 0.1% density",
        ),
        _dense(
            "unscaled-50kx20", 50_000, 20, 1.0,
            "dense 50,000 x 20, column scales 1e-3 .. 1e3", log10_scale=3.0,
        ),
        _dense(
            "unscaled-50kx20-noreg", 50_000, 20, INF,
            "dense 50,000 x 20, column scales 1e-3 .. 1e3", log10_scale=3.0,
        ),
        _dense(
            "nearsep-20kx20", 20_000, 20, 1.0,
            "dense 20,000 x 20, nearly separable (|z| ~ 15)", signal=15.0,
        ),
        _dense(
            "nearsep-20kx20-noreg", 20_000, 20, INF,
            "dense 20,000 x 20, nearly separable (|z| ~ 15)", signal=15.0,
        ),
        _dense(
            "softmax-50kx50-K5", 50_000, 50, 1.0, "dense 50,000 x 50, 5 classes",
            n_classes=5,
        ),
        _breast_cancer("breast_cancer", 1.0),
        # Mid-sized, ill-conditioned and tiny problems (issue 18): where one
        # Newton step costs milliseconds or less, and per-call overhead counts.
        # digits is separable, so it has no unpenalised row.
        _digits("digits-softmax", 1.0),
        _dense(
            "unscaled-20kx50", 20_000, 50, 1.0,
            "dense 20,000 x 50, column scales 1e-3 .. 1e3", log10_scale=3.0,
        ),
        _dense(
            "unscaled-20kx50-noreg", 20_000, 50, INF,
            "dense 20,000 x 50, column scales 1e-3 .. 1e3", log10_scale=3.0,
        ),
        _collinear("collinear-20kx50", 1.0),
        _collinear("collinear-20kx50-noreg", INF),
        # A rare class, as in fraud, disease or click data (every row above is
        # near balance): 2.4% of the labels are 1.
        _dense(
            "rare-20kx50", 20_000, 50, 1.0, "dense 20,000 x 50, 2.4% in class 1",
            intercept_shift=-5.5,
        ),
        _dense(
            "rare-20kx50-noreg", 20_000, 50, INF, "dense 20,000 x 50, 2.4% in class 1",
            intercept_shift=-5.5,
        ),
        _dense("tiny-32x3", 32, 3, 1.0, "dense 32 x 3", signal=1.0),
        _dense("tiny-32x3-noreg", 32, 3, INF, "dense 32 x 3", signal=1.0),
    ]
)

SMALL_PROBLEMS: dict[str, ProblemFactory] = dict(
    [
        _dense("small-dense", 300, 8, 1.0, "dense 300 x 8"),
        _dense("small-dense-noreg", 300, 8, INF, "dense 300 x 8"),
        _dense("small-wide", 60, 120, 1.0, "dense 60 x 120 (d > n)"),
        _sparse("small-sparse", 400, 60, 0.08, 1.0, "CSR 400 x 60 at 8% density"),
        _dense(
            "small-unscaled", 300, 6, 1.0, "dense 300 x 6, scales 1e-3 .. 1e3",
            log10_scale=3.0,
        ),
        _dense(
            "small-unscaled-noreg", 300, 6, INF, "dense 300 x 6, scales 1e-3 .. 1e3",
            log10_scale=3.0,
        ),
        _dense(
            "small-nearsep", 400, 5, 1.0, "dense 400 x 5, nearly separable",
            signal=15.0,
        ),
        _dense(
            "small-softmax", 300, 6, 1.0, "dense 300 x 6, 4 classes", n_classes=4
        ),
        _dense(
            "small-softmax-noreg", 300, 6, INF, "dense 300 x 6, 4 classes",
            n_classes=4,
        ),
        _breast_cancer("breast_cancer", 1.0),
    ]
)


def get_problem(name: str) -> Problem:
    """The named problem from either registry."""
    factory = BENCHMARK_PROBLEMS.get(name) or SMALL_PROBLEMS.get(name)
    if factory is None:
        known = sorted({*BENCHMARK_PROBLEMS, *SMALL_PROBLEMS})
        raise KeyError(f"unknown problem {name!r}; known problems: {known}")
    return factory()
