"""Helpers shared by the test layers: finite differences, seeded objectives
and scikit-learn's cost of a fitted model.

Imported as ``from tests.helpers import ...``; ``tests/conftest.py`` holds
the fixtures. Everything here is seeded, so the same arguments give the same
numbers in every test that uses them.
"""

from __future__ import annotations

import hashlib
import json
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from logitron import LogisticRegression
from logitron.objective import LogisticObjective
from tests.problems import get_problem

#: The storages the blocked data passes run on, from a dense array.
STORAGES: dict[str, Callable[[np.ndarray], Any]] = {
    "C": lambda X: np.ascontiguousarray(X),
    "F": lambda X: np.asfortranarray(X),
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
}


def five_point_derivative(
    function: Callable[..., Any], x: Any, direction: Any = 1.0, h: float = 1e-3
) -> Any:
    """``d/dt function(x + t * direction)`` at ``t = 0``, error O(h^4).

    The central 5-point stencil::

        (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / (12 h),   f(t) = function(x + t * direction)

    With the default ``direction = 1`` it is the elementwise derivative of a
    pointwise function at ``x``; ``function`` may return an array.
    """
    values = [function(x + k * h * direction) for k in (-2, -1, 1, 2)]
    return (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)


def numeric_gradient(
    function: Callable[..., Any], theta: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    """Gradient of a scalar ``function`` at ``theta``: ``five_point_derivative``
    along each coordinate axis in turn."""
    identity = np.eye(len(theta))
    return np.array(
        [five_point_derivative(function, theta, identity[j], h) for j in range(len(theta))]
    )


def half_zero_normal(
    rng: np.random.Generator, n_samples: int = 700, n_features: int = 9
) -> np.ndarray:
    """Standard normal entries, about half of them set to zero, so that the
    sparse forms of the matrix are sparse (drawn from ``rng``)."""
    X = rng.standard_normal((n_samples, n_features))
    X[rng.random(X.shape) < 0.5] = 0.0
    return X


class ObjectiveCase(NamedTuple):
    """An objective and the data it was built from (``rng`` continues the draw)."""

    objective: LogisticObjective
    X: Any
    y: np.ndarray
    sample_weight: np.ndarray
    rng: np.random.Generator


def make_objective(
    X: Any = None,
    y: Any = None,
    *,
    n_classes: int = 2,
    n_samples: int = 40,
    n_features: int = 5,
    sparse: bool = False,
    storage: str | None = None,
    dtype: Any = None,
    weighted: bool = True,
    weight_range: tuple[float, float] = (0.2, 3.0),
    sample_weight: Any = None,
    fit_intercept: bool = True,
    C: float = 0.7,
    l1_ratio: float = 0.0,
    seed: int = 0,
) -> ObjectiveCase:
    """A ``LogisticObjective`` (``from_arrays``) on given or seeded data.

    What is not given is drawn from ``np.random.default_rng(seed)``, in
    this order::

        X       rng.normal(size=(n_samples, n_features)); with ``sparse``,
                entries where rng.random(X.shape) < 0.6 set to 0 and CSR
        y       rng.integers(0, n_classes, size=n)
        weight  rng.uniform(*weight_range, size=n) if weighted else ones(n)

    A given ``y`` holds labels, encoded by ``np.unique`` (their count is
    the number of classes); a given ``sample_weight`` is used as it is.
    ``dtype`` then ``storage`` (a key of ``STORAGES``) recast ``X`` before
    the objective is built; the returned ``X`` is the recast one.
    """
    rng = np.random.default_rng(seed)
    if X is None:
        X = rng.normal(size=(n_samples, n_features))
        if sparse:
            X[rng.random(X.shape) < 0.6] = 0.0
            X = sp.csr_matrix(X)
    if dtype is not None:
        X = X.astype(dtype)
    if storage is not None:
        X = STORAGES[storage](X)
    n = X.shape[0]
    if y is None:
        y = rng.integers(0, n_classes, size=n)
        y_index = y
    else:
        classes, y_index = np.unique(y, return_inverse=True)
        n_classes = len(classes)
    if sample_weight is None:
        sample_weight = rng.uniform(*weight_range, size=n) if weighted else np.ones(n)
    objective = LogisticObjective.from_arrays(
        X, y_index.astype(np.float64), n_classes, sample_weight,
        fit_intercept=fit_intercept, C=C, l1_ratio=l1_ratio,
    )
    return ObjectiveCase(objective, X, y, sample_weight, rng)


def theta_of(model: Any) -> np.ndarray:
    """theta of a fitted binary or softmax model: rows ``[coef_k | intercept_k]``."""
    return np.hstack([np.atleast_2d(model.coef_), np.asarray(model.intercept_)[:, None]]).ravel()


def sklearn_cost(
    model: Any,
    X: Any,
    y: np.ndarray,
    C: float,
    l1_ratio: float = 0.0,
    sample_weight: Any = None,
) -> float:
    """scikit-learn's objective at a fitted model's coefficients::

        C * sum(s * logloss) + (1 - r)/2 ||coef||^2 + r ||coef||_1

    with the log-loss from the model's own ``predict_log_proba``."""
    log_proba = model.predict_log_proba(X)
    index = np.searchsorted(model.classes_, y)
    losses = -log_proba[np.arange(len(y)), index]
    weight = np.ones(len(y)) if sample_weight is None else sample_weight
    coef = model.coef_
    return float(
        C * np.dot(weight, losses)
        + 0.5 * (1 - l1_ratio) * np.sum(coef**2)
        + l1_ratio * np.sum(np.abs(coef))
    )


def resign_model_file(path: Any, change: Any) -> None:
    """Edit a model file's JSON with ``change(document)`` and re-sign it by
    the documented rule (the SHA-256 of the canonical JSON without its
    digest), as a deliberate forger would: only the field checks stand in
    the way."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    change(document)
    document.pop("sha256", None)
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    document["sha256"] = hashlib.sha256(canonical.encode("ascii")).hexdigest()
    Path(path).write_text(json.dumps(document), encoding="utf-8")


def sparse_truth_problem(
    n_samples: int = 300, n_features: int = 12, n_classes: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features, labels driven by the first 4 only."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    truth = np.zeros((n_features, n_classes))
    truth[:4] = rng.standard_normal((4, n_classes)) * 2
    raw = X @ truth + rng.gumbel(size=(n_samples, n_classes))
    y = raw.argmax(axis=1)
    return X, y


def peak_memory_beyond_X(name: str) -> float:
    """Peak traced bytes of a fit of the named problem (``tests.problems``)
    over the bytes of its X, as the benchmark suite measures it: one thread,
    after a warm-up fit, the estimator made inside."""
    problem = get_problem(name)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LogisticRegression(C=problem.C).fit(problem.X, problem.y)
        tracemalloc.start()
        try:
            LogisticRegression(C=problem.C).fit(problem.X, problem.y)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak / problem.X.nbytes
