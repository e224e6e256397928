"""Constraint generation in the separation programs (``separation_lp.cone_program``):
solving over a subset of the rows and adding the violated ones gives the
whole program's verdict and optimum, checked against HiGHS over every row."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.optimize import linprog

from logitron.inference import separation_lp
from logitron.inference.infinite import infinite_directions
from logitron.inference.separation import diagnose_separation
from logitron.inference.separation_lp import cone_program, margin_matrix, scaled_design


def separated_data(kind: str, seed: int, n: int = 900):
    """Rows of 4 features: completely or quasi-completely separated,
    overlapping, or three classes with one pair separated."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    if kind == "complete":
        y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    elif kind == "quasi":
        X[:, 3] = (rng.random(n) < 0.2).astype(float)
        y = np.where(X[:, 3] == 1, 1, (X[:, 0] + rng.standard_normal(n) > 0).astype(int))
    elif kind == "overlap":
        y = (X[:, 0] + rng.standard_normal(n) > 0).astype(int)
    else:  # softmax: class 2 exactly where x4 > 1
        y = (X[:, 0] + rng.standard_normal(n) > 0).astype(int)
        y[X[:, 3] > 1.0] = 2
    return X, y


def constraints_of(X, y):
    design = scaled_design(X, np.arange(len(y)), True)
    constraints, _, _ = margin_matrix(design, y, int(y.max()) + 1)
    return constraints


@pytest.fixture
def small_subsets(monkeypatch):
    """Constraint generation from a dozen rows on, so rounds happen."""
    monkeypatch.setattr(separation_lp, "ROW_GENERATION_MIN_ROWS", 0)
    monkeypatch.setattr(separation_lp, "ROW_GENERATION_ROWS_PER_VARIABLE", 2)


@pytest.mark.usefixtures("small_subsets")
@pytest.mark.parametrize("kind", ["complete", "quasi", "overlap", "softmax"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_program_matches_highs_over_every_row(kind, seed):
    constraints = constraints_of(*separated_data(kind, seed))
    n_vars = constraints.shape[1]
    rng = np.random.default_rng(seed)
    box: list[tuple[float | None, float | None]] = [(-1.0, 1.0)] * n_vars
    free: list[tuple[float | None, float | None]] = [(None, None)] * n_vars
    allowed = rng.random(n_vars) < 0.7
    programs = [
        (-np.asarray(constraints.sum(axis=0)).ravel(), 0.0, box),  # any separation
        (rng.standard_normal(n_vars), 0.0, box),  # a direction's extreme in the cone
        (np.zeros(n_vars), 1.0, free),  # complete?
        (np.zeros(n_vars), 1.0, [free[0] if a else (0.0, 0.0) for a in allowed]),
    ]
    for objective, lower, bounds in programs:
        whole = linprog(
            objective, A_ub=-constraints, b_ub=np.full(constraints.shape[0], -lower),
            bounds=bounds, method="highs",
        )
        found = cone_program(objective, constraints, lower, bounds)
        assert (found is not None) == (whole.status == 0)
        if found is None:
            continue
        # Feasible for every row, and as good as the whole program's optimum.
        assert (constraints @ found).min() >= lower - 1e-7
        assert objective @ found == pytest.approx(whole.fun, abs=1e-7)


@pytest.mark.parametrize("kind", ["complete", "quasi", "overlap", "softmax"])
def test_the_diagnosis_is_the_same_with_and_without_generation(kind, monkeypatch):
    X, y = separated_data(kind, 4)
    n_classes = int(y.max()) + 1
    names, classes = ["a", "b", "c", "d"], [str(k) for k in range(n_classes)]
    weight = np.ones(len(y))
    results = []
    for min_rows in (10**9, 0):
        monkeypatch.setattr(separation_lp, "ROW_GENERATION_MIN_ROWS", min_rows)
        monkeypatch.setattr(separation_lp, "ROW_GENERATION_ROWS_PER_VARIABLE", 2)
        results.append((
            diagnose_separation(
                X, y, weight, fit_intercept=True, feature_names=names, class_names=classes
            ),
            infinite_directions(X, y, weight, fit_intercept=True, n_classes=n_classes),
        ))
    (message, directions), (generated_message, generated_directions) = results
    assert generated_message == message
    # The observations some direction of the cone separates, by construction:
    # the rows with x4 = 1 (quasi), every row (three classes: class 2 against
    # the others along x4 - 1, which is never 0).
    counted = re.findall(r"separates (\d+) of", message)
    expected = {"quasi": [str(int(X[:, 3].sum()))], "softmax": [str(len(y))]}
    assert counted == expected.get(kind, [])
    assert bool(message) == (kind != "overlap")
    np.testing.assert_array_equal(generated_directions, directions)


@pytest.mark.usefixtures("small_subsets")
def test_a_subset_that_fails_numerically_hands_over_to_every_row(monkeypatch):
    # HiGHS's status 4 (numerical difficulties) on a subset says nothing of
    # the whole program, unlike infeasibility: the whole program decides.
    constraints = constraints_of(*separated_data("complete", 0))
    n_rows, n_vars = constraints.shape
    solve = separation_lp._solve
    sizes = []

    def troubled(objective, subset, lower, bounds):
        sizes.append(subset.shape[0])
        if subset.shape[0] < n_rows:
            return None, 4
        return solve(objective, subset, lower, bounds)

    monkeypatch.setattr(separation_lp, "_solve", troubled)
    found = cone_program(np.zeros(n_vars), constraints, 1.0, [(None, None)] * n_vars)
    assert found is not None  # completely separated
    assert (constraints @ found).min() >= 1.0 - 1e-7
    assert sizes[0] < n_rows
    assert sizes[-1] == n_rows


def test_the_support_is_read_off_blocks_of_rows_as_off_all(monkeypatch):
    # cone_support factors the rows at margin 0 block by block (a dense copy
    # of one block at a time): 20 rows a block gives the Gram, hence the row
    # space and singular values, of the rows at once, and the same support.
    X, y = separated_data("softmax", 2)
    constraints = constraints_of(X, y)
    every_row = np.arange(constraints.shape[0])
    whole = separation_lp._triangular_factor(constraints, every_row)
    monkeypatch.setattr(separation_lp, "_QR_BLOCK_BYTES", 8 * constraints.shape[1] * 20)
    blocked = separation_lp._triangular_factor(constraints, every_row)
    dense = constraints.toarray()
    np.testing.assert_allclose(blocked.T @ blocked, dense.T @ dense, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(whole.T @ whole, dense.T @ dense, rtol=1e-10, atol=1e-9)
    start = separation_lp.max_total_margin(constraints)
    assert start is not None
    widest, found = separation_lp.widest_direction(constraints, start)
    assert found
    support = separation_lp.cone_support(constraints, widest)
    monkeypatch.setattr(separation_lp, "_QR_BLOCK_BYTES", 2**21)
    np.testing.assert_array_equal(support, separation_lp.cone_support(constraints, widest))
    assert 0 < support.sum() < len(support)


def test_the_widest_direction_stops_when_no_row_leaves_margin_zero(monkeypatch):
    # A positive total margin spread over many rows, each within the
    # threshold (rounding in HiGHS's answer), separates no row: the search
    # ends there, unfinished, instead of solving one program per row.
    X, y = separated_data("quasi", 0)
    constraints = constraints_of(X, y)
    start = separation_lp.max_total_margin(constraints)
    assert start is not None
    left = constraints @ (start / np.max(np.abs(start))) <= separation_lp.MARGIN_THRESHOLD
    calls = []

    def within_rounding(objective, matrix, lower, bounds):
        calls.append(1)
        # A point whose margin on every left row is a third of the threshold.
        point, *_ = np.linalg.lstsq(
            matrix[left].toarray(), np.full(int(left.sum()), 1e-6 / 3), rcond=None
        )
        return point

    monkeypatch.setattr(separation_lp, "cone_program", within_rounding)
    _, found = separation_lp.widest_direction(constraints, start, max_programs=None)
    assert not found
    assert len(calls) <= 2


def _margins_by_definition(X, y, n_classes, fit_intercept):
    """``A`` row by row, with each row's observation and class pair: for
    each own class, each other class, each row of the own class in order,
    ``+x~`` in the own class's block and ``-x~`` in the other's (class 0 has
    none), on columns scaled to max|x| = 1."""
    design = np.column_stack([X, np.ones(len(X))]) if fit_intercept else np.array(X)
    largest = np.abs(design).max(axis=0)
    design = design / np.where(largest == 0, 1.0, largest)
    width = design.shape[1]
    rows, observations, pairs = [], [], []
    for own in range(n_classes):
        for other in range(n_classes):
            for i in np.flatnonzero(y == own) if other != own else []:
                row = np.zeros((n_classes - 1) * width)
                if own > 0:
                    row[(own - 1) * width : own * width] += design[i]
                if other > 0:
                    row[(other - 1) * width : other * width] -= design[i]
                rows.append(row)
                observations.append(i)
                pairs.append((own, other))
    return np.array(rows), np.array(observations), np.array(pairs)


@pytest.mark.parametrize("zeros", [False, True])
@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_margin_matrix_is_its_definition(zeros, sparse_input, fit_intercept):
    # The design and A are written straight into their arrays (no stacked
    # sparse copies: 50,000 x 20, four classes, peaked at 17.6x X, now 11x).
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 3)) * [1.0, 5.0, 0.1]
    if zeros:
        X[rng.random(X.shape) < 0.3] = 0.0
        X[:, 1] = 0.0
    y = rng.integers(0, 3, 40)
    design = scaled_design(sp.csr_matrix(X) if sparse_input else X, np.arange(40), fit_intercept)
    matrix, observations, pairs = margin_matrix(design, y, 3)
    expected, expected_observations, expected_pairs = _margins_by_definition(
        X, y, 3, fit_intercept
    )
    np.testing.assert_allclose(matrix.toarray(), expected, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(observations, expected_observations)
    np.testing.assert_array_equal(pairs, expected_pairs)
    assert matrix.nnz == np.count_nonzero(expected)  # no stored zeros
    assert matrix.has_canonical_format  # sorted columns in each row, no duplicates
