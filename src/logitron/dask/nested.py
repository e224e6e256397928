"""The likelihood-ratio test between nested Dask fits.

The statistic needs the two records only, ``LR = 2 * (loglik_f - loglik_r)``
(``inference.terms``); what needs the data are the in-memory checks that
make it valid, done here block by block over both models' rows (the same
partitions):

1. the same rows: equal labels and weights in every block;
2. nesting: every column of the restricted design ``R`` is a combination of
   the full design's ``F``. One graph adds the Gram products ``F.T @ F``
   and ``F.T @ R``, the client solves them for the least-squares
   coefficients ``B``, and a second graph adds ``|F @ B - R|**2`` row by
   row: the residual itself, not ``R.T @ R - R.T @ F @ B``, which loses
   half the digits to cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats

from .._numerics import FloatArray
from ..inference.terms import LikelihoodRatioTest
from .rows import DaskRows, RowSpec, block_data


@dataclass
class NestingSums:
    """Gram products of the two designs, ``|R|**2`` and the blocks whose
    labels or weights differ between the two models."""

    full_gram: FloatArray
    cross: FloatArray
    restricted_norm2: float
    mismatched: int

    def __add__(self, other: NestingSums) -> NestingSums:
        return NestingSums(
            self.full_gram + other.full_gram, self.cross + other.cross,
            self.restricted_norm2 + other.restricted_norm2,
            self.mismatched + other.mismatched,
        )


def gram_block(
    X_full: Any, y_full: Any, w_full: Any, X_small: Any, y_small: Any, w_small: Any,
    full: RowSpec, small: RowSpec,
) -> tuple[None, NestingSums]:
    """One block's ``NestingSums``."""
    big = block_data(X_full, y_full, w_full, full)
    restricted = block_data(X_small, y_small, w_small, small)
    same = (
        len(big.weight) == len(restricted.weight)
        and np.array_equal(big.y_index, restricted.y_index)
        and np.array_equal(big.weight, restricted.weight)
    )
    if not same:
        width = restricted.design.shape[1]
        gram = np.zeros((big.design.shape[1],) * 2)
        return None, NestingSums(gram, np.zeros((len(gram), width)), 0.0, 1)
    return None, NestingSums(
        big.design.T @ big.design, big.design.T @ restricted.design,
        float(np.sum(restricted.design**2)), 0,
    )


def residual_block(
    X_full: Any, y_full: Any, w_full: Any, X_small: Any, y_small: Any, w_small: Any,
    full: RowSpec, small: RowSpec, coef: FloatArray,
) -> tuple[None, float]:
    """``|F @ coef - R|**2`` over the block's rows."""
    big = block_data(X_full, y_full, w_full, full)
    restricted = block_data(X_small, y_small, w_small, small)
    return None, float(np.sum((big.design @ coef - restricted.design) ** 2))


def lr_test(full: DaskRows, restricted: DaskRows) -> LikelihoodRatioTest:
    """LR test of ``restricted`` nested in ``full`` (module doc)."""
    if full.blocks.n_blocks != restricted.blocks.n_blocks:
        raise ValueError(
            "The two models' rows are partitioned differently "
            f"({full.blocks.n_blocks} and {restricted.blocks.n_blocks} blocks): pass "
            "columns of the same dask collection."
        )
    records = full.spec.record, restricted.spec.record
    n_full, n_small = full.spec.params.size, restricted.spec.params.size
    if full.spec.class_names != restricted.spec.class_names:
        raise ValueError("The two models have different classes.")
    args = [
        (*mine, *theirs)
        for mine, theirs in zip(full.block_args(), restricted.block_args(), strict=True)
    ]
    sums, _ = full.blocks.map_sum(gram_block, args, (full.spec, restricted.spec))
    if sums.mismatched:
        raise ValueError(
            "The two models were not fitted on the same rows (labels or weights "
            "differ, e.g. rows dropped for missing values in one model only): a "
            "likelihood-ratio test compares fits to the same data."
        )
    df = n_full - n_small
    nested = df > 0
    if nested:
        coef = np.linalg.lstsq(sums.full_gram, sums.cross, rcond=None)[0]
        residual2, _ = full.blocks.map_sum(
            residual_block, args, (full.spec, restricted.spec, coef)
        )
        scale = max(float(np.sqrt(sums.restricted_norm2)), 1.0)
        nested = bool(np.sqrt(residual2) <= 1e-8 * scale)
    if not nested:
        raise ValueError(
            "The restricted model is not nested in the full one: it must have "
            f"fewer parameters ({n_small} vs {n_full}) and its "
            "columns must be combinations of the full model's columns."
        )
    statistic = 2.0 * (records[0].loglik - records[1].loglik)
    return LikelihoodRatioTest(statistic, df, float(scipy.stats.chi2.sf(statistic, df)))
