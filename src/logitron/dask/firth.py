"""Firth's fit on Dask (two classes): one pass over the blocks per iterate.

Each iterate of ``firth.fit_penalised`` needs, at ``beta``, with
``D = [X | 1]``, ``p = sigmoid(D @ beta)`` and ``w = s * p * (1 - p)``::

    loglik = sum(s * (y * eta - log(1 + exp(eta))))
    I      = D.T @ (w[:, None] * D)
    U*     = D.T @ (s * (y - p)) + D.T @ (h * (0.5 - p))
    h_i    = w_i * D[i] @ inv(I) @ D[i]

Everything is a sum over rows, but ``h`` needs ``inv(I)`` of the same
``beta``, known only once the blocks' information is added. The second sum
is linear in ``V = inv(I)``, though::

    D.T @ (h * (0.5 - p)) = einsum("jkl,kl->j", T, V)
    T[j, k, l] = sum_i w_i * (0.5 - p_i) * D[i, j] * D[i, k] * D[i, l]

so a block returns its part of ``T`` with the rest, and one pass gives the
penalised log-likelihood ``loglik + 0.5 * log det I`` and the modified score
together. ``T`` has ``q**3`` entries and costs about ``q / 3`` Gram
products of the block; beyond ``TENSOR_COLUMNS`` columns a second pass with
``V`` computes the hat values instead, which costs less than the tensor
when the blocks are cheap to read. The iteration
itself (scoring steps, halving, Newton's step when scoring crawls) is the
in-memory one (``firth.maximise_penalised``), so the estimate is that of
``FirthLogisticRegression`` on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from sklearn.utils.multiclass import check_classification_targets

from .._numerics import FloatArray, log1pexp, sigmoid
from .._validation import encode_labels
from ..backends.dask_backend import DaskBlocks, as_block_matrix
from ..firth import FirthResult, PenalisedPoint, maximise_penalised
from .block_model import BlockModel, label_stats
from .block_terms import encoded
from .inputs import check_features

#: Widest design whose third-moment tensor a block returns. The tensor costs
#: about q / 3 information-sized Gram products, a second pass about two and
#: a read of the block: on 200,000 x 20 rows held in memory (q = 21) the
#: second pass took 4.8 s of CPU against the tensor's 7.4 s, so the tensor
#: pays for narrow designs, or where reading the blocks dominates.
TENSOR_COLUMNS = 12


@dataclass
class FirthSums:
    """One block's (or all blocks') part of an iterate (module doc);
    ``extra`` is ``T`` (first pass) or the hat term of the score (second)."""

    loglik: float
    information: FloatArray
    score: FloatArray
    extra: FloatArray | None

    def __add__(self, other: FirthSums) -> FirthSums:
        extra = None if self.extra is None or other.extra is None else self.extra + other.extra
        return FirthSums(
            self.loglik + other.loglik, self.information + other.information,
            self.score + other.score, extra,
        )


def firth_block(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel,
    beta: FloatArray, mode: str, inverse: FloatArray | None,
) -> tuple[None, FirthSums]:
    """The block's ``FirthSums`` at ``beta``; ``mode`` is ``"tensor"``
    (``extra = T``), ``"hat"`` (``extra = D.T @ (h * (0.5 - p))`` with
    ``inverse = inv(I)``) or ``"plain"`` (no extra)."""
    features = as_block_matrix(X_block, np.float64)
    if not np.all(np.isfinite(features)):
        raise ValueError("X holds NaN or infinite values.")
    y_index, weight = encoded(model, len(features), y_block, weight_block)
    design = features
    if model.fit_intercept:
        design = np.column_stack([features, np.ones(len(features))])
    eta = design @ beta
    p = sigmoid(eta)
    w = weight * p * (1 - p)
    y = y_index.astype(np.float64)
    loglik = float(weight @ (y * eta - log1pexp(eta)))
    information = design.T @ (w[:, None] * design)
    score = design.T @ (weight * (y - p))
    extra = None
    if mode == "tensor":
        extra = third_moments(design, w * (0.5 - p))
    elif mode == "hat":
        assert inverse is not None
        hat = w * np.einsum("ij,jk,ik->i", design, inverse, design)
        extra = design.T @ (hat * (0.5 - p))
    return None, FirthSums(loglik, information, score, extra)


def third_moments(design: FloatArray, factor: FloatArray) -> FloatArray:
    """``T[j, k, l] = sum_i factor_i * D[i, j] * D[i, k] * D[i, l]``.

    ``T`` is symmetric in its three indices, so only ``j <= k, l`` is
    computed (one Gram product of the columns from ``j`` on per ``j``: a
    third of the flops of all of ``T``), and every entry is read from its
    sorted index triple.
    """
    width = design.shape[1]
    upper = np.zeros((width,) * 3)
    for j in range(width):
        tail = design[:, j:]
        upper[j, j:, j:] = tail.T @ ((factor * design[:, j])[:, None] * tail)
    first, second, third = np.sort(np.indices((width,) * 3), axis=0)
    return upper[first, second, third]


def fit_firth(
    blocks: DaskBlocks, model: BlockModel, *, tol: float, max_iter: int
) -> FirthResult:
    """Firth's estimate on the blocks (module doc); ``hat`` is left empty
    (it is n-sized)."""
    width = model.n_features + int(model.fit_intercept)
    mode = "tensor" if width <= TENSOR_COLUMNS else "plain"
    args = list(zip(blocks.X_blocks, blocks.y_blocks, blocks.weight_blocks, strict=True))

    def evaluate(beta: FloatArray) -> PenalisedPoint | None:
        total, _ = blocks.map_sum(firth_block, args, (model, beta, mode, None))
        try:
            factor = scipy.linalg.cho_factor(total.information, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        inverse = scipy.linalg.cho_solve(factor, np.eye(width), check_finite=False)
        if mode == "tensor":
            correction = np.einsum("jkl,kl->j", total.extra, inverse)
        else:
            hat_part, _ = blocks.map_sum(firth_block, args, (model, beta, "hat", inverse))
            correction = hat_part.extra
        value = total.loglik + float(np.sum(np.log(np.diag(factor[0]))))
        return PenalisedPoint(
            beta, value, total.loglik, total.score + correction, factor, np.empty(0)
        )

    point = evaluate(np.zeros(width))
    if point is None:
        raise np.linalg.LinAlgError(
            "the Fisher information is singular: the design's columns are "
            "collinear (or a column is constant within the weighted rows)"
        )
    return maximise_penalised(evaluate, point, model.total_weight, tol=tol, max_iter=max_iter)


def training_blocks(
    estimator: Any, X: Any, y: Any, sample_weight: Any
) -> tuple[DaskBlocks, BlockModel]:
    """Checked dask rows of a two-class Firth fit: one graph over ``y`` for
    the classes and the total weight."""
    from ..backends import is_dask_collection

    if not is_dask_collection(X):
        raise TypeError(
            "y or sample_weight is a dask collection but X is not; pass X as a "
            "dask array or DataFrame (or compute y)."
        )
    check_features(estimator, X, reset=True)
    blocks = DaskBlocks.from_collections(X, y, sample_weight)
    stats, _ = blocks.map_sum(label_stats, blocks.label_blocks, reads_X=False)
    check_classification_targets(stats.labels)
    classes, _ = encode_labels(stats.labels)
    if len(classes) != 2:
        raise NotImplementedError(
            f"Firth's fit on Dask is for two classes; y has {len(classes)}. Fit "
            "the softmax Firth model in memory."
        )
    total_weight = float(np.sum(stats.weight_sums))
    if not total_weight > 0:
        raise ValueError("The sample weights sum to zero: there is nothing to fit.")
    model = BlockModel(
        classes, np.ones(2), blocks.n_features, bool(estimator.fit_intercept),
        np.dtype(np.float64), total_weight,
    )
    return blocks, model
