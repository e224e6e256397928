"""Stiemke's certificate from row-block sums, for data that stay on a cluster.

The in-memory certificate (``separation`` module doc) corrects
``lam0 = s * p`` by ``u = -inv(G) @ score`` and then checks, row by row,
that every margin ``a_ik @ u`` stays above ``-1``. ``G`` and the score are
sums over rows (``separation.certificate_parts``), but the row check needs
``u``, which is known only once every block is summed: a second pass over
``X``. Hoelder's inequality bounds every margin from sums alone::

    |a_ik @ u| = |x~_i @ (u[y_i] - u[k])| <= bound @ |u[y_i] - u[k]|
    bound_j    = max_i |x~_ij|       (over the rows with s_i > 0)

so ``max_kl bound @ |u[k] - u[l]| < 1/2`` (``u[0] = 0``, the reference
class) proves, like the row check, that the estimate exists. At a converged
estimate the score is of the order of the solver's tolerance, ``u`` is tiny
and the bound holds with room to spare. When it does not, the data may be
separated; the linear programs that decide need ``X`` in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from .._numerics import FloatArray, softmax
from .separation import certificate_parts


@dataclass
class CertificateSums:
    """What the certificate needs from some rows (a block, or all), added
    with ``+`` over blocks.

    ``score`` and ``gram``: ``A.T @ lam0`` and ``A.T diag(lam0) A`` on the
    entries of theta of the non-reference classes (see
    ``separation.certificate_parts``); ``column_bound`` (width,)
    ``max_i |x~_ij|`` over weighted rows (combined by maximum);
    ``underflow`` whether some ``lam0`` underflowed to 0 (a limit, not a
    certificate).
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
    at the raw predictions ``raw``: one backward pass and one Gram product."""
    positive = weight > 0
    largest = np.max(np.abs(X[positive]), axis=0, initial=0.0).astype(np.float64)
    if unit.fit_intercept:
        largest = np.append(largest, 1.0 if np.any(positive) else 0.0)
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim == 1:
        # The sigmoid neuron is the two-class softmax with z = [0, z].
        raw = np.column_stack([np.zeros_like(raw), raw])
    proba = np.asarray(softmax(raw, axis=1), dtype=np.float64)
    score, gram, _, underflow = certificate_parts(unit, y_index, weight, proba)
    return CertificateSums(score, gram, largest, underflow)


def certified_by_bound(unit: Any, sums: CertificateSums) -> bool:
    """True proves that the estimate exists (module doc); False means the
    sums cannot tell."""
    if sums.underflow:
        return False
    try:
        factor = scipy.linalg.cho_factor(sums.gram, lower=True, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return False
    step = -scipy.linalg.cho_solve(factor, sums.score, check_finite=False)
    width = unit.n_features + int(unit.fit_intercept)
    # The reference class's u is 0 (for one sigmoid neuron, the other class).
    per_class = np.vstack([np.zeros(width), step.reshape(-1, width)])
    differences = np.abs(per_class[:, None, :] - per_class[None, :, :])
    worst = float(np.max(differences @ sums.column_bound))
    # Theory needs < 1; the slack absorbs rounding in u, as the row check's.
    return bool(np.isfinite(worst) and worst < 0.5)
