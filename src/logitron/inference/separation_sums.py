"""Stiemke's certificate from row-block sums, for data that stay on a cluster.

The in-memory certificate (``separation`` module doc) corrects ``lam0``
with ``u = -inv(G) @ score`` and then checks, row by row, that the
corrected ``lam`` stays positive. The row check needs ``u``, which is known
only once every block is summed: a second pass over ``X``. Here ``G`` is
the Fisher information, which the record sums anyway, and the row check is
replaced by a bound from sums, so the record's one pass decides.

With ``lam0_ij = s_i p_ij`` (``j != y_i``) and ``u`` solving
``information[r, r] @ u[r] = -score[r]`` on the entries ``r`` of the
non-reference classes (``u[0] = 0``), the identity
``diag(p) - p p^T = sum_{k<l} p_k p_l (e_k - e_l) (e_k - e_l)^T`` turns
``information @ u`` into a combination of the rows of ``A``, and::

    lam_ij = s_i p_ij * (1 + sum_{k != j} p_ik * x~_i @ (u[k] - u[j]))

satisfies ``A.T @ lam = 0`` exactly (one sigmoid neuron: ``u[0] = 0`` for
class 0, and ``lam_i = s_i p_wrong_i (1 + p_right_i * a_i @ u)``, the
binary certificate of ``separation``). Since ``sum_{k != j} p_ik <= 1``,
Hoelder's inequality bounds the correction from sums alone::

    |x~_i @ (u[k] - u[j])| <= bound @ |u[k] - u[j]|
    bound_j = max_i |x~_ij|            (over the rows with s_i > 0)

so ``max_kl bound @ |u[k] - u[l]| < 1/2`` keeps every ``lam > 0``: the
estimate exists. At a converged estimate the score is of the order of the
solver's tolerance, ``u`` is tiny and the bound holds with room to spare.

The bound is loose where the score is not tiny: a fit stopped at a loose
tolerance (a Dask fit at ``tol=1e-2`` may stop at its sample start, whose
score is the sampling error), where ``bound @ |u|`` adds every column's
largest entry although no row has them all. Then the row check itself,
``corrected_margin``, runs block by block in one more pass, with ``u``
known from the sums: ``sum_{k != j} p_ik x~_i @ (u[k] - u[j])`` is
``p_i @ F_i - F_ij`` with ``F_i = x~_i @ [u[0] .. u[K-1]]`` (the ``p_ik``
sum to one), and every ``lam_ij > 0`` when that is above -1 for each class
``j`` other than the row's own. When it is not either, the data may be
separated; the linear programs that decide need ``X`` in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from .._numerics import FloatArray, sigmoid, softmax


@dataclass
class CertificateSums:
    """What the certificate needs beyond the information, from some rows
    (a block, or all), added with ``+`` over blocks.

    ``score`` (n_params,) ``sum_i s_i x~_i (x) (onehot(y_i) - p_i)`` in the
    unit's layout (one sigmoid neuron: ``s_i x~_i (y_i - p_i)``);
    ``column_bound`` (width,) ``max_i |x~_ij|`` over weighted rows
    (combined by maximum); ``underflow`` whether some ``lam0_ij`` of a
    weighted row underflowed to 0 (a limit, not a certificate).
    """

    score: FloatArray
    column_bound: FloatArray
    underflow: bool

    def __add__(self, other: CertificateSums) -> CertificateSums:
        return CertificateSums(
            self.score + other.score,
            np.maximum(self.column_bound, other.column_bound),
            self.underflow or other.underflow,
        )


def certificate_sums(
    unit: Any, X: np.ndarray, y_index: np.ndarray, weight: FloatArray, raw: FloatArray
) -> CertificateSums:
    """The certificate's sums over the dense rows ``X`` (those of ``unit``)
    at the raw predictions ``raw``: one backward pass."""
    positive = weight > 0
    largest = column_bound(X, weight)
    if unit.fit_intercept:
        largest = np.append(largest, 1.0 if np.any(positive) else 0.0)
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim == 1:
        sign = np.where(y_index == 1, 1.0, -1.0)
        p_wrong = sigmoid(-sign * raw)
        residual = weight * sign * p_wrong
        underflow = bool(np.any(p_wrong[positive] <= 0))
    else:
        proba = np.asarray(softmax(raw, axis=1), dtype=np.float64)
        onehot = np.zeros_like(proba)
        onehot[np.arange(len(y_index)), y_index] = 1.0
        residual = weight[:, None] * (onehot - proba)
        underflow = bool(np.any((proba + onehot)[positive] <= 0))
    return CertificateSums(unit.backward(residual), largest, underflow)


def column_bound(X: np.ndarray, weight: FloatArray) -> FloatArray:
    """``max_i |x_ij|`` per column of the dense rows ``X`` over the rows with
    ``weight > 0`` (0 for none), in float64."""
    positive = np.asarray(weight) > 0
    if not np.all(positive):
        X = X[positive]
    if len(X) == 0:
        return np.zeros(X.shape[1])
    # Two reductions instead of abs(X): no copy of X.
    return np.maximum(X.max(axis=0), -X.min(axis=0)).astype(np.float64)


def widest_margin(raw: FloatArray, y_index: np.ndarray, weight: FloatArray) -> float:
    """Over the rows with ``weight > 0``: ``z_i`` signed towards the row's
    class (one sigmoid neuron: ``p_wrong = sigmoid(-margin)``), or
    ``max_k z_ik - min_k z_ik`` (softmax: the smallest probability is at
    least ``exp(-margin) / K``); ``-inf`` for no such row. A probability
    underflows only where this is some 700 or more (``fit_screen``)."""
    raw = np.asarray(raw)
    positive = np.asarray(weight) > 0
    if raw.ndim == 1:
        margin = np.where(y_index == 1, raw, -raw)
    else:
        margin = raw.max(axis=1) - raw.min(axis=1)
    return float(np.max(margin[positive], initial=-np.inf))


def certificate_correction(
    unit: Any, sums: CertificateSums, information: FloatArray
) -> FloatArray | None:
    """The correction ``u`` (module doc) in the unit's layout, the reference
    class's entries 0; None when the sums cannot give one (an underflowed
    ``lam0``, or an information that is not positive definite)."""
    if sums.underflow:
        return None
    width = unit.n_features + int(unit.fit_intercept)
    # The reference class's u is 0: class 0 (for one sigmoid neuron, the
    # class without weights).
    reduced = np.arange(width if unit.n_outputs > 1 else 0, unit.n_params)
    try:
        factor = scipy.linalg.cho_factor(
            information[np.ix_(reduced, reduced)], lower=True, check_finite=False
        )
    except (np.linalg.LinAlgError, ValueError):
        return None
    correction = np.zeros(unit.n_params)
    correction[reduced] = -scipy.linalg.cho_solve(
        factor, sums.score[reduced], check_finite=False
    )
    return correction if np.all(np.isfinite(correction)) else None


def certified_by_bound(
    unit: Any, sums: CertificateSums, information: FloatArray
) -> bool:
    """True proves that the estimate exists (module doc); False means the
    sums cannot tell. ``information`` is the Fisher information in the
    unit's ``[coef | intercept]`` layout."""
    correction = certificate_correction(unit, sums, information)
    if correction is None:
        return False
    width = unit.n_features + int(unit.fit_intercept)
    per_class = correction.reshape(-1, width)
    if unit.n_outputs == 1:
        per_class = np.vstack([np.zeros(width), per_class])
    differences = np.abs(per_class[:, None, :] - per_class[None, :, :])
    worst = float(np.max(differences @ sums.column_bound))
    # Theory needs < 1; the slack absorbs rounding in u, as the row check's.
    return bool(np.isfinite(worst) and worst < CORRECTION_LIMIT)


#: The corrected ``lam`` is positive when the correction stays above
#: ``-1``; the certificate asks for ``-CORRECTION_LIMIT``, a margin that
#: absorbs rounding in ``u`` (the in-memory screen's too).
CORRECTION_LIMIT = 0.5


def corrected_margin(
    unit: Any, y_index: np.ndarray, weight: FloatArray, raw: FloatArray,
    correction: FloatArray,
) -> float:
    """Over the rows of ``unit`` with ``weight > 0`` and each class ``j``
    other than the row's own: the smallest ``p_i @ F_i - F_ij`` (module
    doc), ``F = unit.forward(correction)``, the probabilities from ``raw``
    (the estimate's ``z``); ``inf`` for no such row. Above
    ``-CORRECTION_LIMIT`` on every block, the estimate exists."""
    positive = np.asarray(weight) > 0
    forward = np.asarray(unit.forward(correction), dtype=np.float64)[positive]
    raw = np.asarray(raw, dtype=np.float64)[positive]
    y_index = np.asarray(y_index)[positive]
    if len(raw) == 0:
        return np.inf
    if raw.ndim == 1:
        # Two classes, u[0] = 0: p_right * sign * (x~ @ u[1]).
        sign = np.where(y_index == 1, 1.0, -1.0)
        return float(np.min(sigmoid(sign * raw) * sign * forward))
    proba = np.asarray(softmax(raw, axis=1), dtype=np.float64)
    margins = np.sum(proba * forward, axis=1, keepdims=True) - forward
    margins[np.arange(len(y_index)), y_index] = np.inf
    return float(np.min(margins))


@dataclass
class WorstRow:
    """The smallest ``corrected_margin`` over blocks (``+`` takes the minimum)."""

    margin: float

    def __add__(self, other: WorstRow) -> WorstRow:
        return WorstRow(min(self.margin, other.margin))
