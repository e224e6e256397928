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
models*, DPhil thesis, University of Oxford, chapter 3 (as in R's
``detectseparation``), with the reference class's ``w`` fixed at 0 and the
columns scaled to max|x| = 1 (programs in ``separation_lp``)::

    1. any separation?   max sum_ik margin_ik(w)  s.t. margins >= 0, |w| <= 1
    2. complete?         is {w : margins >= 1} non-empty? If so, drop
                         features while it stays non-empty: the rest is an
                         irreducible separating set, which the message names
    3. quasi-complete:   the features non-zero somewhere in the cone
                         {w : margins >= 0}: their coefficients diverge
                         (a widest cone direction, then the null space of
                         the rows it leaves at margin 0)

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

import warnings
from typing import Any

import numpy as np
import scipy.linalg

from .._numerics import FloatArray, sigmoid
from ..exceptions import PerfectSeparationWarning
from .separation_lp import (
    MARGIN_THRESHOLD,
    cone_support,
    margin_matrix,
    max_total_margin,
    minimal_separating_features,
    scaled_design,
    separates_completely,
    widest_direction,
)


def warn_if_separated(separation: str, stacklevel: int = 2) -> bool:
    """Emit a ``PerfectSeparationWarning`` for a record's ``separation``
    message; False (and nothing) when it is empty."""
    if separation:
        warnings.warn(
            f"The classes show {separation}", PerfectSeparationWarning,
            stacklevel=stacklevel + 1,
        )
    return bool(separation)


def classifies_every_row(raw: Any, y_index: np.ndarray, weight: FloatArray) -> bool:
    """Whether the raw predictions ``raw`` (``(n,)`` binary, ``(n, K)``
    softmax) put every weighted row strictly on the side of its own class.

    For an unpenalised fit that is separation seen from its end point: the
    hyperplane it found separates, so scaling it up lowers the loss forever.
    """
    raw = np.asarray(raw)
    rows = np.arange(len(raw))
    if raw.ndim == 1:
        margin = np.where(y_index == 1, raw, -raw)
    else:
        others = raw.copy()
        others[rows, y_index] = -np.inf
        margin = raw[rows, y_index] - others.max(axis=1)
    return bool(np.all(margin[weight > 0] > 0))


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

    Solves program 1, and 2 (and 3) when it finds a separation; callers
    first try ``certified_identified``, which settles most fits without an
    LP.

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
    design = scaled_design(X, rows, fit_intercept)
    n_classes = len(class_names)
    constraints, observations, pairs = margin_matrix(
        design, np.asarray(y_index)[rows], n_classes
    )
    direction = max_total_margin(constraints)
    if direction is None:
        return ""
    width = design.shape[1]
    n_features = len(feature_names)
    complete = separates_completely(constraints, np.ones(constraints.shape[1], bool))
    per_feature: np.ndarray
    if complete:
        # Least used by the separating direction first: likely droppable.
        usage = np.abs(direction).reshape(n_classes - 1, width)[:, :n_features]
        per_feature, exhaustive = minimal_separating_features(
            constraints, n_features, width, order=np.argsort(usage.max(axis=0))
        )
    else:
        direction, exhaustive = widest_direction(constraints, direction)
        support = cone_support(constraints, direction)
        per_feature = np.any(support.reshape(n_classes - 1, width), axis=0)
    features = [feature_names[j] for j in np.flatnonzero(per_feature[:n_features])]
    separated = (
        np.ones(constraints.shape[0], dtype=bool)
        if complete
        else constraints @ direction > MARGIN_THRESHOLD * np.max(np.abs(direction))
    )
    separated_pairs = sorted({(min(a, b), max(a, b)) for a, b in pairs[separated]})
    return _message(
        complete,
        features,
        len(np.unique(observations[separated])),
        len(rows),
        [(class_names[a], class_names[b]) for a, b in separated_pairs],
        exhaustive,
    )


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


def certified_identified_binary(
    unit: Any, y_index: np.ndarray, weight: FloatArray, raw: FloatArray,
    information: FloatArray,
) -> bool:
    """Stiemke's certificate for one sigmoid neuron, from the Fisher
    information the record computes anyway.

    With two classes each observation has one row ``a_i = t_i x~_i``
    (``t_i = +1`` for class 1, ``-1`` for class 0) and ``lam0_i = s_i *
    p_wrong_i``. Any positive weighting ``D`` gives a correction
    ``lam = lam0 + D @ A @ u`` with ``A.T D A u = -score``; ``D = lam0 *
    p_right`` makes ``A.T D A = X~.T diag(s p (1 - p)) X~``, the
    information, so no other Gram product is needed, and ``lam > 0`` when
    every ``p_right_i * (a_i @ u) > -1``.
    """
    positive = weight > 0
    sign = np.where(y_index == 1, 1.0, -1.0)
    signed = sign * np.asarray(raw, dtype=np.float64)
    p_right = sigmoid(signed)
    p_wrong = sigmoid(-signed)
    if np.any(p_wrong[positive] <= 0):
        return False  # some p underflowed to 0: a limit, not a certificate
    score = unit.backward(weight * sign * p_wrong)
    try:
        factor = scipy.linalg.cho_factor(information, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        return False
    step = -scipy.linalg.cho_solve(factor, score, check_finite=False)
    margins = sign * np.asarray(unit.forward(step), dtype=np.float64)
    # Theory needs > -1; the slack absorbs rounding in u and in A @ u.
    return bool(np.all((p_right * margins)[positive] > -0.5))


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


#: Feature names a message lists before "and N more".
_MAX_NAMED = 10


def _message(
    complete: bool,
    features: list[str],
    n_separated: int,
    n_rows: int,
    pairs: list[tuple[str, str]],
    exhaustive: bool = True,
) -> str:
    named = ", ".join(features[:_MAX_NAMED]) if features else "the intercept"
    if len(features) > _MAX_NAMED:
        named += f" and {len(features) - _MAX_NAMED} more features"
    if not exhaustive:
        # The program budget ran out (wide data): the set is a true one but
        # not reduced (complete) or not all (quasi-complete).
        named += " (among others)" if not complete else " (not reduced further)"
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
        "without bound). Use FirthLogisticRegression for finite, bias-reduced "
        "estimates with profile intervals, a finite C for a ridge fit, or drop "
        "or merge the separating features."
    )
