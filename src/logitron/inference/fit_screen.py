"""What an unpenalised fit checks before it returns, without the record.

The record (``fit_record.record_fit``) costs two Gram products over all rows
(the information and the meat) plus a certificate, 1.6x to 8x the fit
itself; it is computed when first asked for. Two warnings belong to the fit,
though: separation (the estimate does not exist) and collinear columns (it
is not unique). This screen rules both out from a row sample, and only when
it cannot does the estimator compute the record at once, as before. Where
the sample's Gram would cost more than a few dozen passes over the data
(``screen_pays``: wide data, 1,000 columns on 20,000 rows), the fit skips
the screen and both warnings come with the record, when first asked for.

Separation. Stiemke's certificate (``separation``'s module doc) needs a
positive ``lam`` with ``A.T @ lam = 0``. Start from ``lam0 = s * p_wrong``,
for which ``A.T @ lam0`` is the score at the estimate, and correct it on the
rows ``R`` of a sample only::

    lam = lam0 + D_R @ A_R @ u,   (A_R.T @ D_R @ A_R) @ u = -A.T @ lam0

with ``D_R = s * p_right * p_wrong`` on ``R`` (0 elsewhere). Then
``A.T @ lam = 0`` exactly, ``lam = lam0 > 0`` off ``R``, and on ``R`` it is
positive when every ``p_right * (a_i @ u) > -1``: the estimate provably
exists. The score is tiny at a converged fit, so ``u`` is too whenever the
sample's Gram is well conditioned. Cost: one backward pass over all rows for
the score and one Gram product over the sample's rows (``m * q**2`` against
``n * q**2``); none on small data fitted by Newton, where the sample is every
row and ``sum(s)`` times Newton's last Hessian is that Gram at its point.
Softmax has one row of ``A`` per observation and other class
(``separation._gram_blocks``), otherwise the same.

Collinearity. An exact relation ``X~ @ v = 0`` on the weighted rows holds on
every subset of them, so a sample whose Gram is far from singular (reciprocal
condition number of the unit-diagonal matrix above ``SCREEN_RCOND``, 10,000
times the summary's ``SINGULAR_RCOND``) rules the warning out; a
sample near the threshold sends the fit to the full record, whose test and
message are the summary's own.

On a cluster (``identified_from_sums``) the rows never come to one place:
the score, the Fisher information (``sum(s)`` times the Hessian of the last
Newton pass, at the estimate) and two maxima over the rows that ride on the
fit's passes decide through the bound of ``separation_sums``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg.lapack

from .._numerics import FloatArray
from .covariance import SINGULAR_RCOND
from .separation import _gram_blocks
from .separation_sums import CertificateSums, certified_by_bound

#: Rows the sample holds at least, and per parameter of one Gram block.
SAMPLE_MIN_ROWS = 2000
SAMPLE_ROWS_PER_PARAMETER = 2

#: Condition threshold of the sample's Gram: a margin over the summary's.
SCREEN_RCOND = 1e4 * SINGULAR_RCOND

#: The screen runs where its Gram costs at most this many passes' flops
#: (``rows * q**2`` against ``n * q`` for ``q`` parameters), or at most
#: ``SCREEN_FREE_FLOPS`` (about a millisecond); elsewhere (wide data) the
#: fit leaves both warnings to the record, computed when first asked for.
#: On 20,000 x 1,000 its Gram over 2,002 rows and the Cholesky factor took
#: 0.13 s of a 0.29 s unpenalised fit (L-BFGS's own 0.15 s).
SCREEN_MAX_PASSES = 32
SCREEN_FREE_FLOPS = 2e7


def sample_rows(weight: FloatArray, width: int) -> np.ndarray:
    """Indices of the rows the screen's Gram uses: every weighted row on
    small data, else ``max(SAMPLE_MIN_ROWS, 2 * width)`` of them, evenly
    spaced (deterministic, and spread over data stored in any order)."""
    positive = (np.asarray(weight) > 0).nonzero()[0]  # np.flatnonzero, no wrapper
    size = max(SAMPLE_MIN_ROWS, SAMPLE_ROWS_PER_PARAMETER * width)
    if len(positive) <= size:
        return positive
    return positive[np.linspace(0, len(positive) - 1, size).round().astype(np.intp)]


def screen_pays(n_samples: int, sample_size: int, n_params: int) -> bool:
    """Whether the screen's Gram over ``sample_size`` rows is cheap next to
    the fit (``SCREEN_MAX_PASSES``)."""
    gram_flops = sample_size * n_params**2
    return gram_flops <= max(SCREEN_MAX_PASSES * n_samples * n_params, SCREEN_FREE_FLOPS)


def identified_and_regular(
    sample_unit: Any, rows: np.ndarray, y_index: np.ndarray, weight: FloatArray,
    raw: FloatArray, score: FloatArray, gram: FloatArray | None = None,
    curvature: FloatArray | None = None,
) -> bool:
    """True proves that the data are not separated and that the sample's
    Gram is well conditioned (module doc); False: compute the record now.

    Parameters
    ----------
    sample_unit : LinearUnit
        The fitted unit over the rows ``rows`` of the ``X`` the solver saw.
    rows : ndarray of int
        ``sample_rows(weight, ...)``.
    y_index : ndarray of shape (n,)
        Class indices.
    weight : ndarray of shape (n,)
        The fit's frequency weights.
    raw : ndarray of shape (n,) or (n, K)
        ``z`` at the estimate or a point near it: the certificate holds for
        ``lam0`` from any point, and is found where the score is small.
    score : ndarray of shape (n_params,)
        ``A.T @ lam0``, i.e. ``X~.T @ (s * (onehot(y) - p))`` in the unit's
        layout at the same point: minus ``sum(s)`` times its gradient.
    gram : ndarray of shape (n_params, n_params) or None
        Two classes, every row sampled: ``A.T @ D @ A`` already known at
        this point with ``D = s * curvature`` (``sum(s)`` times Newton's
        Hessian there), used in place of the Gram the screen would form.
    curvature : ndarray of shape (n,) or None
        With ``gram``: the loss's curvature at each row it was formed from.
    """
    # The tests reduce with the arrays' own methods: np.any's and np.all's
    # Python wrappers cost more than the screen's arithmetic on small data.
    weight = np.asarray(weight, dtype=np.float64)
    positive = weight > 0
    if raw.ndim == 1:
        return _binary(
            sample_unit, rows, y_index, weight, positive, raw, score, gram, curvature
        )
    # p_ik > 0 wherever z_ik - max_k z_ik > -700 + log K (no underflow).
    spread = np.min(raw, axis=1) - np.max(raw, axis=1)
    if np.any(spread[positive] <= np.log(raw.shape[1]) - _UNDERFLOW):
        return False
    return _softmax(sample_unit, rows, y_index[rows], weight[rows], raw[rows], score)


#: Largest ``|z|`` whose probabilities stay above the float's smallest normal.
_UNDERFLOW = 700.0


def identified_from_sums(
    unit: Any, score: FloatArray, information: FloatArray, column_bound: FloatArray,
    widest_margin: float,
) -> bool:
    """True proves that the estimate exists, from sums over the rows
    (``separation_sums.certified_by_bound``); False: compute the record now.

    Parameters
    ----------
    unit : LinearUnit
        The fitted unit (its layout; no rows needed).
    score : ndarray of shape (n_params,)
        Minus ``sum(s)`` times the gradient at the estimate.
    information : ndarray of shape (n_params, n_params)
        ``sum(s)`` times the Hessian at the estimate (unpenalised).
    column_bound : ndarray of shape (n_features,)
        ``separation_sums.column_bound`` of all the rows.
    widest_margin : float
        ``separation_sums.widest_margin`` of all the rows at the estimate.
    """
    limit = _UNDERFLOW - (np.log(unit.n_outputs) if unit.n_outputs > 1 else 0.0)
    if not widest_margin < limit:
        return False  # a probability near the float's limit: not a certificate
    bound = np.append(column_bound, 1.0) if unit.fit_intercept else np.asarray(column_bound)
    sums = CertificateSums(np.asarray(score, dtype=np.float64), bound, underflow=False)
    return certified_by_bound(unit, sums, np.asarray(information, dtype=np.float64))


def _binary(
    sample_unit: Any, rows: np.ndarray, y_index: np.ndarray, weight: FloatArray,
    positive: np.ndarray, raw: FloatArray, score: FloatArray,
    gram: FloatArray | None, curvature: FloatArray | None,
) -> bool:
    """``identified_and_regular`` for one neuron, in few array operations:
    on small data each costs more than its arithmetic, and every fit runs
    this. ``positive`` is ``weight > 0``.

    Any ``D >= 0`` gives a certificate, provided the positivity test reads
    the same ``D``: ``lam_i = s_i (p_wrong_i + c_i a_i @ u)`` is positive
    when ``(c_i / p_wrong_i) (a_i @ u) > -1``, with ``c_i = p_right_i
    p_wrong_i`` for the Gram formed here and Newton's curvature with its
    Hessian."""
    sign = 2.0 * y_index - 1.0  # +1 where y = 1, -1 where y = 0
    signed = sign * raw  # the margin of the right answer, s_i z_i
    # p_wrong = sigmoid(-signed) > 0 wherever signed < 700 (no underflow).
    if signed.max(initial=-np.inf, where=positive) >= _UNDERFLOW:
        return False  # a probability at the float's limit: not a certificate
    if len(rows) < len(raw):  # a row sample; on small data every row
        sign, signed, weight = sign[rows], signed[rows], weight[rows]
    shared = np.exp(-np.abs(signed))  # exp(-|t|), both sigmoids' exponential
    p_wrong = np.where(signed >= 0, shared, 1.0)
    p_wrong /= 1.0 + shared
    if gram is None:
        # 1 - p_wrong rounds a tiny p_right to 0: that row's D is then 0 in
        # the Gram and in the check alike, and the certificate stays exact.
        ratio = 1.0 - p_wrong  # D / lam0 = p_right
        gram = sample_unit.hessian([(0, 0, weight * ratio * p_wrong)])
    else:
        assert curvature is not None
        ratio = np.divide(curvature, p_wrong, dtype=np.float64)
    step = _correction(gram, score)
    if step is None:
        return False
    margins = sign * np.asarray(sample_unit.forward(step), dtype=np.float64)
    margins *= ratio
    return bool(margins.min(initial=np.inf, where=weight > 0) > -0.5)


def _softmax(
    sample_unit: Any, rows: np.ndarray, y_sample: np.ndarray, weight: FloatArray,
    raw: FloatArray, score: FloatArray,
) -> bool:
    """``identified_and_regular`` for a softmax layer on the sampled rows:
    ``lam0_ik = s_i * p_ik`` for each other class ``k``, the reference
    class's weights fixed at 0."""
    raw = np.asarray(raw, dtype=np.float64)
    n_classes = raw.shape[1]
    proba = np.exp(raw - raw.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(rows)), y_sample] = 1.0
    lam0 = weight[:, None] * np.where(onehot > 0, 0.0, proba)
    width = sample_unit.n_features + int(sample_unit.fit_intercept)
    reduced = np.arange(width, n_classes * width)
    gram = sample_unit.hessian(_gram_blocks(onehot, lam0))
    step = _correction(gram[np.ix_(reduced, reduced)], score[reduced])
    if step is None:
        return False
    full_step = np.zeros(sample_unit.n_params)
    full_step[reduced] = step
    forward = np.asarray(sample_unit.forward(full_step), dtype=np.float64)
    own = forward[np.arange(len(rows)), y_sample]
    margins = (own[:, None] - forward)[(onehot == 0) & (weight[:, None] > 0)]
    return bool(np.all(margins > -0.5))


def _correction(gram: FloatArray, score: FloatArray) -> FloatArray | None:
    """``u = -inv(gram) @ score``, or None when ``gram`` is too close to
    singular (the collinearity screen) or not positive definite.

    The condition test runs on the unit-diagonal matrix ``R`` through
    LAPACK's estimate of ``1 / (norm1(R) * norm1(inv(R)))`` from the Cholesky
    factor (``p**2`` work, where eigenvalues cost ``p**3``): it is at most
    ``min(eig(R)) / max(eig(R))`` up to the estimate's accuracy, which the
    margin of ``SCREEN_RCOND`` over the summary's threshold absorbs.
    """
    diagonal = gram.diagonal()  # a view, without np.diag's wrapper
    if not diagonal.min() > 0:  # (NaN fails too)
        return None  # a column with no weighted entry in the sample
    scale = np.sqrt(diagonal)
    scaled = gram / (scale[:, None] * scale)  # np.outer, without its wrapper
    factor, info = scipy.linalg.lapack.dpotrf(scaled, lower=1)
    if info != 0:
        return None
    # LAPACK's 1-norm: one call where NumPy takes three (every fit runs this).
    norm1 = scipy.linalg.lapack.dlange("1", scaled)
    rcond, info = scipy.linalg.lapack.dpocon(factor, norm1, uplo="L")
    if info != 0 or not rcond > SCREEN_RCOND:
        return None
    # LAPACK potrs directly: scipy's cho_solve wrapper (the same call) costs
    # more than the solve of a small system, and this runs on every fit.
    solved, info = scipy.linalg.lapack.dpotrs(factor, score / scale, lower=1)
    if info != 0:
        return None
    return -solved / scale
