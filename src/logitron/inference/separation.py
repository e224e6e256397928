"""Does a finite maximum-likelihood estimate exist? Separation diagnostics.

Albert & Anderson (1984), "On the existence of maximum likelihood estimates
in logistic regression models", Biometrika 71(1): the unpenalised estimate
exists if and only if no direction ``w != 0`` (modulo the softmax gauge)
satisfies, for every observation ``i`` with non-zero weight and every class
``k != y_i``::

    margin_ik(w) = (w[y_i] - w[k]) @ x~_i >= 0

Moving along such a ``w`` never lowers any fitted probability of an observed
class, so the likelihood climbs forever. The data are *completely* separated
when some ``w`` makes every margin > 0, and *quasi-completely* separated when
the best ``w`` leaves some margins at 0.

Detection by linear programming, after Konis (2007), *Linear programming
algorithms for detecting separated data in binary logistic regression
models*, DPhil thesis, University of Oxford, section 3 (as in R's
``detectseparation``), with the reference class's ``w`` fixed at 0 and the
columns scaled to max|x| = 1::

    LP1 (any separation):   maximise sum_ik margin_ik(w)
                            s.t. margin_ik(w) >= 0, -1 <= w <= 1
    LP2 (complete?):        maximise t  s.t. margin_ik(w) >= t, t <= 1, box

LP1's optimum is 0 exactly when the estimate exists; the features with
non-zero ``w`` at its optimum are the separating ones.

A free certificate makes the LP unnecessary for almost every fit. By
Stiemke's lemma, no separating ``w`` exists if and only if some strictly
positive ``lam`` has ``A.T @ lam = 0`` (``A`` stacks the rows
``a_ik = d margin_ik / dw``). At the estimate the score vanishes, and::

    score = sum_i s_i x~_i (x) (onehot(y_i) - p_i)
          = sum_{i, k != y_i} (s_i * p_ik) * a_ik  =  A.T @ lam0

so ``lam0 = s * p`` nearly qualifies; a solver stops with a small score,
not a zero one. The correction ``lam = lam0 * (1 + A @ u)`` with
``u = -inv(A.T diag(lam0) A) @ score`` makes ``A.T @ lam = 0`` exactly, and
stays positive when every ``a_ik @ u > -1``: then the estimate provably
exists. It costs one Gram product per Hessian block, one backward and one
forward pass. On separated data no positive ``lam`` exists, the certificate
fails and the LP decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import linprog

from .._numerics import FloatArray

# Margins are measured on columns scaled to max|x| = 1 with |w| <= 1, so a
# genuinely separated observation has a margin of order 1; HiGHS solves to
# a feasibility tolerance of 1e-7, far below this threshold.
MARGIN_THRESHOLD = 1e-6


def diagnose_separation(
    X: Any,
    y_index: np.ndarray,
    weight: FloatArray,
    *,
    fit_intercept: bool,
    feature_names: list[str],
    class_names: list[str],
) -> str:
    """Describe the separation of the data, or return ``""`` if none.

    Solves LP1 (and LP2 when LP1 finds a separation); callers first try
    ``certified_identified``, which settles most fits without an LP.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, d)
    y_index : ndarray of shape (n,)
        Class indices in ``0 .. K-1``.
    weight : ndarray of shape (n,)
        Frequency weights; rows with weight 0 are ignored.
    fit_intercept : bool
    feature_names : list of str, length d
    class_names : list of str, length K
    """
    rows = np.flatnonzero(weight > 0)
    design = _scaled_design(X, rows, fit_intercept)
    labels = np.asarray(y_index)[rows]
    n_classes = len(class_names)
    constraints = _margin_matrix(design, labels, n_classes)
    direction = _max_total_margin(constraints, design.shape[1], n_classes)
    if direction is None:
        return ""
    separated = constraints @ direction > MARGIN_THRESHOLD
    observations, pairs = _constraint_rows(labels, n_classes)
    width = design.shape[1]
    coefficients = np.abs(direction.reshape(n_classes - 1, width)).max(axis=0)
    features = [
        feature_names[j]
        for j in np.flatnonzero(coefficients[: len(feature_names)] > MARGIN_THRESHOLD)
    ]
    complete = _max_min_margin(constraints, width, n_classes) > MARGIN_THRESHOLD
    separated_pairs = sorted({tuple(sorted(pair)) for pair in pairs[separated]})
    return _message(
        complete,
        features,
        len(np.unique(observations[separated])),
        len(rows),
        [(class_names[a], class_names[b]) for a, b in separated_pairs],
    )


def _scaled_design(X: Any, rows: np.ndarray, fit_intercept: bool) -> sp.csr_matrix:
    """``[x | 1]`` on the weighted rows, each column scaled to max|x| = 1
    (all-zero columns are kept as zeros, so they can never separate)."""
    design = sp.csr_matrix(X[rows], dtype=np.float64)
    if fit_intercept:
        design = sp.hstack([design, np.ones((len(rows), 1))], format="csr")
    largest = np.asarray(abs(design).max(axis=0).todense()).ravel()
    largest[largest == 0] = 1.0
    return sp.csr_matrix(design @ sp.diags(1.0 / largest))


def certified_identified(
    unit: Any, y_index: np.ndarray, weight: FloatArray, proba: FloatArray
) -> bool:
    """Stiemke's certificate (module doc): True proves that the data are not
    separated; False means "run the LP"."""
    n_classes = proba.shape[1]
    positive = weight > 0
    onehot = np.zeros((len(y_index), n_classes))
    onehot[np.arange(len(y_index)), y_index] = 1.0
    lam0 = weight[:, None] * np.where(onehot > 0, 0.0, proba)
    if np.any(lam0[positive] + onehot[positive] <= 0):
        return False  # some p_ik underflowed to 0: a limit, not a certificate
    width = unit.n_features + int(unit.fit_intercept)
    if n_classes == 2 and unit.n_outputs == 1:
        residual = weight * (onehot[:, 1] - proba[:, 1])
        blocks = [(0, 0, lam0.sum(axis=1))]
        reduced = np.arange(width)
    else:
        residual = weight[:, None] * (onehot - proba)
        blocks = _gram_blocks(onehot, lam0)
        reduced = np.arange(width, n_classes * width)
    score = unit.backward(residual)[reduced]
    gram = unit.hessian(blocks)[np.ix_(reduced, reduced)]
    try:
        factor = scipy.linalg.cho_factor(gram, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return False
    step = np.zeros(unit.n_params)
    step[reduced] = -scipy.linalg.cho_solve(factor, score, check_finite=False)
    raw = np.asarray(unit.forward(step), dtype=np.float64)
    if raw.ndim == 1:
        raw = np.column_stack([np.zeros_like(raw), raw])
    own = raw[np.arange(len(y_index)), y_index]
    margins = (own[:, None] - raw)[positive][onehot[positive] == 0]
    # Theory needs > -1; the slack absorbs rounding in u and in A @ u.
    return bool(np.all(margins > -0.5))


def _gram_blocks(
    onehot: FloatArray, lam0: FloatArray
) -> list[tuple[int, int, FloatArray]]:
    """Blocks ``(k, l, h_kl)``, ``1 <= k <= l``, of ``A.T diag(lam0) A``::

        h_kl = [k == y][l == y] * sum(lam0) - [k == y] * lam0_l
               - [l == y] * lam0_k + [k == l] * lam0_k

    (per observation; ``lam0`` is 0 at the observed class). Blocks with the
    reference class 0 are not needed: its ``w`` is fixed.
    """
    total = lam0.sum(axis=1)
    n_classes = onehot.shape[1]
    blocks = []
    for k in range(1, n_classes):
        for l in range(k, n_classes):  # noqa: E741 (the textbook index)
            h = onehot[:, k] * onehot[:, l] * total
            h -= onehot[:, k] * lam0[:, l] + onehot[:, l] * lam0[:, k]
            if k == l:
                h += lam0[:, k]
            blocks.append((k, l, h))
    return blocks


def _constraint_rows(
    labels: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of the margin matrix (in ``_margin_matrix``'s order): the
    observation behind it and its ``(own class, other class)`` pair."""
    positions = np.arange(len(labels))
    observations, pairs = [], []
    for own in range(n_classes):
        members = positions[labels == own]
        for other in range(n_classes):
            if other != own:
                observations.append(members)
                pairs.append(np.tile([own, other], (len(members), 1)))
    return np.concatenate(observations), np.concatenate(pairs)


def _margin_matrix(
    design: sp.csr_matrix, labels: np.ndarray, n_classes: int
) -> sp.csr_matrix:
    """Rows ``a_ik`` with ``margin_ik(w) = a_ik @ w`` over the non-reference
    classes' ``w`` (class 0 is the reference, fixed at 0)."""
    width = design.shape[1]
    blocks = []
    for own in range(n_classes):
        rows_of_class = design[labels == own]
        for other in range(n_classes):
            if other == own:
                continue
            row_blocks: list[Any] = [None] * (n_classes - 1)
            if own > 0:
                row_blocks[own - 1] = rows_of_class
            if other > 0:
                row_blocks[other - 1] = -rows_of_class
            for k, block in enumerate(row_blocks):
                if block is None:
                    row_blocks[k] = sp.csr_matrix((rows_of_class.shape[0], width))
            blocks.append(sp.hstack(row_blocks, format="csr"))
    return sp.csr_matrix(sp.vstack(blocks, format="csr"))


def _max_total_margin(
    constraints: sp.csr_matrix, width: int, n_classes: int
) -> FloatArray | None:
    """LP1: the direction of largest total margin, or None if it is 0."""
    n_vars = width * (n_classes - 1)
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


def _max_min_margin(constraints: sp.csr_matrix, width: int, n_classes: int) -> float:
    """LP2: the largest common margin ``t`` (> 0 means complete separation)."""
    n_vars = width * (n_classes - 1)
    lifted = sp.hstack(
        [-constraints, np.ones((constraints.shape[0], 1))], format="csr"
    )
    objective = np.zeros(n_vars + 1)
    objective[-1] = -1.0
    result = linprog(
        objective,
        A_ub=lifted,
        b_ub=np.zeros(constraints.shape[0]),
        bounds=[(-1.0, 1.0)] * n_vars + [(0.0, 1.0)],
        method="highs",
    )
    return float(-result.fun) if result.status == 0 else 0.0


def _message(
    complete: bool,
    features: list[str],
    n_separated: int,
    n_rows: int,
    pairs: list[tuple[str, str]],
) -> str:
    named = ", ".join(features) if features else "the intercept"
    if complete:
        what = (
            f"complete separation: a linear combination of {named} classifies "
            f"all {n_rows} observations perfectly"
        )
    else:
        what = (
            f"quasi-complete separation: a linear combination of {named} "
            f"separates {n_separated} of {n_rows} observations"
        )
    if len(pairs) > 0 and not (len(pairs) == 1 and complete):
        what += " (between classes " + "; ".join(
            f"{a} and {b}" for a, b in pairs
        ) + ")"
    return (
        f"{what}, so fitted probabilities tend to 0 or 1 and the "
        "maximum-likelihood estimate does not exist (some coefficients grow "
        "without bound). Use a finite C for a penalised fit, or drop or merge "
        "the separating features."
    )
