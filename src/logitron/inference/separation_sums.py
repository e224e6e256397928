"""Stiemke's certificate from row-block sums, for data that stay on a cluster.

The in-memory certificate (``separation`` module doc) corrects
``lam0 = s * p`` by ``u = -inv(G) @ score`` and then checks, row by row,
that every margin ``a_ik @ u`` stays above ``-1`` (binary: ``p_right_i *
(a_i @ u) > -1``). ``G`` and the score are sums over rows, but the row check
needs ``u``, which is known only once every block is summed: a second pass
over ``X``. Hoelder's inequality bounds every margin from sums alone::

    |a_ik @ u| = |x~_i @ (u[y_i] - u[k])| <= bound @ |u[y_i] - u[k]|
    bound_j    = max_i |x~_ij|       (over the rows with s_i > 0)

so ``max_kl bound @ |u[k] - u[l]| < 1/2`` (``u[0] = 0``, the reference
class) proves, like the row check, that the estimate exists (binary:
``p_right <= 1`` and ``l`` is the one other class). At a converged estimate
the score is of the order of the solver's tolerance, ``u`` is tiny and the
bound holds with room to spare. When it does not, the data may be
separated; the linear programs that decide need ``X`` in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from .._numerics import FloatArray, sigmoid, softmax
from .separation import _gram_blocks


@dataclass
class CertificateSums:
    """What the certificate needs from some rows (a block, or all), added
    with ``+`` over blocks.

    ``score`` (n_params,) ``sum_i s_i x~_i (x) (onehot(y_i) - p_i)`` in the
    unit's layout; ``gram`` the softmax ``A.T diag(lam0) A`` on the
    non-reference classes (empty for the binary neuron, whose certificate
    uses the Fisher information); ``column_bound`` (width,) ``max_i |x~_ij|``
    over weighted rows (combined by maximum); ``underflow`` whether some
    ``lam0`` underflowed to 0 (a limit, not a certificate).
    """

    score: FloatArray
    gram: FloatArray
    column_bound: FloatArray
    underflow: bool

    def __add__(self, other: CertificateSums) -> CertificateSums:
        return CertificateSums(
            self.score + other.score,
            self.gram + other.gram,
            np.maximum(self.column_bound, other.column_bound),
            self.underflow or other.underflow,
        )


def certificate_sums(
    unit: Any, X: np.ndarray, y_index: np.ndarray, weight: FloatArray, raw: FloatArray
) -> CertificateSums:
    """The certificate's sums over the dense rows ``X`` (those of ``unit``)
    at the raw predictions ``raw``; one backward pass, and for softmax one
    pass of Gram products."""
    positive = weight > 0
    largest = np.max(np.abs(X[positive]), axis=0, initial=0.0).astype(np.float64)
    if unit.fit_intercept:
        largest = np.append(largest, 1.0 if np.any(positive) else 0.0)
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim == 1:
        sign = np.where(y_index == 1, 1.0, -1.0)
        p_wrong = sigmoid(-sign * raw)
        return CertificateSums(
            unit.backward(weight * sign * p_wrong),
            np.zeros((0, 0)),
            largest,
            bool(np.any(p_wrong[positive] <= 0)),
        )
    n_classes = raw.shape[1]
    proba = np.asarray(softmax(raw, axis=1), dtype=np.float64)
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(y_index)), y_index] = 1.0
    lam0 = weight[:, None] * np.where(onehot > 0, 0.0, proba)
    width = unit.n_features + int(unit.fit_intercept)
    reduced = np.arange(width, n_classes * width)
    return CertificateSums(
        unit.backward(weight[:, None] * (onehot - proba)),
        unit.hessian(_gram_blocks(onehot, lam0))[np.ix_(reduced, reduced)],
        largest,
        bool(np.any(lam0[positive] + onehot[positive] <= 0)),
    )


def certified_by_bound(
    unit: Any, sums: CertificateSums, information: FloatArray
) -> bool:
    """True proves that the estimate exists (module doc); False means the
    sums cannot tell. ``information`` is the Fisher information in the
    unit's layout (the binary certificate's ``G``)."""
    if sums.underflow:
        return False
    width = unit.n_features + int(unit.fit_intercept)
    if unit.n_outputs == 1:
        gram, reduced = information, np.arange(width)
    else:
        gram, reduced = sums.gram, np.arange(width, unit.n_params)
    try:
        factor = scipy.linalg.cho_factor(gram, lower=True, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return False
    step = np.zeros(unit.n_params)
    step[reduced] = -scipy.linalg.cho_solve(factor, sums.score[reduced], check_finite=False)
    per_class = step.reshape(unit.n_outputs, width)
    if unit.n_outputs == 1:
        # The other class's w is 0: a_i @ u = +-x~_i @ u.
        per_class = np.vstack([np.zeros(width), per_class])
    differences = np.abs(per_class[:, None, :] - per_class[None, :, :])
    worst = float(np.max(differences @ sums.column_bound))
    # Theory needs < 1; the slack absorbs rounding in u, as the row check's.
    return bool(np.isfinite(worst) and worst < 0.5)
