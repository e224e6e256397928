"""The linear programs behind the separation diagnostic.

Notation (see ``separation``): the constraint matrix ``A`` has one row
``a_ik`` per observation ``i`` (non-zero weight) and other class ``k``, with
``margin_ik(w) = a_ik @ w`` over the non-reference classes' coefficients
(class 0 is the reference, fixed at 0), on columns scaled to max|x| = 1.
The *recession cone* is ``{w : A @ w >= 0}``; separation means it holds a
``w`` with some margin > 0. All programs are solved by HiGHS through
``scipy.optimize.linprog``, on many rows by constraint generation
(``cone_program``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

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
    if sp.issparse(X):
        design = sp.csr_matrix(X[rows], dtype=np.float64)
        if fit_intercept:
            design = sp.hstack([design, np.ones((len(rows), 1))], format="csr")
        largest = np.asarray(abs(design).max(axis=0).todense()).ravel()
        largest[largest == 0] = 1.0
        return sp.csr_matrix(design @ sp.diags(1.0 / largest))
    # Dense rows: one scaled copy, which is the design's values as they are
    # where no entry is zero (50,000 x 20: a peak of 5.9x X through sparse
    # temporaries, 1.6x this way).
    n_columns = X.shape[1] + int(fit_intercept)
    dense = np.empty((len(rows), n_columns))
    dense[:, : X.shape[1]] = X[rows]
    if fit_intercept:
        dense[:, -1] = 1.0
    largest = np.maximum(dense.max(axis=0, initial=0.0), -dense.min(axis=0, initial=0.0))
    largest[largest == 0] = 1.0
    dense *= 1.0 / largest
    index = np.int64 if dense.size >= 2**31 else np.int32
    stored = dense != 0
    if stored.all():
        return sp.csr_matrix((
            dense.ravel(), np.tile(np.arange(n_columns, dtype=index), len(rows)),
            np.arange(0, dense.size + 1, n_columns, dtype=index),
        ), shape=dense.shape)
    # Zeros are left out (scipy's own conversion goes through int64 pairs
    # of coordinates: twice the design again).
    indptr = np.zeros(len(rows) + 1, dtype=index)
    np.cumsum(np.count_nonzero(stored, axis=1), out=indptr[1:])
    columns = np.broadcast_to(np.arange(n_columns, dtype=index), dense.shape)
    return sp.csr_matrix((dense[stored], columns[stored], indptr), shape=dense.shape)


def margin_matrix(
    design: sp.csr_matrix, labels: np.ndarray, n_classes: int
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``A`` with, per row, its observation and ``(own, other)`` class pair.

    Row ``a_ik`` holds ``+x~_i`` in the block of class ``y_i`` and ``-x~_i``
    in the block of class ``k`` (the reference class 0 has no block). The
    rows come class by class (own, then other), each class's in the order
    of ``design``; their entries are written straight into ``A``'s arrays,
    whose size is known, so no stacked copies are held beside it.
    """
    width = design.shape[1]
    positions = np.arange(design.shape[0])
    classes = [positions[labels == own] for own in range(n_classes)]
    pairs_of = [(own, other) for own in range(n_classes) for other in range(n_classes)
                if other != own]
    row_nnz = np.diff(design.indptr)
    n_rows = sum(len(classes[own]) for own, _ in pairs_of)
    nnz = sum(int(row_nnz[classes[own]].sum()) * len(_copies(own, other, width))
              for own, other in pairs_of)
    data = np.empty(nnz)
    index = np.int64 if nnz >= 2**31 else np.int32
    indices, indptr = np.empty(nnz, dtype=index), np.zeros(n_rows + 1, dtype=index)
    row, entry = 0, 0
    for own, members in enumerate(classes):
        rows_of_class = design[members]  # once per class, for its n_classes - 1 pairs
        rows_of_class.sort_indices()
        counts = np.diff(rows_of_class.indptr)
        if own > 0 and n_classes > 2:  # some pair has two copies of each row
            # Entry e of row i goes to that row's start in A, after the copies
            # before its own: 2 * indptr[i] + copy * counts[i] + (e - indptr[i]).
            row_of = np.repeat(np.arange(len(counts)), counts)
            first = rows_of_class.indptr[row_of] + np.arange(rows_of_class.nnz)
        for other in (k for k in range(n_classes) if k != own):
            copies = _copies(own, other, width)
            size = rows_of_class.nnz * len(copies)
            indptr[row + 1 : row + len(counts) + 1] = (
                entry + len(copies) * rows_of_class.indptr[1:]
            )
            for copy, (sign, offset) in enumerate(copies):
                # One copy (a pair with the reference class): the rows as they are.
                where = (
                    slice(entry, entry + size) if len(copies) == 1
                    else entry + first + copy * counts[row_of]
                )
                data[where] = sign * rows_of_class.data
                indices[where] = offset + rows_of_class.indices
            row, entry = row + len(counts), entry + size
    matrix = sp.csr_matrix(
        (data, indices, indptr), shape=(n_rows, (n_classes - 1) * width)
    )
    observations = np.concatenate([classes[own] for own, _ in pairs_of])
    pairs = np.concatenate(
        [np.tile([own, other], (len(classes[own]), 1)) for own, other in pairs_of]
    )
    return matrix, observations, pairs


def _copies(own: int, other: int, width: int) -> list[tuple[float, int]]:
    """The signed column offsets of a row's copies in ``A`` for the class
    pair ``(own, other)``: ``+x~`` in own's block, ``-x~`` in other's, the
    reference class 0 having none; leftmost first, so that each row's
    column indices come sorted."""
    copies = [(sign, (k - 1) * width) for sign, k in ((1.0, own), (-1.0, other)) if k > 0]
    return sorted(copies, key=lambda copy: copy[1])


#: Rows from which ``cone_program`` solves on a subset first, and the
#: subset's first size per variable.
ROW_GENERATION_MIN_ROWS = 4000
ROW_GENERATION_ROWS_PER_VARIABLE = 40
#: HiGHS's primal feasibility tolerance: a row within it of its bound holds.
_FEASIBILITY = 1e-7


def cone_program(
    objective: FloatArray, constraints: sp.csr_matrix, lower: float,
    bounds: Sequence[tuple[float | None, float | None]],
) -> FloatArray | None:
    """``min objective @ w  s.t.  A @ w >= lower`` within ``bounds``: the
    optimal ``w``, or None when the program is infeasible or fails.

    By constraint generation (Dantzig, Fulkerson & Johnson 1954): on many
    rows, solve over an even sample of them, add the rows the solution
    violates, and repeat. A subset's program is a relaxation, so its
    infeasibility is the whole program's, and its optimum, once every row
    holds, is the whole program's optimum. Few rows bind a program with a
    few dozen variables, so the rounds stay small (a separated 20,000 x 20
    design: 20 ms a program on average, against 0.2-0.4 s over every row).
    A subset's program that fails otherwise (HiGHS's numerical troubles)
    hands over to the whole program.
    """
    n_rows, n_vars = constraints.shape
    if n_rows <= ROW_GENERATION_MIN_ROWS:
        return _solve(objective, constraints, lower, bounds)[0]
    size = min(n_rows, ROW_GENERATION_ROWS_PER_VARIABLE * n_vars)
    rows = np.unique(np.linspace(0, n_rows - 1, size).round().astype(np.intp))
    while 2 * len(rows) < n_rows:
        solution, status = _solve(objective, constraints[rows], lower, bounds)
        if status == _INFEASIBLE:
            return None
        if solution is None:
            break
        shortfall = lower - constraints @ solution
        violated = np.flatnonzero(shortfall > _FEASIBILITY)
        if len(violated) == 0:
            return solution
        # The worst first, at most as many as the subset holds (it doubles).
        worst = violated[np.argsort(shortfall[violated])[::-1][: len(rows)]]
        rows = np.union1d(rows, worst)
    return _solve(objective, constraints, lower, bounds)[0]


#: ``linprog``'s status of an infeasible program.
_INFEASIBLE = 2


def _solve(
    objective: FloatArray, constraints: sp.csr_matrix, lower: float,
    bounds: Sequence[tuple[float | None, float | None]],
) -> tuple[FloatArray | None, int]:
    """The optimal ``w`` (None unless solved) and ``linprog``'s status."""
    result = linprog(
        objective, A_ub=-constraints, b_ub=np.full(constraints.shape[0], -lower),
        bounds=bounds, method="highs",
    )
    return (np.asarray(result.x) if result.status == 0 else None), int(result.status)


def max_total_margin(constraints: sp.csr_matrix) -> FloatArray | None:
    """LP1: ``max sum(A @ w)  s.t.  A @ w >= 0, -1 <= w <= 1``.

    Returns the optimal ``w`` when the optimum is positive (separation),
    else None: ``w = 0`` is optimal exactly when the estimate exists.
    """
    totals = np.asarray(constraints.sum(axis=0)).ravel()
    direction = cone_program(-totals, constraints, 0.0, [(-1.0, 1.0)] * len(totals))
    if direction is None or totals @ direction <= MARGIN_THRESHOLD:
        return None
    return direction


def separates_completely(constraints: sp.csr_matrix, allowed: np.ndarray) -> bool:
    """Is ``A @ w >= 1`` feasible with ``w`` zero outside ``allowed``?

    Feasible (after rescaling ``w``) exactly when some direction using only
    the allowed coordinates makes every margin positive: complete
    separation.
    """
    bounds = [(None, None) if keep else (0.0, 0.0) for keep in allowed]
    return cone_program(np.zeros(len(allowed)), constraints, 1.0, bounds) is not None


#: Linear programs one diagnosis may solve to name features (each costs a
#: solve over every observation): wide data (d > n, always separable) would
#: otherwise take one per feature, minutes at 1,000 features.
MAX_NAMING_PROGRAMS = 24
#: Larger programs get proportionally fewer (``naming_budget``), at least
#: ``MIN_NAMING_PROGRAMS``: programs of ``NAMING_PROGRAM_CELLS`` rows times
#: variables or fewer get all ``MAX_NAMING_PROGRAMS``.
NAMING_PROGRAM_CELLS = 2**17
MIN_NAMING_PROGRAMS = 4


def naming_budget(constraints: sp.csr_matrix) -> int:
    """Programs ``minimal_separating_features`` may solve over ``constraints``.

    A program's time grows faster than its rows times variables (the rows
    it is solved over: on many rows, constraint generation's first subset),
    and with about as many parameters as observations every program is
    large and the set it names stays long anyway. 300 x 200 with four
    classes, random labels (programs of 900 x 603, 1 s each): 24 programs
    named 103 features "not reduced further" in 22 s of a 34 s
    ``summary()``; its 5 now name 125, and ``summary()`` takes 16-18 s.
    The 200 x 100 four-class design (600 x 303, 0.24 s each) gets 17 and
    names the same 67 features as with 24 (``summary()`` 6.9 -> 5.7 s).
    """
    n_rows, n_vars = constraints.shape
    if n_rows > ROW_GENERATION_MIN_ROWS:
        n_rows = min(n_rows, ROW_GENERATION_ROWS_PER_VARIABLE * n_vars)
    share = NAMING_PROGRAM_CELLS / max(1, n_rows * n_vars)
    return max(MIN_NAMING_PROGRAMS, min(MAX_NAMING_PROGRAMS, int(MAX_NAMING_PROGRAMS * share)))


def minimal_separating_features(
    constraints: sp.csr_matrix, n_features: int, width: int,
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, bool]:
    """A set of features whose combination (with the intercept) separates
    completely, and whether it is irreducible.

    Under complete separation any feature can join a separating direction,
    so naming all would say nothing. A deletion filter drops features while
    the rest still separate, trying them in ``order`` (say, least used by a
    separating direction first) in chunks that halve when a drop fails and
    double when it succeeds, so that a set of
    ``k`` needed features among ``d`` costs about ``k log(d / k)`` programs
    instead of ``d``. A feature that cannot go given the others cannot go
    given fewer either, so a full pass leaves a set none of whose subsets
    separates (one such set: the filter is greedy). After
    ``naming_budget`` programs the set found so far is returned, still
    separating but perhaps not irreducible (``False``).
    """
    n_blocks = constraints.shape[1] // width
    candidates = np.arange(n_features) if order is None else np.asarray(order)
    kept = np.ones(n_features, dtype=bool)
    intercept = np.ones(width - n_features, dtype=bool)
    start, chunk = 0, max(1, len(candidates) // 2)
    for _ in range(naming_budget(constraints)):
        if start >= len(candidates):
            return kept, True
        block = candidates[start : start + chunk]
        trial = kept.copy()
        trial[block] = False
        if separates_completely(
            constraints, np.tile(np.concatenate([trial, intercept]), n_blocks)
        ):
            kept, start, chunk = trial, start + len(block), 2 * len(block)
        elif len(block) == 1:
            start, chunk = start + 1, 2  # needed: dropping it alone ends the separation
        else:
            chunk = max(1, len(block) // 2)
    return kept, start >= len(candidates)


def cone_support(constraints: sp.csr_matrix, widest: FloatArray) -> np.ndarray:
    """Coordinates that are non-zero somewhere in the recession cone, from
    ``widest``, a direction of the cone that separates every observation
    some direction of it separates (``widest_direction``).

    These are the coefficients whose estimates are infinite under
    quasi-complete separation (the others converge). The rows ``O`` that
    ``widest`` leaves at margin 0 stay at 0 over the whole cone, so the cone
    lies in the null space ``L`` of ``A_O``; and it spans ``L``, as a small
    step from ``widest`` along any vector of ``L`` keeps the other margins
    positive. So coordinate ``j`` is non-zero somewhere in the cone exactly
    when ``e_j`` is not in the row space of ``A_O``: one singular value
    decomposition, where bounding each coordinate took up to two linear
    programs (and a budget of them left the last coordinates unexamined).
    """
    scaled = widest / np.max(np.abs(widest))
    at_zero = constraints @ scaled <= MARGIN_THRESHOLD
    if not at_zero.any():
        return np.ones(constraints.shape[1], dtype=bool)  # complete: an open cone
    rows = np.flatnonzero(at_zero)
    factor = _triangular_factor(constraints, rows)
    _, singular, right = np.linalg.svd(factor, full_matrices=False)
    tolerance = singular[0] * max(len(rows), factor.shape[1]) * np.finfo(float).eps
    rank = int(np.sum(singular > tolerance))
    # |e_j|^2 = (its part in the row space)^2 + (its part in L)^2
    in_row_space = np.sum(right[:rank] ** 2, axis=0)
    return np.sqrt(np.clip(1.0 - in_row_space, 0.0, None)) > MARGIN_THRESHOLD


#: Bytes of the dense block of rows ``_triangular_factor`` copies at a time.
_QR_BLOCK_BYTES = 2**21


def _triangular_factor(matrix: sp.csr_matrix, rows: np.ndarray) -> FloatArray:
    """``R`` of ``matrix[rows] = Q R``, with the row space and singular
    values of those rows, by QR over blocks of them: a dense copy of one
    block at a time, and no copy of the rows together (400,000 rows of a
    five-class margin matrix would take 650 MB dense)."""
    n_vars = matrix.shape[1]
    step = max(n_vars, _QR_BLOCK_BYTES // (8 * n_vars))
    factor = np.zeros((0, n_vars))
    for start in range(0, len(rows), step):
        stacked = np.vstack([factor, matrix[rows[start : start + step]].toarray()])
        # R alone, (min(rows, n_vars), n_vars): Q is never formed.
        factor = cast(FloatArray, np.linalg.qr(stacked, mode="r"))
    return factor


def widest_direction(
    constraints: sp.csr_matrix, direction: FloatArray,
    max_programs: int | None = MAX_NAMING_PROGRAMS,
) -> tuple[FloatArray, bool]:
    """A direction of the recession cone that separates every observation
    some direction of it separates, from ``direction`` in the cone, and
    whether it was found within ``max_programs`` programs (None: as many
    as it takes; each separates at least one more row).

    While rows are left at margin 0, maximise their total margin over the
    cone within the box; a positive optimum separates some of them, and the
    sum of two cone directions (each scaled to max|w| = 1) separates what
    either does. The quasi-complete message counts the rows this direction
    separates, and ``cone_support`` reads the diverging coordinates off the
    rows it leaves at 0.
    """
    box = [(-1.0, 1.0)] * constraints.shape[1]
    limit = constraints.shape[0] if max_programs is None else max_programs
    n_left = constraints.shape[0] + 1
    for _ in range(limit):
        direction = direction / np.max(np.abs(direction))
        left = constraints @ direction <= MARGIN_THRESHOLD
        if left.sum() >= n_left:
            # A positive optimum spread over rows each within the threshold
            # (rounding): no row left, and no end to the programs otherwise.
            return direction, False
        n_left = int(left.sum())
        # The left rows' sum, without a copy of them (most rows, often).
        totals = np.asarray(constraints.T @ left.astype(np.float64)).ravel()
        point = cone_program(-totals, constraints, 0.0, box) if left.any() else None
        if point is None or totals @ point <= MARGIN_THRESHOLD:
            return direction, True
        direction = direction + point
    return direction, False
