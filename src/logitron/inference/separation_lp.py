"""The linear programs behind the separation diagnostic.

Notation (see ``separation``): the constraint matrix ``A`` has one row
``a_ik`` per observation ``i`` (non-zero weight) and other class ``k``, with
``margin_ik(w) = a_ik @ w`` over the non-reference classes' coefficients
(class 0 is the reference, fixed at 0), on columns scaled to max|x| = 1.
The *recession cone* is ``{w : A @ w >= 0}``; separation means it holds a
``w`` with some margin > 0. All programs are solved by HiGHS through
``scipy.optimize.linprog``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .._numerics import FloatArray

# Margins are measured on columns scaled to max|x| = 1 with |w| <= 1, so a
# genuinely separated observation has a margin of order 1; HiGHS solves to
# a feasibility tolerance of 1e-7, far below this threshold.
MARGIN_THRESHOLD = 1e-6


def scaled_design(X: Any, rows: np.ndarray, fit_intercept: bool) -> sp.csr_matrix:
    """``[x | 1]`` on the weighted rows, each column scaled to max|x| = 1
    (all-zero columns stay zero, so they never enter a margin)."""
    design = sp.csr_matrix(X[rows], dtype=np.float64)
    if fit_intercept:
        design = sp.hstack([design, np.ones((len(rows), 1))], format="csr")
    largest = np.asarray(abs(design).max(axis=0).todense()).ravel()
    largest[largest == 0] = 1.0
    return sp.csr_matrix(design @ sp.diags(1.0 / largest))


def margin_matrix(
    design: sp.csr_matrix, labels: np.ndarray, n_classes: int
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``A`` with, per row, its observation and ``(own, other)`` class pair.

    Row ``a_ik`` holds ``+x~_i`` in the block of class ``y_i`` and ``-x~_i``
    in the block of class ``k`` (the reference class 0 has no block).
    """
    width = design.shape[1]
    positions = np.arange(design.shape[0])
    blocks, observations, pairs = [], [], []
    for own in range(n_classes):
        members = positions[labels == own]
        rows_of_class = design[members]
        for other in range(n_classes):
            if other == own:
                continue
            row_blocks: list[Any] = [
                sp.csr_matrix((len(members), width)) for _ in range(n_classes - 1)
            ]
            if own > 0:
                row_blocks[own - 1] = rows_of_class
            if other > 0:
                row_blocks[other - 1] = -rows_of_class
            blocks.append(sp.hstack(row_blocks, format="csr"))
            observations.append(members)
            pairs.append(np.tile([own, other], (len(members), 1)))
    matrix = sp.csr_matrix(sp.vstack(blocks, format="csr"))
    return matrix, np.concatenate(observations), np.concatenate(pairs)


def max_total_margin(constraints: sp.csr_matrix) -> FloatArray | None:
    """LP1: ``max sum(A @ w)  s.t.  A @ w >= 0, -1 <= w <= 1``.

    Returns the optimal ``w`` when the optimum is positive (separation),
    else None: ``w = 0`` is optimal exactly when the estimate exists.
    """
    n_vars = constraints.shape[1]
    result = linprog(
        -np.asarray(constraints.sum(axis=0)).ravel(),
        A_ub=-constraints,
        b_ub=np.zeros(constraints.shape[0]),
        bounds=[(-1.0, 1.0)] * n_vars,
        method="highs",
    )
    if result.status != 0 or -result.fun <= MARGIN_THRESHOLD:
        return None
    direction: FloatArray = result.x
    return direction


def separates_completely(constraints: sp.csr_matrix, allowed: np.ndarray) -> bool:
    """Is ``A @ w >= 1`` feasible with ``w`` zero outside ``allowed``?

    Feasible (after rescaling ``w``) exactly when some direction using only
    the allowed coordinates makes every margin positive: complete
    separation.
    """
    n_rows, n_vars = constraints.shape
    result = linprog(
        np.zeros(n_vars),
        A_ub=-constraints,
        b_ub=-np.ones(n_rows),
        bounds=[(None, None) if keep else (0.0, 0.0) for keep in allowed],
        method="highs",
    )
    return bool(result.status == 0)


def minimal_separating_features(
    constraints: sp.csr_matrix, n_features: int, width: int
) -> np.ndarray:
    """An irreducible set of features whose combination (with the intercept)
    separates completely: drop features one at a time while the rest still
    separate. Under complete separation any feature can join a separating
    direction, so naming all would say nothing; this names a set that
    separates and none of whose subsets does (greedy, so one such set).
    """
    n_blocks = constraints.shape[1] // width
    kept = np.ones(n_features, dtype=bool)
    for j in range(n_features):
        trial = kept.copy()
        trial[j] = False
        per_block = np.concatenate([trial, np.ones(width - n_features, dtype=bool)])
        if separates_completely(constraints, np.tile(per_block, n_blocks)):
            kept = trial
    return kept


def diverging_coordinates(
    constraints: sp.csr_matrix, start: FloatArray
) -> tuple[np.ndarray, FloatArray]:
    """Coordinates that are non-zero somewhere in the recession cone, and a
    direction in the cone that is non-zero on all of them.

    These are the coefficients whose estimates are infinite under
    quasi-complete separation (the others converge). The cone is convex, so
    its union of supports is found coordinate by coordinate: maximise and
    minimise ``w_j`` over the cone within the box, skipping coordinates an
    earlier solution (starting with LP1's ``start``) already showed non-zero.
    The mean of the solutions lies in the cone and has that whole support
    (so it also separates every observation any cone direction separates).
    """
    n_vars = constraints.shape[1]
    solutions = [start]
    found = np.abs(start) > MARGIN_THRESHOLD
    for j in range(n_vars):
        for sign in (-1.0, 1.0):
            if found[j]:
                break
            objective = np.zeros(n_vars)
            objective[j] = sign
            result = linprog(
                objective,
                A_ub=-constraints,
                b_ub=np.zeros(constraints.shape[0]),
                bounds=[(-1.0, 1.0)] * n_vars,
                method="highs",
            )
            if result.status == 0 and np.any(np.abs(result.x) > MARGIN_THRESHOLD):
                found |= np.abs(result.x) > MARGIN_THRESHOLD
                solutions.append(result.x)
    return found, np.mean(solutions, axis=0)
