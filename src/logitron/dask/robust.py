"""Robust and cluster-robust covariances of a Dask fit, from one pass.

The sandwich covariances of ``inference.robust`` need the data through sums
over rows only::

    meat     = sum_i f_i g_i g_i^T       # f_i = s_i, or s_i / (1 - h_i)**power
    c_g      = sum_{i in g} s_i g_i      # one score sum per cluster g

``h_i = p_i (1 - p_i) x~_i @ V @ x~_i`` needs the inverse information ``V``,
which the record already holds, so HC2 and HC3 too take a single pass. A
block computes its meat with the in-memory code, and its cluster sums keyed
by the labels it holds (``KeyedTotals``); the client adds the meats, merges
the cluster sums label by label (a cluster may span blocks), and applies the
in-memory small-sample factors. The same pass returns the weighted count and
log-likelihood of the rows, which must be the fit's (the training rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..inference import robust
from .rows import RowSpec, block_data, block_groups


@dataclass
class KeyedTotals:
    """Score sums per cluster: row ``g`` of ``totals`` belongs to the cluster
    whose labels are ``keys[0][g]`` (and ``keys[1][g]`` for the
    intersections of two-way clustering)."""

    keys: tuple[np.ndarray, ...]
    totals: FloatArray

    def __add__(self, other: KeyedTotals) -> KeyedTotals:
        keys = tuple(
            np.concatenate([mine, theirs])
            for mine, theirs in zip(self.keys, other.keys, strict=True)
        )
        return merged(keys, np.vstack([self.totals, other.totals]))


def merged(keys: tuple[np.ndarray, ...], totals: FloatArray) -> KeyedTotals:
    """Rows of ``totals`` with equal keys added: one row per cluster."""
    codes = [np.unique(key, return_inverse=True) for key in keys]
    if len(codes) == 1:
        (labels, inverse), = codes
        unique_keys: tuple[np.ndarray, ...] = (labels,)
    else:
        pairs, inverse = np.unique(
            np.column_stack([code for _, code in codes]), axis=0, return_inverse=True
        )
        unique_keys = tuple(
            labels[pairs[:, j]] for j, (labels, _) in enumerate(codes)
        )
    inverse = np.asarray(inverse).ravel()
    summed = np.zeros((len(unique_keys[0]), totals.shape[1]))
    np.add.at(summed, inverse, totals)
    return KeyedTotals(unique_keys, summed)


@dataclass
class RobustSums:
    """One block's (or all blocks') part of a robust covariance.

    ``clusters`` holds ``KeyedTotals`` per clustering: ``(A,)`` one-way,
    ``(A, B, A x B)`` two-way; empty without clusters. ``meat`` is None for
    cluster covariances.
    """

    nobs: float
    loglik: float
    meat: FloatArray | None
    clusters: tuple[KeyedTotals, ...]

    def __add__(self, other: RobustSums) -> RobustSums:
        meat = None if self.meat is None or other.meat is None else self.meat + other.meat
        return RobustSums(
            self.nobs + other.nobs,
            self.loglik + other.loglik,
            meat,
            tuple(a + b for a, b in zip(self.clusters, other.clusters, strict=True)),
        )


def robust_block(
    X_block: Any, y_block: Any, weight_block: Any, group_block: Any,
    spec: RowSpec, cov_type: str, bread: FloatArray,
) -> tuple[None, RobustSums]:
    """The block's ``RobustSums`` for ``cov_type`` (an HC type or
    ``"cluster"``; ``"nonrobust"`` gives the row check only)."""
    data = block_data(X_block, y_block, weight_block, spec)
    meat = None
    clusters: tuple[KeyedTotals, ...] = ()
    if cov_type in robust.HC_TYPES:
        leverage = None
        if cov_type in ("HC2", "HC3"):
            leverage = robust.leverage_binary(data.design, data.proba[:, 1], bread)
        meat = robust.hc_meat(data.design, data.residual, data.weight, cov_type, leverage)
    elif cov_type == "cluster":
        clusters = _cluster_sums(data.design, data.residual, data.weight, group_block)
    return None, RobustSums(data.nobs, data.loglik(), meat, clusters)


def _cluster_sums(
    design: FloatArray, residual: FloatArray, weight: FloatArray, group_block: Any
) -> tuple[KeyedTotals, ...]:
    labels = block_groups(group_block)
    if len(labels) != len(weight):
        raise ValueError(
            f"a block of groups has {len(labels)} labels but the matching block of "
            f"X has {len(weight)} rows; partition groups like X."
        )
    uniques, codes = [], []
    for column in labels.T:
        unique, code = np.unique(column, return_inverse=True)
        uniques.append(unique)
        codes.append(np.asarray(code).ravel())

    def totals(code: np.ndarray, n_groups: int) -> FloatArray:
        return robust.cluster_totals(design, residual, weight, code, n_groups)

    sums = [
        KeyedTotals((unique,), totals(code, len(unique)))
        for unique, code in zip(uniques, codes, strict=True)
    ]
    if len(sums) == 2:
        pairs, both = np.unique(np.column_stack(codes), axis=0, return_inverse=True)
        both = np.asarray(both).ravel()
        keys = (uniques[0][pairs[:, 0]], uniques[1][pairs[:, 1]])
        sums.append(KeyedTotals(keys, totals(both, len(pairs))))
    return tuple(sums)


def covariance(total: RobustSums, bread: FloatArray, cov_type: str) -> FloatArray:
    """The covariance of ``cov_type`` from the blocks' sums (module doc);
    ``cov_type`` is the one the blocks computed (statsmodels' convention
    asks them for HC0 whatever the HC type)."""
    if cov_type == "nonrobust":
        return bread
    if cov_type == "cluster":
        ways = [robust.cluster_from_totals(bread, part.totals, total.nobs)
                for part in total.clusters]
        return ways[0] if len(ways) == 1 else ways[0] + ways[1] - ways[2]
    assert total.meat is not None
    return robust.hc_from_meat(bread, total.meat, cov_type, total.nobs)
